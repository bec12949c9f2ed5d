//! Services over HTTP: per service, the `router` of the generated
//! `<Service>Service` (one route per method, listed for goesgen-http's
//! generic `Routes`; goesgen-http's `HttpService` comes with the service's
//! `Runner`), and the typed `<Service>Client`.
//!
//! All of it is wrapped in the facade's `__private::if_http!`, which
//! expands it only when the `goesgen` crate's feature `http` is on: the
//! macro cannot see the features of the crate it generates for, the facade
//! can.

use goesgen_schema::{MethodKind, Service};
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::docs;
use crate::types::{field_ident, rust_type, suffixed_ident};

/// The HTTP items of `service`, inside its module.
pub fn service_http(service: &Service, krate: &TokenStream) -> TokenStream {
    let name = service.name.as_str();
    let methods_trait = suffixed_ident(&service.name, "Methods");
    let service_struct = suffixed_ident(&service.name, "Service");
    let client = suffixed_ident(&service.name, "Client");

    let mut routes = Vec::new();
    let mut client_fns = Vec::new();
    for method in &service.methods {
        let method_name = method.name.as_str();
        let func = field_ident(&method.name);
        let func_with = Ident::new(&format!("{func}_with"), Span::call_site());
        let output = method.output.as_ref().map_or_else(|| quote!(()), rust_type);
        let (input_ty, call_arg, param, pass, body_arg) = match &method.input {
            Some(ty) => {
                let ty = rust_type(ty);
                (
                    ty.clone(),
                    quote!(, input),
                    quote!(input: #ty,),
                    quote!(input,),
                    quote!(&input),
                )
            }
            None => (
                quote!(()),
                TokenStream::new(),
                TokenStream::new(),
                TokenStream::new(),
                quote!(&()),
            ),
        };
        let write = method.kind != MethodKind::Readonly;
        routes.push(if write {
            quote! {
                .write(#method_name, |service: ::std::sync::Arc<Self>, ctx: M::Context, input: #input_ty, options: #krate::service::CallOptions| async move {
                    let _ = &input;
                    service.#func_with(&ctx #call_arg, options).await
                })
            }
        } else {
            quote! {
                .readonly(#method_name, |service: ::std::sync::Arc<Self>, ctx: M::Context, input: #input_ty| async move {
                    let _ = &input;
                    service.#func(&ctx #call_arg).await
                })
            }
        });
        let result = if write {
            quote!(#krate::http::Written<#output>)
        } else {
            quote!(#output)
        };
        let what = if write {
            "Returns its output and the positions its events were appended at. Without a key \
             in the options the call gets a fresh one, kept across its retries, so a retry \
             never writes twice."
        } else {
            "Returns its output; with a seen position in the options, the service first \
             catches up to it."
        };
        let doc = docs::lines([
            format!("Calls `{method_name}` (`POST /{name}/{method_name}`) on the server.").as_str(),
            "",
            what,
            "",
            "# Errors",
            "The server's problem (the method's own error among them, by its code), or a",
            "transport failure, after the client's retries of what is safe to retry.",
        ]);
        let with_doc = format!(
            " [`{func}`](Self::{func}) with request options: the idempotency key and the \
             position the service must have seen."
        );
        client_fns.push(quote! {
            #doc
            pub async fn #func(&self, #param) -> ::core::result::Result<#result, #krate::http::ClientError> {
                self.#func_with(#pass #krate::http::RequestOptions::new()).await
            }

            #[doc = #with_doc]
            ///
            /// # Errors
            /// As the method without options.
            pub async fn #func_with(&self, #param options: #krate::http::RequestOptions) -> ::core::result::Result<#result, #krate::http::ClientError> {
                self.http.call::<_, #result>(#name, #method_name, #body_arg, #write, options).await
            }
        });
    }
    let router_doc = docs::lines([
        format!(
            "The `{name}` service over HTTP: an axum router with one `POST /{name}/<Method>` \
             route per method."
        )
        .as_str(),
        "",
        "`auth` turns each request into the methods' context (or refuses it with 401/403);",
        "the input is the JSON body, the output the JSON answer (for write methods",
        "`{\"output\": ..., \"positions\": {\"first\": F, \"last\": L}}`), errors are",
        "`application/problem+json` (the method's own through `goesgen::http::MethodProblem`).",
        "See `goesgen::http` for the headers and status codes. Serve it with",
        "`goesgen::http::serve` or `axum::serve`. To merge several services' routers into one,",
        "`reset_fallback()` each and set `goesgen::http::unknown_method` as the fallback once.",
    ]);
    let client_doc = docs::lines([
        format!(
            "A typed client of the `{name}` service served over HTTP (by \
             [`{service_struct}::router`]): one async method per schema method, with the same \
             input and output types."
        )
        .as_str(),
        "",
        "Write calls carry an idempotency key (the caller's, or a fresh one per call) and",
        "retries reuse it; what the client retries is `goesgen::http::HttpClient`'s policy.",
    ]);
    let body = quote! {
        impl<M: #methods_trait> #service_struct<M> {
            #router_doc
            pub fn router<A>(self: ::std::sync::Arc<Self>, auth: A, options: #krate::http::HttpOptions) -> #krate::http::Router
            where
                A: #krate::http::Authenticate<M::Context>,
                M::Error: #krate::http::MethodProblem,
                M::Context: 'static,
            {
                #krate::http::Routes::new(self, auth, options)
                    #(#routes)*
                    .describe(Self::openapi)
                    .into_router()
            }
        }

        #client_doc
        #[derive(::core::fmt::Debug, ::core::clone::Clone)]
        pub struct #client {
            http: #krate::http::HttpClient,
        }

        impl #client {
            /// A client calling the server `http` reaches.
            pub fn new(http: #krate::http::HttpClient) -> Self {
                Self { http }
            }

            /// The underlying HTTP client.
            pub fn http(&self) -> &#krate::http::HttpClient {
                &self.http
            }

            #(#client_fns)*
        }
    };
    quote! {
        #krate::__private::if_http! { #body }
    }
}
