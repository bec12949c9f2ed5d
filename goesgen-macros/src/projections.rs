//! The `projections` module: per projection an `enum <Name>State` with its
//! states, initial state, `createOn` kind and transition table (documented
//! as a table on the enum), and a `<Name>Properties` struct of its
//! properties. The checked transition is the runtime's generic
//! `goesgen::projection::transition`.

use goesgen_schema::{Projection, Schema};
use proc_macro2::{Ident, TokenStream};
use quote::quote;

use crate::docs;
use crate::events::record_struct;
use crate::types::{rust_type, suffixed_ident, type_ident};

/// The items of `pub mod projections`.
pub fn projections(schema: &Schema, krate: &TokenStream) -> TokenStream {
    let items = schema
        .projections
        .iter()
        .map(|projection| projection_items(schema, projection, krate));
    quote!(#(#items)*)
}

fn projection_items(schema: &Schema, projection: &Projection, krate: &TokenStream) -> TokenStream {
    let name = projection.name.as_str();
    let entry = format!("projections.{name}");
    let state = suffixed_ident(&projection.name, "State");
    let states: Vec<Ident> = projection
        .states
        .iter()
        .map(|s| type_ident(&s.name))
        .collect();
    let state_names: Vec<&str> = projection.states.iter().map(|s| s.name.as_str()).collect();
    let Some(initial) = states.first() else {
        return syn::Error::new(
            proc_macro2::Span::call_site(),
            format!("projection `{name}` has no states"),
        )
        .to_compile_error();
    };
    let create_on = type_ident(&schema.event(&projection.create_on).name);
    let create_on_name = projection.create_on.name.as_str();

    let state_docs = state_names.iter().enumerate().map(|(i, s)| {
        let text = if i == 0 {
            format!("The `{s}` state, the initial state (`{entry}.states[{i}]` in the schema).")
        } else {
            format!("The `{s}` state (`{entry}.states[{i}]` in the schema).")
        };
        docs::lines([text.as_str()])
    });

    let enum_doc = state_enum_doc(schema, projection, &entry);
    let arms = transition_arms(schema, projection);
    let targets_body = if arms.is_empty() {
        quote! {
            let _ = (self, kind);
            &[]
        }
    } else {
        quote! {
            match (self, kind) {
                #(#arms)*
                _ => &[],
            }
        }
    };

    let properties = suffixed_ident(&projection.name, "Properties");
    let properties_doc = docs::lines([format!(
        "The properties of the `{name}` projection (`{entry}.properties` in the schema)."
    )
    .as_str()]);
    let property_types: Vec<TokenStream> = projection
        .properties
        .iter()
        .map(|p| rust_type(&p.ty))
        .collect();
    let properties_struct = record_struct(
        &properties,
        &properties_doc,
        &projection.properties,
        &property_types,
        &format!("{entry}.properties"),
    );
    let events = quote!(super::events);
    let projection_trait = quote!(#krate::projection::ProjectionState);

    quote! {
        #enum_doc
        #[derive(
            ::core::fmt::Debug, ::core::clone::Clone, ::core::marker::Copy,
            ::core::cmp::PartialEq, ::core::cmp::Eq, ::core::hash::Hash,
            ::core::cmp::PartialOrd, ::core::cmp::Ord,
            __serde::Serialize, __serde::Deserialize,
        )]
        #[serde(crate = "self::__serde")]
        pub enum #state {
            #(#state_docs #states,)*
        }

        impl #state {
            /// The projection's name in the schema.
            pub const PROJECTION: &'static str = #name;
            /// Every state, in schema order.
            pub const ALL: &'static [Self] = &[#(Self::#states),*];
            /// The state an instance starts in.
            pub const INITIAL: Self = Self::#initial;
            #[doc = concat!(" The kind of the event that creates an instance: `", #create_on_name, "`.")]
            pub const CREATE_ON: #events::EventKind = #events::EventKind::#create_on;

            /// The state's name in the schema.
            pub const fn name(self) -> &'static str {
                match self {
                    #(Self::#states => #state_names,)*
                }
            }

            /// The states an event of `kind` may move an instance in this
            /// state to, in schema order (empty: the event may not happen in
            /// this state).
            pub fn targets(self, kind: #events::EventKind) -> &'static [Self] {
                #targets_body
            }

            /// `to`, if the schema declares the move from this state to `to`
            /// on an event of `kind`.
            ///
            /// # Errors
            /// A `TransitionError` naming projection, event, from and to
            /// (and the allowed targets) on an undeclared move.
            pub fn transition(self, kind: #events::EventKind, to: Self) -> ::core::result::Result<Self, #krate::TransitionError> {
                #krate::projection::transition(self, kind, to)
            }
        }

        impl #projection_trait for #state {
            type Kind = #events::EventKind;
            const PROJECTION: &'static str = #state::PROJECTION;
            const ALL: &'static [Self] = #state::ALL;
            const INITIAL: Self = #state::INITIAL;
            const CREATE_ON: #events::EventKind = #state::CREATE_ON;

            fn name(self) -> &'static str {
                #state::name(self)
            }

            fn targets(self, kind: #events::EventKind) -> &'static [Self] {
                #state::targets(self, kind)
            }
        }

        impl ::core::fmt::Display for #state {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.name())
            }
        }

        #properties_struct
    }
}

