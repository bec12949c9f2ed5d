pub mod schema {
    goesgen::include_schema!("rule15_readonly_emits.yml");
}

fn main() {}
