//! The problem components of every service's document, from the one table
//! of goesgen's problems ([`Known`]): the `Problem` schema (RFC 9457 with
//! `code` and goesgen's members `field`, `positions` and `retry_after`),
//! and one response per status a method may answer with, naming the codes
//! goesgen's server gives it.

use serde_json::{Map, Value, json};

use crate::known::Known;

/// The statuses of the problems every operation documents: each status of
/// the table once, in order, but 405 (it answers another HTTP method than
/// the documented POST).
pub(super) fn statuses() -> Vec<u16> {
    let mut statuses: Vec<u16> = Known::ALL
        .iter()
        .map(|known| known.entry().0)
        .filter(|&status| status != 405)
        .collect();
    statuses.sort_unstable();
    statuses.dedup();
    statuses
}

/// The name of the response component for `status` (`Problem404`).
pub(super) fn response_name(status: u16) -> String {
    format!("Problem{status}")
}

/// The schemas `Problem` and `Positions`.
pub(super) fn schemas() -> Map<String, Value> {
    let mut schemas = Map::new();
    schemas.insert(
        "Positions".into(),
        json!({
            "type": "object",
            "description": "The log positions of a write call's events: the first and the last (for a call that emitted nothing, an empty range: `first` is `last` + 1).",
            "properties": {
                "first": {"type": "integer", "minimum": 0, "format": "uint64"},
                "last": {"type": "integer", "minimum": 0, "format": "uint64"},
            },
            "required": ["first", "last"],
        }),
    );
    schemas.insert(
        "Problem".into(),
        json!({
            "type": "object",
            "description": "An error, as RFC 9457 problem details with a stable `code` for programs. Further members (a method's own) may follow.",
            "properties": {
                "type": {"type": "string", "description": "`urn:goesgen:problem:<code>`."},
                "title": {"type": "string", "description": "A short summary of the kind of problem."},
                "status": {"type": "integer", "minimum": 100, "maximum": 599, "description": "The HTTP status code."},
                "detail": {"type": "string", "description": "What happened this time, for people."},
                "code": {"type": "string", "description": "The stable code: one of goesgen's (listed with each response) or a method's own."},
                "field": {"type": "string", "description": "For `invalid-json`: the path of the field that failed (`name`, `items[2].id`)."},
                "positions": {
                    "$ref": "#/components/schemas/Positions",
                    "description": "For `duplicate`, `key-reused` and `unsynced`: where the call's events are.",
                },
                "retry_after": {"type": "integer", "minimum": 0, "description": "Seconds to wait before a retry (also the `Retry-After` header)."},
            },
            "required": ["type", "title", "status", "code"],
        }),
    );
    schemas
}

/// One response per status of `statuses` (the documented ones), each
/// listing the codes goesgen's server answers with at that status.
pub(super) fn responses(statuses: &[u16]) -> Map<String, Value> {
    statuses
        .iter()
        .map(|&status| (response_name(status), response(status)))
        .collect()
}

fn response(status: u16) -> Value {
    let mut codes: Vec<String> = Vec::new();
    for known in Known::ALL {
        let (at, code, title) = known.entry();
        if at == status {
            codes.push(format!("`{code}` ({title})"));
        }
    }
    let description = if codes.is_empty() {
        format!("A {status} problem: the method's own (its `code` is the method's).")
    } else {
        format!(
            "A {status} problem: {}; or the method's own.",
            codes.join(", ")
        )
    };
    let mut response = json!({
        "description": description,
        "content": {
            crate::PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}},
        },
    });
    if status == 503 {
        response["headers"] = json!({"Retry-After": {"$ref": "#/components/headers/Retry-After"}});
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_of_the_table_but_405_is_documented() {
        // The list; 405 answers another HTTP method than the
        // documented POST.
        assert_eq!(
            statuses(),
            [400, 401, 403, 404, 409, 413, 415, 422, 500, 503]
        );
    }

    #[test]
    fn the_schema_describes_every_member_and_every_problem_of_the_table() {
        let schemas = schemas();
        let described: Vec<&str> = schemas["Problem"]["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut members = crate::problem::MEMBERS.to_vec();
        members.sort_unstable();
        let mut described = described;
        described.sort_unstable();
        assert_eq!(described, members);
        let document = json!({
            "$schema": goesgen_runtime::contracts::JSON_SCHEMA_DIALECT,
            "$ref": "#/components/schemas/Problem",
            "components": {"schemas": schemas},
        });
        let validator = jsonschema::draft202012::new(&document).unwrap();
        let positions = crate::Positions { first: 3, last: 4 };
        for known in Known::ALL {
            let mut problem = known.detail("what happened").extension("user", "u1");
            problem.members.positions = Some(positions);
            problem.members.field = Some("name".into());
            let body = serde_json::to_value(&problem).unwrap();
            let errors: Vec<String> = validator
                .iter_errors(&body)
                .map(|e| e.to_string())
                .collect();
            assert!(errors.is_empty(), "{known:?}: {errors:?}");
        }
        // The schema refuses a problem without its code.
        assert!(!validator.is_valid(&json!({"type": "t", "title": "t", "status": 400})));
    }

    #[test]
    fn each_response_names_its_codes() {
        let responses = responses(&statuses());
        let conflict = responses["Problem409"]["description"].as_str().unwrap();
        assert!(conflict.contains("`conflict`") && conflict.contains("`duplicate`"));
        assert!(responses["Problem503"]["headers"]["Retry-After"].is_object());
        assert!(responses["Problem400"]["headers"].is_null());
    }
}
