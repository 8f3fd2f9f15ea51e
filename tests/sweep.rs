//! The seed sweep: random faults (kills, revivals, partitions, isolation,
//! forced timeouts, message loss) and client requests on many seeds, with the
//! invariant checker watching every event (the log's invariants included),
//! then a healed network with a live majority that must elect a goose within
//! [`chaos::liveness_bound`] and then commit a request within it again.
//!
//! Every seed runs under three option sets (CheckQuorum on, the default;
//! PreVote on as well; CheckQuorum off); clusters of 5 nodes take seeds
//! 1 to N and clusters of 7 the next N, so CI covers 10,000 distinct seeds. Each
//! (size, options) pair is its own test, so that they run in parallel.
//!
//! A failure prints the seed, what broke and the run as a scenario: save it as
//! `seed.ddg` and replay it with `cargo run --release --bin ddg -- run seed.ddg`
//! (add `--trace` to see every message). Set `DDG_SWEEP_SEEDS=N` to sweep
//! more (or fewer, for a quick look) seeds than the default: 5,000 per pair
//! with `--release`, 1,000 in an unoptimized build.
//!
//! Run with `--nocapture` to see the distribution of liveness times.
#![cfg(not(target_arch = "wasm32"))]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use duckduckgoose::chaos::{self, Chaos, Report};
use duckduckgoose::options::{human_duration, Micros, Options, SECOND};
use duckduckgoose::run_script;

/// Seeds per (size, options) pair in an optimized build (`cargo test
/// --release`: 30,000 runs, 77 million events, 5 to 12 s for the whole sweep
/// on two cores), unless `DDG_SWEEP_SEEDS` says otherwise.
const SEEDS: u64 = 5_000;

/// Seeds per pair in an unoptimized build, which is about ten times slower.
const SEEDS_DEBUG: u64 = 1_000;

/// The length of the fault phase of each run, as `ddg sweep` uses.
const FAULTS: Micros = 20 * SECOND;

fn seeds() -> u64 {
    match std::env::var("DDG_SWEEP_SEEDS") {
        Ok(v) => match v.parse() {
            Ok(n) if n > 0 => n,
            _ => panic!("DDG_SWEEP_SEEDS={v:?}: give a number of seeds, at least 1"),
        },
        Err(_) if cfg!(debug_assertions) => SEEDS_DEBUG,
        Err(_) => SEEDS,
    }
}

fn check_quorum_on() -> Options {
    Options::default()
}

fn pre_vote_on() -> Options {
    Options {
        pre_vote: true,
        ..Options::default()
    }
}

fn check_quorum_off() -> Options {
    Options {
        check_quorum: false,
        ..Options::default()
    }
}

/// The replay script of a failed run, ending with lines that make `ddg run`
/// show the violations and fail on them.
fn replay(report: &Report) -> String {
    format!("{}stats\nexpect violations = 0\n", report.script)
}

/// What went wrong in one run, if anything.
fn failure(report: &Report, bound: Micros) -> Option<String> {
    let mut problems = Vec::new();
    if let Some(first) = report.violations.first() {
        problems.push(format!(
            "{} invariant violation(s); the first: {first}",
            report.violations.len()
        ));
    }
    if let Err(waited) = report.liveness {
        problems.push(format!(
            "liveness: no goose within {} (the bound is {}) after the network healed \
             with a live majority",
            human_duration(waited),
            human_duration(bound)
        ));
    }
    if problems.is_empty() {
        return None;
    }
    Some(format!(
        "seed {} FAILED: {}\n--- replay with `ddg run` (save as seed{}.ddg):\n{}--- end of replay",
        report.seed,
        problems.join("; "),
        report.seed,
        replay(report)
    ))
}

/// What a sweep found.
struct Outcome {
    failures: Vec<String>,
    times: Vec<Micros>,
    events: u64,
}

/// One chaos run takes about a millisecond; a seed still running after this
/// long is stuck (a simulation whose clock no longer advances, for example).
const STUCK: Duration = Duration::from_secs(60);

