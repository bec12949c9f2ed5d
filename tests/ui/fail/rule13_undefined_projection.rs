pub mod schema {
    goesgen::include_schema!("rule13_undefined_projection.yml");
}

fn main() {}
