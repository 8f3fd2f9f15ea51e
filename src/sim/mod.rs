//! The deterministic world the nodes live in: a simulated clock, one event
//! queue, one seeded generator, the network, the invariant checker and the
//! statistics.
//!
//! The loop is FoundationDB's and madsim's: pop the earliest event, jump the
//! clock to it, hand it to the node it concerns, queue what the node sends and
//! its next deadline, check the invariants. Events at the same instant run in
//! the order they were queued. Nothing reads a clock or global randomness, so
//! the same [`Cluster`] and the same actions at the same times always give the
//! same run, natively and in wasm alike.
//!
//! Everything a renderer needs is readable without reaching into internals:
//! [`Simulation::nodes`], [`Simulation::is_alive`], [`Simulation::in_flight`],
//! [`Simulation::network`], [`Simulation::stats`], [`Simulation::violations`].

pub mod event;
pub mod invariants;
pub mod mirror;
pub mod network;
pub mod stats;

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use serde::Serialize;

use crate::config::{Change, MAX_SLOTS};
use crate::log::{EntryKind, Index};
use crate::message::{node_name, NodeId};
use crate::node::{Ctx, Node, Note, Outbox, Role, StepDown};
use crate::options::{Micros, Options, Time};
use crate::rng::SimRng;

use event::{Event, Fault, Record};
use invariants::{Checker, LogState, Violation};
use network::{InFlight, LossCause, MessageId, Network};
use stats::Stats;

/// The largest cluster the simulator accepts.
pub const MAX_NODES: u32 = 101;

/// What a run starts from: its size, its seed and its options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cluster {
    /// How many nodes, 1 to [`MAX_NODES`].
    pub nodes: u32,
    /// The seed every random draw of the run derives from.
    pub seed: u64,
    /// Timing, network and protocol options.
    pub options: Options,
}

/// A change from outside, applied at the current instant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Crash a node; with `amnesia` it loses its disk too (lesson 7 only).
    Kill {
        /// The node.
        node: NodeId,
        /// Lose term, vote and lease as well.
        amnesia: bool,
    },
    /// Bring a dead node back.
    Revive(NodeId),
    /// Make a node's election timer fire now.
    Timeout(NodeId),
    /// Cut every link of a node.
    Isolate(NodeId),
    /// Restore an isolated node's links.
    Reconnect(NodeId),
    /// Split the cluster into groups; unnamed nodes form one more group.
    Partition(Vec<Vec<NodeId>>),
    /// Cut the link from one node to another one way (`cut`), or restore
    /// it (`uncut`): `to` stops hearing `from`, `from` still hears `to`.
    Cut {
        /// The sender whose messages stop.
        from: NodeId,
        /// The receiver that no longer hears them.
        to: NodeId,
        /// Cut (`true`) or restore (`false`).
        cut: bool,
    },
    /// Remove every partition, isolation and one-way cut.
    Heal,
    /// Replace the options.
    Set(Options),
    /// Drop a message in flight.
    Drop(MessageId),
    /// Send this many client requests to the goose (§5.3).
    Request(u32),
    /// Ask the goose to add a node (dissertation §4.1, §4.2.1): a node that
    /// was removed, or the next new one, which hatches with an empty log.
    Add(NodeId),
    /// Ask the goose to remove a node (§4.1, §4.2.2).
    Remove(NodeId),
}

/// The most client requests one action sends.
pub const MAX_REQUESTS: u32 = 1000;

/// What applying an action did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// It changed the run.
    Done,
    /// It changed nothing, for this reason (the node was already dead, …).
    Nothing(String),
    /// It changed the run, and this deserves a warning (removing a node of
    /// a 2-node cluster).
    Warned(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Due {
    Timer(NodeId),
    Message { slot: u32, id: MessageId },
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    at: Time,
    seq: u64,
    due: Due,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Entry) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Entry) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    fn cmp(&self, other: &Entry) -> Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

/// A directed link as the scenario language writes it: `n1->n2`.
pub fn link(from: NodeId, to: NodeId) -> String {
    format!("{}->{}", node_name(from), node_name(to))
}

