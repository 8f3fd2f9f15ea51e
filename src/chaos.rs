//! Random faults, VOPR-style, for the seed sweep and the benchmarks.
//!
//! One seed drives everything: the simulation draws from it, and the fault
//! schedule draws from a generator derived from it. A run has two phases:
//!
//! 1. **Safety**: for `faults` of simulated time, a fault every 20–400 ms —
//!    kills, revives, partitions, isolation, one-way cuts (a link, a deaf
//!    node, a mute node) and their repair, heals, forced timeouts, message
//!    loss up to 30%, crash-restarts, client requests, and changes of the
//!    election range, heartbeat, latency, CheckQuorum and PreVote, unsafe
//!    values included. One fault in two lands exactly at, or 1 µs either
//!    side of, a lease end, a crown end, a step-down deadline, an election
//!    deadline or a message's arrival, and half of those hit the node whose
//!    deadline it is (a timeout, a kill, a crash-restart, a revival,
//!    isolation, a dropped message). In [`run`], membership changes too: the
//!    goose is asked to add a node (one removed earlier, or a new one, up to
//!    two more than the run started with) or to remove one (dissertation
//!    §4.1), refusals included. The invariant checker watches every event,
//!    the log's invariants (§5.3, §5.4) and one change at a time included.
//! 2. **Liveness**: the network heals, the starting options come back with
//!    no loss, dead nodes come back until a majority of every configuration
//!    a node holds (§4.1: a pending change and the one before it) is alive.
//!    From then on a
//!    goose must appear within [`liveness_bound`], and then a request must
//!    commit within that bound again (the log makes progress, not just the
//!    election).
//!
//! [`run_one_way`] has the same safety phase but a harsher liveness phase:
//! only a majority is healed, and links to and from the other nodes stay cut
//! one way at random (see [`crate::sim::network`], "Liveness under one-way links").
//!
//! Every fault is written as a line of the scenario language and applied
//! through [`Session::exec`], so a failing seed comes with a script that
//! `ddg run` replays exactly.

