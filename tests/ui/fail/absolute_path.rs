pub mod schema {
    goesgen::include_schema!("/etc/schema.yml");
}

fn main() {}
