pub mod schema {
    goesgen::include_schema!("rule09_duplicate_state.yml");
}

fn main() {}
