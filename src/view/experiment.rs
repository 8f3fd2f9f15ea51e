//! The page's Experiment panel, computed without a browser: crash trials at
//! the current settings, run a few at a time so that the page stays
//! responsive, and what the panel shows about them — the CDF of the time to
//! a new goose, the split votes per trial, and the Raft paper's curve for the
//! nearest timeout range (Figure 16).
//!
//! The trials are [`crate::experiment::crash_trial`]'s, the same as
//! `ddg experiment failover`, with a shorter give-up time so that no single
//! trial can hold a frame for long. The paper's curves travel as 11
//! quantiles each ([`PAPER_QUANTILES`]); the full data file stays out of the
//! page's download, and a test checks the quantiles against it.
//!
//! What the panel shows is text the page only inserts: the plot and the
//! stats panel's histogram of this run's election times as SVG in whole
//! units (no float is printed: float formatting would add several KB to the
//! page's wasm), and the table as HTML rows. Colours are classes (`k0`…`k4`)
//! that the style sheet gives light and dark values, so changing the theme
//! redraws nothing.

use crate::experiment::{crash_trial, trial_seed, CrashSetup, CrashTrial, Summary};
use crate::options::{Options, Span, MS, SECOND};

/// The most trials one experiment runs.
pub const MAX_TRIALS: u32 = 5000;

/// How long a trial waits for a goose before it counts as a failure: long
/// enough for most of the paper's 150–150 ms trials, short enough for a frame
/// budget of a few tens of milliseconds at worst.
pub const TRIAL_LIMIT: u64 = 120 * SECOND;

/// The Raft paper's Figure 16 curves as the 0th, 10th, …, 100th percentiles
/// (nearest rank) in tenths of a ms: `(min ms, max ms, quantiles)`. Read from
/// `data/fig16-paper.csv`.
pub const PAPER_QUANTILES: [(u64, u64, [u32; 11]); 10] = [
    (
        150,
        150,
        [
            98660, 187330, 271670, 303050, 363500, 406600, 497090, 561290, 663400, 840700, 5280860,
        ],
    ),
    (
        150,
        151,
        [
            862, 4343, 6886, 8490, 10201, 11982, 14736, 17787, 22314, 31318, 82324,
        ],
    ),
    (
        150,
        155,
        [
            853, 1192, 1430, 2433, 2666, 2873, 3081, 4189, 4521, 6064, 21431,
        ],
    ),
    (
        150,
        175,
        [
            844, 1067, 1157, 1243, 1330, 1409, 1500, 1596, 1725, 2910, 6101,
        ],
    ),
    (
        150,
        200,
        [
            871, 1102, 1196, 1290, 1380, 1464, 1539, 1623, 1724, 1934, 5125,
        ],
    ),
    (
        150,
        300,
        [
            927, 1244, 1381, 1484, 1596, 1712, 1846, 1996, 2165, 2440, 6033,
        ],
    ),
    (
        12,
        24,
        [153, 197, 229, 257, 279, 300, 328, 391, 446, 524, 1517],
    ),
    (
        25,
        50,
        [240, 305, 337, 367, 397, 430, 462, 504, 550, 733, 2763],
    ),
    (
        50,
        100,
        [371, 475, 540, 585, 620, 667, 708, 765, 839, 956, 2533],
    ),
    (
        100,
        200,
        [
            657, 851, 953, 1047, 1109, 1200, 1288, 1397, 1521, 1655, 3352,
        ],
    ),
];

