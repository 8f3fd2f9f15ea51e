//! One node of the cluster: the election rules of Raft §5.2 and the log
//! replication of §5.3–§5.4 as a state machine with no I/O.
//!
//! A [`Node`] never reads a clock, never draws global randomness and never
//! sends anything itself. The simulation calls it with the current simulated
//! time and one input — a message ([`Node::receive`]), "your deadline has come"
//! ([`Node::tick`]), a forced election timeout ([`Node::force_timeout`]), a
//! restart ([`Node::restart`]) — and lends it the run's seeded generator for
//! the one thing it draws, its election timeout. The node answers by putting
//! messages and [`Note`]s (what it did, for the trace and the event log) into an
//! [`Outbox`], and by exposing its next deadline through [`Node::deadline`].
//! This is the shape of quinn-proto's `handle_timeout(now)`/`poll_timeout()`.
//!
//! # The rules (Raft §5.1, §5.2)
//! - Every message carries the sender's term. A node that sees a higher term
//!   adopts it, forgets its vote and becomes a duck (§5.1). A request with a
//!   lower term is refused with the receiver's term, which tells a stale goose
//!   or candidate that it is stale.
//! - A duck whose election timer fires becomes a candidate: it increments its
//!   term, votes for itself and asks every peer for its vote (§5.2).
//! - A node grants at most one vote per term, first come first served (§5.2),
//!   and only to a candidate whose log is at least as up to date as its own:
//!   the later last term wins, and with equal last terms the longer log
//!   (§5.4.1, the election restriction; PreVote applies the same test).
//!   Granting a vote resets the election timer.
//! - A candidate that holds votes from a majority of the *configured* cluster
//!   becomes the goose and at once sends heartbeats, then one every
//!   `heartbeat` (§5.2). A candidate that hears a heartbeat of its own term
//!   from a goose becomes a duck.
//! - A duck that hears a heartbeat of its term records the goose as its leader,
//!   resets its timer and replies.
//! - Every timer reset draws a fresh timeout uniformly from `election`.
//! - The term, the vote and the log are persistent and survive a crash
//!   (Figure 2); the role, the known leader, the votes received, the commit
//!   index and the goose's nextIndex/matchIndex do not. A revived node is a
//!   duck.
//!
//! # The log (§5.3, §5.4)
//! - A new goose sets every peer's nextIndex just past its own log and its
//!   matchIndex to 0, and appends a no-op entry of its term (§5.4.2, §8).
//! - A client request reaches only the goose, which appends it (§5.3) and
//!   sends it at once. Every AppendEntries — the periodic heartbeat too —
//!   carries the entries from the peer's nextIndex on (at most
//!   [`MAX_ENTRIES`]), the index and term of the entry before them, and the
//!   goose's commit index. A heartbeat with nothing to send allocates nothing.
//! - A duck accepts entries only if its log holds the entry before them with
//!   that term (the consistency check, §5.3). It then deletes any existing
//!   entry that conflicts with a new one, and everything after it, appends
//!   what it lacks, and sets its commit index to
//!   `min(leaderCommit, index of the last new entry)` (Figure 2). On a
//!   refusal it says where to try next: past its log, or at the first entry
//!   of the conflicting term (§5.3's optimisation).
//! - On success the goose raises that peer's matchIndex and nextIndex; on a
//!   refusal it lowers nextIndex (never below matchIndex + 1) and retries at
//!   once. A duck left behind by a batch cut short at [`MAX_ENTRIES`] gets
//!   the rest at once.
//! - The goose commits the highest index stored on a majority of the
//!   configured cluster, itself included, but only if that entry is of its
//!   current term (§5.4.2; Figure 8 shows why counting replicas of an older
//!   entry is unsafe). Earlier entries commit with it.
//! - The log holds at most [`crate::log::LOG_CAP`] entries; see
//!   [`crate::log`].
//!
//! # Membership (dissertation §4.1–4.3, [`crate::config`])
//! - A configuration entry adds or removes one node. Each node uses the
//!   latest configuration in its log, committed or not (§4.1); a log cut
//!   back past it falls back to the one before. Votes, commits and
//!   CheckQuorum count the members of the configuration in effect, and a
//!   leader removing itself counts its peers only (§4.2.2). A node answers
//!   requests whatever its configuration says (§4.1).
//! - The goose takes one change at a time: only when the previous one is
//!   committed, no new node is being caught up, and it has committed an
//!   entry of its own term — its no-op (Ongaro's 2015 fix: without it, a
//!   change by a leader that committed nothing yet could overlap an
//!   uncommitted change of an earlier term, and two majorities could miss
//!   each other).
//! - A new node starts outside every configuration and never campaigns
//!   (it has no election timer until a goose speaks to it). The goose first
//!   replicates to it as a non-voter, in rounds; when a round takes less
//!   than `election.min`, or the node holds the whole log, the goose appends
//!   the entry that adds it (§4.2.1). A node silent for an election timeout
//!   is given up ([`CATCH_UP_ROUNDS`] rounds at most).
//! - A removed node may still campaign while its removal is not known to
//!   be committed: it may be needed to elect the goose that commits it
//!   (§4.2.2). Once the removal commits, the goose sends it one last
//!   AppendEntries so it hears that, and it goes quiet; a goose that removed
//!   itself steps down then. A removed node that never hears keeps
//!   campaigning: leases (CheckQuorum) and PreVote keep it from disrupting
//!   (§4.2.3), as for any node cut off.
//!
//! # PreVote (dissertation §9.6)
//! With `pre_vote`, a node whose timer fires first becomes a *precandidate*
//! and asks "would you vote for me in term T+1?" without changing its term.
//! A peer says yes only if T+1 is above its own term and it has not heard from
//! a goose within `election.min`. A yes carries T+1 and counts only in a round
//! that proposes T+1. Only with a majority of yeses does the node become a
//! candidate. So a node that comes back from a partition, where its
//! timer fired again and again, has not inflated its term and cannot depose a
//! healthy goose.
//!
//! # CheckQuorum and leases (dissertation §4.2.3, §6.2)
//! With `check_quorum`, there is never more than one live goose *at any
//! instant*, not just per term: leases bind the voters, the crown bounds
//! the goose's claim, and stepping down keeps the cluster live.
//!
//! **Leases.** Every heartbeat and every vote request carries a [`Lease`]:
//! its `length` is `election.min` at send time (a round trip, `2 ×
//! latency.max`, more for a vote request; see below), and its `floor` is
//! `send time + latency.min + length`. A node that accepts it — a duck acking
//! the heartbeat, a voter granting the vote — promises not to vote for anybody,
//! itself included, until `arrival + length`, which is at least `floor`
//! because no message arrives sooner than `latency.min` after it was sent. The
//! acceptance echoes `floor` back. A node in a lease refuses every vote and
//! does not even adopt the candidate's higher term (§4.2.3); if its own timer
//! fires during a lease, it stays a duck. The promise is part of the node's
//! persistent state, like its vote, because a promise forgotten in a crash is
//! no promise. A node remembers whom its live promises were made to: if all
//! were made to one node, that node — and only it — may still have its vote
//! (see "Handing the term on").
//!
//! **The crown.** A leader keeps, for every peer, the largest floor that
//! peer has echoed (with its vote or a heartbeat ack). It counts itself as one
//! member of every quorum (a leader votes for nobody). Let `D` be the
//! `(majority − 1)`-th largest echoed floor: a majority of the cluster (the
//! leader and `majority − 1` peers) has promised not to vote for anybody else
//! until `D`. The leader claims to be goose — [`Role::Goose`], in `status`, on
//! the canvas, to the invariant checker — only while the clock is before `D`.
//! At `D` it loses its crown ([`Role::Uncrowned`]) but stays leader of its
//! term: it keeps sending heartbeats, so its followers stay quiet, and it is
//! crowned again the moment acks from a majority push `D` past the clock.
//!
//! **Why that suffices.** Suppose A is goose of term `a` at instant `T` and B
//! is goose of term `b > a` at the same instant (the case `b < a` is the same
//! with the names swapped). A being goose at `T` means `T < D`, and a
//! majority `Q_A` promised, in term `a` and at or before `T`, leases that end
//! no earlier than `D`. B won at some `W ≤ T` with votes from a majority
//! `Q_B`, all cast at or before `W`. The two majorities share some node `v`
//! other than A (A, while leader, votes for nobody). If `v` accepted A's lease
//! after voting for B it was already in term `b`, and a node in a later term
//! echoes no floor for term `a`; so it accepted A's lease first, and when it
//! voted, at some `g ≤ W ≤ T`, its promise still held, because it ends no
//! earlier than `D > T ≥ g`. A node never votes during a promise (and a
//! campaign is a vote for oneself, so `v = B` is no way out): contradiction.
//! The comparisons are strict (a vote needs `now > lease_until`; the crown
//! falls at `now ≥ D`), so at the instant `D` itself nobody can win. Nothing
//! here needs `latency.max`: losing or delaying messages only makes the crown
//! fall sooner. Every number the argument uses travels inside the messages,
//! so changing `election` or `latency` during a run keeps it true.
//!
//! A brand-new goose's only floors are those of its votes, while its first
//! heartbeat acks arrive a round trip after the win, two round trips after
//! the request. With vote leases as long as heartbeat leases (`election.min`)
//! the vote leases ran out first whenever four one-way latencies exceeded
//! `latency.min + election.min`, and a goose that stepped down there flapped
//! forever (issue 11: 23 s of 30 without a goose at `latency=52ms`). So a
//! vote lease is longer by a round trip, which carries a new goose to its
//! first acks whenever a round trip is below `election.min`; beyond that the
//! new goose spends the gap uncrowned and is crowned when the acks arrive. It
//! does not step down, so the term stays settled either way.
//!
//! **Handing the term on.** A crowned goose A that sees a higher term `t`
//! in a heartbeat ack (from a node that timed out, or came back from a
//! partition, before hearing A) must adopt `t` and stop leading (§5.1). But
//! being crowned, A knows that nobody has won any term above its own (the
//! argument above, with B's win at or before now), and a majority is still
//! bound to A alone. So A campaigns at once for `t + 1`, and a node whose
//! every live promise was made to A may vote for it. That is safe: in the
//! argument above, `v` holds a live promise to the crowned goose and votes
//! for somebody else, which a promise to one node alone never allows. The
//! exception only spares a healthy goose a lost election: without it, the
//! ducks' promises to A would block every candidate, A included, until they
//! ran out.
//!
//! **Step-down (dissertation §6.2).** A leader steps down only when an
//! election timeout (`election.max`) passes since it last heard from a
//! majority — since the latest instant by which a majority had answered it
//! with a vote or a heartbeat ack. That is what frees a cluster from a leader
//! whose heartbeats still arrive (so its followers stay loyal) but whose acks
//! never come back, as over a one-way link. Stepping down is liveness, not
//! safety: the crown already guarantees one goose at a time.
//!
//! The price: a goose that cannot reach a majority for about `election.min`
//! loses its crown (the cluster has no goose until a majority answers again
//! or another node wins), and a node stays loyal to a lease for
//! `election.min` after each heartbeat or vote.
//!
//! **Membership changes none of this either.** The majorities `Q_A` and
//! `Q_B` above are each of its leader's configuration in effect. A
//! single-server change keeps any majority of the old configuration and any
//! majority of the new one overlapping (§4.1), and one change at a time with
//! the 2015 fix keeps every two configurations whose leaders could overlap
//! adjacent (a second change needs the first committed, hence in every
//! later leader's log, §5.4). So `Q_A` and `Q_B` still share a node `v`;
//! if `v = A` (a leader removing itself does not count itself, and a node
//! being added holds no promise), the argument is unchanged because a
//! leader votes for nobody. A leader recomputes its crown over the new
//! configuration the moment it appends a change.
//!
//! **The log changes none of this.** Every AppendEntries — a heartbeat, a
//! request's entries sent at once, a retry after a refusal — asks for the same
//! heartbeat lease and every acceptance echoes its floor (and counts as an
//! ack): each is one more promise, and the crown only takes the largest floor
//! each peer echoed. A duck promises whether or not the consistency check
//! passed, because the promise concerns votes, not entries. The election
//! restriction (§5.4.1) only adds refusals, so "a node never votes during a
//! promise" still holds; a duck whose log is behind still makes and keeps
//! promises. The majorities in the argument are majorities of the configured
//! cluster, as for votes and commits. Replication and commits do not depend
//! on the crown: a leader without its crown still replicates and commits
//! (§5.4.2 is what makes a commit safe), but takes no client requests, since
//! it does not claim to be goose. In a real deployment `latency.min` would be
//! taken as 0;
//! the simulator knows its network, so it may use the true floor.
//!
//! # Real clocks (`ddg node`, [`crate::net`])
//! A real node's clock is `Instant` (monotonic) since its process started, so
//! no two nodes share an origin; the argument above only ever compares a
//! duration measured by the goose with one measured by a duck, never two
//! instants of different nodes. It therefore assumes a bound on clock *rates*:
//! every node's clock runs within a fraction ρ of true time, so two nodes'
//! rates differ by a factor of at most about `1 + 2ρ`. Real nodes take
//! `latency.min = 0` and
//! every duck stretches each promise it makes by a safety margin `m`
//! (`--lease-margin`): it is safe while `m ≥ 2ρ · election.min`. The default
//! is `election.min / 10`, which covers ρ up to 5% — far beyond a quartz
//! crystal (≈ 10⁻⁴) or a VM whose clock is slewed by NTP (≤ 5·10⁻⁴).
//! A monotonic instant of an earlier process means nothing after a restart,
//! so a node that had ever promised a lease boots promising the longest
//! lease it ever granted (plus the margin) from boot: it began after the old
//! promise, so it ends after it. A goose answers "goose" only while
//! `now < majority_lease_end()`, so one that was paused (SIGSTOP) and resumed
//! after its lease lapsed says "duck" even before it processes its first tick.