use crate::config::Members;
use crate::message::{node_name, Body, NodeId};
use crate::node::majority;
use crate::options::{format_duration, format_percent, Micros, Options, MS};
use crate::rng::SimRng;
use crate::script::expect::{Quantity, Value};
use crate::script::parse::ClusterSpec;
use crate::script::{parse_command, Failure, Session};
use crate::sim::invariants::Violation;
use crate::sim::link;
use crate::sim::network::MessageId;

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
    /// The edge the last pause landed on, if it landed on one.
    edge: Option<Edge>,
    /// Whether membership changes are among the faults.
    membership: bool,
    /// How many nodes the run started with.
    initial: u32,
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
        // A node may have hatched.
        self.nodes = self.session.sim().size();
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
        let line = match self.pick(16) {
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
            9 => {
                let loss = [0, 0, 10_000, 50_000, 100_000, 300_000][self.pick(6)];
                format!("set loss={}", format_percent(loss))
            }
            11 if self.membership => self.membership_fault(),
            12 | 13 => self.one_way_fault(),
            14 | 15 => match self.pick(3) {
                0 => "request".into(),
                n => format!("request {}", n + 1),
            },
            _ => self.option_change(),
        };
        self.exec(line);
    }

    /// Asks the goose to add a node outside its configuration (a removed
    /// one, or a new one while the run has fewer than two more than it
    /// started with) or to remove any node. Refusals are part of the test.
    fn membership_fault(&mut self) -> String {
        let sim = self.session.sim();
        let slots = sim.size();
        let view = sim.goose().unwrap_or(0);
        let members = sim.nodes()[view as usize].members();
        let outside: Vec<u32> = (0..slots).filter(|&n| !members.contains(n)).collect();
        let hatch = slots < self.initial + 2 && slots < crate::sim::MAX_NODES;
        let choices = outside.len() + usize::from(hatch);
        if choices == 0 || self.pick(2) == 0 {
            return format!("remove {}", node_name(self.pick(slots as usize) as u32));
        }
        let i = self.pick(choices);
        let node = outside.get(i).copied().unwrap_or(slots);
        format!("add {}", node_name(node))
    }

    /// A one-way cut or its repair, which transitive partitions cannot make:
    /// one link cut, a node made deaf (it hears nobody) or mute (nobody
    /// hears it), or a cut restored.
    fn one_way_fault(&mut self) -> String {
        let n = self.nodes;
        if n < 2 {
            return "heal".into();
        }
        let cuts = self.session.sim().network().one_way_cuts().to_vec();
        let x = self.pick(n as usize) as u32;
        match self.pick(4) {
            0 if !cuts.is_empty() => {
                let (from, to) = cuts[self.pick(cuts.len())];
                format!("uncut {}", link(from, to))
            }
            1 => {
                // One line per link: all but the last are applied here.
                let deaf = self.pick(2) == 0;
                let mut lines: Vec<String> = (0..n)
                    .filter(|&p| p != x)
                    .map(|p| format!("cut {}", if deaf { link(p, x) } else { link(x, p) }))
                    .collect();
                let last = lines.pop().expect("n >= 2");
                for line in lines {
                    self.exec(line);
                }
                last
            }
            _ => {
                let to = (x + 1 + self.pick(n as usize - 1) as u32) % n;
                format!("cut {}", link(x, to))
            }
        }
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
    /// time in two exactly at, or 1 µs either side of, a deadline that
    /// matters (see [`Driver::edges`]), where an off-by-one in the rules
    /// would show. The edge chosen is kept for [`Driver::boundary_fault`].
    fn pause(&mut self) -> Micros {
        let now = self.session.sim().now();
        let mut edges = self.edges();
        edges.retain(|e| e.at > now + 1 && e.at < now + self.horizon());
        if !edges.is_empty() && self.pick(2) == 0 {
            let edge = edges.swap_remove(self.pick(edges.len()));
            let offset = [-1i64, 0, 1][self.pick(3)];
            self.edge = Some(edge);
            return (edge.at as i64 + offset) as Micros - now;
        }
        self.edge = None;
        self.rng.range_inclusive(20 * MS, 400 * MS)
    }

    /// How far ahead [`Driver::pause`] looks for edges.
    fn horizon(&self) -> Micros {
        2 * self.session.sim().options().election.max.max(400 * MS)
    }

    /// The deadlines a fault may land on: every node's lease end (a dead
    /// node's too, where its revival must honour it), a leader's crown end
    /// and step-down deadline, a duck's or candidate's election deadline,
    /// and the arrival of every message that carries a lease or a vote.
    fn edges(&self) -> Vec<Edge> {
        let sim = self.session.sim();
        let opts = sim.options();
        let mut edges: Vec<Edge> = Vec::new();
        for node in sim.nodes() {
            let id = node.id();
            if let Some(at) = node.lease_until() {
                edges.push(Edge { at, node: id });
            }
            if !sim.is_alive(id) {
                continue;
            }
            if node.role().is_leader() {
                edges.push(Edge {
                    at: node.majority_lease_end(),
                    node: id,
                });
                edges.push(Edge {
                    at: node.step_down_at(opts),
                    node: id,
                });
            } else {
                edges.push(Edge {
                    at: node.election_deadline(),
                    node: id,
                });
            }
        }
        for flight in sim.in_flight() {
            if flight.lost.is_none() && !matches!(flight.msg.body, Body::PreVoteRequest { .. }) {
                edges.push(Edge {
                    at: flight.arrives,
                    node: flight.to,
                });
            }
        }
        edges
    }

    /// One time in two after landing on an edge, a fault aimed at the node
    /// whose edge it is: a forced timeout (a campaign exactly as its lease
    /// ends), a kill, a crash-restart or a revival (a restart must honour
    /// its promise), cutting it off, dropping a message it is about to
    /// receive, or any `set`. Returns whether it did one.
    fn boundary_fault(&mut self) -> bool {
        let Some(edge) = self.edge.take() else {
            return false;
        };
        if self.pick(2) == 0 {
            return false;
        }
        let n = node_name(edge.node);
        let alive = self.session.sim().is_alive(edge.node);
        let line = match self.pick(8) {
            _ if !alive => format!("revive {n}"),
            0 | 1 => format!("timeout {n}"),
            2 => format!("kill {n}"),
            3 => {
                self.exec(format!("kill {n}"));
                format!("revive {n}")
            }
            4 => format!("isolate {n}"),
            5 => {
                let now = self.session.sim().now();
                let doomed: Vec<MessageId> = self
                    .session
                    .sim()
                    .in_flight()
                    .filter(|f| f.to == edge.node && f.lost.is_none() && f.arrives > now)
                    .map(|f| f.id)
                    .collect();
                if doomed.is_empty() {
                    return false;
                }
                format!("drop m{}", doomed[self.pick(doomed.len())])
            }
            6 => format!("timeout {}", self.node()),
            _ => self.option_change(),
        };
        self.exec(line);
        true
    }
}

