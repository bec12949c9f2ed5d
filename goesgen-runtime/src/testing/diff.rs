//! The diffs of the test kit's messages: events compared field by field
//! (their JSON payloads, under the schema's property names), and any other
//! value compared line by line (its pretty `Debug`).

use std::fmt::Write as _;

use serde_json::Value;

use super::report::Described;

/// What differs between the `expected` events and the `emitted` ones,
/// position by position: a field that differs, an event of another type,
/// an event missing or one too many. Empty when they are equal.
pub(crate) fn events(expected: &[Described], emitted: &[Described]) -> String {
    let mut out = String::new();
    for index in 0..expected.len().max(emitted.len()) {
        let number = index + 1;
        match (expected.get(index), emitted.get(index)) {
            (Some(want), Some(got)) if want == got => {}
            (Some(want), Some(got)) => match (&want.payload, &got.payload) {
                (Ok(a), Ok(b)) if want.kind == got.kind => {
                    let _ = writeln!(out, "  event {number} ({}):", want.kind);
                    fields("", a, b, &mut out);
                }
                _ => {
                    let _ = writeln!(
                        out,
                        "  event {number}: expected {want}\n           emitted  {got}"
                    );
                }
            },
            (Some(want), None) => {
                let _ = writeln!(out, "  event {number}: expected {want}, not emitted");
            }
            (None, Some(got)) => {
                let _ = writeln!(out, "  event {number}: not expected, emitted {got}");
            }
            (None, None) => {}
        }
    }
    out
}

/// One line per field of `expected` and `emitted` (JSON values at `path`)
/// that differs, recursing into objects and arrays.
fn fields(path: &str, expected: &Value, emitted: &Value, out: &mut String) {
    match (expected, emitted) {
        (Value::Object(a), Value::Object(b)) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                let inner = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                let missing = Value::Null;
                fields(
                    &inner,
                    a.get(key).unwrap_or(&missing),
                    b.get(key).unwrap_or(&missing),
                    out,
                );
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (index, (a, b)) in a.iter().zip(b).enumerate() {
                fields(&format!("{path}[{index}]"), a, b, out);
            }
        }
        (a, b) if a == b => {}
        (a, b) => {
            let name = if path.is_empty() { "payload" } else { path };
            let _ = writeln!(out, "    {name}: expected {a}, emitted {b}");
        }
    }
}

/// A line diff of `expected` and `actual` (each a pretty `Debug`): lines of
/// both as `  `, only in `expected` as `- `, only in `actual` as `+ `.
pub(crate) fn lines(expected: &str, actual: &str) -> String {
    let a: Vec<&str> = expected.lines().collect();
    let b: Vec<&str> = actual.lines().collect();
    // The longest common subsequence, by the table of its lengths from
    // each pair of suffixes.
    let mut table = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            table[i][j] = if a[i] == b[j] {
                table[i + 1][j + 1] + 1
            } else {
                table[i + 1][j].max(table[i][j + 1])
            };
        }
    }
    let mut out = String::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            let _ = writeln!(out, "    {}", a[i]);
            (i, j) = (i + 1, j + 1);
        } else if i < a.len() && (j == b.len() || table[i + 1][j] >= table[i][j + 1]) {
            let _ = writeln!(out, "  - {}", a[i]);
            i += 1;
        } else {
            let _ = writeln!(out, "  + {}", b[j]);
            j += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn event(kind: &'static str, payload: Value) -> Described {
        Described {
            kind,
            payload: Ok(payload),
        }
    }

    #[test]
    fn events_differ_field_by_field_or_whole() {
        let expected = [
            event("Closed", json!({"door": "front", "by": {"name": "ann"}})),
            event("Opened", json!({"door": "back"})),
            event("Opened", json!({"door": "side"})),
        ];
        let emitted = [
            event("Closed", json!({"door": "front", "by": {"name": "bob"}})),
            event("Painted", json!({"color": "red"})),
        ];
        assert_eq!(
            events(&expected, &emitted),
            "  event 1 (Closed):\n    by.name: expected \"ann\", emitted \"bob\"\n  \
             event 2: expected Opened {\"door\":\"back\"}\n           \
             emitted  Painted {\"color\":\"red\"}\n  \
             event 3: expected Opened {\"door\":\"side\"}, not emitted\n"
        );
        assert_eq!(events(&expected[..1], &expected[..1]), "");
        assert_eq!(
            events(&[], &emitted[1..]),
            "  event 1: not expected, emitted Painted {\"color\":\"red\"}\n"
        );
    }

    #[test]
    fn lines_mark_what_only_one_side_has() {
        let expected = "A {\n    x: 1,\n    y: 2,\n}";
        let actual = "A {\n    x: 1,\n    y: 3,\n    z: 4,\n}";
        assert_eq!(
            lines(expected, actual),
            "    A {\n        x: 1,\n  -     y: 2,\n  +     y: 3,\n  +     z: 4,\n    }\n"
        );
    }
}