use crate::config::{Change, Config, Members, MAX_SLOTS};
use crate::log::{Entry, EntryKind, Index, Log};
use crate::message::{node_name, Body, Lease, Message, NodeId, Term};
use crate::options::{Options, Time};
use crate::rng::SimRng;

mod ranked;
use ranked::Ranked;

/// What a node believes it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// A follower (§5.2): it votes and listens to the goose.
    Duck,
    /// A node asking for pre-votes before it campaigns (PreVote, §9.6).
    PreCandidate,
    /// A node campaigning in its current term (§5.2).
    Candidate,
    /// The leader (§5.2), and the one node that may call itself goose: with
    /// CheckQuorum, only while a majority's leases hold (see the module doc).
    Goose,
    /// A leader whose CheckQuorum lease has run out: it keeps its term and
    /// keeps sending heartbeats, so its followers stay quiet, but it does not
    /// claim to be goose until a majority's acks renew its lease. It steps
    /// down when an election timeout passes with no word from a majority
    /// (dissertation §6.2). The page draws it as a goose without its crown.
    Uncrowned,
}

impl Role {
    /// The lowercase name used in `status` JSON and in the page.
    pub fn name(self) -> &'static str {
        match self {
            Role::Duck => "duck",
            Role::PreCandidate => "precandidate",
            Role::Candidate => "candidate",
            Role::Goose => "goose",
            Role::Uncrowned => "uncrowned",
        }
    }

    /// Whether the node leads its term (§5.2), crowned or not.
    pub fn is_leader(self) -> bool {
        matches!(self, Role::Goose | Role::Uncrowned)
    }
}

/// What a (pre)candidate knows of one peer's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ballot {
    /// No answer yet.
    Pending,
    /// The peer granted the (pre)vote.
    Granted,
    /// The peer refused.
    Denied,
}

/// Why a node became a duck.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepDown {
    /// It saw a higher term from `from` (§5.1).
    HigherTerm {
        /// Who sent the message with the higher term.
        from: NodeId,
        /// The term it saw.
        term: Term,
    },
    /// A (pre)candidate heard a heartbeat from the goose of its term (§5.2).
    GooseHeard {
        /// The goose it heard.
        goose: NodeId,
    },
    /// A leader that heard from no majority for an election timeout
    /// (CheckQuorum, dissertation §6.2).
    LostQuorum,
    /// A leader whose own removal committed (dissertation §4.2.2).
    Removed,
}

/// Why a node refused a vote or a pre-vote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The candidate's term is below the voter's (§5.1).
    StaleTerm,
    /// The voter already voted for this node in this term (§5.2).
    AlreadyVoted(NodeId),
    /// The voter promised a lease that has not ended yet (CheckQuorum).
    Lease,
    /// The voter heard from a live goose within `election.min` (PreVote).
    GooseAlive,
    /// The candidate's log is less up to date than the voter's (§5.4.1).
    LogBehind {
        /// The candidate's last log entry: (term, index).
        theirs: (Term, Index),
        /// The voter's last log entry: (term, index).
        mine: (Term, Index),
    },
}

/// Why a node became a candidate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cause {
    /// Its election timer fired (§5.2).
    Timeout,
    /// It won a pre-vote round (§9.6).
    PreVote,
    /// It was a crowned goose and a heartbeat ack showed a higher term: it
    /// campaigns at once for the term after (CheckQuorum; see "Handing the
    /// term on" in the module doc).
    Deposed,
}