/// A deadline of one node that a fault may land on.
#[derive(Clone, Copy, Debug)]
struct Edge {
    at: Micros,
    node: NodeId,
}

impl Driver {
    /// A run of `chaos` with this seed, through its safety phase (with
    /// membership changes among the faults if `membership`).
    fn after_faults(seed: u64, chaos: &Chaos, membership: bool) -> Driver {
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
            edge: None,
            membership,
            initial: chaos.nodes,
        };
        while driver.session.sim().now() < chaos.faults {
            let pause = driver.pause();
            driver.run(pause);
            if !driver.boundary_fault() {
                driver.random_fault();
            }
        }
        driver
    }
}

/// Runs one chaos run with this seed.
pub fn run(seed: u64, chaos: &Chaos) -> Report {
    let mut driver = Driver::after_faults(seed, chaos, true);
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
    // Every configuration some node holds: the committed one and at most
    // one pending change (§4.1). Each needs a live majority.
    let mut configs: Vec<Members> = driver
        .session
        .sim()
        .nodes()
        .iter()
        .map(|n| n.members())
        .collect();
    configs.sort_by_key(|m| m.iter().collect::<Vec<_>>());
    configs.dedup();
    let size = driver.session.sim().size();
    for n in 0..size {
        let sim = driver.session.sim();
        let live = |c: &Members| c.iter().filter(|&m| sim.is_alive(m)).count() as u32;
        if configs.iter().all(|c| live(c) >= c.majority()) {
            break;
        }
        if !sim.is_alive(n) {
            driver.exec(format!("revive {}", node_name(n)));
        }
    }
    let bound = liveness_bound(driver.session.sim().options(), size);
    driver.until_goose(seed, bound)
}

impl Driver {
    /// Runs until a goose appears or `bound` passes, then has the goose take
    /// a request and runs until the commit index moves past where it stood,
    /// within `bound` again, and reports the run.
    fn until_goose(mut self, seed: u64, bound: Micros) -> Report {
        let start = self.session.sim().now();
        let until = format!("run {} until geese = 1", format_duration(bound));
        let command = parse_command(&until, self.nodes)
            .expect("valid")
            .expect("not blank");
        let mut liveness = match self.session.exec(&command) {
            Ok(_) => Ok(self.session.sim().now() - start),
            Err(_) => Err(bound),
        };
        self.script.push(until);
        if liveness.is_ok() {
            // The goose takes a request, and the commit index must move past
            // where it stands: the request commits, or, should that goose fall
            // first, the next goose's no-op does (that goose holds every
            // committed entry, §5.4, so its no-op lies beyond them).
            let Value::Number(before) = Quantity::Commit.read(self.session.sim()) else {
                unreachable!("commit is a number")
            };
            self.exec("request".into());
            let until = format!(
                "run {} until commit >= {}",
                format_duration(bound),
                before + 1
            );
            let command = parse_command(&until, self.nodes)
                .expect("valid")
                .expect("not blank");
            if self.session.exec(&command).is_err() {
                liveness = Err(bound);
            }
            self.script.push(until);
        }
        let sim = self.session.sim();
        Report {
            seed,
            script: self.script.join("\n") + "\n",
            violations: sim.violations().to_vec(),
            liveness,
            events: sim.stats().events,
        }
    }
}