/// The status of one node, as `status` prints it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NodeStatus {
    /// `n1`…`nN`.
    pub id: String,
    /// Whether it is running.
    pub alive: bool,
    /// `duck`, `candidate`, `precandidate`, `goose`, `uncrowned` (a leader
    /// without its CheckQuorum lease), or `dead`.
    pub role: &'static str,
    /// Its current term.
    pub term: u64,
    /// Whom it voted for in that term.
    pub voted_for: Option<String>,
    /// The goose it knows of.
    pub leader: Option<String>,
    /// Whether it is in the configuration in its own log (dissertation
    /// §4.1); printed only when it is not, so a cluster that never changed
    /// prints what it always did.
    #[serde(skip_serializing_if = "is_true")]
    pub member: bool,
}

fn is_true(b: &bool) -> bool {
    *b
}

/// The status of the whole cluster, as `status` prints it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Status {
    /// Simulated time in microseconds.
    pub t_us: Time,
    /// Every node, in order.
    pub nodes: Vec<NodeStatus>,
}

/// A running simulation.
#[derive(Clone, Debug)]
pub struct Simulation {
    cluster: Cluster,
    opts_now: Options,
    now: Time,
    rng: SimRng,
    nodes: Vec<Node>,
    alive: Vec<bool>,
    net: Network,
    queue: BinaryHeap<Reverse<Entry>>,
    seq: u64,
    /// The instant of each node's one valid timer entry in the queue.
    scheduled: Vec<Time>,
    /// With timer jitter: the node deadline each valid entry was drawn for.
    jittered_for: Vec<Time>,
    /// With a disk: when each node's last write of term and vote completes.
    disk_free: Vec<Time>,
    checker: Checker,
    stats: Stats,
    outbox: Outbox,
    /// The entries of the message being delivered (see
    /// [`Network::take_entries`]).
    entries: Vec<crate::log::Entry>,
    recording: bool,
    records: Vec<Record>,
    last_event: Option<Time>,
    /// Client requests sent so far; each carries its number as its payload.
    requests: u64,
    request_batch: Vec<EntryKind>,
}

impl Simulation {
    /// A new run at time 0: every node a duck in term 0 with a fresh timer.
    ///
    /// # Panics
    /// If `cluster.nodes` is 0 or above [`MAX_NODES`]; the scenario language
    /// rejects such clusters with an error first.
    pub fn new(cluster: Cluster) -> Simulation {
        assert!(
            (1..=MAX_NODES).contains(&cluster.nodes),
            "a cluster has 1 to {MAX_NODES} nodes"
        );
        let size = cluster.nodes;
        let mut rng = SimRng::new(cluster.seed);
        let nodes = (0..size)
            .map(|id| Node::new(id, size, 0, &cluster.options, &mut rng))
            .collect();
        let mut sim = Simulation {
            now: 0,
            rng,
            nodes,
            alive: vec![true; size as usize],
            net: Network::new(size),
            queue: BinaryHeap::new(),
            seq: 0,
            scheduled: vec![Time::MAX; size as usize],
            jittered_for: vec![Time::MAX; size as usize],
            disk_free: vec![0; size as usize],
            checker: Checker::new(size, cluster.seed),
            stats: Stats::new(),
            outbox: Outbox::default(),
            entries: Vec::new(),
            recording: false,
            records: Vec::new(),
            last_event: None,
            requests: 0,
            request_batch: Vec::new(),
            opts_now: cluster.options.clone(),
            cluster,
        };
        for id in 0..size {
            sim.schedule_timer(id);
        }
        sim
    }