/// Something a node did, reported for the trace, the event log and the
/// statistics. Notes describe; they never drive the simulation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Note {
    /// The node became a duck.
    SteppedDown {
        /// The role it left.
        was: Role,
        /// Why.
        why: StepDown,
    },
    /// The node adopted a higher term without changing role (it was a duck).
    TermAdopted {
        /// Who carried the term.
        from: NodeId,
    },
    /// The election timer fired and the node began asking for pre-votes.
    PreCampaign {
        /// The term it would campaign in.
        proposed: Term,
    },
    /// The node became a candidate and voted for itself.
    Campaign {
        /// Its new term.
        term: Term,
        /// What made it run.
        why: Cause,
    },
    /// The node won its election.
    Won {
        /// Votes held, its own included.
        votes: u32,
    },
    /// The node granted its vote.
    Voted {
        /// The candidate.
        candidate: NodeId,
    },
    /// The node refused a vote or pre-vote.
    Refused {
        /// The (pre)candidate.
        candidate: NodeId,
        /// Whether it was a pre-vote.
        pre: bool,
        /// Why.
        why: Refusal,
    },
    /// The election timer fired during a lease, so the node stayed a duck.
    TimeoutInLease {
        /// When its promise ends.
        lease_until: Time,
    },
    /// A duck's log disagreed with the goose's, and it dropped its entries
    /// from `from` on (§5.3).
    Truncated {
        /// The first index dropped.
        from: Index,
        /// How many entries went.
        dropped: u64,
    },
    /// The log is full ([`crate::log::LOG_CAP`]): a new goose could not
    /// append its no-op.
    LogFull,
    /// The goose's majority lease ran out: it stays leader of its term but no
    /// longer claims to be goose (CheckQuorum).
    LostCrown,
    /// The goose began catching a new node up as a non-voter (§4.2.1).
    CatchingUp {
        /// The node to add once it has caught up.
        node: NodeId,
    },
    /// The goose appended a configuration change, in effect on it at once
    /// (§4.1).
    Changed {
        /// The change.
        change: Change,
        /// Its log index.
        index: Index,
    },
    /// The goose gave up adding a node that did not catch up within
    /// [`CATCH_UP_ROUNDS`] rounds (§4.2.1).
    CatchUpFailed {
        /// The node.
        node: NodeId,
    },
    /// A leader without its crown heard acks from a majority (or CheckQuorum
    /// was turned off) and is goose again.
    Crowned {
        /// Until when a majority's leases now hold (`Time::MAX` without
        /// CheckQuorum).
        until: Time,
    },
}

/// Where a node puts what it wants sent and what it wants said.
#[derive(Clone, Debug, Default)]
pub struct Outbox {
    /// Messages to send, with their destination.
    pub messages: Vec<(NodeId, Message)>,
    /// The entries of the AppendEntries in `messages`, in their order: each
    /// takes the next `count` of them (entries travel beside a message, see
    /// [`crate::message`]). [`Outbox::each`] pairs them up.
    pub entries: Vec<Entry>,
    /// What the node did.
    pub notes: Vec<Note>,
    /// The lowest log index the step wrote or removed, if it touched the log
    /// (for the invariant checker, which then looks at that suffix only).
    pub log_from: Option<Index>,
}

impl Outbox {
    /// Empties both lists, keeping their memory.
    pub fn clear(&mut self) {
        self.messages.clear();
        self.entries.clear();
        self.notes.clear();
        self.log_from = None;
    }

    /// Queues `msg` for `to` with the entries it carries (none but for an
    /// AppendEntries, whose `count` they match).
    #[inline]
    pub fn send(&mut self, to: NodeId, msg: Message, entries: &[Entry]) {
        debug_assert_eq!(msg.entry_count(), entries.len());
        self.messages.push((to, msg));
        if !entries.is_empty() {
            self.entries.extend_from_slice(entries);
        }
    }

    /// Queues `msg` for `to` with its entries in two parts (a range of the
    /// log that crosses from one chunk to the next, [`Log::range`]).
    #[inline]
    pub fn send_parts(&mut self, to: NodeId, msg: Message, first: &[Entry], rest: &[Entry]) {
        debug_assert_eq!(msg.entry_count(), first.len() + rest.len());
        self.messages.push((to, msg));
        if !first.is_empty() {
            self.entries.extend_from_slice(first);
            self.entries.extend_from_slice(rest);
        }
    }

    /// Every queued message with its destination and its entries, in order.
    pub fn each(&self) -> impl Iterator<Item = (NodeId, Message, &[Entry])> {
        let mut at = 0;
        self.messages.iter().map(move |&(to, msg)| {
            let end = at + msg.entry_count();
            let entries = &self.entries[at..end];
            at = end;
            (to, msg, entries)
        })
    }

    fn log_touched(&mut self, index: Index) {
        self.log_from = Some(self.log_from.map_or(index, |i| i.min(index)));
    }
}

/// The most entries one AppendEntries carries (a bound on message size; a
/// duck further behind catches up over several round trips).
pub const MAX_ENTRIES: usize = 16;

/// How many rounds of replication a new node gets to catch up before the
/// goose gives up adding it (dissertation §4.2.1).
pub const CATCH_UP_ROUNDS: u32 = 10;

/// A new node the goose is catching up before it joins (§4.2.1): each round
/// replicates every entry the goose held when the round began; the node joins
/// when a round takes less than an election timeout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CatchUp {
    /// The node being caught up, a non-voter until it joins.
    pub node: NodeId,
    /// The last index of this round.
    pub round_end: Index,
    /// When this round began.
    pub round_start: Time,
    /// Which round this is, from 1.
    pub round: u32,
    /// When the node last acknowledged anything (the goose gives up on a
    /// node silent for an election timeout).
    pub heard: Time,
}

/// What a node needs from its surroundings for one step.
pub struct Ctx<'a> {
    /// The current options.
    pub opts: &'a Options,
    /// The run's generator, for election timeouts.
    pub rng: &'a mut SimRng,
    /// Where the output goes.
    pub out: &'a mut Outbox,
}

/// One node's election state.
#[derive(Clone, Debug)]
pub struct Node {
    id: NodeId,
    /// How many node ids the run knows (the length of every per-peer list).
    slots: u32,
    /// The configuration in effect, derived from the log (dissertation §4.1).
    config: Config,

    // Persistent state (Figure 2), plus the CheckQuorum promise.
    term: Term,
    voted_for: Option<NodeId>,
    log: Log,
    lease_until: Option<Time>,
    /// Whom every promise still binding was made to, if all to one node.
    lease_holder: Option<NodeId>,
    // Volatile state.
    role: Role,
    leader: Option<NodeId>,
    timer_start: Time,
    election_deadline: Time,
    heartbeat_last: Time,
    heartbeat_due: Time,
    goose_heard: Option<Time>,
    ballots: Vec<Ballot>,
    commit: Index,
    /// What only a (pre)candidate or a leader keeps, boxed so that a duck
    /// (most nodes, in every time-travel checkpoint) does not carry it.
    lead: Option<Box<Lead>>,
}

/// The volatile state of a (pre)candidate or leader (Figure 2's "volatile
/// state on leaders", and the CheckQuorum bookkeeping), indexed by node id.
#[derive(Clone, Debug)]
struct Lead {
    /// For each peer, the largest lease floor it echoed in this leadership.
    floors: Ranked,
    /// For each peer, when its last granted vote or heartbeat ack of this
    /// leadership arrived.
    acked: Ranked,
    // The goose's view of each peer's log (§5.3).
    next_index: Vec<Index>,
    match_index: Vec<Index>,
    // The highest index sent to each peer in this term, to tell a batch cut
    // short by MAX_ENTRIES (send the rest at once) from entries in flight.
    sent_index: Vec<Index>,
    /// A new node being caught up before it joins (§4.2.1).
    catch_up: Option<CatchUp>,
}

impl Lead {
    fn new(me: NodeId, slots: u32, members: Members) -> Lead {
        let n = slots as usize;
        Lead {
            floors: Ranked::new(me, slots, members),
            acked: Ranked::new(me, slots, members),
            next_index: vec![1; n],
            match_index: vec![0; n],
            sent_index: vec![0; n],
            catch_up: None,
        }
    }
}

/// The number of votes that wins in a cluster of `size` (§5.2).
pub fn majority(size: u32) -> u32 {
    size / 2 + 1
}

impl Node {
    /// A fresh node of a cluster of `size` nodes that all start as members,
    /// a duck in term 0 whose election timer starts at `now`.
    pub fn new(id: NodeId, size: u32, now: Time, opts: &Options, rng: &mut SimRng) -> Node {
        Node::joining(id, size, Members::first(size), now, opts, rng)
    }

    /// A fresh node among `slots` node ids, of a cluster that started with
    /// the configuration `initial` (which need not hold this node: a node
    /// added later starts outside it and never campaigns until a
    /// configuration entry in its log makes it a member, §4.2.1).
    pub fn joining(
        id: NodeId,
        slots: u32,
        initial: Members,
        now: Time,
        opts: &Options,
        rng: &mut SimRng,
    ) -> Node {
        debug_assert!(id < slots && slots <= MAX_SLOTS);
        let size = slots;
        let mut node = Node {
            id,
            slots,
            config: Config::new(initial, slots),
            term: 0,
            voted_for: None,
            log: Log::new(),
            lease_until: None,
            lease_holder: None,
            role: Role::Duck,
            leader: None,
            timer_start: now,
            election_deadline: now,
            heartbeat_last: now,
            heartbeat_due: now,
            goose_heard: None,
            ballots: vec![Ballot::Pending; size as usize],
            lead: None,
            commit: 0,
        };
        node.reset_timer(now, opts, rng);
        node
    }

