//! `ddg experiment`: the command line around the experiments (native only:
//! clap and the progress bars never reach the page).
//!
//! - `ddg experiment fig16` runs both panels of the Raft paper's Figure 16
//!   and prints them beside the paper's numbers; `--csv` writes every trial,
//!   `--svg` draws the two CDF panels.
//! - `ddg experiment splitvote` puts dissertation §9.2's formula, the
//!   dissertation's numbers and the simulator side by side.
//! - `ddg experiment failover` crashes the goose of any cluster many times
//!   and prints the distribution of the time to a new one.
//!
//! Tables go to standard output; progress bars (on a terminal only) and the
//! wall-clock time go to standard error, so piped output is the same on
//! every run with the same seed.

use std::io::{IsTerminal, Write};
use std::time::Instant;

use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use super::paper::{self, Curve};
use super::svg::{self, CdfCurve, CdfPanel};
use super::{
    crash_trial, figure16_options, range_label, split_formula, split_trial, trial_seed, CrashSetup,
    CrashTrial, Summary, DEFAULT_LIMIT,
};
use crate::options::{Micros, Options, PartsPerMillion, Span, MS, SECOND};
use crate::script::duration::{parse_duration, parse_percent, parse_span};

/// `ddg experiment`: repeated trials and their statistics.
#[derive(Args, Debug)]
pub struct ExperimentArgs {
    /// Which experiment.
    #[command(subcommand)]
    pub which: Which,
}

/// The experiments.
#[derive(Subcommand, Debug)]
pub enum Which {
    /// The Raft paper's Figure 16: time to replace a crashed leader, both panels.
    Fig16(Fig16Args),
    /// Dissertation §9.2: how often the first term splits (formula, paper, simulation).
    Splitvote(SplitArgs),
    /// Crash the goose of any cluster many times: the distribution of time to a new goose.
    Failover(FailoverArgs),
}

/// The flags every experiment shares.
#[derive(Args, Debug, Clone)]
pub struct Common {
    /// Trials per row (for fig16: per range; 150-150 ms gets a tenth, as in the paper).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub trials: Option<u64>,
    /// The experiment's seed; every trial's seed derives from it.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// `ddg experiment fig16`.
#[derive(Args, Debug)]
pub struct Fig16Args {
    #[command(flatten)]
    common: Common,
    /// Time to persist term and vote, per write (a range like 4ms..6ms).
    #[arg(long, default_value = "3ms..6ms", value_parser = parse_span)]
    disk: Span,
    /// Timer jitter: each timer fires late by up to this much.
    #[arg(long, default_value = "500us", value_parser = parse_duration)]
    jitter: Micros,
    /// One-way network latency (the paper's LAN: about 0.1 ms).
    #[arg(long, default_value = "100us", value_parser = parse_span)]
    latency: Span,
    /// Write every trial to this CSV file.
    #[arg(long)]
    csv: Option<String>,
    /// Draw both CDF panels, the paper's curves beside ours, to this SVG file.
    #[arg(long)]
    svg: Option<String>,
}

/// `ddg experiment splitvote`.
#[derive(Args, Debug)]
pub struct SplitArgs {
    #[command(flatten)]
    common: Common,
}

/// `ddg experiment failover`: the cluster's settings are the scenario
/// language's, with its defaults.
#[derive(Args, Debug)]
pub struct FailoverArgs {
    #[command(flatten)]
    common: Common,
    /// Cluster size.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(2..=101))]
    nodes: u32,
    /// Election timeout range.
    #[arg(long, value_parser = parse_span)]
    election: Option<Span>,
    /// Heartbeat interval.
    #[arg(long, value_parser = parse_duration)]
    heartbeat: Option<Micros>,
    /// One-way latency range.
    #[arg(long, value_parser = parse_span)]
    latency: Option<Span>,
    /// Message loss (`5%`).
    #[arg(long, value_parser = parse_percent)]
    loss: Option<PartsPerMillion>,
    /// Time to persist term and vote, per write.
    #[arg(long, value_parser = parse_span)]
    disk: Option<Span>,
    /// Timer jitter.
    #[arg(long, value_parser = parse_duration)]
    jitter: Option<Micros>,
    /// CheckQuorum with leases.
    #[arg(long, value_parser = on_off)]
    checkquorum: Option<bool>,
    /// PreVote.
    #[arg(long, value_parser = on_off)]
    prevote: Option<bool>,
    /// Write every trial to this CSV file.
    #[arg(long)]
    csv: Option<String>,
}

fn on_off(text: &str) -> Result<bool, String> {
    match text {
        "on" => Ok(true),
        "off" => Ok(false),
        _ => Err("on or off".into()),
    }
}

/// Runs `ddg experiment …` and returns the exit code: 0, or 2 for bad
/// settings or a file that cannot be written.
pub fn run(args: ExperimentArgs) -> i32 {
    let started = Instant::now();
    let result = match args.which {
        Which::Fig16(a) => fig16(&a),
        Which::Splitvote(a) => splitvote(&a),
        Which::Failover(a) => failover(&a),
    };
    match result {
        Ok(()) => {
            eprintln!("took {:.1}s", started.elapsed().as_secs_f64());
            0
        }
        Err(e) => {
            eprintln!("error: {e}");
            2
        }
    }
}

/// A progress bar on standard error if it is a terminal; hidden otherwise,
/// so that piped output stays clean (`ddg experiment`, `ddg sweep`).
pub fn progress(total: u64, what: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    if let Ok(style) = ProgressStyle::with_template("{msg:>14} [{bar:40}] {pos}/{len}, {eta} left")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what.to_string());
    bar
}

