//! goesgen's two tests of its tickets service
//! (`example/tickets/service/tickets/service_test.go`), ported: a log that
//! holds one `UserCreated`, then a ticket created by that user, or refused
//! for an empty title.

use super::*;
use crate::schema::events::TicketCreated;
use crate::service::tickets::io::CreateTicketIn;

#[tokio::test]
async fn create_ticket() {
    let setup = Setup::memory();
    let (foo, created) = user_created("user_foo");
    setup.append(vec![created]).await;

    let committed = setup
        .tickets
        .create_ticket(
            &as_user(foo),
            CreateTicketIn {
                title: TicketTitle::new("test title").unwrap(),
                description: TicketDescription::new("test description").unwrap(),
            },
        )
        .await
        .unwrap();

    // The output.
    let out = &committed.output;
    assert_eq!(out.author, foo);
    assert_eq!(out.title.as_str(), "test title");
    assert_eq!(out.description.as_str(), "test description");
    assert_eq!(out.id.to_string().len(), 36);
    let age = std::time::SystemTime::now()
        .duration_since(committed.appended.recorded_at)
        .unwrap_or_default();
    assert!(
        age < std::time::Duration::from_secs(5),
        "recorded {age:?} ago"
    );
    assert_eq!(committed.events.len(), 1);

    // Exactly one TicketCreated was appended, after the UserCreated.
    assert_eq!(setup.head().await, 2);
    let events = setup.events().await;
    let expected = TicketCreated {
        id: out.id,
        title: TicketTitle::new("test title").unwrap(),
        description: TicketDescription::new("test description").unwrap(),
        author: foo,
    };
    assert_eq!(events[1], Event::TicketCreated(expected));
}

#[tokio::test]
async fn create_ticket_err_invalid_title() {
    let setup = Setup::memory();
    let (_foo, created) = user_created("user_foo");
    setup.append(vec![created]).await;

    // An empty title cannot be built, nor read from JSON: the input never
    // reaches the service, and the log holds only the user.
    let error = TicketTitle::new("").unwrap_err();
    assert_eq!(error.to_string(), "invalid ticket title: empty");
    assert_eq!(
        TicketTitle::new("  \t").unwrap_err(),
        InvalidValue::Empty {
            what: "ticket title"
        }
    );
    let error = serde_json::from_str::<CreateTicketIn>(
        r#"{"title": "", "description": "test description"}"#,
    )
    .unwrap_err();
    assert!(
        error.to_string().contains("invalid ticket title: empty"),
        "{error}"
    );
    assert_eq!(setup.head().await, 1);
}
