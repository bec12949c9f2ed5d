pub mod schema {
    goesgen::include_schema!("rule03_name_case.yml");
}

fn main() {}
