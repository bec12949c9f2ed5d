//! One module per service (`bank` for `Bank`): the `<Service>Store` trait
//! the user implements for the service's projections (transactions, the
//! projection version, one `apply_<event>` per subscribed event), the
//! `<Service>Methods` trait of its business logic, per write method the
//! enum of exactly the events it may emit (`<Method>Event`), and the
//! `<Service>Service` that runs them.
//!
//! The generated code is thin glue: an adapter turns the user's store into
//! the runtime's `ServiceStore` (dispatching `apply` on the event to the
//! `apply_<event>` methods), and per method a small call struct (method,
//! context, input) implements the runtime's `MethodCall`; the runtime's
//! `Engine` does the rest, the same for every schema.

use goesgen_schema::{Method, MethodKind, Schema, Service};
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::docs;
use crate::types::{field_ident, rust_type, suffixed_ident, type_ident};

/// One `pub mod <service>` per service of the schema.
pub fn services(schema: &Schema, krate: &TokenStream) -> TokenStream {
    let modules = schema.services.iter().map(|service| {
        let module = field_ident(&service.name);
        let name = service.name.as_str();
        let doc = docs::item_doc(
            &service.doc,
            &format!(
                "The `{name}` service (`services.{name}` in the schema): implement \
                 [`{name}Store`] and [`{name}Methods`], then run them with [`{name}Service`]."
            ),
            &format!(
                "From `services.{name}` in the schema: implement [`{name}Store`] and \
                 [`{name}Methods`], then run them with [`{name}Service`]."
            ),
        );
        let items = service_items(schema, service, krate);
        quote! {
            #doc
            pub mod #module {
                #items
            }
        }
    });
    quote!(#(#modules)*)
}

/// What the generator needs to know of one method.
struct MethodParts<'a> {
    method: &'a Method,
    /// The trait method and service method (`deposit`).
    func: Ident,
    /// The call struct (`DepositCall`).
    call: Ident,
    /// The event enum of a write method (`DepositEvent`).
    events: Ident,
    /// The input type, if any.
    input: Option<TokenStream>,
    /// The output type (`()` when the schema gives none).
    output: TokenStream,
}

fn service_items(schema: &Schema, service: &Service, krate: &TokenStream) -> TokenStream {
    let store = suffixed_ident(&service.name, "Store");
    let methods_trait = suffixed_ident(&service.name, "Methods");
    let service_struct = suffixed_ident(&service.name, "Service");
    let parts: Vec<MethodParts<'_>> = service
        .methods
        .iter()
        .map(|method| MethodParts {
            method,
            func: field_ident(&method.name),
            call: suffixed_ident(&method.name, "Call"),
            events: suffixed_ident(&method.name, "Event"),
            input: method.input.as_ref().map(rust_type),
            output: method.output.as_ref().map_or_else(|| quote!(()), rust_type),
        })
        .collect();

    let store_trait = store_trait(schema, service, &store, krate);
    let methods = methods_trait_items(service, &parts, &store, &methods_trait, krate);
    let kits = crate::kits::kits(schema, service, &store, krate);
    let event_enums = parts.iter().map(|p| method_events(schema, service, p));
    let adapter = adapter(schema, service, &store, krate);
    let calls = parts
        .iter()
        .map(|p| method_call(p, &store, &methods_trait, krate));
    let service_def = service_struct_items(
        service,
        &parts,
        &store,
        &methods_trait,
        &service_struct,
        krate,
    );
    let http = crate::http::service_http(service, krate);
    quote! {
        #store_trait
        #methods
        #(#event_enums)*
        #service_def
        #adapter
        #(#calls)*
        #kits
        #http
    }
}

