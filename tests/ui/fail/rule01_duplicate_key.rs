pub mod schema {
    goesgen::include_schema!("rule01_duplicate_key.yml");
}

fn main() {}