    /// A node that boots from its disk (a real node's restart): the persistent
    /// `term`, `voted_for`, log and CheckQuorum promise restored, a duck with a
    /// fresh timer started at `now` (Figure 2). `lease_until` is in this run's
    /// clock: a promise made by an earlier process is restored as lasting its
    /// full length from boot (see "Real clocks" above).
    #[allow(clippy::too_many_arguments)]
    pub fn recovered(
        id: NodeId,
        slots: u32,
        initial: Members,
        now: Time,
        term: Term,
        voted_for: Option<NodeId>,
        log: Log,
        lease_until: Option<Time>,
        opts: &Options,
        rng: &mut SimRng,
    ) -> Node {
        let mut node = Node::joining(id, slots, initial, now, opts, rng);
        node.term = term;
        node.voted_for = voted_for;
        node.config = Config::of(initial, slots, &log);
        node.log = log;
        node.lease_until = lease_until;
        node
    }

    /// This node's id.
    pub fn id(&self) -> NodeId {
        self.id
    }
    /// Its current term (persistent).
    pub fn term(&self) -> Term {
        self.term
    }
    /// Whom it voted for in its current term (persistent).
    pub fn voted_for(&self) -> Option<NodeId> {
        self.voted_for
    }
    /// Its role.
    pub fn role(&self) -> Role {
        self.role
    }
    /// The goose it follows in its current term, if it knows one.
    pub fn leader(&self) -> Option<NodeId> {
        self.leader
    }
    /// When its CheckQuorum promise ends, if it made one.
    pub fn lease_until(&self) -> Option<Time> {
        self.lease_until
    }
    /// Whom every promise still binding was made to, if all to one node:
    /// that node, and only it, may have this node's vote during the promise.
    pub fn lease_holder(&self) -> Option<NodeId> {
        self.lease_holder
    }
    /// When its election timer was last started (ducks and candidates).
    pub fn timer_start(&self) -> Time {
        self.timer_start
    }
    /// When its election timer fires (ducks and candidates).
    pub fn election_deadline(&self) -> Time {
        self.election_deadline
    }
    /// The goose's last heartbeat and the next one due.
    pub fn heartbeat_times(&self) -> (Time, Time) {
        (self.heartbeat_last, self.heartbeat_due)
    }
    /// A (pre)candidate's view of each peer's answer, indexed by node id.
    pub fn ballots(&self) -> &[Ballot] {
        &self.ballots
    }
    /// Its log (persistent).
    pub fn log(&self) -> &Log {
        &self.log
    }
    /// The highest index it knows to be committed (§5.3; volatile).
    pub fn commit(&self) -> Index {
        self.commit
    }
    /// A goose's nextIndex for each peer, indexed by node id (§5.3).
    pub fn next_index(&self) -> &[Index] {
        self.lead.as_deref().map_or(&[], |l| &l.next_index)
    }
    /// A goose's matchIndex for each peer, indexed by node id (§5.3).
    pub fn match_index(&self) -> &[Index] {
        self.lead.as_deref().map_or(&[], |l| &l.match_index)
    }
    /// Its view of the configuration: the latest in its log (§4.1).
    pub fn config(&self) -> &Config {
        &self.config
    }
    /// The nodes that vote in the configuration in effect.
    pub fn members(&self) -> Members {
        self.config.members()
    }
    /// A new node the goose is catching up before it joins (§4.2.1).
    pub fn catch_up(&self) -> Option<CatchUp> {
        self.lead.as_deref().and_then(|l| l.catch_up)
    }
    /// Roughly how many bytes this node holds, its log included (for the
    /// time-travel memory budget): a duck carries no candidate or leader
    /// state.
    pub fn footprint(&self) -> usize {
        let n = self.slots as usize;
        let lead = self.lead.as_ref().map_or(0, |_| {
            std::mem::size_of::<Lead>() + n * (3 * 8 + 2 * (8 + 4 + 4))
        });
        std::mem::size_of::<Node>() + n + lead + self.log.footprint()
    }

    /// How many node ids this node knows.
    pub fn slots(&self) -> u32 {
        self.slots
    }

    /// The run now knows `slots` node ids (a node was added): every per-peer
    /// list grows, the new peers unknown (nextIndex 1, matchIndex 0).
    pub fn grow(&mut self, slots: u32) {
        assert!(slots >= self.slots && slots <= MAX_SLOTS);
        let n = slots as usize;
        self.slots = slots;
        self.config.grow(slots);
        self.ballots.resize(n, Ballot::Pending);
        let next = self.log.last_index() + 1;
        if let Some(l) = self.lead.as_deref_mut() {
            l.next_index.resize(n, next);
            l.match_index.resize(n, 0);
            l.sent_index.resize(n, 0);
            l.floors.grow(slots);
            l.acked.grow(slots);
        }
    }

    /// Whether this node may start an election: it is in its configuration,
    /// or its own removal is in its log but not known to be committed — it
    /// may still be needed to elect the leader that commits it
    /// (dissertation §4.2.2). A node being added never campaigns (§4.2.1).
    pub fn may_campaign(&self) -> bool {
        let id = self.id;
        self.config.members().contains(id)
            || (self.config.pending(self.commit) && self.config.previous().contains(id))
    }

    /// The (pre)candidate's or leader's state: present from the first
    /// campaign of a leadership on (a protocol bug, not an input, if not).
    #[inline]
    fn l(&mut self) -> &mut Lead {
        self.lead
            .as_deref_mut()
            .expect("a (pre)candidate or leader keeps its Lead")
    }

    /// Whom a leader sends AppendEntries: the configuration in effect, the
    /// new node it is catching up, and, until a removal commits, the node
    /// being removed (so that it hears its removal commit and stays quiet,
    /// §4.2.3).
    fn followers(&self) -> Members {
        let mut to = self.members();
        if self.config.pending(self.commit) {
            to = to.union(self.config.previous());
        }
        if let Some(c) = self.catch_up() {
            to = to.with(c.node);
        }
        to.without(self.id)
    }

    /// Test and checker hook: the log, to plant a corruption the invariant
    /// checker must catch. Nothing in the protocol calls it.
    #[doc(hidden)]
    pub fn log_mut_for_tests(&mut self) -> &mut Log {
        &mut self.log
    }

    /// The instant a leader's majority lease ends: a majority's leases are
    /// guaranteed until then and no longer (see the module doc). Under
    /// CheckQuorum the leader is goose only before this instant.
    pub fn majority_lease_end(&self) -> Time {
        self.lead.as_deref().map_or(0, |l| l.floors.kth_largest())
    }

    /// When the leader last heard from a majority: the latest instant by
    /// which a majority (itself and `majority − 1` peers) had answered it
    /// with a vote or a heartbeat ack in this leadership. Under CheckQuorum
    /// the leader steps down an election timeout after it (§6.2).
    pub fn majority_heard_at(&self) -> Time {
        self.lead.as_deref().map_or(0, |l| l.acked.kth_largest())
    }

    /// When a leader under CheckQuorum steps down: an election timeout (its
    /// longest, `election.max`) after it last heard from a majority.
    pub fn step_down_at(&self, opts: &Options) -> Time {
        self.majority_heard_at().saturating_add(opts.election.max)
    }

    /// The next instant at which this node wants [`Node::tick`] called.
    pub fn deadline(&self, opts: &Options) -> Time {
        match self.role {
            Role::Goose if opts.check_quorum => self
                .heartbeat_due
                .min(self.majority_lease_end())
                .min(self.step_down_at(opts)),
            Role::Uncrowned => self.heartbeat_due.min(self.step_down_at(opts)),
            Role::Goose => self.heartbeat_due,
            _ => self.election_deadline,
        }
    }

    /// Whether this node is bound by a promise at `now` and must not vote for
    /// `candidate`.
    fn in_lease(&self, now: Time, candidate: NodeId, opts: &Options) -> bool {
        // A leader under CheckQuorum is the holder of its own lease.
        (self.role.is_leader() && opts.check_quorum) || self.bound_against(now, candidate).is_some()
    }

    /// The end of this node's promise, if one binds it at `now` against
    /// voting for `candidate`: every promise binds, except that a node whose
    /// every live promise was made to `candidate` may vote for it again (see
    /// "Handing the term on" in the module doc).
    fn bound_against(&self, now: Time, candidate: NodeId) -> Option<Time> {
        self.lease_until
            .filter(|&until| now <= until && self.lease_holder != Some(candidate))
    }

    /// Whether this node heard from a live goose within `election.min`: the
    /// test a PreVote must pass (§9.6).
    fn heard_goose_recently(&self, now: Time, opts: &Options) -> bool {
        self.role.is_leader()
            || self
                .goose_heard
                .is_some_and(|t| now < t.saturating_add(opts.election.min))
    }

    #[inline]
    fn reset_timer(&mut self, now: Time, opts: &Options, rng: &mut SimRng) {
        self.timer_start = now;
        self.election_deadline = now + rng.range_inclusive(opts.election.min, opts.election.max);
    }

    /// The lease a heartbeat (`extra` 0) or a vote request carries. A vote
    /// lease is longer by `extra`, a round trip, so that it lasts until the
    /// first heartbeat acks can arrive (see the module doc).
    fn lease(&self, now: Time, extra: Time, opts: &Options) -> Option<Lease> {
        let length = opts.election.min + extra;
        opts.check_quorum.then(|| Lease {
            length,
            floor: now + opts.latency.min + length,
        })
    }

