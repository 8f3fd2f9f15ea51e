//! Measurements of real nodes on this machine, side by side with the
//! simulator's prediction. Ignored by default (they take minutes and their
//! numbers mean something only on a quiet machine):
//!
//! ```text
//! cargo test --release --test measure -- --ignored --nocapture --test-threads 1
//! ```
//!
//! - failover: kill -9 the goose, time until a majority of the cluster
//!   follows one new goose that says "goose"; p50 and p99 over
//!   `DDG_KILLS` (default 100) kills, and the simulator's prediction for the
//!   same settings and a loopback-like latency of 0–1 ms;
//! - cost: resident memory and CPU per node while idle (heartbeats only);
//! - 25 nodes: elections started over 30 s of calm (false elections).
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::Scratch;

use std::path::Path;
use std::time::{Duration, Instant};

use duckduckgoose::net::cluster::{Layout, LocalCluster, Seen};
use duckduckgoose::options::{Options, Span, MS};
use duckduckgoose::sim::{Action, Cluster, Simulation};

const DDG: &str = env!("CARGO_BIN_EXE_ddg");

/// A cluster of `nodes` in a scratch dir; the cluster goes first when the
/// pair is dropped (the nodes stop before their dir is removed).
fn start(name: &str, nodes: u32) -> (Scratch, LocalCluster) {
    let dir = Scratch::new(&format!("measure-{name}"));
    let layout = Layout::free_ports(nodes, dir.path()).unwrap();
    (dir, LocalCluster::start(Path::new(DDG), layout).unwrap())
}

/// The one node that says goose and is followed by a majority, if any.
fn followed_goose(seen: &[Seen]) -> Option<u32> {
    let geese: Vec<u32> = (0..seen.len() as u32)
        .filter(|&i| seen[i as usize].role() == "goose")
        .collect();
    let [g] = geese[..] else { return None };
    let name = format!("n{}", g + 1);
    let followers = seen
        .iter()
        .filter(|s| matches!(s, Seen::Up(j) if j["leader"] == name.as_str()))
        .count();
    (followers as u32 >= duckduckgoose::node::majority(seen.len() as u32)).then_some(g)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

/// The simulator's failover for the same settings: kill the goose at a
/// random instant, time until one goose is followed by a majority.
fn simulated_failovers(n: usize) -> Vec<f64> {
    let options = Options {
        latency: Span::new(0, MS),
        ..Options::default()
    };
    let mut out = Vec::new();
    for seed in 0..n as u64 {
        let mut sim = Simulation::new(Cluster {
            nodes: 5,
            seed,
            options: options.clone(),
        });
        // Kill at a seed-dependent phase of the heartbeat rhythm.
        sim.run_until(2_000 * MS + seed * 7_919 % (50 * MS));
        let Some(g) = sim.goose() else { continue };
        sim.apply(&Action::Kill {
            node: g,
            amnesia: false,
        })
        .unwrap();
        let t0 = sim.now();
        while sim.now() < t0 + 10_000 * MS {
            sim.run_until(sim.now() + 100);
            if let Some(ng) = sim.goose() {
                let followers = sim
                    .nodes()
                    .iter()
                    .filter(|n| sim.is_alive(n.id()) && n.leader() == Some(ng))
                    .count();
                if followers >= 3 {
                    out.push((sim.now() - t0) as f64 / 1000.0);
                    break;
                }
            }
        }
    }
    out.sort_by(f64::total_cmp);
    out
}

#[test]
#[ignore]
fn failover_after_kill_9() {
    let kills: usize = std::env::var("DDG_KILLS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100);
    let (_dir, mut c) = start("failover", 5);
    let mut times = Vec::new();
    for k in 0..kills {
        // A settled cluster: one goose, followed by all.
        let began = Instant::now();
        let g = loop {
            if let Some(g) = followed_goose(&c.observe()) {
                break g;
            }
            assert!(
                began.elapsed() < Duration::from_secs(10),
                "no goose before kill {k}"
            );
            std::thread::sleep(Duration::from_millis(10));
        };
        std::thread::sleep(Duration::from_millis(200 + (k as u64 * 37) % 300));
        let t0 = Instant::now();
        c.kill(g).unwrap();
        loop {
            if let Some(ng) = followed_goose(&c.observe()) {
                if ng != g {
                    break;
                }
            }
            assert!(
                t0.elapsed() < Duration::from_secs(10),
                "no new goose after kill {k}"
            );
            std::thread::sleep(Duration::from_millis(2));
        }
        times.push(t0.elapsed().as_secs_f64() * 1000.0);
        c.revive(g).unwrap();
    }
    times.sort_by(f64::total_cmp);
    let sim = simulated_failovers(1000);
    println!(
        "failover over {kills} kill -9s (ms): real p50 {:.0} p99 {:.0} max {:.0} | simulator (latency 0-1ms, 1000 runs) p50 {:.0} p99 {:.0}",
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        times[times.len() - 1],
        percentile(&sim, 0.5),
        percentile(&sim, 0.99)
    );
}

fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let f: Vec<&str> = after.split_whitespace().collect();
    f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap()
}

fn rss_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap()
        .parse()
        .unwrap()
}

fn elections(c: &mut LocalCluster) -> u64 {
    (0..c.size())
        .map(|i| {
            let m = duckduckgoose::net::client::get(c.layout().http(i), "/metrics")
                .unwrap()
                .body;
            m.lines()
                .find(|l| l.starts_with("ddg_elections_started_total"))
                .and_then(|l| l.rsplit(' ').next())
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(0.0) as u64
        })
        .sum()
}

#[test]
#[ignore]
fn idle_cost_per_node() {
    let (_dir, mut c) = start("cost", 5);
    std::thread::sleep(Duration::from_secs(3));
    let pids: Vec<u32> = (0..5).map(|i| c.pid(i).unwrap()).collect();
    let before: Vec<u64> = pids.iter().map(|&p| cpu_ticks(p)).collect();
    let secs = 20;
    std::thread::sleep(Duration::from_secs(secs));
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    for (i, &p) in pids.iter().enumerate() {
        let cpu = (cpu_ticks(p) - before[i]) as f64 / hz / secs as f64 * 100.0;
        let role = c.observe()[i].role().to_string();
        println!(
            "n{} ({role}): RSS {} KiB, CPU {cpu:.2}% of one core",
            i + 1,
            rss_kb(p)
        );
    }
}

#[test]
#[ignore]
fn twenty_five_nodes_without_false_elections() {
    let (_dir, mut c) = start("25", 25);
    let began = Instant::now();
    while followed_goose(&c.observe()).is_none() {
        assert!(
            began.elapsed() < Duration::from_secs(20),
            "25 nodes elect no goose"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let first = elections(&mut c);
    std::thread::sleep(Duration::from_secs(30));
    let after = elections(&mut c);
    println!(
        "25 nodes: {} elections started at boot, {} more over 30 s of calm",
        first,
        after - first
    );
}
