//! The network model: latency, loss, partitions, and the messages in flight.
//!
//! Each message draws its latency uniformly from `latency` when it is sent,
//! and is lost with probability `loss`. A message sent across a cut link (a
//! partition, an isolated node, or a one-way cut) is lost where the wall
//! stands, halfway. A message that reaches a dead node, or whose link was cut
//! while it flew, is dropped on arrival. Every message in flight is kept
//! here, with its fate decided at send time, so that the page can draw it and
//! a person can read it.
//!
//! Partitions and isolation cut links both ways. A *one-way cut* (`cut
//! n1->n2`) stops only the messages from one node to another: n2 no longer
//! hears n1, while n1 still hears n2. Real networks fail like that (a
//! firewall rule, a half-broken NIC, a routing asymmetry), and it is where
//! PreVote and CheckQuorum earn their keep (below).
//!
//! # Liveness under one-way links
//! **What Raft promises.** Safety — at most one leader per term (§5.2) —
//! never depends on the network: loss, delay, partitions and one-way cuts
//! cannot break it. Liveness is promised only under the timing requirement
//! of §5.6 (`broadcastTime ≪ electionTimeout ≪ MTBF`) between servers that
//! can talk, which says nothing about links that work one way. Plain Raft is
//! in fact not live there; etcd's history (its PreVote and CheckQuorum
//! options, the Cloudflare outage of November 2020) and Jensen, Howard and
//! Mortier's "Examining Raft's behaviour during partial network partitions"
//! (2021) give the classic cases, each a golden scenario here:
//! - *A deaf node* (it sends, it hears nobody) times out again and again and
//!   campaigns with ever higher terms. In plain Raft everyone who hears a
//!   higher term adopts it (§5.1), so the goose keeps being deposed
//!   (`one_way_deaf_node.ddg`). Worse, when no lease binds them the others
//!   give it their votes, which it never hears: a deaf node can keep a
//!   healthy majority from ever electing.
//! - *A deaf goose* keeps its followers loyal with heartbeats while their
//!   replies never reach it: without CheckQuorum it reigns forever over a
//!   cluster that can commit nothing (`one_way_deaf_goose.ddg`). And if a
//!   majority that no longer hears it elects another goose, the deaf one,
//!   never told, stays a goose of its old term beside the new one.
//! - *A follower that cannot hear the goose* but reaches everybody
//!   campaigns again and again. CheckQuorum's leases make the others refuse
//!   it without adopting its term (dissertation §4.2.3), but its term
//!   inflates, and when the link heals it knocks the goose out of its term
//!   (`one_way_cut_from_goose.ddg`).
//!
//! **What we promise.**
//! - Safety, always: one goose per term, and with CheckQuorum never two
//!   geese at the same instant, under any one-way cuts. The seed sweep makes
//!   random one-way cuts, deaf and mute nodes, and repairs among its faults.
//! - Liveness with PreVote *and* CheckQuorum on: if a majority `M` of the
//!   cluster is alive, connected both ways within itself and loses nothing,
//!   a goose appears within [`crate::chaos::one_way_liveness_bound`],
//!   whatever the links to and from the other nodes. Why: with PreVote a node
//!   campaigns, and so raises a term, only after a majority answered it, so a
//!   node that hears no majority never disturbs anyone; a leader that hears
//!   no majority stops keeping `M` quiet within an election timeout, as
//!   CheckQuorum makes it step down (dissertation §6.2); then `M`'s leases
//!   run out and `M` elects. (The goose may be outside `M`: any node with a
//!   majority both ways can win.) `tests/one_way.rs` checks this over random
//!   seeds and random cuts.
//! - With only one of the two, nothing: with CheckQuorum off the same test
//!   finds a deaf goose of an old term reigning beside the majority's (3
//!   nodes, seed 3000144). With PreVote off, before the log, it found a deaf
//!   node that kept a whole majority from electing for the whole bound (5
//!   nodes, seed 5000420); the log makes that rare, not impossible: a deaf
//!   node never hears the entries, so its log falls behind and the election
//!   restriction (§5.4.1) refuses it the votes, but while its log is as up to
//!   date as the majority's it can still take them. Nor is a goose promised
//!   to *stay*: a healing link can hand its term on, as above.

use crate::log::Entry;
use crate::message::{Message, NodeId};
use crate::options::{Options, Time};
use crate::rng::SimRng;

