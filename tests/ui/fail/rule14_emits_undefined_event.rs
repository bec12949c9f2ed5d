pub mod schema {
    goesgen::include_schema!("rule14_emits_undefined_event.yml");
}

fn main() {}
