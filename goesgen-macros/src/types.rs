//! Schema names and type references to Rust tokens: a [`TypeRef`] to a
//! `syn::Type`, an event, projection or state name to a type identifier, a
//! property name to a (possibly raw) field identifier.

use goesgen_schema::{Name, TypeRef};
use proc_macro2::{Ident, Span, TokenStream};
use quote::ToTokens;

/// The Rust type a schema type reference stands for, or a compile error if
/// its Rust text does not parse (goesgen-schema validated it, so this is a
/// defect, reported rather than panicked on).
pub fn rust_type(ty: &TypeRef) -> TokenStream {
    match syn::parse_str::<syn::Type>(&ty.rust) {
        Ok(parsed) => parsed.to_token_stream(),
        Err(error) => syn::Error::new(
            Span::call_site(),
            format!(
                "type reference `{}` (line {}) does not parse as a Rust type: {error}",
                ty.written, ty.at.line
            ),
        )
        .to_compile_error(),
    }
}

/// A type name as written (`TicketCreated`).
pub fn type_ident(name: &Name) -> Ident {
    Ident::new(name.as_str(), Span::call_site())
}

/// A type name with a suffix (`TicketState`).
pub fn suffixed_ident(name: &Name, suffix: &str) -> Ident {
    Ident::new(&format!("{}{suffix}", name.as_str()), Span::call_site())
}

/// A property's field name: snake_case, raw where it is a keyword
/// (`r#type`).
pub fn field_ident(name: &Name) -> Ident {
    let ident = name.ident();
    match ident.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(&ident, Span::call_site()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use goesgen_schema::Location;

    fn name(text: &str) -> Name {
        Name {
            text: text.into(),
            at: Location::default(),
        }
    }

    #[test]
    fn fields_are_snake_case_and_raw_for_keywords() {
        assert_eq!(
            field_ident(&name("newDescription")).to_string(),
            "new_description"
        );
        assert_eq!(field_ident(&name("type")).to_string(), "r#type");
    }

    #[test]
    fn types_parse_from_their_rust_text() {
        let ty = TypeRef {
            written: "id.User".into(),
            rust: "Vec<crate::id::User>".into(),
            at: Location::default(),
        };
        assert_eq!(rust_type(&ty).to_string(), "Vec < crate :: id :: User >");
        let bad = TypeRef {
            written: "x".into(),
            rust: "not a type".into(),
            at: Location::default(),
        };
        assert!(rust_type(&bad).to_string().contains("compile_error"));
    }
}