/// `(from, event) => &[targets]` arms: per transition event in schema
/// order, per source state in order of first appearance, the targets in
/// the order written.
fn transition_arms(schema: &Schema, projection: &Projection) -> Vec<TokenStream> {
    let mut arms = Vec::new();
    for transitions in &projection.transitions {
        let event = type_ident(&schema.event(&transitions.event).name);
        let mut sources: Vec<usize> = Vec::new();
        for step in &transitions.moves {
            if !sources.contains(&step.from) {
                sources.push(step.from);
            }
        }
        for from in sources {
            let from_ident = type_ident(&projection.states[from].name);
            let mut targets: Vec<usize> = Vec::new();
            for step in transitions.moves.iter().filter(|m| m.from == from) {
                if !targets.contains(&step.to) {
                    targets.push(step.to);
                }
            }
            let targets = targets
                .iter()
                .map(|&to| type_ident(&projection.states[to].name));
            arms.push(quote! {
                (Self::#from_ident, super::events::EventKind::#event) => &[#(Self::#targets),*],
            });
        }
    }
    arms
}

/// The state enum's rustdoc: the schema comment or a sentence, how an
/// instance is created, and the transition table.
fn state_enum_doc(schema: &Schema, projection: &Projection, entry: &str) -> TokenStream {
    let name = projection.name.as_str();
    let mut text: Vec<String> = Vec::new();
    if projection.doc.is_empty() {
        text.push(format!(
            "The states of the `{name}` projection (`{entry}` in the schema)."
        ));
    } else {
        text.extend(projection.doc.lines.iter().cloned());
        text.push(String::new());
        text.push(format!("These are its states (`{entry}` in the schema)."));
    }
    text.push(String::new());
    let create_on = projection.create_on.name.as_str();
    text.push(format!(
        "An instance is created in state `{}` by a [`{create_on}`](super::events::{create_on}) event.",
        projection.states.first().map_or("", |s| s.name.as_str())
    ));
    text.push(String::new());
    if projection.transitions.is_empty() {
        text.push(
            "The schema declares no transitions: an instance stays in its initial state.".into(),
        );
    } else {
        text.push("Transitions (any other move is refused by `transition`):".into());
        text.push(String::new());
        text.push("| event | from | to |".into());
        text.push("| --- | --- | --- |".into());
        for transitions in &projection.transitions {
            let event = schema.event(&transitions.event).name.as_str();
            for step in &transitions.moves {
                text.push(format!(
                    "| `{event}` | `{}` | `{}` |",
                    projection.states[step.from].name.as_str(),
                    projection.states[step.to].name.as_str()
                ));
            }
        }
    }
    docs::lines(text.iter().map(String::as_str))
}
