pub mod schema {
    goesgen::include_schema!("many_errors.yml");
}

fn main() {}
