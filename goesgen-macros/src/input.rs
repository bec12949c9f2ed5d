//! The macro's arguments: the path of the `goesgen` crate (`$crate`, handed
//! over by the facade's `macro_rules!`) and the schema path as the user
//! wrote it.

use proc_macro2::{TokenStream, TokenTree};
use syn::LitStr;
use syn::parse::{Parse, ParseStream};

/// `include_schema!($crate, "schema.yml")`.
pub struct Args {
    /// The path of the `goesgen` crate, as tokens (`$crate`).
    pub krate: TokenStream,
    /// The schema path, as written.
    pub path: LitStr,
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
        // A literal fragment of the facade's `macro_rules!` may arrive in
        // an invisible group; `Lit` looks inside it, so a wrong literal is
        // reported at itself rather than at the whole call.
        let path = match input.parse::<syn::Lit>() {
            Ok(syn::Lit::Str(path)) => path,
            Ok(other) => return Err(syn::Error::new(other.span(), EXPECTED_PATH)),
            Err(error) => return Err(syn::Error::new(error.span(), EXPECTED_PATH)),
        };
        if input.peek(syn::Token![,]) {
            input.parse::<syn::Token![,]>()?;
        }
        if !input.is_empty() {
            return Err(input
                .error("unexpected tokens after the schema path; include_schema! takes one path"));
        }
        Ok(Args { krate, path })
    }
}

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
    }

    #[test]
    fn refuses_missing_or_extra_arguments() {
        assert!(syn::parse2::<Args>(quote!("schema.yml")).is_err());
        assert!(syn::parse2::<Args>(quote!(::goesgen, 5)).is_err());
        assert!(syn::parse2::<Args>(quote!(::goesgen, "a", "b")).is_err());
    }
}
