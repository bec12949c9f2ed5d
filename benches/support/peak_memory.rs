//! The process's peak resident memory, for the benches that report what a
//! run holds at most (Linux: `VmHWM` in `/proc/self/status`, reset by
//! writing `5` to `/proc/self/clear_refs`). Elsewhere both do nothing and
//! the peak is unknown.

/// Resets the peak to the memory resident now, so that the next
/// [`peak_resident`] covers what runs in between.
pub fn reset_peak() {
    // Unknown afterwards where this fails (not Linux): the peak reads so.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The peak resident memory since the process started or the last
/// [`reset_peak`], in bytes; `None` where the system does not say.
pub fn peak_resident() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kib: u64 = line
        .trim_start_matches("VmHWM:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}

/// `bytes` in MiB, for a table (`?` when unknown).
pub fn mib(bytes: Option<u64>) -> String {
    match bytes {
        Some(bytes) => format!("{:.0}", bytes as f64 / (1024.0 * 1024.0)),
        None => "?".to_owned(),
    }
}
