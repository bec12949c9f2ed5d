//! goesgen's test kit, tested on a small schema (`tests/fixtures/doors.yml`):
//! the harness generated for its `Doors` service passes on right methods
//! and a right store, and fails, with the messages pinned here, on a
//! deliberately wrong method and a deliberately wrong store (`messages`);
//! time under the test's control (`time`); histories from the `Door`
//! table, and the property that finds the forgetful store (`histories`);
//! calls of the harness dropped at each await point (`dropped`).
//!
//! The support here: the schema's code, the methods (right and wrong) and
//! the stores (right and forgetful).

#[path = "kit/dropped.rs"]
mod dropped;
#[path = "kit/histories.rs"]
mod histories;
#[path = "kit/messages.rs"]
mod messages;
#[path = "kit/time.rs"]
mod time;

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use goesgen::kits::{MemoryRead, MemoryWrite};
use goesgen::{DomainError, MemoryStore, MethodError, Recorded, StoreError, TransitionError};

pub mod schema {
    goesgen::include_schema!("fixtures/doors.yml");
}
use schema::doors::{
    CloseEvent, DoorsInMemory, DoorsMethods, DoorsService, DoorsTest, LockEvent, OpenEvent,
};
use schema::events::{DoorClosed, DoorInstalled, DoorLocked, DoorOpened, Event, EventKind};
use schema::projections::DoorState;

/// What `Look` answers: a door's state and when it last moved.
#[cfg_attr(feature = "contracts", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DoorView {
    /// The door's state.
    pub state: DoorState,
    /// When the event that put it there was recorded.
    pub since: SystemTime,
}

/// The projection: each door's view. `forget_closing` plants a bug: its
/// apply function of `DoorClosed` forgets the transition (the door stays
/// open).
#[derive(Debug, Clone, Default)]
pub struct Doors {
    doors: BTreeMap<String, DoorView>,
    forget_closing: bool,
}

/// A store of the right projection.
pub fn store() -> MemoryStore<Doors> {
    MemoryStore::default()
}

/// A store whose `DoorClosed` forgets the transition.
pub fn forgetful_store() -> MemoryStore<Doors> {
    MemoryStore::new(Doors {
        forget_closing: true,
        ..Doors::default()
    })
}

impl Doors {
    /// Moves `door` on `kind` to `to`, as the table allows, at `at`.
    fn moved(
        &mut self,
        at: &Recorded,
        door: &str,
        kind: EventKind,
        to: DoorState,
    ) -> Result<(), StoreError> {
        let view = self
            .doors
            .get_mut(door)
            .ok_or_else(|| StoreError::refused(format!("no door {door}")))?;
        view.state = view.state.transition(kind, to)?;
        view.since = at.recorded_at;
        Ok(())
    }

    /// The door `door`, if installed.
    pub fn door(&self, door: &str) -> Option<&DoorView> {
        self.doors.get(door)
    }
}

impl DoorsInMemory for Doors {
    fn apply_door_installed(
        &mut self,
        at: &Recorded,
        event: &DoorInstalled,
    ) -> Result<(), StoreError> {
        let view = DoorView {
            state: DoorState::INITIAL,
            since: at.recorded_at,
        };
        self.doors.insert(event.door.clone(), view);
        Ok(())
    }

    fn apply_door_opened(&mut self, at: &Recorded, event: &DoorOpened) -> Result<(), StoreError> {
        self.moved(at, &event.door, EventKind::DoorOpened, DoorState::Open)
    }

    fn apply_door_closed(&mut self, at: &Recorded, event: &DoorClosed) -> Result<(), StoreError> {
        if self.forget_closing {
            return Ok(());
        }
        self.moved(at, &event.door, EventKind::DoorClosed, DoorState::Closed)
    }

    fn apply_door_locked(&mut self, at: &Recorded, event: &DoorLocked) -> Result<(), StoreError> {
        self.moved(at, &event.door, EventKind::DoorLocked, DoorState::Locked)
    }
}

/// Who calls, and the time they call at (the clock a method decides on).
#[derive(Debug, Clone)]
pub struct Caller {
    /// Their name.
    pub name: String,
    /// Now, for them.
    pub now: SystemTime,
}

