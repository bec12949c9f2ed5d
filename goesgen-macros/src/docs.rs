//! Rustdoc attributes for generated items: the schema's own comments (model
//! [`Doc`]) where it has them, otherwise a sentence saying what the item is
//! and which schema entry it comes from.

use goesgen_schema::Doc;
use proc_macro2::TokenStream;
use quote::quote;

/// `#[doc = ...]` attributes for an item with the schema comment `doc`:
/// that comment followed by `entry`, or `fallback` alone when the schema
/// gives none. `entry` and `fallback` are markdown.
pub fn item_doc(doc: &Doc, fallback: &str, entry: &str) -> TokenStream {
    if doc.is_empty() {
        lines([fallback])
    } else {
        let mut all: Vec<&str> = doc.lines.iter().map(String::as_str).collect();
        all.push("");
        all.push(entry);
        lines(all)
    }
}

/// One `#[doc = " line"]` per line of `text` (an empty line is a paragraph
/// break).
pub fn lines<'a>(text: impl IntoIterator<Item = &'a str>) -> TokenStream {
    let attrs = text.into_iter().flat_map(|t| t.split('\n')).map(|line| {
        let line = line.trim_end_matches('\r');
        let line = if line.is_empty() {
            String::new()
        } else {
            format!(" {line}")
        };
        quote!(#[doc = #line])
    });
    quote!(#(#attrs)*)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_comment_wins_and_names_its_entry() {
        let doc = Doc {
            lines: vec!["Title is the headline.".into(), "".into(), "More.".into()],
        };
        let tokens = item_doc(&doc, "fallback", "From `events.E.title`.").to_string();
        assert_eq!(
            tokens,
            "# [doc = \" Title is the headline.\"] # [doc = \"\"] # [doc = \" More.\"] \
             # [doc = \"\"] # [doc = \" From `events.E.title`.\"]"
        );
        let tokens = item_doc(&Doc::default(), "The fallback.", "unused").to_string();
        assert_eq!(tokens, "# [doc = \" The fallback.\"]");
    }
}
