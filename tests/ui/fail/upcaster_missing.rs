pub mod migrations {}

pub mod schema {
    goesgen::include_schema!("upcaster_wrong_signature.yml");
}

fn main() {}
