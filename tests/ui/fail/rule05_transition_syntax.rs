pub mod schema {
    goesgen::include_schema!("rule05_transition_syntax.yml");
}

fn main() {}