/// The partition rule, in one place: every group names at least one node and
/// no node is named in two groups. `name` says how to write a member in the
/// error (the script checks `goose` as written, the page and the simulation
/// check nodes).
pub fn check_groups<T: Copy + PartialEq>(
    groups: &[Vec<T>],
    name: impl Fn(T) -> String,
) -> Result<(), String> {
    if groups.iter().any(|g| g.is_empty()) {
        return Err("a group of the partition is empty".into());
    }
    let mut named: Vec<T> = Vec::new();
    for &t in groups.iter().flatten() {
        if named.contains(&t) {
            return Err(format!("{} is named in two groups", name(t)));
        }
        named.push(t);
    }
    Ok(())
}

/// A message's number, unique within a run: `m1`, `m2`, … in the scenario
/// language (`drop m12`).
pub type MessageId = u64;

/// Why a message did not arrive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LossCause {
    /// Random loss (`loss=…`).
    Loss,
    /// Sent across a partition or to or from an isolated node.
    Partition,
    /// Sent along a link cut one way (`cut n1->n2`).
    OneWay,
    /// Its link was cut while it flew.
    CutInFlight,
    /// It reached a node that was dead.
    DeadReceiver,
    /// Somebody dropped it by hand (`drop m12`).
    Dropped,
}

impl LossCause {
    /// A short phrase for the trace and the page.
    pub fn describe(self) -> &'static str {
        match self {
            LossCause::Loss => "lost at random",
            LossCause::Partition => "stopped by a partition",
            LossCause::OneWay => "stopped by a one-way cut",
            LossCause::CutInFlight => "link cut in flight",
            LossCause::DeadReceiver => "receiver is dead",
            LossCause::Dropped => "dropped by hand",
        }
    }
}

/// A message on its way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InFlight {
    /// Its number.
    pub id: MessageId,
    /// The sender.
    pub from: NodeId,
    /// The receiver.
    pub to: NodeId,
    /// What it says.
    pub msg: Message,
    /// When it left its sender: the step that sent it, or later if the
    /// sender first had to write its term and vote to disk (`disk`).
    pub sent: Time,
    /// When it arrives (or would have, if it is lost).
    pub arrives: Time,
    /// If it will be lost: when it vanishes and why. Decided at send time.
    pub lost: Option<(Time, LossCause)>,
}

impl InFlight {
    /// The instant this message leaves the network, delivered or lost.
    pub fn ends(&self) -> Time {
        self.lost.map_or(self.arrives, |(at, _)| at)
    }
}

/// Where messages travel, and which links are cut.
#[derive(Clone, Debug)]
pub struct Network {
    slots: Vec<Option<InFlight>>,
    /// The entries of the AppendEntries in each slot: they travel beside the
    /// message, which stays small and `Copy` (see [`crate::message`]). Only
    /// a message that carries entries writes its slot's buffer, and only its
    /// `count` says whether the buffer is its own (a message without entries
    /// leaves the last one's there, unread). A slot's buffer is reused by
    /// every message that later takes the slot, so steady traffic allocates
    /// nothing.
    batches: Vec<Vec<Entry>>,
    free: Vec<u32>,
    next_id: MessageId,
    group: Vec<u32>,
    isolated: Vec<bool>,
    /// One-way cuts, `(from, to)`: `to` does not hear `from`.
    one_way: Vec<(NodeId, NodeId)>,
}

impl Network {
    /// A fully connected network of `size` nodes with nothing in flight.
    pub fn new(size: u32) -> Network {
        Network {
            slots: Vec::new(),
            batches: Vec::new(),
            free: Vec::new(),
            next_id: 1,
            group: vec![0; size as usize],
            isolated: vec![false; size as usize],
            one_way: Vec::new(),
        }
    }

    /// One more node, in the same part of the network as `beside` (a node
    /// hatched next to the goose that adds it).
    pub fn grow(&mut self, beside: NodeId) {
        self.group.push(self.group[beside as usize]);
        self.isolated.push(false);
    }

    /// Whether `a` and `b` can talk now: same partition group, neither isolated.
    pub fn connected(&self, a: NodeId, b: NodeId) -> bool {
        let (a, b) = (a as usize, b as usize);
        self.group[a] == self.group[b] && !self.isolated[a] && !self.isolated[b]
    }

    /// Whether a message from `from` reaches `to` now: they are connected
    /// and that direction is not cut one way.
    pub fn reaches(&self, from: NodeId, to: NodeId) -> bool {
        self.connected(from, to) && !self.is_cut(from, to)
    }