/// A time in ms, for tables: `287.3`, `1.54s`, `40.7s`.
pub fn fmt_ms(ms: f64) -> String {
    if ms >= 10_000.0 {
        format!("{:.1}s", ms / 1000.0)
    } else if ms >= 1000.0 {
        format!("{:.2}s", ms / 1000.0)
    } else {
        format!("{ms:.1}")
    }
}

/// One row of Figure 16: a range, its trials and the paper's curve.
struct Row {
    range: Span,
    trials: Vec<CrashTrial>,
}

impl Row {
    fn heard_ms(&self) -> Vec<f64> {
        self.trials
            .iter()
            .filter_map(CrashTrial::heartbeat_ms)
            .collect()
    }
}

fn write_file(path: &str, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("cannot write {path}: {e}"))
}

fn csv_of(rows: &[Row]) -> String {
    let mut s = String::from(
        "range_ms,trial,seed,crash_offset_us,time_to_elect_us,time_to_heartbeat_us,elections,split_votes\n",
    );
    for row in rows {
        for (i, t) in row.trials.iter().enumerate() {
            let opt = |v: Option<Micros>| v.map_or(String::new(), |v| v.to_string());
            s += &format!(
                "{},{i},{},{},{},{},{},{}\n",
                range_label(row.range),
                t.seed,
                t.crash_offset,
                opt(t.time_to_elect),
                opt(t.time_to_heartbeat),
                t.elections,
                t.split_votes
            );
        }
    }
    s
}

fn run_trials(setup: &CrashSetup, seed: u64, trials: u64, bar: &ProgressBar) -> Vec<CrashTrial> {
    (0..trials)
        .map(|i| {
            let t = crash_trial(setup, trial_seed(seed, i));
            bar.inc(1);
            t
        })
        .collect()
}

