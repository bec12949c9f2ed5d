//! Per service, the glue that makes goesgen's store kits its store: the
//! `<Service>InMemory` trait (implemented by the user's projection type:
//! one `apply_<event>(&mut self, ..)` per subscribed event) with the impl
//! of `<Service>Store` for `goesgen::MemoryStore<P>`, and the
//! `<Service>InSqlite` trait (one `apply_<event>(&self, db, ..)` on a
//! `rusqlite::Connection` inside the transaction) with the impl for
//! `goesgen::SqliteStore<T>`, emitted only where goesgen has its `sqlite`
//! feature. Transactions and the version are the kits' generic code.

use goesgen_schema::{Schema, Service};
use proc_macro2::{Ident, TokenStream};
use quote::quote;

use crate::services::apply_ident;
use crate::types::{suffixed_ident, type_ident};

/// The subscribed events of a service: their type names and their apply
/// idents.
struct Subscribed {
    types: Vec<Ident>,
    applies: Vec<Ident>,
}

impl Subscribed {
    fn of(schema: &Schema, service: &Service) -> Self {
        let (types, applies) = service
            .subscriptions
            .iter()
            .map(|&index| {
                let event = &schema.events[index];
                (type_ident(&event.name), apply_ident(&event.name.snake()))
            })
            .unzip();
        Self { types, applies }
    }

    /// The doc of each apply function: it applies the event `target`.
    fn apply_docs(&self, target: &str) -> Vec<TokenStream> {
        self.types
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
}

/// Both kits' glue for `service`, whose store trait is `store`.
pub fn kits(schema: &Schema, service: &Service, store: &Ident, krate: &TokenStream) -> TokenStream {
    let events = Subscribed::of(schema, service);
    let memory = memory(service, &events, store, krate);
    let sqlite = sqlite(service, &events, store, krate);
    quote! {
        #memory
        #krate::__private::if_sqlite! { #sqlite }
    }
}

/// A `fn ... -> impl Future<Output = Result<$output, StoreError>> + Send`
/// return type.
fn future(output: TokenStream, krate: &TokenStream) -> TokenStream {
    quote!(impl ::core::future::Future<Output = ::core::result::Result<#output, #krate::StoreError>> + ::core::marker::Send)
}

fn memory(
    service: &Service,
    events: &Subscribed,
    store: &Ident,
    krate: &TokenStream,
) -> TokenStream {
    let name = service.name.as_str();
    let in_memory = suffixed_ident(&service.name, "InMemory");
    let (types, applies) = (&events.types, &events.applies);
    let apply_docs = events.apply_docs("to this projection");
    let doc = format!(
        " The `{name}` service's projection kept in memory by [`goesgen::MemoryStore`]: implement \
         it for your projection type (one `apply_<event>` per subscribed event) and \
         `MemoryStore<YourType>` is a [`{store}`]: transactions, rollback and the version come \
         from goesgen. Keep the type cheap to clone (persistent collections, e.g. `imbl`'s): \
         each write transaction starts from a clone."
    );
    let write = future(quote!(#krate::kits::MemoryWrite<P>), krate);
    let read = future(quote!(#krate::kits::MemoryRead<P>), krate);
    let unit = future(quote!(()), krate);
    let position = future(quote!(#krate::Position), krate);
    let boolean = future(quote!(bool), krate);
    quote! {
        #[doc = #doc]
        ///
        /// [`goesgen::MemoryStore`]: #krate::MemoryStore
        pub trait #in_memory: ::core::clone::Clone + ::core::marker::Send + ::core::marker::Sync + 'static {
            #(
                #apply_docs
                fn #applies(
                    &mut self,
                    at: &#krate::Recorded,
                    event: &super::events::#types,
                ) -> ::core::result::Result<(), #krate::StoreError>;
            )*
        }

        impl<P: #in_memory> #store for #krate::MemoryStore<P> {
            type Write = #krate::kits::MemoryWrite<P>;
            type Read = #krate::kits::MemoryRead<P>;

            fn begin_write(&self) -> #write {
                async move { ::core::result::Result::Ok(#krate::MemoryStore::write(self).await) }
            }
            fn begin_read(&self) -> #read {
                #krate::__private::ready(::core::result::Result::Ok(#krate::MemoryStore::read(self)))
            }
            fn commit(&self, txn: Self::Write) -> #unit {
                #krate::MemoryStore::commit(self, txn);
                #krate::__private::ready(::core::result::Result::Ok(()))
            }
            fn rollback(&self, txn: Self::Write) -> #unit {
                ::core::mem::drop(txn);
                #krate::__private::ready(::core::result::Result::Ok(()))
            }
            fn read_version(&self, txn: &mut Self::Read) -> #position {
                #krate::__private::ready(::core::result::Result::Ok(txn.version()))
            }
            fn version(&self, txn: &mut Self::Write) -> #position {
                #krate::__private::ready(::core::result::Result::Ok(txn.version()))
            }
            fn set_version(&self, txn: &mut Self::Write, version: #krate::Position) -> #unit {
                txn.set_version(version);
                #krate::__private::ready(::core::result::Result::Ok(()))
            }
            fn savepoint(&self, txn: &mut Self::Write) -> #boolean {
                txn.savepoint();
                #krate::__private::ready(::core::result::Result::Ok(true))
            }
            fn rollback_to_savepoint(&self, txn: &mut Self::Write) -> #unit {
                #krate::__private::ready(txn.rollback_to_savepoint())
            }
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
        }
    }
}