/// Runs `work` on a thread of its own, which records the seed it is on in
/// the counter it is given, and fails the test, naming the seed, if a seed
/// takes longer than [`STUCK`]: a hung simulation fails instead of hanging.
fn watched<T: Send + 'static>(
    label: &str,
    work: impl FnOnce(Arc<AtomicU64>) -> T + Send + 'static,
) -> T {
    let current = Arc::new(AtomicU64::new(0));
    let (done, result) = mpsc::channel();
    let counter = Arc::clone(&current);
    std::thread::spawn(move || {
        let _ = done.send(work(counter));
    });
    let (mut seed, mut since) = (0, Instant::now());
    loop {
        match result.recv_timeout(Duration::from_millis(500)) {
            Ok(result) => return result,
            Err(RecvTimeoutError::Disconnected) => panic!("{label}: the sweep panicked"),
            Err(RecvTimeoutError::Timeout) => {}
        }
        let now = current.load(Ordering::Relaxed);
        if now != seed {
            (seed, since) = (now, Instant::now());
        } else if since.elapsed() > STUCK {
            panic!(
                "{label}: seed {seed} has been running for {STUCK:?}: the simulation is stuck \
                 (`ddg sweep --first {seed} --seeds 1` with the size above replays it)"
            );
        }
    }
}

/// Runs the sweep for one cluster size and option set; fails with every
/// failing seed (the first few in full).
fn sweep(nodes: u32, options: Options) {
    let label = format!("nodes={nodes} {options}");
    let chaos = Chaos {
        nodes,
        options: options.clone(),
        faults: FAULTS,
    };
    let bound = chaos::liveness_bound(&options, nodes);
    let n = seeds();
    let Outcome {
        failures,
        mut times,
        events,
    } = watched(&label, move |current| {
        let mut outcome = Outcome {
            failures: Vec::new(),
            times: Vec::new(),
            events: 0,
        };
        // Each size sweeps its own seeds (5 nodes 1..=n, 7 nodes n+1..=2n),
        // so CI covers 2n distinct seeds, each under all three option sets.
        let first = if nodes == 7 { n + 1 } else { 1 };
        for seed in first..first + n {
            current.store(seed, Ordering::Relaxed);
            let report = chaos::run(seed, &chaos);
            outcome.events += report.events;
            if let Ok(t) = report.liveness {
                outcome.times.push(t);
            }
            if let Some(f) = failure(&report, bound) {
                outcome.failures.push(f);
            }
        }
        outcome
    });
    assert!(
        failures.is_empty(),
        "{label}: {} of {n} seeds failed. The first {}:\n\n{}",
        failures.len(),
        failures.len().min(3),
        failures[..failures.len().min(3)].join("\n\n")
    );

    // The sweep must have exercised something: the fault phase kills and
    // partitions, so in many runs the liveness phase starts with no goose
    // and has to hold an election.
    let elections = times.iter().filter(|&&t| t > 0).count();
    assert!(
        elections as u64 >= n / 10,
        "{label}: only {elections} of {n} runs needed an election after healing"
    );
    assert!(
        events > n * 500,
        "{label}: only {events} events in {n} runs"
    );

    times.sort_unstable();
    let pct = |p: usize| times[(times.len() - 1) * p / 100];
    let max = *times.last().expect("at least one run");
    println!(
        "{label}: {n} seeds, {elections} elections after healing; time to a goose: \
         median {}, p99 {}, max {} (bound {}, max/bound {:.0}%); {events} events",
        human_duration(pct(50)),
        human_duration(pct(99)),
        human_duration(max),
        human_duration(bound),
        100.0 * max as f64 / bound as f64
    );
}

#[test]
fn sweep_5_nodes_check_quorum() {
    sweep(5, check_quorum_on());
}

#[test]
fn sweep_5_nodes_pre_vote() {
    sweep(5, pre_vote_on());
}

#[test]
fn sweep_5_nodes_no_check_quorum() {
    sweep(5, check_quorum_off());
}

#[test]
fn sweep_7_nodes_check_quorum() {
    sweep(7, check_quorum_on());
}

#[test]
fn sweep_7_nodes_pre_vote() {
    sweep(7, pre_vote_on());
}

#[test]
fn sweep_7_nodes_no_check_quorum() {
    sweep(7, check_quorum_off());
}

/// A failing seed is only useful if its script replays the run: check, for a
/// few seeds of each option set, that `ddg run` on the replay script goes
/// through the same number of events and finds the same violations.
#[test]
fn the_replay_script_reproduces_the_run() {
    watched("replay", |current| replay_reproduces_the_run(&current));
}

