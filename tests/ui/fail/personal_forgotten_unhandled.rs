// A personal property is a `goesgen::Personal<T>`: code that takes it for
// the plain value does not compile, it must say what a forgotten one does.
pub mod schema {
    goesgen::include_schema!("personal_users.yml");
}

pub mod id {
    #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
    #[cfg_attr(feature = "contracts", derive(schemars::JsonSchema))]
    pub struct User(pub String);
}

fn greeting(event: &schema::events::UserCreated) -> String {
    let name: &String = &event.name;
    format!("Hello, {name}!")
}

fn main() {
    let _ = greeting;
}
