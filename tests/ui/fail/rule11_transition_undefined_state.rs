pub mod schema {
    goesgen::include_schema!("rule11_transition_undefined_state.yml");
}

fn main() {}