/// The table of one set of rows beside the paper: p50, p90, p99, max and
/// mean, ours / paper (ratio).
fn comparison_table(out: &mut dyn Write, rows: &[Row], curves: &[Curve]) {
    let _ = writeln!(
        out,
        "{:<8} {:>5} {:>6} {:>6} | {:^22} | {:^22} | {:^22} | {:^22} | {:^22}",
        "range",
        "runs",
        "fails",
        "splits",
        "p50 ours/paper ×",
        "p90 ours/paper ×",
        "p99 ours/paper ×",
        "max ours/paper ×",
        "mean ours/paper ×"
    );
    for row in rows {
        let ours = Summary::of(&row.heard_ms());
        let theirs = paper::curve_for(curves, row.range).and_then(|c| Summary::of(&c.samples_ms));
        let fails = row
            .trials
            .iter()
            .filter(|t| t.time_to_heartbeat.is_none())
            .count();
        let splits = row.trials.iter().map(|t| t.split_votes).sum::<u64>() as f64
            / row.trials.len().max(1) as f64;
        let cell = |f: fn(&Summary) -> f64| match (&ours, &theirs) {
            (Some(o), Some(p)) => format!(
                "{:>8} {:>8} {:>4.2}",
                fmt_ms(f(o)),
                fmt_ms(f(p)),
                f(o) / f(p)
            ),
            (Some(o), None) => format!("{:>8} {:>8} {:>4}", fmt_ms(f(o)), "-", "-"),
            _ => format!("{:>22}", "no goose"),
        };
        let _ = writeln!(
            out,
            "{:<8} {:>5} {:>6} {:>6.2} | {} | {} | {} | {} | {}",
            range_label(row.range),
            row.trials.len(),
            fails,
            splits,
            cell(|s| s.p50),
            cell(|s| s.p90),
            cell(|s| s.p99),
            cell(|s| s.max),
            cell(|s| s.mean),
        );
    }
}

fn fig16(a: &Fig16Args) -> Result<(), String> {
    let trials = a.common.trials.unwrap_or(1000);
    let curves = paper::figure16();
    let mut ranges: Vec<Span> = Vec::new();
    for (lo, hi) in paper::TOP_PANEL.iter().chain(paper::BOTTOM_PANEL.iter()) {
        let r = Span::new(lo * MS, hi * MS);
        if !ranges.contains(&r) {
            ranges.push(r);
        }
    }
    let options_of = |r: Span| figure16_options(r, a.disk, a.jitter, a.latency);
    for &r in &ranges {
        options_of(r).validate()?;
    }
    let count = |r: Span| {
        if r.min == r.max {
            (trials / 10).max(1)
        } else {
            trials
        }
    };
    let total: u64 = ranges.iter().map(|&r| count(r)).sum();
    let bar = progress(total, "fig16");
    let mut rows = Vec::new();
    for (k, &range) in ranges.iter().enumerate() {
        bar.set_message(format!("{} ms", range_label(range)));
        let setup = CrashSetup {
            nodes: 5,
            options: options_of(range),
            limit: DEFAULT_LIMIT,
        };
        let t = run_trials(
            &setup,
            trial_seed(a.common.seed, k as u64),
            count(range),
            &bar,
        );
        rows.push(Row { range, trials: t });
    }
    bar.finish_and_clear();

    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let _ = writeln!(
        out,
        "Raft paper Figure 16 (§9.3; dissertation Fig. 9.8): time from the goose's crash until a majority\n\
         has heard the new goose's first heartbeat, in ms. 5 servers, heartbeat = min timeout / 2,\n\
         crash uniform in the heartbeat interval; latency={} disk={} jitter={}, CheckQuorum and PreVote off;\n\
         every survivor eligible (the paper's logs made two of four ineligible: see README). seed={}\n",
        span_text(a.latency),
        span_text(a.disk),
        crate::options::format_duration(a.jitter),
        a.common.seed
    );
    let in_panel = |panel: &[(u64, u64)]| -> Vec<&Row> {
        panel
            .iter()
            .filter_map(|(lo, hi)| rows.iter().find(|r| r.range == Span::new(lo * MS, hi * MS)))
            .collect()
    };
    for (title, panel) in [
        ("Top panel: varying the randomness", &paper::TOP_PANEL[..]),
        (
            "Bottom panel: scaling the minimum timeout",
            &paper::BOTTOM_PANEL[..],
        ),
    ] {
        let _ = writeln!(out, "{title}");
        let picked: Vec<Row> = in_panel(panel)
            .into_iter()
            .map(|r| Row {
                range: r.range,
                trials: r.trials.clone(),
            })
            .collect();
        comparison_table(&mut out, &picked, &curves);
        let _ = writeln!(out);
    }
    let _ = writeln!(
        out,
        "fails: trials with no goose heard within {}; splits: split votes per trial after the crash;\n\
         × = ours / paper. Percentiles are nearest-rank.\n",
        crate::options::human_duration(DEFAULT_LIMIT)
    );
    eligibility_table(&mut out, &rows, &curves, &options_of, a.common.seed);
    if let Some(path) = &a.csv {
        write_file(path, &csv_of(&rows))?;
    }
    if let Some(path) = &a.svg {
        let panel =
            |title: &str, list: &[(u64, u64)], log_x: bool, x_min: f64, x_max: f64| CdfPanel {
                title: title.to_string(),
                log_x,
                x_min,
                x_max,
                curves: list
                    .iter()
                    .filter_map(|(lo, hi)| {
                        let range = Span::new(lo * MS, hi * MS);
                        let row = rows.iter().find(|r| r.range == range)?;
                        Some(CdfCurve {
                            label: format!("{lo}-{hi} ms"),
                            paper_ms: paper::curve_for(&curves, range)
                                .map(|c| c.samples_ms.clone()),
                            ours_ms: row.heard_ms(),
                        })
                    })
                    .collect(),
            };
        let text = svg::figure(&[
            panel(
                "Figure 16, top: varying the randomness (dashed: the paper; solid: DuckDuckGoose)",
                &paper::TOP_PANEL,
                true,
                50.0,
                1_000_000.0,
            ),
            panel(
                "Figure 16, bottom: scaling the minimum timeout",
                &paper::BOTTOM_PANEL,
                false,
                0.0,
                600.0,
            ),
        ]);
        write_file(path, &text)?;
    }
    Ok(())
}

