//! Personal data on PostgreSQL (crypto-shredding): the key store in the
//! log's own database, used through the runtime's generic helpers
//! ([`goesgen_runtime::personal`]), which do all the sealing and opening.
//!
//! - `<table>_datakeys`: one row per data subject, its data key's id and
//!   the key wrapped by the application's master key (never the key in
//!   the clear, never the master key);
//! - `<table>_master`: one row, the master key's check value, so that a
//!   wrong master key is [`PersonalError::WrongMasterKey`] (when the log
//!   is opened, and in any transaction that would use it), never garbage.
//!
//! Sealing happens in the append's own transaction, under the log's
//! advisory lock ([`Sealer::seal_group`]): the subjects' keys are stored
//! with `INSERT .. ON CONFLICT DO NOTHING` and then read back, so two
//! transactions using a new subject at once (whatever lock they hold)
//! end with one key, the first committed. Forgetting a subject
//! ([`PostgresLog::forget_subject`]) deletes its row and appends the
//! runtime's `SubjectForgotten` record in one transaction, through the
//! write lock's code. Reads hand the keys they need back
//! ([`PostgresLog::read_data_keys`]).
//!
//! [`PostgresLog`]: super::PostgresLog

use goesgen_runtime::error::LogError;
use goesgen_runtime::limits::LogLimits;
use goesgen_runtime::log::{Append, Appended};
use goesgen_runtime::personal::{
    DataKey, DataKeys, Forgot, KeyId, MasterKey, PersonalError, Sealing, Subject, SubjectKeys,
    forgotten_event, unwrap_keys,
};
use goesgen_runtime::record::NewEvent;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Row};

use super::PostgresLog;
use super::append::WriteConn;
use super::connect::db_error;
use super::schema::Sql;

/// What sealing needs besides the transaction: the master key (if the log
/// was given one) and the log's limits (a sealed payload is longer than
/// its plaintext).
#[derive(Debug, Clone)]
pub(crate) struct Sealer {
    pub master: Option<MasterKey>,
    pub limits: LogLimits,
}

impl Sealer {
    /// The master key, or [`PersonalError::NoMasterKey`].
    fn master(&self) -> Result<&MasterKey, LogError> {
        self.master
            .as_ref()
            .ok_or_else(|| PersonalError::NoMasterKey.into())
    }

    /// Checks an append's seals before it is queued, so that a bad one
    /// fails alone and never a group: a master key is there, each event
    /// to seal names its subject, and each sealed payload is within the
    /// limits. The last is learned by sealing a copy with a throwaway key
    /// (a sealed value's length does not depend on its key).
    pub fn check(&self, append: &Append) -> Result<(), LogError> {
        if append.seals().is_empty() {
            return Ok(());
        }
        self.master()?;
        let sealing = Sealing::prepare(&append.events, append.seals())?;
        let throwaway = DataKey::generate()?;
        let keys: SubjectKeys = sealing
            .subjects()
            .into_iter()
            .map(|subject| (subject.clone(), throwaway.clone()))
            .collect();
        sealing.seal(&mut append.events.clone(), &keys, &self.limits)
    }

    /// Seals the events of the members of a group that write
    /// (`writers`), on `conn` inside the group's transaction: the
    /// master key's check value is stored if none is and checked, the
    /// keys of subjects used for the first time are made and stored
    /// (a subject that has one keeps it), and every subject's key is read
    /// back and unwrapped. Per member, its sealed events, or `None` where
    /// it has nothing to seal. Sends nothing for a group without seals.
    pub async fn seal_group(
        &self,
        conn: &WriteConn,
        group: &[&Append],
        writers: &[bool],
    ) -> Result<Vec<Option<Vec<NewEvent>>>, LogError> {
        let mut sealings = Vec::with_capacity(group.len());
        for (append, writes) in group.iter().zip(writers) {
            sealings.push(if *writes && !append.seals().is_empty() {
                Some(Sealing::prepare(&append.events, append.seals())?)
            } else {
                None
            });
        }
        let mut subjects: Vec<&Subject> = Vec::new();
        for sealing in sealings.iter().flatten() {
            for subject in sealing.subjects() {
                if !subjects.contains(&subject) {
                    subjects.push(subject);
                }
            }
        }
        if subjects.is_empty() {
            return Ok(vec![None; group.len()]);
        }
        let keys = self.subject_keys(conn, &subjects).await?;
        let mut sealed = Vec::with_capacity(group.len());
        for (append, sealing) in group.iter().zip(sealings) {
            sealed.push(match sealing {
                Some(sealing) => {
                    let mut events = append.events.clone();
                    sealing.seal(&mut events, &keys, &self.limits)?;
                    Some(events)
                }
                None => None,
            });
        }
        Ok(sealed)
    }

