//! The page's Experiment panel, computed without a browser: crash trials at
//! the current settings, run a few at a time so that the page stays
//! responsive, and what the panel shows about them — the CDF of the time to
//! a new goose, the split votes per trial, and the Raft paper's curve for the
//! nearest timeout range (Figure 16).
//!
//! The trials are [`crate::experiment::crash_trial`]'s, the same as
//! `ddg experiment failover`, with a shorter give-up time so that no single
//! trial can hold a frame for long. The paper's curves travel as 21
//! quantiles each ([`PAPER_QUANTILES`]); the full data file stays out of the
//! page's download, and a test checks the quantiles against it.

use crate::experiment::{crash_trial, trial_seed, CrashSetup, CrashTrial, Summary};
use crate::options::{Options, Span, MS, SECOND};

/// The most trials one experiment runs.
pub const MAX_TRIALS: u32 = 5000;

/// How long a trial waits for a goose before it counts as a failure: long
/// enough for most of the paper's 150–150 ms trials, short enough for a frame
/// budget of a few tens of milliseconds at worst.
pub const TRIAL_LIMIT: u64 = 120 * SECOND;

/// The Raft paper's Figure 16 curves as the 0th, 5th, …, 100th percentiles
/// (nearest rank) in ms: `(min ms, max ms, quantiles)`. Read from
/// `data/fig16-paper.csv`.
pub const PAPER_QUANTILES: [(u64, u64, [f32; 21]); 10] = [
    (
        150,
        150,
        [
            9866.0, 16354.0, 18733.0, 22229.0, 27167.0, 28181.0, 30305.0, 34333.0, 36350.0,
            37941.0, 40660.0, 44905.0, 49709.0, 53022.0, 56129.0, 60495.0, 66340.0, 72051.0,
            84070.0, 104980.0, 528086.0,
        ],
    ),
    (
        150,
        151,
        [
            86.2, 285.0, 434.3, 570.7, 688.6, 736.6, 849.0, 894.4, 1020.1, 1062.6, 1198.2, 1341.6,
            1473.6, 1629.1, 1778.7, 1938.8, 2231.4, 2533.9, 3131.8, 3901.1, 8232.4,
        ],
    ),
    (
        150,
        155,
        [
            85.3, 106.2, 119.2, 129.4, 143.0, 154.1, 243.3, 257.1, 266.6, 277.4, 287.3, 298.7,
            308.1, 397.5, 418.9, 434.7, 452.1, 557.0, 606.4, 763.1, 2143.1,
        ],
    ),
    (
        150,
        175,
        [
            84.4, 101.8, 106.7, 110.7, 115.7, 120.9, 124.3, 129.1, 133.0, 136.5, 140.9, 145.0,
            150.0, 154.8, 159.6, 164.2, 172.5, 262.9, 291.0, 313.0, 610.1,
        ],
    ),
    (
        150,
        200,
        [
            87.1, 103.8, 110.2, 115.8, 119.6, 124.5, 129.0, 133.5, 138.0, 142.2, 146.4, 150.1,
            153.9, 157.8, 162.3, 166.7, 172.4, 181.2, 193.4, 292.8, 512.5,
        ],
    ),
    (
        150,
        300,
        [
            92.7, 114.5, 124.4, 131.6, 138.1, 144.3, 148.4, 154.9, 159.6, 164.0, 171.2, 177.0,
            184.6, 191.5, 199.6, 207.5, 216.5, 228.0, 244.0, 264.1, 603.3,
        ],
    ),
    (
        12,
        24,
        [
            15.3, 18.5, 19.7, 21.5, 22.9, 24.4, 25.7, 26.8, 27.9, 29.0, 30.0, 30.9, 32.8, 35.7,
            39.1, 42.1, 44.6, 48.2, 52.4, 66.2, 151.7,
        ],
    ),
    (
        25,
        50,
        [
            24.0, 28.8, 30.5, 32.4, 33.7, 35.4, 36.7, 38.2, 39.7, 41.2, 43.0, 44.5, 46.2, 48.2,
            50.4, 52.4, 55.0, 62.6, 73.3, 82.8, 276.3,
        ],
    ),
    (
        50,
        100,
        [
            37.1, 44.1, 47.5, 50.7, 54.0, 56.0, 58.5, 60.3, 62.0, 64.2, 66.7, 68.6, 70.8, 73.2,
            76.5, 79.4, 83.9, 88.9, 95.6, 119.8, 253.3,
        ],
    ),
    (
        100,
        200,
        [
            65.7, 77.7, 85.1, 91.7, 95.3, 100.0, 104.7, 107.9, 110.9, 115.6, 120.0, 123.6, 128.8,
            133.3, 139.7, 145.2, 152.1, 158.8, 165.5, 181.4, 335.2,
        ],
    ),
];

