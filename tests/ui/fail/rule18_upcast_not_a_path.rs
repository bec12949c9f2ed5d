pub mod schema {
    goesgen::include_schema!("rule18_upcast_not_a_path.yml");
}

fn main() {}
