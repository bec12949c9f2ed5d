pub mod schema {
    goesgen::include_schema!("rule12_create_on_in_transitions.yml");
}

fn main() {}
