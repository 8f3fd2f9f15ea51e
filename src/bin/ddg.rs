//! `ddg`: the DuckDuckGoose command line.
//!
//! - `ddg run [--trace] [--elections CSV] FILE` runs a scenario (`-` reads
//!   standard input); exit code 0, 1 for a failed `expect`, 2 for bad input.
//! - `ddg bench [--quick]` prints simulated events per second for clusters
//!   of 5, 25 and 101 nodes, and for 5 nodes with a steady stream of client
//!   requests.
//! - `ddg sweep [--seeds N] [--nodes N] [--first S]` runs the chaos seed
//!   sweep and prints any seed that breaks an invariant or liveness, with its
//!   replay script.
//! - `ddg node --id n1 --peers A,B,C --data-dir D` runs one real node;
//!   `ddg cluster up|run|kill|…` runs and acts on a cluster of them
//!   (see [`duckduckgoose::net`]).
//! - `ddg experiment fig16|splitvote|failover` repeats crash or split-vote
//!   trials and prints their statistics beside the Raft paper's
//!   (see [`duckduckgoose::experiment`]).
//!
//! Arguments are parsed by clap: every subcommand has `--help`, and an
//! unknown flag or a malformed number is an error (exit code 2), never
//! silently ignored.

// Native only: `wasm-pack test` builds every binary for wasm32 too, and clap
// never reaches wasm32; there this binary is an empty crate.
#![cfg_attr(target_arch = "wasm32", no_main)]
#![cfg(not(target_arch = "wasm32"))]

use std::io::{self, Read, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use clap::{Parser, Subcommand};
use duckduckgoose::chaos::{self, Chaos};
use duckduckgoose::options::{Options, MS, SECOND};
use duckduckgoose::random_seed;
use duckduckgoose::script::{run_script_limited, MAX_RUN_EVENTS};
use duckduckgoose::sim::{Action, Cluster, Outcome, Simulation};

/// DuckDuckGoose: Raft leader election you can watch, break and replay.
///
/// Exit codes: 0 ok, 1 an `expect` (or a sweep seed) failed, 2 bad input.
#[derive(Parser)]
#[command(name = "ddg", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The subcommands.
// Parsed once per process: the size of the largest variant (`node`'s flags)
// costs nothing worth a box.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Run a scenario file (`-` for standard input).
    Run(RunArgs),
    /// Print simulated events per second for 5, 25 and 101 nodes.
    Bench(BenchArgs),
    /// Random faults on many seeds; report any that break an invariant or liveness.
    Sweep(SweepArgs),
    /// Run one real node: UDP to its peers, an HTTP API, a data directory.
    Node(duckduckgoose::net::cli::NodeArgs),
    /// Ask a running cluster to add or remove a node (through any node's
    /// HTTP API; for scripts and Kubernetes hooks).
    Member(duckduckgoose::net::member::MemberArgs),
    /// Run a cluster of real nodes on this machine, act on it, or run a
    /// scenario against it.
    Cluster(duckduckgoose::net::cluster::ClusterArgs),
    /// Repeated trials beside the Raft paper: fig16, splitvote, failover.
    Experiment(duckduckgoose::experiment::cli::ExperimentArgs),
}

/// `ddg run`.
#[derive(clap::Args)]
struct RunArgs {
    /// Print every send, delivery, loss, timeout and role change.
    #[arg(long)]
    trace: bool,
    /// Write one CSV row per decided election (term, candidates, votes,
    /// split, how the previous goose was lost, time to win, time to the
    /// first heartbeat) to this file when the run ends.
    #[arg(long, value_name = "FILE")]
    elections: Option<String>,
    /// The scenario file, or `-` for standard input.
    file: String,
    /// The largest input accepted, in bytes (the page's limit is 1 MiB).
    #[arg(long, default_value_t = 1 << 20, value_parser = at_least_one)]
    max_input_bytes: u64,
    /// The most events one `run` line may process before it stops with an
    /// error (about ten seconds of work by default).
    #[arg(long, default_value_t = MAX_RUN_EVENTS, value_parser = at_least_one)]
    max_events: u64,
}

/// `ddg bench`.
#[derive(clap::Args)]
struct BenchArgs {
    /// A short run (0.3 s per row instead of 3 s).
    #[arg(long)]
    quick: bool,
}

/// `ddg sweep`.
#[derive(clap::Args)]
struct SweepArgs {
    /// How many seeds to run (each with three option sets): 1000 by
    /// default; with `--minutes`, the most to run (no limit by default).
    #[arg(long, value_parser = at_least_one)]
    seeds: Option<u64>,
    /// Cluster size, 1 to 101.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=101))]
    nodes: u32,
    /// The first seed.
    #[arg(long, default_value_t = 1)]
    first: u64,
    /// Run seeds until this many minutes of wall-clock time have passed
    /// (on every core), up to `--seeds` (which then defaults to no limit).
    #[arg(long, value_parser = at_least_one)]
    minutes: Option<u64>,
}

