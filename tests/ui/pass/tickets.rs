//! goesgen's tickets schema, unchanged, with its types laid out as goesgen's
//! example names them; every generated item is documented
//! (`deny(missing_docs)`).
#![deny(missing_docs)]

use serde::{Deserialize, Serialize};

/// Ids.
pub mod id {
    use serde::{Deserialize, Serialize};

    /// A ticket id.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[cfg_attr(feature = "contracts", derive(schemars::JsonSchema))]
    pub struct Ticket(pub String);
    /// A user id.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[cfg_attr(feature = "contracts", derive(schemars::JsonSchema))]
    pub struct User(pub String);
    /// A comment id.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[cfg_attr(feature = "contracts", derive(schemars::JsonSchema))]
    pub struct Comment(pub String);
}

/// A title.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "contracts", derive(schemars::JsonSchema))]
pub struct TicketTitle(pub String);
/// A description.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "contracts", derive(schemars::JsonSchema))]
pub struct TicketDescription(pub String);
/// A comment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "contracts", derive(schemars::JsonSchema))]
pub struct TicketCommentMessage(pub String);
/// A name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "contracts", derive(schemars::JsonSchema))]
pub struct UserName(pub String);

/// The services' inputs and outputs (validated by the schema; used once
/// services are generated).
pub mod service {
    /// The tickets service.
    pub mod tickets {
        /// Its inputs and outputs.
        pub mod io {
            use serde::{Deserialize, Serialize};

            macro_rules! io_types {
                ($($name:ident),*) => {
                    $(
                        #[doc = stringify!($name)]
                        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
                        #[cfg_attr(feature = "contracts", derive(schemars::JsonSchema))]
                        pub struct $name;
                    )*
                };
            }
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
            use serde::{Deserialize, Serialize};

            /// Output of GetUserByID.
            #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
            #[cfg_attr(feature = "contracts", derive(schemars::JsonSchema))]
            pub struct GetUserByIDOut;
            /// Input of CreateUser.
            #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
            #[cfg_attr(feature = "contracts", derive(schemars::JsonSchema))]
            pub struct CreateUserIn;
            /// Output of CreateUser.
            #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
            #[cfg_attr(feature = "contracts", derive(schemars::JsonSchema))]
            pub struct CreateUserOut;
        }
    }
}

/// The generated code.
pub mod schema {
    goesgen::include_schema!("../../fixtures/goesgen/schema.yml");
}

use schema::events::{Event, EventKind, TicketClosed};
use schema::projections::TicketState;

fn main() {
    let event: Event = TicketClosed {
        ticket: id::Ticket("t".into()),
        by: id::User("u".into()),
    }
    .into();
    let json = event.to_json().unwrap();
    assert_eq!(Event::from_json(&json).unwrap(), event);
    assert_eq!(event.kind(), EventKind::TicketClosed);
    assert_eq!(
        TicketState::New.transition(EventKind::TicketClosed, TicketState::Closed),
        Ok(TicketState::Closed)
    );
}
