pub mod schema {
    goesgen::include_schema!("event_named_event.yml");
}

fn main() {}
