//! The `events` module: one struct per event (fields in schema order,
//! snake_case, serialised under the schema's exact names), `enum Event` with
//! a same-named variant per event, `enum EventKind`, and the glue that
//! hands encoding and decoding to the runtime's generic codec
//! (`goesgen::codec`); the glue of migration declarations is
//! [`migrations`](crate::migrations)', that of personal data
//! [`personal`](crate::personal)'s.

use goesgen_schema::{Event, Property, Schema};
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::docs;
use crate::migrations;
use crate::personal;
use crate::types::{field_ident, type_ident};

/// Names the `events` module generates besides the event structs.
const GENERATED: &[&str] = &["Event", "EventKind"];

/// An error for each event whose name is one the `events` module generates
/// itself (`Event`, `EventKind`), combined; `None` when there is none.
pub fn name_clashes(schema: &Schema, span: Span) -> Option<syn::Error> {
    let mut combined: Option<syn::Error> = None;
    for event in &schema.events {
        let name = event.name.as_str();
        if !GENERATED.contains(&name) {
            continue;
        }
        let error = syn::Error::new(
            span,
            format!(
                "{}:{}:{}: event `{name}` would clash with the generated `{name}` of the events \
                 module in events.{name}\n  = hint: rename the event (e.g. `{name}Happened`)",
                schema.file, event.name.at.line, event.name.at.column,
            ),
        );
        match &mut combined {
            Some(combined) => combined.combine(error),
            None => combined = Some(error),
        }
    }
    combined
}

