//! The harness's assertions pass on the right methods and store, and fail
//! with a message a person can read on a deliberately wrong method (it
//! names the wrong person) and a deliberately wrong store (it forgets a
//! transition): each message is compared whole.

use std::panic::{AssertUnwindSafe, catch_unwind};

use super::*;

/// The message `assertion` panics with.
fn failure(assertion: impl FnOnce()) -> String {
    let payload = catch_unwind(AssertUnwindSafe(assertion)).expect_err("the assertion passed");
    match payload.downcast::<String>() {
        Ok(message) => *message,
        Err(payload) => payload
            .downcast_ref::<&str>()
            .map(ToString::to_string)
            .unwrap_or_default(),
    }
}

fn opened(door: &str, by: &str) -> DoorOpened {
    DoorOpened {
        door: door.into(),
        by: by.into(),
    }
}

fn closed(door: &str, by: &str) -> DoorClosed {
    DoorClosed {
        door: door.into(),
        by: by.into(),
    }
}

#[tokio::test]
async fn the_right_methods_and_store_pass() {
    let t = doors(Keeper::default(), store());
    t.given([installed("front")]).await.unwrap();
    let ann = caller(&t, "ann");
    t.when(&ann)
        .open("front".into())
        .await
        .then_emits([opened("front", "ann")]);
    t.when(&ann)
        .close("front".into())
        .await
        .then_emits([closed("front", "ann")]);
    t.when(&ann)
        .close("front".into())
        .await
        .then_refuses_transition(|refused| refused.from == "Closed" && refused.to == "Closed");
    t.when(&ann)
        .open("back".into())
        .await
        .then_refuses(|e| matches!(e, DoorsError::NoDoor(door) if door == "back"));
    let view = t.when(&ann).look("front".into()).await.answer();
    assert_eq!(view.state, DoorState::Closed);
}

#[tokio::test]
async fn a_wrong_event_is_shown_field_by_field() {
    let t = doors(Keeper { sloppy: true }, store());
    t.given([installed("front")]).await.unwrap();
    let wrong = t.when(&caller(&t, "ann")).open("front".into()).await;
    let message = failure(|| {
        wrong.then_emits([opened("front", "ann")]);
    });
    assert_eq!(
        message,
        "Open: emitted other events than expected (1 expected, 1 emitted)\n\
         given:\n  \
           1. DoorInstalled {\"door\":\"front\"}\n\
         expected:\n  \
           1. DoorOpened {\"by\":\"ann\",\"door\":\"front\"}\n\
         emitted:\n  \
           1. DoorOpened {\"by\":\"front\",\"door\":\"front\"}\n\
         differences:\n  \
           event 1 (DoorOpened):\n    \
             by: expected \"ann\", emitted \"front\"\n"
    );
}

#[tokio::test]
async fn a_store_that_forgets_a_transition_shows_the_refusal_and_its_causes() {
    let t = doors(Keeper::default(), forgetful_store());
    let given: Vec<Event> = vec![
        installed("front"),
        opened("front", "ann").into(),
        closed("front", "bob").into(),
    ];
    t.given(given).await.unwrap();
    // The store forgot the closing: the door is still open, and opening it
    // is refused.
    let refused = t.when(&caller(&t, "ann")).open("front".into()).await;
    let message = failure(|| {
        refused.then_emits([opened("front", "ann")]);
    });
    assert_eq!(
        message,
        "Open: refused, but it was expected to emit 1 event\n\
         given:\n  \
           1. DoorInstalled {\"door\":\"front\"}\n  \
           2. DoorOpened {\"by\":\"ann\",\"door\":\"front\"}\n  \
           3. DoorClosed {\"by\":\"bob\",\"door\":\"front\"}\n\
         expected:\n  \
           1. DoorOpened {\"by\":\"ann\",\"door\":\"front\"}\n\
         error: door front cannot move\n  \
           caused by: projection Door: DoorOpened does not move Open -> Open; the schema \
         declares no transition from Open on DoorOpened (add `Open -> ...` under its \
         transitions to allow one)\n"
    );
}

