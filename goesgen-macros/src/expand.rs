//! The expansion: [`include`] runs the whole macro (locate the file and
//! its baseline, parse them, report errors and breaking changes, or
//! generate), [`expand`] generates the code of a valid
//! schema and is a plain function of the model, testable without a
//! compiler.

use std::path::PathBuf;

use goesgen_schema::Schema;
use proc_macro2::{Span, TokenStream};
use quote::quote;

use crate::diagnostics;
use crate::events::{events, name_clashes};
use crate::input::Args;
use crate::locate::locate;
use crate::projections::projections;

/// The whole expansion of `include_schema!` for `args`, the source file
/// holding the call (as the compiler names it) and the including crate's
/// directory. Never panics: a problem is a compile error at the path
/// literal, beside empty `events` and `projections` modules so that user
/// code naming them adds no follow-on errors of its own.
pub fn include(
    args: &Args,
    source_file: Option<PathBuf>,
    manifest_dir: Option<PathBuf>,
) -> TokenStream {
    let span = args.path.span();
    let schema = match read(&args.path, source_file.as_deref(), manifest_dir.as_deref()) {
        Ok(read) => read,
        Err(error) => return failed(error, None),
    };
    let baseline = match &args.baseline {
        None => None,
        Some(path) => match read(path, source_file.as_deref(), manifest_dir.as_deref()) {
            Ok(read) => Some(read),
            Err(error) => return failed(error, Some(schema.track)),
        },
    };
    // Rebuild when the schema or its baseline changes: the expansion
    // includes their bytes.
    let mut track = schema.track;
    if let Some(baseline) = &baseline {
        track.extend(baseline.track.clone());
    }
    let model = match goesgen_schema::parse(&schema.text, &schema.written) {
        Ok(model) => model,
        Err(errors) => return failed(diagnostics::schema_errors(&errors, span), Some(track)),
    };
    if let Some(baseline) = &baseline {
        let old = match goesgen_schema::parse(&baseline.text, &baseline.written) {
            Ok(old) => old,
            Err(errors) => {
                return failed(
                    diagnostics::schema_errors(&errors, baseline.span),
                    Some(track),
                );
            }
        };
        // The same rules and messages as `goesgen diff`: only breaking
        // changes stop the build.
        let breaking: Vec<_> = goesgen_schema::diff(&old, &model)
            .into_iter()
            .filter(|change| change.is_breaking())
            .map(|change| change.to_error(&baseline.text, &schema.text))
            .collect();
        if let Some(error) = diagnostics::errors(&breaking, span) {
            return failed(error, Some(track));
        }
    }
    let generated = expand(&model, args.krate.clone());
    quote!(#track #generated)
}

/// A schema file (the schema or its baseline) found and read.
struct Read {
    /// The path as written (the file name in messages).
    written: String,
    /// Its text.
    text: String,
    /// `const _: &[u8] = include_bytes!("<absolute path>");`
    track: TokenStream,
    /// The literal that names it.
    span: Span,
}

/// Finds and reads the file `path` names; the error is a compile error at
/// the literal.
fn read(
    path: &syn::LitStr,
    source_file: Option<&std::path::Path>,
    manifest_dir: Option<&std::path::Path>,
) -> Result<Read, syn::Error> {
    let span = path.span();
    let written = path.value();
    let located = locate(&written, source_file, manifest_dir)
        .map_err(|message| diagnostics::error(message, span))?;
    let Some(absolute) = located.absolute.to_str() else {
        return Err(diagnostics::error(
            format!(
                "the path of schema file `{written}` is not valid UTF-8; rename a directory or the file"
            ),
            span,
        ));
    };
    let track = quote! {
        const _: &[u8] = ::core::include_bytes!(#absolute);
    };
    Ok(Read {
        written,
        text: located.text,
        track,
        span,
    })
}

/// The compile error, the file tracking (so that fixing the schema
/// rebuilds), and empty modules in place of the generated ones.
fn failed(error: syn::Error, track: Option<TokenStream>) -> TokenStream {
    let error = error.to_compile_error();
    quote! {
        #error
        #track
        /// Empty: the schema has errors.
        pub mod events {}
        /// Empty: the schema has errors.
        pub mod projections {}
    }
}

/// The generated code of a valid schema. `krate` is the path of the
/// `goesgen` crate (`$crate`); generated code names the runtime only
/// through it. The same schema always gives the same tokens.
pub fn expand(schema: &Schema, krate: TokenStream) -> TokenStream {
    if let Some(error) = name_clashes(schema, Span::call_site()) {
        return failed(error, None);
    }
    let events = events(schema, &krate);
    let contracts = crate::contracts::events_contracts(schema, &krate);
    let states = crate::contracts::projection_states(schema, &krate);
    let projections = projections(schema, &krate);
    let services = crate::services::services(schema, &krate);
    let file = &schema.file;
    let events_doc = format!(
        " The events of `{file}`: one struct per event, `Event` over all of them, `EventKind` their kinds."
    );
    let projections_doc = format!(
        " The projections of `{file}`: per projection its state machine (`<Name>State`) and its properties (`<Name>Properties`)."
    );
    let serde_import = serde_import(&krate);
    quote! {
        #[doc = #events_doc]
        pub mod events {
            #serde_import
            #events
            #contracts
        }

        #[doc = #projections_doc]
        pub mod projections {
            #serde_import
            #projections
            #states
        }

        #services
    }
}

/// serde, through the facade, under the name the derives' `crate`
/// attribute gives (`self::__serde`).
fn serde_import(krate: &TokenStream) -> TokenStream {
    quote! {
        #[allow(unused_imports)]
        use #krate::__private::serde as __serde;
    }
}

#[cfg(test)]
mod tests;