/// The items of `pub mod events`.
pub fn events(schema: &Schema, krate: &TokenStream) -> TokenStream {
    let structs = schema.events.iter().map(|event| event_struct(event, krate));
    let names: Vec<Ident> = schema.events.iter().map(|e| type_ident(&e.name)).collect();
    let wire: Vec<&str> = schema.events.iter().map(|e| e.name.as_str()).collect();
    let variant_docs = wire
        .iter()
        .map(|name| docs::lines([format!("A [`{name}`] event.").as_str()]));
    let kind_docs = wire
        .iter()
        .map(|name| docs::lines([format!("The kind of a [`{name}`] event.").as_str()]));
    let codec = quote!(#krate::codec);
    let decode_arms = schema
        .events
        .iter()
        .map(|e| migrations::decode_arm(e, krate));
    let former_names = schema.events.iter().map(migrations::former_names);
    let default_tests = migrations::default_tests(schema, krate);
    let personal = personal::event_set_personal(schema, krate);
    quote! {
        #(#structs)*

        #default_tests

        /// Every event of the schema: one variant per event type, in schema
        /// order. Encode and decode it in goesgen's wire format
        /// (`{"type": ..., "payload": {...}}`) with [`Event::to_json`] and
        /// [`Event::from_json`], or as the event log stores it with
        /// [`Event::to_new_event`] and [`Event::from_record`].
        #[derive(::core::fmt::Debug, ::core::clone::Clone, ::core::cmp::PartialEq)]
        pub enum Event {
            #(#variant_docs #names(#names),)*
        }

        #(
            impl ::core::convert::From<#names> for Event {
                fn from(event: #names) -> Self {
                    Event::#names(event)
                }
            }
        )*

        impl Event {
            /// The kind (type) of this event.
            pub fn kind(&self) -> EventKind {
                match self {
                    #(Event::#names(_) => EventKind::#names,)*
                }
            }

            /// This event in goesgen's wire format:
            /// `{"type":"<EventName>","payload":{...}}`.
            ///
            /// # Errors
            /// When a property type's `Serialize` fails.
            pub fn to_json(&self) -> ::core::result::Result<::std::vec::Vec<u8>, #krate::EncodeError> {
                #codec::encode(self)
            }

            /// Decodes one event in goesgen's wire format (keys in either
            /// order). A JSON array is refused: see [`Event::from_json_batch`].
            ///
            /// # Errors
            /// A `DecodeError` naming the event type
            /// and the field that failed, where decoding got that far.
            pub fn from_json(bytes: &[u8]) -> ::core::result::Result<Self, #krate::DecodeError> {
                #codec::decode(bytes)
            }

            /// Several events as one JSON array of wire-format events, as
            /// goesgen writes the events of one call.
            ///
            /// # Errors
            /// When a property type's `Serialize` fails.
            pub fn to_json_batch(events: &[Self]) -> ::core::result::Result<::std::vec::Vec<u8>, #krate::EncodeError> {
                #codec::encode_batch(events)
            }

            /// Decodes what one encode call wrote: a JSON array of events or
            /// a single event object. All or nothing.
            ///
            /// # Errors
            /// A `DecodeError` naming the index in the
            /// batch, the event type and the field that failed.
            pub fn from_json_batch(bytes: &[u8]) -> ::core::result::Result<::std::vec::Vec<Self>, #krate::DecodeError> {
                #codec::decode_batch(bytes)
            }

            /// This event as the event log stores it: its kind name and its
            /// JSON payload (without the `{"type", "payload"}` envelope).
            ///
            /// # Errors
            /// When a property type's `Serialize` fails.
            pub fn to_new_event(&self) -> ::core::result::Result<#krate::NewEvent, #krate::EncodeError> {
                #codec::to_new_event(self)
            }

            /// Decodes an event as the event log stores it: its kind name
            /// (`Record::kind`) and its JSON payload (`Record::payload`).
            ///
            /// # Errors
            /// An unknown kind, or a payload that does not decode.
            pub fn from_record(kind: &str, payload: &[u8]) -> ::core::result::Result<Self, #krate::DecodeError> {
                #codec::decode_record(kind, payload)
            }

            /// Decodes every record of `log` as an event of this schema,
            /// with its migration declarations applied (defaults, renames,
            /// upcasters), and lists each record that does not decode, by
            /// position: run it on a copy of a real log before shipping a
            /// new schema version.
            ///
            /// # Errors
            /// When the log cannot be read.
            pub async fn verify_log(log: &dyn #krate::EventLog) -> ::core::result::Result<#codec::LogVerdict, #krate::LogError> {
                #codec::verify_log::<Self>(log).await
            }
        }

        impl #codec::EventSet for Event {
            type Kind = EventKind;

            fn kind(&self) -> EventKind {
                Event::kind(self)
            }

            fn write_payload(&self, out: &mut ::std::vec::Vec<u8>) -> ::core::result::Result<(), #krate::EncodeError> {
                match self {
                    #(Event::#names(event) => #codec::write_payload(out, event),)*
                }
            }

            fn decode_payload(kind: &str, payload: &[u8]) -> ::core::result::Result<Self, #krate::DecodeError> {
                match kind {
                    #(#decode_arms)*
                    _ => ::core::result::Result::Err(#krate::DecodeError::UnknownKind(
                        #codec::unknown_kind::<EventKind>(kind),
                    )),
                }
            }

            #personal

            fn deserialize_payload<'de, D: __serde::Deserializer<'de>>(
                kind: &str,
                deserializer: D,
            ) -> ::core::option::Option<::core::result::Result<Self, D::Error>> {
                match kind {
                    #(#wire => ::core::option::Option::Some(
                        <#names as __serde::Deserialize<'de>>::deserialize(deserializer).map(Event::#names)
                    ),)*
                    _ => ::core::option::Option::None,
                }
            }
        }

        /// The kinds (types) of the schema's events, in schema order. Parse
        /// one from its name with `str::parse`; [`EventKind::name`] is the
        /// name on the wire.
        #[derive(
            ::core::fmt::Debug, ::core::clone::Clone, ::core::marker::Copy,
            ::core::cmp::PartialEq, ::core::cmp::Eq, ::core::hash::Hash,
            ::core::cmp::PartialOrd, ::core::cmp::Ord,
            __serde::Serialize, __serde::Deserialize,
        )]
        #[serde(crate = "self::__serde")]
        pub enum EventKind {
            #(#kind_docs #names,)*
        }

        impl EventKind {
            /// Every kind, in schema order.
            pub const ALL: &'static [EventKind] = &[#(EventKind::#names),*];

            /// The kind's type name, as in the schema and on the wire.
            pub const fn name(self) -> &'static str {
                match self {
                    #(EventKind::#names => #wire,)*
                }
            }
        }

        impl #codec::EventKindSet for EventKind {
            const ALL: &'static [Self] = EventKind::ALL;

            fn name(self) -> &'static str {
                EventKind::name(self)
            }

            fn former_names(self) -> &'static [&'static str] {
                match self {
                    #(#former_names)*
                }
            }
        }

        impl ::core::str::FromStr for EventKind {
            type Err = #krate::UnknownKind;

            fn from_str(name: &str) -> ::core::result::Result<Self, Self::Err> {
                #codec::parse_kind(name)
            }
        }

        impl ::core::fmt::Display for EventKind {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.name())
            }
        }
    }
}

