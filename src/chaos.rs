//! Random faults, VOPR-style, for the seed sweep and the benchmarks.
//!
//! One seed drives everything: the simulation draws from it, and the fault
//! schedule draws from a generator derived from it. A run has two phases:
//!
//! 1. **Safety**: for `faults` of simulated time, a fault every 20–400 ms —
//!    kills, revives, partitions, isolation, heals, forced timeouts, message
//!    loss up to 30%, crash-restarts, client requests, and changes of the
//!    election range, heartbeat, latency, CheckQuorum and PreVote, unsafe
//!    values included. One fault in three lands exactly at, or 1 µs either
//!    side of, a lease end, a crown end, a step-down deadline or an election
//!    deadline. The invariant checker watches every event, the log's
//!    invariants (§5.3, §5.4) included.
//! 2. **Liveness**: the network heals, the starting options come back with
//!    no loss, dead nodes come back until a majority is alive. From then on a
//!    goose must appear within [`liveness_bound`], and then a request must
//!    commit within that bound again (the log makes progress, not just the
//!    election).
//!
//! Every fault is written as a line of the scenario language and applied
//! through [`Session::exec`], so a failing seed comes with a script that
//! `ddg run` replays exactly.

use crate::message::node_name;
use crate::node::majority;
use crate::options::{format_duration, format_percent, Micros, Options, MS};
use crate::rng::SimRng;
use crate::script::expect::{Quantity, Value};
use crate::script::parse::ClusterSpec;
use crate::script::{parse_command, Failure, Session};
use crate::sim::invariants::Violation;

/// What a chaos run does.
#[derive(Clone, Debug)]
pub struct Chaos {
    /// Cluster size.
    pub nodes: u32,
    /// Options at the start.
    pub options: Options,
    /// Length of the safety phase.
    pub faults: Micros,
}

/// What a chaos run found.
#[derive(Clone, Debug)]
pub struct Report {
    /// The seed.
    pub seed: u64,
    /// The run as a scenario: `ddg run` replays it.
    pub script: String,
    /// Invariant violations (should be none).
    pub violations: Vec<Violation>,
    /// Time from the start of the liveness phase to a goose, or `Err` with
    /// the bound that passed without one.
    pub liveness: Result<Micros, Micros>,
    /// Events processed.
    pub events: u64,
}

/// How long a healed cluster of `nodes` with a live majority may take to
/// elect a goose (and, in the sweep, to commit a request after that).
///
/// Leases still running end within `election.min` (plus the latency of the
/// message that set them). After that every live node's timer fires within
/// `election.max`; a round (pre-vote, vote, replies) completes within four
/// one-way latencies, so a round lasts at most `election.max + 4 ×
/// latency.max`. The bound allows as many rounds as it takes for the chance
/// that all of them fail to fall below one in a billion:
///
/// - **Collisions.** Without the log a round failed only when timers
///   collided, which randomized timeouts make unlikely: the bound used to
///   allow 8 failed rounds for a one-in-a-billion chance, i.e. a round
///   collides with probability at most `c = 10^(-9/8)` ≈ 0.075.
/// - **The election restriction (§5.4.1).** A round also fails when the node
///   that times out first cannot win because its log is behind. Rank the `m`
///   live nodes by how up to date their logs are: the node of rank `r` can
///   gather the votes of every node ranked `r` or below, `m − r + 1` of them,
///   so at least `w = m − majority + 1` live nodes can win (the most up to
///   date one always can). Timeouts are drawn independently of the logs, so
///   the first to time out is one of them with probability `w / m`, which
///   is smallest, `1 / majority`, when only a bare majority is alive.
///
/// A round thus succeeds with probability at least `(1 − c) / majority`, and
/// `k` rounds all fail with probability at most `(1 − (1 − c) / majority)^k`.
/// That is 57 rounds at 5 nodes and 79 at 7, and 8 with one node, whose
/// rounds fail only by collision, as before the log ([`liveness_rounds`]). The
/// argument is pessimistic (a node refusing a candidate behind it keeps its
/// own timer running, so it tends to time out next), which is why the sweep
/// sees at most about a dozen rounds; but it is derived, not measured, and a
/// cluster that never elects or never commits still fails it.
pub fn liveness_bound(opts: &Options, nodes: u32) -> Micros {
    let round = opts.election.max + 4 * opts.latency.max;
    opts.election.min + opts.latency.max + (liveness_rounds(nodes) + 1) * round
}