/// The paper's curve nearest to `election`: the range whose minimum and
/// maximum are closest, relative to their size (150–156 ms is nearest to
/// 150–155 ms; 20–40 ms to 25–50 ms). Returns its range and quantiles.
pub fn nearest_paper_curve(election: Span) -> (Span, &'static [f32; 21]) {
    let rel = |a: u64, b: u64| (a as f64 - b as f64).abs() / (a.max(b).max(1) as f64);
    let (lo, hi, q) = PAPER_QUANTILES
        .iter()
        .min_by(|a, b| {
            let d = |c: &(u64, u64, [f32; 21])| {
                rel(election.min, c.0 * MS) + rel(election.max - election.min, (c.1 - c.0) * MS)
            };
            d(a).total_cmp(&d(b))
        })
        .expect("the table is not empty");
    (Span::new(lo * MS, hi * MS), q)
}

/// Crash trials at one set of options, run a few at a time.
#[derive(Clone, Debug)]
pub struct ExperimentRun {
    setup: CrashSetup,
    seed: u64,
    total: u32,
    trials: Vec<CrashTrial>,
}

impl ExperimentRun {
    /// `trials` crash trials (1 to [`MAX_TRIALS`]) of a cluster of `nodes`
    /// with `options`, seeded from `seed`; nothing runs yet.
    pub fn new(
        nodes: u32,
        options: &Options,
        trials: u32,
        seed: u64,
    ) -> Result<ExperimentRun, String> {
        options.validate()?;
        if !(2..=crate::sim::MAX_NODES).contains(&nodes) {
            return Err(format!(
                "an experiment needs 2 to {} nodes",
                crate::sim::MAX_NODES
            ));
        }
        if !(1..=MAX_TRIALS).contains(&trials) {
            return Err(format!("an experiment runs 1 to {MAX_TRIALS} trials"));
        }
        Ok(ExperimentRun {
            setup: CrashSetup {
                nodes,
                options: options.clone(),
                limit: TRIAL_LIMIT,
            },
            seed,
            total: trials,
            trials: Vec::with_capacity(trials as usize),
        })
    }

    /// Runs up to `count` more trials; returns whether all are done.
    pub fn step(&mut self, count: u32) -> bool {
        for _ in 0..count {
            if self.is_done() {
                break;
            }
            let i = self.trials.len() as u64;
            self.trials
                .push(crash_trial(&self.setup, trial_seed(self.seed, i)));
        }
        self.is_done()
    }

    /// Whether every trial has run.
    pub fn is_done(&self) -> bool {
        self.trials.len() as u32 >= self.total
    }

    /// Trials done and trials in all.
    pub fn progress(&self) -> (u32, u32) {
        (self.trials.len() as u32, self.total)
    }

    /// The options of the trials.
    pub fn options(&self) -> &Options {
        &self.setup.options
    }

    /// Each trial's time to a new goose heard by a majority, in ms, sorted;
    /// trials that found none within [`TRIAL_LIMIT`] are left out.
    pub fn times_ms(&self) -> Vec<f64> {
        let mut v: Vec<f64> = self
            .trials
            .iter()
            .filter_map(CrashTrial::heartbeat_ms)
            .collect();
        crate::compact::sort_by(&mut v, f64::total_cmp);
        v
    }

    /// The empirical CDF: `(ms, fraction of all trials so far)` at each
    /// trial, so that failed trials keep the curve below 1.
    pub fn cdf(&self) -> Vec<(f64, f64)> {
        let n = self.trials.len().max(1) as f64;
        self.times_ms()
            .into_iter()
            .enumerate()
            .map(|(i, ms)| (ms, (i + 1) as f64 / n))
            .collect()
    }

