//! `<Service>Methods`: the trait of a service's business logic, one method
//! per schema method, each given the caller's context, a transaction of
//! the right kind (read for readonly and append methods, write for
//! transaction methods) and the input.

use goesgen_schema::{MethodKind, Service};
use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::{MethodParts, method_doc};
use crate::docs;

/// `<Service>Methods`.
pub(super) fn methods_trait_items(
    service: &Service,
    parts: &[MethodParts<'_>],
    store: &Ident,
    methods_trait: &Ident,
    krate: &TokenStream,
) -> TokenStream {
    let name = service.name.as_str();
    let funcs = parts.iter().map(|p| {
        let func = &p.func;
        let output = &p.output;
        let events = &p.events;
        let (txn, result) = match p.method.kind {
            MethodKind::Readonly => (quote!(Read), quote!(#output)),
            MethodKind::Append => (
                quote!(Read),
                quote!((#output, ::std::vec::Vec<#events>)),
            ),
            MethodKind::Transaction => (
                quote!(Write),
                quote!((#output, ::std::vec::Vec<#events>)),
            ),
        };
        let input = p.input.as_ref().map(|ty| quote!(, input: #ty));
        let doc = method_doc(name, p.method, "");
        quote! {
            #doc
            fn #func(
                &self,
                ctx: &Self::Context,
                txn: &mut <Self::Store as #krate::Store>::#txn
                #input
            ) -> impl ::core::future::Future<Output = ::core::result::Result<#result, #krate::MethodError<Self::Error>>> + ::core::marker::Send;
        }
    });
    let doc = docs::lines([
        format!("The business logic of the `{name}` service, implemented by you: one method per schema method.").as_str(),
        "",
        "Each gets the caller's context, the transaction (`&mut`; read the projections in it,",
        "never change them: only the store's `apply_*` methods do) and the input. Readonly",
        "methods return their output; append and transaction methods their output and the",
        "events to emit, as the method's own event enum, so emitting an event the schema",
        "does not declare for it does not compile. Write them as `async fn`.",
        "",
        "A transaction method may be called more than once for one call of the service",
        "(after a conflict); only the events of the last call are appended.",
        "",
        "`goesgen::ServiceOptions` says how the service runs them.",
    ]);
    quote! {
        #doc
        pub trait #methods_trait: ::core::marker::Send + ::core::marker::Sync + 'static {
            /// The store the methods read.
            type Store: #store;
            /// Who is calling (the authenticated user, a request id, ...).
            type Context: ::core::marker::Send + ::core::marker::Sync;
            /// What the methods refuse with (their own error, beside store
            /// failures).
            type Error: ::std::error::Error + ::core::marker::Send + ::core::marker::Sync + 'static;

            #(#funcs)*
        }
    }
}
