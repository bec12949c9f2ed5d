pub mod schema {
    goesgen::include_schema!("rule18_default_not_of_type.yml");
}

fn main() {}
