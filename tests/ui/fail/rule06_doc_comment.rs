pub mod schema {
    goesgen::include_schema!("rule06_doc_comment.yml");
}

fn main() {}