/// `<Service>Store`.
fn store_trait(
    schema: &Schema,
    service: &Service,
    store: &Ident,
    krate: &TokenStream,
) -> TokenStream {
    let name = service.name.as_str();
    let applies = service.subscriptions.iter().map(|&index| {
        let event = &schema.events[index];
        let ty = type_ident(&event.name);
        let apply = apply_ident(&event.name.snake());
        let doc = docs::lines([format!(
            "Applies a [`{}`](super::events::{}) event, recorded at `at`, to the projections in \
             `txn`. Called in log order, once per event.",
            event.name.as_str(),
            event.name.as_str()
        )
        .as_str()]);
        quote! {
            #doc
            fn #apply(
                &self,
                txn: &mut Self::Write,
                at: &#krate::Recorded,
                event: &super::events::#ty,
            ) -> impl ::core::future::Future<Output = ::core::result::Result<(), #krate::StoreError>> + ::core::marker::Send;
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
        "A `Write` transaction is exclusive: its changes are seen by others only once",
        "committed, and discarded on rollback or when it is dropped unfinished. Methods get",
        "it as `&mut`, so it need only be `Send` and `'static` (a batch of transactions is",
        "finished by a task of its own): an owned lock guard is the usual choice",
        "(`tokio::sync::OwnedMutexGuard<rusqlite::Connection>` after `BEGIN`, or a guard over",
        "a map with an undo log). The version is the log position the projections reflect.",
        "",
        "There is one `apply_<event>` per event the service subscribes to (the `createOn`",
        "and transition events of its projections); leaving one out does not compile.",
    ]);
    let future = |output: TokenStream| quote!(impl ::core::future::Future<Output = ::core::result::Result<#output, #krate::StoreError>> + ::core::marker::Send);
    let write = future(quote!(Self::Write));
    let read = future(quote!(Self::Read));
    let unit = future(quote!(()));
    let position = future(quote!(#krate::Position));
    let boolean = future(quote!(bool));
    quote! {
        #doc
        pub trait #store: ::core::marker::Send + ::core::marker::Sync + 'static {
            /// An exclusive write transaction.
            type Write: ::core::marker::Send + 'static;
            /// A shared read transaction.
            type Read: ::core::marker::Send;

            /// Opens a write transaction, waiting for the open one, if any.
            fn begin_write(&self) -> #write;
            /// Opens a read transaction.
            fn begin_read(&self) -> #read;
            /// Commits a write transaction (on failure it must be rolled back).
            fn commit(&self, txn: Self::Write) -> #unit;
            /// Rolls a write transaction back.
            fn rollback(&self, txn: Self::Write) -> #unit;
            /// The projection version as the read transaction `txn` sees it.
            fn read_version(&self, txn: &mut Self::Read) -> #position;
            /// The projection version in `txn`: the log position the projections
            /// reflect (0 for a new store).
            fn version(&self, txn: &mut Self::Write) -> #position;
            /// Sets the projection version in `txn`.
            fn set_version(&self, txn: &mut Self::Write, version: #krate::Position) -> #unit;
            /// Marks the state of `txn` for `rollback_to_savepoint` (a later mark
            /// replaces an earlier one); the engine marks before each call of a batch,
            /// so a failing call is undone alone. `Ok(false)`, the default: the store
            /// cannot, and a failed call makes its batch decide again from the start.
            fn savepoint(&self, txn: &mut Self::Write) -> #boolean {
                let _ = txn;
                #krate::__private::ready(::core::result::Result::Ok(false))
            }
            /// Undoes what `txn` did since its last `savepoint` (which stays set);
            /// called only after a `savepoint` that answered `true`.
            fn rollback_to_savepoint(&self, txn: &mut Self::Write) -> #unit {
                let _ = txn;
                #krate::__private::ready(::core::result::Result::Err(#krate::StoreError::new(
                    "this store keeps no savepoints to roll back to",
                )))
            }

            #(#applies)*
        }
    }
}

pub(crate) fn apply_ident(snake: &str) -> Ident {
    Ident::new(&format!("apply_{snake}"), Span::call_site())
}

