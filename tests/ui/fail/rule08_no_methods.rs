pub mod schema {
    goesgen::include_schema!("rule08_no_methods.yml");
}

fn main() {}
