//! The generated services of a small schema, read back with syn: which
//! items exist and what their signatures are (not how proc_macro2 spaces
//! their tokens).

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::{Item, TraitItem, Type};

use super::services;

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

fn tokens() -> TokenStream {
    let schema = goesgen_schema::parse(SCHEMA, "doors.yml").expect("a valid schema");
    services(&schema, &quote!(::goesgen))
}

/// The items of the generated `doors` module.
fn doors() -> Vec<Item> {
    let file = syn::parse2::<syn::File>(tokens()).expect("generated code parses");
    let [Item::Mod(module)] = file.items.as_slice() else {
        panic!("one module per service");
    };
    assert_eq!(module.ident, "doors");
    module.content.clone().expect("an inline module").1
}

/// The trait named `name` among `items`.
fn find_trait<'a>(items: &'a [Item], name: &str) -> &'a syn::ItemTrait {
    items
        .iter()
        .find_map(|item| match item {
            Item::Trait(t) if t.ident == name => Some(t),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no trait {name}"))
}

/// The names of a trait's functions.
fn fn_names(item: &syn::ItemTrait) -> Vec<String> {
    item.items
        .iter()
        .filter_map(|item| match item {
            TraitItem::Fn(f) => Some(f.sig.ident.to_string()),
            _ => None,
        })
        .collect()
}

/// The parameters of the trait function `name`, each as tokens.
fn params(item: &syn::ItemTrait, name: &str) -> Vec<String> {
    let f = item
        .items
        .iter()
        .find_map(|item| match item {
            TraitItem::Fn(f) if f.sig.ident == name => Some(f),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no fn {name}"));
    f.sig
        .inputs
        .iter()
        .map(|arg| arg.to_token_stream().to_string())
        .collect()
}

fn expected(args: &[TokenStream]) -> Vec<String> {
    args.iter().map(ToString::to_string).collect()
}

#[test]
fn the_store_has_one_apply_per_subscribed_event_only() {
    let items = doors();
    let store = find_trait(&items, "DoorsStore");
    // Painted is emitted, not subscribed.
    assert_eq!(fn_names(store), ["apply_opened", "apply_closed"]);
    let supertraits: Vec<String> = store
        .supertraits
        .iter()
        .map(|bound| bound.to_token_stream().to_string())
        .collect();
    assert_eq!(supertraits, [quote!(::goesgen::Store).to_string()]);
}

#[test]
fn write_methods_get_their_own_event_enum_and_readonly_ones_none() {
    let items = doors();
    let enums: Vec<(String, Vec<String>)> = items
        .iter()
        .filter_map(|item| match item {
            Item::Enum(e) => Some((
                e.ident.to_string(),
                e.variants.iter().map(|v| v.ident.to_string()).collect(),
            )),
            _ => None,
        })
        .collect();
    assert_eq!(
        enums,
        [
            ("CloseEvent".to_string(), vec!["Closed".to_string()]),
            ("PaintEvent".to_string(), vec!["Painted".to_string()]),
        ]
    );
    // Readonly and append methods read; transactions write.
    let methods = find_trait(&items, "DoorsMethods");
    let ctx = quote!(ctx: &Self::Context);
    assert_eq!(
        params(methods, "is_open"),
        expected(&[
            quote!(&self),
            ctx.clone(),
            quote!(txn: &mut <Self::Store as ::goesgen::Store>::Read),
            quote!(input: String),
        ])
    );
    assert_eq!(
        params(methods, "close"),
        expected(&[
            quote!(&self),
            ctx.clone(),
            quote!(txn: &mut <Self::Store as ::goesgen::Store>::Write),
            quote!(input: String),
        ])
    );
    assert_eq!(
        params(methods, "paint"),
        expected(&[
            quote!(&self),
            ctx,
            quote!(txn: &mut <Self::Store as ::goesgen::Store>::Read),
        ])
    );
}

#[test]
fn each_call_names_its_method_and_runs_on_the_engine_by_kind() {
    let items = doors();
    let mut names = Vec::new();
    for item in &items {
        let Item::Impl(imp) = item else { continue };
        for item in &imp.items {
            if let syn::ImplItem::Const(c) = item
                && c.ident == "NAME"
            {
                names.push(c.expr.to_token_stream().to_string());
            }
        }
    }
    assert_eq!(names, [r#""IsOpen""#, r#""Close""#, r#""Paint""#]);
    let code = tokens().to_string();
    for run in ["run_readonly", "run_transaction", "run_append"] {
        assert!(code.contains(run), "{run}");
    }
}

#[test]
fn the_same_schema_gives_the_same_tokens() {
    assert_eq!(tokens().to_string(), tokens().to_string());
}

/// The items inside the module's `if_testing!` (the harness).
fn harness() -> Vec<Item> {
    let items = doors();
    let gated = items
        .iter()
        .find_map(|item| match item {
            Item::Macro(m) if m.mac.path.segments.last().unwrap().ident == "if_testing" => {
                Some(m.mac.tokens.clone())
            }
            _ => None,
        })
        .expect("the harness behind if_testing!");
    syn::parse2::<syn::File>(gated)
        .expect("the harness parses")
        .items
}

#[test]
fn the_harness_has_one_typed_call_per_method_behind_the_testing_gate() {
    let items = harness();
    let structs: Vec<String> = items
        .iter()
        .filter_map(|item| match item {
            Item::Struct(s) => Some(s.ident.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(structs, ["DoorsTest", "DoorsWhen"]);
    // Per impl block, its type and each function with its return type.
    let impls: Vec<(String, Vec<(String, String)>)> = items
        .iter()
        .filter_map(|item| match item {
            Item::Impl(imp) => Some(imp),
            _ => None,
        })
        .map(|imp| {
            let Type::Path(path) = &*imp.self_ty else {
                panic!("an impl on a path type");
            };
            let fns = imp
                .items
                .iter()
                .filter_map(|item| match item {
                    syn::ImplItem::Fn(f) => Some((
                        f.sig.ident.to_string(),
                        f.sig.output.to_token_stream().to_string(),
                    )),
                    _ => None,
                })
                .collect();
            (path.path.segments.last().unwrap().ident.to_string(), fns)
        })
        .collect();
    let names: Vec<(&str, Vec<&str>)> = impls
        .iter()
        .map(|(ty, fns)| (ty.as_str(), fns.iter().map(|(f, _)| f.as_str()).collect()))
        .collect();
    assert_eq!(
        names,
        [
            ("DoorsService", vec!["test"]),
            ("DoorsTest", vec!["given", "when", "service", "kit"]),
            ("DoorsWhen", vec!["is_open", "close", "paint"]),
        ]
    );
    let returns: Vec<&str> = impls[2].1.iter().map(|(_, r)| r.as_str()).collect();
    let expected = [
        quote!(-> ::goesgen::testing::Answered<bool, M::Error>),
        quote!(-> ::goesgen::testing::Written<(), CloseEvent, M::Error>),
        quote!(-> ::goesgen::testing::Written<(), PaintEvent, M::Error>),
    ];
    assert_eq!(
        returns,
        expected.iter().map(ToString::to_string).collect::<Vec<_>>()
    );
}
