//! Per service, its test harness (feature `testing` of goesgen, through
//! `__private::if_testing!`): `<Service>Service::test(methods, store)`
//! builds the service on the test kit's in-memory log and clock and tracks
//! its projections' transitions; `<Service>Test` gives events
//! (`given`) and calls (`when(ctx)`); `<Service>When` has one typed
//! function per schema method whose result carries the `then_*`
//! assertions. Thin glue: the logic is the runtime's `goesgen::testing`.

use goesgen_schema::{MethodKind, Service};
use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::MethodParts;
use crate::types::suffixed_ident;

/// The harness of `service`.
pub(super) fn harness(
    service: &Service,
    parts: &[MethodParts<'_>],
    methods_trait: &Ident,
    service_struct: &Ident,
    krate: &TokenStream,
) -> TokenStream {
    let name = service.name.as_str();
    let test = suffixed_ident(&service.name, "Test");
    let when = suffixed_ident(&service.name, "When");
    let states = service
        .projections
        .iter()
        .map(|p| suffixed_ident(&p.name, "State"));
    let testing = quote!(#krate::testing);
    let calls = parts.iter().map(|p| {
        let func = &p.func;
        let method = p.method.name.as_str();
        let output = &p.output;
        let (param, arg) = match &p.input {
            Some(ty) => (quote!(input: #ty), quote!(, input)),
            None => (TokenStream::new(), TokenStream::new()),
        };
        let (result, run) = if p.method.kind == MethodKind::Readonly {
            (
                quote!(#testing::Answered<#output, M::Error>),
                quote!(answered),
            )
        } else {
            let events = &p.events;
            (
                quote!(#testing::Written<#output, #events, M::Error>),
                quote!(written),
            )
        };
        let doc = format!(" Calls `{method}`; assert on what it gave with the result's `then_*`.");
        quote! {
            #[doc = #doc]
            pub async fn #func(self, #param) -> #result {
                let service = &self.test.service;
                self.test.kit.#run(#method, service.#func(self.ctx #arg)).await
            }
        }
    });
    let test_doc = format!(
        " The `{name}` service under test: given events, then calls (`when`) whose \
         results assert what they emitted, refused or answered (see `goesgen::testing`)."
    );
    let when_doc = format!(" The calls of the `{name}` service by one caller, in a test.");
    quote! {
        impl<M: #methods_trait> #service_struct<M> {
            /// This service under test (feature `testing`): running `methods` on `store`
            /// over a new in-memory log, with a clock the test sets; the transitions of its
            /// projections are tracked (`goesgen::testing::coverage`).
            pub fn test(methods: M, store: M::Store) -> #test<M> {
                #(#testing::coverage::track::<super::projections::#states>();)*
                let kit = #testing::Kit::new();
                let service = Self::new(methods, store, ::core::clone::Clone::clone(kit.log()), kit.options());
                #test { service, kit }
            }
        }

        #[doc = #test_doc]
        pub struct #test<M: #methods_trait> {
            service: #service_struct<M>,
            kit: #testing::Kit<super::events::Event>,
        }

        impl<M: #methods_trait> #test<M> {
            /// Appends `events` (of any service) to the log as another writer would, at
            /// the kit's time, and lets the service apply them.
            ///
            /// # Errors
            /// An event that does not encode, the log's failure, or the store's refusal.
            pub async fn given(
                &self,
                events: impl ::core::iter::IntoIterator<Item = super::events::Event>,
            ) -> ::core::result::Result<(), #krate::ServiceError<M::Error>> {
                self.kit.given(events).await?;
                self.service.sync().await.map(drop)
            }

            /// The calls of the caller `ctx`.
            pub fn when<'a>(&'a self, ctx: &'a M::Context) -> #when<'a, M> {
                #when { test: self, ctx }
            }

            /// The service under test (its store, log, `sync`, ...).
            pub fn service(&self) -> &#service_struct<M> {
                &self.service
            }

            /// The test kit: the log, the clock (`set_time`, `advance`).
            pub fn kit(&self) -> &#testing::Kit<super::events::Event> {
                &self.kit
            }
        }

        #[doc = #when_doc]
        pub struct #when<'a, M: #methods_trait> {
            test: &'a #test<M>,
            ctx: &'a M::Context,
        }

        impl<M: #methods_trait> #when<'_, M> {
            #(#calls)*
        }
    }
}
