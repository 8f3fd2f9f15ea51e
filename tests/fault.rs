//! A Jepsen-style fault test on real processes: five `ddg node`s, a seeded
//! random schedule of SIGKILL and restart, SIGSTOP and SIGCONT, partitions
//! (in the kernel with iptables, and in the nodes' fault layer), isolation
//! and loss; then a checker over every node's event log.
//!
//! Every node stamps its events with the host's monotonic clock (one kernel,
//! one clock), so the logs merge into one history. The checker verifies:
//! 1. at most one goose per term (Election Safety, Raft §5.2);
//! 2. no node votes for two candidates in one term, across restarts
//!    (Figure 2: the vote is on disk before the reply leaves), and no node's
//!    term ever goes back;
//! 3. with CheckQuorum, no two geese's intervals overlap, where an interval
//!    runs from winning to the first of: stepping down, the lease's end
//!    (logged each time it moves), the process's death;
//! 4. whenever the schedule makes a majority up and connected (a calm
//!    window), a goose appears within [`liveness_bound`].
//!
//! Kernel partitions: run as root, the test moves its own thread into a new
//! network namespace (`unshare(CLONE_NEWNET)`; the nodes it starts inherit
//! it), brings up its loopback and cuts links with iptables DROP rules there.
//! Nothing outside that namespace is touched. Not root, or no iptables: it
//! says so and uses only the in-process fault layer.
//!
//! `DDG_FAULT_SECONDS` (default 60) sets the length, `DDG_FAULT_SEED` replays
//! a schedule (the same faults in the same order at the same offsets; real
//! timers make the rest differ). `scripts/fault-test.sh` runs it for 10
//! minutes.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::Scratch;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use duckduckgoose::message::node_name;
use duckduckgoose::net::cluster::{geese, Layout, LocalCluster};
use duckduckgoose::net::driver::host_monotonic_us;
use duckduckgoose::rng::SimRng;

const DDG: &str = env!("CARGO_BIN_EXE_ddg");
const NODES: u32 = 5;

/// How long after a calm window opens a goose must be there, in µs.
///
/// Derivation at default settings (election 150–300 ms, margin 15 ms): a
/// node may still be bound by a promise for up to election.min + margin
/// (165 ms), or by a lease from boot of the same length; then a timer fires
/// within election.max (300 ms). A round can split, and without PreVote a
/// healed minority with an inflated term can depose a fresh goose once:
/// allow 8 rounds (a split in 5 nodes with 150 ms of spread is well under 1
/// in 2, so 8 in a row is below 1 in 250). Plus 1 s for a loaded machine's
/// scheduling delays: 165 ms + 8 × 300 ms + 1 s.
fn liveness_bound() -> u64 {
    165_000 + 8 * 300_000 + 1_000_000
}

struct Kernel {
    on: bool,
}

impl Kernel {
    /// Moves this thread into a fresh network namespace with iptables, if it
    /// can; says why not otherwise.
    fn try_enter() -> Kernel {
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            eprintln!("fault test: not root, so no kernel partitions (in-process faults only)");
            return Kernel { on: false };
        }
        if Command::new("iptables").arg("--version").output().is_err() {
            eprintln!(
                "fault test: no iptables (apt-get install iptables), so no kernel partitions"
            );
            return Kernel { on: false };
        }
        // SAFETY: unshare affects only the calling thread (this test's), and
        // the processes and threads it then creates.
        if unsafe { libc::unshare(libc::CLONE_NEWNET) } != 0 {
            eprintln!("fault test: cannot create a network namespace, so no kernel partitions");
            return Kernel { on: false };
        }
        let up = Command::new("ip")
            .args(["link", "set", "lo", "up"])
            .status();
        assert!(
            up.is_ok_and(|s| s.success()),
            "cannot bring up lo in the test's namespace"
        );
        eprintln!("fault test: kernel partitions with iptables in a network namespace of its own");
        Kernel { on: true }
    }

    /// Replaces the rules: `cut` lists (a, b) with a not hearing b.
    fn set(&self, layout: &Layout, cut: &[(u32, u32)]) {
        let mut rules = String::from(
            "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n",
        );
        for &(a, b) in cut {
            rules += &format!(
                "-A INPUT -p udp --sport {} --dport {} -j DROP\n",
                layout.peer_ports[b as usize], layout.peer_ports[a as usize]
            );
        }
        rules += "COMMIT\n";
        let mut child = Command::new("iptables-restore")
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(rules.as_bytes())
            .unwrap();
        assert!(
            child.wait().unwrap().success(),
            "iptables-restore failed:\n{rules}"
        );
    }
}

