pub mod schema {
    goesgen::include_schema!("evolution_breaking.yml", baseline = "evolution.v1.yml");
}

fn main() {}
