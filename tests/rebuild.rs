//! `include_schema!` in a crate of its own, as a user writes it: the crate
//! depends on goesgen alone, renamed (`gg`), without default features, and
//! cargo rebuilds it when the schema file changes.
//!
//! The first check passes; after an edit of the schema alone (a second
//! event), the second check must fail on a compile-time assertion that the
//! schema has one event: proof that cargo rebuilt the crate.
//!
//! The scratch crate lives under cargo's `CARGO_TARGET_TMPDIR` with its own
//! target directory there, so a second run of this test reuses the
//! compiled dependencies. It costs one cold build of goesgen's dependencies
//! (without SQLite) and two checks of the scratch crate.

use std::path::{Path, PathBuf};
use std::process::Command;

const LIB: &str = r#"//! A user crate.
pub mod schema {
    gg::include_schema!("schema.yml");
}

/// A door installed.
pub fn installed(width: u32) -> schema::events::Event {
    schema::events::DoorInstalled { width }.into()
}

// Holds as long as the crate is compiled against the first schema.
const _: () = assert!(
    schema::events::EventKind::ALL.len() == 1,
    "compiled against a schema with more than one event"
);
"#;

const SCHEMA_BEFORE: &str = "\
events:
  DoorInstalled:
    width: u32
projections:
  Door:
    states: [Shut]
    createOn: DoorInstalled
services:
  Doors:
    projections: [Door]
    methods:
      Install:
        emits: [DoorInstalled]
";

fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn check(dir: &Path) -> (bool, String) {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(dir)
        .args(["check", "--quiet", "--offline", "--target-dir"])
        .arg(dir.join("target"))
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .expect("cargo runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn a_renamed_goesgen_alone_compiles_and_schema_edits_rebuild() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("include-schema-rebuild");
    let manifest = format!(
        "[package]\nname = \"scratch\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\ngg = {{ package = \"goesgen\", path = {:?}, default-features = false }}\n\n\
         [workspace]\n",
        repository().display().to_string()
    );
    write(&dir.join("Cargo.toml"), &manifest);
    // The repository's lock file pins the same dependency versions offline.
    std::fs::copy(repository().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    write(&dir.join("src/lib.rs"), LIB);
    // Beside the source file that includes it.
    let schema = dir.join("src/schema.yml");

    write(&schema, SCHEMA_BEFORE);
    let (ok, stderr) = check(&dir);
    assert!(
        ok,
        "the user crate compiles against goesgen alone: {stderr}"
    );

    let after = SCHEMA_BEFORE
        .replace(
            "    width: u32\n",
            "    width: u32\n  DoorPainted:\n    color: String\n",
        )
        .replace(
            "        emits: [DoorInstalled]\n",
            "        emits: [DoorInstalled]\n      Paint:\n        emits: [DoorPainted]\n",
        );
    write(&schema, &after);
    // Only the schema changed: cargo must see it (the expansion includes
    // its bytes) and recompile, and the new event breaks the assertion.
    let (ok, stderr) = check(&dir);
    assert!(
        !ok,
        "the edited schema was not picked up: the check still passes"
    );
    assert!(
        stderr.contains("compiled against a schema with more than one event"),
        "the failure is the assertion on the new schema: {stderr}"
    );
}

const STORE_LIB: &str = r#"//! A user crate with a store on SQLite, through goesgen alone.
use goesgen::rusqlite::{Connection, params};
use goesgen::{MethodError, Recorded, StoreError};

pub mod schema {
    goesgen::include_schema!("schema.yml");
}
use schema::doors::{DoorsInSqlite, DoorsMethods, InstallEvent};
use schema::events::DoorInstalled;

/// The doors table.
pub struct Doors;

impl DoorsInSqlite for Doors {
    fn apply_door_installed(
        &self,
        db: &Connection,
        at: &Recorded,
        event: &DoorInstalled,
    ) -> Result<(), StoreError> {
        db.execute(
            "INSERT INTO doors (position, width) VALUES (?1, ?2)",
            params![at.position as i64, event.width],
        )?;
        Ok(())
    }
}

/// The store.
pub fn store() -> Result<goesgen::SqliteStore<Doors>, StoreError> {
    goesgen::SqliteStore::in_memory("doors", Doors)?
        .with_schema("CREATE TABLE doors (position INTEGER PRIMARY KEY, width INTEGER NOT NULL)")
}

/// The logic.
pub struct Logic;

impl DoorsMethods for Logic {
    type Store = goesgen::SqliteStore<Doors>;
    type Context = ();
    type Error = std::convert::Infallible;

    async fn install(
        &self,
        _ctx: &(),
        txn: &mut goesgen::kits::SqliteWrite,
    ) -> Result<((), Vec<InstallEvent>), MethodError<Self::Error>> {
        let count: i64 = txn.query_row("SELECT count(*) FROM doors", [], |row| row.get(0))?;
        Ok(((), vec![DoorInstalled { width: 80 + count as u32 }.into()]))
    }
}
"#;

#[test]
fn a_crate_on_goesgen_alone_writes_a_store_with_goesgen_rusqlite() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("store-on-goesgen-rusqlite");
    let manifest = format!(
        "[package]\nname = \"scratch-store\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\ngoesgen = {{ path = {:?} }}\n\n[workspace]\n",
        repository().display().to_string()
    );
    write(&dir.join("Cargo.toml"), &manifest);
    std::fs::copy(repository().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    write(&dir.join("src/lib.rs"), STORE_LIB);
    write(&dir.join("src/schema.yml"), SCHEMA_BEFORE);
    let (ok, stderr) = check(&dir);
    assert!(
        ok,
        "a store written with goesgen::rusqlite compiles: {stderr}"
    );
}