fn sqlite(
    service: &Service,
    events: &Subscribed,
    store: &Ident,
    krate: &TokenStream,
) -> TokenStream {
    let name = service.name.as_str();
    let in_sqlite = suffixed_ident(&service.name, "InSqlite");
    let (types, applies) = (&events.types, &events.applies);
    let apply_docs = events.apply_docs("to the tables, on `db` inside the write transaction");
    let doc = format!(
        " The `{name}` service's projection kept in SQLite tables by [`goesgen::SqliteStore`]: \
         implement it (one `apply_<event>` per subscribed event, with `goesgen::rusqlite`) and \
         `SqliteStore<YourType>` is a [`{store}`]: `BEGIN IMMEDIATE` off the async threads, \
         commit, rollback (also on drop) and the version come from goesgen."
    );
    let write = future(quote!(#krate::kits::SqliteWrite), krate);
    let read = future(quote!(#krate::kits::SqliteRead), krate);
    let unit = future(quote!(()), krate);
    let position = future(quote!(#krate::Position), krate);
    let boolean = future(quote!(bool), krate);
    quote! {
        #[doc = #doc]
        ///
        /// [`goesgen::SqliteStore`]: #krate::SqliteStore
        pub trait #in_sqlite: ::core::marker::Send + ::core::marker::Sync + 'static {
            #(
                #apply_docs
                fn #applies(
                    &self,
                    db: &#krate::rusqlite::Connection,
                    at: &#krate::Recorded,
                    event: &super::events::#types,
                ) -> ::core::result::Result<(), #krate::StoreError>;
            )*
        }

        impl<T: #in_sqlite> #store for #krate::SqliteStore<T> {
            type Write = #krate::kits::SqliteWrite;
            type Read = #krate::kits::SqliteRead;

            fn begin_write(&self) -> #write {
                #krate::SqliteStore::begin(self)
            }
            fn begin_read(&self) -> #read {
                #krate::SqliteStore::begin_read(self)
            }
            fn commit(&self, txn: Self::Write) -> #unit {
                #krate::SqliteStore::commit(self, txn)
            }
            fn rollback(&self, txn: Self::Write) -> #unit {
                #krate::SqliteStore::rollback(self, txn)
            }
            fn read_version(&self, txn: &mut Self::Read) -> #position {
                #krate::__private::ready(txn.version())
            }
            fn version(&self, txn: &mut Self::Write) -> #position {
                #krate::__private::ready(txn.version())
            }
            fn set_version(&self, txn: &mut Self::Write, version: #krate::Position) -> #unit {
                #krate::__private::ready(txn.set_version(version))
            }
            fn savepoint(&self, txn: &mut Self::Write) -> #boolean {
                #krate::__private::ready(txn.savepoint().map(|()| true))
            }
            fn rollback_to_savepoint(&self, txn: &mut Self::Write) -> #unit {
                #krate::__private::ready(txn.rollback_to_savepoint())
            }
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
        }
    }
}