    /// The cluster this run started from (its options as they were then).
    pub fn cluster(&self) -> &Cluster {
        &self.cluster
    }
    /// The run's seed.
    pub fn seed(&self) -> u64 {
        self.cluster.seed
    }
    /// The options in force now.
    pub fn options(&self) -> &Options {
        &self.opts_now
    }
    /// The current simulated time.
    pub fn now(&self) -> Time {
        self.now
    }
    /// Every node, alive or dead.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }
    /// How many nodes.
    pub fn size(&self) -> u32 {
        self.nodes.len() as u32
    }
    /// Whether `node` is running.
    pub fn is_alive(&self, node: NodeId) -> bool {
        self.alive[node as usize]
    }
    /// The network: partitions and isolation.
    pub fn network(&self) -> &Network {
        &self.net
    }
    /// Every message in flight.
    pub fn in_flight(&self) -> impl Iterator<Item = &InFlight> {
        self.net.in_flight()
    }
    /// The statistics so far.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }
    /// The invariant violations so far.
    pub fn violations(&self) -> &[Violation] {
        self.checker.violations()
    }
    /// How many violations in all (only the first thousand are kept).
    pub fn violation_count(&self) -> u64 {
        self.checker.total()
    }
    /// How many violations of one invariant in all, kept or not.
    pub fn violation_count_of(&self, invariant: invariants::Invariant) -> u64 {
        self.checker.total_of(invariant)
    }
    /// The live geese now.
    pub fn geese(&self) -> &[NodeId] {
        self.checker.live_geese()
    }
    /// The goose, if there is exactly one live goose.
    pub fn goose(&self) -> Option<NodeId> {
        match self.geese() {
            [g] => Some(*g),
            _ => None,
        }
    }
    /// The instant of the last event processed, if any.
    pub fn last_event_time(&self) -> Option<Time> {
        self.last_event
    }

    /// Roughly how many bytes this simulation holds (for the time-travel
    /// memory budget).
    pub fn footprint(&self) -> usize {
        let n = self.nodes.len();
        std::mem::size_of::<Simulation>()
            + n * (8 + 8 + 8 + 64)
            + self.nodes.iter().map(Node::footprint).sum::<usize>()
            + self.net.footprint()
            + self.queue.len() * std::mem::size_of::<Entry>()
            + self.checker.footprint()
            + self.stats.footprint()
    }

    /// The instant of the next event, if any.
    pub fn next_event_time(&self) -> Option<Time> {
        self.queue.peek().map(|Reverse(e)| e.at)
    }

    /// Starts or stops keeping [`Record`]s of what happens.
    pub fn set_recording(&mut self, on: bool) {
        self.recording = on;
    }
    /// Takes the records made since the last call.
    pub fn take_records(&mut self) -> Vec<Record> {
        std::mem::take(&mut self.records)
    }

    fn record(&mut self, event: Event) {
        if self.recording {
            self.records.push(Record { t: self.now, event });
        }
    }

    fn push(&mut self, at: Time, due: Due) {
        self.seq += 1;
        self.queue.push(Reverse(Entry {
            at,
            seq: self.seq,
            due,
        }));
    }

    fn schedule_timer(&mut self, id: NodeId) {
        let i = id as usize;
        if !self.alive[i] {
            return;
        }
        let deadline = self.nodes[i].deadline(&self.opts_now).max(self.now);
        if deadline == Time::MAX {
            // No timer: a node outside its configuration waits to be spoken
            // to (dissertation §4.2.1, §4.2.2).
            self.scheduled[i] = Time::MAX;
            self.jittered_for[i] = Time::MAX;
            return;
        }
        let jitter = self.opts_now.jitter;
        if jitter == 0 {
            if deadline != self.scheduled[i] {
                self.scheduled[i] = deadline;
                self.jittered_for[i] = Time::MAX;
                self.push(deadline, Due::Timer(id));
            }
        } else if deadline != self.jittered_for[i] {
            // The timer fires late by a fresh draw, once per deadline: a node
            // that keeps the same deadline keeps the same firing instant.
            self.jittered_for[i] = deadline;
            let at = deadline + self.rng.range_inclusive(0, jitter);
            self.scheduled[i] = at;
            self.push(at, Due::Timer(id));
        }
    }

