//! One module per service (`bank` for `Bank`): the `<Service>Store` trait
//! the user implements for the service's projections (one `apply_<event>`
//! per subscribed event, on top of the runtime's `Store`), the
//! `<Service>Methods` trait of its business logic, per write method the
//! enum of exactly the events it may emit (`<Method>Event`), and the
//! `<Service>Service` that runs them, with the glue of the store kits and
//! of HTTP.
//!
//! The generated code is thin glue over the runtime, one file per concept:
//! `store_trait` (the store trait and the dispatch of events to it),
//! `forgets` (its forget hooks, for a service holding personal data),
//! `methods_trait`, `event_enums`, `calls` (per method a small call struct
//! implementing the runtime's `MethodCall`), `service` (the service struct,
//! deref'ing to the runtime's `Runner`), `kits`, `http`, `openapi` and
//! `harness` (the test harness, feature `testing`). The runtime's
//! `Engine` does the rest, the same for every schema.

mod calls;
mod event_enums;
mod forgets;
mod harness;
mod http;
mod kits;
mod methods_trait;
mod openapi;
mod service;
mod store_trait;
#[cfg(test)]
mod tests;

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

/// The events a service subscribes to, in schema order: their type names
/// (`MoneyDeposited`) and their apply functions (`apply_money_deposited`),
/// built once for the store trait, the dispatch and the kits.
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
    let subscribed = Subscribed::of(schema, service);
    let forgets = forgets::Forgets::of(schema, service);

    let store_trait = store_trait::store_trait(service, &subscribed, &forgets, &store, krate);
    let dispatch = store_trait::dispatch(schema, service, &subscribed, &forgets, &store, krate);
    let methods =
        methods_trait::methods_trait_items(service, &parts, &store, &methods_trait, krate);
    let kits = kits::kits(service, &subscribed, &forgets, &store, krate);
    let event_enums = parts
        .iter()
        .map(|p| event_enums::method_events(schema, service, p));
    let calls = parts
        .iter()
        .map(|p| calls::method_call(p, &methods_trait, krate));
    let service_def = service::service_struct_items(
        service,
        &parts,
        &store,
        &methods_trait,
        &service_struct,
        krate,
    );
    let http = http::service_http(service, krate);
    let harness = harness::harness(service, &parts, &methods_trait, &service_struct, krate);
    let openapi = openapi::service_openapi(service, &parts, krate);
    quote! {
        #store_trait
        #methods
        #(#event_enums)*
        #service_def
        #dispatch
        #(#calls)*
        #kits
        #http
        #krate::__private::if_testing! { #harness }
        #openapi
    }
}

/// `apply_<event>`, the store's function applying an event.
/// The return type of every generated `apply_<event>`: a `Send` future of
/// `Result<(), StoreError>`.
fn applied(krate: &TokenStream) -> TokenStream {
    quote!(impl ::core::future::Future<Output = ::core::result::Result<(), #krate::StoreError>> + ::core::marker::Send)
}

fn apply_ident(snake: &str) -> Ident {
    Ident::new(&format!("apply_{snake}"), Span::call_site())
}

/// The rustdoc of a method: the schema's comment (or a sentence), its kind,
/// and `extra`.
pub(super) fn method_doc(service: &str, method: &Method, extra: &str) -> TokenStream {
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