/// What the paper's two ineligible survivors add, by the no-split model
/// ([`super::no_split_estimate`]), for the ranges where splits are rare.
fn eligibility_table(
    out: &mut dyn Write,
    rows: &[Row],
    curves: &[Curve],
    options_of: &dyn Fn(Span) -> Options,
    seed: u64,
) {
    let _ = writeln!(
        out,
        "Two of four survivors ineligible (the paper's logs; not simulated: no log yet). No-split model,\n\
         ranges with under 0.1 split votes per trial: the first of k eligible timers, two writes, three trips.\n\
         {:<8} | {:^24} | {:^24} | {:^30}",
        "range", "k=4: p50 p90 (sim ×)", "k=2: p50 p90", "k=2 × paper: p50 p90 mean"
    );
    for row in rows {
        let splits = row.trials.iter().map(|t| t.split_votes).sum::<u64>() as f64
            / row.trials.len().max(1) as f64;
        let (Some(ours), Some(theirs)) = (
            Summary::of(&row.heard_ms()),
            paper::curve_for(curves, row.range).and_then(|c| Summary::of(&c.samples_ms)),
        ) else {
            continue;
        };
        if splits >= 0.1 {
            continue;
        }
        let options = options_of(row.range);
        let four = Summary::of(&super::no_split_estimate(&options, 4, 100_000, seed));
        let two = Summary::of(&super::no_split_estimate(&options, 2, 100_000, seed));
        let (Some(four), Some(two)) = (four, two) else {
            continue;
        };
        let _ = writeln!(
            out,
            "{:<8} | {:>6.1} {:>6.1} ({:.2} {:.2}) | {:>11.1} {:>11.1} | {:>9.2} {:>9.2} {:>9.2}",
            range_label(row.range),
            four.p50,
            four.p90,
            ours.p50 / four.p50,
            ours.p90 / four.p90,
            two.p50,
            two.p90,
            two.p50 / theirs.p50,
            two.p90 / theirs.p90,
            two.mean / theirs.mean,
        );
    }
}