/// One line of a node's event log.
#[derive(Clone, Debug)]
struct Ev {
    mono: u64,
    node: String,
    kind: String,
    term: u64,
    role: String,
    voted_for: Option<String>,
    goose_until: Option<u64>,
}

fn read_log(path: &Path) -> Vec<Ev> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        // A SIGKILL may cut the very last line short: skip what does not parse.
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .map(|j| Ev {
            mono: j["mono_us"].as_u64().unwrap(),
            node: j["node"].as_str().unwrap().to_string(),
            kind: j["type"].as_str().unwrap().to_string(),
            term: j["term"].as_u64().unwrap(),
            role: j["role"].as_str().unwrap().to_string(),
            voted_for: j["voted_for"].as_str().map(String::from),
            goose_until: j["goose_until_mono_us"].as_u64(),
        })
        .collect()
}

/// The checker: every violation found, in words.
fn check(logs: &[Vec<Ev>], deaths: &[Vec<u64>]) -> Vec<String> {
    let mut bad = Vec::new();
    // 1. At most one goose per term.
    let mut geese_of: BTreeMap<u64, BTreeSet<String>> = BTreeMap::new();
    for ev in logs.iter().flatten().filter(|e| e.role == "goose") {
        geese_of.entry(ev.term).or_default().insert(ev.node.clone());
    }
    for (term, g) in &geese_of {
        if g.len() > 1 {
            bad.push(format!("term {term} had {} geese: {g:?}", g.len()));
        }
    }
    // 2. One vote per term per node, across restarts; terms never go back.
    for log in logs {
        let mut votes: BTreeMap<u64, String> = BTreeMap::new();
        let mut last_term = 0;
        for ev in log {
            if ev.term < last_term {
                bad.push(format!(
                    "{} went back from term {last_term} to {} at {}",
                    ev.node, ev.term, ev.mono
                ));
            }
            last_term = last_term.max(ev.term);
            if let Some(v) = &ev.voted_for {
                if let Some(old) = votes.insert(ev.term, v.clone()) {
                    if &old != v {
                        bad.push(format!(
                            "{} voted for {old} and {v} in term {}",
                            ev.node, ev.term
                        ));
                    }
                }
            }
        }
    }
    // 3. No two goose intervals overlap.
    let mut intervals = Vec::new();
    for (i, log) in logs.iter().enumerate() {
        let mut open: Option<(u64, u64, u64)> = None; // (start, term, lease end)
        let close = |open: &mut Option<(u64, u64, u64)>, at: u64, intervals: &mut Vec<_>| {
            if let Some((start, term, until)) = open.take() {
                let death = deaths[i]
                    .iter()
                    .copied()
                    .find(|&d| d >= start)
                    .unwrap_or(u64::MAX);
                intervals.push((start, at.min(until).min(death), term, node_name(i as u32)));
            }
        };
        for ev in log {
            if ev.kind == "boot" {
                close(&mut open, u64::MAX, &mut intervals);
            }
            match (&mut open, ev.role == "goose") {
                (None, true) => open = Some((ev.mono, ev.term, ev.goose_until.unwrap_or(u64::MAX))),
                (Some((_, _, until)), true) => *until = ev.goose_until.unwrap_or(*until),
                (Some(_), false) => close(&mut open, ev.mono, &mut intervals),
                (None, false) => {}
            }
        }
        close(&mut open, u64::MAX, &mut intervals);
    }
    intervals.sort();
    for w in intervals.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        if b.0 < a.1 {
            bad.push(format!(
                "{} (term {}) and {} (term {}) were geese at once: [{}, {}) and [{}, {})",
                a.3, a.2, b.3, b.2, a.0, a.1, b.0, b.1
            ));
        }
    }
    bad
}

