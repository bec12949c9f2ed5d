//! The macro's arguments: the path of the `goesgen` crate (`$crate`, handed
//! over by the facade's `macro_rules!`), the schema path as the user wrote
//! it, and optionally `baseline = "path"`, the schema version whose events
//! the schema must not break.

use proc_macro2::{TokenStream, TokenTree};
use syn::LitStr;
use syn::parse::{Parse, ParseStream};

/// `include_schema!($crate, "schema.yml")` or
/// `include_schema!($crate, "schema.yml", baseline = "schema.v1.yml")`.
pub struct Args {
    /// The path of the `goesgen` crate, as tokens (`$crate`).
    pub krate: TokenStream,
    /// The schema path, as written.
    pub path: LitStr,
    /// The baseline schema's path, as written, if any.
    pub baseline: Option<LitStr>,
}

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let krate = input.step(|cursor| {
            let mut krate = TokenStream::new();
            let mut rest = *cursor;
            while let Some((tree, next)) = rest.token_tree() {
                if matches!(&tree, TokenTree::Punct(p) if p.as_char() == ',') {
                    return Ok((krate, rest));
                }
                krate.extend([tree]);
                rest = next;
            }
            Err(cursor.error(USAGE))
        })?;
        if krate.is_empty() {
            return Err(input.error(USAGE));
        }
        input.parse::<syn::Token![,]>()?;
        let path = string(input, EXPECTED_PATH)?;
        if input.peek(syn::Token![,]) {
            input.parse::<syn::Token![,]>()?;
        }
        let mut baseline = None;
        if !input.is_empty() {
            let key = input
                .parse::<syn::Ident>()
                .map_err(|e| syn::Error::new(e.span(), UNEXPECTED))?;
            if key != "baseline" {
                return Err(syn::Error::new(key.span(), UNEXPECTED));
            }
            input.parse::<syn::Token![=]>()?;
            baseline = Some(string(input, EXPECTED_BASELINE)?);
            if input.peek(syn::Token![,]) {
                input.parse::<syn::Token![,]>()?;
            }
        }
        if !input.is_empty() {
            return Err(input.error(UNEXPECTED));
        }
        Ok(Args {
            krate,
            path,
            baseline,
        })
    }
}

/// A string literal, or `expected` at whatever stands there. A literal
/// fragment of the facade's `macro_rules!` may arrive in an invisible
/// group; `Lit` looks inside it, so a wrong literal is reported at itself
/// rather than at the whole call.
fn string(input: ParseStream<'_>, expected: &str) -> syn::Result<LitStr> {
    match input.parse::<syn::Lit>() {
        Ok(syn::Lit::Str(path)) => Ok(path),
        Ok(other) => Err(syn::Error::new(other.span(), expected)),
        Err(error) => Err(syn::Error::new(error.span(), expected)),
    }
}

const EXPECTED_BASELINE: &str =
    "expected the baseline schema path as a string literal, e.g. baseline = \"schema.v1.yml\"";

const UNEXPECTED: &str = "unexpected tokens after the schema path; include_schema! takes one path \
     and optionally `baseline = \"schema.v1.yml\"`";

const EXPECTED_PATH: &str = "expected the schema path as a string literal, e.g. \"schema.yml\"";

const USAGE: &str =
    "use this macro through the goesgen crate: `goesgen::include_schema!(\"schema.yml\")`";

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn reads_crate_path_and_literal() {
        let args: Args = syn::parse2(quote!(::goesgen, "schema.yml",)).unwrap();
        assert_eq!(args.krate.to_string(), ":: goesgen");
        assert_eq!(args.path.value(), "schema.yml");
        assert!(args.baseline.is_none());
    }

    #[test]
    fn reads_a_baseline() {
        let args: Args = syn::parse2(quote!(::goesgen, "schema.yml", baseline = "v1.yml")).unwrap();
        assert_eq!(args.baseline.map(|b| b.value()).as_deref(), Some("v1.yml"));
        assert!(syn::parse2::<Args>(quote!(::goesgen, "a", base = "b")).is_err());
        assert!(syn::parse2::<Args>(quote!(::goesgen, "a", baseline = 1)).is_err());
        assert!(syn::parse2::<Args>(quote!(::goesgen, "a", baseline = "b", "c")).is_err());
    }

    #[test]
    fn refuses_missing_or_extra_arguments() {
        assert!(syn::parse2::<Args>(quote!("schema.yml")).is_err());
        assert!(syn::parse2::<Args>(quote!(::goesgen, 5)).is_err());
        assert!(syn::parse2::<Args>(quote!(::goesgen, "a", "b")).is_err());
    }
}
