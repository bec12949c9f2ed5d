//! The statistics the benchmarks report: percentiles of latencies and the
//! median of rates.

use std::time::Duration;

/// The `p` quantile (0 to 1) of `latencies` (sorted in place).
pub fn percentile(latencies: &mut [Duration], p: f64) -> Duration {
    latencies.sort_unstable();
    latencies[((latencies.len() - 1) as f64 * p) as usize]
}

/// The median of `values` (sorted in place).
pub fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}