    /// The instant the messages of `id`'s step just taken may leave. If the
    /// step changed the node's term or vote, they must be on disk first (Raft
    /// Figure 2): one write, after any write still in progress. Messages
    /// queue behind a write in progress, as on a node with one disk.
    fn departure(&mut self, id: NodeId, before: (u64, Option<NodeId>)) -> Time {
        let disk = self.opts_now.disk;
        if disk.max == 0 {
            return self.now;
        }
        let i = id as usize;
        let node = &self.nodes[i];
        if (node.term(), node.voted_for()) != before {
            let write = self.rng.range_inclusive(disk.min, disk.max);
            self.disk_free[i] = self.disk_free[i].max(self.now) + write;
        }
        self.disk_free[i].max(self.now)
    }

    /// Runs one node step with the run's options, generator and outbox, then
    /// sends what it sent, books what it did and checks it.
    fn with_node(&mut self, id: NodeId, f: impl FnOnce(&mut Node, Time, &mut Ctx)) {
        self.outbox.clear();
        let node = &self.nodes[id as usize];
        let before = (node.term(), node.voted_for(), node.role());
        let mut ctx = Ctx {
            opts: &self.opts_now,
            rng: &mut self.rng,
            out: &mut self.outbox,
        };
        f(&mut self.nodes[id as usize], self.now, &mut ctx);
        self.after_step(id, before);
    }

    fn after_step(&mut self, id: NodeId, before: (u64, Option<NodeId>, Role)) {
        let term = self.nodes[id as usize].term();
        let mut won = false;
        let mut changed = None;
        for i in 0..self.outbox.notes.len() {
            let note = self.outbox.notes[i];
            match note {
                Note::Campaign { term, .. } => self.stats.campaign(self.now, id, term),
                Note::Won { votes } => {
                    won = true;
                    self.stats.won(term, id, votes);
                    let members = self.nodes[id as usize].members();
                    let peers = members.majority() - u32::from(members.contains(id));
                    self.stats.await_heartbeats(self.now, id, term, peers);
                }
                Note::Changed { index, .. } => changed = Some(index),
                Note::PreCampaign { .. } => self.stats.prevotes_started += 1,
                _ => {}
            }
            self.record(Event::Node {
                node: id,
                term,
                note,
            });
        }
        if before.2 == Role::Candidate && self.nodes[id as usize].role() != Role::Candidate {
            self.stats.end_candidacy(id);
        }
        let depart = self.departure(id, (before.0, before.1));
        // By index, not through Outbox::each, so that the outbox stays in
        // place (the hot path of every step).
        let mut at = 0;
        for i in 0..self.outbox.messages.len() {
            let (to, msg) = self.outbox.messages[i];
            let end = at + msg.entry_count();
            self.stats.count_sent(msg.kind());
            self.checker.sent(id, to, &msg);
            let entries = match end - at {
                0 => &[],
                _ => &self.outbox.entries[at..end],
            };
            at = end;
            let (slot, flight) =
                self.net
                    .send(depart, id, to, msg, entries, &self.opts_now, &mut self.rng);
            let (arrives, mid) = (flight.ends(), flight.id);
            if self.recording {
                let copy = flight.clone();
                self.record(Event::Sent(copy));
            }
            self.push(arrives, Due::Message { slot, id: mid });
        }
        self.schedule_timer(id);
        self.observe(id);
        self.observe_log(id, self.outbox.log_from, won);
        if let Some(index) = changed {
            // After the log: a commit in this very step counts.
            self.observe_change(id, index);
        }
    }

    /// Shows the checker a configuration entry node `id` just appended.
    fn observe_change(&mut self, id: NodeId, index: Index) {
        let node = &self.nodes[id as usize];
        let state = LogState {
            id,
            term: node.term(),
            log: node.log(),
            commit: node.commit(),
        };
        let violations = self.checker.total();
        self.checker.observe_change(self.now, state, index);
        if self.checker.total() != violations {
            self.record_new_violations(violations);
        }
    }

    /// Shows node `id`'s log to the checker when it may have changed.
    fn observe_log(&mut self, id: NodeId, from: Option<Index>, won: bool) {
        let node = &self.nodes[id as usize];
        if from.is_none() && !won && node.commit() == self.checker.commit_seen(id) {
            return;
        }
        let violations = self.checker.total();
        let state = LogState {
            id,
            term: node.term(),
            log: node.log(),
            commit: node.commit(),
        };
        self.checker.observe_log(self.now, state, from, won);
        if self.checker.total() != violations {
            self.record_new_violations(violations);
        }
    }

