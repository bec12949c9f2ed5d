//! The forget hooks of a service's store: per subject kind whose personal
//! events the service subscribes to (`User` for events whose subject is an
//! `id.User`), a required `forget_<subject>` on `<Service>Store` and on
//! the kits' traits, so the compiler makes the user drop what their
//! projections copied of a forgotten person; and the dispatch's
//! `FORGETS` and `forget`, which read the subject's id as its id type
//! (the runtime's `service::forgotten_id`) and call the hook. A service
//! without personal events gets none of this.

use goesgen_schema::naming::forget_hook;
use goesgen_schema::{Schema, Service};
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::types::rust_type;

/// The subject kinds a service's store hears of being forgotten, in
/// schema order, each once.
pub(super) struct Forgets {
    /// The kinds' names (`User`).
    kinds: Vec<String>,
    /// Their hooks (`forget_user`).
    hooks: Vec<Ident>,
    /// Their id types (`crate::id::User`).
    ids: Vec<TokenStream>,
}

impl Forgets {
    /// The kinds of the subjects of the personal events `service`
    /// subscribes to.
    pub(super) fn of(schema: &Schema, service: &Service) -> Self {
        let mut forgets = Forgets {
            kinds: Vec::new(),
            hooks: Vec::new(),
            ids: Vec::new(),
        };
        for &index in &service.subscriptions {
            let event = &schema.events[index];
            let (Some(subject), Some(property)) = (&event.subject, event.subject_property()) else {
                continue;
            };
            let kind = subject.kind.as_str();
            if forgets.kinds.iter().any(|k| k == kind) {
                continue;
            }
            forgets.kinds.push(kind.to_string());
            forgets
                .hooks
                .push(Ident::new(&forget_hook(kind), Span::call_site()));
            forgets.ids.push(rust_type(&property.ty));
        }
        forgets
    }

    /// Whether the store hears of no forgotten subject.
    pub(super) fn is_empty(&self) -> bool {
        self.kinds.is_empty()
    }

