//! goesgen's `valid-schema.yml`, unchanged: types from the crate root and
//! nested modules, comments with paragraph breaks, all method types.
#![deny(missing_docs)]

use serde::{Deserialize, Serialize};

/// `Foo`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "contracts", derive(schemars::JsonSchema))]
pub struct Foo(pub u32);

/// `sub`.
pub mod sub {
    use serde::{Deserialize, Serialize};

    /// `sub.Bar`.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[cfg_attr(feature = "contracts", derive(schemars::JsonSchema))]
    pub struct Bar(pub String);

    /// `sub.subsub`.
    pub mod subsub {
        use serde::{Deserialize, Serialize};

        /// `sub.subsub.Baz`.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[cfg_attr(feature = "contracts", derive(schemars::JsonSchema))]
        pub struct Baz {
            /// A value.
            pub value: bool,
        }
    }
}

/// The generated code.
pub mod schema {
    goesgen::include_schema!("../../fixtures/goesgen/valid-schema.yml");
}

use schema::events::{E2, Event};
use schema::projections::{P1Properties, P1State};

fn main() {
    let event: Event = E2 {
        bar: sub::Bar("b".into()),
        baz: sub::subsub::Baz { value: true },
    }
    .into();
    assert_eq!(Event::from_json(&event.to_json().unwrap()).unwrap(), event);
    let properties = P1Properties {
        prop1: Foo(1),
        prop2: sub::subsub::Baz { value: false },
    };
    assert_eq!(properties.clone(), properties);
    assert_eq!(P1State::INITIAL, P1State::ST1);
}
