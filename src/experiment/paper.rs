//! The Raft paper's own numbers, to put beside the simulator's.
//!
//! - Figure 16 (Raft paper §9.3; dissertation §9.4, Figure 9.8): every trial
//!   of every curve, read back from the step paths of the dissertation's
//!   figure sources into `data/fig16-paper.csv` (the file's header says how).
//! - Split votes (dissertation §9.2): the probabilities the text gives.

use crate::options::{Span, MS};

/// The data file, embedded: one row per timeout range.
pub const FIG16_CSV: &str = include_str!("../../data/fig16-paper.csv");

/// The top panel's timeout ranges, in ms: how much randomness is enough.
pub const TOP_PANEL: [(u64, u64); 6] = [
    (150, 150),
    (150, 151),
    (150, 155),
    (150, 175),
    (150, 200),
    (150, 300),
];

/// The bottom panel's timeout ranges, in ms: scaling the minimum timeout.
pub const BOTTOM_PANEL: [(u64, u64); 5] = [(12, 24), (25, 50), (50, 100), (100, 200), (150, 300)];

/// The number of trials the paper ran for a range: 100 for 150–150 ms, 1000
/// for every other.
pub fn paper_trials(range: Span) -> usize {
    if range.min == range.max {
        100
    } else {
        1000
    }
}

/// One curve of Figure 16: a timeout range and every trial's time in ms.
#[derive(Clone, Debug, PartialEq)]
pub struct Curve {
    /// The election timeout range.
    pub range: Span,
    /// Every trial, in ms, sorted.
    pub samples_ms: Vec<f64>,
}

/// Reads the figure's data file.
pub fn parse_fig16(text: &str) -> Result<Vec<Curve>, String> {
    let mut curves = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with("range_ms") {
            continue;
        }
        let bad = |why: &str| format!("fig16 data line {}: {why}", i + 1);
        let (range, samples) = line.split_once(',').ok_or_else(|| bad("no comma"))?;
        let (lo, hi) = range
            .split_once('-')
            .ok_or_else(|| bad("range is not A-B"))?;
        let ms = |t: &str| t.parse::<u64>().map_err(|_| bad("range is not whole ms"));
        let range = Span::new(ms(lo)? * MS, ms(hi)? * MS);
        let mut samples_ms = samples
            .split_whitespace()
            .map(|t| t.parse::<f64>().map_err(|_| bad("sample is not a number")))
            .collect::<Result<Vec<f64>, String>>()?;
        crate::compact::sort_by(&mut samples_ms, f64::total_cmp);
        curves.push(Curve { range, samples_ms });
    }
    Ok(curves)
}

/// Every curve of Figure 16, from the embedded data file.
pub fn figure16() -> Vec<Curve> {
    parse_fig16(FIG16_CSV).expect("the embedded data file is well formed")
}

/// The paper's curve for `range`, if it has one.
pub fn curve_for(curves: &[Curve], range: Span) -> Option<&Curve> {
    curves.iter().find(|c| c.range == range)
}

/// The split-vote probabilities of dissertation §9.2 for n = 5, s = 4 and a
/// 100 ms range with fixed latency: (latency in ms, probability in %).
pub const SPLIT_FIXED: [(u64, f64); 3] = [(1, 0.059), (10, 5.23), (20, 18.08)];

/// Dissertation Figure 9.6's caption: "about 16%" with latency varying
/// uniformly over 10–20 ms (n = 5, s = 4, 100 ms range).
pub const SPLIT_VARIABLE_10_20: f64 = 16.0;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::Summary;

    #[test]
    fn the_data_file_holds_every_curve_with_the_papers_trial_counts() {
        let curves = figure16();
        assert_eq!(curves.len(), 10, "11 curves, 150-300 listed once");
        for (lo, hi) in TOP_PANEL.iter().chain(BOTTOM_PANEL.iter()) {
            let range = Span::new(lo * MS, hi * MS);
            let c = curve_for(&curves, range).unwrap_or_else(|| panic!("{lo}-{hi} missing"));
            assert_eq!(c.samples_ms.len(), paper_trials(range), "{lo}-{hi}");
        }
    }

    /// The numbers the paper's text states (§9.3) come back out of the data.
    #[test]
    fn the_data_reproduces_the_numbers_the_text_states() {
        let curves = figure16();
        let of = |lo, hi| {
            Summary::of(
                &curve_for(&curves, Span::new(lo * MS, hi * MS))
                    .unwrap()
                    .samples_ms,
            )
            .unwrap()
        };
        assert!((of(150, 155).p50 - 287.3).abs() < 0.5);
        assert!((of(150, 200).max - 512.5).abs() < 0.5);
        let fast = of(12, 24);
        assert!((fast.mean - 34.7).abs() < 0.1 && (fast.max - 151.7).abs() < 0.1);
        let none = of(150, 150);
        assert!(none.p50 > 10_000.0 * 0.95 && none.max > 500_000.0);
    }

    #[test]
    fn bad_data_is_an_error_not_a_panic() {
        assert!(parse_fig16("150-155,1.0 x").is_err());
        assert!(parse_fig16("150,1.0").is_err());
        assert!(parse_fig16("nonsense").is_err());
        assert_eq!(parse_fig16("# only a comment\n"), Ok(vec![]));
    }
}
