//! Per service, the glue that makes goesgen's store kits its store: the
//! `<Service>InMemory` trait (implemented by the user's projection type:
//! one `apply_<event>(&mut self, ..)` per subscribed event) with the impl
//! of `<Service>Store` for `goesgen::MemoryStore<P, M>` in either mode, and the
//! `<Service>InSqlite` trait (one `apply_<event>(&self, db, ..)` on a
//! `rusqlite::Connection` inside the transaction) with the impl for
//! `goesgen::SqliteStore<T>`, emitted only where goesgen has its `sqlite`
//! feature. Transactions and the version are the kits' own `goesgen::Store`
//! (runtime code); the glue only forwards each `apply_<event>` (and
//! `forget_<subject>`), and the trait's `REVISION` to the store's.

use goesgen_schema::Service;
use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::forgets::Forgets;
use super::store_trait::revision_const;
use super::{Subscribed, applied};
use crate::types::suffixed_ident;

/// The doc of each apply function of `subscribed`: it applies the event
/// `target`.
fn apply_docs(subscribed: &Subscribed, target: &str) -> Vec<TokenStream> {
    subscribed
        .types
        .iter()
        .map(|ty| {
            let doc = format!(
                " Applies a [`{ty}`](super::events::{ty}) event, recorded at `at`, {target}. \
                 Called in log order, once per event; an error refuses the event (and rolls \
                 the transaction back)."
            );
            quote!(#[doc = #doc])
        })
        .collect()
}

/// Both kits' glue for `service`, whose store trait is `store`.
pub(super) fn kits(
    service: &Service,
    subscribed: &Subscribed,
    forgets: &Forgets,
    store: &Ident,
    krate: &TokenStream,
) -> TokenStream {
    let memory = memory(service, subscribed, forgets, store, krate);
    let sqlite = sqlite(service, subscribed, forgets, store, krate);
    quote! {
        #memory
        #krate::__private::if_sqlite! { #sqlite }
    }
}

fn memory(
    service: &Service,
    subscribed: &Subscribed,
    forgets: &Forgets,
    store: &Ident,
    krate: &TokenStream,
) -> TokenStream {
    let name = service.name.as_str();
    let in_memory = suffixed_ident(&service.name, "InMemory");
    let [hooks, forward] = forgets.memory(&in_memory, krate);
    let (types, applies) = (&subscribed.types, &subscribed.applies);
    let apply_docs = apply_docs(subscribed, "to this projection");
    let doc = format!(
        " The `{name}` service's projection kept in memory by [`goesgen::MemoryStore`]: implement \
         it for your projection type (one `apply_<event>` per subscribed event) and \
         `MemoryStore<YourType, Overlaid>` (a struct of `goesgen::kits::Table`s and `Set`s, \
         made `Transactional` with `goesgen::transactional!`) or `MemoryStore<YourType>` (any \
         `Clone` type, cloned by each write transaction) is a [`{store}`]: transactions, \
         rollback and the version come from goesgen."
    );
    let unit = applied(krate);
    let revision = revision_const("this projection's `apply_<event>` functions");
    quote! {
        #[doc = #doc]
        ///
        /// [`goesgen::MemoryStore`]: #krate::MemoryStore
        pub trait #in_memory: ::core::marker::Send + ::core::marker::Sync + 'static {
            #revision
            #(
                #apply_docs
                fn #applies(
                    &mut self,
                    at: &#krate::Recorded,
                    event: &super::events::#types,
                ) -> ::core::result::Result<(), #krate::StoreError>;
            )*
            #hooks
        }

        impl<P: #in_memory, M: #krate::kits::WriteMode<P>> #store for #krate::MemoryStore<P, M> {
            const REVISION: u32 = <P as #in_memory>::REVISION;
            #(
                fn #applies(
                    &self,
                    txn: &mut Self::Write,
                    at: &#krate::Recorded,
                    event: &super::events::#types,
                ) -> #unit {
                    #krate::__private::ready(<P as #in_memory>::#applies(&mut **txn, at, event))
                }
            )*
            #forward
        }
    }
}

fn sqlite(
    service: &Service,
    subscribed: &Subscribed,
    forgets: &Forgets,
    store: &Ident,
    krate: &TokenStream,
) -> TokenStream {
    let name = service.name.as_str();
    let in_sqlite = suffixed_ident(&service.name, "InSqlite");
    let [hooks, forward] = forgets.sqlite(&in_sqlite, krate);
    let (types, applies) = (&subscribed.types, &subscribed.applies);
    let apply_docs = apply_docs(
        subscribed,
        "to the tables, on `db` inside the write transaction",
    );
    let doc = format!(
        " The `{name}` service's projection kept in SQLite tables by [`goesgen::SqliteStore`]: \
         implement it (one `apply_<event>` per subscribed event, with `goesgen::rusqlite`) and \
         `SqliteStore<YourType>` is a [`{store}`]: `BEGIN IMMEDIATE` off the async threads, \
         commit, rollback (also on drop) and the version come from goesgen."
    );
    let unit = applied(krate);
    let revision = revision_const("these tables' `apply_<event>` functions");
    quote! {
        #[doc = #doc]
        ///
        /// [`goesgen::SqliteStore`]: #krate::SqliteStore
        pub trait #in_sqlite: ::core::marker::Send + ::core::marker::Sync + 'static {
            #revision
            #(
                #apply_docs
                fn #applies(
                    &self,
                    db: &#krate::rusqlite::Connection,
                    at: &#krate::Recorded,
                    event: &super::events::#types,
                ) -> ::core::result::Result<(), #krate::StoreError>;
            )*
            #hooks
        }

        impl<T: #in_sqlite> #store for #krate::SqliteStore<T> {
            const REVISION: u32 = <T as #in_sqlite>::REVISION;
            #(
                fn #applies(
                    &self,
                    txn: &mut Self::Write,
                    at: &#krate::Recorded,
                    event: &super::events::#types,
                ) -> #unit {
                    #krate::__private::ready(<T as #in_sqlite>::#applies(
                        #krate::SqliteStore::tables(self),
                        &**txn,
                        at,
                        event,
                    ))
                }
            )*
            #forward
        }
    }
}
