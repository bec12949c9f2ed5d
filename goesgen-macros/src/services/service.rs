//! `<Service>Service`: runs the user's methods against the store and the
//! log. Per schema method it has `<method>` and `<method>_with` (call
//! options); everything else (sync, follow, stats, the store, the log) is
//! the runtime's `Runner`, which it derefs to.

use goesgen_schema::{MethodKind, Service};
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use super::{MethodParts, method_doc};
use crate::docs;

/// `<Service>Service`.
pub(super) fn service_struct_items(
    service: &Service,
    parts: &[MethodParts<'_>],
    store: &Ident,
    methods_trait: &Ident,
    service_struct: &Ident,
    krate: &TokenStream,
) -> TokenStream {
    let name = service.name.as_str();
    let funcs = parts.iter().map(|p| {
        let func = &p.func;
        let func_with = Ident::new(&format!("{func}_with"), Span::call_site());
        let call = &p.call;
        let output = &p.output;
        let events = &p.events;
        let (input_param, input_field, input_arg) = match &p.input {
            Some(ty) => (quote!(, input: #ty), quote!(input,), quote!(, input)),
            None => (TokenStream::new(), TokenStream::new(), TokenStream::new()),
        };
        let (result, run, extra) = match p.method.kind {
            MethodKind::Readonly => (
                quote!(#output),
                quote!(run_readonly(&call)),
                "Runs it in a read transaction and returns its output; nothing is written.",
            ),
            MethodKind::Append => (
                quote!(#krate::Committed<#output, #events>),
                quote!(run_append(&call, &options)),
                "Calls it, appends its events and returns the output, the events, and the \
                 positions and time they were recorded at. The store does not judge the \
                 events before they are appended (use a transaction method for that).",
            ),
            MethodKind::Transaction => (
                quote!(#krate::Committed<#output, #events>),
                quote!(run_transaction(&call, &options)),
                "Catches up, calls it in a write transaction, applies its events to the \
                 store and appends them on the service's conflict rule, calling it again \
                 after a conflict; returns the output, the events, where they were recorded \
                 and the attempts. An event the store refuses is not appended; any error \
                 rolls the store back and appends nothing.",
            ),
        };
        let doc = method_doc(name, p.method, extra);
        let options_use = if p.method.kind == MethodKind::Readonly {
            quote!(let _ = options;)
        } else {
            TokenStream::new()
        };
        let with_doc = format!(
            " [`{func}`](Self::{func}) with call options: an idempotency key makes a \
             repeated call write at most once (readonly methods ignore it)."
        );
        quote! {
            #doc
            ///
            /// # Errors
            /// The method's error, or what the store or the log failed with
            /// (see `goesgen::ServiceError`).
            pub async fn #func(
                &self,
                ctx: &M::Context
                #input_param
            ) -> ::core::result::Result<#result, #krate::ServiceError<M::Error>> {
                self.#func_with(ctx #input_arg, #krate::service::CallOptions::new()).await
            }

            #[doc = #with_doc]
            ///
            /// # Errors
            /// As the method without options; with a key already used,
            /// `goesgen::ServiceError::Duplicate` (or `KeyReused`, when the
            /// options' fingerprint differs from the first call's).
            pub async fn #func_with(
                &self,
                ctx: &M::Context
                #input_param,
                options: #krate::service::CallOptions,
            ) -> ::core::result::Result<#result, #krate::ServiceError<M::Error>> {
                #options_use
                let call = #call { methods: &self.methods, ctx, #input_field };
                self.runner.engine().#run.await
            }
        }
    });
    let doc = docs::lines([
        format!("The `{name}` service: runs the methods of a [`{methods_trait}`] against its [`{store}`] and an event log.").as_str(),
        "",
        "Share it in an `Arc` to call it from many tasks: its futures are `Send`. Its",
        "projections move as it writes (with `sync_after_push`, the default), on `sync()`,",
        "and while `follow()` runs.",
    ]);
    quote! {
        #doc
        ///
        /// It derefs to a `goesgen::service::Runner` for what every service has: `sync()`,
        /// `rebuild()` (rebuild the store's projections from the log now), `follow()`,
        /// `projection_version()`, `stats()`, `progress()`, `skipped()`, `store()` and
        /// `log()`.
        pub struct #service_struct<M: #methods_trait> {
            methods: M,
            runner: #krate::service::Runner<Subscriptions<M::Store>, M::Error>,
        }

        impl<M: #methods_trait> #service_struct<M> {
            /// A service running `methods` over `store` on `log`.
            pub fn new(methods: M, store: M::Store, log: #krate::SharedLog, options: #krate::ServiceOptions) -> Self {
                Self {
                    methods,
                    runner: #krate::service::Runner::new(store, log, options),
                }
            }

            /// The methods.
            pub fn methods(&self) -> &M {
                &self.methods
            }

            #(#funcs)*
        }

        impl<M: #methods_trait> ::core::ops::Deref for #service_struct<M> {
            type Target = #krate::service::Runner<Subscriptions<M::Store>, M::Error>;

            fn deref(&self) -> &Self::Target {
                &self.runner
            }
        }

        impl<M: #methods_trait> ::core::fmt::Debug for #service_struct<M> {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct(::core::stringify!(#service_struct))
                    .field("engine", self.runner.engine())
                    .finish_non_exhaustive()
            }
        }
    }
}
