//! The PostgreSQL side of the log: validated schema and table names, the
//! tables they stand for, and every SQL statement the backend runs, built once
//! from those names with every identifier quoted.
//!
//! Names are checked against `[A-Za-z_][A-Za-z0-9_]{0,62}` before anything is
//! sent to the server, so a name can never smuggle SQL in; quoting keeps their
//! case. The table name also names its companions, `<table>_kinds` (the
//! last position of each kind, so a condition costs one index probe per
//! kind), `<table>_keys` (where each keyed append was written, under its
//! key as primary key), the key store of personal data, `<table>_datakeys`
//! (each subject's data key, wrapped by the master key) and
//! `<table>_master` (the master key's check value), and the index
//! `<table>_kind_pos`, so it may be at most
//! [`MAX_TABLE_NAME_LEN`] characters long, so that every derived name still
//! fits PostgreSQL's 63-byte identifiers (PostgreSQL would silently truncate
//! a longer one).

use std::hash::Hasher;

use goesgen_runtime::backend::fnv::Fnv1a;
use goesgen_runtime::error::LogError;

/// PostgreSQL's longest identifier, in bytes.
const MAX_IDENTIFIER_LEN: usize = 63;

/// The longest suffix appended to the table name for a derived name.
const LONGEST_SUFFIX: &str = "_kind_pos";

/// The longest table name accepted: 63 bytes minus the longest derived
/// suffix.
pub const MAX_TABLE_NAME_LEN: usize = MAX_IDENTIFIER_LEN - LONGEST_SUFFIX.len();

/// Checks that `name` is a plain SQL identifier: `[A-Za-z_][A-Za-z0-9_]*`, at
/// most `max_len` bytes long.
pub(crate) fn validate_identifier(what: &str, name: &str, max_len: usize) -> Result<(), LogError> {
    let mut chars = name.chars();
    let valid_start = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    let valid_rest = chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid_start || !valid_rest {
        return Err(LogError::Config(format!(
            "invalid PostgreSQL {what} name {name:?}: use letters, digits and \
             underscores, starting with a letter or underscore"
        )));
    }
    if name.len() > max_len {
        return Err(LogError::Config(format!(
            "PostgreSQL {what} name {name:?} is {} characters long; at most {max_len} are allowed",
            name.len()
        )));
    }
    Ok(())
}

/// A double-quoted identifier (names are validated, so it holds no quote).
fn quote(name: &str) -> String {
    format!("\"{name}\"")
}

/// 64-bit FNV-1a: a hash that is the same in every process, host and build
/// (unlike `std`'s hasher), as the advisory lock key must be.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hasher = Fnv1a::default();
    hasher.write(bytes);
    hasher.finish()
}