/// Why the `Doors` methods refuse.
#[derive(Debug, thiserror::Error)]
pub enum DoorsError {
    /// No such door.
    #[error("no door {0}")]
    NoDoor(String),
    /// The door cannot move so.
    #[error("door {door} cannot move")]
    Stuck {
        /// The door.
        door: String,
        /// The move the table refuses.
        #[source]
        refused: TransitionError,
    },
    /// The door was closed less than a minute ago.
    #[error("door {door} was closed {closed_for:?} ago, less than a minute")]
    TooSoon {
        /// The door.
        door: String,
        /// How long it has been closed.
        closed_for: Duration,
    },
}

impl DomainError for DoorsError {}

/// The methods; `sloppy` plants a bug: `Open` names the door as the one
/// who opened it, and does not ask the state machine first.
#[derive(Debug, Clone, Copy, Default)]
pub struct Keeper {
    /// Whether `Open` has the bug.
    pub sloppy: bool,
}

/// The door `door` in `doors`, moved on `kind` to `to` as the table allows.
fn movable(
    doors: &Doors,
    door: &str,
    kind: EventKind,
    to: DoorState,
) -> Result<DoorView, DoorsError> {
    let view = doors
        .door(door)
        .ok_or_else(|| DoorsError::NoDoor(door.to_string()))?;
    view.state
        .transition(kind, to)
        .map_err(|refused| DoorsError::Stuck {
            door: door.to_string(),
            refused,
        })?;
    Ok(view.clone())
}

impl DoorsMethods for Keeper {
    type Store = MemoryStore<Doors>;
    type Context = Caller;
    type Error = DoorsError;

    async fn look(
        &self,
        _ctx: &Caller,
        txn: &mut MemoryRead<Doors>,
        door: String,
    ) -> Result<DoorView, MethodError<DoorsError>> {
        Ok(txn.door(&door).cloned().ok_or(DoorsError::NoDoor(door))?)
    }

    async fn open(
        &self,
        ctx: &Caller,
        txn: &mut MemoryWrite<Doors>,
        door: String,
    ) -> Result<((), Vec<OpenEvent>), MethodError<DoorsError>> {
        if self.sloppy {
            let by = door.clone();
            return Ok(((), vec![DoorOpened { door, by }.into()]));
        }
        movable(txn, &door, EventKind::DoorOpened, DoorState::Open)?;
        let by = ctx.name.clone();
        Ok(((), vec![DoorOpened { door, by }.into()]))
    }

    async fn close(
        &self,
        ctx: &Caller,
        txn: &mut MemoryWrite<Doors>,
        door: String,
    ) -> Result<((), Vec<CloseEvent>), MethodError<DoorsError>> {
        movable(txn, &door, EventKind::DoorClosed, DoorState::Closed)?;
        let by = ctx.name.clone();
        Ok(((), vec![DoorClosed { door, by }.into()]))
    }

    async fn lock(
        &self,
        ctx: &Caller,
        txn: &mut MemoryWrite<Doors>,
        door: String,
    ) -> Result<((), Vec<LockEvent>), MethodError<DoorsError>> {
        let view = movable(txn, &door, EventKind::DoorLocked, DoorState::Locked)?;
        let closed_for = ctx.now.duration_since(view.since).unwrap_or_default();
        if closed_for < Duration::from_secs(60) {
            return Err(DoorsError::TooSoon { door, closed_for }.into());
        }
        let by = ctx.name.clone();
        Ok(((), vec![DoorLocked { door, by }.into()]))
    }
}

/// The service under test with `keeper` and `store`.
pub fn doors(keeper: Keeper, store: MemoryStore<Doors>) -> DoorsTest<Keeper> {
    DoorsService::test(keeper, store)
}

/// `name` calling at the kit's time.
pub fn caller(t: &DoorsTest<Keeper>, name: &str) -> Caller {
    Caller {
        name: name.to_string(),
        now: t.kit().now(),
    }
}

/// The event installing `door`.
pub fn installed(door: &str) -> Event {
    DoorInstalled {
        door: door.to_string(),
    }
    .into()
}
