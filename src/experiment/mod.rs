//! Experiments: many short runs of the simulator, and their statistics.
//!
//! One run answers "what happened this time"; the Raft paper's claims are
//! about distributions. This module repeats a trial on many seeds and
//! summarises the results, to put the simulator beside the paper:
//!
//! - **Failover** ([`crash_trial`]): the Raft paper's Figure 16 (§9.3;
//!   dissertation §9.4, Figure 9.8). A cluster elects a goose and settles;
//!   the goose sends a heartbeat (so every follower's timer starts at about
//!   the same moment: "heartbeats synchronized just before the crash") and is
//!   crashed at a uniformly random instant of its heartbeat interval. The
//!   trial measures the time from the crash until a **majority of the cluster,
//!   the new goose included, has received the new goose's first heartbeat**
//!   ([`crate::sim::stats::Stats::time_to_heartbeat`]): the paper's "until the
//!   other servers received the new leader's first heartbeat", read as the
//!   moment the cluster can work again. The time until the new goose counts
//!   its votes (`time_to_elect`) is kept beside it.
//! - **Split votes** ([`split_trial`]): dissertation §9.2. Every timer starts
//!   at once (a fresh cluster), one server is dead from the start, and the
//!   trial asks whether the first term was won. [`split_formula`] is the
//!   dissertation's closed form for fixed latency.
//!
//! Every trial is a fresh [`Simulation`] with a seed derived from the
//! experiment's seed and the trial's number ([`trial_seed`]), so an experiment
//! replays exactly and any one trial can be rerun alone. Nothing here reads a
//! clock; the command line adds progress bars and files around it.

#[cfg(not(target_arch = "wasm32"))]
pub mod cli;
pub mod paper;
pub mod svg;

use crate::message::NodeId;
use crate::options::{Micros, Options, Span, MS, SECOND};
use crate::rng::SimRng;
use crate::sim::{Action, Cluster, Simulation};

/// The seed of trial `index` of an experiment seeded with `seed`: a
/// SplitMix64 step, so that neighbouring trials get unrelated generators.
pub fn trial_seed(seed: u64, index: u64) -> u64 {
    let mut z = seed ^ index.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// What a failover trial runs: the cluster and how long to wait for each
/// phase before giving up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrashSetup {
    /// Cluster size.
    pub nodes: u32,
    /// Every option of the run.
    pub options: Options,
    /// The longest wait for a goose, before the crash and after it.
    pub limit: Micros,
}

/// The options of the Raft paper's Figure 16 for one timeout range: the
/// heartbeat is half the minimum timeout (§9.3), CheckQuorum and PreVote are
/// off (LogCabin had neither then), the LAN is 0.1 ms one way, and `disk` and
/// `jitter` model the rest of its ~15 ms broadcast time and the operating
/// system's timer noise.
pub fn figure16_options(election: Span, disk: Span, jitter: Micros, latency: Span) -> Options {
    Options {
        election,
        heartbeat: (election.min / 2).max(MS),
        latency,
        loss: 0,
        check_quorum: false,
        pre_vote: false,
        disk,
        jitter,
    }
}

/// The model of the paper's cluster that `ddg experiment fig16` uses by
/// default and the page's "Paper's setup" button sets (README, "Figure 16"):
/// a 0.1 ms LAN, 3–6 ms per write of term and vote, and timers that fire up
/// to 0.5 ms late. The command's flag defaults say the same; a test checks.
pub fn paper_setup(election: Span) -> Options {
    figure16_options(
        election,
        Span::new(3 * MS, 6 * MS),
        500,
        Span::new(100, 100),
    )
}

/// The outcome of one failover trial.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrashTrial {
    /// The trial's seed: `Cluster { seed, .. }` replays it.
    pub seed: u64,
    /// When, after its last heartbeat left, the goose was crashed.
    pub crash_offset: Micros,
    /// From the crash until the new goose won (counted its votes).
    pub time_to_elect: Option<Micros>,
    /// From the crash until a majority had heard the new goose's heartbeat.
    pub time_to_heartbeat: Option<Micros>,
    /// Candidacies after the crash (one per node per term it campaigned in).
    pub elections: u64,
    /// Terms after the crash in which two or more candidates campaigned and
    /// nobody won.
    pub split_votes: u64,
}

