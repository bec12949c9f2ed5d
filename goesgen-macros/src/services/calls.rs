//! Per method, its call struct (the methods, the caller's context and the
//! input) and the runtime's `MethodCall` for it: how the engine calls the
//! user's method, again after a conflict.

use goesgen_schema::MethodKind;
use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::MethodParts;

/// The call struct of a method and its `MethodCall` impl.
pub(super) fn method_call(
    parts: &MethodParts<'_>,
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

        impl<M: #methods_trait> #krate::service::MethodCall<<M::Store as #krate::Store>::#txn> for #call<'_, M> {
            type Output = #result;
            type Error = M::Error;
            const NAME: &'static str = #name;

            fn call(
                &self,
                txn: &mut <M::Store as #krate::Store>::#txn,
            ) -> impl ::core::future::Future<Output = ::core::result::Result<#result, #krate::MethodError<M::Error>>> + ::core::marker::Send {
                self.methods.#func(self.ctx, txn #arg)
            }
        }
    }
}
