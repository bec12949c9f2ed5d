pub mod schema {
    goesgen::include_schema!(42);
}

fn main() {}
