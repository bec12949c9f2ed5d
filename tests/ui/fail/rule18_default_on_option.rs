pub mod schema {
    goesgen::include_schema!("rule18_default_on_option.yml");
}

fn main() {}
