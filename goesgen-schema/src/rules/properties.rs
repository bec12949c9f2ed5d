//! Properties of an event or a projection: camelCase names (rule 3), type
//! references (rule 4), doc comments beginning with the name (rule 6), and
//! no two becoming the same field (rule 17: `newTitle` and `new_title`);
//! an event property's migration declarations are checked by
//! [`migrations`](crate::rules::migrations) (rule 18).

use crate::ast::PropertyDecl;
use crate::comments;
use crate::context::Context;
use crate::model::Property;
use crate::rules::names::{Case, check_case, check_collisions, snake_ident};
use crate::rules::{keep, migrations, name, type_ref};
use crate::shape::join;

/// The properties declared under `path`, checked; `None` if one has no
/// valid type (reported).
pub(crate) fn properties(
    decls: &[PropertyDecl],
    path: &str,
    cx: &mut Context<'_>,
) -> Option<Vec<Property>> {
    let mut out = Some(Vec::with_capacity(decls.len()));
    for decl in decls {
        let path = join(path, &decl.name.text);
        check_case(&decl.name, Case::Camel, "property", &path, cx);
        let doc = comments::named_doc(&decl.name, "property", &path, cx);
        let ty = decl.ty.as_ref().and_then(|ty| type_ref(ty, &path, cx));
        let default = migrations::default(decl, ty.as_ref(), &path, cx);
        let was = migrations::property_was(decl, &path, cx);
        let property = ty.map(|ty| Property {
            name: name(&decl.name),
            doc,
            ty,
            long_form: decl.long_form,
            default,
            was,
            personal: decl.personal.is_some(),
            subject: decl.subject.is_some(),
        });
        keep(&mut out, property);
    }
    if let Some(properties) = &out {
        migrations::check_property_was(decls, properties, path, cx);
    }
    check_collisions(
        decls.iter().map(|d| (&d.name, join(path, &d.name.text))),
        snake_ident,
        "property",
        cx,
    );
    out
}
