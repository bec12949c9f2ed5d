pub mod schema {
    goesgen::include_schema!("rule04_type_ref.yml");
}

fn main() {}