#[test]
fn random_faults_never_break_safety_and_a_majority_always_elects() {
    let seconds: u64 = std::env::var("DDG_FAULT_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let seed: u64 = std::env::var("DDG_FAULT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(duckduckgoose::random_seed);
    eprintln!("fault test: seed {seed}, {seconds}s (replay: DDG_FAULT_SEED={seed} cargo test --release --test fault)");
    let kernel = Kernel::try_enter();
    let scratch = Scratch::new(&format!("fault-{seed}"));
    let dir = scratch.path();
    let mut layout = Layout::free_ports(NODES, dir).unwrap();
    layout.event_logs = true;
    let mut c = LocalCluster::start(Path::new(DDG), layout.clone()).unwrap();
    let mut rng = SimRng::new(seed);
    let mut deaths: Vec<Vec<u64>> = vec![Vec::new(); NODES as usize];
    let mut failures = Vec::new();
    let mut history = Vec::new();
    let began = Instant::now();
    let mut next_calm = Duration::from_secs(8);
    let mut kernel_cut: Vec<(u32, u32)> = Vec::new();
    let pick = |rng: &mut SimRng, from: &[u32]| -> Option<u32> {
        (!from.is_empty()).then(|| from[rng.range_inclusive(0, from.len() as u64 - 1) as usize])
    };
    while began.elapsed() < Duration::from_secs(seconds) {
        let t = began.elapsed();
        if t >= next_calm {
            // A calm window: everybody up, resumed and connected.
            for i in 0..NODES {
                if c.is_paused(i) {
                    c.resume(i).unwrap();
                }
            }
            for i in 0..NODES {
                if !c.is_running(i) {
                    c.revive(i).unwrap();
                }
            }
            c.heal().unwrap();
            c.set_loss(0.0).unwrap();
            if kernel.on {
                kernel_cut.clear();
                kernel.set(&layout, &kernel_cut);
            }
            history.push(format!("{:>8.3}s calm", t.as_secs_f64()));
            let opened = Instant::now();
            loop {
                if geese(&c.observe()).len() == 1 {
                    break;
                }
                if opened.elapsed() > Duration::from_micros(liveness_bound()) {
                    failures.push(format!(
                        "no goose within {}ms of the calm window at {:.3}s",
                        liveness_bound() / 1000,
                        t.as_secs_f64()
                    ));
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            history.push(format!(
                "{:>8.3}s goose after {}ms",
                began.elapsed().as_secs_f64(),
                opened.elapsed().as_millis()
            ));
            next_calm = began.elapsed() + Duration::from_millis(rng.range_inclusive(5_000, 10_000));
            continue;
        }
        std::thread::sleep(Duration::from_millis(rng.range_inclusive(100, 1_000)));
        let running: Vec<u32> = (0..NODES).filter(|&i| c.is_running(i)).collect();
        let dead: Vec<u32> = (0..NODES).filter(|&i| !running.contains(&i)).collect();
        let paused: Vec<u32> = running
            .iter()
            .copied()
            .filter(|&i| c.is_paused(i))
            .collect();
        let awake: Vec<u32> = running
            .iter()
            .copied()
            .filter(|&i| !c.is_paused(i))
            .collect();
        let what = rng.range_inclusive(0, 9);
        let t = began.elapsed().as_secs_f64();
        let done = match what {
            0 | 1 => pick(&mut rng, &running).map(|i| {
                c.kill(i).unwrap();
                deaths[i as usize].push(host_monotonic_us());
                format!("kill -9 {}", node_name(i))
            }),
            2 | 3 => pick(&mut rng, &dead).map(|i| {
                c.revive(i).unwrap();
                format!("revive {}", node_name(i))
            }),
            4 => pick(&mut rng, &awake).map(|i| {
                c.pause(i).unwrap();
                format!("SIGSTOP {}", node_name(i))
            }),
            5 => pick(&mut rng, &paused).map(|i| {
                c.resume(i).unwrap();
                format!("SIGCONT {}", node_name(i))
            }),
            6 | 7 => {
                let cut = rng.range_inclusive(1, NODES as u64 - 1) as u32;
                let mut order: Vec<u32> = (0..NODES).collect();
                for k in (1..order.len()).rev() {
                    order.swap(k, rng.range_inclusive(0, k as u64) as usize);
                }
                let (a, b) = order.split_at(cut as usize);
                let in_kernel = kernel.on && rng.chance(500_000);
                if in_kernel {
                    kernel_cut = a
                        .iter()
                        .flat_map(|&x| b.iter().flat_map(move |&y| [(x, y), (y, x)]))
                        .collect();
                    kernel.set(&layout, &kernel_cut);
                } else {
                    let _ = c.partition(&[a.to_vec(), b.to_vec()]);
                }
                Some(format!(
                    "partition {a:?} | {b:?}{}",
                    if in_kernel { " (iptables)" } else { "" }
                ))
            }
            8 => pick(&mut rng, &running).map(|i| {
                let _ = c.isolate(i);
                format!("isolate {}", node_name(i))
            }),
            _ => {
                let pct = [0.0, 0.0, 5.0, 20.0][rng.range_inclusive(0, 3) as usize];
                let _ = c.heal();
                let _ = c.set_loss(pct);
                if kernel.on {
                    kernel_cut.clear();
                    kernel.set(&layout, &kernel_cut);
                }
                Some(format!("heal, loss {pct}%"))
            }
        };
        if let Some(d) = done {
            history.push(format!("{t:>8.3}s {d}"));
        }
    }
    // Let the last goose be logged, then stop everything and read the logs.
    std::thread::sleep(Duration::from_millis(300));
    drop(c);
    let logs: Vec<Vec<Ev>> = (0..NODES).map(|i| read_log(&layout.event_log(i))).collect();
    let wins = logs
        .iter()
        .flatten()
        .filter(|e| e.kind == "state" && e.role == "goose")
        .count();
    let kills = deaths.iter().map(Vec::len).sum::<usize>();
    eprintln!(
        "fault test: {} faults, {kills} kills, {wins} geese elected, {} log lines",
        history.len(),
        logs.iter().map(Vec::len).sum::<usize>()
    );
    failures.extend(check(&logs, &deaths));
    assert!(
        wins >= 2,
        "the schedule should force several elections (seed {seed})"
    );
    assert!(
        failures.is_empty(),
        "seed {seed}: {} violations (replay: DDG_FAULT_SEED={seed}); logs in {}\n{}\nschedule:\n{}",
        failures.len(),
        dir.display(),
        failures.join("\n"),
        history.join("\n")
    );
}

#[test]
fn the_checker_catches_what_it_checks() {
    let ev = |mono, node: &str, kind: &str, term, role: &str, vote: Option<&str>, until| Ev {
        mono,
        node: node.into(),
        kind: kind.into(),
        term,
        role: role.into(),
        voted_for: vote.map(String::from),
        goose_until: until,
    };
    // Two geese whose intervals overlap, in different terms.
    let logs = vec![
        vec![ev(10, "n1", "state", 1, "goose", Some("n1"), Some(100))],
        vec![ev(50, "n2", "state", 2, "goose", Some("n2"), Some(200))],
    ];
    let found = check(&logs, &[vec![], vec![]]);
    assert!(found.iter().any(|f| f.contains("at once")), "{found:?}");
    // The same, but n1 died at 40 (before n2 won): fine.
    assert!(check(&logs, &[vec![40], vec![]]).is_empty());
    // Or n1's lease ended at 50: fine (intervals are half-open).
    let logs2 = vec![
        vec![ev(10, "n1", "state", 1, "goose", Some("n1"), Some(50))],
        logs[1].clone(),
    ];
    assert!(check(&logs2, &[vec![], vec![]]).is_empty());
    // A vote forgotten in a restart, and two geese in one term.
    let logs3 = vec![
        vec![
            ev(1, "n1", "note", 3, "duck", Some("n2"), None),
            ev(5, "n1", "boot", 3, "duck", None, None),
            ev(6, "n1", "note", 3, "duck", Some("n3"), None),
            ev(7, "n1", "boot", 2, "duck", None, None),
        ],
        vec![ev(10, "n2", "state", 4, "goose", Some("n2"), Some(20))],
        vec![ev(30, "n3", "state", 4, "goose", Some("n3"), Some(40))],
    ];
    let found = check(&logs3, &[vec![], vec![], vec![]]);
    assert!(
        found
            .iter()
            .any(|f| f.contains("voted for n2 and n3 in term 3")),
        "{found:?}"
    );
    assert!(found.iter().any(|f| f.contains("went back")), "{found:?}");
    assert!(
        found.iter().any(|f| f.contains("term 4 had 2 geese")),
        "{found:?}"
    );
}