fn replay_reproduces_the_run(current: &AtomicU64) {
    for options in [check_quorum_on(), pre_vote_on(), check_quorum_off()] {
        for seed in 1..=5 {
            current.store(seed, Ordering::Relaxed);
            let report = chaos::run(
                seed,
                &Chaos {
                    nodes: 5,
                    options: options.clone(),
                    faults: FAULTS,
                },
            );
            let (mut out, mut err) = (Vec::new(), Vec::new());
            let code = run_script(&replay(&report), 0, false, &mut out, &mut err);
            let out = String::from_utf8(out).expect("UTF-8");
            let err = String::from_utf8(err).expect("UTF-8");
            assert_eq!(code, 0, "seed {seed} {options}: {err}");
            assert!(
                !err.contains("error"),
                "seed {seed} {options}: the script has bad lines: {err}"
            );
            let stats: serde_json::Value =
                serde_json::from_str(out.trim()).expect("one stats line");
            assert_eq!(stats["seed"], seed);
            assert_eq!(
                stats["events"], report.events,
                "seed {seed} {options}: the replay took another path"
            );
            assert_eq!(
                stats["violation_count"],
                report.violations.len() as u64,
                "seed {seed} {options}"
            );
        }
    }
}

/// The failure message carries what a person needs to replay the seed.
#[test]
fn a_failure_message_names_the_seed_and_carries_the_script() {
    let mut report = watched("message", |current| {
        current.store(3, Ordering::Relaxed);
        chaos::run(
            3,
            &Chaos {
                nodes: 5,
                options: Options::default(),
                faults: SECOND,
            },
        )
    });
    let bound = chaos::liveness_bound(&Options::default(), 5);
    assert_eq!(failure(&report, bound), None);
    report.liveness = Err(bound);
    let message = failure(&report, bound).expect("a failure");
    assert!(message.starts_with("seed 3 FAILED: liveness: no goose within"));
    assert!(message.contains("cluster nodes=5 seed=3 election=150ms..300ms"));
    assert!(message.contains(&report.script));
    assert!(message.contains("expect violations = 0"));
}

/// The liveness bound is derived (see [`chaos::liveness_bound`]): with one
/// node only collisions fail a round (8 failed rounds, as before the log),
/// and the more voters a winner needs, the more rounds the bound allows.
#[test]
fn the_liveness_bound_follows_from_the_majority() {
    assert_eq!(chaos::liveness_rounds(1), 8);
    assert_eq!(chaos::liveness_rounds(5), 57);
    assert_eq!(chaos::liveness_rounds(7), 79);
    // 6 and 7 nodes need the same majority, 4; 8 nodes need 5.
    assert_eq!(chaos::liveness_rounds(6), chaos::liveness_rounds(7));
    assert!(chaos::liveness_rounds(8) > chaos::liveness_rounds(7));
    let opts = Options::default();
    let round = opts.election.max + 4 * opts.latency.max;
    assert_eq!(
        chaos::liveness_bound(&opts, 5) - chaos::liveness_bound(&opts, 3),
        (57 - 34) * round
    );
}

/// The sweep changes membership among its faults (dissertation §4.1), and
/// the changes take effect: over a few seeds, the goose at the end of some
/// runs counts a node the run did not start with, and in some a node it
/// started with is gone. (Refused changes are part of the test too, but a
/// sweep where every change was refused would test nothing.)
#[test]
fn membership_changes_are_among_the_faults_and_take_effect() {
    let (mut grown, mut shrunk) = (0, 0);
    for seed in 1..=40 {
        let chaos = Chaos {
            nodes: 5,
            options: check_quorum_on(),
            faults: FAULTS,
        };
        let report = chaos::run(seed, &chaos);
        let (code, session) = duckduckgoose::script::run_script_keeping(
            &report.script,
            0,
            false,
            &mut Vec::new(),
            &mut Vec::new(),
        );
        assert_eq!(code, 0, "seed {seed}: the replay failed");
        let sim = session.expect("the replay ran").sim().clone();
        let goose = sim.goose().expect("the liveness phase ends with a goose");
        let members = sim.nodes()[goose as usize].members();
        grown += u32::from(members.iter().any(|m| m >= 5));
        shrunk += u32::from((0..5).any(|m| !members.contains(m)));
    }
    eprintln!("of 40 seeds, {grown} grew and {shrunk} shrank");
    assert!(
        grown >= 4 && shrunk >= 4,
        "of 40 seeds, {grown} ended with a node added and {shrunk} with one removed"
    );
}