/// The paper's curve nearest to `election`: the range whose minimum and
/// maximum are closest, relative to their size (150–156 ms is nearest to
/// 150–155 ms; 20–40 ms to 25–50 ms). Returns its range and quantiles.
pub fn nearest_paper_curve(election: Span) -> (Span, &'static [u32; 11]) {
    let rel = |a: u64, b: u64| (a as f64 - b as f64).abs() / (a.max(b).max(1) as f64);
    let (lo, hi, q) = PAPER_QUANTILES
        .iter()
        .min_by(|a, b| {
            let d = |c: &(u64, u64, [u32; 11])| {
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

    /// Of the trials that got as far as crashing a goose, the share whose
    /// next election had at least one split vote; `None` if none got there
    /// (a cluster that never elects a first goose has none to crash).
    pub fn split_rate(&self) -> Option<f64> {
        // A crashed goose always leaves a survivor campaigning.
        let crashed = self.trials.iter().filter(|t| t.elections > 0);
        let (n, split) = crashed.fold((0, 0), |(n, s), t| {
            (n + 1, s + usize::from(t.split_votes > 0))
        });
        (n > 0).then(|| split as f64 / n as f64)
    }
}

/// The trials the panel runs unless told otherwise: enough for a smooth
/// curve in a second or two at most settings.
pub const DEFAULT_TRIALS: u32 = 200;

/// How many finished curves stay on the plot beside the one running, for
/// comparison; the oldest leaves first.
pub const KEPT_CURVES: usize = 4;

/// How many colours the curves take turns with (`k0` to `k4` in the page's
/// style sheet, light and dark): one for each curve on the plot.
pub const COLOURS: usize = KEPT_CURVES + 1;

/// Reads the panel's trial count (1 to [`MAX_TRIALS`]).
pub fn parse_trials(text: &str) -> Result<u32, String> {
    match text.trim().parse::<u32>() {
        Ok(n) if (1..=MAX_TRIALS).contains(&n) => Ok(n),
        _ => Err(format!("trials: a whole number from 1 to {MAX_TRIALS}")),
    }
}

/// One experiment on the plot: its trials and its colour.
#[derive(Clone, Debug)]
pub struct Curve {
    /// The trials, finished or still running.
    pub run: ExperimentRun,
    /// Its colour, `0..COLOURS`.
    pub colour: usize,
}

impl Curve {
    /// The timeout range, as the legend names it: `150–155 ms`.
    pub fn label(&self) -> String {
        span_label(self.run.options().election)
    }

    /// The paper's curve nearest to this one's timeout range.
    pub fn paper(&self) -> (Span, &'static [u32; 11]) {
        nearest_paper_curve(self.run.options().election)
    }
}

/// A timeout range in ms with an en dash, as the paper writes it.
pub fn span_label(s: Span) -> String {
    let ms = |us: u64| crate::options::thousandths(us, MS);
    format!("{}–{} ms", ms(s.min), ms(s.max))
}

/// `part / whole` as a percentage with one decimal (`12.5%`), without the
/// float formatting the page's wasm leaves out.
pub fn percent(part: f64, whole: f64) -> String {
    let tenths = (part * 1000.0 / whole.max(1e-9)).round().max(0.0) as u64;
    format!("{}.{}%", tenths / 10, tenths % 10)
}

/// A time in ms as the page writes durations (`287.3ms`, `40.66s`).
pub fn ms_label(ms: f64) -> String {
    // To a tenth of a ms, as the paper's numbers are given.
    crate::options::human_duration((ms * 10.0).round().max(0.0) as u64 * 100)
}

/// A time in tenths of a ms (as [`PAPER_QUANTILES`] holds it), written as
/// the page writes durations.
pub fn tenths_label(tenths: u32) -> String {
    crate::options::human_duration(u64::from(tenths) * 100)
}

/// The experiments on the panel: kept curves, the last one perhaps running.
#[derive(Clone, Debug, Default)]
pub struct Panel {
    curves: Vec<Curve>,
    running: bool,
    colours_used: usize,
    /// Bumped whenever what the panel shows changes, so the page redraws
    /// only then.
    pub version: u64,
}

impl Panel {
    /// Starts `trials` crash trials of the cluster (`nodes`, `options`),
    /// seeded from `seed`; a running experiment is stopped and kept.
    pub fn start(
        &mut self,
        nodes: u32,
        options: &Options,
        trials: u32,
        seed: u64,
    ) -> Result<(), String> {
        let run = ExperimentRun::new(nodes, options, trials, seed)?;
        self.running = true;
        if self.curves.len() > KEPT_CURVES {
            self.curves.drain(..1);
        }
        self.curves.push(Curve {
            run,
            colour: self.colours_used % COLOURS,
        });
        self.colours_used += 1;
        self.version += 1;
        Ok(())
    }

    /// Runs trials of the running experiment, at least one, then more while
    /// `more()` says so (the page asks its clock); returns whether any ran.
    pub fn step(&mut self, mut more: impl FnMut() -> bool) -> bool {
        let Some(curve) = self.curves.last_mut().filter(|_| self.running) else {
            return false;
        };
        while !curve.run.step(1) && more() {}
        self.running = !curve.run.is_done();
        self.version += 1;
        true
    }

    /// Stops the running experiment; the trials done so far stay a curve
    /// (and one with none goes).
    pub fn stop(&mut self) {
        if self.running {
            self.running = false;
            if self.curves.last().is_some_and(|c| c.run.progress().0 == 0) {
                self.curves.pop();
            }
            self.version += 1;
        }
    }

    /// Removes every curve, stopping a running experiment.
    pub fn clear(&mut self) {
        *self = Panel {
            version: self.version + 1,
            ..Panel::default()
        };
    }

    /// Whether trials are running.
    pub fn is_running(&self) -> bool {
        self.running
    }

    /// The curves on the plot, oldest first.
    pub fn curves(&self) -> &[Curve] {
        &self.curves
    }

    /// Trials done and in all, of the last experiment.
    pub fn progress(&self) -> (u32, u32) {
        self.curves.last().map_or((0, 0), |c| c.run.progress())
    }

    /// One line on the state of the last experiment.
    pub fn status(&self) -> String {
        let Some(c) = self.curves.last() else {
            return "No trials yet: set the timeouts, then run.".into();
        };
        let (done, total) = c.run.progress();
        let label = c.label();
        if self.running {
            format!("Running {total} trials at {label}…")
        } else {
            format!("Done: {done} trials at {label}.")
        }
    }

    /// The table's rows as HTML, one per curve, oldest first: timeouts
    /// (with a solid swatch of the curve's colour), trials with a goose,
    /// median, 90th percentile, slowest, trials with a split vote, and the
    /// paper's median and 90th percentile (with a dashed swatch).
    pub fn table_html(&self) -> String {
        let mut html = String::new();
        for c in &self.curves {
            let (done, _) = c.run.progress();
            let elected = done as usize - c.run.failures();
            let s = c.run.summary();
            let stat = |f: fn(&Summary) -> f64| s.as_ref().map_or("—".into(), |s| ms_label(f(s)));
            let (span, q) = c.paper();
            let k = c.colour;
            html += &format!(
                "<tr><th scope=\"row\"><i class=\"sw k{k}\"></i>{}</th><td>{elected} of {done}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><i class=\"sw k{k} paper\"></i>{}, {} ({})</td></tr>",
                c.label(),
                stat(|s| s.p50),
                stat(|s| s.p90),
                stat(|s| s.max),
                c.run.split_rate().map_or("—".into(), |r| percent(r, 1.0)),
                tenths_label(q[5]),
                tenths_label(q[9]),
                span_label(span)
            );
        }
        html
    }

    /// The time axis that holds every curve on the plot and the paper's.
    pub fn axis(&self) -> LogAxis {
        let mut lo = f64::INFINITY;
        let mut hi = 0.0f64;
        for c in &self.curves {
            let t = c.run.times_ms();
            let q = c.paper().1;
            for v in [t.first(), t.last()].into_iter().flatten() {
                lo = lo.min(*v);
                hi = hi.max(*v);
            }
            lo = lo.min(f64::from(q[0]) / 10.0);
            hi = hi.max(f64::from(q[10]) / 10.0);
        }
        LogAxis::fit(lo, hi)
    }
}

/// A logarithmic time axis over whole decades, as the paper's Figure 16
/// draws its top panel (times from 100 ms to minutes).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LogAxis {
    /// The left end, in ms (a power of ten).
    pub lo_ms: f64,
    /// The right end, in ms (a power of ten).
    pub hi_ms: f64,
}

impl LogAxis {
    /// The smallest run of whole decades holding `lo..=hi` (ms), at least
    /// 10 ms to 1 s; non-finite or empty input gives that default.
    pub fn fit(lo: f64, hi: f64) -> LogAxis {
        let (mut a, mut b) = (10.0, 1000.0);
        if lo.is_finite() && hi.is_finite() && lo > 0.0 && hi >= lo {
            a = 1.0;
            while a * 10.0 <= lo {
                a *= 10.0;
            }
            b = a * 10.0;
            while b < hi {
                b *= 10.0;
            }
            if b / a < 100.0 {
                b = a * 100.0;
            }
        }
        LogAxis { lo_ms: a, hi_ms: b }
    }

    /// Where `ms` falls, from 0 (left end) to 1 (right end), clamped.
    pub fn at(&self, ms: f64) -> f64 {
        use crate::view::math::ln;
        let f = (ln(ms.max(1e-9)) - ln(self.lo_ms)) / (ln(self.hi_ms) - ln(self.lo_ms));
        f.clamp(0.0, 1.0)
    }

    /// A tick at each decade: `(ms, label)`.
    pub fn ticks(&self) -> Vec<(f64, String)> {
        let mut out = Vec::new();
        let mut d = self.lo_ms;
        while d <= self.hi_ms * 1.000_001 {
            out.push((d, ms_label(d)));
            d *= 10.0;
        }
        out
    }
}

/// The plot's size in SVG units: the page scales it to the panel's width.
const PLOT: (i64, i64) = (640, 250);
/// The plot's margins: left, right, top, bottom.
const MARGIN: (i64, i64, i64, i64) = (44, 24, 10, 26);

impl Panel {
    /// The plot as SVG: the share of trials with a new goose (0 to 100%)
    /// against the time after the crash on a log axis, each curve solid and
    /// the paper's nearest one dashed in the same colour (class `k0`…`k4`
    /// picks it), in whole SVG units so that no float is printed.
    pub fn plot_svg(&self) -> String {
        let (w, h) = PLOT;
        let (l, r, t, b) = MARGIN;
        let (pw, ph) = (w - l - r, h - t - b);
        let axis = self.axis();
        let x = |ms: f64| l + (axis.at(ms) * pw as f64).round() as i64;
        let y = |f: f64| t + ((1.0 - f) * ph as f64).round() as i64;
        let mut s = format!("<svg viewBox=\"0 0 {w} {h}\" aria-hidden=\"true\"><g class=\"grid\">");
        for (ms, label) in axis.ticks() {
            let x = x(ms);
            s += &format!(
                "<path d=\"M{x} {t}V{}\"/><text x=\"{x}\" y=\"{}\" text-anchor=\"middle\">{label}</text>",
                t + ph,
                h - 6
            );
        }
        // The 0%, 50% and 100% lines (for PLOT and MARGIN; a test checks).
        s += "<path d=\"M44 224H616M44 117H616M44 10H616\"/><g text-anchor=\"end\"><text x=\"39\" y=\"228\">0%</text><text x=\"39\" y=\"121\">50%</text><text x=\"39\" y=\"14\">100%</text></g></g>";
        for c in &self.curves {
            let paper: Vec<(f64, f64)> = c
                .paper()
                .1
                .iter()
                .enumerate()
                .map(|(k, &tenths)| (f64::from(tenths) / 10.0, k.max(1) as f64 / 10.0))
                .collect();
            for (points, class) in [(paper, " paper"), (c.run.cdf(), "")] {
                // One step path: along at the last height, up at each sample;
                // samples that land on the same unit share one vertical.
                let mut d = format!("M{l} {}", y(0.0));
                let mut points = points.into_iter().peekable();
                while let Some((ms, f)) = points.next() {
                    let px = x(ms);
                    if points.peek().is_none_or(|&(next, _)| x(next) != px) {
                        d += &format!("H{px}V{}", y(f));
                    }
                }
                s += &format!(
                    "<path class=\"k{}{class}\" d=\"{d}H{}\"/>",
                    c.colour,
                    l + pw
                );
            }
        }
        s + "</svg>"
    }
}

/// A histogram of durations with round bin widths: what the stats panel
/// draws of this run's election times.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Histogram {
    /// The left edge of the first bin, in µs (a multiple of `width`).
    pub from: u64,
    /// Every bin's width, in µs: 1, 2 or 5 times a power of ten.
    pub width: u64,
    /// How many values fall in each bin.
    pub counts: Vec<u32>,
}

impl Histogram {
    /// The histogram of `values` (µs) in at most `bins` bins, or `None`
    /// without values.
    pub fn of(values: &[u64], bins: usize) -> Option<Histogram> {
        let lo = *values.iter().min()?;
        let hi = *values.iter().max()?;
        let bins = bins.max(1) as u64;
        let mut width = 1u64;
        'search: loop {
            for k in [1, 2, 5] {
                let w = width.saturating_mul(k);
                if (hi / w - lo / w) < bins || w == u64::MAX {
                    width = w;
                    break 'search;
                }
            }
            width = width.saturating_mul(10);
        }
        let from = lo / width * width;
        let mut counts = vec![0u32; ((hi - from) / width + 1) as usize];
        for &v in values {
            counts[((v - from) / width) as usize] += 1;
        }
        Some(Histogram {
            from,
            width,
            counts,
        })
    }

    /// The histogram as SVG bars (class `bar`) with the first and last
    /// edges written under them, in whole units of a 300 × 60 box.
    pub fn svg(&self) -> String {
        let n = self.counts.len() as i64;
        let most = i64::from(self.counts.iter().copied().max().unwrap_or(1).max(1));
        // At least 6 bars' room, so that one election is not one wide slab.
        let bar = 300 / n.max(6);
        let mut s = String::from("<svg viewBox=\"0 0 300 60\" aria-hidden=\"true\">");
        for (i, &k) in self.counts.iter().enumerate() {
            let bh = 44 * i64::from(k) / most;
            s += &format!(
                "<rect class=\"bar\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{bh}\"/>",
                i as i64 * bar + 1,
                44 - bh,
                bar - 2
            );
        }
        let h = crate::options::human_duration;
        let end = self.from + self.width * n as u64;
        s + &format!(
            "<text x=\"0\" y=\"58\">{}</text><text x=\"{}\" y=\"58\" text-anchor=\"end\">{}</text></svg>",
            h(self.from),
            n * bar,
            h(end)
        )
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
                let rank = ((k * n).div_ceil(10)).clamp(1, n) - 1;
                let want = c.samples_ms[rank];
                assert!(
                    (f64::from(value) / 10.0 - want).abs() <= 0.05 + want * 1e-6,
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
        assert!((0.0..=1.0).contains(&chunked.split_rate().unwrap()));
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

    fn paper_like(lo: u64, hi: u64) -> Options {
        figure16_options(
            Span::new(lo * MS, hi * MS),
            Span::new(3 * MS, 6 * MS),
            500,
            Span::new(100, 100),
        )
    }

    #[test]
    fn the_trial_count_is_read_or_refused_in_words() {
        assert_eq!(parse_trials(" 200 "), Ok(200));
        assert_eq!(parse_trials("1"), Ok(1));
        assert_eq!(parse_trials(&MAX_TRIALS.to_string()), Ok(MAX_TRIALS));
        for bad in ["0", "", "-3", "2.5", "many", &(MAX_TRIALS + 1).to_string()] {
            let e = parse_trials(bad).unwrap_err();
            assert!(e.contains("1 to 5000"), "{bad}: {e}");
        }
    }

    #[test]
    fn the_panel_runs_in_chunks_keeps_old_curves_and_gives_each_its_colour() {
        let mut p = Panel::default();
        assert!(!p.step(|| true), "nothing runs before a start");
        assert_eq!(p.status(), "No trials yet: set the timeouts, then run.");
        p.start(5, &paper_like(150, 300), 10, 1).unwrap();
        // A clock that allows three trials per frame.
        let mut frames = 0;
        while p.is_running() {
            let mut budget = 2;
            assert!(p.step(|| {
                budget -= 1;
                budget >= 0
            }));
            frames += 1;
            let (done, total) = p.progress();
            assert_eq!((done, total), ((3 * frames).min(10), 10));
            if p.is_running() {
                assert_eq!(p.status(), "Running 10 trials at 150–300 ms…");
            }
        }
        assert_eq!(frames, 4);
        assert_eq!(p.status(), "Done: 10 trials at 150–300 ms.");
        for (k, (lo, hi)) in [(150, 155), (150, 175), (150, 200), (150, 250), (150, 151)]
            .into_iter()
            .enumerate()
        {
            p.start(5, &paper_like(lo, hi), 2, 1).unwrap();
            p.step(|| true);
            assert_eq!(p.curves().last().unwrap().colour, (k + 1) % COLOURS);
        }
        // The oldest left; five stay, each with its own colour.
        let labels: Vec<String> = p.curves().iter().map(Curve::label).collect();
        assert_eq!(
            labels,
            [
                "150–155 ms",
                "150–175 ms",
                "150–200 ms",
                "150–250 ms",
                "150–151 ms"
            ]
        );
        let mut colours: Vec<usize> = p.curves().iter().map(|c| c.colour).collect();
        colours.sort_unstable();
        colours.dedup();
        assert_eq!(colours.len(), KEPT_CURVES + 1);
        let v = p.version;
        p.clear();
        assert!(p.curves().is_empty() && !p.is_running() && p.version > v);
    }

    #[test]
    fn stopping_keeps_the_trials_done_and_drops_an_empty_curve() {
        let mut p = Panel::default();
        p.start(5, &paper_like(150, 300), 50, 3).unwrap();
        p.stop();
        assert!(p.curves().is_empty(), "no trial ran: no curve");
        p.start(5, &paper_like(150, 300), 50, 3).unwrap();
        p.step(|| false);
        p.step(|| false);
        p.stop();
        assert!(!p.is_running());
        assert_eq!(p.progress(), (2, 50));
        assert_eq!(p.status(), "Done: 2 trials at 150–300 ms.");
        assert!(p.start(5, &paper_like(150, 300), 0, 3).is_err());
        assert_eq!(p.curves().len(), 1, "a refused start leaves the plot alone");
    }

    /// The cells of each row of the table's HTML, tags removed.
    fn cells(p: &Panel) -> Vec<Vec<String>> {
        p.table_html()
            .split("</tr>")
            .filter(|r| !r.is_empty())
            .map(|r| {
                r.split("</t")
                    .filter_map(|c| c.rsplit('>').next())
                    .filter(|c| !c.is_empty() && !c.starts_with('h') && !c.starts_with('d'))
                    .map(str::to_string)
                    .collect()
            })
            .collect()
    }

    #[test]
    fn the_table_puts_each_curve_beside_the_papers_nearest() {
        let mut p = Panel::default();
        p.start(5, &paper_like(150, 200), 20, 5).unwrap();
        p.step(|| true);
        let rows = cells(&p);
        assert_eq!(rows.len(), 1);
        let c = &rows[0];
        assert_eq!(c.len(), 7, "{c:?}");
        assert_eq!(c[0], "150–200 ms");
        assert_eq!(c[1], format!("{} of 20", 20 - p.curves()[0].run.failures()));
        let s = p.curves()[0].run.summary().unwrap();
        assert_eq!(c[2], ms_label(s.p50));
        assert_eq!(c[4], ms_label(s.max));
        assert!(c[5].ends_with('%'), "{c:?}");
        assert_eq!(c[6], "146.4ms, 193.4ms (150–200 ms)");
        let html = p.table_html();
        assert!(
            html.contains("<th scope=\"row\"><i class=\"sw k0\"></i>150–200 ms</th>"),
            "{html}"
        );
        assert!(
            html.contains("<td><i class=\"sw k0 paper\"></i>146.4ms"),
            "{html}"
        );
    }

    #[test]
    fn a_fixed_timeout_finds_no_goose_without_jitter_and_the_panel_says_so() {
        // Raft §5.2: with no randomness the candidates collide forever.
        let o = Options {
            election: Span::new(150 * MS, 150 * MS),
            latency: Span::new(10 * MS, 10 * MS),
            check_quorum: false,
            ..Options::default()
        };
        let mut p = Panel::default();
        p.start(5, &o, 2, 9).unwrap();
        p.step(|| true);
        assert_eq!(p.curves()[0].run.failures(), 2);
        let row = &cells(&p)[0];
        assert_eq!(row[1], "0 of 2");
        assert_eq!(row[2], "—");
        assert_eq!(row[5], "—", "no goose was ever crashed");
        assert_eq!(p.status(), "Done: 2 trials at 150–150 ms.");
    }

    #[test]
    fn numbers_are_written_without_float_formatting() {
        assert_eq!(percent(0.125, 1.0), "12.5%");
        assert_eq!(percent(0.0, 1.0), "0.0%");
        assert_eq!(percent(3.0, 3.0), "100.0%");
        assert_eq!(ms_label(287.3), "287.3ms");
        assert_eq!(ms_label(40658.0), "40.658s");
        assert_eq!(ms_label(200.743), "200.7ms");
        assert_eq!(span_label(Span::new(150 * MS, 155 * MS)), "150–155 ms");
        assert_eq!(span_label(Span::new(12_500, 24 * MS)), "12.5–24 ms");
    }

    #[test]
    fn the_log_axis_covers_whole_decades_around_every_curve() {
        let a = LogAxis::fit(85.3, 2143.1);
        assert_eq!((a.lo_ms, a.hi_ms), (10.0, 10_000.0));
        assert_eq!(a.at(10.0), 0.0);
        assert_eq!(a.at(10_000.0), 1.0);
        assert!((a.at(100.0) - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(a.at(1e9), 1.0);
        assert_eq!(a.at(0.0), 0.0);
        // At least two decades; a default without data.
        let b = LogAxis::fit(150.0, 300.0);
        assert_eq!((b.lo_ms, b.hi_ms), (100.0, 10_000.0));
        assert_eq!(
            LogAxis::fit(f64::INFINITY, 0.0),
            LogAxis {
                lo_ms: 10.0,
                hi_ms: 1000.0
            }
        );
        let labels: Vec<String> = a.ticks().into_iter().map(|t| t.1).collect();
        assert_eq!(labels, ["10ms", "100ms", "1s", "10s"]);
        // The panel's axis holds the paper's 150–150 ms curve, out to 528 s.
        let mut p = Panel::default();
        p.start(5, &paper_like(150, 150), 1, 1).unwrap();
        assert_eq!(
            p.axis(),
            LogAxis {
                lo_ms: 1000.0,
                hi_ms: 1_000_000.0
            }
        );
    }

    /// The numbers in every `d="…"` of class `class` in an SVG string.
    fn paths(svg: &str, class: &str) -> Vec<Vec<i64>> {
        svg.split(&format!("<path class=\"{class}\" d=\""))
            .skip(1)
            .map(|rest| {
                let d = &rest[..rest.find('"').unwrap()];
                d.split(|c: char| c.is_ascii_alphabetic() || c == ' ')
                    .filter(|t| !t.is_empty())
                    .map(|t| t.parse().unwrap())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn the_plot_draws_each_curve_and_the_papers_as_rising_steps() {
        let mut p = Panel::default();
        p.start(5, &paper_like(150, 155), 40, 2).unwrap();
        p.step(|| true);
        p.start(5, &paper_like(150, 300), 40, 2).unwrap();
        p.step(|| true);
        let svg = p.plot_svg();
        assert!(svg.starts_with("<svg viewBox=\"0 0 640 250\"") && svg.ends_with("</svg>"));
        for (k, class) in ["k0", "k1"].into_iter().enumerate() {
            let ours = paths(&svg, class);
            let paper = paths(&svg, &format!("{class} paper"));
            assert_eq!((ours.len(), paper.len()), (1, 1), "{svg}");
            for d in [&ours[0], &paper[0]] {
                // M x0 y0, then H x V y pairs, then H to the right edge.
                assert_eq!(d.len() % 2, 1, "{d:?}");
                let (xs, ys): (Vec<i64>, Vec<i64>) =
                    d[2..d.len() - 1].chunks(2).map(|c| (c[0], c[1])).unzip();
                assert!(
                    xs.windows(2).all(|w| w[0] < w[1]),
                    "one vertical per x: {d:?}"
                );
                assert!(ys.windows(2).all(|w| w[0] >= w[1]), "rising: {d:?}");
                assert_eq!(d[1], 10 + 214, "starts at 0%");
                assert_eq!(*d.last().unwrap(), 640 - 24, "ends at the right edge");
            }
            // The paper's curve reaches 100%; so does ours when every trial
            // found a goose.
            assert_eq!(paper[0][paper[0].len() - 2], 10, "{k}");
            if p.curves()[k].run.failures() == 0 {
                assert_eq!(ours[0][ours[0].len() - 2], 10);
            }
        }
        // The paper's median for 150–155 ms (287.3 ms) sits where the axis
        // puts it, at 50%.
        let axis = p.axis();
        let x287 = 44 + (axis.at(287.3) * 572.0).round() as i64;
        let paper = &paths(&svg, "k0 paper")[0];
        let at_half = paper.chunks(2).position(|c| c == [x287, 10 + 107]);
        assert!(at_half.is_some(), "{x287} {paper:?}");
        // The fixed grid lines and labels are where y() puts 0, 50, 100%.
        let (l, w, t, ph) = (
            MARGIN.0,
            PLOT.0 - MARGIN.1,
            MARGIN.2,
            PLOT.1 - MARGIN.2 - MARGIN.3,
        );
        for (f, label) in [(0, "0%"), (50, "50%"), (100, "100%")] {
            let y = t + ph * (100 - f) / 100;
            assert!(svg.contains(&format!("M{l} {y}H{w}")), "{label}");
            assert!(
                svg.contains(&format!("x=\"{}\" y=\"{}\">{label}<", l - 5, y + 4)),
                "{label}"
            );
        }
        for label in ["10ms", "100ms", "1s", "10s", "0%", "50%", "100%"] {
            assert!(svg.contains(&format!(">{label}</text>")), "{label}: {svg}");
        }
    }

    #[test]
    fn the_histogram_has_round_bins_that_hold_every_value() {
        let h = Histogram::of(&[160_000, 171_000, 199_000, 410_000], 10).unwrap();
        assert_eq!(h.width, 50_000);
        assert_eq!(h.from, 150_000);
        assert_eq!(h.counts, [3, 0, 0, 0, 0, 1]);
        assert!(h.counts.len() <= 10);
        let one = Histogram::of(&[7], 10).unwrap();
        assert_eq!((one.from, one.width, one.counts), (7, 1, vec![1]));
        assert_eq!(Histogram::of(&[], 10), None);
        let wide = Histogram::of(&[0, u64::MAX / 2], 8).unwrap();
        assert!(wide.counts.len() <= 8 && wide.counts.iter().sum::<u32>() == 2);
        let svg = h.svg();
        assert_eq!(svg.matches("<rect class=\"bar\"").count(), 6);
        // The tallest bar is the full 44 units; an empty bin has no height.
        assert!(svg.contains("y=\"0\" width=\"48\" height=\"44\""), "{svg}");
        assert!(svg.contains("height=\"14\""), "one of three: {svg}");
        assert!(svg.contains("height=\"0\""), "{svg}");
        assert!(
            svg.contains(">150ms</text>") && svg.contains(">450ms</text>"),
            "{svg}"
        );
    }

    #[test]
    fn every_curve_colour_stands_out_from_the_panel_in_both_themes() {
        use crate::view::colour::contrast;
        let css = include_str!("../../www/style.css");
        // `--panel: #rrggbb;` in :root first, then in .dark.
        let panels: Vec<&str> = css
            .match_indices("--panel: ")
            .map(|(i, m)| &css[i + m.len()..i + m.len() + 7])
            .collect();
        assert_eq!(panels.len(), 2, "{panels:?}");
        for (theme, panel) in ["", ".dark "].into_iter().zip(panels) {
            for k in 0..COLOURS {
                let rule = format!("{theme}.k{k} {{ color: ");
                let at = css.find(&rule).unwrap_or_else(|| panic!("no {rule}")) + rule.len();
                let colour = &css[at..at + 7];
                let r = contrast(colour, panel).unwrap();
                assert!(r >= 3.0, "{rule}{colour} on {panel}: {r:.2}");
            }
        }
    }

    /// Lesson 08's last caption sends the class to this panel at its
    /// settings and seed (the page seeds the experiment with the run's seed)
    /// and says what the curves will show; this checks it, with the trial
    /// count the panel starts with.
    #[test]
    #[cfg(not(target_arch = "wasm32"))] // lessons are fetched there, not embedded
    fn the_lesson_s_panel_claims_hold() {
        let lesson = crate::lessons::find("08-how-much-randomness").unwrap();
        let script = crate::script::parse_script(lesson.text).unwrap();
        let (seed, options) = (script.cluster.seed.unwrap(), script.cluster.options.clone());
        // "copies the cluster of the Raft paper's Figure 16": the page's
        // Paper's setup, the same model as `ddg experiment fig16`.
        assert_eq!(options, crate::experiment::paper_setup(options.election));
        let run = |lo: u64, hi: u64| {
            let o = crate::experiment::paper_setup(Span::new(lo * MS, hi * MS));
            let mut r = ExperimentRun::new(5, &o, DEFAULT_TRIALS, seed).unwrap();
            assert!(r.step(DEFAULT_TRIALS));
            (r.summary().unwrap(), r.split_rate().unwrap())
        };
        // "With no randomness at all a goose takes tens of seconds".
        let (fixed, _) = run(150, 150);
        assert!(fixed.p50 >= 10_000.0 && fixed.p50 < 100_000.0, "{fixed:?}");
        // "5ms brings the median under a second".
        let (narrow, _) = run(150, 155);
        assert!(narrow.p50 < 1000.0, "{narrow:?}");
        // "with 150ms almost no election splits and nine in ten take under
        // 300ms".
        let (wide, split) = run(150, 300);
        assert!(split < 0.02, "{split}");
        assert!(wide.p90 < 300.0, "{wide:?}");
    }
}
