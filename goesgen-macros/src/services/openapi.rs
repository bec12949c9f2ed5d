//! The OpenAPI document of a service (with the `goesgen` crate's feature
//! `http`, which brings goesgen-http's `openapi`): `<Service>Service::openapi()`
//! and the module's `openapi()`. The generated part lists the methods as
//! goesgen-http's `ServiceApi` (names, comments, kinds, and the schemas of
//! their inputs and outputs through the runtime's `contracts::Describe`,
//! so a type without `schemars::JsonSchema` is a compile error naming it);
//! goesgen-http's `openapi::document` builds the document.

use goesgen_schema::{MethodKind, Service};
use proc_macro2::TokenStream;
use quote::quote;

use super::MethodParts;
use crate::contracts::text;
use crate::types::suffixed_ident;

/// The `openapi` functions of `service`, inside its module.
pub fn service_openapi(
    service: &Service,
    parts: &[MethodParts<'_>],
    krate: &TokenStream,
) -> TokenStream {
    let name = service.name.as_str();
    let doc = text(&service.doc);
    let methods_trait = suffixed_ident(&service.name, "Methods");
    let service_struct = suffixed_ident(&service.name, "Service");
    let api = quote!(#krate::http::openapi);
    let operations = parts.iter().map(|part| {
        let method = part.method.name.as_str();
        let doc = text(&part.method.doc);
        let kind = match part.method.kind {
            MethodKind::Readonly => "readonly",
            MethodKind::Append => "append",
            MethodKind::Transaction => "transaction",
        };
        let input = part.input.clone().unwrap_or_else(|| quote!(()));
        let output = &part.output;
        quote!(#api::OperationApi::of::<#input, #output>(&mut schemas, #method, #doc, #kind))
    });
    let module_doc = format!(
        " The OpenAPI 3.1 document of the `{name}` service: one `POST /{name}/<Method>` \
         operation per method, its input and output schemas (from `schemars::JsonSchema`), \
         the `Idempotency-Key` and `Goesgen-Seen-Position` headers and the problem \
         responses; no security (add the authenticator's with `goesgen::http::openapi::secure`)."
    );
    let assoc_doc = format!(" The OpenAPI 3.1 document of the `{name}` service: see [`openapi`].");
    quote! {
        #krate::__private::if_http! {
            #[doc = #module_doc]
            pub fn openapi() -> #krate::__private::serde_json::Value {
                let mut schemas = #krate::contracts::Schemas::openapi();
                let operations = ::std::vec![#(#operations),*];
                #api::document(&#api::ServiceApi {
                    name: #name,
                    doc: #doc,
                    version: ::core::env!("CARGO_PKG_VERSION"),
                    operations,
                    definitions: schemas.into_definitions(),
                })
            }

            impl<M: #methods_trait> #service_struct<M> {
                #[doc = #assoc_doc]
                pub fn openapi() -> #krate::__private::serde_json::Value {
                    openapi()
                }
            }
        }
    }
}
