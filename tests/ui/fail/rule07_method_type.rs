pub mod schema {
    goesgen::include_schema!("rule07_method_type.yml");
}

fn main() {}
