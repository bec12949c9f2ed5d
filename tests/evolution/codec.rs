//! Each declaration of `schema.v2.yml` against records of version 1's
//! shape, through the codec every reader uses (`Event::from_record`): the
//! kind renamed, the property renamed, the default filled, the upcaster
//! run; a record needing nothing takes the plain path (the upcaster does
//! not see it); a migrated record re-encodes in the new shape only; a
//! refusal is a typed error naming the kind.

use goesgen::DecodeError;
use serde_json::{Value, json};

use crate::schemas::{v1, v2};
use crate::{TicketTitle, UserHandle, UserName, id};

fn user() -> id::User {
    id::User("u-1".into())
}

fn ticket() -> id::Ticket {
    id::Ticket("t-1".into())
}

/// `event` as version 1 writes it to the log.
fn written(event: v1::events::Event) -> (String, Vec<u8>) {
    let new = event.to_new_event().unwrap();
    (new.kind, new.payload)
}

#[test]
fn a_closed_ticket_of_v1_reads_as_resolved_with_its_closer_and_the_default() {
    let (kind, payload) = written(
        v1::events::TicketClosed {
            ticket: ticket(),
            by: user(),
        }
        .into(),
    );
    assert_eq!(kind, "TicketClosed");
    let event = v2::events::Event::from_record(&kind, &payload).unwrap();
    assert_eq!(
        event,
        v2::events::TicketResolved {
            ticket: ticket(),
            resolved_by: user(),
            resolution: "unspecified".into(),
        }
        .into()
    );
    // Written again, it is in the new shape only.
    let again = event.to_new_event().unwrap();
    assert_eq!(again.kind, "TicketResolved");
    let again: Value = serde_json::from_slice(&again.payload).unwrap();
    assert_eq!(
        again,
        json!({"ticket": "t-1", "resolvedBy": "u-1", "resolution": "unspecified"})
    );
}

#[test]
fn each_declaration_applies_alone() {
    let decode = |kind: &str, payload: Value| {
        v2::events::Event::from_record(kind, payload.to_string().as_bytes())
    };
    let resolved = |by: &str, resolution: &str| -> v2::events::Event {
        v2::events::TicketResolved {
            ticket: ticket(),
            resolved_by: id::User(by.into()),
            resolution: resolution.into(),
        }
        .into()
    };
    // The current kind, a property under its former name only.
    assert_eq!(
        decode(
            "TicketResolved",
            json!({"ticket": "t-1", "by": "u-2", "resolution": "fixed"})
        ),
        Ok(resolved("u-2", "fixed"))
    );
    // The current kind and names, the defaulted property missing.
    assert_eq!(
        decode(
            "TicketResolved",
            json!({"ticket": "t-1", "resolvedBy": "u-3"})
        ),
        Ok(resolved("u-3", "unspecified"))
    );
    // The former kind with the current names: nothing else to do.
    assert_eq!(
        decode(
            "TicketClosed",
            json!({"ticket": "t-1", "resolvedBy": "u-4", "resolution": "dup"})
        ),
        Ok(resolved("u-4", "dup"))
    );
    // A record with both names keeps the current one.
    assert_eq!(
        decode(
            "TicketClosed",
            json!({"ticket": "t-1", "by": "old", "resolvedBy": "u-5"})
        ),
        Ok(resolved("u-5", "unspecified"))
    );
}

#[test]
fn the_upcaster_gives_v1_users_a_handle() {
    let (kind, payload) = written(
        v1::events::UserCreated {
            id: user(),
            name: UserName("Ada Lovelace".into()),
        }
        .into(),
    );
    let event = v2::events::Event::from_record(&kind, &payload).unwrap();
    assert_eq!(
        event,
        v2::events::UserCreated {
            id: user(),
            name: UserName("Ada Lovelace".into()),
            handle: UserHandle("ada.lovelace".into()),
        }
        .into()
    );
}

#[test]
fn a_record_needing_nothing_never_reaches_the_upcaster() {
    // The upcaster refuses an empty name; a v2 record with one decodes, so
    // the upcaster never saw it.
    let current = json!({"id": "u-1", "name": "", "handle": "anonymous"});
    let event =
        v2::events::Event::from_record("UserCreated", current.to_string().as_bytes()).unwrap();
    assert!(matches!(event, v2::events::Event::UserCreated(ref u) if u.handle.0 == "anonymous"));
    // A v1 record with one needs the upcaster, which refuses it: a typed
    // error naming the kind and the reason.
    let old = json!({"id": "u-1", "name": ""});
    let error =
        v2::events::Event::from_record("UserCreated", old.to_string().as_bytes()).unwrap_err();
    let DecodeError::Upcast {
        kind,
        event,
        source,
    } = &error
    else {
        panic!("expected an upcaster's refusal, got {error:?}");
    };
    assert_eq!((kind.as_str(), *event), ("UserCreated", "UserCreated"));
    assert_eq!(source.message(), "no name to derive the handle from");
    assert_eq!(
        error.to_string(),
        "UserCreated record (read as UserCreated): the upcaster refused it: no name to derive \
         the handle from"
    );
    assert_eq!(error.kind(), Some("UserCreated"));
}

#[test]
fn what_no_declaration_covers_still_fails_naming_the_field() {
    // `ticket` has no default: a record without it fails as before.
    let error = v2::events::Event::from_record("TicketClosed", br#"{"by":"u-1"}"#).unwrap_err();
    assert_eq!(error.kind(), Some("TicketResolved"));
    assert_eq!(error.field(), Some("ticket"));
    // A default that is present but of the wrong type is the record's.
    let error = v2::events::Event::from_record(
        "TicketResolved",
        br#"{"ticket":"t","resolvedBy":"u","resolution":7}"#,
    )
    .unwrap_err();
    assert_eq!(error.field(), Some("resolution"));
    // Events without declarations decode exactly as in version 1.
    let (kind, payload) = written(
        v1::events::TicketTitleChanged {
            ticket: ticket(),
            new_title: TicketTitle("t".into()),
            by: user(),
        }
        .into(),
    );
    assert!(v2::events::Event::from_record(&kind, &payload).is_ok());
}

#[test]
fn the_wire_format_reads_former_kinds_too() {
    let event = v2::events::Event::from_json(
        br#"{"type":"TicketClosed","payload":{"ticket":"t-1","by":"u-1"}}"#,
    )
    .unwrap();
    assert_eq!(event.kind(), v2::events::EventKind::TicketResolved);
    let batch = v2::events::Event::from_json_batch(
        br#"[{"type":"TicketResolved","payload":{"ticket":"t-1","resolvedBy":"u-1"}},{"type":"TicketClosed","payload":{"ticket":"t-1","by":"u-1"}}]"#,
    )
    .unwrap();
    assert_eq!(batch[0], batch[1]);
    // The kind's former names are the schema's; parsing takes current names.
    assert_eq!(
        goesgen::codec::EventKindSet::former_names(v2::events::EventKind::TicketResolved),
        ["TicketClosed"]
    );
    assert!("TicketClosed".parse::<v2::events::EventKind>().is_err());
}
