//! The invariant checker: it watches every node after every event and reports
//! what must never happen. A violation is a record (time, seed, nodes, which
//! invariant), never a panic; tests fail on it and the page shows it.
//!
//! - **Election Safety** (Raft §5.2, Figure 3): at most one leader per term,
//!   over the whole run (a leader without its crown counts).
//! - **One vote per term** (§5.2): a node never votes for two nodes in a term.
//! - **Terms never decrease** (§5.1): a node's current term only moves forward.
//! - **One goose at a time**, with CheckQuorum on: never two live geese (crowned
//!   leaders, the nodes that claim to be goose) at the same instant (see
//!   [`crate::node`] for why CheckQuorum guarantees it).
//! - **Promises kept** (CheckQuorum leases, dissertation §4.2.3, §6.2): the
//!   lease floor a node echoes to a leader is a promise not to vote for
//!   anybody else until that floor. While it runs, the node's own promise
//!   (`lease_until`) must reach it — whatever the node did meanwhile, a
//!   crash and restart included — and the node must not vote for anybody but
//!   the holder, itself included (a campaign is a vote for oneself). The
//!   crown of a goose is made of these floors, so a floor that overstates
//!   the promise behind it (a lease computed from `latency.max`, or 1 ms too
//!   long) or a promise forgotten in a restart is caught the moment it
//!   happens, long before it lets two geese overlap.
//! - **Log Matching** (§5.3, Figure 3): two entries with the same index and
//!   term are the same entry and follow the same entries. The checker keeps,
//!   for every (index, term) it ever saw, the entry's kind and its
//!   predecessor's term; by induction over the index that is the whole
//!   property, and it costs one lookup per appended entry.
//! - **Leader Completeness** (§5.4, Figure 3): a new leader of term T holds
//!   every entry committed in a term before T (a late leader of an older
//!   term need not hold what a later term committed meanwhile).
//! - **State Machine Safety** (§5.4.3, Figure 3): a committed index holds the
//!   same entry on every node that commits it, and a node never drops or
//!   rewrites an entry it has committed.
//!
//! - **One change at a time** (dissertation §4.1 and Ongaro's 2015 fix): a
//!   goose appends a configuration entry only when the previous one in its
//!   log is committed and it has committed an entry of its own term — both
//!   judged by the checker's own record of what was committed. The majority
//!   counts themselves are the nodes' (each counts its configuration in
//!   effect); Election Safety and One goose at a time are what catch a
//!   change that let two majorities miss each other.
//!
//! What was committed is the checker's own record (the longest commit index
//! any node reached, with its entries), not any node's say.
//!
//! Log Matching, checked on every entry written, is what keeps the two other
//! log checks cheap: a log that holds the entry of some (index, term) holds
//! the same entries before it, or Log Matching has already been reported. So
//! Leader Completeness compares one entry, the last committed, and a restarted
//! node committing its old prefix again is checked at that prefix's end; a
//! long log costs nothing per election or restart.
//!
//! The checker keeps its own memory of what it saw — it never trusts a node's
//! word — so a node that loses its disk and votes twice is caught. That memory
//! is bounded (the last [`VOTES_REMEMBERED`] votes of each node), because every
//! checkpoint of the page's time travel carries a copy of it.

use std::collections::VecDeque;
use std::fmt;

use serde::Serialize;

use crate::chunked::Chunked;

use crate::compact::VecMap;
use crate::log::{Entry, EntryKind, Index, Log};
use crate::message::{node_name, Body, Message, NodeId, Term};
use crate::node::Role;
use crate::options::{human_duration, Time};

/// The invariants the checker enforces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Invariant {
    /// At most one goose per term (§5.2).
    ElectionSafety,
    /// At most one vote per node per term (§5.2).
    OneVotePerTerm,
    /// A node's term never decreases (§5.1).
    TermsNeverDecrease,
    /// With CheckQuorum, never two live geese at one instant.
    OneGooseAtATime,
    /// A node keeps every lease promise it echoed (CheckQuorum).
    PromisesKept,
    /// Same index and term, same entry and same history (§5.3).
    LogMatching,
    /// A new goose's log holds every committed entry (§5.4).
    LeaderCompleteness,
    /// A committed entry is never lost or changed (§5.4.3).
    StateMachineSafety,
    /// A configuration change waits for the previous one and for an entry
    /// of the goose's term to commit (§4.1, the 2015 fix).
    OneChangeAtATime,
}

impl Invariant {
    /// Every invariant.
    pub const ALL: [Invariant; 9] = [
        Invariant::ElectionSafety,
        Invariant::OneVotePerTerm,
        Invariant::TermsNeverDecrease,
        Invariant::OneGooseAtATime,
        Invariant::PromisesKept,
        Invariant::LogMatching,
        Invariant::LeaderCompleteness,
        Invariant::StateMachineSafety,
        Invariant::OneChangeAtATime,
    ];

    /// The snake_case name used in JSON and in `expect violations.<name>`.
    pub fn name(self) -> &'static str {
        match self {
            Invariant::ElectionSafety => "election_safety",
            Invariant::OneVotePerTerm => "one_vote_per_term",
            Invariant::TermsNeverDecrease => "terms_never_decrease",
            Invariant::OneGooseAtATime => "one_goose_at_a_time",
            Invariant::PromisesKept => "promises_kept",
            Invariant::LogMatching => "log_matching",
            Invariant::LeaderCompleteness => "leader_completeness",
            Invariant::StateMachineSafety => "state_machine_safety",
            Invariant::OneChangeAtATime => "one_change_at_a_time",
        }
    }
}