    /// The hooks of `<Service>Store`.
    pub(super) fn store_hooks(&self, krate: &TokenStream) -> TokenStream {
        let unit = super::applied(krate);
        let docs = self.docs("in `txn`");
        let (hooks, ids) = (&self.hooks, &self.ids);
        quote! {
            #(
                #docs
                fn #hooks(
                    &self,
                    txn: &mut Self::Write,
                    at: &#krate::Recorded,
                    id: &#ids,
                ) -> #unit;
            )*
        }
    }

    /// The `FORGETS` and `forget` of the dispatch to a store `S`; nothing
    /// (the runtime's defaults: it hears of none) when there is none.
    pub(super) fn dispatch_items(&self, krate: &TokenStream) -> TokenStream {
        if self.is_empty() {
            return TokenStream::new();
        }
        let (kinds, hooks) = (&self.kinds, &self.hooks);
        quote! {
            const FORGETS: &'static [&'static str] = &[#(#kinds),*];

            async fn forget(
                store: &S,
                txn: &mut S::Write,
                at: &#krate::Recorded,
                subject: &#krate::Subject,
            ) -> ::core::result::Result<(), #krate::StoreError> {
                match subject.kind() {
                    #(#kinds => match #krate::service::forgotten_id(subject) {
                        ::core::option::Option::Some(id) => store.#hooks(txn, at, &id).await,
                        ::core::option::Option::None => ::core::result::Result::Ok(()),
                    },)*
                    _ => ::core::result::Result::Ok(()),
                }
            }
        }
    }

    /// The hooks of `<Service>InMemory` and their forwarding from the
    /// memory kit's `<Service>Store` impl (`P` the user's projection, the
    /// trait `in_memory`).
    pub(super) fn memory(&self, in_memory: &Ident, krate: &TokenStream) -> [TokenStream; 2] {
        self.kit(
            (quote!(&mut self), "in this projection"),
            |hook| quote!(<P as #in_memory>::#hook(&mut **txn, at, id)),
            krate,
        )
    }

    /// The hooks of `<Service>InSqlite` and their forwarding from the
    /// SQLite kit's `<Service>Store` impl (`T` the user's tables, the trait
    /// `in_sqlite`).
    pub(super) fn sqlite(&self, in_sqlite: &Ident, krate: &TokenStream) -> [TokenStream; 2] {
        self.kit(
            (
                quote!(&self, db: &#krate::rusqlite::Connection),
                "in the tables, on `db` inside the write transaction",
            ),
            |hook| {
                quote!(<T as #in_sqlite>::#hook(#krate::SqliteStore::tables(self), &**txn, at, id))
            },
            krate,
        )
    }

    /// A kit trait's hooks, each taking `receiver` (and dropping the data
    /// `place`), and their forwarding from the kit's `<Service>Store`
    /// impl, each the synchronous `call` of its hook.
    fn kit(
        &self,
        (receiver, place): (TokenStream, &str),
        call: impl Fn(&Ident) -> TokenStream,
        krate: &TokenStream,
    ) -> [TokenStream; 2] {
        let unit = super::applied(krate);
        let docs = self.docs(place);
        let (hooks, ids) = (&self.hooks, &self.ids);
        let calls = hooks.iter().map(call);
        [
            quote! {
                #(
                    #docs
                    fn #hooks(
                        #receiver,
                        at: &#krate::Recorded,
                        id: &#ids,
                    ) -> ::core::result::Result<(), #krate::StoreError>;
                )*
            },
            quote! {
                #(
                    fn #hooks(
                        &self,
                        txn: &mut Self::Write,
                        at: &#krate::Recorded,
                        id: &#ids,
                    ) -> #unit {
                        #krate::__private::ready(#calls)
                    }
                )*
            },
        ]
    }

    /// The doc of each hook, dropping the data `place`.
    fn docs(&self, place: &str) -> Vec<TokenStream> {
        self.kinds
            .iter()
            .map(|kind| {
                crate::docs::lines([
                    format!(
                        "Forgets the `{kind}` whose id is `id`, forgotten at `at` (`goesgen forget`, \
                         `EventLog::forget`): drop what you keep of their personal data {place}."
                    )
                    .as_str(),
                    "Their events' personal values already read as `Personal::Forgotten`, in every",
                    "sync and rebuild: this is for what the store copied out of them. Called in log",
                    "order, once per forget; an error stops the sync (and rolls the transaction back).",
                ])
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::Forgets;

    /// `Users` keeps the user (whose name is personal) and hears of users
    /// forgotten; `Audit` keeps no personal event.
    const SCHEMA: &str = "\
events:
  UserCreated:
    id: {type: id.User, subject: true}
    name: {type: UserName, personal: true}
  UserRenamed:
    user: {type: id.User, subject: true}
    name: {type: UserName, personal: true}
  AccountOpened:
    id: {type: id.AccountHolder, subject: true}
    iban: {type: String, personal: true}
  Audited: {}
projections:
  User:
    states: [Active]
    createOn: UserCreated
    transitions:
      UserRenamed: [Active -> Active]
  Account:
    states: [Open]
    createOn: AccountOpened
  Audit:
    states: [Done]
    createOn: Audited
services:
  Users:
    projections: [User, Account]
    methods:
      CreateUser: {emits: [UserCreated, UserRenamed, AccountOpened]}
  Audits:
    projections: [Audit]
    methods:
      Audit: {emits: [Audited]}
";

    #[test]
    fn each_subject_kind_of_a_subscribed_personal_event_gets_one_required_hook() {
        let schema = goesgen_schema::parse(SCHEMA, "schema.yml").unwrap();
        let krate = quote!(::goesgen);
        let users = Forgets::of(&schema, &schema.services[0]);
        assert_eq!(users.kinds, ["User", "AccountHolder"]);
        let hooks = users.store_hooks(&krate).to_string();
        assert!(
            hooks.contains("fn forget_user (& self , txn : & mut Self :: Write , at : & :: goesgen :: Recorded , id : & crate :: id :: User ,)"),
            "{hooks}"
        );
        assert!(hooks.contains("fn forget_account_holder"), "{hooks}");
        // Required: declared, with no default body.
        assert!(!hooks.contains('{'), "{hooks}");
        let dispatch = users.dispatch_items(&krate).to_string();
        assert!(
            dispatch.contains(
                "const FORGETS : & 'static [& 'static str] = & [\"User\" , \"AccountHolder\"]"
            ),
            "{dispatch}"
        );
        assert!(
            dispatch.contains("\"User\" => match :: goesgen :: service :: forgotten_id (subject) { :: core :: option :: Option :: Some (id) => store . forget_user (txn , at , & id) . await"),
            "{dispatch}"
        );

        let audits = Forgets::of(&schema, &schema.services[1]);
        assert!(audits.is_empty());
        assert!(audits.store_hooks(&krate).is_empty());
        assert!(audits.dispatch_items(&krate).is_empty());
    }
}
