//! The events' contracts in the `events` module (with the `goesgen`
//! crate's feature `contracts`, which `http` brings): `events::json_schema()`
//! (JSON Schema of the wire format) and `events::asyncapi()` (AsyncAPI 3.0
//! of the log). The generated part is the schema as data, a runtime
//! `LogContract` whose property schemas come from the Rust types through
//! the runtime's `Describe`; the runtime's `contracts` builds the
//! documents.
//!
//! All of it is wrapped in the facade's `__private::if_contracts!`: the
//! macro cannot see the features of the crate it generates for.

use goesgen_schema::evolution::is_optional;
use goesgen_schema::{Doc, Schema};
use proc_macro2::TokenStream;
use quote::quote;

use crate::types::{rust_type, suffixed_ident};

/// The contract functions of the `events` module.
pub fn events_contracts(schema: &Schema, krate: &TokenStream) -> TokenStream {
    let contracts = quote!(#krate::contracts);
    let events = schema.events.iter().map(|event| {
        let name = event.name.as_str();
        let doc = text(&event.doc);
        let properties = event.properties.iter().map(|property| {
            let wire = property.name.as_str();
            let doc = text(&property.doc);
            let required = !is_optional(&property.ty);
            let ty = rust_type(&property.ty);
            quote!(schemas.property::<#ty>(#wire, #doc, #required))
        });
        quote! {
            #contracts::EventContract {
                name: #name,
                doc: #doc,
                properties: ::std::vec![#(#properties),*],
            }
        }
    });
    let services = schema.services.iter().map(|service| {
        let name = service.name.as_str();
        let doc = text(&service.doc);
        let sends = schema.sends(service);
        let receives = schema.receives(service);
        quote! {
            #contracts::ServiceContract {
                name: #name,
                doc: #doc,
                sends: ::std::vec![#(#sends),*],
                receives: ::std::vec![#(#receives),*],
            }
        }
    });
    let title = schema.file.as_str();
    quote! {
        #krate::__private::if_contracts! {
            /// The schema as the contracts see it, its property schemas
            /// generated into `schemas`.
            fn __contract(schemas: &mut #contracts::Schemas) -> #contracts::LogContract<'static> {
                #contracts::LogContract {
                    title: #title,
                    version: ::core::env!("CARGO_PKG_VERSION"),
                    events: ::std::vec![#(#events),*],
                    services: ::std::vec![#(#services),*],
                    definitions: ::core::default::Default::default(),
                }
            }

            /// The JSON Schema (2020-12) of one event in goesgen's wire
            /// format, `{"type": ..., "payload": {...}}`: a `oneOf` over the
            /// kinds, each payload with its properties (the `Option` ones
            /// not required), described by the schema's comments; the
            /// property types' schemas (from `schemars::JsonSchema`) under
            /// `$defs`.
            pub fn json_schema() -> #krate::__private::serde_json::Value {
                let mut schemas = #contracts::Schemas::json_schema();
                let mut contract = __contract(&mut schemas);
                contract.definitions = schemas.into_definitions();
                #contracts::events_json_schema(&contract)
            }

            /// The AsyncAPI 3.0 document of the event log: one channel,
            /// one message per event kind with its payload schema, and per
            /// service the kinds it sends (its methods emit) and receives
            /// (its projections subscribe to). Its version is the including
            /// crate's.
            pub fn asyncapi() -> #krate::__private::serde_json::Value {
                let mut schemas = #contracts::Schemas::asyncapi();
                let mut contract = __contract(&mut schemas);
                contract.definitions = schemas.into_definitions();
                #contracts::asyncapi(&contract)
            }
        }
    }
}

/// `schemars::JsonSchema` for each projection's state enum (its states'
/// names), in the `projections` module: method outputs carry states.
pub fn projection_states(schema: &Schema, krate: &TokenStream) -> TokenStream {
    let schemars = quote!(#krate::contracts::schemars);
    let impls = schema.projections.iter().map(|projection| {
        let state = suffixed_ident(&projection.name, "State");
        let name = state.to_string();
        let names = projection.states.iter().map(|state| state.name.as_str());
        let description = format!("A state of the `{}` projection.", projection.name.as_str());
        quote! {
            impl #schemars::JsonSchema for #state {
                fn schema_name() -> ::std::borrow::Cow<'static, str> {
                    ::std::borrow::Cow::Borrowed(#name)
                }

                fn schema_id() -> ::std::borrow::Cow<'static, str> {
                    ::std::borrow::Cow::Borrowed(::core::concat!(::core::module_path!(), "::", #name))
                }

                fn json_schema(_: &mut #schemars::SchemaGenerator) -> #schemars::Schema {
                    #krate::contracts::names_schema(&[#(#names),*], #description)
                }
            }
        }
    });
    quote! {
        #krate::__private::if_contracts! {
            #(#impls)*
        }
    }
}

/// A schema comment as one text (its lines joined).
pub fn text(doc: &Doc) -> String {
    doc.lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA: &str = "events:\n  Opened:\n    id: String\n    note: Option<String>\n\
                          projections:\n  Door:\n    states: [Open]\n    createOn: Opened\n\
                          services:\n  Doors:\n    projections: [Door]\n    methods:\n      Open: {in: String, emits: [Opened]}\n";

    #[test]
    fn optional_properties_are_not_required_and_the_whole_is_gated() {
        let schema = goesgen_schema::parse(SCHEMA, "doors.yml").unwrap();
        let tokens = events_contracts(&schema, &quote!(::goesgen)).to_string();
        assert!(
            tokens.starts_with(":: goesgen :: __private :: if_contracts !"),
            "{tokens}"
        );
        assert!(
            tokens.contains("schemas . property :: < String > (\"id\" , \"\" , true)"),
            "{tokens}"
        );
        assert!(
            tokens
                .contains("schemas . property :: < Option < String > > (\"note\" , \"\" , false)")
        );
        assert!(tokens.contains("sends : :: std :: vec ! [\"Opened\"]"));
    }

    #[test]
    fn each_state_enum_is_described_by_its_states() {
        let schema = goesgen_schema::parse(SCHEMA, "doors.yml").unwrap();
        let tokens = projection_states(&schema, &quote!(::goesgen)).to_string();
        assert!(tokens.contains("JsonSchema for DoorState"), "{tokens}");
        assert!(tokens.contains("names_schema (& [\"Open\"]"), "{tokens}");
    }
}
