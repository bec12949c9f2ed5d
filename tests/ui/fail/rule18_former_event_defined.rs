pub mod schema {
    goesgen::include_schema!("rule18_former_event_defined.yml");
}

fn main() {}