/// One broken invariant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// When it happened.
    #[serde(rename = "t_us")]
    pub t: Time,
    /// The run's seed, to replay it.
    pub seed: u64,
    /// Which invariant.
    pub invariant: Invariant,
    /// The nodes involved.
    #[serde(serialize_with = "serialize_names")]
    pub nodes: Vec<NodeId>,
    /// The term concerned.
    pub term: Term,
    /// What happened, in words.
    pub detail: String,
}

fn serialize_names<S: serde::Serializer>(nodes: &[NodeId], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(nodes.iter().map(|&n| node_name(n)))
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} violated at {} (seed {}): {}",
            self.invariant.name(),
            human_duration(self.t),
            self.seed,
            self.detail
        )
    }
}

/// How many of each node's latest votes the checker remembers. A second vote
/// is caught if the first is among them: a node that lost its disk votes again
/// in terms near the cluster's current one, well within this window.
pub const VOTES_REMEMBERED: usize = 64;

/// The most violations kept in full; later ones are only counted.
pub const MAX_KEPT: usize = 1000;

#[derive(Clone, Debug, PartialEq, Eq)]
struct Seen {
    role: Option<Role>,
    term: Term,
    voted_for: Option<NodeId>,
}

/// What the checker reads of one node's log.
#[derive(Clone, Copy, Debug)]
pub struct LogState<'a> {
    /// The node.
    pub id: NodeId,
    /// Its current term.
    pub term: Term,
    /// Its log.
    pub log: &'a Log,
    /// Its commit index.
    pub commit: Index,
}

/// What the checker remembers between events.
#[derive(Clone, Debug)]
pub struct Checker {
    seed: u64,
    seen: Vec<Seen>,
    /// Each node's latest votes as (term, candidate), in the order cast.
    votes: Vec<VecDeque<(Term, NodeId)>>,
    /// The goose of every term that had one.
    geese_by_term: VecMap<Term, NodeId>,
    live_geese: Vec<NodeId>,
    overlap_reported: bool,
    violations: Vec<Violation>,
    total: u64,
    /// For every (index, term) seen in any log: the entry's kind and the term
    /// of the entry before it. Bounded by the entries ever appended, which the
    /// log cap bounds per node.
    /// Indexed by log index − 1: each (term, kind, predecessor's term) seen
    /// at that index, usually just one. A vector, not a hash map: one lookup
    /// per appended entry is on the hot path of a request stream. In shared
    /// chunks, like the logs: a time-travel checkpoint copies none of it.
    entries: Chunked<Vec<(Term, EntryKind, Term)>>,
    /// The committed prefix, as first seen committed (shared chunks too).
    committed: Chunked<Entry>,
    /// The term in which each part of the committed prefix was first
    /// committed, as runs `(term, first index)` of rising terms: Leader
    /// Completeness asks a goose of term T for the entries committed in
    /// terms before T only (§5.4: a stale goose of a lower term may still
    /// win an election whose votes were cast before a later term began,
    /// which single-node configurations make quick). A plain vector: it
    /// grows by one run per term that commits something, a few hundred
    /// bytes an hour.
    commit_terms: Vec<(Term, Index)>,
    /// Each node's commit index when last looked at.
    commit_seen: Vec<Index>,
    /// How many violations of each invariant, in [`Invariant::ALL`] order,
    /// kept or not.
    totals: [u64; Invariant::ALL.len()],
    /// For each node, the lease promises it echoed that may still run: the
    /// holder and the latest floor echoed to it (see [`Checker::sent`]).
    promises: Vec<Vec<(NodeId, Time)>>,
}

impl Checker {
    /// A checker for a run of `size` nodes with this seed.
    pub fn new(size: u32, seed: u64) -> Checker {
        Checker {
            seed,
            seen: vec![
                Seen {
                    role: None,
                    term: 0,
                    voted_for: None
                };
                size as usize
            ],
            votes: vec![VecDeque::new(); size as usize],
            geese_by_term: VecMap::new(),
            live_geese: Vec::new(),
            overlap_reported: false,
            violations: Vec::new(),
            total: 0,
            entries: Chunked::default(),
            committed: Chunked::default(),
            commit_terms: Vec::new(),
            commit_seen: vec![0; size as usize],
            totals: [0; Invariant::ALL.len()],
            promises: vec![Vec::new(); size as usize],
        }
    }

    /// The run knows `size` nodes now (a node hatched).
    pub fn grow(&mut self, size: u32) {
        let n = size as usize;
        self.seen.resize(
            n,
            Seen {
                role: None,
                term: 0,
                voted_for: None,
            },
        );
        self.votes.resize(n, VecDeque::new());
        self.commit_seen.resize(n, 0);
        self.promises.resize(n, Vec::new());
    }

    /// Node `id`'s commit index when the checker last looked.
    pub fn commit_seen(&self, id: NodeId) -> Index {
        self.commit_seen[id as usize]
    }

    /// How many entries have been committed so far, as the checker recorded
    /// them.
    pub fn committed_len(&self) -> usize {
        self.committed.len()
    }