fn span_text(s: Span) -> String {
    if s.min == s.max {
        crate::options::format_duration(s.min)
    } else {
        format!(
            "{}..{}",
            crate::options::format_duration(s.min),
            crate::options::format_duration(s.max)
        )
    }
}

/// The rows of the split-vote table: label, n, survivors, latency, and the
/// dissertation's number (in %) if it gives one.
fn split_rows() -> Vec<(String, u32, u32, Span, Option<f64>)> {
    let mut rows: Vec<(String, u32, u32, Span, Option<f64>)> = paper::SPLIT_FIXED
        .iter()
        .map(|&(ms, p)| {
            (
                format!("fixed {ms} ms"),
                5,
                4,
                Span::new(ms * MS, ms * MS),
                Some(p),
            )
        })
        .collect();
    rows.push((
        "10-20 ms".into(),
        5,
        4,
        Span::new(10 * MS, 20 * MS),
        Some(paper::SPLIT_VARIABLE_10_20),
    ));
    rows.push((
        "fixed 20 ms, s=3".into(),
        5,
        3,
        Span::new(20 * MS, 20 * MS),
        Some(50.0),
    ));
    rows
}

fn splitvote(a: &SplitArgs) -> Result<(), String> {
    let trials = a.common.trials.unwrap_or(100_000);
    let rows = split_rows();
    let bar = progress(trials * rows.len() as u64, "splitvote");
    let mut results = Vec::new();
    for (k, (label, n, s, latency, _)) in rows.iter().enumerate() {
        bar.set_message(label.clone());
        let options = Options {
            election: Span::new(150 * MS, 250 * MS),
            heartbeat: 50 * MS,
            latency: *latency,
            check_quorum: false,
            pre_vote: false,
            ..Options::default()
        };
        let seed = trial_seed(a.common.seed, k as u64);
        let (mut splits, mut done) = (0u64, 0u64);
        for i in 0..trials {
            if let Some(split) = split_trial(*n, n - s, &options, trial_seed(seed, i), 60 * SECOND)
            {
                done += 1;
                splits += u64::from(split);
            }
            bar.inc(1);
        }
        results.push((splits, done));
    }
    bar.finish_and_clear();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let _ = writeln!(
        out,
        "Split votes (dissertation §9.2): the chance that the first term after all timers start together\n\
         is split. n=5 servers, s alive, election timeout 150-250 ms (a 100 ms range), no disk, no jitter.\n\
         seed={}, {trials} trials per row.\n",
        a.common.seed
    );
    let _ = writeln!(
        out,
        "{:<18} {:>10} {:>10} {:>18} {:>10}",
        "latency", "formula", "paper", "simulated (±2σ)", "sim-formula"
    );
    for ((label, n, s, latency, paper_p), (splits, done)) in rows.iter().zip(&results) {
        let rate = *splits as f64 / (*done).max(1) as f64;
        let sigma = (rate * (1.0 - rate) / (*done).max(1) as f64).sqrt();
        let formula = (latency.min == latency.max)
            .then(|| split_formula(*n, *s, latency.min as f64 / (100 * MS) as f64) * 100.0);
        let f = formula.map_or("-".to_string(), |p| format!("{p:.3}%"));
        let p = paper_p.map_or("-".to_string(), |p| {
            if *s == 3 || latency.min != latency.max {
                format!("~{p:.0}%")
            } else {
                format!("{p}%")
            }
        });
        let diff = formula.map_or("-".to_string(), |f| format!("{:+.2} pt", rate * 100.0 - f));
        let _ = writeln!(
            out,
            "{:<18} {:>10} {:>10} {:>9.3}% ±{:.2} {:>10}",
            label,
            f,
            p,
            rate * 100.0,
            2.0 * sigma * 100.0,
            diff
        );
    }
    Ok(())
}

