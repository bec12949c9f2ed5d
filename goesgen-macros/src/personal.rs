//! The glue of personal data (the schema's `personal: true` and
//! `subject: true`) in the `events` module: a personal property's Rust
//! type wraps its type in `goesgen::Personal` (known or forgotten, never
//! printed), and the descriptors the runtime seals and opens by: each
//! such event's `EventPayload::PERSONAL` and the schema's
//! `EventSet::personal`. The sealing, opening and forgetting are the
//! runtime's, written once; a schema without personal data gets none of
//! this and expands exactly as before.

use goesgen_schema::evolution::is_optional;
use goesgen_schema::{Event, Property, Schema};
use proc_macro2::TokenStream;
use quote::{ToTokens, quote};

use crate::types::{rust_type, type_ident};

/// The Rust type of an event property: its type, wrapped where it is
/// personal: `goesgen::Personal<T>`, or `Option<goesgen::Personal<T>>`
/// for an `Option<T>` (a record without the value reads `None`, as for
/// any optional property; a value present is known or forgotten).
pub fn field_type(property: &Property, krate: &TokenStream) -> TokenStream {
    let ty = rust_type(&property.ty);
    if !property.personal {
        return ty;
    }
    match option_inner(&property.ty.rust).filter(|_| is_optional(&property.ty)) {
        Some(inner) => quote!(::core::option::Option<#krate::Personal<#inner>>),
        None => quote!(#krate::Personal<#ty>),
    }
}

/// For a personal `Option<..>` property, the attribute that leaves
/// `None` out of the payload: an absent value is no personal data, so it
/// is not sealed and still reads `None` once the subject is forgotten
/// (a sealed `null` would read as forgotten).
pub fn skip_absent(property: &Property) -> Option<TokenStream> {
    (property.personal && is_optional(&property.ty))
        .then(|| quote!(#[serde(skip_serializing_if = "::core::option::Option::is_none")]))
}

/// The `T` of `Option<T>` written as Rust text.
fn option_inner(rust: &str) -> Option<TokenStream> {
    let syn::Type::Path(path) = syn::parse_str::<syn::Type>(rust).ok()? else {
        return None;
    };
    let last = path.path.segments.last()?;
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(inner) if args.args.len() == 1 => Some(inner.to_token_stream()),
        _ => None,
    }
}

/// `const PERSONAL` of `event`'s `EventPayload` impl, if it holds
/// personal data: its subject, the subject's kind and its personal
/// properties, by their wire names.
pub fn payload_spec(event: &Event, krate: &TokenStream) -> Option<TokenStream> {
    let subject = event.subject.as_ref()?;
    let property = event.subject_property()?.name.as_str();
    let kind = subject.kind.as_str();
    let fields = event.personal_properties().map(|p| p.name.as_str());
    Some(quote! {
        const PERSONAL: ::core::option::Option<&'static #krate::PersonalSpec> =
            ::core::option::Option::Some(&#krate::PersonalSpec {
                subject: #property,
                subject_kind: #kind,
                fields: &[#(#fields),*],
            });
    })
}

/// `fn personal` of the schema's `EventSet` impl, if an event holds
/// personal data: each such kind to its event's `PERSONAL`.
pub fn event_set_personal(schema: &Schema, krate: &TokenStream) -> Option<TokenStream> {
    let names: Vec<_> = schema
        .events
        .iter()
        .filter(|e| e.subject.is_some())
        .map(|e| type_ident(&e.name))
        .collect();
    if names.is_empty() {
        return None;
    }
    let codec = quote!(#krate::codec);
    Some(quote! {
        fn personal(kind: EventKind) -> ::core::option::Option<&'static #krate::PersonalSpec> {
            #[allow(unreachable_patterns)]
            match kind {
                #(EventKind::#names => <#names as #codec::EventPayload>::PERSONAL,)*
                _ => ::core::option::Option::None,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA: &str = "\
events:
  UserCreated:
    id: {type: id.User, subject: true}
    name: {type: UserName, personal: true}
    email: {type: Option<String>, personal: true}
  UserLeft:
    id: id.User
projections:
  User:
    states: [Active, Gone]
    createOn: UserCreated
    transitions:
      UserLeft: [Active -> Gone]
services:
  Users:
    projections: [User]
    methods:
      CreateUser: {emits: [UserCreated, UserLeft]}
";

    #[test]
    fn personal_properties_are_wrapped_and_described() {
        let schema = goesgen_schema::parse(SCHEMA, "schema.yml").unwrap();
        let krate = quote!(::goesgen);
        let created = &schema.events[0];
        let types: Vec<String> = created
            .properties
            .iter()
            .map(|p| field_type(p, &krate).to_string())
            .collect();
        assert_eq!(
            types,
            [
                "crate :: id :: User",
                ":: goesgen :: Personal < crate :: UserName >",
                ":: core :: option :: Option < :: goesgen :: Personal < String >>",
            ]
        );
        let spec = payload_spec(created, &krate).unwrap().to_string();
        assert!(
            spec.contains(
                "subject : \"id\" , subject_kind : \"User\" , fields : & [\"name\" , \"email\"]"
            ),
            "{spec}"
        );
        assert!(payload_spec(&schema.events[1], &krate).is_none());
        let set = event_set_personal(&schema, &krate).unwrap().to_string();
        assert!(
            set.contains("EventKind :: UserCreated => < UserCreated as :: goesgen :: codec :: EventPayload > :: PERSONAL"),
            "{set}"
        );
        assert!(!set.contains("UserLeft"), "{set}");
    }

    #[test]
    fn a_schema_without_personal_data_gets_no_glue() {
        let plain = SCHEMA
            .replace("{type: id.User, subject: true}", "id.User")
            .replace("{type: UserName, personal: true}", "UserName")
            .replace("{type: Option<String>, personal: true}", "Option<String>");
        let schema = goesgen_schema::parse(&plain, "schema.yml").unwrap();
        assert!(event_set_personal(&schema, &quote!(::goesgen)).is_none());
    }
}