impl CrashTrial {
    /// The trial's measure, in milliseconds, if a goose was heard in time.
    pub fn heartbeat_ms(&self) -> Option<f64> {
        self.time_to_heartbeat.map(|us| us as f64 / MS as f64)
    }
}

/// Runs one failover trial (see the module doc). A trial whose cluster finds
/// no goose before the crash, or none after it within `setup.limit`, reports
/// `None` times.
pub fn crash_trial(setup: &CrashSetup, seed: u64) -> CrashTrial {
    let mut trial = CrashTrial {
        seed,
        crash_offset: 0,
        time_to_elect: None,
        time_to_heartbeat: None,
        elections: 0,
        split_votes: 0,
    };
    let mut sim = Simulation::new(Cluster {
        nodes: setup.nodes,
        seed,
        options: setup.options.clone(),
    });
    let heartbeat = setup.options.heartbeat;
    let Some(goose) = settled_goose(&mut sim, setup.limit, heartbeat) else {
        return trial;
    };
    // Wait for the goose's next heartbeat to leave: every follower starts its
    // timer when that heartbeat lands.
    let last = sim.nodes()[goose as usize].heartbeat_times().0;
    let wait_until = sim.now() + 2 * heartbeat + setup.options.jitter + 1;
    sim.run_until_checking(wait_until, |s| {
        s.nodes()[goose as usize].heartbeat_times().0 == last
    });
    if sim.goose() != Some(goose) {
        return trial;
    }
    // The crash instant comes from a generator of its own, so that it does
    // not shift the simulation's draws.
    let mut crash_rng = SimRng::new(trial_seed(seed, u64::MAX));
    trial.crash_offset = crash_rng.range_inclusive(0, heartbeat - 1);
    let crash_at = sim.now() + trial.crash_offset;
    sim.run_until(crash_at);
    if sim.goose() != Some(goose) {
        return trial;
    }
    // The goose exists, so the kill cannot fail; no `expect` here: its
    // message formatting would weigh on the page's wasm, which runs trials.
    if sim
        .apply(&Action::Kill {
            node: goose,
            amnesia: false,
        })
        .is_err()
    {
        return trial;
    }
    let before = sim.stats().clone();
    let heard = before.time_to_heartbeat.len();
    let give_up = sim.now() + setup.limit;
    sim.run_until_checking(give_up, |s| s.stats().time_to_heartbeat.len() == heard);
    let after = sim.stats();
    trial.time_to_elect = after.time_to_elect.get(before.time_to_elect.len()).copied();
    trial.time_to_heartbeat = after.time_to_heartbeat.get(heard).copied();
    trial.elections = after.elections_started - before.elections_started;
    trial.split_votes = after.split_votes.saturating_sub(before.split_votes);
    trial
}

/// Runs until there is one goose and it has sent a few heartbeats, so that
/// every follower has heard it.
fn settled_goose(sim: &mut Simulation, limit: Micros, heartbeat: Micros) -> Option<NodeId> {
    let give_up = sim.now() + limit;
    sim.run_until_checking(give_up, |s| s.goose().is_none());
    sim.goose()?;
    sim.run_for(3 * heartbeat);
    sim.goose()
}

/// The outcome of one split-vote trial: whether the first term was split.
/// `None` if the trial found no goose at all within `limit`.
pub fn split_trial(
    nodes: u32,
    dead: u32,
    options: &Options,
    seed: u64,
    limit: Micros,
) -> Option<bool> {
    let mut sim = Simulation::new(Cluster {
        nodes,
        seed,
        options: options.clone(),
    });
    for node in nodes - dead..nodes {
        sim.apply(&Action::Kill {
            node,
            amnesia: false,
        })
        .expect("the node exists");
    }
    sim.run_until_checking(limit, |s| s.goose().is_none());
    let goose = sim.goose()?;
    Some(sim.nodes()[goose as usize].term() != 1)
}

