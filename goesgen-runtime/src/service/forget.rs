//! The generated `Dispatch::forget`'s one piece of logic, written once:
//! reading a forgotten [`Subject`]'s id as the id type its store's
//! `forget_<subject>` hook takes ([`forgotten_id`]).

use serde::de::DeserializeOwned;

use crate::personal::Subject;

/// The id of `subject` as the id type `I` (the type of the schema's
/// `subject: true` property), for the store's `forget_<subject>` hook;
/// `None`, with a warning, when it is not one: no record of the schema
/// names that subject, so the store holds nothing of it (a mistyped
/// `goesgen forget` must not stop every sync that reads its record).
///
/// ```
/// use goesgen_runtime::personal::Subject;
/// use goesgen_runtime::service::forgotten_id;
///
/// let subject: Subject = "Account:17".parse().unwrap();
/// assert_eq!(forgotten_id::<u64>(&subject), Some(17));
/// let typo: Subject = "Account:seventeen".parse().unwrap();
/// assert_eq!(forgotten_id::<u64>(&typo), None);
/// ```
pub fn forgotten_id<I: DeserializeOwned>(subject: &Subject) -> Option<I> {
    match serde_json::from_value(subject.id_value()) {
        Ok(id) => Some(id),
        Err(error) => {
            tracing::warn!(
                subject = %subject,
                id_type = std::any::type_name::<I>(),
                %error,
                "a forgotten subject's id is not of its kind's id type: no store holds it, \
                 nothing to drop"
            );
            None
        }
    }
}
