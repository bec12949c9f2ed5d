pub mod schema {
    goesgen::include_schema!("rule19_subject_not_an_id.yml");
}

fn main() {}
