//! The procedural macro behind `goesgen::include_schema!`. Use it through the
//! `goesgen` crate, whose `include_schema!` passes its own path to this one.
#![warn(missing_docs)]