/// The number of failed rounds [`liveness_bound`] allows in a cluster of
/// `nodes`: the least `k` with `(1 − (1 − c) / majority)^k ≤ 10⁻⁹` (see
/// there; computed by multiplying, as the core uses no `libm`).
pub fn liveness_rounds(nodes: u32) -> u64 {
    // c = 10^(-9/8): eight collided rounds in a row have a one-in-a-billion chance.
    const COLLIDE: f64 = 0.074_989_420_933_245_58;
    let fail = 1.0 - (1.0 - COLLIDE) / f64::from(majority(nodes));
    let mut chance = 1.0;
    let mut rounds = 0;
    while chance > 1e-9 {
        chance *= fail;
        rounds += 1;
    }
    rounds
}

struct Driver {
    rng: SimRng,
    session: Session,
    script: Vec<String>,
    nodes: u32,
}

impl Driver {
    /// Applies one scenario line and keeps it in the script.
    fn exec(&mut self, line: String) {
        let command = parse_command(&line, self.nodes)
            .unwrap_or_else(|e| panic!("chaos wrote a bad line `{line}`: {e}"))
            .expect("chaos lines are not blank");
        match self.session.exec(&command) {
            Ok(_) => {}
            Err(Failure::Error(e)) => panic!("chaos line `{line}` failed: {e}"),
            Err(Failure::Expectation(e)) => panic!("chaos line `{line}` expected: {e}"),
        }
        self.script.push(line);
    }

    fn run(&mut self, d: Micros) {
        self.exec(format!("run {}", format_duration(d)));
    }

    fn pick(&mut self, n: usize) -> usize {
        self.rng.range_inclusive(0, n as u64 - 1) as usize
    }

    fn node(&mut self) -> String {
        let n = self.pick(self.nodes as usize) as u32;
        node_name(n)
    }

    fn random_fault(&mut self) {
        let sim = self.session.sim();
        let alive: Vec<u32> = (0..self.nodes).filter(|&n| sim.is_alive(n)).collect();
        let dead: Vec<u32> = (0..self.nodes).filter(|&n| !sim.is_alive(n)).collect();
        let line = match self.pick(14) {
            0 | 1 if !alive.is_empty() => {
                format!("kill {}", node_name(alive[self.pick(alive.len())]))
            }
            2 | 3 if !dead.is_empty() => {
                format!("revive {}", node_name(dead[self.pick(dead.len())]))
            }
            4 => {
                let mut groups: Vec<Vec<String>> = vec![Vec::new(), Vec::new()];
                for n in 0..self.nodes {
                    let g = self.pick(3);
                    if g < 2 {
                        groups[g].push(node_name(n));
                    }
                }
                groups.retain(|g| !g.is_empty());
                if groups.is_empty() {
                    "heal".into()
                } else {
                    let groups: Vec<String> = groups.iter().map(|g| g.join(",")).collect();
                    format!("partition {}", groups.join(" | "))
                }
            }
            5 => format!("isolate {}", self.node()),
            6 => format!("reconnect {}", self.node()),
            7 => "heal".into(),
            8 => format!("timeout {}", self.node()),
            9 if !alive.is_empty() && self.pick(2) == 0 => {
                // A crash and an immediate restart: what a node promised
                // before must still bind it after.
                let n = node_name(alive[self.pick(alive.len())]);
                self.exec(format!("kill {n}"));
                format!("revive {n}")
            }
            12 | 13 => match self.pick(3) {
                0 => "request".into(),
                n => format!("request {}", n + 1),
            },
            9 => {
                let loss = [0, 0, 10_000, 50_000, 100_000, 300_000][self.pick(6)];
                format!("set loss={}", format_percent(loss))
            }
            _ => self.option_change(),
        };
        self.exec(line);
    }

    /// A `set` of one timing or protocol option, safe or not: latencies above
    /// `election.min`, heartbeats slower than the timeout, CheckQuorum and
    /// PreVote switched at any moment. The invariants must hold whatever.
    fn option_change(&mut self) -> String {
        let ms = |v: u64| format_duration(v * MS);
        match self.pick(5) {
            0 => {
                let min = [20, 50, 150, 150, 300][self.pick(5)];
                let max = min + [0, 10, 150, 150, 600][self.pick(5)];
                format!("set election={}..{}", ms(min), ms(max))
            }
            1 => format!("set heartbeat={}", ms([10, 50, 50, 100, 400][self.pick(5)])),
            2 => {
                let min = [0, 1, 10, 10, 40][self.pick(5)];
                let max = min + [0, 5, 5, 40, 200][self.pick(5)];
                format!("set latency={}..{}", ms(min), ms(max))
            }
            3 => format!("set checkquorum={}", ["on", "off"][self.pick(2)]),
            _ => format!("set prevote={}", ["on", "off"][self.pick(2)]),
        }
    }

