//! Schema errors to compile errors: every error goesgen-schema found becomes
//! one `syn::Error` spanned at the macro's string literal, combined into
//! one, so the user sees all of them at once. Their text is the schema
//! error's own rustc-like rendering: `schema.yml:LINE:COLUMN`, the path
//! inside the schema, the problem, the offending line with a caret, and the
//! hint.

use goesgen_schema::{SchemaError, SchemaErrors};
use proc_macro2::Span;

/// One combined error for all of `errors`, spanned at `span`.
pub fn schema_errors(errors: &SchemaErrors, span: Span) -> syn::Error {
    self::errors(errors.iter(), span).unwrap_or_else(|| {
        syn::Error::new(
            span,
            "the schema is invalid, but its parser reported no error",
        )
    })
}

/// One combined error for `errors` (a schema's, or breaking changes
/// against a baseline rendered as schema errors), spanned at `span`;
/// `None` when there is none.
pub fn errors<'a>(
    errors: impl IntoIterator<Item = &'a SchemaError>,
    span: Span,
) -> Option<syn::Error> {
    errors
        .into_iter()
        .map(|error| syn::Error::new(span, error))
        .reduce(|mut combined, next| {
            combined.combine(next);
            combined
        })
}

/// A compile error that is no schema error (a missing file, a bad path).
pub fn error(message: impl std::fmt::Display, span: Span) -> syn::Error {
    syn::Error::new(span, message)
}
