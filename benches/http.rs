//! The HTTP layer's cost per call (filled in below).
fn main() {}
