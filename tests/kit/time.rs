//! Time under the test's control: the given events and the events a method
//! emits are recorded at the kit's time (what the store's apply functions
//! see in `Recorded`), and a method deciding on time (a door is locked
//! only a minute after it closed) gets the kit's time through its caller.

use super::*;

#[tokio::test]
async fn events_are_recorded_at_the_kits_time_and_rules_on_time_are_deterministic() {
    let t = doors(Keeper::default(), store());
    let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    t.kit().set_time(start);
    let opened = DoorOpened {
        door: "front".into(),
        by: "ann".into(),
    };
    t.given([installed("front"), opened.into()]).await.unwrap();
    let look = |view: DoorView| {
        let t = &t;
        async move {
            t.when(&caller(t, "ann"))
                .look("front".into())
                .await
                .then_answers(view);
        }
    };
    look(DoorView {
        state: DoorState::Open,
        since: start,
    })
    .await;

    t.kit().advance(Duration::from_secs(5));
    let closing = t.when(&caller(&t, "bob")).close("front".into()).await;
    let recorded_at = closing.result().as_ref().unwrap().appended.recorded_at;
    assert_eq!(recorded_at, start + Duration::from_secs(5));
    closing.then_emits([DoorClosed {
        door: "front".into(),
        by: "bob".into(),
    }]);
    look(DoorView {
        state: DoorState::Closed,
        since: start + Duration::from_secs(5),
    })
    .await;

    // Thirty seconds later: too soon to lock.
    t.kit().advance(Duration::from_secs(30));
    t.when(&caller(&t, "bob"))
        .lock("front".into())
        .await
        .then_refuses(|e| {
            matches!(e, DoorsError::TooSoon { closed_for, .. }
                if *closed_for == Duration::from_secs(30))
        });
    // A minute after it closed: locked, at that time.
    t.kit().advance(Duration::from_secs(30));
    t.when(&caller(&t, "bob"))
        .lock("front".into())
        .await
        .then_emits([DoorLocked {
            door: "front".into(),
            by: "bob".into(),
        }]);
    look(DoorView {
        state: DoorState::Locked,
        since: start + Duration::from_secs(65),
    })
    .await;
}