/// A count that must be at least 1: a sweep of no seeds would pass vacuously.
fn at_least_one(text: &str) -> Result<u64, String> {
    match text.parse::<u64>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(_) => Err("not a whole number".into()),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Run(args) => cmd_run(args),
        Command::Bench(args) => cmd_bench(args),
        Command::Sweep(args) => cmd_sweep(args),
        Command::Node(args) => return duckduckgoose::net::cli::run(&args),
        Command::Cluster(args) => return duckduckgoose::net::cluster::run(args),
        Command::Member(args) => return duckduckgoose::net::member::run(&args),
        Command::Experiment(args) => duckduckgoose::experiment::cli::run(args),
    };
    ExitCode::from(code as u8)
}

fn cmd_run(args: RunArgs) -> i32 {
    let file = args.file;
    let cap = args.max_input_bytes;
    // Read at most one byte past the cap, so that `/dev/zero` or a huge file
    // is refused without being loaded.
    let mut bytes = Vec::new();
    let read = if file == "-" {
        io::stdin().lock().take(cap + 1).read_to_end(&mut bytes)
    } else {
        std::fs::File::open(&file).and_then(|f| f.take(cap + 1).read_to_end(&mut bytes))
    };
    if let Err(e) = read {
        eprintln!("error: cannot read {file}: {e}");
        return 2;
    }
    if bytes.len() as u64 > cap {
        eprintln!(
            "error: {file} is larger than {cap} bytes; pass --max-input-bytes to raise the limit"
        );
        return 2;
    }
    let Ok(text) = String::from_utf8(bytes) else {
        eprintln!("error: {file} is not UTF-8 text");
        return 2;
    };
    let stdout = io::stdout();
    let stderr = io::stderr();
    let mut out = io::BufWriter::new(stdout.lock());
    let (code, session) = run_script_limited(
        &text,
        random_seed(),
        args.trace,
        args.max_events,
        &mut out,
        &mut stderr.lock(),
    );
    if let Err(e) = out.flush() {
        // run_script has already said so if its own final flush failed.
        if code != 2 {
            eprintln!("error: cannot write the output: {e}");
        }
        return 2;
    }
    if let (Some(path), Some(session)) = (&args.elections, &session) {
        let csv = duckduckgoose::script::elections_csv(session.sim());
        if let Err(e) = std::fs::write(path, csv) {
            eprintln!("error: cannot write {path}: {e}");
            return 2;
        }
    }
    code
}

/// Runs `sim` for at least `budget` seconds of wall-clock time, killing the
/// goose every 1.5 s of simulated time and reviving it 0.5 s later, so that
/// the run mixes steady heartbeats with elections. Returns the wall-clock
/// seconds it took.
fn churn(sim: &mut Simulation, budget: f64) -> f64 {
    let start = Instant::now();
    let mut victim = None;
    while start.elapsed().as_secs_f64() < budget {
        sim.run_for(500 * MS);
        if let Some(v) = victim.take() {
            let _ = sim.apply(&Action::Revive(v));
        }
        sim.run_for(1000 * MS);
        if let Some(g) = sim.goose() {
            let _ = sim.apply(&Action::Kill {
                node: g,
                amnesia: false,
            });
            victim = Some(g);
        }
    }
    start.elapsed().as_secs_f64()
}

/// The request stream's row: 5 nodes, the same churn, and a client request
/// every 10 ms of simulated time (refused while there is no goose). A log
/// holds at most `LOG_CAP` entries, so when the goose's log nears the cap the
/// row goes on with a fresh cluster (the next seed): every request appended
/// is real work, none is refused for a full log. Returns (events, requests
/// appended, wall seconds, the first violation if any).
fn request_stream(budget: f64) -> (u64, u64, f64, Option<String>) {
    use duckduckgoose::log::LOG_CAP;
    let start = Instant::now();
    let (mut events, mut appended, mut seed) = (0, 0, 1);
    while start.elapsed().as_secs_f64() < budget {
        let mut sim = Simulation::new(Cluster {
            nodes: 5,
            seed,
            options: Options::default(),
        });
        seed += 1;
        let mut victim = None;
        let full = |sim: &Simulation| {
            sim.nodes()
                .iter()
                .any(|n| n.log().last_index() as usize + 200 >= LOG_CAP)
        };
        while !full(&sim) && start.elapsed().as_secs_f64() < budget {
            for _ in 0..150 {
                sim.run_for(10 * MS);
                if let Ok(Outcome::Done) = sim.apply(&Action::Request(1)) {
                    appended += 1;
                }
            }
            if let Some(v) = victim.take() {
                let _ = sim.apply(&Action::Revive(v));
            }
            if let Some(g) = sim.goose() {
                let _ = sim.apply(&Action::Kill {
                    node: g,
                    amnesia: false,
                });
                victim = Some(g);
            }
        }
        events += sim.stats().events;
        if let Some(v) = sim.violations().first() {
            return (
                events,
                appended,
                start.elapsed().as_secs_f64(),
                Some(v.to_string()),
            );
        }
    }
    (events, appended, start.elapsed().as_secs_f64(), None)
}