fn failover(a: &FailoverArgs) -> Result<(), String> {
    let trials = a.common.trials.unwrap_or(1000);
    let base = Options::default();
    let options = Options {
        election: a.election.unwrap_or(base.election),
        heartbeat: a.heartbeat.unwrap_or(base.heartbeat),
        latency: a.latency.unwrap_or(base.latency),
        loss: a.loss.unwrap_or(base.loss),
        check_quorum: a.checkquorum.unwrap_or(base.check_quorum),
        pre_vote: a.prevote.unwrap_or(base.pre_vote),
        disk: a.disk.unwrap_or(base.disk),
        jitter: a.jitter.unwrap_or(base.jitter),
    };
    options.validate()?;
    let setup = CrashSetup {
        nodes: a.nodes,
        options: options.clone(),
        limit: DEFAULT_LIMIT,
    };
    let bar = progress(trials, "failover");
    let t = run_trials(&setup, a.common.seed, trials, &bar);
    bar.finish_and_clear();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let _ = writeln!(
        out,
        "failover: nodes={} {options} seed={} trials={trials}\n\
         the goose crashes at a uniform instant of its heartbeat interval, right after a heartbeat\n",
        a.nodes, a.common.seed
    );
    let ms = |f: fn(&CrashTrial) -> Option<Micros>| -> Vec<f64> {
        t.iter()
            .filter_map(f)
            .map(|us| us as f64 / MS as f64)
            .collect()
    };
    let _ = writeln!(
        out,
        "{:<38} {:>6} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "time after the crash (ms)", "trials", "mean", "p50", "p90", "p99", "max"
    );
    for (label, v) in [
        ("until the new goose won", ms(|t| t.time_to_elect)),
        (
            "until a majority heard its heartbeat",
            ms(|t| t.time_to_heartbeat),
        ),
    ] {
        match Summary::of(&v) {
            Some(s) => {
                let _ = writeln!(
                    out,
                    "{:<38} {:>6} {:>9} {:>9} {:>9} {:>9} {:>9}",
                    label,
                    s.n,
                    fmt_ms(s.mean),
                    fmt_ms(s.p50),
                    fmt_ms(s.p90),
                    fmt_ms(s.p99),
                    fmt_ms(s.max)
                );
            }
            None => {
                let _ = writeln!(out, "{label:<38} no trial elected a goose");
            }
        }
    }
    let fails = t.iter().filter(|t| t.time_to_heartbeat.is_none()).count();
    let splits: u64 = t.iter().map(|t| t.split_votes).sum();
    let _ = writeln!(
        out,
        "\n{fails} of {trials} trials found no goose within {}; {:.3} split votes per trial.",
        crate::options::human_duration(DEFAULT_LIMIT),
        splits as f64 / trials as f64
    );
    if let Some(path) = &a.csv {
        let rows = [Row {
            range: options.election,
            trials: t,
        }];
        write_file(path, &csv_of(&rows))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fig16_flag_defaults_are_the_papers_setup() {
        use clap::Parser;
        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            a: Fig16Args,
        }
        let a = Cli::parse_from(["ddg"]).a;
        let election = Span::new(150 * MS, 155 * MS);
        assert_eq!(
            figure16_options(election, a.disk, a.jitter, a.latency),
            super::super::paper_setup(election)
        );
    }

    #[test]
    fn times_print_in_ms_or_seconds() {
        assert_eq!(fmt_ms(287.34), "287.3");
        assert_eq!(fmt_ms(1536.0), "1.54s");
        assert_eq!(fmt_ms(40_660.0), "40.7s");
    }

    #[test]
    fn the_csv_has_a_row_per_trial_and_leaves_missing_times_empty() {
        let trial = CrashTrial {
            seed: 9,
            crash_offset: 12,
            time_to_elect: Some(100),
            time_to_heartbeat: None,
            elections: 2,
            split_votes: 1,
        };
        let csv = csv_of(&[Row {
            range: Span::new(150 * MS, 155 * MS),
            trials: vec![trial.clone(), trial],
        }]);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[1], "150-155,0,9,12,100,,2,1");
    }
}