    fn observe(&mut self, id: NodeId) {
        let node = &self.nodes[id as usize];
        let role = self.alive[id as usize].then(|| node.role());
        let before = self.checker.live_geese().len();
        let violations = self.checker.total();
        self.checker
            .observe(self.now, id, role, node.term(), node.voted_for());
        if role.is_some() {
            self.checker
                .observe_lease(self.now, id, node.term(), node.lease_until());
        }
        let after = self.checker.live_geese().len();
        if before != after {
            let how = if after > 0 {
                stats::GooseLoss::NotLost
            } else if !self.alive[id as usize] {
                stats::GooseLoss::Killed
            } else {
                self.outbox
                    .notes
                    .iter()
                    .find_map(|n| match n {
                        Note::SteppedDown {
                            why: StepDown::LostQuorum,
                            ..
                        }
                        | Note::LostCrown => Some(stats::GooseLoss::LostQuorum),
                        Note::SteppedDown { .. } => Some(stats::GooseLoss::Deposed),
                        _ => None,
                    })
                    .unwrap_or(stats::GooseLoss::Deposed)
            };
            self.stats.geese_changed(self.now, before, after, how);
        }
        if self.checker.total() != violations {
            self.record_new_violations(violations);
        }
    }

    fn end_of_event(&mut self) {
        let violations = self.checker.total();
        self.checker
            .end_of_event(self.now, self.opts_now.check_quorum);
        if self.checker.total() != violations {
            self.record_new_violations(violations);
        }
    }

    fn record_new_violations(&mut self, total_before: u64) {
        if !self.recording {
            return;
        }
        let kept = self.checker.violations();
        let first = (total_before as usize).min(kept.len());
        let new: Vec<Violation> = kept[first..].to_vec();
        for v in new {
            self.record(Event::Violation(v));
        }
    }

    /// Processes the next event, if there is one, and returns whether there
    /// was. Stale queue entries (a timer since moved, a message dropped by
    /// hand) are skipped without counting as events.
    pub fn step(&mut self) -> bool {
        self.step_until(Time::MAX)
    }

    /// Processes the next event if it happens at or before `limit`.
    fn step_until(&mut self, limit: Time) -> bool {
        while let Some(Reverse(entry)) = self.queue.peek().copied() {
            if entry.at > limit {
                return false;
            }
            self.queue.pop();
            self.now = entry.at;
            let handled = match entry.due {
                Due::Timer(id) => self.fire_timer(id, entry.at),
                Due::Message { slot, id } => self.arrive(slot, id),
            };
            if handled {
                self.stats.events += 1;
                self.last_event = Some(entry.at);
                self.end_of_event();
                return true;
            }
        }
        false
    }

    fn fire_timer(&mut self, id: NodeId, at: Time) -> bool {
        let i = id as usize;
        if !self.alive[i] || self.scheduled[i] != at {
            return false;
        }
        self.scheduled[i] = Time::MAX;
        self.jittered_for[i] = Time::MAX;
        // Judged before `after_step` sends (and so drains) the messages.
        let mut idle = false;
        self.with_node(id, |node, now, ctx| {
            node.tick(now, ctx);
            idle = ctx.out.messages.is_empty() && ctx.out.notes.is_empty();
        });
        if idle {
            self.stats.idle_ticks += 1;
        }
        if self.scheduled[i] == self.now {
            // A node that wants waking again at the instant it was just woken
            // would spin the clock forever. That is a bug in the node; loudly
            // in tests, and never a frozen page: the timer moves on by 1 µs.
            debug_assert!(false, "n{} asked to be woken again at {}", id + 1, self.now);
            self.scheduled[i] = self.now + 1;
            self.push(self.now + 1, Due::Timer(id));
        }
        true
    }