    /// The order statistics of the times so far.
    pub fn summary(&self) -> Option<Summary> {
        Summary::of(&self.times_ms())
    }

    /// Trials that found no goose within [`TRIAL_LIMIT`].
    pub fn failures(&self) -> usize {
        self.trials
            .iter()
            .filter(|t| t.time_to_heartbeat.is_none())
            .count()
    }

    /// Split votes per trial so far.
    pub fn splits_per_trial(&self) -> f64 {
        let splits: u64 = self.trials.iter().map(|t| t.split_votes).sum();
        splits as f64 / self.trials.len().max(1) as f64
    }

    /// The share of trials whose election had at least one split vote.
    pub fn split_rate(&self) -> f64 {
        let split = self.trials.iter().filter(|t| t.split_votes > 0).count();
        split as f64 / self.trials.len().max(1) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::{figure16_options, paper};

    #[test]
    fn the_quantile_table_is_the_data_file() {
        let curves = paper::figure16();
        for (lo, hi, q) in PAPER_QUANTILES {
            let c = paper::curve_for(&curves, Span::new(lo * MS, hi * MS)).unwrap();
            let n = c.samples_ms.len();
            for (k, &value) in q.iter().enumerate() {
                let rank = ((k * n).div_ceil(20)).clamp(1, n) - 1;
                let want = c.samples_ms[rank];
                assert!(
                    (f64::from(value) - want).abs() <= 0.05 + want * 1e-6,
                    "{lo}-{hi} q{k}: {value} vs {want}"
                );
            }
        }
    }

    #[test]
    fn the_nearest_paper_curve_is_the_closest_range() {
        let near = |lo, hi| nearest_paper_curve(Span::new(lo * MS, hi * MS)).0;
        assert_eq!(near(150, 156), Span::new(150 * MS, 155 * MS));
        assert_eq!(near(150, 150), Span::new(150 * MS, 150 * MS));
        assert_eq!(near(20, 40), Span::new(25 * MS, 50 * MS));
        assert_eq!(near(150, 300), Span::new(150 * MS, 300 * MS));
        assert_eq!(near(1000, 2000), Span::new(150 * MS, 300 * MS));
    }

    #[test]
    fn trials_run_in_chunks_and_give_the_same_answer_as_at_once() {
        let o = figure16_options(
            Span::new(150 * MS, 200 * MS),
            Span::new(3 * MS, 6 * MS),
            500,
            Span::new(100, 100),
        );
        let mut chunked = ExperimentRun::new(5, &o, 25, 7).unwrap();
        let mut steps = 0;
        while !chunked.step(4) {
            steps += 1;
            let (done, total) = chunked.progress();
            assert!(done <= total && done == 4 * steps);
        }
        assert_eq!(steps, 6);
        let mut once = ExperimentRun::new(5, &o, 25, 7).unwrap();
        assert!(once.step(1000));
        assert_eq!(chunked.times_ms(), once.times_ms());
        let cdf = chunked.cdf();
        assert_eq!(cdf.len(), 25 - chunked.failures());
        assert!(cdf.windows(2).all(|w| w[0].0 <= w[1].0 && w[0].1 < w[1].1));
        assert!((cdf.last().unwrap().1 - 1.0).abs() < 1e-12);
        let s = chunked.summary().unwrap();
        assert!(s.p50 > 75.0 && s.p50 < 250.0, "{s:?}");
        assert!((0.0..=1.0).contains(&chunked.split_rate()));
    }

    #[test]
    fn bad_settings_are_refused() {
        let o = Options::default();
        assert!(ExperimentRun::new(5, &o, 0, 1).is_err());
        assert!(ExperimentRun::new(5, &o, MAX_TRIALS + 1, 1).is_err());
        assert!(ExperimentRun::new(1, &o, 10, 1).is_err());
        let bad = Options {
            disk: Span::new(5 * MS, MS),
            ..o
        };
        assert!(ExperimentRun::new(5, &bad, 10, 1).is_err());
    }
}
