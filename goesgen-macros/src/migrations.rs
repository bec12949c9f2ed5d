//! The glue of an event's migration declarations (the schema's `was`,
//! `default` and `upcast`): its `codec::Migrated` impl (former kinds,
//! renamed properties, defaults, upcaster), the decoder's match arm that
//! routes its current and former kinds to `codec::decode_migrated`, and a
//! test per default the schema could not check itself. The work is the
//! runtime's, written once; an event without declarations gets none of
//! this and decodes exactly as before.

use goesgen_schema::{Event, Schema};
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::types::{rust_type, type_ident};

/// The `codec::Migrated` impl of `event`, if it declares migrations.
pub fn migrated_impl(event: &Event, krate: &TokenStream) -> Option<TokenStream> {
    if !event.has_migrations() {
        return None;
    }
    let codec = quote!(#krate::codec);
    let ident = type_ident(&event.name);
    let former: Vec<&str> = event.was.iter().map(|n| n.as_str()).collect();
    let renamed = event
        .properties
        .iter()
        .filter(|p| !p.was.is_empty())
        .map(|p| {
            let name = p.name.as_str();
            let was = p.was.iter().map(|n| n.as_str());
            quote!(#codec::Renamed { name: #name, was: &[#(#was),*] })
        });
    let defaults = event.properties.iter().filter_map(|p| {
        let json = &p.default.as_ref()?.json;
        let name = p.name.as_str();
        Some(quote!(#codec::Defaulted { name: #name, json: #json }))
    });
    let upcast = match &event.upcast {
        None => quote!(::core::option::Option::None),
        Some(upcast) => match syn::parse_str::<syn::Path>(&upcast.path) {
            // A named constant of the upcaster's type: a wrong signature
            // is reported as that type against the function's.
            Ok(path) => quote!({
                const UPCASTER: #codec::Upcaster = #path;
                ::core::option::Option::Some(UPCASTER)
            }),
            Err(error) => syn::Error::new(
                Span::call_site(),
                format!(
                    "upcaster `{}` (line {}) does not parse as a Rust path: {error}",
                    upcast.path, upcast.at.line
                ),
            )
            .to_compile_error(),
        },
    };
    Some(quote! {
        impl #codec::Migrated for #ident {
            const FORMER_KINDS: &'static [&'static str] = &[#(#former),*];
            const RENAMED: &'static [#codec::Renamed] = &[#(#renamed),*];
            const DEFAULTS: &'static [#codec::Defaulted] = &[#(#defaults),*];
            const UPCAST: ::core::option::Option<#codec::Upcaster> = #upcast;
        }
    })
}

/// The decoder's match arm for `event`: its kind (and former kinds) to the
/// plain decoder, or to the migrating one when it declares migrations.
pub fn decode_arm(event: &Event, krate: &TokenStream) -> TokenStream {
    let codec = quote!(#krate::codec);
    let ident = type_ident(&event.name);
    let name = event.name.as_str();
    if !event.has_migrations() {
        return quote!(#name => #codec::decode_payload::<#ident>(payload).map(Event::#ident),);
    }
    let former = event.was.iter().map(|n| n.as_str());
    quote! {
        #name #(| #former)* => #codec::decode_migrated::<#ident>(kind, payload).map(Event::#ident),
    }
}

/// The `former_names` arm of `EventKind` for `event`.
pub fn former_names(event: &Event) -> TokenStream {
    let ident = type_ident(&event.name);
    let former = event.was.iter().map(|n| n.as_str());
    quote!(EventKind::#ident => &[#(#former),*],)
}

/// A test per default the schema could not check against its type (a
/// type of the user's own): it decodes the default as the property's type.
pub fn default_tests(schema: &Schema, krate: &TokenStream) -> TokenStream {
    let tests = schema.events.iter().flat_map(|event| {
        event.properties.iter().filter_map(move |property| {
            let default = property.default.as_ref().filter(|d| !d.checked)?;
            let ty = rust_type(&property.ty);
            let json = &default.json;
            let test = Ident::new(
                &format!(
                    "default_of_{}_{}_decodes",
                    event.name.snake(),
                    property.name.snake()
                ),
                Span::call_site(),
            );
            let failure = format!(
                "{}:{}:{}: the default {} of events.{}.{} does not decode as `{}`: {{}}",
                schema.file,
                default.at.line,
                default.at.column,
                json,
                event.name,
                property.name,
                property.ty.written
            );
            Some(quote! {
                #[test]
                fn #test() {
                    if let ::core::result::Result::Err(error) = #krate::codec::check_default::<#ty>(#json) {
                        ::core::panic!(#failure, error);
                    }
                }
            })
        })
    });
    let tests: Vec<TokenStream> = tests.collect();
    if tests.is_empty() {
        return TokenStream::new();
    }
    quote! {
        /// The schema's defaults of property types it cannot check itself,
        /// each decoded as its type.
        #[cfg(test)]
        mod __goesgen_defaults {
            #(#tests)*
        }
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;

    const SCHEMA: &str = "\
events:
  Opened:
    by: String
  Shut:
    was: [Closed]
    upcast: crate::migrations::shut
    shutBy: {type: String, was: closer}
    reason: {type: crate::Reason, default: none}
projections:
  Door:
    states: [Open]
    createOn: Opened
    transitions:
      Shut: [Open -> Open]
services:
  Doors:
    projections: [Door]
    methods:
      Open: {emits: [Opened, Shut]}
";

    fn schema() -> Schema {
        goesgen_schema::parse(SCHEMA, "schema.yml").unwrap()
    }

    fn text(tokens: Option<TokenStream>) -> String {
        tokens.map(|t| t.to_string()).unwrap_or_default()
    }

    #[test]
    fn an_event_without_declarations_keeps_the_plain_decoder() {
        let schema = schema();
        let krate = quote!(::goesgen);
        let opened = &schema.events[0];
        assert!(migrated_impl(opened, &krate).is_none());
        let arm = decode_arm(opened, &krate).to_string();
        assert!(arm.contains("decode_payload :: < Opened >"), "{arm}");
        assert!(!arm.contains("decode_migrated"), "{arm}");
    }

    #[test]
    fn an_event_with_declarations_routes_its_former_kinds_to_the_migrating_decoder() {
        let schema = schema();
        let krate = quote!(::goesgen);
        let shut = &schema.events[1];
        let arm = decode_arm(shut, &krate).to_string();
        assert!(
            arm.starts_with("\"Shut\" | \"Closed\" => :: goesgen :: codec :: decode_migrated :: < Shut > (kind , payload)"),
            "{arm}"
        );
        let migrated = text(migrated_impl(shut, &krate));
        for part in [
            "const FORMER_KINDS : & 'static [& 'static str] = & [\"Closed\"]",
            "Renamed { name : \"shutBy\" , was : & [\"closer\"] }",
            "Defaulted { name : \"reason\" , json : \"\\\"none\\\"\" }",
            "const UPCASTER : :: goesgen :: codec :: Upcaster = crate :: migrations :: shut",
        ] {
            assert!(migrated.contains(part), "{part} not in {migrated}");
        }
        let tests = default_tests(&schema, &krate).to_string();
        assert!(
            tests.contains("fn default_of_shut_reason_decodes"),
            "{tests}"
        );
        assert!(
            tests.contains("check_default :: < crate :: Reason >"),
            "{tests}"
        );
    }
}