    fn arrive(&mut self, slot: u32, id: MessageId) -> bool {
        let Some(m) = self.net.take(slot, id) else {
            return false;
        };
        let cause = match m.lost {
            Some((_, cause)) => Some(cause),
            None if !self.alive[m.to as usize] => Some(LossCause::DeadReceiver),
            None if !self.net.reaches(m.from, m.to) => Some(LossCause::CutInFlight),
            None => None,
        };
        let (from, to, kind, term) = (m.from, m.to, m.msg.kind(), m.msg.term);
        match cause {
            Some(cause) => {
                self.stats.lost += 1;
                self.record(Event::Lost {
                    id,
                    from,
                    to,
                    kind,
                    cause,
                });
            }
            None => {
                self.record(Event::Delivered {
                    id,
                    from,
                    to,
                    kind,
                    term,
                });
                if kind == crate::message::Kind::Heartbeat {
                    self.stats.heartbeat_delivered(self.now, from, term);
                }
                let msg = &m.msg;
                if msg.entry_count() == 0 {
                    self.with_node(to, |node, now, ctx| node.receive(now, from, msg, &[], ctx));
                } else {
                    // The entries come out of the network's slot into a
                    // buffer of our own (no copy: the two swap), as the
                    // receiver's step may send into that very slot.
                    let mut entries = std::mem::take(&mut self.entries);
                    self.net.take_entries(slot, &mut entries);
                    self.with_node(to, |node, now, ctx| {
                        node.receive(now, from, msg, &entries, ctx)
                    });
                    self.entries = entries;
                }
            }
        }
        true
    }

    /// Processes every event up to and including instant `t`, then sets the
    /// clock to `t`.
    pub fn run_until(&mut self, t: Time) {
        self.run_until_checking(t, |_| true);
    }

    /// Like [`Simulation::run_until`], but calls `keep_going` after every
    /// event and stops early, returning `false`, as soon as it says no.
    pub fn run_until_checking(
        &mut self,
        t: Time,
        mut keep_going: impl FnMut(&Simulation) -> bool,
    ) -> bool {
        while self.step_until(t) {
            if !keep_going(self) {
                return false;
            }
        }
        self.now = self.now.max(t);
        true
    }

    /// Runs for `d` of simulated time.
    pub fn run_for(&mut self, d: Micros) {
        self.run_until(self.now.saturating_add(d));
    }

    /// Whether `node` exists, or why not.
    pub fn check_node(&self, node: NodeId) -> Result<(), String> {
        if node < self.size() {
            Ok(())
        } else {
            Err(format!(
                "{} does not exist: the cluster has {} nodes",
                node_name(node),
                self.size()
            ))
        }
    }

    /// Applies a change from outside at the current instant.
    pub fn apply(&mut self, action: &Action) -> Result<Outcome, String> {
        let outcome = self.apply_inner(action)?;
        self.end_of_event();
        Ok(outcome)
    }

