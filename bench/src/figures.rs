//! How the scenarios write their figures: rounded to hundredths, beside the machine's core count.

pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

pub fn round(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
