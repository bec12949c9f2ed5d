//! `goesgen stores FILE [--schema SCHEMA]`: the stores an SQLite database
//! holds (the SQLite store kit's `goesgen_projection` table): each one's
//! name, version and fingerprint (`<schema hash>-<revision>`, or none: a
//! new store, or one written before fingerprints).
//!
//! With `--schema`, each store is matched to the schema's service of the
//! same name, compared without case and without `_` or `-` (the store
//! `tickets` or `bank_accounts` is the service `Tickets` or
//! `BankAccounts`), and its schema fingerprint to the one the schema gives
//! that service (goesgen-schema's `fingerprint`, the number the generated
//! code holds): `current` (the same), `stale` (another: the service will
//! refuse or rebuild it), `none kept` (a store with projections but no
//! fingerprint: likewise), `new` (version 0, nothing kept yet), `no
//! service` (no service of that name) or `unreadable` (a fingerprint that
//! is not one). The revision is the code's (`REVISION`), not the
//! schema's: it is shown, not checked. Exit status 1 when a store is
//! stale or keeps none.
//!
//! Output is JSON lines, an object per store (`name`, `version`,
//! `fingerprint`; with `--schema`, `service`, `status` and `expected`, the
//! schema fingerprint the schema gives), or a table for people with
//! `--table`. A file that is not an SQLite database, or that has no
//! `goesgen_projection` table, is an error (exit status 2).
//!
//! - `table`: reading the rows.

mod table;

use std::path::Path;
use std::str::FromStr;

use goesgen_runtime::StoreFingerprint;
use goesgen_schema::{Schema, fingerprint};
use serde_json::{Value, json};

use crate::Outcome;
use crate::cli::StoresArgs;
use crate::error::CliError;
use crate::output::Out;
use crate::schema_file::SchemaFile;
use table::StoreRow;

/// How a store compares with the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    /// Its schema fingerprint is the schema's.
    Current,
    /// Its schema fingerprint is another.
    Stale,
    /// It holds projections but keeps no fingerprint.
    NoneKept,
    /// Version 0 and no fingerprint: nothing built yet.
    New,
    /// No service of the schema has its name.
    NoService,
    /// Its fingerprint is not one.
    Unreadable,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Current => "current",
            Status::Stale => "stale",
            Status::NoneKept => "none kept",
            Status::New => "new",
            Status::NoService => "no service",
            Status::Unreadable => "unreadable",
        }
    }

    /// Whether the service would refuse (or rebuild) the store.
    fn is_problem(self) -> bool {
        matches!(self, Status::Stale | Status::NoneKept)
    }
}

/// A store compared with the schema's service of its name.
struct Compared {
    /// The service's name.
    service: Option<String>,
    /// The schema fingerprint the schema gives it.
    expected: Option<u64>,
    status: Status,
}

/// Runs `goesgen stores`.
pub fn run(args: &StoresArgs, out: &mut Out) -> Result<Outcome, CliError> {
    let path = args.file.strip_prefix("sqlite:").unwrap_or(&args.file);
    let stores = table::read(Path::new(path))?;
    let schema = match &args.schema {
        Some(path) => Some(SchemaFile::read(path)?.valid()?),
        None => None,
    };
    let compared: Vec<Option<Compared>> = stores
        .iter()
        .map(|store| schema.as_ref().map(|schema| compare(schema, store)))
        .collect();
    if args.table {
        table_out(&stores, &compared, out)?;
    } else {
        for (store, compared) in stores.iter().zip(&compared) {
            out.json(&store_json(store, compared.as_ref()))?;
        }
    }
    let problem = compared.iter().flatten().any(|c| c.status.is_problem());
    Ok(if problem {
        Outcome::Problems
    } else {
        Outcome::Clean
    })
}

/// A name without case, `_` or `-`: how a store's name meets a service's.
fn key(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// `store` compared with the service of its name in `schema`.
fn compare(schema: &Schema, store: &StoreRow) -> Compared {
    let Some(service) = schema
        .services
        .iter()
        .find(|s| key(s.name.as_str()) == key(&store.name))
    else {
        return Compared {
            service: None,
            expected: None,
            status: Status::NoService,
        };
    };
    let expected = fingerprint(schema, service);
    let status = match store.fingerprint.as_deref().map(StoreFingerprint::from_str) {
        None if store.version == 0 => Status::New,
        None => Status::NoneKept,
        Some(Err(_)) => Status::Unreadable,
        Some(Ok(kept)) if kept.schema == expected => Status::Current,
        Some(Ok(_)) => Status::Stale,
    };
    Compared {
        service: Some(service.name.text.clone()),
        expected: Some(expected),
        status,
    }
}

/// One store as a JSON object.
fn store_json(store: &StoreRow, compared: Option<&Compared>) -> Value {
    let mut value = json!({
        "name": store.name,
        "version": store.version,
        "fingerprint": store.fingerprint,
    });
    if let Some(compared) = compared {
        value["service"] = json!(compared.service);
        value["status"] = json!(compared.status.as_str());
        value["expected"] = json!(compared.expected.map(|e| format!("{e:016x}")));
    }
    value
}

/// The stores as a table for people.
fn table_out(
    stores: &[StoreRow],
    compared: &[Option<Compared>],
    out: &mut Out,
) -> Result<(), CliError> {
    let width = stores
        .iter()
        .map(|s| s.name.chars().count())
        .max()
        .unwrap_or(0)
        .max("NAME".len());
    let schema = compared.iter().any(Option::is_some);
    let mut header = format!(
        "{:<width$}  {:>10}  {:<24}",
        "NAME", "VERSION", "FINGERPRINT"
    );
    if schema {
        header.push_str("  SCHEMA");
    }
    out.line(header.trim_end())?;
    for (store, compared) in stores.iter().zip(compared) {
        let mut line = format!(
            "{:<width$}  {:>10}  {:<24}",
            store.name,
            store.version,
            store.fingerprint.as_deref().unwrap_or("none")
        );
        if let Some(compared) = compared {
            line.push_str("  ");
            line.push_str(compared.status.as_str());
            match (&compared.service, compared.expected) {
                (Some(service), Some(expected)) if compared.status != Status::Current => {
                    line.push_str(&format!(" ({service}: {expected:016x})"));
                }
                (Some(service), _) => line.push_str(&format!(" ({service})")),
                _ => {}
            }
        }
        out.line(line.trim_end())?;
    }
    Ok(())
}
