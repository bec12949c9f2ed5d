//! Histories from the `Door` table: the right store applies every one and
//! ends in the state the table predicts; the property finds the store that
//! forgets the closing transition within proptest's default number of
//! cases, and shrinks the history to the three events that show it.

use goesgen::testing::histories::{History, Step, check, histories};
use goesgen::testing::proptest::prelude::*;
use goesgen::testing::proptest::test_runner::{Config, TestError, TestRunner};

use super::*;
use crate::schema::doors::Subscriptions;

/// Histories of one door: a name, then one event per step with a person.
fn door_histories() -> impl Strategy<Value = History<DoorState, String, Event>> {
    histories(8, "[a-z]{1,8}", |door: &String, step: Step<DoorState>| {
        let door = door.clone();
        if step.kind == EventKind::DoorInstalled {
            return Just(installed(&door)).boxed();
        }
        "[a-z]{3}"
            .prop_map(move |by| -> Event {
                let door = door.clone();
                match step.kind {
                    EventKind::DoorOpened => DoorOpened { door, by }.into(),
                    EventKind::DoorClosed => DoorClosed { door, by }.into(),
                    _ => DoorLocked { door, by }.into(),
                }
            })
            .boxed()
    })
}

/// The property on `store`.
fn applies(
    store: &MemoryStore<Doors>,
    history: &History<DoorState, String, Event>,
) -> Result<(), TestCaseError> {
    check::<Subscriptions<MemoryStore<Doors>>, _, _>(store, history, |read, door| {
        read.door(door).map(|view| view.state)
    })
}

proptest! {
    #[test]
    fn the_right_store_follows_the_table(history in door_histories()) {
        applies(&store(), &history)?;
    }
}

#[test]
fn the_property_finds_the_forgotten_transition() {
    // proptest's default number of cases, without a file of past failures.
    let config = Config {
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let result = runner.run(&door_histories(), |history| {
        applies(&forgetful_store(), &history)
    });
    let Err(TestError::Fail(reason, smallest)) = result else {
        panic!("the planted bug was not found: {result:?}");
    };
    // Every history with a closing starts so: installed, opened, closed;
    // the property stops at the closing the store forgot.
    let kinds: Vec<&str> = smallest.events[..3]
        .iter()
        .map(|event| event.kind().name())
        .collect();
    assert_eq!(kinds, ["DoorInstalled", "DoorOpened", "DoorClosed"]);
    let Event::DoorClosed(closed) = &smallest.events[2] else {
        unreachable!("the third event is a closing");
    };
    assert_eq!(
        reason.message(),
        format!(
            "after event 3 of the history (DoorClosed {{\"by\":\"{}\",\"door\":\"{}\"}}) \
             the Door projection reads Open, its table predicts Closed",
            closed.by, closed.door
        )
    );
}