    /// Accepts `holder`'s lease: no vote for anybody else until
    /// `now + length`. Returns the floor to echo.
    #[cfg_attr(not(target_arch = "wasm32"), inline(always))]
    fn promise(&mut self, now: Time, holder: NodeId, lease: Option<Lease>) -> Option<Time> {
        let lease = lease?;
        // Saturating: a garbled datagram may carry any length (src/net/wire.rs).
        let until = now.saturating_add(lease.length);
        self.lease_holder = match self.lease_until {
            // A live promise to somebody else: from now on it binds against all.
            Some(old) if now <= old && self.lease_holder != Some(holder) => None,
            _ => Some(holder),
        };
        self.lease_until = Some(self.lease_until.map_or(until, |u| u.max(until)));
        Some(lease.floor)
    }

    /// Sends `msg` to every other member of the configuration in effect
    /// (a vote counts only from a member, §4.1).
    fn broadcast(&self, msg: Message, out: &mut Outbox) {
        for peer in self.members().without(self.id).iter() {
            out.messages.push((peer, msg));
        }
    }

    fn become_duck(&mut self, now: Time, why: StepDown, ctx: &mut Ctx) {
        let was = self.role;
        self.role = Role::Duck;
        self.leader = None;
        self.lead = None;
        self.reset_timer(now, ctx.opts, ctx.rng);
        ctx.out.notes.push(Note::SteppedDown { was, why });
    }

    fn adopt_term(&mut self, now: Time, term: Term, from: NodeId, ctx: &mut Ctx) {
        self.term = term;
        self.voted_for = None;
        self.leader = None;
        if self.role == Role::Duck {
            ctx.out.notes.push(Note::TermAdopted { from });
        } else {
            self.become_duck(now, StepDown::HigherTerm { from, term }, ctx);
        }
    }

    fn start_ballots(&mut self) {
        self.ballots.fill(Ballot::Pending);
        self.ballots[self.id as usize] = Ballot::Granted;
        let members = self.members();
        match self.lead.as_deref_mut() {
            Some(l) => {
                l.floors.reset(members);
                l.acked.reset(members);
                l.catch_up = None;
            }
            None => self.lead = Some(Box::new(Lead::new(self.id, self.slots, members))),
        }
    }

    /// The votes granted by members of the configuration in effect, this
    /// node's own included if it is one (§4.1).
    fn granted(&self) -> u32 {
        self.members()
            .iter()
            .filter(|&p| self.ballots[p as usize] == Ballot::Granted)
            .count() as u32
    }

    /// The votes that win: a majority of the configuration in effect.
    #[inline]
    fn quorum(&self) -> u32 {
        self.members().majority()
    }

    /// The election timer fired: campaign, or pre-campaign (§5.2, §9.6).
    fn election_timeout(&mut self, now: Time, ctx: &mut Ctx) {
        if let Some(until) = self.bound_against(now, self.id) {
            // A campaign is a vote for oneself, and a promise forbids it. A
            // precandidate bound meanwhile gives up its round too.
            self.role = Role::Duck;
            self.reset_timer(now, ctx.opts, ctx.rng);
            ctx.out
                .notes
                .push(Note::TimeoutInLease { lease_until: until });
            return;
        }
        if self.term == Term::MAX {
            // The last term: no election can follow it. Only a forged or
            // garbled datagram (src/net/wire.rs) brings a node here; it
            // stays a duck rather than wrap around to term 0.
            self.role = Role::Duck;
            self.reset_timer(now, ctx.opts, ctx.rng);
            return;
        }
        if !self.may_campaign() {
            // §4.2.1, §4.2.2: a node outside its configuration does not
            // campaign (a new node still catching up, a removed node once its
            // removal is committed). It waits with no timer until a goose
            // speaks to it again.
            self.role = Role::Duck;
            self.election_deadline = Time::MAX;
            return;
        }
        if ctx.opts.pre_vote {
            self.pre_campaign(now, ctx);
        } else {
            self.campaign(now, Cause::Timeout, ctx);
        }
    }

    fn pre_campaign(&mut self, now: Time, ctx: &mut Ctx) {
        self.role = Role::PreCandidate;
        self.leader = None;
        self.start_ballots();
        self.reset_timer(now, ctx.opts, ctx.rng);
        let proposed = self.term + 1;
        ctx.out.notes.push(Note::PreCampaign { proposed });
        self.broadcast(
            Message {
                term: proposed,
                body: Body::PreVoteRequest {
                    last_index: self.log.last_index(),
                    last_term: self.log.last_term(),
                },
            },
            ctx.out,
        );
        if self.granted() >= self.quorum() {
            self.campaign(now, Cause::PreVote, ctx);
        }
    }

    fn campaign(&mut self, now: Time, why: Cause, ctx: &mut Ctx) {
        self.term += 1;
        self.voted_for = Some(self.id);
        self.role = Role::Candidate;
        self.leader = None;
        self.start_ballots();
        self.reset_timer(now, ctx.opts, ctx.rng);
        ctx.out.notes.push(Note::Campaign {
            term: self.term,
            why,
        });
        let lease = self.lease(now, 2 * ctx.opts.latency.max, ctx.opts);
        self.broadcast(
            Message {
                term: self.term,
                body: Body::VoteRequest {
                    lease,
                    last_index: self.log.last_index(),
                    last_term: self.log.last_term(),
                },
            },
            ctx.out,
        );
        self.maybe_win(now, ctx);
    }

    fn maybe_win(&mut self, now: Time, ctx: &mut Ctx) {
        let votes = self.granted();
        if votes < self.quorum() {
            return;
        }
        self.role = Role::Goose;
        self.leader = Some(self.id);
        ctx.out.notes.push(Note::Won { votes });
        // §5.3: the goose starts out assuming every duck's log matches its
        // own, and backs off on refusals. §5.4.2/§8: it appends a no-op of its
        // term, the first entry it may commit by counting replicas, which
        // commits everything before it too.
        let next = self.log.last_index() + 1;
        let l = self.l();
        l.next_index.fill(next);
        l.match_index.fill(0);
        l.sent_index.fill(0);
        l.catch_up = None;
        let noop = Entry {
            term: self.term,
            kind: EntryKind::Noop,
        };
        match self.log.append(noop) {
            Some(index) => ctx.out.log_touched(index),
            None => ctx.out.notes.push(Note::LogFull),
        }
        let (me, last) = (self.id as usize, self.log.last_index());
        self.l().match_index[me] = last;
        self.send_heartbeats(now, ctx);
        self.advance_commit(now, ctx);
        self.check_quorum(now, ctx);
    }

    fn send_heartbeats(&mut self, now: Time, ctx: &mut Ctx) {
        if let Some(c) = self.catch_up() {
            // §4.2.1: a new node that is down, or too slow, must not hold up
            // every later change.
            if now.saturating_sub(c.heard) > ctx.opts.election.max {
                self.l().catch_up = None;
                ctx.out.notes.push(Note::CatchUpFailed { node: c.node });
            }
        }
        self.heartbeat_last = now;
        self.heartbeat_due = now + ctx.opts.heartbeat;
        self.replicate(now, ctx);
    }

    /// One AppendEntries to every peer, each from its nextIndex (§5.3). The
    /// peers that are caught up (every one, in a heartbeat of a quiet
    /// cluster) get the same message, built once.
    fn replicate(&mut self, now: Time, ctx: &mut Ctx) {
        let next = self.log.last_index() + 1;
        let (beat, _) = self.append_from(now, next, ctx.opts);
        for peer in self.followers().iter() {
            let p = peer as usize;
            let l = self.l();
            if l.next_index[p] == next {
                l.sent_index[p] = next - 1;
                ctx.out.messages.push((peer, beat));
            } else {
                self.send_append(now, peer, ctx);
            }
        }
    }

    /// AppendEntries to `peer`: the entries from its nextIndex on (at most
    /// [`MAX_ENTRIES`]), after the entry just before them (§5.3).
    #[cfg_attr(not(target_arch = "wasm32"), inline(always))]
    fn send_append(&mut self, now: Time, peer: NodeId, ctx: &mut Ctx) {
        let next = self.l().next_index[peer as usize];
        let (msg, [first, rest]) = self.append_from(now, next, ctx.opts);
        ctx.out.send_parts(peer, msg, first, rest);
        self.l().sent_index[peer as usize] = next - 1 + msg.entry_count() as Index;
    }

    /// The AppendEntries for a peer whose nextIndex is `next`, and the
    /// entries it carries.
    #[cfg_attr(not(target_arch = "wasm32"), inline(always))]
    fn append_from(&self, now: Time, next: Index, opts: &Options) -> (Message, [&[Entry]; 2]) {
        let prev_index = next - 1;
        let entries = self.log.range(next, MAX_ENTRIES);
        let body = Body::AppendEntries {
            lease: self.lease(now, 0, opts),
            prev_index,
            prev_term: self.log.term_at(prev_index).unwrap_or(0),
            count: (entries[0].len() + entries[1].len()) as u32,
            commit: self.commit,
        };
        let msg = Message {
            term: self.term,
            body,
        };
        (msg, entries)
    }

