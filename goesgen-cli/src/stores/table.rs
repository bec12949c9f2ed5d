//! Reading the stores an SQLite database holds: the rows of its
//! `goesgen_projection` table (`name`, `version`, and `fingerprint` where
//! the table has that column: databases written before fingerprints lack
//! it). The database is opened read-only and never changed.

use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use crate::error::CliError;

/// The table the SQLite store kit keeps its stores' versions in.
pub const TABLE: &str = "goesgen_projection";

/// One store's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreRow {
    /// Its name.
    pub name: String,
    /// Its version: the log position its projections reflect.
    pub version: u64,
    /// Its fingerprint as kept (`None`: NULL, or no such column).
    pub fingerprint: Option<String>,
}

/// The stores of the database at `path`, by name.
pub fn read(path: &Path) -> Result<Vec<StoreRow>, CliError> {
    let failed = |source| CliError::Database {
        path: path.to_path_buf(),
        source,
    };
    let db = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(failed)?;
    let columns = columns(&db).map_err(failed)?;
    if columns.is_empty() {
        return Err(CliError::NoStores {
            path: path.to_path_buf(),
        });
    }
    let fingerprint = if columns.iter().any(|c| c == "fingerprint") {
        "fingerprint"
    } else {
        "NULL"
    };
    let mut query = db
        .prepare(&format!(
            "SELECT name, version, {fingerprint} FROM {TABLE} ORDER BY name"
        ))
        .map_err(failed)?;
    let rows = query
        .query_map([], |row| {
            Ok(StoreRow {
                name: row.get(0)?,
                version: {
                    let version: i64 = row.get(1)?;
                    u64::try_from(version)
                        .map_err(|_| rusqlite::Error::IntegralValueOutOfRange(1, version))?
                },
                fingerprint: row.get(2)?,
            })
        })
        .map_err(failed)?;
    rows.collect::<Result<_, _>>().map_err(failed)
}

/// The columns of the stores' table; none when there is no such table.
fn columns(db: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut query = db.prepare(&format!("SELECT name FROM pragma_table_info('{TABLE}')"))?;
    let names = query.query_map([], |row| row.get(0))?;
    names.collect()
}
