//! A deterministic pseudo-random sequence for the scenarios that need the same choices every run.

/// A deterministic pseudo-random sequence (xorshift64*), so every run times the same queue.
pub struct Xorshift(pub u64);

impl Xorshift {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}
