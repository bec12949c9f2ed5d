pub mod schema {
    goesgen::include_schema!("rule02_unknown_key.yml");
}

fn main() {}