    /// The commit rule of §5.4.2: the goose commits the highest index stored
    /// on a majority, but only if that entry is of its own term (counting
    /// replicas of an older term's entry is unsafe: Figure 8). Earlier
    /// entries commit with it (Log Matching).
    ///
    /// Only members of the configuration in effect count (§4.1); a leader
    /// removing itself counts its peers only (§4.2.2). When the commit
    /// passes a configuration entry, a removed node hears it at once (so
    /// that it stays quiet, §4.2.3), and a leader that removed itself steps
    /// down (§4.2.2).
    fn advance_commit(&mut self, now: Time, ctx: &mut Ctx) {
        if !self.role.is_leader() {
            return;
        }
        let (me, last, members) = (self.id as usize, self.log.last_index(), self.members());
        let needed = self.quorum() as usize;
        let l = self.l();
        l.match_index[me] = last;
        let mut matched = [0; MAX_SLOTS as usize];
        let mut n = 0;
        for m in members.iter() {
            matched[n] = l.match_index[m as usize];
            n += 1;
        }
        if n < needed {
            return;
        }
        let matched = &mut matched[..n];
        // The page's small heap sort, not std's selection (a few KB of wasm);
        // it runs only when a matchIndex moves, over at most 101 numbers.
        crate::compact::sort_by(matched, |a, b| b.cmp(a));
        let kth = matched[needed - 1];
        if kth > self.commit && self.log.term_at(kth) == Some(self.term) {
            let was = self.commit;
            self.commit = kth;
            let change = self.config.index();
            if was < change && change <= kth {
                self.change_committed(now, ctx);
            }
        }
    }

    /// The latest configuration entry just committed on this leader.
    fn change_committed(&mut self, now: Time, ctx: &mut Ctx) {
        let (members, previous) = (self.members(), self.config.previous());
        let me = self.id;
        for gone in previous.iter().filter(|&p| !members.contains(p) && p != me) {
            self.send_append(now, gone, ctx);
        }
        if !members.contains(self.id) {
            self.become_duck(now, StepDown::Removed, ctx);
            self.election_deadline = Time::MAX;
        }
    }

    /// A client request reaches this node (`request` in a scenario). Only the
    /// goose accepts it (§5.3): it appends one entry per payload, and sends
    /// them at once. Returns the index of the last entry, or why not.
    pub fn propose(
        &mut self,
        now: Time,
        kinds: &[EntryKind],
        ctx: &mut Ctx,
    ) -> Result<Index, String> {
        if self.role != Role::Goose {
            return Err(format!("{} is not the goose", node_name(self.id)));
        }
        if self.log.last_index() as usize + kinds.len() > crate::log::LOG_CAP {
            return Err(format!(
                "{}'s log is full ({} entries, the cap)",
                node_name(self.id),
                crate::log::LOG_CAP
            ));
        }
        for &kind in kinds {
            let entry = Entry {
                term: self.term,
                kind,
            };
            if let Some(index) = self.log.append(entry) {
                ctx.out.log_touched(index);
            }
        }
        self.advance_commit(now, ctx);
        self.replicate(now, ctx);
        Ok(self.log.last_index())
    }

    /// A membership change reaches this node (`add nK`, `remove nK`). Only
    /// the goose takes it (§4.1), and only when [`Node::can_change`] allows.
    /// A removal is appended at once; a new node is first caught up as a
    /// non-voter and joins when a round of replication takes less than an
    /// election timeout (§4.2.1).
    pub fn change(&mut self, now: Time, change: Change, ctx: &mut Ctx) -> Result<(), String> {
        self.can_change(change)?;
        if change.node() >= self.slots {
            return Err(format!("{} does not exist", node_name(change.node())));
        }
        match change {
            Change::Add(node) => {
                let (p, next) = (node as usize, self.log.last_index() + 1);
                let l = self.l();
                l.next_index[p] = next;
                l.match_index[p] = 0;
                l.sent_index[p] = 0;
                self.l().catch_up = Some(CatchUp {
                    node,
                    round_end: self.log.last_index(),
                    round_start: now,
                    round: 1,
                    heard: now,
                });
                ctx.out.notes.push(Note::CatchingUp { node });
                self.send_append(now, node, ctx);
            }
            Change::Remove(_) => self.append_change(now, change, ctx),
        }
        Ok(())
    }

    /// Whether this node would take `change` now, and if not, why: it must
    /// be the goose; it must have committed an entry of its own term (the
    /// 2015 fix); the previous change must be committed and no node being
    /// caught up (one change at a time, §4.1); a node added must exist and
    /// not be a member, a node removed must be one and not the last.
    pub fn can_change(&self, change: Change) -> Result<(), String> {
        let me = node_name(self.id);
        let them = node_name(change.node());
        if self.role != Role::Goose {
            return Err(format!("{me} is not the goose"));
        }
        if self.log.term_at(self.commit) != Some(self.term) {
            return Err(format!(
                "{me} has not committed an entry of its term {} yet, such as its no-op (Ongaro's 2015 fix)",
                self.term
            ));
        }
        if self.config.pending(self.commit) {
            let last = self.log.get(self.config.index()).map(|e| e.kind);
            let what = match last {
                Some(EntryKind::Config(c)) => c.to_string(),
                _ => "the last change".into(),
            };
            return Err(format!(
                "`{what}` is not committed yet: one change at a time (§4.1)"
            ));
        }
        if let Some(c) = self.catch_up() {
            return Err(format!(
                "{me} is still catching {} up: one change at a time (§4.1)",
                node_name(c.node)
            ));
        }
        if self.log.is_full() {
            return Err(format!(
                "{me}'s log is full ({} entries, the cap)",
                crate::log::LOG_CAP
            ));
        }
        let members = self.members();
        match change {
            // The simulator hatches the next new node once the goose agrees
            // (`Simulation::add`); a real cluster knows its slots.
            Change::Add(node) if node > self.slots || node >= MAX_SLOTS => {
                Err(format!("{them} does not exist"))
            }
            Change::Add(node) if members.contains(node) => {
                Err(format!("{them} is already a member"))
            }
            Change::Remove(node) if !members.contains(node) => {
                Err(format!("{them} is not a member"))
            }
            Change::Remove(_) if members.len() == 1 => {
                Err(format!("{them} is the last member: a cluster needs one"))
            }
            _ => Ok(()),
        }
    }

    /// Appends a configuration entry, in effect at once (§4.1): the goose's
    /// majorities, commits and CheckQuorum count the new configuration from
    /// this instant.
    fn append_change(&mut self, now: Time, change: Change, ctx: &mut Ctx) {
        let kind = EntryKind::Config(change);
        let entry = Entry {
            term: self.term,
            kind,
        };
        let Some(index) = self.log.append(entry) else {
            return ctx.out.notes.push(Note::LogFull);
        };
        ctx.out.log_touched(index);
        self.config.appended(index, kind);
        ctx.out.notes.push(Note::Changed { change, index });
        let members = self.members();
        let l = self.l();
        l.floors.set_members(members);
        l.acked.set_members(members);
        self.advance_commit(now, ctx);
        if self.role.is_leader() {
            self.replicate(now, ctx);
            self.check_quorum(now, ctx);
        }
    }

    /// The node being caught up acknowledged entries (§4.2.1): once it holds
    /// every entry of the round, it joins if the round took less than an
    /// election timeout (or it holds the whole log); else a new round
    /// begins, up to [`CATCH_UP_ROUNDS`].
    fn catching_up(&mut self, now: Time, from: NodeId, ctx: &mut Ctx) {
        let Some(c) = self.catch_up() else {
            return;
        };
        let last = self.log.last_index();
        let l = self.l();
        let matched = l.match_index[from as usize];
        if matched < c.round_end {
            return;
        }
        if matched == last || now - c.round_start < ctx.opts.election.min {
            l.catch_up = None;
            self.append_change(now, Change::Add(from), ctx);
        } else if c.round >= CATCH_UP_ROUNDS {
            l.catch_up = None;
            ctx.out.notes.push(Note::CatchUpFailed { node: from });
        } else {
            l.catch_up = Some(CatchUp {
                round_end: last,
                round_start: now,
                round: c.round + 1,
                ..c
            });
        }
    }

    /// CheckQuorum: crown or uncrown the leader, and step down if an
    /// election timeout passed with no word from a majority (see the module
    /// doc for why the deadlines are what they are).
    fn check_quorum(&mut self, now: Time, ctx: &mut Ctx) {
        if self.role.is_leader() {
            self.judge_quorum(now, ctx);
        }
    }