    /// Looks at a node's log after a step: `from` is the lowest index the
    /// step wrote or removed (if any), and `won` whether it just became goose.
    pub fn observe_log(&mut self, now: Time, node: LogState, from: Option<Index>, won: bool) {
        let LogState {
            id,
            term,
            log,
            commit,
        } = node;
        let i = id as usize;
        if let Some(from) = from {
            if from <= self.commit_seen[i] {
                self.report(
                    now,
                    Invariant::StateMachineSafety,
                    vec![id],
                    term,
                    format!(
                        "{} rewrote its log from index {from}, at or below its commit index {}",
                        node_name(id),
                        self.commit_seen[i]
                    ),
                );
            }
            for index in from.max(1)..=log.last_index() {
                self.check_entry(now, id, log, index);
            }
        }
        if commit < self.commit_seen[i] {
            // A restart: the commit index is volatile (Figure 2).
            self.commit_seen[i] = commit;
        }
        // Fast path: the newly committed entries the record already holds
        // and the log still has (a restarted node commits its whole prefix
        // again) match if their last one does, by Log Matching (see the
        // module doc); a difference falls through to the entry-by-entry
        // loop, which reports it.
        let mut from_index = self.commit_seen[i] + 1;
        let known = commit
            .min(self.committed.len() as Index)
            .min(log.last_index());
        if known >= from_index && log.get(known) == self.committed.get(known as usize - 1) {
            from_index = known + 1;
        }
        for index in from_index..=commit {
            let Some(&entry) = log.get(index) else {
                self.report(
                    now,
                    Invariant::StateMachineSafety,
                    vec![id],
                    term,
                    format!(
                        "{} committed index {index} past the end of its log",
                        node_name(id)
                    ),
                );
                break;
            };
            match self.committed.get(index as usize - 1) {
                None => {
                    self.committed.push(entry);
                    let last = self.commit_terms.last().map_or(0, |&(t, _)| t);
                    if term > last {
                        self.commit_terms.push((term, index));
                    }
                }
                Some(&known) if known == entry => {}
                Some(&known) => self.report(
                    now,
                    Invariant::StateMachineSafety,
                    vec![id],
                    term,
                    format!(
                        "{} committed {entry} at index {index}, where {known} was committed",
                        node_name(id)
                    ),
                ),
            }
        }
        self.commit_seen[i] = commit;
        if won {
            self.check_completeness(now, id, term, log);
        }
    }

    /// A goose appended a configuration entry at `index` (§4.1): the
    /// previous one in its log, and an entry of its term, must be in the
    /// checker's record of what was committed.
    pub fn observe_change(&mut self, now: Time, node: LogState, index: Index) {
        let LogState { id, term, log, .. } = node;
        let committed = self.committed.len() as Index;
        let is_committed =
            |i: Index| i <= committed && log.get(i) == self.committed.get(i as usize - 1);
        let previous = (1..index)
            .rev()
            .find(|&i| matches!(log.get(i).map(|e| e.kind), Some(EntryKind::Config(_))));
        let own = (1..index)
            .rev()
            .take_while(|&i| log.term_at(i) == Some(term))
            .last();
        let why = match (previous, own) {
            (Some(p), _) if !is_committed(p) => format!(
                "{} appended a change at index {index} while the change at index {p} was not committed",
                node_name(id)
            ),
            (_, None) => format!(
                "{} appended a change at index {index} with no earlier entry of its term {term}",
                node_name(id)
            ),
            (_, Some(first)) if !is_committed(first) => format!(
                "{} appended a change at index {index} before committing an entry of its term {term} (the 2015 fix)",
                node_name(id)
            ),
            _ => return,
        };
        self.report(now, Invariant::OneChangeAtATime, vec![id], term, why);
    }

    fn check_entry(&mut self, now: Time, id: NodeId, log: &Log, index: Index) {
        let Some(&entry) = log.get(index) else { return };
        let prev = log.term_at(index - 1).unwrap_or(0);
        let slot = index as usize - 1;
        while self.entries.len() <= slot {
            self.entries.push(Vec::new());
        }
        let seen = self
            .entries
            .get(slot)
            .expect("grown above")
            .iter()
            .find(|&&(t, _, _)| t == entry.term)
            .map(|&(_, kind, prev)| (kind, prev));
        match seen {
            None => self
                .entries
                .get_mut(slot)
                .expect("grown above")
                .push((entry.term, entry.kind, prev)),
            Some(seen) if seen == (entry.kind, prev) => {}
            Some((kind, prev_seen)) => self.report(
                now,
                Invariant::LogMatching,
                vec![id],
                entry.term,
                format!(
                    "{} holds {entry} at index {index} after term {prev}, where another \
                     log holds {} there after term {prev_seen}",
                    node_name(id),
                    Entry {
                        term: entry.term,
                        kind
                    }
                ),
            ),
        }
    }

    fn check_completeness(&mut self, now: Time, id: NodeId, term: Term, log: &Log) {
        // The entries committed in terms before `term`: up to the first
        // run committed in `term` or later (runs rise in term).
        let (mut lo, mut hi) = (0, self.commit_terms.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            match self.commit_terms.get(mid) {
                Some(&(t, _)) if t < term => lo = mid + 1,
                _ => hi = mid,
            }
        }
        let end = match self.commit_terms.get(lo) {
            Some(&(_, first)) => first - 1,
            None => self.committed.len() as Index,
        };
        // Holding the last of them is holding them all, by Log Matching
        // (see the module doc); the search for the first missing one only
        // names it.
        if end == 0 || log.get(end) == self.committed.get(end as usize - 1) {
            return;
        }
        let missing = self
            .committed
            .iter()
            .take(end as usize)
            .enumerate()
            .find(|&(k, e)| log.get(k as Index + 1) != Some(e))
            .map(|(k, &e)| (k as Index + 1, e));
        if let Some((index, entry)) = missing {
            self.report(
                now,
                Invariant::LeaderCompleteness,
                vec![id],
                term,
                format!(
                    "{} became goose of term {term} without committed entry {index}, {entry}",
                    node_name(id)
                ),
            );
        }
    }