    fn apply_inner(&mut self, action: &Action) -> Result<Outcome, String> {
        let nothing = |why: String| Ok(Outcome::Nothing(why));
        match action {
            Action::Kill { node, amnesia } => {
                let (node, amnesia) = (*node, *amnesia);
                self.check_node(node)?;
                if !self.alive[node as usize] {
                    return nothing(format!("{} is already dead", node_name(node)));
                }
                self.alive[node as usize] = false;
                self.scheduled[node as usize] = Time::MAX;
                self.jittered_for[node as usize] = Time::MAX;
                self.stats.end_candidacy(node);
                if amnesia {
                    // The disk is gone: the node comes back knowing nothing.
                    let fresh =
                        Node::new(node, self.size(), self.now, &self.opts_now, &mut self.rng);
                    self.nodes[node as usize] = fresh;
                }
                self.record(Event::Fault(Fault::Killed { node, amnesia }));
                self.observe(node);
            }
            Action::Revive(node) => {
                let node = *node;
                self.check_node(node)?;
                if self.alive[node as usize] {
                    return nothing(format!("{} is already alive", node_name(node)));
                }
                self.alive[node as usize] = true;
                self.record(Event::Fault(Fault::Revived { node }));
                self.with_node(node, |n, now, ctx| n.restart(now, ctx));
            }
            Action::Timeout(node) => {
                let node = *node;
                self.check_node(node)?;
                if !self.alive[node as usize] {
                    return nothing(format!("{} is dead", node_name(node)));
                }
                if self.nodes[node as usize].role().is_leader() {
                    return nothing(format!(
                        "{} is the leader and has no election timer",
                        node_name(node)
                    ));
                }
                self.record(Event::Fault(Fault::TimeoutForced { node }));
                self.with_node(node, |n, now, ctx| {
                    n.force_timeout(now, ctx);
                });
            }
            Action::Isolate(node) | Action::Reconnect(node) => {
                let node = *node;
                self.check_node(node)?;
                let isolate = matches!(action, Action::Isolate(_));
                if self.net.is_isolated(node) == isolate {
                    let state = if isolate { "isolated" } else { "connected" };
                    return nothing(format!("{} is already {state}", node_name(node)));
                }
                self.net.set_isolated(node, isolate);
                self.record(Event::Fault(if isolate {
                    Fault::Isolated { node }
                } else {
                    Fault::Reconnected { node }
                }));
            }
            Action::Partition(groups) => {
                for &node in groups.iter().flatten() {
                    self.check_node(node)?;
                }
                network::check_groups(groups, node_name)?;
                self.net.partition(groups);
                let mut named = vec![false; self.size() as usize];
                for &node in groups.iter().flatten() {
                    named[node as usize] = true;
                }
                let mut shown = groups.clone();
                let rest: Vec<NodeId> = (0..self.size()).filter(|&n| !named[n as usize]).collect();
                if !rest.is_empty() {
                    shown.push(rest);
                }
                self.record(Event::Fault(Fault::Partitioned { groups: shown }));
            }
            Action::Cut { from, to, cut } => {
                let (from, to, cut) = (*from, *to, *cut);
                self.check_node(from)?;
                self.check_node(to)?;
                if from == to {
                    return Err("a node always hears itself".into());
                }
                if !self.net.set_cut(from, to, cut) {
                    let state = if cut {
                        "already cut"
                    } else {
                        "not cut one way"
                    };
                    return nothing(format!("{} is {state}", link(from, to)));
                }
                self.record(Event::Fault(Fault::Cut { from, to, cut }));
            }
            Action::Heal => {
                if !self.net.is_split() {
                    return nothing("the network is already whole".into());
                }
                self.net.heal();
                self.record(Event::Fault(Fault::Healed));
            }
            Action::Set(options) => {
                options.validate()?;
                let old = std::mem::replace(&mut self.opts_now, options.clone());
                self.record(Event::Fault(Fault::OptionsSet {
                    options: options.clone(),
                }));
                for id in 0..self.size() {
                    if self.alive[id as usize] {
                        self.with_node(id, |n, now, ctx| n.options_changed(now, &old, ctx));
                    }
                }
            }
            Action::Request(count) => {
                let count = *count;
                if !(1..=MAX_REQUESTS).contains(&count) {
                    return Err(format!("send 1 to {MAX_REQUESTS} requests at a time"));
                }
                let Some(goose) = self.client_goose() else {
                    return nothing("no goose to take the request: it is refused".into());
                };
                let mut batch = std::mem::take(&mut self.request_batch);
                batch.clear();
                batch.extend((1..=count as u64).map(|k| EntryKind::Request(self.requests + k)));
                let mut result = Ok(0);
                self.with_node(goose, |n, now, ctx| {
                    result = n.propose(now, &batch, ctx);
                });
                self.request_batch = batch;
                match result {
                    Ok(last) => {
                        self.requests += count as u64;
                        self.record(Event::Fault(Fault::Requested { goose, count, last }));
                    }
                    Err(why) => return nothing(format!("refused: {why}")),
                }
            }
            Action::Add(node) => return self.change(Change::Add(*node)),
            Action::Remove(node) => return self.change(Change::Remove(*node)),
            Action::Drop(id) => {
                let id = *id;
                let Some(m) = self.net.take_by_id(id) else {
                    return nothing(format!("m{id} is not in flight"));
                };
                self.stats.lost += 1;
                self.record(Event::Fault(Fault::MessageDropped { id }));
                self.record(Event::Lost {
                    id,
                    from: m.from,
                    to: m.to,
                    kind: m.msg.kind(),
                    cause: LossCause::Dropped,
                });
            }
        }
        Ok(Outcome::Done)
    }

