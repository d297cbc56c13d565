//! Experience and levels. Level `n` needs `100 · (n − 1)²` XP in total: level 2 at 100 XP, level 3
//! at 400, level 10 at 8,100 — each level a little longer than the last, never a wall.

/// XP needed in total to reach `level` (≥ 1).
pub const fn xp_for_level(level: u32) -> u64 {
    let n = level.saturating_sub(1) as u64;
    100 * n * n
}

/// The level a player with `xp` total experience has reached.
pub fn level_for_xp(xp: u64) -> u32 {
    // Integer square root of xp / 100, corrected for float rounding.
    let mut n = ((xp / 100) as f64).sqrt() as u64;
    while 100 * (n + 1) * (n + 1) <= xp {
        n += 1;
    }
    while n > 0 && 100 * n * n > xp {
        n -= 1;
    }
    u32::try_from(n + 1).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn documented_points() {
        assert_eq!(level_for_xp(0), 1);
        assert_eq!(level_for_xp(99), 1);
        assert_eq!(level_for_xp(100), 2);
        assert_eq!(level_for_xp(399), 2);
        assert_eq!(level_for_xp(400), 3);
        assert_eq!(level_for_xp(8_100), 10);
    }

    proptest! {
        #[test]
        fn level_is_monotonic_and_consistent_with_its_threshold(xp in 0u64..10_000_000_000) {
            let level = level_for_xp(xp);
            prop_assert!(xp_for_level(level) <= xp);
            prop_assert!(xp_for_level(level + 1) > xp);
            prop_assert!(level_for_xp(xp + 1) >= level);
        }
    }
}