    /// Roughly how many bytes the checker's memory holds.
    pub fn footprint(&self) -> usize {
        self.votes
            .iter()
            .map(|v| v.capacity() * 16 + 24)
            .sum::<usize>()
            + self.geese_by_term.len() * 24
            + self
                .violations
                .iter()
                .map(|v| 96 + v.detail.len())
                .sum::<usize>()
            + self.seen.len() * 32
            + self.entries.footprint(|v| v.capacity() * 32)
            + self.committed.footprint(|_| 0)
            + self.commit_terms.capacity() * 16
            + self
                .promises
                .iter()
                .map(|p| p.capacity() * 16 + 24)
                .sum::<usize>()
    }

    /// The violations so far (the first [`MAX_KEPT`]).
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    /// How many violations happened in all.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// How many violations of `invariant` happened in all, kept or not.
    pub fn total_of(&self, invariant: Invariant) -> u64 {
        let i = Invariant::ALL
            .iter()
            .position(|&k| k == invariant)
            .expect("every invariant is in ALL");
        self.totals[i]
    }

    /// The live geese now.
    pub fn live_geese(&self) -> &[NodeId] {
        &self.live_geese
    }

    fn report(
        &mut self,
        t: Time,
        invariant: Invariant,
        nodes: Vec<NodeId>,
        term: Term,
        detail: String,
    ) {
        self.total += 1;
        let i = Invariant::ALL
            .iter()
            .position(|&k| k == invariant)
            .expect("every invariant is in ALL");
        self.totals[i] += 1;
        if self.violations.len() < MAX_KEPT {
            self.violations.push(Violation {
                t,
                seed: self.seed,
                invariant,
                nodes,
                term,
                detail,
            });
        }
    }

    /// Looks at node `id` after an event that may have changed it. `role` is
    /// `None` for a dead node.
    pub fn observe(
        &mut self,
        now: Time,
        id: NodeId,
        role: Option<Role>,
        term: Term,
        voted_for: Option<NodeId>,
    ) {
        let i = id as usize;
        let now_seen = Seen {
            role,
            term,
            voted_for,
        };
        // Most steps change none of the three (a duck acking a heartbeat):
        // then no rule below has anything new to look at.
        if role.is_some() && self.seen[i] == now_seen {
            return;
        }
        let before = std::mem::replace(&mut self.seen[i], now_seen);
        if role.is_none() {
            // A dead node's state is checked when it comes back, against what
            // it was before it died.
            self.seen[i] = Seen {
                role: None,
                ..before
            };
            self.live_geese.retain(|&g| g != id);
            return;
        }
        // Election Safety is about leaders, crowned or not; "one goose at a
        // time" is about the crowned ones, the nodes that claim to be goose.
        let was_leader = before.role.is_some_and(Role::is_leader);
        let is_leader = role.is_some_and(Role::is_leader);
        let new_leader = is_leader && (!was_leader || before.term != term);
        let was_goose = before.role == Some(Role::Goose);
        let is_goose = role == Some(Role::Goose);
        let new_goose = is_goose && (!was_goose || before.term != term);
        if was_goose && (!is_goose || new_goose) {
            self.live_geese.retain(|&g| g != id);
        }
        if term < before.term {
            self.report(
                now,
                Invariant::TermsNeverDecrease,
                vec![id],
                term,
                format!(
                    "{} went back from term {} to term {}",
                    node_name(id),
                    before.term,
                    term
                ),
            );
        }
        if let Some(candidate) = voted_for {
            if before.term != term || before.voted_for != voted_for {
                self.check_vote(now, id, term, candidate);
                self.check_vote_in_lease(now, id, term, candidate);
            }
        }
        if new_goose {
            self.live_geese.push(id);
        }
        if new_leader {
            match self.geese_by_term.get(&term) {
                Some(&other) if other != id => self.report(
                    now,
                    Invariant::ElectionSafety,
                    vec![other, id],
                    term,
                    format!(
                        "{} became goose of term {term}, which already had goose {}",
                        node_name(id),
                        node_name(other)
                    ),
                ),
                Some(_) => {}
                None => {
                    self.geese_by_term.insert(term, id);
                }
            }
        }
    }

    fn check_vote(&mut self, now: Time, id: NodeId, term: Term, candidate: NodeId) {
        let votes = &mut self.votes[id as usize];
        // The whole remembered history, not just the latest vote: after
        // amnesia, an earlier vote in this term may sit behind votes in
        // lower terms (a shortcut on the latest vote's term missed those).
        let earlier = votes.iter().rev().find(|&&(t, _)| t == term).copied();
        match earlier {
            Some((_, c)) if c == candidate => {}
            Some((_, c)) => self.report(
                now,
                Invariant::OneVotePerTerm,
                vec![id, c, candidate],
                term,
                format!(
                    "{} voted for {} and then for {} in term {term}",
                    node_name(id),
                    node_name(c),
                    node_name(candidate)
                ),
            ),
            None => {
                if votes.len() == VOTES_REMEMBERED {
                    votes.pop_front();
                }
                votes.push_back((term, candidate));
            }
        }
    }

    /// Node `from` sends `msg` to `to`. A vote or heartbeat ack that echoes
    /// a lease floor is a promise to `to`: no vote for anybody else until
    /// that floor (see [`crate::node`]). The checker remembers it itself, so
    /// a node that forgets it is caught.
    pub fn sent(&mut self, from: NodeId, to: NodeId, msg: &Message) {
        let floor = match msg.body {
            Body::VoteReply {
                lease_floor: Some(floor),
                ..
            }
            | Body::AppendReply {
                lease_floor: Some(floor),
                ..
            } => floor,
            _ => return,
        };
        let promises = &mut self.promises[from as usize];
        match promises.iter_mut().find(|(holder, _)| *holder == to) {
            Some((_, until)) => *until = (*until).max(floor),
            None => promises.push((to, floor)),
        }
    }