    /// The goose a client finds: the goose of the highest term (a stale
    /// goose without CheckQuorum may linger, unaware).
    pub fn client_goose(&self) -> Option<NodeId> {
        self.geese()
            .iter()
            .copied()
            .max_by_key(|&g| self.nodes[g as usize].term())
    }

    /// `add nK` or `remove nK`, asked of the goose. For an add, the goose
    /// catches the node up, then adds it (§4.2.1); the next new node hatches
    /// first, a fresh node with an empty log, alive and connected to the
    /// goose, outside every configuration. A removal is appended at once and
    /// in effect at once (§4.1).
    fn change(&mut self, change: Change) -> Result<Outcome, String> {
        let (node, slots) = (change.node(), self.size());
        let adding = matches!(change, Change::Add(_));
        if !adding {
            self.check_node(node)?;
        } else if node > slots {
            return Err(format!(
                "{}: the next new node is {}",
                node_name(node),
                node_name(slots)
            ));
        } else if node == slots && slots >= MAX_SLOTS {
            return Err(format!("a run knows at most {MAX_SLOTS} nodes"));
        }
        let Some(goose) = self.client_goose() else {
            return Ok(Outcome::Nothing(
                "no goose to take the change: it is refused".into(),
            ));
        };
        let members = self.nodes[goose as usize].members();
        if adding && !members.contains(node) && members.len() >= MAX_NODES {
            return Err(format!("a cluster has at most {MAX_NODES} members"));
        }
        if let Err(why) = self.nodes[goose as usize].can_change(change) {
            return Ok(Outcome::Nothing(format!("refused: {why}")));
        }
        if node == slots {
            self.hatch(goose);
        }
        self.record(Event::Fault(Fault::ChangeAsked { goose, change }));
        let mut result = Ok(());
        self.with_node(goose, |n, now, ctx| result = n.change(now, change, ctx));
        // It cannot fail now: `can_change` agreed and the node exists.
        result?;
        if !adding && members.len() == 2 {
            let left = self.nodes[goose as usize].members().iter().next();
            return Ok(Outcome::Warned(format!(
                "{} is left alone: a configuration of one tolerates no failure",
                node_name(left.unwrap_or(goose))
            )));
        }
        Ok(Outcome::Done)
    }

    /// A new node slot: a fresh node, alive, with the initial configuration
    /// (which does not hold it), in the goose's part of the network.
    fn hatch(&mut self, goose: NodeId) {
        let id = self.size();
        let slots = id + 1;
        for n in &mut self.nodes {
            n.grow(slots);
        }
        let initial = self.nodes[goose as usize].config().initial();
        let fresh = Node::joining(id, slots, initial, self.now, &self.opts_now, &mut self.rng);
        self.nodes.push(fresh);
        self.alive.push(true);
        self.scheduled.push(Time::MAX);
        self.jittered_for.push(Time::MAX);
        self.disk_free.push(0);
        self.net.grow(goose);
        self.checker.grow(slots);
        self.record(Event::Fault(Fault::Hatched { node: id }));
        self.schedule_timer(id);
        self.observe(id);
    }

    /// The cluster's status, as `status` prints it.
    pub fn status(&self) -> Status {
        let nodes = self
            .nodes
            .iter()
            .map(|n| {
                let alive = self.alive[n.id() as usize];
                NodeStatus {
                    id: node_name(n.id()),
                    alive,
                    role: if alive { n.role().name() } else { "dead" },
                    term: n.term(),
                    voted_for: n.voted_for().map(node_name),
                    leader: if alive {
                        n.leader().map(node_name)
                    } else {
                        None
                    },
                    member: n.members().contains(n.id()),
                }
            })
            .collect();
        Status {
            t_us: self.now,
            nodes,
        }
    }
}

#[cfg(test)]
mod tests;
