pub mod schema {
    goesgen::include_schema!("rule16_unused_event.yml");
}

fn main() {}
