pub mod schema {
    goesgen::include_schema!("rule17_name_collision.yml");
}

fn main() {}