    /// Looks at the lease promise of live node `id` after an event: every
    /// floor it echoed that has not passed must be covered by its own
    /// promise, `lease_until`. Call it after [`Checker::sent`] for the
    /// event's messages. Each broken promise is reported once.
    pub fn observe_lease(&mut self, now: Time, id: NodeId, term: Term, lease_until: Option<Time>) {
        let promises = &mut self.promises[id as usize];
        // A promise runs through the instant of its floor (a vote needs
        // `now > lease_until`), so only floors before `now` are over.
        promises.retain(|&(_, floor)| floor >= now);
        let kept = lease_until.unwrap_or(0);
        let Some(&(holder, floor)) = promises.iter().find(|&&(_, floor)| floor > kept) else {
            return;
        };
        promises.retain(|&(_, floor)| floor <= kept);
        let held = match lease_until {
            Some(until) => format!("its lease ends at {}", human_duration(until)),
            None => "it holds no lease".into(),
        };
        self.report(
            now,
            Invariant::PromisesKept,
            vec![id, holder],
            term,
            format!(
                "{} echoed {} a lease floor of {}, but {held}",
                node_name(id),
                node_name(holder),
                human_duration(floor)
            ),
        );
    }

    /// A node that votes (or campaigns, a vote for itself) while it holds a
    /// promise to another node breaks it.
    fn check_vote_in_lease(&mut self, now: Time, id: NodeId, term: Term, candidate: NodeId) {
        let Some(&(holder, floor)) = self.promises[id as usize]
            .iter()
            .find(|&&(holder, floor)| holder != candidate && floor >= now)
        else {
            return;
        };
        self.report(
            now,
            Invariant::PromisesKept,
            vec![id, holder, candidate],
            term,
            format!(
                "{} voted for {} in term {term} while its promise to {} ran until {}",
                node_name(id),
                node_name(candidate),
                node_name(holder),
                human_duration(floor)
            ),
        );
    }

