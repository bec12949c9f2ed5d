//! The tickets schema of goesgen (`tests/fixtures/goesgen/schema.yml`) with
//! stub types laid out as goesgen's example names them, shared by the codec
//! and projection tests and the codec benchmark. Bring `id` and the bare
//! types into the including crate's root: the schema names them
//! `crate::id::Ticket`, `crate::TicketTitle`, `crate::service::...`
#![allow(dead_code, unreachable_pub)]

use serde::{Deserialize, Serialize};

/// The ids of goesgen's example.
pub mod id {
    use serde::{Deserialize, Serialize};

    /// A ticket id.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[cfg_attr(feature = "contracts", derive(schemars::JsonSchema))]
    pub struct Ticket(pub String);
    /// A user id.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[cfg_attr(feature = "contracts", derive(schemars::JsonSchema))]
    pub struct User(pub String);
    /// A comment id.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[cfg_attr(feature = "contracts", derive(schemars::JsonSchema))]
    pub struct Comment(pub String);
}

/// A ticket's title.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "contracts", derive(schemars::JsonSchema))]
pub struct TicketTitle(pub String);
/// A ticket's description.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "contracts", derive(schemars::JsonSchema))]
pub struct TicketDescription(pub String);
/// A comment's text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "contracts", derive(schemars::JsonSchema))]
pub struct TicketCommentMessage(pub String);
/// A user's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "contracts", derive(schemars::JsonSchema))]
pub struct UserName(pub String);

/// The services' inputs and outputs, as goesgen's example names them.
pub mod service {
    macro_rules! io_types {
        ($($name:ident),*) => {
            $(
                #[doc = stringify!($name)]
                #[derive(
                    Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize,
                )]
                #[cfg_attr(feature = "contracts", derive(schemars::JsonSchema))]
                pub struct $name;
            )*
        };
    }

    /// The tickets service.
    pub mod tickets {
        /// Its inputs and outputs.
        pub mod io {
            io_types!(
                GetTicketByIDOut,
                CreateTicketIn,
                CreateTicketOut,
                AssignUserToTicketIn,
                CloseTicketIn,
                CreateCommentIn,
                CreateCommentOut,
                UnassignUserFromTicketIn,
                UpdateTicketIn
            );
        }
    }

    /// The users service.
    pub mod users {
        /// Its inputs and outputs.
        pub mod io {
            io_types!(GetUserByIDOut, CreateUserIn, CreateUserOut);
        }
    }
}

/// The generated code.
pub mod schema {
    goesgen::include_schema!("../fixtures/goesgen/schema.yml");
}

use schema::events::*;

/// One event of each kind, in schema order.
pub fn one_of_each() -> Vec<Event> {
    let ticket = || id::Ticket("1b4e28ba-2fa1-41d2-883f-0016d3cca427".into());
    let user = || id::User("6ba7b810-9dad-41d1-80b4-00c04fd430c8".into());
    vec![
        TicketCreated {
            id: ticket(),
            title: TicketTitle("Example Ticket".into()),
            description: TicketDescription("This is an example ticket".into()),
            author: user(),
        }
        .into(),
        TicketClosed {
            ticket: ticket(),
            by: user(),
        }
        .into(),
        TicketCommented {
            id: id::Comment("f47ac10b-58cc-4372-a567-0e02b2c3d479".into()),
            ticket: ticket(),
            message: TicketCommentMessage("Schöne Grüße \u{2028} ✓ \"quoted\" \\ <b>".into()),
            by: user(),
        }
        .into(),
        UserAssignedToTicket {
            user: user(),
            ticket: ticket(),
            by: user(),
        }
        .into(),
        UserUnassignedFromTicket {
            user: user(),
            ticket: ticket(),
            by: user(),
        }
        .into(),
        TicketDescriptionChanged {
            ticket: ticket(),
            new_description: TicketDescription("Use <b> & <i> tags\nsparingly".into()),
            by: user(),
        }
        .into(),
        TicketTitleChanged {
            ticket: ticket(),
            new_title: TicketTitle("Example Ticket (renamed)".into()),
            by: user(),
        }
        .into(),
        UserCreated {
            id: user(),
            name: UserName("User A".into()),
        }
        .into(),
    ]
}