    /// How long to run before the next fault: usually 20–400 ms, but one
    /// time in three exactly at, or 1 µs either side of, a deadline that
    /// matters — a node's lease end, a leader's crown end or step-down, an
    /// election timer — where an off-by-one in the rules would show.
    fn pause(&mut self) -> Micros {
        let sim = self.session.sim();
        let now = sim.now();
        let opts = sim.options().clone();
        let mut edges: Vec<Micros> = Vec::new();
        for node in sim.nodes() {
            if !sim.is_alive(node.id()) {
                continue;
            }
            edges.extend(node.lease_until());
            if node.role().is_leader() {
                edges.push(node.majority_lease_end());
                edges.push(node.step_down_at(&opts));
            } else {
                edges.push(node.election_deadline());
            }
        }
        edges.retain(|&t| t > now + 1 && t < now + 2 * opts.election.max.max(400 * MS));
        if !edges.is_empty() && self.pick(3) == 0 {
            let edge = edges[self.pick(edges.len())];
            let offset = [-1i64, 0, 1][self.pick(3)];
            return (edge as i64 + offset) as Micros - now;
        }
        self.rng.range_inclusive(20 * MS, 400 * MS)
    }
}

/// Runs one chaos run with this seed.
pub fn run(seed: u64, chaos: &Chaos) -> Report {
    let spec = ClusterSpec {
        nodes: chaos.nodes,
        seed: Some(seed),
        options: chaos.options.clone(),
    };
    let mut driver = Driver {
        rng: SimRng::new(seed ^ 0xc4a0_5c4a_05c4_a05c),
        session: Session::new(&spec, seed),
        script: vec![format!(
            "cluster nodes={} seed={seed} {}",
            chaos.nodes, chaos.options
        )],
        nodes: chaos.nodes,
    };
    // Safety phase.
    while driver.session.sim().now() < chaos.faults {
        let pause = driver.pause();
        driver.run(pause);
        driver.random_fault();
    }
    // Liveness phase: a connected, loss-free network with the starting
    // options and a live majority.
    driver.exec("heal".into());
    driver.exec(format!(
        "set {}",
        Options {
            loss: 0,
            ..chaos.options.clone()
        }
    ));
    let mut alive = (0..chaos.nodes)
        .filter(|&n| driver.session.sim().is_alive(n))
        .count() as u32;
    for n in 0..chaos.nodes {
        if alive >= majority(chaos.nodes) {
            break;
        }
        if !driver.session.sim().is_alive(n) {
            driver.exec(format!("revive {}", node_name(n)));
            alive += 1;
        }
    }
    let bound = liveness_bound(driver.session.sim().options(), chaos.nodes);
    let start = driver.session.sim().now();
    let until = format!("run {} until geese = 1", format_duration(bound));
    let command = parse_command(&until, chaos.nodes)
        .expect("valid")
        .expect("not blank");
    let mut liveness = match driver.session.exec(&command) {
        Ok(_) => Ok(driver.session.sim().now() - start),
        Err(_) => Err(bound),
    };
    driver.script.push(until);
    if liveness.is_ok() {
        // The goose takes a request, and the commit index must move past
        // where it stands: the request commits, or, should that goose fall
        // first, the next goose's no-op does (that goose holds every
        // committed entry, §5.4, so its no-op lies beyond them).
        let Value::Number(before) = Quantity::Commit.read(driver.session.sim()) else {
            unreachable!("commit is a number")
        };
        driver.exec("request".into());
        let until = format!(
            "run {} until commit >= {}",
            format_duration(bound),
            before + 1
        );
        let command = parse_command(&until, chaos.nodes)
            .expect("valid")
            .expect("not blank");
        if driver.session.exec(&command).is_err() {
            liveness = Err(bound);
        }
        driver.script.push(until);
    }
    let sim = driver.session.sim();
    Report {
        seed,
        script: driver.script.join("\n") + "\n",
        violations: sim.violations().to_vec(),
        liveness,
        events: sim.stats().events,
    }
}