    /// Whether the link from `from` to `to` is cut one way (`cut from->to`).
    pub fn is_cut(&self, from: NodeId, to: NodeId) -> bool {
        !self.one_way.is_empty() && self.one_way.contains(&(from, to))
    }

    /// Every one-way cut, `(from, to)`, in the order they were made.
    pub fn one_way_cuts(&self) -> &[(NodeId, NodeId)] {
        &self.one_way
    }

    /// Cuts the link from `from` to `to` one way, or restores it; returns
    /// whether anything changed.
    pub fn set_cut(&mut self, from: NodeId, to: NodeId, cut: bool) -> bool {
        if self.is_cut(from, to) == cut {
            return false;
        }
        if cut {
            self.one_way.push((from, to));
        } else {
            self.one_way.retain(|&l| l != (from, to));
        }
        true
    }

    /// Each node's partition group; 0 is the group of nodes named in no group.
    pub fn groups(&self) -> &[u32] {
        &self.group
    }

    /// Whether `node` is isolated.
    pub fn is_isolated(&self, node: NodeId) -> bool {
        self.isolated[node as usize]
    }

    /// Whether any link is cut.
    pub fn is_split(&self) -> bool {
        self.group.iter().any(|&g| g != 0)
            || self.isolated.iter().any(|&i| i)
            || !self.one_way.is_empty()
    }

    /// Splits the cluster: the nodes of `groups[i]` form group `i + 1`, and
    /// every node not named forms group 0. Isolation is left as it is.
    pub fn partition(&mut self, groups: &[Vec<NodeId>]) {
        self.group.fill(0);
        for (i, members) in groups.iter().enumerate() {
            for &node in members {
                self.group[node as usize] = i as u32 + 1;
            }
        }
    }

    /// Cuts every link of `node` (or restores them).
    pub fn set_isolated(&mut self, node: NodeId, isolated: bool) {
        self.isolated[node as usize] = isolated;
    }

    /// Removes every partition, isolation and one-way cut.
    pub fn heal(&mut self) {
        self.group.fill(0);
        self.isolated.fill(false);
        self.one_way.clear();
    }

