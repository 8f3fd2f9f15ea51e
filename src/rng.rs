//! The one source of randomness of a run: a seeded PCG generator from the
//! `rand_pcg` crate, owned by the simulation and lent to whoever draws.
//!
//! Nothing in the core reads global randomness. The same seed gives the same
//! draws on every platform, native and wasm alike: the helpers below use only
//! integer arithmetic on `u64` values.

use rand_core::{RngCore, SeedableRng};
use rand_pcg::Pcg64Mcg;

use crate::options::PartsPerMillion;

/// The seeded generator every random draw of a run comes from.
#[derive(Clone, Debug)]
pub struct SimRng(Pcg64Mcg);

impl SimRng {
    /// A generator whose whole future is fixed by `seed`.
    pub fn new(seed: u64) -> SimRng {
        SimRng(Pcg64Mcg::seed_from_u64(seed))
    }

    /// A uniform draw from the inclusive range `[lo, hi]`; `lo <= hi`.
    ///
    /// Lemire's multiply-and-reject method: unbiased, and usually one draw.
    pub fn range_inclusive(&mut self, lo: u64, hi: u64) -> u64 {
        debug_assert!(lo <= hi);
        let span = hi - lo;
        if span == u64::MAX {
            return self.0.next_u64();
        }
        let n = span + 1;
        let threshold = n.wrapping_neg() % n;
        loop {
            let product = u128::from(self.0.next_u64()) * u128::from(n);
            if (product as u64) >= threshold {
                return lo + (product >> 64) as u64;
            }
        }
    }

    /// True with probability `ppm` parts per million.
    pub fn chance(&mut self, ppm: PartsPerMillion) -> bool {
        match ppm {
            0 => false,
            p if p >= crate::options::CERTAIN => true,
            p => self.range_inclusive(0, 999_999) < u64::from(p),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_draws() {
        let mut a = SimRng::new(7);
        let mut b = SimRng::new(7);
        for _ in 0..100 {
            assert_eq!(a.range_inclusive(10, 20), b.range_inclusive(10, 20));
        }
    }

    #[test]
    fn draws_stay_in_range_and_cover_it() {
        let mut rng = SimRng::new(1);
        let mut seen = [false; 6];
        for _ in 0..1000 {
            let v = rng.range_inclusive(150, 155);
            assert!((150..=155).contains(&v));
            seen[(v - 150) as usize] = true;
        }
        assert!(
            seen.iter().all(|&s| s),
            "every value of a small range appears"
        );
        assert_eq!(rng.range_inclusive(42, 42), 42);
    }

    #[test]
    fn chance_matches_its_probability() {
        let mut rng = SimRng::new(3);
        let hits = (0..100_000).filter(|_| rng.chance(250_000)).count();
        assert!(
            (24_000..26_000).contains(&hits),
            "25% of 100000 draws, got {hits}"
        );
        assert!(!rng.chance(0));
        assert!(rng.chance(1_000_000));
    }
}