/// `<Service>Methods`.
fn methods_trait_items(
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
                txn: &mut <Self::Store as #store>::#txn
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

/// The rustdoc of a method: the schema's comment (or a sentence), its kind,
/// and `extra`.
fn method_doc(service: &str, method: &Method, extra: &str) -> TokenStream {
    let name = method.name.as_str();
    let entry = format!("services.{service}.methods.{name}");
    let kind = match method.kind {
        MethodKind::Readonly => "A readonly method: it reads the projections and emits nothing.",
        MethodKind::Append => {
            "An append method: its events are appended without a consistency check."
        }
        MethodKind::Transaction => {
            "A transaction method: its events are appended only if no event the service \
             subscribes to was appended since the projections it decided on; otherwise the \
             service catches up and calls it again."
        }
    };
    let mut lines: Vec<String> = if method.doc.is_empty() {
        vec![format!("The `{name}` method (`{entry}` in the schema).")]
    } else {
        let mut lines = method.doc.lines.clone();
        lines.push(String::new());
        lines.push(format!("From `{entry}` in the schema."));
        lines
    };
    lines.push(String::new());
    lines.push(kind.to_string());
    if !extra.is_empty() {
        lines.push(String::new());
        lines.push(extra.to_string());
    }
    docs::lines(lines.iter().map(String::as_str))
}

/// `<Method>Event`: exactly the events a write method may emit.
fn method_events(schema: &Schema, service: &Service, parts: &MethodParts<'_>) -> TokenStream {
    if parts.method.kind == MethodKind::Readonly {
        return TokenStream::new();
    }
    let events = &parts.events;
    let method = parts.method.name.as_str();
    let service = service.name.as_str();
    let names: Vec<Ident> = parts
        .method
        .emits
        .iter()
        .map(|e| type_ident(&schema.event(e).name))
        .collect();
    let listed: Vec<String> = names.iter().map(|n| format!("[`{n}`]")).collect();
    let doc = docs::lines([
        format!(
            "The events the `{method}` method may emit (`services.{service}.methods.{method}.emits`): {}.",
            listed.join(", ")
        )
        .as_str(),
        "Convert each with `.into()`.",
    ]);
    let variant_docs = names
        .iter()
        .map(|n| docs::lines([format!("A [`{n}`] event.").as_str()]));
    quote! {
        #doc
        #[derive(::core::fmt::Debug, ::core::clone::Clone, ::core::cmp::PartialEq)]
        pub enum #events {
            #(#variant_docs #names(super::events::#names),)*
        }

        #(
            impl ::core::convert::From<super::events::#names> for #events {
                fn from(event: super::events::#names) -> Self {
                    #events::#names(event)
                }
            }
        )*

        impl ::core::convert::From<#events> for super::events::Event {
            fn from(event: #events) -> Self {
                match event {
                    #(#events::#names(event) => super::events::Event::#names(event),)*
                }
            }
        }

        impl ::core::convert::TryFrom<super::events::Event> for #events {
            type Error = super::events::Event;
            /// Takes back an event of this method out of the schema's enum
            /// (how the engine returns the events it applied without
            /// copying them); any other event is given back.
            #[allow(unreachable_patterns)]
            fn try_from(event: super::events::Event) -> ::core::result::Result<Self, Self::Error> {
                match event {
                    #(super::events::Event::#names(event) => ::core::result::Result::Ok(#events::#names(event)),)*
                    other => ::core::result::Result::Err(other),
                }
            }
        }

        impl #events {
            /// The kind (type) of this event.
            pub fn kind(&self) -> super::events::EventKind {
                match self {
                    #(#events::#names(_) => super::events::EventKind::#names,)*
                }
            }
        }
    }
}

/// The adapter of the user's store to the runtime's `ServiceStore`.
fn adapter(schema: &Schema, service: &Service, store: &Ident, krate: &TokenStream) -> TokenStream {
    let name = service.name.as_str();
    let subscribed: Vec<Ident> = service
        .subscriptions
        .iter()
        .map(|&i| type_ident(&schema.events[i].name))
        .collect();
    let applies = service
        .subscriptions
        .iter()
        .map(|&i| apply_ident(&schema.events[i].name.snake()));
    let all_subscribed = subscribed.len() == schema.events.len();
    let fallback = if all_subscribed {
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
    quote! {
        /// The user's store as the runtime's engine sees it.
        struct Adapter<S>(S);

        impl<S: #store> #krate::service::ServiceStore for Adapter<S> {
            type Event = super::events::Event;
            type Write = S::Write;
            type Read = S::Read;
            const SERVICE: &'static str = #name;
            const SUBSCRIBED: &'static [super::events::EventKind] =
                &[#(super::events::EventKind::#subscribed),*];

            fn begin_write(&self) -> impl ::core::future::Future<Output = ::core::result::Result<S::Write, #krate::StoreError>> + ::core::marker::Send {
                self.0.begin_write()
            }
            fn begin_read(&self) -> impl ::core::future::Future<Output = ::core::result::Result<S::Read, #krate::StoreError>> + ::core::marker::Send {
                self.0.begin_read()
            }
            fn commit(&self, txn: S::Write) -> impl ::core::future::Future<Output = ::core::result::Result<(), #krate::StoreError>> + ::core::marker::Send {
                self.0.commit(txn)
            }
            fn rollback(&self, txn: S::Write) -> impl ::core::future::Future<Output = ::core::result::Result<(), #krate::StoreError>> + ::core::marker::Send {
                self.0.rollback(txn)
            }
            fn read_version(&self, txn: &mut S::Read) -> impl ::core::future::Future<Output = ::core::result::Result<#krate::Position, #krate::StoreError>> + ::core::marker::Send {
                self.0.read_version(txn)
            }
            fn version(&self, txn: &mut S::Write) -> impl ::core::future::Future<Output = ::core::result::Result<#krate::Position, #krate::StoreError>> + ::core::marker::Send {
                self.0.version(txn)
            }
            fn set_version(&self, txn: &mut S::Write, version: #krate::Position) -> impl ::core::future::Future<Output = ::core::result::Result<(), #krate::StoreError>> + ::core::marker::Send {
                self.0.set_version(txn, version)
            }
            fn savepoint(&self, txn: &mut S::Write) -> impl ::core::future::Future<Output = ::core::result::Result<bool, #krate::StoreError>> + ::core::marker::Send {
                self.0.savepoint(txn)
            }
            fn rollback_to_savepoint(&self, txn: &mut S::Write) -> impl ::core::future::Future<Output = ::core::result::Result<(), #krate::StoreError>> + ::core::marker::Send {
                self.0.rollback_to_savepoint(txn)
            }
            async fn apply(
                &self,
                txn: &mut S::Write,
                at: &#krate::Recorded,
                event: &super::events::Event,
            ) -> ::core::result::Result<(), #krate::StoreError> {
                match event {
                    #(super::events::Event::#subscribed(event) => self.0.#applies(txn, at, event).await,)*
                    #fallback
                }
            }
        }
    }
}