/// The dissertation's probability (§9.2) that a term splits when `s` of `n`
/// servers are alive, every timer starts at once, timeouts are uniform over a
/// range and every message takes a fixed `l`, as a fraction of that range:
/// `Pr(D_{c,s} <= l)` with `c = s - floor(n/2) + 1` servers timing out
/// within `l` of the first.
pub fn split_formula(n: u32, s: u32, l: f64) -> f64 {
    let c = (s + 1).saturating_sub(n / 2);
    if c <= 1 || l >= 1.0 {
        // Too few servers alive for a majority, or messages slower than the
        // whole range: no first term is ever won.
        return 1.0;
    }
    if c > s {
        return 0.0;
    }
    let binom = |n: u32, k: u32| -> f64 {
        (0..k).fold(1.0, |acc, i| acc * f64::from(n - i) / f64::from(i + 1))
    };
    let mut p = l.powi(s as i32);
    for k in c..=s {
        p += binom(s - 1, k - 1) * f64::from(s) / f64::from(s - k + 1)
            * l.powi(k as i32 - 1)
            * (1.0 - l).powi((s - k + 1) as i32);
    }
    p
}

/// The time to a new goose in a model with no split votes: the crash comes
/// a uniform part of the heartbeat interval after the last heartbeat, the
/// first of `eligible` survivors' timers fires (plus jitter), and the
/// election takes two disk writes (candidate and voter) and three one-way
/// trips (request, grant, heartbeat). With every survivor eligible it is what
/// the simulator gives for wide ranges, where splits are rare; with two of
/// four it estimates the effect of the paper's differing logs (§9.3: "two of
/// the four servers were not eligible to become leader"), which the simulator
/// does not model because it has no log. Returns one time per trial, in ms.
pub fn no_split_estimate(options: &Options, eligible: u32, trials: u64, seed: u64) -> Vec<f64> {
    let mut rng = SimRng::new(seed);
    let o = options;
    (0..trials)
        .map(|_| {
            let offset = rng.range_inclusive(0, o.heartbeat - 1);
            let first = (0..eligible.max(1))
                .map(|_| {
                    rng.range_inclusive(o.election.min, o.election.max)
                        + rng.range_inclusive(0, o.jitter)
                })
                .min()
                .unwrap_or(0);
            let writes = rng.range_inclusive(o.disk.min, o.disk.max)
                + rng.range_inclusive(o.disk.min, o.disk.max);
            let trips = (0..3)
                .map(|_| rng.range_inclusive(o.latency.min, o.latency.max))
                .sum::<u64>();
            (o.latency.min + first + writes + trips).saturating_sub(offset) as f64 / MS as f64
        })
        .collect()
}

/// Order statistics of a sample: what the tables print.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    /// How many values.
    pub n: usize,
    /// The mean.
    pub mean: f64,
    /// The median (nearest rank).
    pub p50: f64,
    /// The 90th percentile (nearest rank).
    pub p90: f64,
    /// The 99th percentile (nearest rank).
    pub p99: f64,
    /// The largest value.
    pub max: f64,
}

impl Summary {
    /// The summary of `values` (any order), or `None` if there are none.
    pub fn of(values: &[f64]) -> Option<Summary> {
        if values.is_empty() {
            return None;
        }
        let mut v = values.to_vec();
        crate::compact::sort_by(&mut v, f64::total_cmp);
        let rank = |p: f64| v[((p * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1];
        Some(Summary {
            n: v.len(),
            mean: v.iter().sum::<f64>() / v.len() as f64,
            p50: rank(0.5),
            p90: rank(0.9),
            p99: rank(0.99),
            max: v[v.len() - 1],
        })
    }
}

/// A timeout range for tables and files: `150-155`.
pub fn range_label(span: Span) -> String {
    format!("{}-{}", trim_ms(span.min), trim_ms(span.max))
}

fn trim_ms(us: Micros) -> String {
    if us % MS == 0 {
        (us / MS).to_string()
    } else {
        format!("{}", us as f64 / MS as f64)
    }
}

/// The longest a failover trial waits for a goose: long enough for the
/// paper's slowest 150–150 ms trial (528 s) several times over.
pub const DEFAULT_LIMIT: Micros = 3600 * SECOND;

#[cfg(test)]
mod tests;