/// The statements of one log (one schema and table), ready to prepare.
#[derive(Debug, Clone)]
pub(crate) struct Sql {
    /// The schema, as configured.
    pub schema: String,
    /// The events table, as configured.
    pub table: String,
    /// The advisory lock every append (and the table creation) takes first.
    pub lock_key: i64,
    /// The `LISTEN/NOTIFY` channel on which appends announce the new head.
    pub channel: String,
    /// Creates the schema, the tables and the index if absent (so a log
    /// made before personal data gains its key store tables), and
    /// upgrades a keys table made before keys were kept per part of an
    /// append (it gains its nullable `fingerprint` column).
    pub create: String,
    /// `BEGIN` and take the append lock (one round trip, simple protocol).
    pub begin_locked: String,
    /// The head: `() -> int8`.
    pub head: String,
    /// What the log keeps for some keys:
    /// `($1 text[] keys) -> (key text, first int8, last int8, recorded_at
    /// timestamptz, fingerprint text?)`, one row per key found.
    pub find_keys: String,
    /// What an append group is checked against, read under the lock:
    /// `($1 text[] condition kinds) -> (head int8, now timestamptz, xid int8,
    /// kind text?, last_position int8?)`, one row per known kind of `$1`
    /// (at least one row).
    pub group_state: String,
    /// Writes a group, stores its keys and notifies:
    /// `($1 int8[] positions, $2 timestamptz[] their times, $3 text[] kinds,
    /// $4 bytea[] payloads, $5 text[] kinds, $6 int8[] their last
    /// positions, $7 text channel, $8 text new head, $9 text[] keys,
    /// $10 int8[] first positions, $11 int8[] last positions,
    /// $12 timestamptz[] times, $13 text[] fingerprints (null for none))`.
    pub write_group: String,
    /// The records after a position, with the head of the same snapshot:
    /// `($1 int8 after, $2 int8 limit, $3 int8 byte budget) -> (head,
    /// position?, recorded_at?, kind?, payload?)`, at least one row. The
    /// server stops after the record whose payload reaches the budget.
    pub read_all: String,
    /// As `read_all`, only the kinds in `$3 text[]`, with the byte budget
    /// in `$4`.
    pub read_kinds: String,
    /// Whether a transaction committed: `($1 int8 xid) -> text`.
    pub xact_status: String,
    /// Terminates a backend if it still runs a transaction:
    /// `($1 int4 pid, $2 int8 xid) -> bool`, no row if it does not.
    pub terminate_xact: String,
    /// `LISTEN` on the channel.
    pub listen: String,
    /// The open check of positions: `() -> (count int8, lowest int8,
    /// highest int8)` over the events (lowest 1 and highest 0 when empty).
    pub check_positions: String,
    /// The first position missing below the highest, knowing one is and
    /// that the lowest is 1: `() -> int8`.
    pub first_missing: String,
    /// The open check of kinds: `() -> (kind text, stored int8, newest
    /// int8?)`, a kind whose stored newest position is not the newest
    /// event of that kind, if any.
    pub check_kinds: String,
    /// The statements of the key store of personal data.
    pub personal: PersonalSql,
}

/// The statements of the key store of personal data: `<table>_datakeys`
/// (one row per subject: its data key's id and the key wrapped by the
/// master key) and `<table>_master` (one row: the master key's check
/// value).
#[derive(Debug, Clone)]
pub(crate) struct PersonalSql {
    /// The master key's check value: `() -> bytea`, no row if none is
    /// stored.
    pub check_value: String,
    /// Stores the check value unless one is stored: `($1 bytea)`.
    pub store_check: String,
    /// Stores new data keys, skipping subjects that have one (and so
    /// never replacing a key, even one another transaction stores at the
    /// same time): `($1 text[] subjects, $2 bytea[] key ids, $3 bytea[]
    /// wrapped keys)`.
    pub store_keys: String,
    /// The check value and the keys of some subjects: `($1 text[]) ->
    /// (check bytea?, key_id bytea?, subject text?, wrapped bytea?)`, one
    /// row per key found (at least one row).
    pub keys_of_subjects: String,
    /// As `keys_of_subjects`, by key id: `($1 bytea[])`.
    pub keys_by_id: String,
    /// Deletes a subject's key: `($1 text) -> (key_id bytea)`, no row if
    /// it had none.
    pub forget: String,
}

impl PersonalSql {
    fn new(datakeys: &str, master: &str) -> Self {
        let keys_where = |condition: &str| {
            format!(
                "SELECT (SELECT check_value FROM {master}), d.key_id, d.subject, d.wrapped
                 FROM (VALUES (1)) AS one(x)
                 LEFT JOIN {datakeys} AS d ON {condition}"
            )
        };
        Self {
            check_value: format!("SELECT check_value FROM {master}"),
            store_check: format!(
                "INSERT INTO {master} (one, check_value) VALUES (true, $1::bytea)
                 ON CONFLICT DO NOTHING"
            ),
            store_keys: format!(
                "INSERT INTO {datakeys} (subject, key_id, wrapped, created_at)
                 SELECT s, k, w, now()
                 FROM unnest($1::text[], $2::bytea[], $3::bytea[]) AS n(s, k, w)
                 ON CONFLICT DO NOTHING"
            ),
            keys_of_subjects: keys_where("d.subject = ANY($1::text[])"),
            keys_by_id: keys_where("d.key_id = ANY($1::bytea[])"),
            forget: format!("DELETE FROM {datakeys} WHERE subject = $1::text RETURNING key_id"),
        }
    }
}

