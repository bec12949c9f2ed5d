//! The compile-time interface of `include_schema!`: goesgen's schemas
//! compile (with every generated item documented), and each class of schema
//! error is a compile error whose text is checked in `tests/ui/fail/*.stderr`.
//! Regenerate those with `TRYBUILD=overwrite cargo test --test ui` and read
//! every diff: they are what users see. With the feature `contracts`
//! (`http` brings it), `tests/ui/contracts/` checks the error of a type
//! without a JSON Schema.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    cases.compile_fail("tests/ui/fail/*.rs");
    // A type without a JSON Schema fails only where the contracts are on.
    if cfg!(feature = "contracts") {
        cases.compile_fail("tests/ui/contracts/*.rs");
    }
}
