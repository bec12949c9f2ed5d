pub mod schema {
    goesgen::include_schema!("rule19_personal_without_subject.yml");
}

fn main() {}