    /// CheckQuorum for a leader: crown or uncrown it, or step down (see
    /// [`Node::check_quorum`]).
    fn judge_quorum(&mut self, now: Time, ctx: &mut Ctx) {
        if !ctx.opts.check_quorum {
            if self.role == Role::Uncrowned {
                self.role = Role::Goose;
                ctx.out.notes.push(Note::Crowned { until: Time::MAX });
            }
            return;
        }
        if now >= self.step_down_at(ctx.opts) {
            return self.become_duck(now, StepDown::LostQuorum, ctx);
        }
        let crown_until = self.majority_lease_end();
        let crowned = now < crown_until;
        match self.role {
            Role::Goose if !crowned => {
                self.role = Role::Uncrowned;
                ctx.out.notes.push(Note::LostCrown);
                // Ask for fresh acks now rather than at the next beat.
                if now > self.heartbeat_last {
                    self.send_heartbeats(now, ctx);
                }
            }
            Role::Uncrowned if crowned => {
                self.role = Role::Goose;
                ctx.out.notes.push(Note::Crowned { until: crown_until });
            }
            _ => {}
        }
    }

    /// Called when the node's [`Node::deadline`] has come (or earlier: a tick
    /// with nothing due does nothing).
    pub fn tick(&mut self, now: Time, ctx: &mut Ctx) {
        if self.role.is_leader() {
            if ctx.opts.check_quorum {
                self.check_quorum(now, ctx);
                if !self.role.is_leader() {
                    return;
                }
            }
            if now >= self.heartbeat_due {
                self.send_heartbeats(now, ctx);
            }
        } else if now >= self.election_deadline {
            self.election_timeout(now, ctx);
        }
    }

    /// Makes the election timer fire now, as the page's "timeout" button and
    /// the scenario's `timeout nX` do. A leader (crowned or not) has no
    /// election timer, so this returns `false` for a leader and does nothing.
    pub fn force_timeout(&mut self, now: Time, ctx: &mut Ctx) -> bool {
        if self.role.is_leader() {
            return false;
        }
        self.election_timeout(now, ctx);
        true
    }

    /// The node comes back after a crash: persistent state kept, volatile state
    /// reset, a duck with a fresh timer (Figure 2).
    pub fn restart(&mut self, now: Time, ctx: &mut Ctx) {
        self.role = Role::Duck;
        self.leader = None;
        self.lead = None;
        self.commit = 0;
        self.goose_heard = None;
        self.ballots.fill(Ballot::Pending);
        self.reset_timer(now, ctx.opts, ctx.rng);
    }

    /// The options changed at `now` from `old` to `ctx.opts`. Timers started
    /// under the old election range are redrawn as if started with the new one,
    /// a leader's heartbeat rhythm follows the new interval, and a leader
    /// checks its quorum at once: it loses its crown if CheckQuorum just came
    /// on and no majority's lease holds, and gets it back if CheckQuorum went
    /// off.
    pub fn options_changed(&mut self, now: Time, old: &Options, ctx: &mut Ctx) {
        let opts = ctx.opts;
        if opts.election != old.election && !self.role.is_leader() {
            let drawn = ctx
                .rng
                .range_inclusive(opts.election.min, opts.election.max);
            self.election_deadline = (self.timer_start + drawn).max(now);
        }
        if opts.heartbeat != old.heartbeat && self.role.is_leader() {
            self.heartbeat_due = (self.heartbeat_last + opts.heartbeat).max(now);
        }
        self.check_quorum(now, ctx);
    }

    /// Handles one message from `from` (§5.1, §5.2, §9.6), with the entries
    /// it carries (none but for an AppendEntries; see [`crate::message`]).
    #[cfg_attr(not(target_arch = "wasm32"), inline(always))]
    pub fn receive(
        &mut self,
        now: Time,
        from: NodeId,
        msg: &Message,
        entries: &[Entry],
        ctx: &mut Ctx,
    ) {
        match msg.body {
            // Requests are judged whole by `vote_decision`, term included.
            Body::PreVoteRequest {
                last_index,
                last_term,
            } => {
                let last = (last_term, last_index);
                return self.answer_prevote(now, from, msg.term, last, ctx);
            }
            Body::VoteRequest {
                lease,
                last_index,
                last_term,
            } => {
                let last = (last_term, last_index);
                return self.answer_vote(now, from, msg.term, lease, last, ctx);
            }
            // A pre-vote yes carries the term it was proposed for, not the
            // voter's term: it moves nobody's term (§9.6).
            Body::PreVoteReply { granted: true } => {}
            _ => {
                if !self.hear_term(now, from, msg, ctx) {
                    return;
                }
            }
        }
        match msg.body {
            Body::VoteReply {
                granted,
                lease_floor,
            } => {
                if self.role == Role::Candidate {
                    self.count_vote(now, from, granted, lease_floor, ctx);
                }
            }
            Body::PreVoteReply { granted } => self.count_prevote(now, from, msg.term, granted, ctx),
            Body::AppendEntries {
                lease,
                prev_index,
                prev_term,
                count,
                commit,
            } => {
                // A datagram's count and its entries are one field on the
                // wire; a mismatch here is a caller's bug.
                debug_assert_eq!(count as usize, entries.len());
                if self.hear_goose(now, from, ctx) {
                    let floor = self.promise(now, from, lease);
                    let (success, index) =
                        self.append_entries(prev_index, prev_term, entries, commit, ctx);
                    self.reply_append(from, floor, success, index, ctx);
                }
            }
            Body::AppendReply {
                lease_floor,
                success,
                index,
            } => {
                if self.role.is_leader() {
                    // An ack: the peer's ack time and floor move up (never
                    // down), the log's bookkeeping follows, and the leader
                    // judges its quorum again.
                    let l = self.l();
                    l.acked.raise(from, now);
                    if let Some(floor) = lease_floor {
                        l.floors.raise(from, floor);
                    }
                    self.hear_append_reply(now, from, success, index, ctx);
                    // It may have stepped down meanwhile (its own removal
                    // committed, §4.2.2).
                    self.check_quorum(now, ctx);
                }
            }
            Body::PreVoteRequest { .. } | Body::VoteRequest { .. } => {
                unreachable!("answered above")
            }
        }
    }

    /// The term rule of §5.1 for a message that carries its sender's term: a
    /// higher term is adopted; a stale heartbeat is answered with our term so
    /// that its goose learns it is stale, and any other stale message is
    /// ignored. Returns whether the message is of our term and still to be
    /// handled.
    #[cfg_attr(not(target_arch = "wasm32"), inline(always))]
    fn hear_term(&mut self, now: Time, from: NodeId, msg: &Message, ctx: &mut Ctx) -> bool {
        if msg.term > self.term {
            // A crowned goose that sees a higher term in an ack knows nobody
            // won it (see "Handing the term on" in the module doc).
            let handing_on = self.role == Role::Goose
                && ctx.opts.check_quorum
                && matches!(msg.body, Body::AppendReply { .. });
            self.adopt_term(now, msg.term, from, ctx);
            if handing_on
                && self.term < Term::MAX
                && self.may_campaign()
                && self.bound_against(now, self.id).is_none()
            {
                self.campaign(now, Cause::Deposed, ctx);
                return false;
            }
        }
        if msg.term < self.term {
            if let Body::AppendEntries { .. } = msg.body {
                self.reply_append(from, None, false, 0, ctx);
            }
            return false;
        }
        true
    }

    /// The vote rules, all of them: whether this node may give `candidate`
    /// its vote for `term` at `now` (a pre-vote when `pre`), and if not, why.
    ///
    /// - A request for a term below ours is stale (§5.1); a pre-vote must
    ///   propose a term above ours (§9.6).
    /// - One vote per term, first come first served (§5.2); asked again by
    ///   the candidate it voted for, the vote stands.
    /// - A pre-vote is refused while a goose was heard within `election.min`
    ///   (§9.6).
    /// - No vote or pre-vote within a promised lease (CheckQuorum, §4.2.3 of
    ///   the dissertation), whatever the term: a request in a lease neither
    ///   wins a vote nor moves the term.
    /// - The election restriction (§5.4.1): no vote or pre-vote for a
    ///   candidate whose log, ending at `theirs` = (last term, last index),
    ///   is less up to date than ours (last term first, then last index).
    ///   Checked after the lease, so that a request refused for its log may
    ///   still move the term (§5.1; see [`Node::answer_vote`]).
    fn vote_decision(
        &self,
        now: Time,
        candidate: NodeId,
        term: Term,
        theirs: (Term, Index),
        pre: bool,
        opts: &Options,
    ) -> Result<(), Refusal> {
        let stale = if pre {
            term <= self.term
        } else {
            term < self.term
        };
        if stale {
            return Err(Refusal::StaleTerm);
        }
        if pre && self.heard_goose_recently(now, opts) {
            return Err(Refusal::GooseAlive);
        }
        match self.voted_for {
            Some(v) if !pre && term == self.term => {
                if v == candidate {
                    Ok(())
                } else {
                    Err(Refusal::AlreadyVoted(v))
                }
            }
            _ if self.in_lease(now, candidate, opts) => Err(Refusal::Lease),
            _ if !self.log.candidate_up_to_date(theirs.0, theirs.1) => Err(Refusal::LogBehind {
                theirs,
                mine: (self.log.last_term(), self.log.last_index()),
            }),
            _ => Ok(()),
        }
    }

