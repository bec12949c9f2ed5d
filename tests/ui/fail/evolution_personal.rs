pub mod schema {
    goesgen::include_schema!("evolution_personal.yml", baseline = "evolution_personal.v1.yml");
}

fn main() {}
