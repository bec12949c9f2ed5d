pub mod schema {
    goesgen::include_schema!("no_such_schema.yml");
}

fn main() {}