    /// Notes a refusal and says no: a vote refusal carries our term, a
    /// pre-vote refusal too (so a precandidate behind learns it).
    fn refuse(&self, candidate: NodeId, pre: bool, why: Refusal, ctx: &mut Ctx) {
        ctx.out.notes.push(Note::Refused {
            candidate,
            pre,
            why,
        });
        let body = if pre {
            Body::PreVoteReply { granted: false }
        } else {
            Body::VoteReply {
                granted: false,
                lease_floor: None,
            }
        };
        ctx.out.messages.push((
            candidate,
            Message {
                term: self.term,
                body,
            },
        ));
    }

    fn reply_vote(&self, to: NodeId, granted: bool, lease_floor: Option<Time>, ctx: &mut Ctx) {
        ctx.out.messages.push((
            to,
            Message {
                term: self.term,
                body: Body::VoteReply {
                    granted,
                    lease_floor,
                },
            },
        ));
    }

    #[inline]
    fn reply_append(
        &self,
        to: NodeId,
        lease_floor: Option<Time>,
        success: bool,
        index: Index,
        ctx: &mut Ctx,
    ) {
        ctx.out.messages.push((
            to,
            Message {
                term: self.term,
                body: Body::AppendReply {
                    lease_floor,
                    success,
                    index,
                },
            },
        ));
    }

    /// RequestVote (§5.2): granted or refused by [`Node::vote_decision`].
    /// A request for a higher term adopts that term first (§5.1) unless it
    /// is refused for a lease (a request in a lease moves no term) or as
    /// stale; a granted vote then resets the election timer and promises the
    /// candidate's lease.
    fn answer_vote(
        &mut self,
        now: Time,
        from: NodeId,
        term: Term,
        lease: Option<Lease>,
        theirs: (Term, Index),
        ctx: &mut Ctx,
    ) {
        let decision = self.vote_decision(now, from, term, theirs, false, ctx.opts);
        if term > self.term && !matches!(decision, Err(Refusal::Lease)) {
            // §5.1: a higher term is adopted even when the vote is refused
            // for the candidate's log (§5.4.1).
            self.adopt_term(now, term, from, ctx);
        }
        if let Err(why) = decision {
            return self.refuse(from, false, why, ctx);
        }
        self.voted_for = Some(from);
        // §5.2: granting a vote restarts the election timer.
        self.reset_timer(now, ctx.opts, ctx.rng);
        let floor = self.promise(now, from, lease);
        ctx.out.notes.push(Note::Voted { candidate: from });
        self.reply_vote(from, true, floor, ctx);
    }

    fn count_vote(
        &mut self,
        now: Time,
        from: NodeId,
        granted: bool,
        lease_floor: Option<Time>,
        ctx: &mut Ctx,
    ) {
        let ballot = &mut self.ballots[from as usize];
        if *ballot == Ballot::Granted {
            return; // A vote once granted in this term stays granted.
        }
        *ballot = if granted {
            Ballot::Granted
        } else {
            Ballot::Denied
        };
        if granted {
            let l = self.l();
            l.acked.raise(from, now);
            if let Some(floor) = lease_floor {
                l.floors.raise(from, floor);
            }
            self.maybe_win(now, ctx);
        }
    }

    /// PreVote (§9.6): granted or refused by [`Node::vote_decision`]. The
    /// answer changes nothing in the receiver; a yes carries the proposed
    /// term.
    fn answer_prevote(
        &mut self,
        now: Time,
        from: NodeId,
        proposed: Term,
        theirs: (Term, Index),
        ctx: &mut Ctx,
    ) {
        if let Err(why) = self.vote_decision(now, from, proposed, theirs, true, ctx.opts) {
            return self.refuse(from, true, why, ctx);
        }
        ctx.out.messages.push((
            from,
            Message {
                term: proposed,
                body: Body::PreVoteReply { granted: true },
            },
        ));
    }

    /// A pre-vote answer, counted only in this node's pre-vote round: a yes
    /// carries the term it was proposed for, so only a yes for our term + 1
    /// is of this round (a yes for an earlier round says nothing about this
    /// one); a no carries the voter's term, ours by now (a higher one was
    /// adopted in [`Node::hear_term`]).
    fn count_prevote(&mut self, now: Time, from: NodeId, term: Term, granted: bool, ctx: &mut Ctx) {
        let this_round = if granted {
            self.term.checked_add(1) == Some(term)
        } else {
            term == self.term
        };
        if self.role != Role::PreCandidate || !this_round {
            return;
        }
        self.ballots[from as usize] = if granted {
            Ballot::Granted
        } else {
            Ballot::Denied
        };
        // A precandidate may have granted a vote (and a lease) in its term
        // meanwhile; then it waits for its timer like any bound node.
        if granted && self.granted() >= self.quorum() && self.bound_against(now, self.id).is_none()
        {
            self.campaign(now, Cause::PreVote, ctx);
        }
    }

    /// An AppendEntries of our term: there is a goose, and it is `from`
    /// (§5.2). Returns whether this node listens to it.
    #[cfg_attr(not(target_arch = "wasm32"), inline(always))]
    fn hear_goose(&mut self, now: Time, from: NodeId, ctx: &mut Ctx) -> bool {
        if self.role.is_leader() {
            // Two leaders in one term: impossible unless a node lost its disk.
            // The invariant checker reports it; the leader keeps its role.
            return false;
        }
        if self.role != Role::Duck {
            self.become_duck(now, StepDown::GooseHeard { goose: from }, ctx);
        }
        self.leader = Some(from);
        self.goose_heard = Some(now);
        self.reset_timer(now, ctx.opts, ctx.rng);
        true
    }

    /// The duck's side of AppendEntries (§5.3): the consistency check, the
    /// repair of a diverged suffix, and the commit index. Returns the reply's
    /// `(success, index)`.
    #[cfg_attr(not(target_arch = "wasm32"), inline(always))]
    fn append_entries(
        &mut self,
        prev_index: Index,
        prev_term: Term,
        entries: &[Entry],
        leader_commit: Index,
        ctx: &mut Ctx,
    ) -> (bool, Index) {
        match self.log.term_at(prev_index) {
            // §5.3: no entry at prev_index: try right after our log.
            None => return (false, self.log.last_index() + 1),
            // §5.3: a different term there: skip back over that whole term
            // (the conflict-term optimisation), but never below 1.
            Some(t) if t != prev_term => {
                return (false, self.log.first_index_of_term_at(prev_index).max(1))
            }
            Some(_) => {}
        }
        let mut stored = prev_index;
        for entry in entries {
            let index = stored + 1;
            match self.log.term_at(index) {
                Some(t) if t == entry.term => {}
                found => {
                    if found.is_some() {
                        // §5.3: an existing entry conflicts with a new one:
                        // delete it and all that follow it.
                        let dropped = self.log.truncate_from(index) as u64;
                        self.config.truncated(index, &self.log);
                        ctx.out.notes.push(Note::Truncated {
                            from: index,
                            dropped,
                        });
                    }
                    ctx.out.log_touched(index);
                    if self.log.append(*entry).is_none() {
                        break;
                    }
                    self.config.appended(index, entry.kind);
                }
            }
            stored = index;
        }
        // Figure 2: commitIndex = min(leaderCommit, index of last new entry);
        // entries past `stored` may still be stale.
        let commit = leader_commit.min(stored);
        if commit > self.commit {
            self.commit = commit;
        }
        (true, stored)
    }

    /// The goose hears how AppendEntries went (§5.3): on success, matchIndex
    /// and nextIndex move up and the commit index may follow (§5.4.2); on a
    /// refusal, nextIndex backs off and the goose tries again at once. A duck
    /// still behind gets, at once, what no AppendEntries has carried yet.
    #[cfg_attr(not(target_arch = "wasm32"), inline(always))]
    fn hear_append_reply(
        &mut self,
        now: Time,
        from: NodeId,
        success: bool,
        index: Index,
        ctx: &mut Ctx,
    ) {
        let p = from as usize;
        let last = self.log.last_index();
        let l = self.l();
        if let Some(c) = l.catch_up.as_mut().filter(|c| c.node == from) {
            c.heard = now;
        }
        if success {
            let index = index.min(last);
            if index > self.l().match_index[p] {
                self.l().match_index[p] = index;
                self.advance_commit(now, ctx);
                if !self.role.is_leader() {
                    return;
                }
            }
            if self.catch_up().is_some_and(|c| c.node == from) {
                self.catching_up(now, from, ctx);
                if !self.role.is_leader() {
                    return;
                }
            }
            let l = self.l();
            l.next_index[p] = l.next_index[p].max(index + 1);
            // Entries sent already are on their way; only a batch cut short
            // by MAX_ENTRIES leaves some that were never sent.
            if l.sent_index[p] < last && l.next_index[p] <= last {
                self.send_append(now, from, ctx);
            }
        } else {
            let l = self.l();
            let floor = l.match_index[p] + 1;
            let next = l.next_index[p];
            let backed = index.min(next.saturating_sub(1)).max(floor).max(1);
            if backed < next {
                l.next_index[p] = backed;
                self.send_append(now, from, ctx);
            }
        }
    }
}

mod observed;
#[cfg(test)]
mod tests;