    /// Puts a message, with the entries it carries, on the wire at `now` and
    /// decides its fate. Returns its slot and the instant it leaves the
    /// network.
    #[allow(clippy::too_many_arguments)]
    pub fn send(
        &mut self,
        now: Time,
        from: NodeId,
        to: NodeId,
        msg: Message,
        entries: &[Entry],
        opts: &Options,
        rng: &mut SimRng,
    ) -> (u32, &InFlight) {
        let latency = rng.range_inclusive(opts.latency.min, opts.latency.max);
        let arrives = now + latency;
        let halfway = now + latency / 2;
        let lost = if !self.connected(from, to) {
            Some((halfway, LossCause::Partition))
        } else if self.is_cut(from, to) {
            Some((halfway, LossCause::OneWay))
        } else if rng.chance(opts.loss) {
            Some((halfway, LossCause::Loss))
        } else {
            None
        };
        let id = self.next_id;
        self.next_id += 1;
        let flight = InFlight {
            id,
            from,
            to,
            msg,
            sent: now,
            arrives,
            lost,
        };
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot as usize] = Some(flight);
                slot
            }
            None => {
                self.slots.push(Some(flight));
                self.batches.push(Vec::new());
                self.slots.len() as u32 - 1
            }
        };
        if !entries.is_empty() {
            let batch = &mut self.batches[slot as usize];
            batch.clear();
            batch.extend_from_slice(entries);
        }
        (
            slot,
            self.slots[slot as usize].as_ref().expect("just stored"),
        )
    }

    /// Takes the message in `slot` out of the network, if it is still message
    /// `id` (a message dropped by hand leaves its slot early).
    pub fn take(&mut self, slot: u32, id: MessageId) -> Option<InFlight> {
        let entry = self.slots.get_mut(slot as usize)?;
        if entry.as_ref().is_some_and(|m| m.id == id) {
            self.free.push(slot);
            entry.take()
        } else {
            None
        }
    }

    /// Swaps the entries of the message last in `slot` (taken by
    /// [`Network::take`]; it must carry entries) into `into`, leaving `into`'s
    /// old buffer to the slot for reuse. Call it before anything else is sent.
    pub fn take_entries(&mut self, slot: u32, into: &mut Vec<Entry>) {
        std::mem::swap(&mut self.batches[slot as usize], into);
    }

    /// Takes message `id` out of the network wherever it is.
    pub fn take_by_id(&mut self, id: MessageId) -> Option<InFlight> {
        let slot = self
            .slots
            .iter()
            .position(|m| m.as_ref().is_some_and(|m| m.id == id))?;
        self.take(slot as u32, id)
    }

    /// Every message in flight, in no particular order.
    pub fn in_flight(&self) -> impl Iterator<Item = &InFlight> {
        self.slots.iter().flatten()
    }

    /// Roughly how many bytes the network holds.
    pub fn footprint(&self) -> usize {
        self.slots.capacity() * std::mem::size_of::<Option<InFlight>>()
            + self
                .batches
                .iter()
                .map(|b| 24 + b.capacity() * std::mem::size_of::<Entry>())
                .sum::<usize>()
            + self.free.capacity() * 4
            + self.group.len() * 5
            + self.one_way.capacity() * 8
    }

    /// How many messages are in flight.
    pub fn in_flight_count(&self) -> usize {
        self.slots.len() - self.free.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Body;

    fn heartbeat() -> Message {
        Message {
            term: 1,
            body: Body::AppendEntries {
                lease: None,
                prev_index: 0,
                prev_term: 0,
                count: 0,
                commit: 0,
            },
        }
    }

    #[test]
    fn latency_is_drawn_from_the_configured_range() {
        let mut net = Network::new(3);
        let mut rng = SimRng::new(5);
        let opts = Options::default();
        for _ in 0..200 {
            let (slot, m) = net.send(1000, 0, 1, heartbeat(), &[], &opts, &mut rng);
            let (id, latency) = (m.id, m.arrives - m.sent);
            assert!((opts.latency.min..=opts.latency.max).contains(&latency));
            assert!(net.take(slot, id).is_some());
        }
        assert_eq!(net.in_flight_count(), 0);
    }

    #[test]
    fn messages_across_a_partition_are_lost_halfway() {
        let mut net = Network::new(3);
        net.partition(&[vec![0]]);
        let mut rng = SimRng::new(5);
        let (_, m) = net.send(0, 0, 1, heartbeat(), &[], &Options::default(), &mut rng);
        assert_eq!(m.lost, Some((m.arrives / 2, LossCause::Partition)));
        assert!(!net.connected(0, 2));
        assert!(net.connected(1, 2), "unnamed nodes form one more group");
        net.heal();
        assert!(net.connected(0, 1));
    }

    #[test]
    fn isolation_cuts_every_link_of_one_node() {
        let mut net = Network::new(3);
        net.set_isolated(2, true);
        assert!(!net.connected(0, 2) && !net.connected(2, 1));
        assert!(net.connected(0, 1));
        assert!(net.is_split());
    }

    #[test]
    fn a_one_way_cut_stops_one_direction_only_and_heal_removes_it() {
        let mut net = Network::new(3);
        assert!(net.set_cut(0, 1, true));
        assert!(!net.set_cut(0, 1, true), "already cut");
        assert!(!net.reaches(0, 1) && net.reaches(1, 0));
        assert!(net.connected(0, 1), "a one-way cut is not a partition");
        assert!(net.is_split());
        let mut rng = SimRng::new(5);
        let opts = Options::default();
        let (_, m) = net.send(0, 0, 1, heartbeat(), &[], &opts, &mut rng);
        assert_eq!(m.lost, Some((m.arrives / 2, LossCause::OneWay)));
        let (_, m) = net.send(0, 1, 0, heartbeat(), &[], &opts, &mut rng);
        assert_eq!(m.lost, None);
        assert!(net.set_cut(0, 1, false) && net.reaches(0, 1));
        net.set_cut(2, 0, true);
        net.heal();
        assert!(net.reaches(2, 0) && !net.is_split());
    }

    #[test]
    fn a_dropped_message_frees_its_slot_for_reuse() {
        let mut net = Network::new(2);
        let mut rng = SimRng::new(1);
        let opts = Options::default();
        let (slot, m) = net.send(0, 0, 1, heartbeat(), &[], &opts, &mut rng);
        let id = m.id;
        assert!(net.take_by_id(id).is_some());
        assert!(
            net.take(slot, id).is_none(),
            "the queue's stale entry finds nothing"
        );
        let (again, m2) = net.send(0, 0, 1, heartbeat(), &[], &opts, &mut rng);
        assert_eq!(again, slot);
        assert_ne!(m2.id, id);
    }
}
