//! A Users schema written out by hand, as `include_schema!` would generate
//! it: `UserRegistered { id, name (personal), plan }` and `UserRenamed
//! { id, name (personal) }`, subject `id` of kind `User`; a store (the
//! memory kit) whose table of names drops a user's name when the user is
//! forgotten; the methods `Register` (an append) and `Rename` (a
//! transaction).

use std::collections::BTreeMap;
use std::convert::Infallible;

use goesgen_runtime::codec::{self, EventKindSet, EventPayload, EventSet, FieldSpec};
use goesgen_runtime::kits::{MemoryRead, MemoryWrite};
use goesgen_runtime::personal::{Personal, PersonalSpec, Subject};
use goesgen_runtime::service::{Dispatch, Dispatched, Engine, MethodCall, MethodError, Recorded};
use goesgen_runtime::{
    DecodeError, EncodeError, MemoryStore, ServiceOptions, SharedLog, StoreError,
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    UserRegistered,
    UserRenamed,
}

impl EventKindSet for Kind {
    const ALL: &'static [Self] = &[Kind::UserRegistered, Kind::UserRenamed];
    fn name(self) -> &'static str {
        match self {
            Kind::UserRegistered => "UserRegistered",
            Kind::UserRenamed => "UserRenamed",
        }
    }
}

pub static REGISTERED: PersonalSpec = PersonalSpec {
    subject: "id",
    subject_kind: "User",
    fields: &["name"],
};

pub static RENAMED: PersonalSpec = PersonalSpec {
    subject: "id",
    subject_kind: "User",
    fields: &["name"],
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserRegistered {
    pub id: String,
    pub name: Personal<String>,
    pub plan: String,
}

impl EventPayload for UserRegistered {
    const KIND: &'static str = "UserRegistered";
    const FIELDS: &'static [FieldSpec] = &[
        FieldSpec {
            name: "id",
            check: codec::check_field::<String>,
        },
        FieldSpec {
            name: "name",
            check: codec::check_field::<Personal<String>>,
        },
        FieldSpec {
            name: "plan",
            check: codec::check_field::<String>,
        },
    ];
    const PERSONAL: Option<&'static PersonalSpec> = Some(&REGISTERED);
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserRenamed {
    pub id: String,
    pub name: Personal<String>,
}

impl EventPayload for UserRenamed {
    const KIND: &'static str = "UserRenamed";
    const FIELDS: &'static [FieldSpec] = &[
        FieldSpec {
            name: "id",
            check: codec::check_field::<String>,
        },
        FieldSpec {
            name: "name",
            check: codec::check_field::<Personal<String>>,
        },
    ];
    const PERSONAL: Option<&'static PersonalSpec> = Some(&RENAMED);
}

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    UserRegistered(UserRegistered),
    UserRenamed(UserRenamed),
}

impl EventSet for Event {
    type Kind = Kind;
    fn kind(&self) -> Kind {
        match self {
            Event::UserRegistered(_) => Kind::UserRegistered,
            Event::UserRenamed(_) => Kind::UserRenamed,
        }
    }
    fn write_payload(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        match self {
            Event::UserRegistered(e) => codec::write_payload(out, e),
            Event::UserRenamed(e) => codec::write_payload(out, e),
        }
    }
    fn decode_payload(kind: &str, payload: &[u8]) -> Result<Self, DecodeError> {
        match kind {
            "UserRegistered" => codec::decode_payload(payload).map(Event::UserRegistered),
            "UserRenamed" => codec::decode_payload(payload).map(Event::UserRenamed),
            _ => Err(codec::unknown_kind::<Kind>(kind).into()),
        }
    }
    fn personal(kind: Kind) -> Option<&'static PersonalSpec> {
        match kind {
            Kind::UserRegistered => UserRegistered::PERSONAL,
            Kind::UserRenamed => UserRenamed::PERSONAL,
        }
    }
}

/// The projection: each user's name and plan, and the users forgotten.
#[derive(Debug, Clone, Default)]
pub struct Users {
    pub names: BTreeMap<String, Personal<String>>,
    pub plans: BTreeMap<String, String>,
    pub forgotten: Vec<String>,
}

pub type Store = MemoryStore<Users>;

/// The dispatch generated code would write.
pub struct UsersDispatch;

impl Dispatch for UsersDispatch {
    type Store = Store;
    type Event = Event;
    const SERVICE: &'static str = "Users";
    const SUBSCRIBED: &'static [Kind] = &[Kind::UserRegistered, Kind::UserRenamed];
    const FORGETS: &'static [&'static str] = &["User"];

    async fn apply(
        _store: &Store,
        txn: &mut MemoryWrite<Users>,
        _at: &Recorded,
        event: &Event,
    ) -> Result<(), StoreError> {
        match event {
            Event::UserRegistered(e) => {
                txn.names.insert(e.id.clone(), e.name.clone());
                txn.plans.insert(e.id.clone(), e.plan.clone());
            }
            Event::UserRenamed(e) => {
                txn.names.insert(e.id.clone(), e.name.clone());
            }
        }
        Ok(())
    }

    async fn forget(
        _store: &Store,
        txn: &mut MemoryWrite<Users>,
        _at: &Recorded,
        subject: &Subject,
    ) -> Result<(), StoreError> {
        let id: String = serde_json::from_value(subject.id_value())
            .map_err(|error| StoreError::new(format!("not a user id: {error}")))?;
        txn.names.remove(&id);
        txn.forgotten.push(id);
        Ok(())
    }
}

pub type UsersStore = Dispatched<UsersDispatch>;

/// An engine of the Users service on `log`.
pub fn engine(log: SharedLog) -> Engine<UsersStore> {
    Engine::new(
        Dispatched::new(Store::default()),
        log,
        ServiceOptions::default(),
    )
}

/// `Register`: an append method.
pub struct Register {
    pub id: String,
    pub name: String,
}

impl MethodCall<MemoryRead<Users>> for Register {
    type Output = ((), Vec<Event>);
    type Error = Infallible;
    async fn call(
        &self,
        _txn: &mut MemoryRead<Users>,
    ) -> Result<((), Vec<Event>), MethodError<Infallible>> {
        Ok((
            (),
            vec![Event::UserRegistered(UserRegistered {
                id: self.id.clone(),
                name: self.name.clone().into(),
                plan: "free".into(),
            })],
        ))
    }
}

/// `Rename`: a transaction method.
pub struct Rename {
    pub id: String,
    pub name: String,
}

impl MethodCall<MemoryWrite<Users>> for Rename {
    type Output = ((), Vec<Event>);
    type Error = Infallible;
    async fn call(
        &self,
        _txn: &mut MemoryWrite<Users>,
    ) -> Result<((), Vec<Event>), MethodError<Infallible>> {
        Ok((
            (),
            vec![Event::UserRenamed(UserRenamed {
                id: self.id.clone(),
                name: self.name.clone().into(),
            })],
        ))
    }
}