/// The call struct of a method and its `MethodCall` impl.
fn method_call(
    parts: &MethodParts<'_>,
    store: &Ident,
    methods_trait: &Ident,
    krate: &TokenStream,
) -> TokenStream {
    let call = &parts.call;
    let func = &parts.func;
    let output = &parts.output;
    let events = &parts.events;
    let (txn, result) = match parts.method.kind {
        MethodKind::Readonly => (quote!(Read), quote!(#output)),
        MethodKind::Append => (quote!(Read), quote!((#output, ::std::vec::Vec<#events>))),
        MethodKind::Transaction => (quote!(Write), quote!((#output, ::std::vec::Vec<#events>))),
    };
    let (field, arg) = match &parts.input {
        Some(ty) => (
            quote!(input: #ty,),
            quote!(, ::core::clone::Clone::clone(&self.input)),
        ),
        None => (TokenStream::new(), TokenStream::new()),
    };
    let name = parts.method.name.as_str();
    let doc = format!(
        " One call of `{name}`: the method, its context and input (cloned for each attempt)."
    );
    quote! {
        #[doc = #doc]
        struct #call<'a, M: #methods_trait> {
            methods: &'a M,
            ctx: &'a M::Context,
            #field
        }

        impl<M: #methods_trait> #krate::service::MethodCall<<M::Store as #store>::#txn> for #call<'_, M> {
            type Output = #result;
            type Error = M::Error;
            const NAME: &'static str = #name;

            fn call(
                &self,
                txn: &mut <M::Store as #store>::#txn,
            ) -> impl ::core::future::Future<Output = ::core::result::Result<#result, #krate::MethodError<M::Error>>> + ::core::marker::Send {
                self.methods.#func(self.ctx, txn #arg)
            }
        }
    }
}

/// `<Service>Service`.
fn service_struct_items(
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
                self.engine.#run.await
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
        pub struct #service_struct<M: #methods_trait> {
            methods: M,
            engine: #krate::service::Engine<Adapter<M::Store>>,
        }

        impl<M: #methods_trait> #service_struct<M> {
            /// A service running `methods` over `store` on `log`.
            pub fn new(methods: M, store: M::Store, log: #krate::SharedLog, options: #krate::ServiceOptions) -> Self {
                Self {
                    methods,
                    engine: #krate::service::Engine::new(Adapter(store), log, options),
                }
            }

            /// Catches the store up with the log; returns the new projection
            /// version.
            ///
            /// # Errors
            /// What the store or the log failed with, or a record that does
            /// not decode or is of an unknown kind (naming its position).
            pub async fn sync(&self) -> ::core::result::Result<#krate::Position, #krate::ServiceError<M::Error>> {
                self.engine.sync().await
            }

            /// The log position the store's projections reflect.
            ///
            /// # Errors
            /// What the store failed with.
            pub async fn projection_version(&self) -> ::core::result::Result<#krate::Position, #krate::ServiceError<M::Error>> {
                self.engine.projection_version().await
            }

            /// Keeps the store current as the log grows, until the future is
            /// dropped (or its task aborted).
            ///
            /// # Errors
            /// A sync error that a retry cannot fix (a refused or undecodable
            /// record, a closed log); an unavailable log is retried.
            pub async fn follow(&self) -> ::core::result::Result<::core::convert::Infallible, #krate::ServiceError<M::Error>> {
                self.engine.follow().await
            }

            /// Counters of commits, attempts, conflicts and skipped records
            /// since the service was built, and the projection version, the
            /// log's head and the lag between them as of this instance's last
            /// commit.
            pub fn stats(&self) -> #krate::ServiceStats {
                self.engine.stats()
            }

            /// Where the projection stands against the log, published after
            /// every commit (each read batch of `sync()` and `follow()`, each
            /// write): a `tokio::sync::watch::Receiver` of
            /// `goesgen::service::Progress` (`version`, `head`), to show a long
            /// catch-up.
            pub fn progress(&self) -> #krate::service::ProgressReceiver {
                self.engine.progress()
            }

            /// The records this service passed over while catching up (listed
            /// in its options, or refused by its store under
            /// `RefusedRecords::Skip`), oldest first.
            pub fn skipped(&self) -> ::std::vec::Vec<#krate::service::Skipped> {
                self.engine.skipped()
            }

            /// The methods.
            pub fn methods(&self) -> &M {
                &self.methods
            }

            /// The store.
            pub fn store(&self) -> &M::Store {
                &self.engine.store().0
            }

            /// The event log.
            pub fn log(&self) -> &#krate::SharedLog {
                self.engine.log()
            }

            #(#funcs)*
        }

        impl<M: #methods_trait> ::core::fmt::Debug for #service_struct<M> {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct(::core::stringify!(#service_struct))
                    .field("engine", &self.engine)
                    .finish_non_exhaustive()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA: &str = "\
events:
  Opened:
    door: String
  Closed:
    door: String
  Painted:
    color: String