fn cmd_bench(args: BenchArgs) -> i32 {
    let budget = if args.quick { 0.3 } else { 3.0 };
    println!("ddg bench: default settings, the goose killed every 1.5s of simulated time");
    println!("(one core; compare rows of the same run: this machine is noisy)");
    println!(
        "{:>6} {:>12} {:>12} {:>14} {:>10} {:>8}",
        "nodes", "sim time", "events", "events/s", "elections", "wall s"
    );
    for nodes in [5u32, 25, 101] {
        let mut sim = Simulation::new(Cluster {
            nodes,
            seed: 1,
            options: Options::default(),
        });
        let wall = churn(&mut sim, budget);
        let s = sim.stats();
        println!(
            "{:>6} {:>11}s {:>12} {:>14.0} {:>10} {:>8.2}",
            nodes,
            sim.now() / SECOND,
            s.events,
            s.events as f64 / wall,
            s.elections_won,
            wall
        );
        if sim.violation_count() > 0 {
            eprintln!(
                "error: the benchmark run broke an invariant: {}",
                sim.violations()[0]
            );
            return 1;
        }
    }
    let (events, appended, wall, violation) = request_stream(budget);
    println!(
        "with a client request every 10ms (5 nodes): {events} events, {appended} requests \
         appended, {:.0} events/s, {wall:.2} wall s",
        events as f64 / wall
    );
    if let Some(v) = violation {
        eprintln!("error: the benchmark run broke an invariant: {v}");
        return 1;
    }
    0
}

fn cmd_sweep(args: SweepArgs) -> i32 {
    let SweepArgs {
        seeds,
        nodes,
        first,
        minutes,
    } = args;
    let seeds = match (seeds, minutes) {
        (Some(n), _) => n,
        // A time budget and no count: every seed from `first` on.
        (None, Some(_)) => u64::MAX - first + 1,
        (None, None) => 1000,
    };
    let Some(last) = first.checked_add(seeds - 1) else {
        eprintln!("error: --first {first} with --seeds {seeds} runs past the largest seed");
        return 2;
    };
    let deadline = minutes.map(|m| Instant::now() + std::time::Duration::from_secs(m * 60));
    let sets = sweep_options();
    let next = AtomicU64::new(first);
    let done = AtomicU64::new(0);
    let failed_runs = AtomicU64::new(0);
    let failed_seeds = AtomicU64::new(0);
    let out = Mutex::new(io::stdout());
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let start = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    return;
                }
                let seed = next.fetch_add(1, Ordering::Relaxed);
                if seed > last || seed < first {
                    return;
                }
                let mut seed_failed = false;
                for options in sets.clone() {
                    let report = chaos::run(
                        seed,
                        &Chaos {
                            nodes,
                            options,
                            faults: 20 * SECOND,
                        },
                    );
                    if !report.violations.is_empty() || report.liveness.is_err() {
                        failed_runs.fetch_add(1, Ordering::Relaxed);
                        seed_failed = true;
                        let mut out = out.lock().unwrap_or_else(|e| e.into_inner());
                        let _ = writeln!(
                            out,
                            "seed {seed} FAILED: {:?} {:?}\n{}",
                            report.violations.first(),
                            report.liveness,
                            report.script
                        );
                    }
                }
                failed_seeds.fetch_add(u64::from(seed_failed), Ordering::Relaxed);
                done.fetch_add(1, Ordering::Relaxed);
            });
        }
    });
    let (done, runs_failed, seeds_failed) = (
        done.into_inner(),
        failed_runs.into_inner(),
        failed_seeds.into_inner(),
    );
    let line = format!(
        "{done} seeds x {} option sets = {} runs: {runs_failed} runs failed, on {seeds_failed} seeds ({:.1} s on {workers} threads)",
        sets.len(),
        u128::from(done) * sets.len() as u128,
        start.elapsed().as_secs_f64()
    );
    let mut out = out.into_inner().unwrap_or_else(|e| e.into_inner());
    if let Err(e) = writeln!(out, "{line}").and_then(|()| out.flush()) {
        eprintln!("error: cannot write the output: {e}");
        return 2;
    }
    i32::from(runs_failed > 0)
}

fn sweep_options() -> [Options; 3] {
    let base = Options::default();
    [
        base.clone(),
        Options {
            pre_vote: true,
            ..base.clone()
        },
        Options {
            check_quorum: false,
            ..base
        },
    ]
}
