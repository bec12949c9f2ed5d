//! [`ProjectionSchema`]: what the DDL a store was given
//! ([`SqliteStore::with_schema`](super::SqliteStore::with_schema)) creates,
//! learned by running it on a scratch in-memory database, so that a
//! rebuild drops, re-creates and copies exactly the projection's tables,
//! indexes, views and triggers and nothing else of a database other stores
//! (or the event log) share.
//!
//! A rebuild drops those objects and runs the DDL again rather than
//! deleting their rows: a rebuild usually follows a change of the apply
//! functions, which often comes with a change of the tables' shape, and
//! `CREATE TABLE IF NOT EXISTS` does not change a table that exists. What
//! an older DDL created and the current one no longer does is left alone
//! (the kit cannot know it).

use rusqlite::Connection;

use super::sql_error;
use crate::service::{StoreError, StoreErrorKind};

/// The DDL of a store's projection and the objects it creates.
#[derive(Debug)]
pub(super) struct ProjectionSchema<'a> {
    sql: &'a str,
    objects: Vec<SchemaObject>,
}

#[derive(Debug)]
struct SchemaObject {
    kind: ObjectKind,
    name: String,
    /// The `CREATE` statement SQLite keeps for it.
    sql: String,
}

/// What a DDL creates, in the order a rebuild drops them (what depends on
/// a table before the table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum ObjectKind {
    View,
    Trigger,
    Index,
    /// A table holding the projection's rows (a virtual one included).
    Table,
    /// A virtual table's own storage: dropped and filled with it.
    Shadow,
}

/// What runs on the scratch database: each object of the main schema with
/// its type (`PRAGMA table_list` tells a virtual table's shadow tables from
/// the user's).
const OBJECTS: &str = "SELECT s.type, s.name, coalesce(t.type, ''), coalesce(s.sql, '')
    FROM sqlite_schema AS s
    LEFT JOIN pragma_table_list AS t ON t.schema = 'main' AND t.name = s.name
    WHERE s.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
    ORDER BY s.rowid";

impl<'a> ProjectionSchema<'a> {
    /// Runs `sql` on a new in-memory database and lists what it created.
    /// Fails if it does not run there (it must create everything it refers
    /// to).
    pub(super) fn learn(sql: &'a str) -> Result<Self, StoreError> {
        let scratch =
            Connection::open_in_memory().map_err(sql_error("opening a scratch database"))?;
        scratch.execute_batch(sql).map_err(|error| {
            StoreError::of(
                StoreErrorKind::Other,
                "SQLite store: the projection's schema does not run on an empty database, so \
                 the kit cannot tell which tables are the projection's (it must create every \
                 table it refers to)",
            )
            .caused_by(error)
        })?;
        let doing = "listing what the projection's schema creates";
        let mut statement = scratch.prepare(OBJECTS).map_err(sql_error(doing))?;
        let rows = statement
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                ))
            })
            .map_err(sql_error(doing))?;
        let mut objects = Vec::new();
        for row in rows {
            let (kind, name, table_kind, sql) = row.map_err(sql_error(doing))?;
            let kind = match (kind.as_str(), table_kind.as_str()) {
                ("view", _) => ObjectKind::View,
                ("trigger", _) => ObjectKind::Trigger,
                ("index", _) => ObjectKind::Index,
                ("table", "shadow") => ObjectKind::Shadow,
                ("table", _) => ObjectKind::Table,
                _ => continue,
            };
            objects.push(SchemaObject { kind, name, sql });
        }
        objects.sort_by_key(|object| object.kind);
        Ok(Self { sql, objects })
    }

    /// Drops, from `db`'s main database, each object the DDL creates (if
    /// it is there), then runs the DDL again: the projection's tables as a
    /// new store has them. Runs inside the caller's transaction.
    pub(super) fn recreate(&self, db: &Connection) -> Result<(), StoreError> {
        for object in &self.objects {
            let what = match object.kind {
                ObjectKind::View => "VIEW",
                ObjectKind::Trigger => "TRIGGER",
                ObjectKind::Index => "INDEX",
                ObjectKind::Table | ObjectKind::Shadow => "TABLE",
            };
            let sql = format!("DROP {what} IF EXISTS main.{}", quoted(&object.name));
            db.execute_batch(&sql)
                .map_err(sql_error("dropping the projection's tables"))?;
        }
        db.execute_batch(self.sql)
            .map_err(sql_error("creating the projection's tables"))
    }

    /// Copies the rows of each of the projection's tables from the
    /// attached database `from` into the main one's (emptied first: the
    /// DDL may fill a table with rows of its own), column by column by
    /// name (a generated or hidden column is computed, not copied). The
    /// DDL's triggers and indexes are set aside meanwhile and created
    /// again after: the rows copied hold what the triggers did already,
    /// and an index built once over the copied rows costs a sort, not an
    /// insert into a B-tree per row. Runs inside the caller's transaction.
    pub(super) fn copy_rows(&self, db: &Connection, from: &str) -> Result<(), StoreError> {
        let doing = "copying the rebuilt projection's rows";
        let set_aside = || {
            self.objects.iter().filter(|object| {
                matches!(object.kind, ObjectKind::Trigger | ObjectKind::Index)
                    && !object.sql.is_empty()
            })
        };
        for object in set_aside() {
            let what = if object.kind == ObjectKind::Trigger {
                "TRIGGER"
            } else {
                "INDEX"
            };
            db.execute_batch(&format!("DROP {what} main.{}", quoted(&object.name)))
                .map_err(sql_error(doing))?;
        }
        for object in &self.objects {
            if object.kind != ObjectKind::Table {
                continue;
            }
            let table = quoted(&object.name);
            let columns = {
                let mut statement = db
                    .prepare(
                        "SELECT name FROM pragma_table_xinfo(?1, ?2) WHERE hidden = 0 ORDER BY cid",
                    )
                    .map_err(sql_error(doing))?;
                let names = statement
                    .query_map([object.name.as_str(), from], |row| row.get::<_, String>(0))
                    .map_err(sql_error(doing))?;
                names
                    .map(|name| name.map(|name| quoted(&name)))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(sql_error(doing))?
                    .join(", ")
            };
            db.execute_batch(&format!(
                "DELETE FROM main.{table};
                 INSERT INTO main.{table} ({columns}) SELECT {columns} FROM {from}.{table};"
            ))
            .map_err(sql_error(doing))?;
        }
        for object in set_aside() {
            db.execute_batch(&object.sql).map_err(sql_error(doing))?;
        }
        Ok(())
    }
}

/// `name` as an SQL identifier, quoted.
pub(super) fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