projections:
  Door:
    states:
      - Open
      - Shut
    createOn: Opened
    transitions:
      Closed:
        - Open -> Shut
services:
  Doors:
    projections:
      - Door
    methods:
      IsOpen:
        in: String
        out: bool
      Close:
        in: String
        emits:
          - Closed
      Paint:
        type: append
        emits:
          - Painted
";

    fn generated() -> String {
        let schema = goesgen_schema::parse(SCHEMA, "doors.yml").expect("a valid schema");
        let tokens = services(&schema, &quote!(::goesgen));
        syn::parse2::<syn::File>(tokens.clone()).expect("generated code parses");
        tokens.to_string()
    }

    #[test]
    fn the_store_has_one_apply_per_subscribed_event_only() {
        let code = generated();
        assert!(code.contains("pub mod doors"));
        assert!(code.contains("pub trait DoorsStore"));
        assert!(code.contains("fn apply_opened"));
        assert!(code.contains("fn apply_closed"));
        assert!(
            !code.contains("fn apply_painted"),
            "Painted is emitted, not subscribed"
        );
    }

    #[test]
    fn write_methods_get_their_own_event_enum_and_readonly_ones_none() {
        let code = generated();
        assert!(code.contains("pub enum CloseEvent { # [doc = \" A [`Closed`] event.\"] Closed"));
        assert!(code.contains("pub enum PaintEvent"));
        assert!(!code.contains("IsOpenEvent"));
        // Readonly and append methods read; transactions write.
        assert!(code.contains(
            "fn is_open (& self , ctx : & Self :: Context , txn : & mut < Self :: Store as DoorsStore > :: Read , input : String)"
        ));
        assert!(code.contains(
            "fn close (& self , ctx : & Self :: Context , txn : & mut < Self :: Store as DoorsStore > :: Write , input : String)"
        ));
        assert!(code.contains(
            "fn paint (& self , ctx : & Self :: Context , txn : & mut < Self :: Store as DoorsStore > :: Read)"
        ));
        for run in ["run_readonly", "run_transaction", "run_append"] {
            assert!(code.contains(run), "{run}");
        }
        // Each call names its method for the engine's spans.
        for name in ["IsOpen", "Close", "Paint"] {
            let named = format!("const NAME : & 'static str = \"{name}\"");
            assert!(code.contains(&named), "{named}");
        }
    }

    #[test]
    fn the_same_schema_gives_the_same_tokens() {
        assert_eq!(generated(), generated());
    }
}