    /// Called once at the end of every event, after [`Checker::observe`].
    pub fn end_of_event(&mut self, now: Time, check_quorum: bool) {
        if self.live_geese.len() < 2 {
            self.overlap_reported = false;
            return;
        }
        if check_quorum && !self.overlap_reported {
            self.overlap_reported = true;
            let geese = self.live_geese.clone();
            let names: Vec<String> = geese.iter().map(|&g| node_name(g)).collect();
            let terms: Vec<String> = geese
                .iter()
                .map(|&g| self.seen[g as usize].term.to_string())
                .collect();
            let term = self.seen[geese[0] as usize].term;
            self.report(
                now,
                Invariant::OneGooseAtATime,
                geese,
                term,
                format!(
                    "{} are geese at the same instant (terms {}) with CheckQuorum on",
                    names.join(" and "),
                    terms.join(" and ")
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_geese_in_one_term_break_election_safety() {
        let mut c = Checker::new(3, 9);
        c.observe(10, 0, Some(Role::Goose), 2, Some(0));
        c.end_of_event(10, false);
        c.observe(20, 0, None, 2, Some(0));
        c.observe(30, 1, Some(Role::Goose), 2, Some(1));
        c.end_of_event(30, false);
        assert_eq!(c.violations().len(), 1);
        let v = &c.violations()[0];
        assert_eq!(
            (v.invariant, v.t, v.term, v.seed),
            (Invariant::ElectionSafety, 30, 2, 9)
        );
        assert_eq!(v.nodes, vec![0, 1]);
    }

    /// A goose observed as a candidate first, in the same term, counts as
    /// the goose of that term: a second one breaks Election Safety (kills
    /// the mutants of `new_leader` that only saw a leader new when its term
    /// changed too).
    #[test]
    fn a_candidate_that_wins_its_term_is_that_terms_goose() {
        let mut c = Checker::new(3, 1);
        c.observe(1, 0, Some(Role::Candidate), 2, Some(0));
        c.observe(2, 0, Some(Role::Goose), 2, Some(0));
        c.observe(3, 1, Some(Role::Goose), 2, Some(1));
        let v: Vec<(Invariant, Vec<NodeId>)> = c
            .violations()
            .iter()
            .map(|v| (v.invariant, v.nodes.clone()))
            .collect();
        assert_eq!(v, vec![(Invariant::ElectionSafety, vec![0, 1])]);
    }

    /// A goose next seen as goose of a later term (its step down and new
    /// win fell between two looks, as a real node's can) is that term's
    /// goose too; staying goose in one term, crowned or not, is not new.
    #[test]
    fn a_goose_seen_next_in_a_later_term_is_that_terms_goose() {
        let mut c = Checker::new(3, 1);
        c.observe(1, 0, Some(Role::Goose), 1, Some(0));
        c.observe(2, 1, Some(Role::Goose), 3, Some(1));
        c.observe(3, 0, Some(Role::Uncrowned), 1, Some(0));
        c.observe(4, 0, Some(Role::Goose), 1, Some(0));
        assert!(c.violations().is_empty());
        c.observe(5, 0, Some(Role::Goose), 3, Some(0));
        let kinds: Vec<Invariant> = c.violations().iter().map(|v| v.invariant).collect();
        assert_eq!(kinds, vec![Invariant::ElectionSafety]);
        assert_eq!(c.violations()[0].nodes, vec![1, 0]);
    }

    /// The first [`MAX_KEPT`] violations are kept; every one is counted.
    #[test]
    fn violations_past_the_kept_ones_are_counted_not_kept() {
        let mut c = Checker::new(2, 1);
        let n = MAX_KEPT as u64 + 5;
        for k in 0..=n {
            // Terms go down by one at every look.
            c.observe(k, 0, Some(Role::Duck), n - k, None);
        }
        assert_eq!(c.violations().len(), MAX_KEPT);
        assert_eq!(c.total(), n);
        assert_eq!(c.total_of(Invariant::TermsNeverDecrease), n);
    }

    /// A second vote in the same term, with no change of term in between,
    /// is caught (kills `||` → `&&` in the "vote changed" test of
    /// `Checker::observe`).
    #[test]
    fn a_second_vote_without_a_new_term_is_caught() {
        let mut c = Checker::new(3, 1);
        c.observe(1, 2, Some(Role::Duck), 4, Some(0));
        c.observe(2, 2, Some(Role::Duck), 4, Some(1));
        let kinds: Vec<Invariant> = c.violations().iter().map(|v| v.invariant).collect();
        assert_eq!(kinds, vec![Invariant::OneVotePerTerm]);
    }

    /// After amnesia, the checker still finds the node's earlier vote in a
    /// term behind later votes in lower terms, and behind votes in higher
    /// ones; the same vote again is no violation.
    #[test]
    fn an_earlier_vote_is_found_behind_later_ones_after_amnesia() {
        let mut c = Checker::new(3, 1);
        c.observe(1, 2, Some(Role::Duck), 4, Some(0));
        c.observe(2, 2, Some(Role::Duck), 0, None); // amnesia
        c.observe(3, 2, Some(Role::Duck), 2, Some(1));
        c.observe(4, 2, Some(Role::Duck), 4, Some(1));
        // Votes (2, n1), then (5, n2) after a second amnesia, then term 2
        // again: the vote for n1 is behind the one in term 5.
        c.observe(5, 2, Some(Role::Duck), 5, Some(2));
        c.observe(6, 2, Some(Role::Duck), 0, None);
        c.observe(7, 2, Some(Role::Duck), 2, Some(2));
        let once: Vec<(Invariant, Term)> = c
            .violations()
            .iter()
            .filter(|v| v.invariant == Invariant::OneVotePerTerm)
            .map(|v| (v.invariant, v.term))
            .collect();
        assert_eq!(
            once,
            vec![
                (Invariant::OneVotePerTerm, 4),
                (Invariant::OneVotePerTerm, 2)
            ]
        );
        // The same vote as before, after amnesia: nothing new.
        let mut d = Checker::new(3, 1);
        d.observe(1, 2, Some(Role::Duck), 4, Some(0));
        d.observe(2, 2, Some(Role::Duck), 0, None);
        d.observe(3, 2, Some(Role::Duck), 4, Some(0));
        assert_eq!(d.total_of(Invariant::OneVotePerTerm), 0);
    }

    /// A goose whose node went silent (observed dead) and is seen again as
    /// goose of the same term is still that term's one goose (a real node
    /// in Live mode can do that).
    #[test]
    fn the_same_goose_seen_again_in_its_term_is_no_violation() {
        let mut c = Checker::new(3, 1);
        c.observe(1, 0, Some(Role::Goose), 2, Some(0));
        c.observe(2, 0, None, 2, Some(0));
        c.observe(3, 0, Some(Role::Goose), 2, Some(0));
        assert!(c.violations().is_empty(), "{:?}", c.violations());
        // Back, it is a live goose again: a second one beside it is two at
        // once (found by mutation testing: a dead node that kept its role
        // was not counted live when it came back as goose).
        c.observe(4, 1, Some(Role::Goose), 3, Some(1));
        c.end_of_event(4, true);
        assert_eq!(
            c.violations()
                .iter()
                .map(|v| v.invariant)
                .collect::<Vec<_>>(),
            [Invariant::OneGooseAtATime]
        );
    }

    /// The report of two geese at once names them in the order they became
    /// geese, and gives the first one's term, whatever was observed since.
    #[test]
    fn two_live_geese_are_reported_in_the_order_they_were_crowned() {
        let mut c = Checker::new(3, 1);
        c.observe(1, 0, Some(Role::Goose), 1, Some(0));
        c.observe(2, 1, Some(Role::Goose), 2, Some(1));
        c.observe(3, 0, Some(Role::Goose), 1, Some(0));
        c.end_of_event(3, true);
        let v = &c.violations()[0];
        assert_eq!(
            (v.invariant, v.nodes.clone(), v.term),
            (Invariant::OneGooseAtATime, vec![0, 1], 1)
        );
        // A goose next seen as goose of a later term is new in that term:
        // it moves behind the other.
        let mut d = Checker::new(3, 1);
        d.observe(1, 0, Some(Role::Goose), 1, Some(0));
        d.observe(2, 1, Some(Role::Goose), 2, Some(1));
        d.observe(3, 0, Some(Role::Goose), 3, Some(0));
        d.end_of_event(3, true);
        assert_eq!(d.violations()[0].nodes, vec![1, 0]);
    }

    #[test]
    fn a_second_vote_in_the_same_term_is_caught_even_after_amnesia() {
        let mut c = Checker::new(3, 1);
        c.observe(1, 2, Some(Role::Duck), 4, Some(0));
        c.observe(2, 2, Some(Role::Duck), 0, None);
        c.observe(3, 2, Some(Role::Duck), 4, Some(1));
        let kinds: Vec<Invariant> = c.violations().iter().map(|v| v.invariant).collect();
        assert_eq!(
            kinds,
            vec![Invariant::TermsNeverDecrease, Invariant::OneVotePerTerm]
        );
    }

    #[test]
    fn the_same_vote_seen_twice_is_fine() {
        let mut c = Checker::new(2, 1);
        c.observe(1, 1, Some(Role::Duck), 1, Some(0));
        c.observe(2, 1, None, 1, Some(0));
        c.observe(3, 1, Some(Role::Duck), 1, Some(0));
        c.observe(4, 1, Some(Role::Duck), 2, None);
        assert!(c.violations().is_empty());
    }

    #[test]
    fn two_live_geese_are_a_violation_only_under_check_quorum() {
        let mut c = Checker::new(3, 1);
        c.observe(1, 0, Some(Role::Goose), 1, Some(0));
        c.observe(2, 1, Some(Role::Goose), 2, Some(1));
        c.end_of_event(2, false);
        assert!(
            c.violations().is_empty(),
            "two terms, CheckQuorum off: allowed"
        );
        c.end_of_event(3, true);
        c.end_of_event(4, true);
        assert_eq!(c.violations().len(), 1, "one report per overlap");
        assert_eq!(c.violations()[0].invariant, Invariant::OneGooseAtATime);
        c.observe(5, 0, Some(Role::Duck), 2, None);
        c.end_of_event(5, true);
        assert_eq!(c.live_geese(), &[1]);
    }

    fn st(id: NodeId, term: Term, log: &Log, commit: Index) -> LogState<'_> {
        LogState {
            id,
            term,
            log,
            commit,
        }
    }

    fn log_of(entries: &[(Term, EntryKind)]) -> Log {
        let mut log = Log::new();
        for &(term, kind) in entries {
            log.append(Entry { term, kind });
        }
        log
    }

    // Reference: Raft §5.3 (Log Matching Property)
    #[test]
    fn a_planted_log_matching_break_is_caught() {
        let mut c = Checker::new(3, 9);
        let a = log_of(&[(1, EntryKind::Noop), (1, EntryKind::Request(1))]);
        let b = log_of(&[(1, EntryKind::Noop), (1, EntryKind::Request(2))]);
        c.observe_log(10, st(0, 1, &a, 0), Some(1), false);
        c.observe_log(11, st(1, 1, &a, 0), Some(1), false);
        assert_eq!(c.total(), 0, "identical logs match");
        c.observe_log(12, st(2, 1, &b, 0), Some(1), false);
        assert_eq!(c.total(), 1);
        assert_eq!(c.violations()[0].invariant, Invariant::LogMatching);
        assert_eq!(c.violations()[0].nodes, vec![2]);
    }

    // Reference: Raft §5.4.3 (State Machine Safety)
    #[test]
    fn committing_a_different_entry_at_a_committed_index_is_caught() {
        let mut c = Checker::new(3, 9);
        let a = log_of(&[(1, EntryKind::Noop), (1, EntryKind::Request(1))]);
        let b = log_of(&[(1, EntryKind::Noop), (2, EntryKind::Noop)]);
        c.observe_log(10, st(0, 1, &a, 2), Some(1), false);
        assert_eq!(c.committed_len(), 2);
        c.observe_log(11, st(1, 2, &b, 2), Some(1), false);
        let kinds: Vec<Invariant> = c.violations().iter().map(|v| v.invariant).collect();
        assert_eq!(kinds, vec![Invariant::StateMachineSafety]);
    }

    // Reference: Raft §5.4.3 (a committed entry is never removed)
    #[test]
    fn rewriting_a_committed_entry_is_caught_but_a_restart_is_not() {
        let mut c = Checker::new(3, 9);
        let a = log_of(&[(1, EntryKind::Noop), (1, EntryKind::Request(1))]);
        c.observe_log(10, st(0, 1, &a, 2), Some(1), false);
        // A restart forgets the commit index (it is volatile): no violation.
        c.observe_log(20, st(0, 1, &a, 0), None, false);
        assert_eq!(c.total(), 0);
        c.observe_log(30, st(0, 1, &a, 2), None, false);
        let shorter = log_of(&[(1, EntryKind::Noop)]);
        c.observe_log(40, st(0, 1, &shorter, 1), Some(2), false);
        assert_eq!(c.total(), 1);
        assert_eq!(c.violations()[0].invariant, Invariant::StateMachineSafety);
    }

    // Reference: Raft §5.4 (Leader Completeness Property)
    #[test]
    fn a_goose_without_a_committed_entry_is_caught() {
        let mut c = Checker::new(3, 9);
        let a = log_of(&[(1, EntryKind::Noop), (1, EntryKind::Request(1))]);
        c.observe_log(10, st(0, 1, &a, 2), Some(1), false);
        let complete = log_of(&[
            (1, EntryKind::Noop),
            (1, EntryKind::Request(1)),
            (2, EntryKind::Noop),
        ]);
        c.observe_log(20, st(1, 2, &complete, 0), Some(1), true);
        assert_eq!(
            c.total(),
            0,
            "a goose holding every committed entry is fine"
        );
        let behind = log_of(&[(1, EntryKind::Noop), (3, EntryKind::Noop)]);
        c.observe_log(30, st(2, 3, &behind, 0), Some(1), true);
        assert_eq!(c.total(), 1);
        assert_eq!(c.violations()[0].invariant, Invariant::LeaderCompleteness);
    }

    /// Leader Completeness is about later terms (§5.4): a goose of term 2
    /// that wins, late, after an entry was committed in term 3 need not
    /// hold that entry, but must hold what was committed in term 1. (The
    /// sweep found this with a 1-node configuration: its goose elects and
    /// commits alone at once, while a vote for term 2, granted before, is
    /// still on its way.)
    // Reference: Raft §5.4 (Leader Completeness)
    #[test]
    fn a_late_goose_of_an_earlier_term_needs_only_what_was_committed_before_it() {
        let mut c = Checker::new(3, 9);
        let one = log_of(&[(1, EntryKind::Noop)]);
        c.observe_log(10, st(0, 1, &one, 1), Some(1), false);
        let three = log_of(&[(1, EntryKind::Noop), (3, EntryKind::Noop)]);
        c.observe_log(20, st(0, 3, &three, 2), Some(2), false);
        let late = log_of(&[(1, EntryKind::Noop), (2, EntryKind::Noop)]);
        c.observe_log(30, st(1, 2, &late, 0), Some(2), true);
        assert_eq!(c.total(), 0, "{:?}", c.violations());
        let empty = Log::new();
        c.observe_log(40, st(2, 2, &empty, 0), None, true);
        assert_eq!(c.total(), 1, "entry 1 was committed in term 1");
        assert_eq!(c.violations()[0].invariant, Invariant::LeaderCompleteness);
    }

    /// Leader Completeness compares the last committed entry only (see the
    /// module doc): a new goose whose log ends the same way but differs
    /// earlier is still caught, by Log Matching, the moment the entry is
    /// written.
    // Reference: Raft §5.3 (Log Matching), §5.4 (Leader Completeness)
    #[test]
    fn a_goose_missing_an_earlier_committed_entry_is_caught_by_log_matching() {
        let mut c = Checker::new(3, 9);
        let a = log_of(&[
            (1, EntryKind::Noop),
            (1, EntryKind::Request(1)),
            (1, EntryKind::Request(2)),
        ]);
        c.observe_log(10, st(0, 1, &a, 3), Some(1), false);
        let b = log_of(&[
            (1, EntryKind::Noop),
            (1, EntryKind::Request(9)),
            (1, EntryKind::Request(2)),
        ]);
        c.observe_log(20, st(1, 2, &b, 0), Some(1), true);
        let kinds: Vec<Invariant> = c.violations().iter().map(|v| v.invariant).collect();
        assert_eq!(kinds, vec![Invariant::LogMatching]);
        assert_eq!(c.violations()[0].nodes, vec![1]);
    }

    fn ack(floor: Time) -> Message {
        Message {
            term: 1,
            body: Body::AppendReply {
                lease_floor: Some(floor),
                success: true,
                index: 0,
            },
        }
    }

    fn promises_broken(c: &Checker) -> u64 {
        c.total_of(Invariant::PromisesKept)
    }

    #[test]
    fn an_echoed_floor_beyond_the_promise_behind_it_is_caught_once() {
        let mut c = Checker::new(3, 5);
        c.sent(1, 0, &ack(100));
        c.observe_lease(50, 1, 1, Some(100));
        assert_eq!(
            promises_broken(&c),
            0,
            "a floor equal to the promise is kept"
        );
        c.sent(1, 0, &ack(101));
        c.observe_lease(51, 1, 1, Some(100));
        assert_eq!(promises_broken(&c), 1, "a floor 1 µs beyond it is not");
        let v = &c.violations()[0];
        assert_eq!(
            (v.t, v.term, v.seed, v.nodes.clone()),
            (51, 1, 5, vec![1, 0])
        );
        c.observe_lease(52, 1, 1, Some(100));
        assert_eq!(promises_broken(&c), 1, "one report per broken promise");
    }

    #[test]
    fn a_promise_forgotten_in_a_restart_is_caught_while_it_runs() {
        for (now, broken) in [(99, 1), (100, 1), (101, 0)] {
            let mut c = Checker::new(3, 1);
            c.sent(2, 0, &ack(100));
            c.observe_lease(20, 2, 1, Some(110));
            c.observe(30, 2, None, 1, None);
            c.observe(now, 2, Some(Role::Duck), 1, None);
            c.observe_lease(now, 2, 1, None);
            assert_eq!(promises_broken(&c), broken, "revived at {now}");
        }
    }

    #[test]
    fn the_latest_floor_per_holder_counts_and_only_echoes_are_promises() {
        let mut c = Checker::new(3, 1);
        c.sent(1, 0, &ack(100));
        c.sent(1, 0, &ack(80));
        c.sent(
            1,
            2,
            &Message {
                term: 1,
                body: Body::AppendReply {
                    lease_floor: None,
                    success: true,
                    index: 0,
                },
            },
        );
        c.sent(
            1,
            2,
            &Message {
                term: 1,
                body: Body::VoteReply {
                    granted: false,
                    lease_floor: None,
                },
            },
        );
        c.observe_lease(90, 1, 1, Some(95));
        assert_eq!(promises_broken(&c), 1);
        assert_eq!(c.violations()[0].nodes, vec![1, 0]);
    }

    #[test]
    fn a_vote_during_a_promise_to_another_node_is_caught() {
        let vote = |floor: Time| Message {
            term: 2,
            body: Body::VoteReply {
                granted: true,
                lease_floor: Some(floor),
            },
        };
        // n3 promised n1 until 100 with its vote, then votes for n2 (or for
        // itself) in a later term.
        for (now, candidate, broken) in [(100, 1, 1), (100, 2, 1), (101, 1, 0), (50, 0, 0)] {
            let mut c = Checker::new(3, 1);
            c.sent(2, 0, &vote(100));
            c.observe(10, 2, Some(Role::Duck), 2, Some(0));
            c.observe_lease(10, 2, 2, Some(100));
            c.observe(now, 2, Some(Role::Duck), 3, Some(candidate));
            assert_eq!(
                promises_broken(&c),
                broken,
                "a vote for n{} at {now}",
                candidate + 1
            );
            if broken > 0 {
                assert_eq!(c.violations()[0].nodes, vec![2, 0, candidate]);
            }
        }
    }
}