    /// The data keys of `subjects`, made and stored for those that have
    /// none, in the caller's transaction. Fresh keys are made for every
    /// subject and stored with `ON CONFLICT DO NOTHING` (a few microseconds
    /// each, and one round trip instead of two), then the stored ones are
    /// read back: the key a subject had, or the one this transaction
    /// stored, or the one a concurrent transaction committed first.
    async fn subject_keys(
        &self,
        conn: &WriteConn,
        subjects: &[&Subject],
    ) -> Result<SubjectKeys, LogError> {
        let master = self.master()?;
        let check = master.check_value()?;
        let mut names = Vec::with_capacity(subjects.len());
        let mut ids = Vec::with_capacity(subjects.len());
        let mut wrapped = Vec::with_capacity(subjects.len());
        for subject in subjects {
            let key = DataKey::generate()?;
            names.push(subject.to_string());
            ids.push(key.id().as_bytes().to_vec());
            wrapped.push(master.wrap(&key, subject)?);
        }
        let check_params: [&(dyn ToSql + Sync); 1] = [&check];
        let store_params: [&(dyn ToSql + Sync); 3] = [&names, &ids, &wrapped];
        let find_params: [&(dyn ToSql + Sync); 1] = [&names];
        // Prepared statements, so join! sends them in order (as the
        // writer's own are) and each sees what the ones before it wrote:
        // one round trip. If the check value turns out to be another
        // key's, the transaction is rolled back, keys and all.
        let client = &conn.client;
        let (stored_check, stored_keys, rows) = tokio::join!(
            client.execute(&conn.store_check, &check_params),
            client.execute(&conn.store_keys, &store_params),
            client.query(&conn.keys_of_subjects, &find_params),
        );
        stored_check.map_err(|e| db_error("cannot store the master key's check value", e))?;
        stored_keys.map_err(|e| db_error("cannot store personal data keys", e))?;
        let rows = rows.map_err(|e| db_error("cannot read personal data keys", e))?;
        let (check, rows) = key_rows(&rows)?;
        master.verify(check.as_deref().unwrap_or_default())?;
        let mut keys = SubjectKeys::with_capacity(rows.len());
        for (id, subject, wrapped) in rows {
            let key = master.unwrap(id, &subject, &wrapped)?;
            keys.insert(subject, key);
        }
        Ok(keys)
    }
}

/// The check value and the key rows of a `keys_of_subjects` or
/// `keys_by_id` answer; a row that cannot be read is
/// [`LogError::Corrupt`].
fn key_rows(rows: &[Row]) -> Result<KeyRows, LogError> {
    let corrupt = |reason: String| LogError::Corrupt {
        position: 0,
        reason: format!("the personal data key store: {reason}"),
    };
    let mut check = None;
    let mut keys = Vec::with_capacity(rows.len());
    for row in rows {
        let read = || -> Result<_, tokio_postgres::Error> {
            Ok((
                row.try_get::<_, Option<Vec<u8>>>(0)?,
                row.try_get::<_, Option<Vec<u8>>>(1)?,
                row.try_get::<_, Option<String>>(2)?,
                row.try_get::<_, Option<Vec<u8>>>(3)?,
            ))
        };
        let (stored_check, id, subject, wrapped) =
            read().map_err(|e| corrupt(format!("unreadable row: {e}")))?;
        check = stored_check;
        let (Some(id), Some(subject), Some(wrapped)) = (id, subject, wrapped) else {
            continue;
        };
        let subject: Subject = subject
            .parse()
            .map_err(|e| corrupt(format!("a row names no subject: {e}")))?;
        let id = KeyId::from_slice(&id)
            .ok_or_else(|| corrupt(format!("the key id of {subject} is not a key id")))?;
        keys.push((id, subject, wrapped));
    }
    Ok((check, keys))
}

/// The check value and the keys found: (key id, subject, wrapped key).
type KeyRows = (Option<Vec<u8>>, Vec<(KeyId, Subject, Vec<u8>)>);

/// Checks `master` against the check value stored in the log, if one is:
/// [`PersonalError::WrongMasterKey`] if it is another key's. Run when
/// the log is opened with a master key.
pub(crate) async fn verify_master(
    client: &Client,
    sql: &Sql,
    master: &MasterKey,
) -> Result<(), LogError> {
    let rows = client
        .query(&sql.personal.check_value, &[])
        .await
        .map_err(|e| db_error("cannot read the master key's check value", e))?;
    match rows.first() {
        Some(row) => {
            let check: Vec<u8> = row.try_get(0).map_err(|e| LogError::Corrupt {
                position: 0,
                reason: format!("unreadable master key check value: {e}"),
            })?;
            Ok(master.verify(&check)?)
        }
        None => Ok(()),
    }
}

impl PostgresLog {
    /// The data keys of `ids` that the log holds, unwrapped with its
    /// master key (after checking it against the stored check value).
    /// Keys that are not found were forgotten; with no key found, the
    /// master key is not needed.
    pub(crate) async fn read_data_keys(&self, ids: &[KeyId]) -> Result<DataKeys, LogError> {
        if ids.is_empty() {
            return Ok(DataKeys::new());
        }
        let conn = self.read_conn().await?;
        let ids: Vec<&[u8]> = ids.iter().map(|id| &id.as_bytes()[..]).collect();
        let rows = conn
            .client
            .query(&conn.keys_by_id, &[&ids])
            .await
            .map_err(|e| db_error("cannot read personal data keys", e))?;
        drop(conn);
        let (check, rows) = key_rows(&rows)?;
        if rows.is_empty() {
            return Ok(DataKeys::new());
        }
        unwrap_keys(self.sealer.master()?, check.as_deref(), rows)
    }

    /// Forgets `subject`: on a connection of its own holding the log's
    /// advisory lock in a transaction (the write lock's), deletes its
    /// data key and appends the `SubjectForgotten` record, and commits
    /// both at once. Needs no master key: nothing is unwrapped.
    pub(crate) async fn forget_subject(&self, subject: &Subject) -> Result<Forgot, LogError> {
        let lock = self.lock().await?;
        let subject_text = subject.to_string();
        let deleted = lock
            .conn
            .client
            .query(&self.sql.personal.forget, &[&subject_text])
            .await
            .map_err(|e| db_error("cannot delete the subject's data key", e))?;
        let had_key = !deleted.is_empty();
        let record: Appended = lock
            .commit(Append::new(vec![forgotten_event(subject)]))
            .await?
            .single();
        tracing::info!(%subject, had_key, position = record.first, "personal data subject forgotten");
        Ok(Forgot { record, had_key })
    }
}
