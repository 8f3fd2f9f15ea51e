//! `ddg`: the DuckDuckGoose command line.
//!
//! - `ddg run [--trace] FILE` runs a scenario (`-` reads standard input);
//!   exit code 0, 1 for a failed `expect`, 2 for bad input.
//! - `ddg bench [--quick]` prints simulated events per second and elections
//!   per second for clusters of 5, 25 and 101 nodes.
//! - `ddg sweep [--seeds N] [--nodes N]` runs the chaos seed sweep and prints
//!   any seed that breaks an invariant or liveness, with its replay script.

use std::io::{self, Read, Write};
use std::process::ExitCode;
use std::time::Instant;

use duckduckgoose::chaos::{self, Chaos};
use duckduckgoose::options::{Options, MS, SECOND};
use duckduckgoose::sim::{Action, Cluster, Simulation};
use duckduckgoose::{random_seed, run_script};

const USAGE: &str = "\
usage:
  ddg run [--trace] FILE    run a scenario file (- for standard input)
  ddg bench [--quick]       simulated events and elections per second
  ddg sweep [--seeds N] [--nodes N] [--first S]
                            random faults on N seeds; report any that break an invariant
  ddg help                  this text

exit codes: 0 ok, 1 an expect failed, 2 bad input";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = match args.first().map(String::as_str) {
        Some("run") => cmd_run(&args[1..]),
        Some("bench") => cmd_bench(&args[1..]),
        Some("sweep") => cmd_sweep(&args[1..]),
        Some("help" | "--help" | "-h") => {
            println!("{USAGE}");
            0
        }
        Some(other) => usage_error(&format!("unknown command `{other}`")),
        None => usage_error("no command given"),
    };
    ExitCode::from(code as u8)
}

fn usage_error(why: &str) -> i32 {
    eprintln!("error: {why}\n{USAGE}");
    2
}

fn cmd_run(args: &[String]) -> i32 {
    let mut trace = false;
    let mut file = None;
    for arg in args {
        match arg.as_str() {
            "--trace" => trace = true,
            f if file.is_none() && (f == "-" || !f.starts_with('-')) => file = Some(f.to_string()),
            other => return usage_error(&format!("unexpected argument `{other}`")),
        }
    }
    let Some(file) = file else {
        return usage_error("ddg run needs a scenario file, or - for standard input");
    };
    let mut text = String::new();
    let read = if file == "-" {
        io::stdin().read_to_string(&mut text).map(|_| ())
    } else {
        std::fs::read_to_string(&file).map(|t| text = t)
    };
    if let Err(e) = read {
        eprintln!("error: cannot read {file}: {e}");
        return 2;
    }
    let stdout = io::stdout();
    let stderr = io::stderr();
    let mut out = io::BufWriter::new(stdout.lock());
    let code = run_script(&text, random_seed(), trace, &mut out, &mut stderr.lock());
    let _ = out.flush();
    code
}

fn flag_value(args: &[String], name: &str) -> Result<Option<u64>, String> {
    match args.iter().position(|a| a == name) {
        None => Ok(None),
        Some(i) => args
            .get(i + 1)
            .and_then(|v| v.parse().ok())
            .map(Some)
            .ok_or_else(|| format!("{name} needs a whole number")),
    }
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

fn cmd_bench(args: &[String]) -> i32 {
    let quick = args.iter().any(|a| a == "--quick");
    if let Some(bad) = args.iter().find(|a| *a != "--quick") {
        return usage_error(&format!("unexpected argument `{bad}`"));
    }
    let budget = if quick { 0.3 } else { 3.0 };
    println!("ddg bench: default settings, the goose killed every 1.5s of simulated time");
    println!("(one core; compare rows of the same run: this machine is noisy)");
    println!(
        "{:>6} {:>12} {:>12} {:>14} {:>14} {:>8}",
        "nodes", "sim time", "events", "events/s", "elections/s", "wall s"
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
            "{:>6} {:>11}s {:>12} {:>14.0} {:>14.0} {:>8.2}",
            nodes,
            sim.now() / SECOND,
            s.events,
            s.events as f64 / wall,
            s.elections_won as f64 / wall,
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
    0
}

fn cmd_sweep(args: &[String]) -> i32 {
    let parsed = (|| -> Result<(u64, u64, u64), String> {
        Ok((
            flag_value(args, "--seeds")?.unwrap_or(1000),
            flag_value(args, "--nodes")?.unwrap_or(5),
            flag_value(args, "--first")?.unwrap_or(1),
        ))
    })();
    let (seeds, nodes, first) = match parsed {
        Ok(v) => v,
        Err(e) => return usage_error(&e),
    };
    if !(1..=101).contains(&nodes) {
        return usage_error("--nodes is 1 to 101");
    }
    let mut failures = 0;
    for seed in first..first + seeds {
        for options in sweep_options() {
            let report = chaos::run(
                seed,
                &Chaos {
                    nodes: nodes as u32,
                    options,
                    faults: 20 * SECOND,
                },
            );
            if !report.violations.is_empty() || report.liveness.is_err() {
                failures += 1;
                println!(
                    "seed {seed} FAILED: {:?} {:?}",
                    report.violations.first(),
                    report.liveness
                );
                println!("{}", report.script);
            }
        }
    }
    println!("{seeds} seeds, {failures} failures");
    i32::from(failures > 0)
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
