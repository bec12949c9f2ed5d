#!/usr/bin/env python3
"""What include_schema! costs a user's `cargo check`.

Builds four scratch crates beside each other (sharing one target directory)
and times `cargo check` after touching `src/lib.rs`, RUNS times each
(default 7), printing every time and the median:

- base: stub types only (goesgen's tickets example's ids, titles, io types);
- tickets: the same plus include_schema! of goesgen's tickets schema;
- big: include_schema! of a generated schema of 1,000 events (3 properties
  each), one projection with 999 transitions, one service;
- big_plain: the 1,000 event structs written by hand with the same derives,
  and an enum over them: what the big schema costs without the macro;
- tickets_testing: tickets with goesgen's `testing` feature (the test
  harness of each service generated and checked).

Usage: benches/check_time.py [RUNS] [opt]. With `opt` the scratch crates
set `[profile.dev.build-override] opt-level = 3`, which compiles proc macros
(and the schema parser they run) optimised. The scratch crates live in
$TMPDIR/goesgen-check-time.
"""
import os, subprocess, time, statistics, shutil, sys, tempfile
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.join(tempfile.gettempdir(), "goesgen-check-time")
TYPES = '''
pub mod id {
    #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)] pub struct Ticket(pub String);
    #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)] pub struct User(pub String);
    #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)] pub struct Comment(pub String);
}
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)] pub struct TicketTitle(pub String);
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)] pub struct TicketDescription(pub String);
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)] pub struct TicketCommentMessage(pub String);
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)] pub struct UserName(pub String);
pub mod service {
    macro_rules! io { ($($n:ident),*) => { $( #[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)] pub struct $n; )* } }
    pub mod tickets { pub mod io { io!(GetTicketByIDOut, CreateTicketIn, CreateTicketOut, AssignUserToTicketIn, CloseTicketIn, CreateCommentIn, CreateCommentOut, UnassignUserFromTicketIn, UpdateTicketIn); } }
    pub mod users { pub mod io { io!(GetUserByIDOut, CreateUserIn, CreateUserOut); } }
}
pub fn f() -> usize { 1 }
'''
def big_schema(n):
    lines = ["events:"]
    for i in range(n):
        lines += [f"  E{i:04}:", "    id: u64", "    name: String", "    done: bool"]
    lines += ["projections:", "  P:", "    states: [A, B]", "    createOn: E0000", "    transitions:"]
    for i in range(1, n):
        lines += [f"      E{i:04}:", "        - A -> B"]
    lines += ["services:", "  S:", "    projections: [P]", "    methods:", "      M:", "        emits: [E0000]"]
    return "\n".join(lines) + "\n"
variants = {
    "base": (TYPES, None),
    "tickets": (TYPES + 'pub mod schema { goesgen::include_schema!("schema.yml"); }\n', open(f"{REPO}/tests/fixtures/goesgen/schema.yml").read()),
    "big": ('pub mod schema { goesgen::include_schema!("schema.yml"); }\n', big_schema(1000)),
}
runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
OPT = len(sys.argv) > 2 and sys.argv[2] == "opt"
PLAIN = ["#![allow(missing_docs)]", "pub mod events {"]
for i in range(1000):
    PLAIN.append(f"#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)] pub struct E{i:04} {{ #[serde(rename = \"id\")] pub id: u64, #[serde(rename = \"name\")] pub name: String, #[serde(rename = \"done\")] pub done: bool }}")
PLAIN.append("#[derive(Debug, Clone, PartialEq)] pub enum Event {" + ",".join(f"E{i:04}(E{i:04})" for i in range(1000)) + "}")
PLAIN.append("}")
variants["big_plain"] = ("\n".join(PLAIN) + "\n", None)
variants["tickets_testing"] = variants["tickets"]
FEATURES = {"tickets_testing": ', features = ["testing"]'}
suffix = "-opt" if OPT else ""
for name, (lib, schema) in variants.items():
    d = f"{ROOT}/{name}"
    os.makedirs(f"{d}/src", exist_ok=True)
    extra = "\n[profile.dev.build-override]\nopt-level = 3\n" if OPT else ""
    open(f"{d}/Cargo.toml", "w").write(f'[package]\nname = "ct_{name}"\nversion = "0.0.0"\nedition = "2024"\npublish = false\n\n[dependencies]\ngoesgen = {{ path = "{REPO}", default-features = false{FEATURES.get(name, "")} }}\nserde = {{ version = "1", features = ["derive"] }}\n\n[workspace]\n{extra}')
    shutil.copy(f"{REPO}/Cargo.lock", f"{d}/Cargo.lock")
    open(f"{d}/src/lib.rs", "w").write(lib)
    if schema: open(f"{d}/src/schema.yml", "w").write(schema)
results = {}
for name in variants:
    d = f"{ROOT}/{name}"
    cmd = ["cargo", "check", "--offline", "-q", "--target-dir", f"{ROOT}/target{suffix}"]
    r = subprocess.run(cmd, cwd=d, capture_output=True, text=True)
    if r.returncode != 0: print(name, r.stderr[-3000:]); sys.exit(1)
    times = []
    for _ in range(runs):
        os.utime(f"{d}/src/lib.rs")
        t = time.perf_counter(); subprocess.run(cmd, cwd=d, check=True); times.append(time.perf_counter() - t)
    results[name] = times
    print(name, "median %.3f s" % statistics.median(times), " ".join("%.3f" % t for t in times), flush=True)
print("tickets - base: %.3f s" % (statistics.median(results["tickets"]) - statistics.median(results["base"])))
print("big - base: %.3f s" % (statistics.median(results["big"]) - statistics.median(results["base"])))
print("big - big_plain: %.3f s" % (statistics.median(results["big"]) - statistics.median(results["big_plain"])))
print("tickets_testing - tickets: %.3f s" % (statistics.median(results["tickets_testing"]) - statistics.median(results["tickets"])))
