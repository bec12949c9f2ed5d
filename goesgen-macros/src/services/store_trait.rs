//! `<Service>Store`: what the user's store adds to the runtime's
//! `goesgen::Store` (transactions and the version, the same for every
//! service) for this service: one `apply_<event>` per subscribed event,
//! and one `forget_<subject>` per subject kind of its personal events, and
//! its `REVISION`.
//! Beside it, `Subscriptions<S>`, the runtime's `Dispatch` of the schema's
//! events to those apply functions, which makes any `<Service>Store` the
//! store the runtime's engine runs, with the service's `SCHEMA_FINGERPRINT`
//! (goesgen-schema's `fingerprint`) and the store's `REVISION`.

use goesgen_schema::{Schema, Service};
use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::Subscribed;
use super::forgets::Forgets;
use crate::docs;

/// `<Service>Store`.
pub(super) fn store_trait(
    service: &Service,
    subscribed: &Subscribed,
    forgets: &Forgets,
    store: &Ident,
    krate: &TokenStream,
) -> TokenStream {
    let name = service.name.as_str();
    let hooks = forgets.store_hooks(krate);
    let applied = super::applied(krate);
    let applies = subscribed
        .types
        .iter()
        .zip(&subscribed.applies)
        .map(|(ty, apply)| {
            let doc = docs::lines([format!(
            "Applies a [`{ty}`](super::events::{ty}) event, recorded at `at`, to the projections \
             in `txn`. Called in log order, once per event."
        )
        .as_str()]);
            quote! {
                #doc
                fn #apply(
                    &self,
                    txn: &mut Self::Write,
                    at: &#krate::Recorded,
                    event: &super::events::#ty,
                ) -> #applied;
            }
        });
    let projections: Vec<String> = service
        .projections
        .iter()
        .map(|p| format!("`{}`", p.name.as_str()))
        .collect();
    let doc = docs::lines([
        format!(
            "Where the `{name}` service keeps its projections ({}), implemented by you: an in-memory \
             map, an SQLite database, ...",
            projections.join(", ")
        )
        .as_str(),
        "",
        "Its transactions and version are those of a `goesgen::Store` (see its contract):",
        "goesgen's kits (`goesgen::MemoryStore`, `goesgen::SqliteStore`) implement it, or",
        "implement it for your own store. This trait adds one `apply_<event>` per event the",
        "service subscribes to (the `createOn` and transition events of its projections);",
        if forgets.is_empty() {
            "leaving one out does not compile."
        } else {
            "leaving one out does not compile. And one `forget_<subject>` per kind of person \
             whose personal data those events hold, required too."
        },
    ]);
    let revision = revision_const("this store's `apply_<event>` functions");
    quote! {
        #doc
        pub trait #store: #krate::Store {
            #revision
            #(#applies)*
            #hooks
        }
    }
}

/// `const REVISION: u32 = 0;` with its doc: the revision of `functions`,
/// which the user bumps when they change (declared by the store trait and
/// by both kits' traits).
pub(super) fn revision_const(functions: &str) -> TokenStream {
    let doc = docs::lines([format!(
        "The revision of {functions}: 0 unless you set it. Bump it when they change \
             (a bug fixed, a column added), so that a store they built before is seen as stale: \
             it is the second part of the store's fingerprint, beside the hash of what the \
             schema says about the service's projections (`SCHEMA_FINGERPRINT`)."
    )
    .as_str()]);
    quote! {
        #doc
        const REVISION: u32 = 0;
    }
}

/// `Subscriptions<S>`: the dispatch of the schema's events to a
/// `<Service>Store`'s apply functions.
pub(super) fn dispatch(
    schema: &Schema,
    service: &Service,
    subscribed: &Subscribed,
    forgets: &Forgets,
    store: &Ident,
    krate: &TokenStream,
) -> TokenStream {
    let name = service.name.as_str();
    let forget = forgets.dispatch_items(krate);
    let (types, applies) = (&subscribed.types, &subscribed.applies);
    let fallback = if types.len() == schema.events.len() {
        TokenStream::new()
    } else {
        quote! {
            other => ::core::result::Result::Err(#krate::StoreError::new(::std::format!(
                "the {} service does not subscribe to {} events",
                #name,
                other.kind().name()
            ))),
        }
    };
    let doc = format!(
        " The events the `{name}` service subscribes to, applied by the store `S`'s \
         `apply_<event>`: how the service's engine applies them (`goesgen::service::Dispatch`)."
    );
    let fingerprint = goesgen_schema::fingerprint(schema, service);
    let fingerprint_doc = docs::lines([format!(
        "The hash of what the schema says about the `{name}` service's projections (the \
             events it subscribes to and their properties, the projections it keeps with their \
             states and transitions), computed by `goesgen-schema`'s `fingerprint`: the schema's \
             part of its store's fingerprint. `goesgen stores --schema` compares it with the one \
             a store keeps."
    )
    .as_str()]);
    quote! {
        #fingerprint_doc
        pub const SCHEMA_FINGERPRINT: u64 = #fingerprint;

        #[doc = #doc]
        pub struct Subscriptions<S>(::core::marker::PhantomData<fn() -> S>);

        impl<S: #store> #krate::service::Dispatch for Subscriptions<S> {
            type Store = S;
            type Event = super::events::Event;
            const SERVICE: &'static str = #name;
            const SUBSCRIBED: &'static [super::events::EventKind] =
                &[#(super::events::EventKind::#types),*];
            const SCHEMA_FINGERPRINT: u64 = SCHEMA_FINGERPRINT;
            const REVISION: u32 = <S as #store>::REVISION;

            async fn apply(
                store: &S,
                txn: &mut S::Write,
                at: &#krate::Recorded,
                event: &super::events::Event,
            ) -> ::core::result::Result<(), #krate::StoreError> {
                match event {
                    #(super::events::Event::#types(event) => store.#applies(txn, at, event).await,)*
                    #fallback
                }
            }

            #forget
        }
    }
}
