pub mod schema {
    goesgen::include_schema!("rule01_invalid_yaml.yml");
}

fn main() {}
