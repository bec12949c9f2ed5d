//! A schema changed compatibly against its baseline compiles, and so does
//! a schema against itself; the generated code is the new schema's.

pub mod schema {
    goesgen::include_schema!("evolution_compatible.yml", baseline = "evolution.v1.yml");
}

pub mod unchanged {
    goesgen::include_schema!("evolution.v1.yml", baseline = "evolution.v1.yml",);
}

fn main() {
    let installed = schema::events::DoorInstalled {
        width: 80,
        colour: None,
    };
    assert_eq!(installed.width, 80);
    let _locked = schema::events::DoorLocked {};
    assert_eq!(unchanged::events::EventKind::ALL.len(), 3);
}
