//! The procedural macro behind `goesgen::include_schema!`. Use it through the
//! `goesgen` crate, whose `include_schema!` passes its own path to this one.
//!
//! This crate stays thin: `input` reads the macro's arguments, `locate`
//! finds and reads the schema file (and its baseline), `goesgen-schema`
//! parses and validates it and judges its changes against the baseline,
//! `diagnostics` turns its errors and breaking changes into compile
//! errors, and `expand` generates the code (`events`, `projections`,
//! `services` with its parts: the store trait, the methods trait, the
//! event enums, the calls, the service, the store `kits` and `http`; with
//! `docs` and `types`; the events' `contracts`, and the services'
//! `openapi`). Generated code is thin glue over the runtime's
//! generic `Store`, `Dispatch`, `Runner` and `Engine`.
#![warn(missing_docs)]

mod contracts;
mod diagnostics;
mod docs;
mod events;
mod expand;
mod input;
mod locate;
mod migrations;
mod personal;
mod projections;
mod services;
mod types;

use proc_macro::TokenStream;

/// Generates the code of a schema file. Called by `goesgen::include_schema!`
/// as `include_schema!($crate, "path")` or `include_schema!($crate, "path",
/// baseline = "path")`: the first argument is the path of the `goesgen`
/// crate, through which generated code names the runtime.
///
/// See `goesgen::include_schema!` for how the path is resolved and what is
/// generated.
#[proc_macro]
pub fn include_schema(input: TokenStream) -> TokenStream {
    let args = match syn::parse::<input::Args>(input) {
        Ok(args) => args,
        Err(error) => return error.to_compile_error().into(),
    };
    let source_file = args.path.span().local_file();
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR").map(std::path::PathBuf::from);
    expand::include(&args, source_file, manifest_dir).into()
}
