//! The generated code of both versions of the tickets schema: version 1
//! wrote the log, version 2 reads it. Version 2 names version 1 as its
//! baseline, so the build itself checks that every change is migrated.

/// Version 1: `examples/tickets/schema.yml`, the Go original's schema.
pub mod v1 {
    goesgen::include_schema!("../../examples/tickets/schema.yml");
}

/// Version 2: `examples/tickets/schema.v2.yml`.
pub mod v2 {
    goesgen::include_schema!(
        "../../examples/tickets/schema.v2.yml",
        baseline = "../../examples/tickets/schema.yml"
    );
}

/// The counter of `tests/fixtures/counter.yml` and its version 2, whose
/// event was renamed (`Counted` is now `Incremented`) and gained a default
/// `step`: the service-level reader.
pub mod counter_v1 {
    goesgen::include_schema!("../fixtures/counter.yml");
}

/// Version 2 of the counter.
pub mod counter_v2 {
    goesgen::include_schema!(
        "../fixtures/counter.v2.yml",
        baseline = "../fixtures/counter.yml"
    );
}
