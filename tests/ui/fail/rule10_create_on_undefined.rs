pub mod schema {
    goesgen::include_schema!("rule10_create_on_undefined.yml");
}

fn main() {}
