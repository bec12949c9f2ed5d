//! `<Method>Event`: per write method, the enum of exactly the events it
//! may emit, with its conversions into and out of the schema's `Event`
//! (how the engine encodes and applies them, then hands them back).

use goesgen_schema::{MethodKind, Schema, Service};
use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::MethodParts;
use crate::docs;
use crate::types::type_ident;

/// `<Method>Event`: exactly the events a write method may emit.
pub(super) fn method_events(
    schema: &Schema,
    service: &Service,
    parts: &MethodParts<'_>,
) -> TokenStream {
    if parts.method.kind == MethodKind::Readonly {
        return TokenStream::new();
    }
    let events = &parts.events;
    let method = parts.method.name.as_str();
    let service = service.name.as_str();
    let names: Vec<Ident> = parts
        .method
        .emits
        .iter()
        .map(|e| type_ident(&schema.event(e).name))
        .collect();
    let listed: Vec<String> = names.iter().map(|n| format!("[`{n}`]")).collect();
    let doc = docs::lines([
        format!(
            "The events the `{method}` method may emit (`services.{service}.methods.{method}.emits`): {}.",
            listed.join(", ")
        )
        .as_str(),
        "Convert each with `.into()`.",
    ]);
    let variant_docs = names
        .iter()
        .map(|n| docs::lines([format!("A [`{n}`] event.").as_str()]));
    quote! {
        #doc
        #[derive(::core::fmt::Debug, ::core::clone::Clone, ::core::cmp::PartialEq)]
        pub enum #events {
            #(#variant_docs #names(super::events::#names),)*
        }

        #(
            impl ::core::convert::From<super::events::#names> for #events {
                fn from(event: super::events::#names) -> Self {
                    #events::#names(event)
                }
            }
        )*

        impl ::core::convert::From<#events> for super::events::Event {
            fn from(event: #events) -> Self {
                match event {
                    #(#events::#names(event) => super::events::Event::#names(event),)*
                }
            }
        }

        impl ::core::convert::TryFrom<super::events::Event> for #events {
            type Error = super::events::Event;
            /// Takes back an event of this method out of the schema's enum
            /// (how the engine returns the events it applied without
            /// copying them); any other event is given back.
            #[allow(unreachable_patterns)]
            fn try_from(event: super::events::Event) -> ::core::result::Result<Self, Self::Error> {
                match event {
                    #(super::events::Event::#names(event) => ::core::result::Result::Ok(#events::#names(event)),)*
                    other => ::core::result::Result::Err(other),
                }
            }
        }

        impl #events {
            /// The kind (type) of this event.
            pub fn kind(&self) -> super::events::EventKind {
                match self {
                    #(#events::#names(_) => super::events::EventKind::#names,)*
                }
            }
        }
    }
}