impl Sql {
    /// The statements for the events table `table` in `schema`, after
    /// validating both names.
    pub fn new(schema: &str, table: &str) -> Result<Self, LogError> {
        validate_identifier("schema", schema, MAX_IDENTIFIER_LEN)?;
        validate_identifier("table", table, MAX_TABLE_NAME_LEN)?;
        let events = format!("{}.{}", quote(schema), quote(table));
        let kinds = format!("{}.{}", quote(schema), quote(&format!("{table}_kinds")));
        let keys = format!("{}.{}", quote(schema), quote(&format!("{table}_keys")));
        let datakeys = format!("{}.{}", quote(schema), quote(&format!("{table}_datakeys")));
        let master = format!("{}.{}", quote(schema), quote(&format!("{table}_master")));
        let kind_index = quote(&format!("{table}{LONGEST_SUFFIX}"));
        let hash = fnv1a(format!("goesgen event log {schema}.{table}").as_bytes());
        // The key is the hash's bits read as a signed number, as
        // pg_advisory_xact_lock takes a bigint.
        let lock_key = i64::from_ne_bytes(hash.to_ne_bytes());
        let channel = format!("goesgen_{hash:016x}");
        let begin_locked = format!("BEGIN; SELECT pg_advisory_xact_lock({lock_key})");
        let create = format!(
            "BEGIN;
             SELECT pg_advisory_xact_lock({lock_key});
             CREATE SCHEMA IF NOT EXISTS {schema_q};
             CREATE TABLE IF NOT EXISTS {events} (
                 position bigint PRIMARY KEY CHECK (position > 0),
                 recorded_at timestamptz NOT NULL,
                 kind text NOT NULL,
                 payload bytea NOT NULL
             );
             CREATE INDEX IF NOT EXISTS {kind_index} ON {events} (kind, position);
             CREATE TABLE IF NOT EXISTS {kinds} (
                 kind text PRIMARY KEY,
                 last_position bigint NOT NULL
             );
             CREATE TABLE IF NOT EXISTS {keys} (
                 key text PRIMARY KEY,
                 first_position bigint NOT NULL,
                 last_position bigint NOT NULL,
                 recorded_at timestamptz NOT NULL,
                 fingerprint text
             );
             CREATE TABLE IF NOT EXISTS {datakeys} (
                 subject text PRIMARY KEY,
                 key_id bytea NOT NULL UNIQUE,
                 wrapped bytea NOT NULL,
                 created_at timestamptz NOT NULL
             );
             CREATE TABLE IF NOT EXISTS {master} (
                 one boolean PRIMARY KEY DEFAULT true CHECK (one),
                 check_value bytea NOT NULL
             );
             DO $upgrade$ BEGIN
                 IF NOT EXISTS (
                     SELECT FROM pg_attribute
                     WHERE attrelid = '{keys}'::regclass
                       AND attname = 'fingerprint' AND NOT attisdropped
                 ) THEN
                     ALTER TABLE {keys} ADD COLUMN fingerprint text;
                 END IF;
             END $upgrade$;
             COMMIT;",
            schema_q = quote(schema),
        );
        let head = format!("SELECT coalesce(max(position), 0)::int8 FROM {events}");
        let find_keys = format!(
            "SELECT key, first_position, last_position, recorded_at, fingerprint
             FROM {keys} WHERE key = ANY($1::text[])"
        );
        let group_state = format!(
            "SELECT coalesce((SELECT max(position) FROM {events}), 0)::int8,
                    clock_timestamp(), txid_current(), k.kind, k.last_position
             FROM (VALUES (1)) AS one(x)
             LEFT JOIN {kinds} AS k ON k.kind = ANY($1::text[])"
        );
        let write_group = format!(
            "WITH inserted AS (
                 INSERT INTO {events} (position, recorded_at, kind, payload)
                 SELECT * FROM unnest($1::int8[], $2::timestamptz[], $3::text[], $4::bytea[])
             ), last_kinds AS (
                 INSERT INTO {kinds} AS k (kind, last_position)
                 SELECT * FROM unnest($5::text[], $6::int8[])
                 ON CONFLICT (kind) DO UPDATE SET last_position = EXCLUDED.last_position
             ), stored_keys AS (
                 INSERT INTO {keys} (key, first_position, last_position, recorded_at, fingerprint)
                 SELECT * FROM unnest(
                     $9::text[], $10::int8[], $11::int8[], $12::timestamptz[], $13::text[]
                 )
             )
             SELECT pg_notify($7::text, $8::text)"
        );
        // One statement, so the head and the records share a snapshot. The
        // page is cut after the record whose payload reaches the byte budget
        // (`$budget`): each row carries the payload bytes of the rows before
        // it (`octet_length` reads a stored value's size without
        // decompressing or fetching it), so the server never sends more than
        // the budget plus one payload.
        let read = |page: &str, budget: &str| {
            format!(
                "WITH h AS (SELECT coalesce(max(position), 0)::int8 AS head FROM {events})
                 SELECT h.head, e.position, e.recorded_at, e.kind, e.payload
                 FROM h LEFT JOIN LATERAL (
                     SELECT s.position, s.recorded_at, s.kind, s.payload
                     FROM (
                         SELECT pg.position, pg.recorded_at, pg.kind, pg.payload,
                                coalesce(sum(octet_length(pg.payload)) OVER (
                                    ORDER BY pg.position
                                    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
                                ), 0) AS before
                         FROM ({page}) AS pg
                     ) AS s
                     WHERE s.before < {budget}::int8
                 ) AS e ON true
                 ORDER BY e.position"
            )
        };
        let read_all = read(
            &format!(
                "SELECT position, recorded_at, kind, payload FROM {events}
                 WHERE position > $1::int8 ORDER BY position LIMIT $2::int8"
            ),
            "$3",
        );
        // Filtered: the first `limit` positions of each kind from the
        // (kind, position) index, merged and cut to `limit`, then only those
        // rows fetched: bounded by kinds x limit index entries whatever the
        // kinds' frequency. Both bounds are row comparisons, which only the
        // (kind, position) index can serve, and the scan starts at
        // (kind, after): with `kind = k AND position > after` the generic
        // plan walks the primary key filtering by kind (the gap to the next
        // event of a rare kind), and with `kind = k` beside a row comparison
        // the scan starts at the kind's first entry. `OFFSET 0` keeps the
        // row fetch a nested loop of primary-key lookups (flattened, the
        // generic plan hash-joins the page against a scan of the table).
        let read_kinds = read(
            &format!(
                "SELECT r.position, r.recorded_at, r.kind, r.payload
             FROM (
                 SELECT k.position
                 FROM unnest($3::text[]) AS f(kind)
                 CROSS JOIN LATERAL (
                     SELECT position FROM {events}
                     WHERE (kind, position) > (f.kind, $1::int8)
                       AND (kind, position) <= (f.kind, {max})
                     ORDER BY kind, position LIMIT $2::int8
                 ) AS k
                 ORDER BY k.position LIMIT $2::int8
             ) AS p
             CROSS JOIN LATERAL (
                 SELECT position, recorded_at, kind, payload FROM {events}
                 WHERE position = p.position OFFSET 0
             ) AS r",
                max = i64::MAX
            ),
            "$4",
        );
        let check_positions = format!(
            "SELECT count(*)::int8, coalesce(min(position), 1)::int8,
                    coalesce(max(position), 0)::int8
             FROM {events}"
        );
        let first_missing = format!(
            "SELECT coalesce(min(s.position) + 1, 1)::int8
             FROM (SELECT position, lead(position) OVER (ORDER BY position) AS next
                   FROM {events}) AS s
             WHERE s.next <> s.position + 1"
        );
        // One probe of the (kind, position) index per kind.
        let check_kinds = format!(
            "SELECT k.kind, k.last_position, n.newest
             FROM {kinds} AS k
             LEFT JOIN LATERAL (
                 SELECT max(e.position) AS newest FROM {events} AS e WHERE e.kind = k.kind
             ) AS n ON true
             WHERE k.last_position IS DISTINCT FROM n.newest
             LIMIT 1"
        );
        Ok(Self {
            personal: PersonalSql::new(&datakeys, &master),
            check_positions,
            first_missing,
            check_kinds,
            schema: schema.to_owned(),
            table: table.to_owned(),
            lock_key,
            listen: format!("LISTEN {}", quote(&channel)),
            channel,
            create,
            begin_locked,
            head,
            find_keys,
            group_state,
            write_group,
            read_all,
            read_kinds,
            xact_status: "SELECT txid_status($1::int8)".to_owned(),
            // backend_xid is the 32-bit xid; txid_current() adds the epoch.
            terminate_xact: "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                             WHERE pid = $1::int4
                               AND backend_xid::text = ($2::int8 % 4294967296)::text"
                .to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_plain_identifiers() {
        for name in ["events", "_x", "Events_2", "a"] {
            assert!(Sql::new("public", name).is_ok(), "{name}");
        }
        let longest = "t".repeat(MAX_TABLE_NAME_LEN);
        assert!(Sql::new(&"s".repeat(63), &longest).is_ok());
    }

    #[test]
    fn rejects_anything_else_with_a_config_error() {
        let long = "t".repeat(MAX_TABLE_NAME_LEN + 1);
        for name in [
            "",
            "1events",
            "events; DROP TABLE x",
            "ev\"ents",
            "ev-ents",
            "évents",
            "ev ents",
            "events\0",
            long.as_str(),
        ] {
            match Sql::new("public", name) {
                Err(LogError::Config(message)) => assert!(message.contains("table"), "{message}"),
                other => panic!("{name:?}: expected a config error, got {other:?}"),
            }
            if name == long {
                continue; // a valid schema name: schemas may use all 63 bytes
            }
            match Sql::new(name, "events") {
                Err(LogError::Config(message)) => assert!(message.contains("schema"), "{message}"),
                other => panic!("{name:?}: expected a config error, got {other:?}"),
            }
        }
        assert!(Sql::new(&"s".repeat(64), "events").is_err());
    }

    #[test]
    fn lock_key_and_channel_are_stable_and_distinct() {
        let a = Sql::new("public", "events").unwrap();
        let b = Sql::new("public", "events").unwrap();
        let c = Sql::new("public", "events2").unwrap();
        let d = Sql::new("other", "events").unwrap();
        assert_eq!((a.lock_key, &a.channel), (b.lock_key, &b.channel));
        assert_ne!(a.lock_key, c.lock_key);
        assert_ne!(a.lock_key, d.lock_key);
        assert_ne!(a.channel, c.channel);
        // FNV-1a is fixed by its definition: processes of different builds
        // must agree on the key.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert!(a.channel.len() <= 63);
    }

    #[test]
    fn identifiers_are_quoted_in_statements() {
        let sql = Sql::new("Tenant_1", "Events").unwrap();
        assert!(sql.create.contains("\"Tenant_1\".\"Events\""));
        assert!(sql.create.contains("\"Tenant_1\".\"Events_kinds\""));
        assert!(sql.create.contains("\"Tenant_1\".\"Events_keys\""));
        assert!(sql.find_keys.contains("\"Tenant_1\".\"Events_keys\""));
        assert!(sql.create.contains("\"Tenant_1\".\"Events_datakeys\""));
        assert!(sql.create.contains("\"Tenant_1\".\"Events_master\""));
        assert!(
            sql.personal
                .keys_by_id
                .contains("\"Tenant_1\".\"Events_datakeys\"")
        );
        assert!(sql.read_all.contains("\"Tenant_1\".\"Events\""));
        assert!(sql.listen.starts_with("LISTEN \"goesgen_"));
    }
}