/// How long a goose may take to appear under [`run_one_way`]: a leader that
/// hears no majority any more keeps its followers quiet with heartbeats
/// until it steps down, an election timeout (`election.max`) after the last
/// acks it heard (sent at the latest when the cuts were made, so arriving
/// within `latency.max`); its followers' leases then run out (a vote lease
/// is `election.min` plus a round trip, which [`liveness_bound`] counts only
/// once). From there it is an election in a healed majority:
/// [`liveness_bound`].
pub fn one_way_liveness_bound(opts: &Options, nodes: u32) -> Micros {
    liveness_bound(opts, nodes) + opts.election.max + 3 * opts.latency.max
}

/// Runs the safety phase of `chaos` with this seed, then a liveness phase
/// in which only a majority is whole: a random majority `M` of the nodes is
/// alive and fully connected (both directions) with no loss, PreVote and
/// CheckQuorum are as given (both on for the promise), and every link with an end outside `M` is cut one way
/// with probability ½ (at least one is cut when a node is outside `M`), which
/// makes deaf nodes, mute nodes, deaf and mute leaders and chains of every
/// kind. The other nodes stay as they were
/// (dead or alive). A goose must appear within [`one_way_liveness_bound`].
/// (Without PreVote a deaf node can keep `M` from ever electing; without
/// CheckQuorum a deaf goose outside `M` reigns on beside `M`'s: see
/// [`crate::sim::network`], "Liveness under one-way links".)
pub fn run_one_way(seed: u64, chaos: &Chaos, pre_vote: bool, check_quorum: bool) -> Report {
    let mut driver = Driver::after_faults(seed, chaos, false);
    let n = chaos.nodes;
    // The majority: a random subset of `majority(n)` nodes.
    let mut order: Vec<u32> = (0..n).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, driver.pick(i + 1));
    }
    let mut whole = vec![false; n as usize];
    for &m in &order[..majority(n) as usize] {
        whole[m as usize] = true;
    }
    driver.exec("heal".into());
    driver.exec(format!(
        "set {}",
        Options {
            loss: 0,
            pre_vote,
            check_quorum,
            ..chaos.options.clone()
        }
    ));
    for m in 0..n {
        if whole[m as usize] && !driver.session.sim().is_alive(m) {
            driver.exec(format!("revive {}", node_name(m)));
        }
    }
    let mut cuts = 0;
    for from in 0..n {
        for to in 0..n {
            let inside = whole[from as usize] && whole[to as usize];
            if from != to && !inside && driver.pick(2) == 0 {
                driver.exec(format!("cut {}", link(from, to)));
                cuts += 1;
            }
        }
    }
    // At least one cut when there is a node outside `M` (1 in 16 draws at 3
    // nodes makes none): the phase is about one-way links.
    if cuts == 0 && n > majority(n) {
        let outside = order[majority(n) as usize + driver.pick((n - majority(n)) as usize)];
        let other = (outside + 1 + driver.pick(n as usize - 1) as u32) % n;
        let line = match driver.pick(2) {
            0 => link(outside, other),
            _ => link(other, outside),
        };
        driver.exec(format!("cut {line}"));
    }
    let bound = one_way_liveness_bound(driver.session.sim().options(), n);
    driver.until_goose(seed, bound)
}
