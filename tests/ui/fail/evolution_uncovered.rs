pub mod schema {
    goesgen::include_schema!("evolution_uncovered.yml", baseline = "evolution.v1.yml");
}

fn main() {}
