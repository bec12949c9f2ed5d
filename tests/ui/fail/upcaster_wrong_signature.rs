pub mod migrations {
    pub fn door_installed(payload: serde_json::Value) -> serde_json::Value {
        payload
    }
}

pub mod schema {
    goesgen::include_schema!("upcaster_wrong_signature.yml");
}

fn main() {}