#[tokio::test]
async fn an_event_the_store_refuses_is_a_store_and_transition_refusal() {
    // The sloppy method opens an open door without asking; the store's
    // transition refuses the event, and nothing is appended.
    let t = doors(Keeper { sloppy: true }, store());
    let given: Vec<Event> = vec![installed("front"), opened("front", "ann").into()];
    t.given(given).await.unwrap();
    let ann = caller(&t, "ann");
    let refused = t
        .when(&ann)
        .open("front".into())
        .await
        .then_refuses_transition(|refused| refused.event == "DoorOpened");
    assert_eq!((refused.from, refused.to), ("Open", "Open"));
    let store = t
        .when(&ann)
        .open("front".into())
        .await
        .then_store_refuses(|e| e.kind() == goesgen::StoreErrorKind::Refused);
    assert_eq!(
        store.message(),
        "the projection's transition table refuses the move"
    );
    // Asked for the method's own refusal, it names what it got instead.
    let wrong = t.when(&ann).open("front".into()).await;
    let message = failure(|| {
        wrong.then_refuses(|_| true);
    });
    assert_eq!(
        message,
        "Open: refused, but not with the method's own error the test accepts\n\
         given:\n  \
           1. DoorInstalled {\"door\":\"front\"}\n  \
           2. DoorOpened {\"by\":\"ann\",\"door\":\"front\"}\n\
         error: the store refused event 0 (DoorOpened) of the method; nothing was appended\n  \
           caused by: the projection's transition table refuses the move\n  \
           caused by: projection Door: DoorOpened does not move Open -> Open; the schema \
         declares no transition from Open on DoorOpened (add `Open -> ...` under its \
         transitions to allow one)\n"
    );
}

#[tokio::test]
async fn a_call_that_emits_where_a_refusal_or_nothing_was_expected() {
    let t = doors(Keeper::default(), store());
    t.given([installed("front")]).await.unwrap();
    let ann = caller(&t, "ann");
    let emitted = t.when(&ann).open("front".into()).await;
    let message = failure(|| {
        emitted.then_refuses(|e| matches!(e, DoorsError::NoDoor(_)));
    });
    assert_eq!(
        message,
        "Open: emitted 1 event, but it was expected to refuse with the method's own error\n\
         given:\n  \
           1. DoorInstalled {\"door\":\"front\"}\n\
         emitted:\n  \
           1. DoorOpened {\"by\":\"ann\",\"door\":\"front\"}\n"
    );
    let emitted = t.when(&ann).close("front".into()).await;
    let message = failure(|| {
        emitted.then_appends_nothing();
    });
    assert_eq!(
        message,
        "Close: emitted 1 event, but it was expected to append nothing\n\
         given:\n  \
           1. DoorInstalled {\"door\":\"front\"}\n\
         emitted:\n  \
           1. DoorClosed {\"by\":\"ann\",\"door\":\"front\"}\n"
    );
}

#[tokio::test]
async fn a_wrong_answer_is_a_line_diff() {
    let t = doors(Keeper::default(), store());
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    t.kit().set_time(at);
    t.given([installed("front")]).await.unwrap();
    let answered = t.when(&caller(&t, "ann")).look("front".into()).await;
    let expected = DoorView {
        state: DoorState::Open,
        since: at,
    };
    let message = failure(|| {
        answered.then_answers(expected);
    });
    // The time's own lines, as its pretty Debug prints them on this
    // platform, within the answer's.
    let time = format!("{at:#?},");
    let since: String = time
        .lines()
        .enumerate()
        .map(|(i, line)| match i {
            0 => format!("        since: {line}\n"),
            _ => format!("        {line}\n"),
        })
        .collect();
    assert_eq!(
        message,
        format!(
            "Look: answered other than expected\n\
             given:\n  \
               1. DoorInstalled {{\"door\":\"front\"}}\n\
             answer (- expected, + answered):\n    \
             DoorView {{\n  \
             -     state: Open,\n  \
             +     state: Closed,\n\
             {since}    }}\n"
        )
    );
}

#[tokio::test]
async fn a_readonly_call_that_refuses_where_an_answer_or_another_error_was_expected() {
    let t = doors(Keeper::default(), store());
    let ann = caller(&t, "ann");
    let refused = t.when(&ann).look("back".into()).await;
    let message = failure(|| {
        refused.answer();
    });
    assert_eq!(
        message,
        "Look: refused, but it was expected to answer\n\
         given: no events\n\
         error: no door back\n"
    );
    let refused = t.when(&ann).look("back".into()).await;
    let message = failure(|| {
        refused.then_refuses(|e| matches!(e, DoorsError::TooSoon { .. }));
    });
    assert_eq!(
        message,
        "Look: refused, but not with the method's own error the test accepts\n\
         given: no events\n\
         error: no door back\n"
    );
}