/// One event's struct and its [`EventPayload`](goesgen_runtime) glue.
fn event_struct(event: &Event, krate: &TokenStream) -> TokenStream {
    let name = event.name.as_str();
    let ident = type_ident(&event.name);
    let entry = format!("events.{name}");
    let doc = docs::item_doc(
        &event.doc,
        &format!("The `{name}` event (`{entry}` in the schema)."),
        &format!("From `{entry}` in the schema."),
    );
    let types: Vec<TokenStream> = event
        .properties
        .iter()
        .map(|p| personal::field_type(p, krate))
        .collect();
    let record = record_struct(&ident, &doc, &event.properties, &types, &entry);
    let wire = event.properties.iter().map(|p| p.name.as_str());
    let codec = quote!(#krate::codec);
    let migrated = migrations::migrated_impl(event, krate);
    let personal = personal::payload_spec(event, krate);
    quote! {
        #record

        impl #codec::EventPayload for #ident {
            const KIND: &'static str = #name;
            const FIELDS: &'static [#codec::FieldSpec] = &[
                #(#codec::FieldSpec { name: #wire, check: #codec::check_field::<#types> },)*
            ];
            #personal
        }

        #migrated
    }
}

/// A `pub struct` of schema properties (an event's, a projection's): fields
/// in schema order, snake_case, serialised under the schema's exact names.
/// `types` are the properties' Rust types, computed once by the caller
/// (an event's with [`personal::field_type`], a projection's with
/// `rust_type`); `entry` is the schema path of the properties' parent.
pub fn record_struct(
    ident: &Ident,
    doc: &TokenStream,
    properties: &[Property],
    types: &[TokenStream],
    entry: &str,
) -> TokenStream {
    let fields = properties.iter().zip(types).map(|(property, ty)| {
        let wire = property.name.as_str();
        let field = field_ident(&property.name);
        // A former name (`was`) reads as this one, in serde's one pass.
        let aliases = property.was.iter().map(|former| {
            let former = former.as_str();
            quote!(#[serde(alias = #former)])
        });
        let personal = if property.personal {
            " Personal data: sealed in the log with its subject's key, `Forgotten` once \
             the subject is forgotten."
        } else {
            ""
        };
        let doc = docs::item_doc(
            &property.doc,
            &format!(
                "The `{wire}` property, a `{}` (`{entry}.{wire}` in the schema).{personal}",
                property.ty.written
            ),
            &format!("From `{entry}.{wire}` in the schema.{personal}"),
        );
        // An absent personal value is no personal data: left out, it is
        // not sealed, and reads `None` after its subject is forgotten.
        let absent = personal::skip_absent(property);
        quote! {
            #doc
            #[serde(rename = #wire)]
            #(#aliases)*
            #absent
            pub #field: #ty,
        }
    });
    quote! {
        #doc
        #[derive(
            ::core::fmt::Debug, ::core::clone::Clone, ::core::cmp::PartialEq,
            __serde::Serialize, __serde::Deserialize,
        )]
        #[serde(crate = "self::__serde")]
        pub struct #ident {
            #(#fields)*
        }
    }
}
