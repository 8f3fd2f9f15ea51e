//! The election rules of one node, tested directly: no simulator, no network.
//! Each test drives a [`Node`] by hand with `receive`, `tick`,
//! `force_timeout`, `restart` and `options_changed`, and checks what it says
//! (its [`Outbox`]) and what it becomes. Each test names the part of the Raft
//! paper (or of Ongaro's dissertation) whose rule it checks, as etcd-io/raft's
//! tests do.

use super::*;
use crate::message::{Body, Lease, Message};
use crate::options::{Span, MS, SECOND};

const MIN: Time = 150 * MS;
const MAX: Time = 300 * MS;
const HB: Time = 50 * MS;
const LAT_MIN: Time = 10 * MS;
const LAT_MAX: Time = 15 * MS;
/// A vote lease is longer than a heartbeat's by a round trip.
const VOTE_LEASE: Time = MIN + 2 * LAT_MAX;

/// The defaults of the scenario language, with both protocol options off.
fn plain() -> Options {
    Options {
        election: Span::new(MIN, MAX),
        heartbeat: HB,
        latency: Span::new(LAT_MIN, LAT_MAX),
        loss: 0,
        check_quorum: false,
        pre_vote: false,
        ..Options::default()
    }
}

fn with_cq() -> Options {
    Options {
        check_quorum: true,
        ..plain()
    }
}

fn with_pv() -> Options {
    Options {
        pre_vote: true,
        ..plain()
    }
}

fn vote_request(term: Term, lease: Option<Lease>) -> Message {
    Message {
        term,
        body: Body::VoteRequest {
            lease,
            last_index: 0,
            last_term: 0,
        },
    }
}

/// `msg`, a (pre)vote request, from a candidate whose log ends at
/// (`last_term`, `last_index`).
fn with_log(mut msg: Message, last_term: Term, last_index: Index) -> Message {
    match &mut msg.body {
        Body::VoteRequest {
            last_index: i,
            last_term: t,
            ..
        }
        | Body::PreVoteRequest {
            last_index: i,
            last_term: t,
        } => (*i, *t) = (last_index, last_term),
        other => panic!("not a vote request: {other:?}"),
    }
    msg
}

fn vote_reply(term: Term, granted: bool, lease_floor: Option<Time>) -> Message {
    Message {
        term,
        body: Body::VoteReply {
            granted,
            lease_floor,
        },
    }
}

/// An AppendEntries with no entries, after index 0: a bare heartbeat.
fn heartbeat(term: Term, lease: Option<Lease>) -> Message {
    Message {
        term,
        body: Body::AppendEntries {
            lease,
            prev_index: 0,
            prev_term: 0,
            count: 0,
            commit: 0,
        },
    }
}

/// The first AppendEntries of a new goose of `term` with an empty log
/// before: it carries one entry, its no-op (§5.4.2).
fn first_append(term: Term, lease: Option<Lease>) -> Message {
    Message {
        term,
        body: Body::AppendEntries {
            lease,
            prev_index: 0,
            prev_term: 0,
            count: 1,
            commit: 0,
        },
    }
}

/// A duck's acknowledgement of a bare heartbeat: its log matches up to 0.
fn heartbeat_reply(term: Term, lease_floor: Option<Time>) -> Message {
    ack(term, lease_floor, 0)
}

/// A duck's acknowledgement: its log matches the goose's up to `index`.
fn ack(term: Term, lease_floor: Option<Time>, index: Index) -> Message {
    Message {
        term,
        body: Body::AppendReply {
            lease_floor,
            success: true,
            index,
        },
    }
}

/// The answer to an AppendEntries of a stale term (§5.1).
fn stale_append_reply(term: Term) -> Message {
    Message {
        term,
        body: Body::AppendReply {
            lease_floor: None,
            success: false,
            index: 0,
        },
    }
}

fn prevote_request(term: Term) -> Message {
    Message {
        term,
        body: Body::PreVoteRequest {
            last_index: 0,
            last_term: 0,
        },
    }
}

fn prevote_reply(term: Term, granted: bool) -> Message {
    Message {
        term,
        body: Body::PreVoteReply { granted },
    }
}

fn lease(length: Time, floor: Time) -> Option<Lease> {
    Some(Lease { length, floor })
}

/// The surroundings of one node: options, the run's generator, an outbox.
/// Every call empties the outbox first, so after a call it holds exactly what
/// that one call produced.
struct Env {
    opts: Options,
    rng: SimRng,
    out: Outbox,
}

impl Env {
    fn new(opts: Options) -> Env {
        Env {
            opts,
            rng: SimRng::new(0xD0C5),
            out: Outbox::default(),
        }
    }

    /// A fresh node whose timer starts at 0.
    fn node(&mut self, id: NodeId, size: u32) -> Node {
        Node::new(id, size, 0, &self.opts, &mut self.rng)
    }

    fn ctx(&mut self) -> Ctx<'_> {
        self.out.clear();
        Ctx {
            opts: &self.opts,
            rng: &mut self.rng,
            out: &mut self.out,
        }
    }

    fn receive(&mut self, node: &mut Node, now: Time, from: NodeId, msg: Message) {
        self.receive_with(node, now, from, msg, &[]);
    }

    /// [`Env::receive`] of a message that carries entries.
    fn receive_with(
        &mut self,
        node: &mut Node,
        now: Time,
        from: NodeId,
        msg: Message,
        entries: &[Entry],
    ) {
        let mut ctx = self.ctx();
        node.receive(now, from, &msg, entries, &mut ctx);
    }

    fn tick(&mut self, node: &mut Node, now: Time) {
        let mut ctx = self.ctx();
        node.tick(now, &mut ctx);
    }

    fn force_timeout(&mut self, node: &mut Node, now: Time) -> bool {
        let mut ctx = self.ctx();
        node.force_timeout(now, &mut ctx)
    }

    fn restart(&mut self, node: &mut Node, now: Time) {
        let mut ctx = self.ctx();
        node.restart(now, &mut ctx);
    }

    /// Replaces the options and tells `node`.
    fn set(&mut self, node: &mut Node, now: Time, opts: Options) {
        let old = std::mem::replace(&mut self.opts, opts);
        let mut ctx = self.ctx();
        node.options_changed(now, &old, &mut ctx);
    }

    /// The election timeout the next reset will draw, read from a copy of
    /// the generator: the node must draw exactly this from the run's one
    /// generator (no other source of randomness).
    fn next_draw(&self) -> Time {
        self.rng
            .clone()
            .range_inclusive(self.opts.election.min, self.opts.election.max)
    }

    /// A number that changes whenever anything is drawn from the generator.
    fn fingerprint(&self) -> u64 {
        self.rng.clone().range_inclusive(0, u64::MAX - 1)
    }

    fn sent(&self) -> &[(NodeId, Message)] {
        &self.out.messages
    }

    fn notes(&self) -> &[Note] {
        &self.out.notes
    }

    fn is_quiet(&self) -> bool {
        self.out.messages.is_empty() && self.out.notes.is_empty()
    }
}

/// `msg` to every node of a cluster of `size` except `except`, in id order.
fn to_all(size: u32, except: NodeId, msg: Message) -> Vec<(NodeId, Message)> {
    (0..size)
        .filter(|&p| p != except)
        .map(|p| (p, msg))
        .collect()
}

/// Makes `node` goose at `now`: its timer is forced, then it collects the
/// pre-votes (under PreVote) and votes of the lowest-numbered peers, each vote
/// echoing `floor`. The outbox then holds what the winning step produced.
fn elect(env: &mut Env, node: &mut Node, now: Time, floor: Option<Time>) {
    assert!(env.force_timeout(node, now));
    let peers: Vec<NodeId> = (0..node.slots).filter(|&p| p != node.id).collect();
    for &p in &peers {
        if node.role() != Role::PreCandidate {
            break;
        }
        let proposed = node.term() + 1;
        env.receive(node, now, p, prevote_reply(proposed, true));
    }
    for &p in &peers {
        if node.role() != Role::Candidate {
            break;
        }
        let term = node.term();
        env.receive(node, now, p, vote_reply(term, true, floor));
    }
    assert_eq!(node.role(), Role::Goose, "elect() made a goose");
}

// ---------------------------------------------------------------------------
// Terms (§5.1)
// ---------------------------------------------------------------------------

#[test]
fn new_node_is_a_duck_in_term_zero_with_a_timer_in_range() {
    // Reference: Raft §5.2 ("When servers start up, they begin as followers")
    let mut env = Env::new(plain());
    let draw = env.next_draw();
    let n = Node::new(2, 5, 1000, &env.opts, &mut env.rng);
    assert_eq!(n.id(), 2);
    assert_eq!(n.role(), Role::Duck);
    assert_eq!(n.term(), 0);
    assert_eq!(n.voted_for(), None);
    assert_eq!(n.leader(), None);
    assert_eq!(n.lease_until(), None);
    assert_eq!(n.timer_start(), 1000);
    assert_eq!(n.election_deadline(), 1000 + draw);
    assert!((1000 + MIN..=1000 + MAX).contains(&n.election_deadline()));
    assert_eq!(n.deadline(&env.opts), n.election_deadline());
    assert_eq!(n.ballots().len(), 5);
}

#[test]
fn higher_term_is_adopted_and_forgets_the_vote() {
    // Reference: Raft §5.1, Figure 2 ("If RPC request or response contains term T > currentTerm: set currentTerm = T, convert to follower")
    let mut env = Env::new(plain());
    let mut n = env.node(0, 3);
    env.receive(&mut n, 10 * MS, 1, vote_request(3, None));
    assert_eq!((n.term(), n.voted_for()), (3, Some(1)));
    let deadline = n.election_deadline();

    env.receive(&mut n, 20 * MS, 2, heartbeat_reply(5, None));
    assert_eq!(n.term(), 5);
    assert_eq!(n.voted_for(), None, "the vote of term 3 means nothing in 5");
    assert_eq!(n.role(), Role::Duck);
    assert_eq!(env.notes(), &[Note::TermAdopted { from: 2 }]);
    assert!(env.sent().is_empty());
    assert_eq!(
        n.election_deadline(),
        deadline,
        "adopting a term alone does not restart a duck's timer"
    );
}

#[test]
fn higher_term_makes_goose_step_down() {
    // Reference: Raft §5.1 (a leader that discovers a higher term reverts to follower)
    let mut env = Env::new(plain());
    let mut n = env.node(0, 3);
    elect(&mut env, &mut n, 0, None);
    assert_eq!(n.term(), 1);
    let draw = env.next_draw();

    env.receive(&mut n, 30 * MS, 2, heartbeat_reply(2, None));
    assert_eq!(n.role(), Role::Duck);
    assert_eq!(n.term(), 2);
    assert_eq!(n.voted_for(), None);
    assert_eq!(n.leader(), None);
    assert_eq!(
        env.notes(),
        &[Note::SteppedDown {
            was: Role::Goose,
            why: StepDown::HigherTerm { from: 2, term: 2 },
        }]
    );
    assert!(env.sent().is_empty());
    assert_eq!(n.timer_start(), 30 * MS);
    assert_eq!(n.election_deadline(), 30 * MS + draw);
    assert_eq!(n.deadline(&env.opts), n.election_deadline());
}

#[test]
fn higher_term_makes_candidate_step_down() {
    // Reference: Raft §5.1, §5.2 (a candidate that sees a higher term returns to follower)
    let mut env = Env::new(plain());
    let mut n = env.node(0, 5);
    env.force_timeout(&mut n, 0);
    assert_eq!(n.role(), Role::Candidate);
    env.receive(&mut n, 5 * MS, 3, vote_reply(4, false, None));
    assert_eq!((n.role(), n.term(), n.voted_for()), (Role::Duck, 4, None));
    assert_eq!(
        env.notes(),
        &[Note::SteppedDown {
            was: Role::Candidate,
            why: StepDown::HigherTerm { from: 3, term: 4 },
        }]
    );
}

#[test]
fn stale_vote_request_is_refused_with_the_current_term() {
    // Reference: Raft §5.1, Figure 2 RequestVote ("Reply false if term < currentTerm")
    let mut env = Env::new(plain());
    let mut n = env.node(0, 3);
    env.receive(&mut n, 0, 2, heartbeat_reply(5, None));
    env.receive(&mut n, 10 * MS, 1, vote_request(3, None));
    assert_eq!(env.sent(), &[(1, vote_reply(5, false, None))]);
    assert_eq!(
        env.notes(),
        &[Note::Refused {
            candidate: 1,
            pre: false,
            why: Refusal::StaleTerm,
        }]
    );
    assert_eq!((n.term(), n.voted_for()), (5, None));
}

#[test]
fn stale_heartbeat_is_answered_with_higher_term() {
    // Reference: Raft §5.1, Figure 2 AppendEntries ("Reply false if term < currentTerm")
    let mut env = Env::new(with_cq());
    let mut n = env.node(1, 3);
    env.receive(&mut n, 0, 2, heartbeat(5, lease(MIN, 160 * MS)));
    let (deadline, promise) = (n.election_deadline(), n.lease_until());
    assert_eq!(n.leader(), Some(2));

    env.receive(&mut n, 20 * MS, 0, heartbeat(3, lease(SECOND, 2 * SECOND)));
    assert_eq!(
        env.sent(),
        &[(0, stale_append_reply(5))],
        "the stale goose learns term 5, and no lease floor is echoed"
    );
    assert!(env.notes().is_empty());
    assert_eq!(n.term(), 5);
    assert_eq!(n.leader(), Some(2), "a stale goose is not followed");
    assert_eq!(
        n.election_deadline(),
        deadline,
        "a stale heartbeat does not reset the timer"
    );
    assert_eq!(
        n.lease_until(),
        promise,
        "a stale goose's lease is not promised"
    );
}

#[test]
fn stale_replies_are_ignored() {
    // Reference: Raft §5.1 (messages of an older term carry no weight)
    let mut env = Env::new(plain());
    let mut n = env.node(0, 3);
    env.force_timeout(&mut n, 0);
    env.force_timeout(&mut n, 200 * MS);
    assert_eq!((n.role(), n.term()), (Role::Candidate, 2));
    env.receive(&mut n, 210 * MS, 1, vote_reply(1, true, None));
    assert!(env.is_quiet());
    assert_eq!(n.ballots()[1], Ballot::Pending);
    assert_eq!(n.role(), Role::Candidate);
    env.receive(&mut n, 210 * MS, 1, heartbeat_reply(1, None));
    env.receive(&mut n, 210 * MS, 1, prevote_reply(1, false));
    assert!(env.is_quiet());
    assert_eq!((n.role(), n.term()), (Role::Candidate, 2));
}

// ---------------------------------------------------------------------------
// Voting (§5.2)
// ---------------------------------------------------------------------------

#[test]
fn duck_grants_one_vote_per_term() {
    // Reference: Raft §5.2 ("Each server will vote for at most one candidate in a given term, on a first-come-first-served basis")
    let mut env = Env::new(plain());
    let mut n = env.node(0, 5);
    env.receive(&mut n, 10 * MS, 1, vote_request(1, None));
    assert_eq!(env.sent(), &[(1, vote_reply(1, true, None))]);
    assert_eq!(
        env.notes(),
        &[Note::TermAdopted { from: 1 }, Note::Voted { candidate: 1 }]
    );
    assert_eq!((n.term(), n.voted_for()), (1, Some(1)));

    env.receive(&mut n, 20 * MS, 2, vote_request(1, None));
    assert_eq!(env.sent(), &[(2, vote_reply(1, false, None))]);
    assert_eq!(
        env.notes(),
        &[Note::Refused {
            candidate: 2,
            pre: false,
            why: Refusal::AlreadyVoted(1),
        }]
    );
    assert_eq!((n.term(), n.voted_for()), (1, Some(1)));

    env.receive(&mut n, 30 * MS, 2, vote_request(2, None));
    assert_eq!(env.sent(), &[(2, vote_reply(2, true, None))]);
    assert_eq!((n.term(), n.voted_for()), (2, Some(2)));
}

#[test]
fn duck_grants_a_repeated_request_from_the_candidate_it_voted_for() {
    // Reference: Raft Figure 2 RequestVote ("If votedFor is null or candidateId … grant vote")
    let mut env = Env::new(plain());
    let mut n = env.node(0, 3);
    env.receive(&mut n, 10 * MS, 1, vote_request(1, None));
    env.receive(&mut n, 20 * MS, 1, vote_request(1, None));
    assert_eq!(env.sent(), &[(1, vote_reply(1, true, None))]);
    assert_eq!(n.voted_for(), Some(1));
}

#[test]
fn granting_a_vote_resets_the_election_timer_and_refusing_does_not() {
    // Reference: Raft §5.2, Figure 2 Followers ("granting vote to candidate" resets the election timeout)
    let mut env = Env::new(plain());
    let mut n = env.node(0, 3);
    let draw = env.next_draw();
    env.receive(&mut n, 100 * MS, 1, vote_request(1, None));
    assert_eq!(n.timer_start(), 100 * MS);
    assert_eq!(n.election_deadline(), 100 * MS + draw);

    let before = (n.timer_start(), n.election_deadline());
    let next = env.next_draw();
    env.receive(&mut n, 120 * MS, 2, vote_request(1, None));
    assert_eq!((n.timer_start(), n.election_deadline()), before);
    assert_eq!(env.next_draw(), next, "a refusal draws nothing");
}

#[test]
fn candidate_increments_term_votes_for_itself_and_broadcasts() {
    // Reference: Raft §5.2 ("a follower increments its current term and transitions to candidate state. It then votes for itself and issues RequestVote RPCs in parallel")
    let mut env = Env::new(plain());
    let mut n = env.node(2, 5);
    let deadline = n.election_deadline();
    let draw = env.next_draw();
    env.tick(&mut n, deadline);
    assert_eq!(n.role(), Role::Candidate);
    assert_eq!(n.term(), 1);
    assert_eq!(n.voted_for(), Some(2));
    assert_eq!(n.leader(), None);
    assert_eq!(
        env.notes(),
        &[Note::Campaign {
            term: 1,
            why: Cause::Timeout,
        }]
    );
    assert_eq!(env.sent(), to_all(5, 2, vote_request(1, None)).as_slice());
    assert_eq!(
        n.ballots(),
        &[
            Ballot::Pending,
            Ballot::Pending,
            Ballot::Granted,
            Ballot::Pending,
            Ballot::Pending
        ]
    );
    assert_eq!(n.timer_start(), deadline);
    assert_eq!(n.election_deadline(), deadline + draw);
}

#[test]
fn tick_before_the_deadline_does_nothing() {
    // Reference: Raft §5.2 (a follower campaigns only when its election timeout elapses)
    let mut env = Env::new(plain());
    let mut n = env.node(0, 3);
    let deadline = n.election_deadline();
    let draw = env.next_draw();
    env.tick(&mut n, deadline - 1);
    assert!(env.is_quiet());
    assert_eq!((n.role(), n.term()), (Role::Duck, 0));
    assert_eq!(n.election_deadline(), deadline);
    assert_eq!(env.next_draw(), draw);
    env.tick(&mut n, deadline);
    assert_eq!((n.role(), n.term()), (Role::Candidate, 1));
}

#[test]
fn majority_is_more_than_half_of_the_configured_size() {
    // Reference: Raft §5.2 ("votes from a majority of the servers in the full cluster")
    let table = [
        (1, 1),
        (2, 2),
        (3, 2),
        (4, 3),
        (5, 3),
        (6, 4),
        (7, 4),
        (101, 51),
    ];
    for (size, want) in table {
        assert_eq!(majority(size), want, "majority({size})");
        assert!(
            2 * majority(size) > size,
            "two majorities of {size} overlap"
        );
    }
}

#[test]
fn candidate_wins_with_majority_of_configured_cluster_not_of_reachable_nodes() {
    // Reference: Raft §5.2 ("A candidate wins an election if it receives votes from a majority of the servers in the full cluster")
    let mut env = Env::new(plain());
    let mut n = env.node(0, 5);
    env.force_timeout(&mut n, 0);
    // Suppose nodes 3 and 4 are dead: 0, 1 and 2 are all that can answer.
    env.receive(&mut n, 20 * MS, 1, vote_reply(1, true, None));
    assert_eq!(
        n.role(),
        Role::Candidate,
        "2 votes: a majority of the 3 reachable nodes, not of the 5 configured"
    );
    assert!(env.is_quiet());
    env.receive(&mut n, 21 * MS, 2, vote_reply(1, false, None));
    assert_eq!(n.role(), Role::Candidate, "a denial counts for nothing");
    assert_eq!(
        n.ballots(),
        &[
            Ballot::Granted,
            Ballot::Granted,
            Ballot::Denied,
            Ballot::Pending,
            Ballot::Pending
        ]
    );
    env.receive(&mut n, 22 * MS, 3, vote_reply(1, true, None));
    assert_eq!(n.role(), Role::Goose);
    assert_eq!(env.notes(), &[Note::Won { votes: 3 }]);

    // Four nodes: two votes are half, not a majority.
    let mut m = env.node(3, 4);
    env.force_timeout(&mut m, 0);
    env.receive(&mut m, 20 * MS, 0, vote_reply(1, true, None));
    assert_eq!(m.role(), Role::Candidate);
    env.receive(&mut m, 20 * MS, 1, vote_reply(1, true, None));
    assert_eq!(m.role(), Role::Goose);
}

#[test]
fn two_node_cluster_needs_both_votes() {
    // Reference: Raft §5.2 (majority of 2 is 2)
    let mut env = Env::new(plain());
    let mut n = env.node(1, 2);
    env.force_timeout(&mut n, 0);
    assert_eq!(n.role(), Role::Candidate);
    assert_eq!(env.sent(), &[(0, vote_request(1, None))]);
    env.receive(&mut n, 12 * MS, 0, vote_reply(1, true, None));
    assert_eq!(n.role(), Role::Goose);
}

#[test]
fn single_node_cluster_elects_itself() {
    // Reference: Raft §5.2 (a majority of one is oneself)
    for opts in [plain(), with_cq(), with_pv(), Options::default()] {
        let what = format!("{opts}");
        let mut env = Env::new(opts);
        let mut n = env.node(0, 1);
        let deadline = n.election_deadline();
        env.tick(&mut n, deadline);
        assert_eq!(n.role(), Role::Goose, "{what}");
        assert_eq!((n.term(), n.voted_for()), (1, Some(0)), "{what}");
        assert_eq!(n.leader(), Some(0), "{what}");
        assert!(env.sent().is_empty(), "{what}: nobody to tell");
        assert_eq!(env.notes().last(), Some(&Note::Won { votes: 1 }), "{what}");
        if env.opts.pre_vote {
            assert_eq!(env.notes()[0], Note::PreCampaign { proposed: 1 }, "{what}");
        }
        assert_eq!(n.majority_lease_end(), Time::MAX, "{what}");
        // An hour of ticks: the lone goose never loses its quorum.
        let mut now = deadline;
        while now < 3600 * SECOND {
            now = n.deadline(&env.opts);
            env.tick(&mut n, now);
            assert_eq!(n.role(), Role::Goose, "{what} at {now}");
        }
    }
}

#[test]
fn winner_sends_heartbeats_at_once_and_then_every_interval() {
    // Reference: Raft §5.2 ("It then sends heartbeat messages to all of the other servers"; then periodic heartbeats)
    let mut env = Env::new(plain());
    let mut n = env.node(0, 3);
    elect(&mut env, &mut n, 20 * MS, None);
    assert_eq!(env.notes(), &[Note::Won { votes: 2 }]);
    assert_eq!(env.sent(), to_all(3, 0, first_append(1, None)).as_slice());
    assert_eq!(n.leader(), Some(0));
    assert_eq!(n.heartbeat_times(), (20 * MS, 20 * MS + HB));
    assert_eq!(n.deadline(&env.opts), 20 * MS + HB);

    let mut last = 20 * MS;
    for _ in 0..20 {
        env.tick(&mut n, last + HB - 1);
        assert!(env.is_quiet(), "nothing before the interval is up");
        env.tick(&mut n, last + HB);
        // Nobody acknowledged the no-op, so every heartbeat carries it again.
        assert_eq!(env.sent(), to_all(3, 0, first_append(1, None)).as_slice());
        last += HB;
        assert_eq!(n.heartbeat_times(), (last, last + HB));
        assert_eq!(n.deadline(&env.opts), last + HB);
    }
}

#[test]
fn goose_ignores_votes_that_come_after_it_won() {
    // Reference: Raft §5.2 (a leader counts no more votes)
    let mut env = Env::new(plain());
    let mut n = env.node(0, 5);
    elect(&mut env, &mut n, 0, None);
    env.receive(&mut n, 30 * MS, 4, vote_reply(1, true, None));
    assert!(env.is_quiet(), "no second Won, no extra heartbeats");
    assert_eq!(n.role(), Role::Goose);
}

#[test]
fn goose_ignores_a_heartbeat_of_its_own_term() {
    // Reference: Raft §5.2, Figure 3 Election Safety (two geese of one term cannot both be right; the checker reports it)
    let mut env = Env::new(plain());
    let mut n = env.node(0, 3);
    elect(&mut env, &mut n, 0, None);
    env.receive(&mut n, 30 * MS, 2, heartbeat(1, None));
    assert!(env.is_quiet());
    assert_eq!((n.role(), n.leader()), (Role::Goose, Some(0)));
}

#[test]
fn heartbeat_makes_candidate_a_duck_and_records_leader() {
    // Reference: Raft §5.2 (a candidate that hears a leader of a term at least as large as its own recognizes it and returns to follower state)
    let mut env = Env::new(plain());
    let mut n = env.node(0, 5);
    env.force_timeout(&mut n, 0);
    env.receive(&mut n, 30 * MS, 3, heartbeat(1, None));
    assert_eq!(n.role(), Role::Duck);
    assert_eq!(n.leader(), Some(3));
    assert_eq!(n.term(), 1);
    assert_eq!(n.voted_for(), Some(0), "its own vote of term 1 stands");
    assert_eq!(
        env.notes(),
        &[Note::SteppedDown {
            was: Role::Candidate,
            why: StepDown::GooseHeard { goose: 3 },
        }]
    );
    assert_eq!(env.sent(), &[(3, heartbeat_reply(1, None))]);
    // Votes of its old candidacy arriving late change nothing.
    env.receive(&mut n, 31 * MS, 1, vote_reply(1, true, None));
    env.receive(&mut n, 31 * MS, 2, vote_reply(1, true, None));
    assert!(env.is_quiet());
    assert_eq!(n.role(), Role::Duck);
}

#[test]
fn duck_replies_to_heartbeats_records_the_goose_and_resets_its_timer() {
    // Reference: Raft §5.2 (a server remains a follower as long as it receives valid RPCs from a leader)
    let mut env = Env::new(plain());
    let mut n = env.node(1, 3);
    let draw = env.next_draw();
    env.receive(&mut n, 40 * MS, 0, heartbeat(1, None));
    assert_eq!(env.sent(), &[(0, heartbeat_reply(1, None))]);
    assert_eq!(env.notes(), &[Note::TermAdopted { from: 0 }]);
    assert_eq!((n.role(), n.term(), n.leader()), (Role::Duck, 1, Some(0)));
    assert_eq!(n.timer_start(), 40 * MS);
    assert_eq!(n.election_deadline(), 40 * MS + draw);

    let draw = env.next_draw();
    env.receive(&mut n, 90 * MS, 0, heartbeat(1, None));
    assert_eq!(env.sent(), &[(0, heartbeat_reply(1, None))]);
    assert!(env.notes().is_empty());
    assert_eq!(n.election_deadline(), 90 * MS + draw);
}

#[test]
fn candidate_times_out_and_starts_a_new_term() {
    // Reference: Raft §5.2 ("each candidate will time out and start a new election by incrementing its term")
    let mut env = Env::new(plain());
    let mut n = env.node(0, 5);
    env.force_timeout(&mut n, 0);
    env.receive(&mut n, 20 * MS, 1, vote_reply(1, true, None));
    let deadline = n.election_deadline();
    env.tick(&mut n, deadline);
    assert_eq!(
        (n.role(), n.term(), n.voted_for()),
        (Role::Candidate, 2, Some(0))
    );
    assert_eq!(
        n.ballots()[1],
        Ballot::Pending,
        "votes of term 1 do not count in 2"
    );
    assert_eq!(env.sent(), to_all(5, 0, vote_request(2, None)).as_slice());
    // A late vote of term 1 is stale now.
    env.receive(&mut n, deadline + 1, 2, vote_reply(1, true, None));
    env.receive(&mut n, deadline + 1, 3, vote_reply(2, true, None));
    assert_eq!(n.role(), Role::Candidate, "only 2 of the 3 votes needed");
}

#[test]
fn timeout_draws_fresh_value_in_range_at_every_reset() {
    // Reference: Raft §5.2 ("election timeouts are chosen randomly from a fixed interval"; a fresh draw at every reset)
    let mut env = Env::new(plain());
    let mut n = env.node(1, 3);
    let mut seen = std::collections::BTreeSet::new();
    let mut now = 0;
    for i in 0..400 {
        now += 7 * MS;
        let draw = env.next_draw();
        // Alternate the two ways a duck's timer restarts.
        if i % 2 == 0 {
            let term = n.term().max(1);
            env.receive(&mut n, now, 0, heartbeat(term, None));
        } else {
            let term = n.term() + 1;
            env.receive(&mut n, now, 2, vote_request(term, None));
        }
        let timeout = n.election_deadline() - now;
        assert_eq!(timeout, draw, "reset {i} draws from the run's generator");
        assert!((MIN..=MAX).contains(&timeout), "reset {i}: {timeout}");
        seen.insert(timeout);
    }
    assert!(
        seen.len() > 350,
        "fresh values, not one reused: {}",
        seen.len()
    );
    let quarter = (MAX - MIN) / 4;
    assert!(*seen.first().unwrap() < MIN + quarter);
    assert!(*seen.last().unwrap() > MAX - quarter);

    // A degenerate range is exact.
    let mut env = Env::new(Options {
        election: Span::new(5 * MS, 5 * MS),
        ..plain()
    });
    let mut n = env.node(0, 3);
    assert_eq!(n.election_deadline(), 5 * MS);
    env.receive(&mut n, 7 * MS, 1, heartbeat(1, None));
    assert_eq!(n.election_deadline(), 12 * MS);
}

#[test]
fn force_timeout_on_goose_returns_false_and_does_nothing() {
    // Reference: Raft §5.2 (a leader has no election timer)
    let mut env = Env::new(with_cq());
    let mut n = env.node(0, 3);
    elect(&mut env, &mut n, 0, Some(160 * MS));
    let (term, beats, quorum) = (n.term(), n.heartbeat_times(), n.majority_lease_end());
    let draw = env.next_draw();
    assert!(!env.force_timeout(&mut n, 10 * MS));
    assert!(env.is_quiet());
    assert_eq!(n.role(), Role::Goose);
    assert_eq!(n.term(), term);
    assert_eq!(n.heartbeat_times(), beats);
    assert_eq!(n.majority_lease_end(), quorum);
    assert_eq!(env.next_draw(), draw);
}

#[test]
fn force_timeout_makes_a_duck_or_candidate_campaign_now() {
    // Reference: Raft §5.2 (the election timeout firing, made to happen early)
    let mut env = Env::new(plain());
    let mut n = env.node(0, 3);
    assert!(n.election_deadline() > MS);
    assert!(env.force_timeout(&mut n, MS));
    assert_eq!((n.role(), n.term()), (Role::Candidate, 1));
    assert!(env.force_timeout(&mut n, 2 * MS));
    assert_eq!((n.role(), n.term()), (Role::Candidate, 2));
    assert_eq!(env.sent(), to_all(3, 0, vote_request(2, None)).as_slice());
}

// ---------------------------------------------------------------------------
// Persistent and volatile state (Figure 2)
// ---------------------------------------------------------------------------

#[test]
fn revived_node_keeps_term_and_vote_but_is_a_duck() {
    // Reference: Raft Figure 2 (currentTerm and votedFor are persistent; the rest is volatile)
    let mut env = Env::new(plain());
    let mut n = env.node(0, 3);
    env.force_timeout(&mut n, 0);
    env.force_timeout(&mut n, 200 * MS);
    elect(&mut env, &mut n, 400 * MS, None);
    assert_eq!((n.term(), n.voted_for()), (3, Some(0)));

    let draw = env.next_draw();
    env.restart(&mut n, 900 * MS);
    assert!(env.is_quiet(), "a restart sends nothing");
    assert_eq!(n.role(), Role::Duck);
    assert_eq!(n.term(), 3);
    assert_eq!(n.voted_for(), Some(0));
    assert_eq!(n.leader(), None);
    assert!(n.ballots()[1..].iter().all(|&b| b == Ballot::Pending));
    assert_eq!(n.timer_start(), 900 * MS);
    assert_eq!(n.election_deadline(), 900 * MS + draw);
    assert_eq!(n.deadline(&env.opts), n.election_deadline());

    // The kept vote still binds: no second vote in term 3.
    env.receive(&mut n, 910 * MS, 1, vote_request(3, None));
    assert_eq!(env.sent(), &[(1, vote_reply(3, false, None))]);
}

#[test]
fn revived_duck_remembers_whom_it_voted_for() {
    // Reference: Raft Figure 2 (votedFor survives a crash, so a restart cannot buy a second vote)
    let mut env = Env::new(plain());
    let mut n = env.node(0, 3);
    env.receive(&mut n, 10 * MS, 2, vote_request(4, None));
    env.restart(&mut n, 20 * MS);
    assert_eq!((n.term(), n.voted_for()), (4, Some(2)));
    env.receive(&mut n, 30 * MS, 1, vote_request(4, None));
    assert_eq!(
        env.notes(),
        &[Note::Refused {
            candidate: 1,
            pre: false,
            why: Refusal::AlreadyVoted(2),
        }]
    );
}

#[test]
fn restart_keeps_the_lease_promise() {
    // Reference: dissertation §4.2.3, §6.2 (a lease is a promise; forgetting it in a crash would break it)
    let mut env = Env::new(with_cq());
    let mut n = env.node(1, 3);
    env.receive(&mut n, 100 * MS, 0, heartbeat(1, lease(MIN, 160 * MS)));
    assert_eq!(n.lease_until(), Some(250 * MS));
    env.restart(&mut n, 120 * MS);
    assert_eq!(n.lease_until(), Some(250 * MS));
    env.receive(&mut n, 200 * MS, 2, vote_request(2, lease(MIN, 999)));
    assert_eq!(env.sent(), &[(2, vote_reply(1, false, None))]);
    assert_eq!(n.term(), 1);
    assert!(env.force_timeout(&mut n, 200 * MS));
    assert_eq!(
        env.notes(),
        &[Note::TimeoutInLease {
            lease_until: 250 * MS
        }]
    );
    assert_eq!(n.role(), Role::Duck);
}

#[test]
fn restart_forgets_the_goose_it_heard() {
    // Reference: Raft Figure 2 (volatile state), dissertation §9.6 (PreVote asks whether a leader was heard)
    let mut env = Env::new(with_pv());
    let mut n = env.node(1, 3);
    env.receive(&mut n, 100 * MS, 0, heartbeat(1, None));
    env.receive(&mut n, 110 * MS, 2, prevote_request(2));
    assert_eq!(env.sent(), &[(2, prevote_reply(1, false))]);
    env.restart(&mut n, 120 * MS);
    assert_eq!(n.leader(), None);
    env.receive(&mut n, 130 * MS, 2, prevote_request(2));
    assert_eq!(
        env.sent(),
        &[(2, prevote_reply(2, true))],
        "after a crash the node knows of no live goose"
    );
}

// ---------------------------------------------------------------------------
// CheckQuorum and leases (dissertation §4.2.3, §6.2)
// ---------------------------------------------------------------------------

#[test]
fn requests_carry_a_lease_only_under_check_quorum() {
    // Reference: dissertation §4.2.3, §6.2 (the lease asked for with each vote request and heartbeat)
    let mut env = Env::new(with_cq());
    let mut n = env.node(0, 3);
    let want = lease(VOTE_LEASE, 1000 + LAT_MIN + VOTE_LEASE);
    env.force_timeout(&mut n, 1000);
    assert_eq!(env.sent(), to_all(3, 0, vote_request(1, want)).as_slice());
    env.receive(
        &mut n,
        2000,
        1,
        vote_reply(1, true, Some(1000 + LAT_MIN + VOTE_LEASE)),
    );
    let want = lease(MIN, 2000 + LAT_MIN + MIN);
    assert_eq!(env.sent(), to_all(3, 0, first_append(1, want)).as_slice());

    let mut env = Env::new(plain());
    let mut n = env.node(0, 3);
    env.force_timeout(&mut n, 1000);
    assert_eq!(env.sent(), to_all(3, 0, vote_request(1, None)).as_slice());
}

#[test]
fn granting_a_vote_promises_a_lease_and_echoes_its_floor() {
    // Reference: dissertation §4.2.3, §6.2 (a voter promises not to vote for anybody else for the lease)
    let mut env = Env::new(with_cq());
    let mut n = env.node(1, 3);
    // The length and the floor travel in the message; the voter's own
    // options play no part.
    env.receive(&mut n, 50 * MS, 0, vote_request(1, lease(20 * MS, 777)));
    assert_eq!(env.sent(), &[(0, vote_reply(1, true, Some(777)))]);
    assert_eq!(n.lease_until(), Some(70 * MS), "arrival + length");

    // Without a lease in the request, no promise and no floor.
    let mut m = env.node(2, 3);
    env.receive(&mut m, 50 * MS, 0, vote_request(1, None));
    assert_eq!(env.sent(), &[(0, vote_reply(1, true, None))]);
    assert_eq!(m.lease_until(), None);
}

#[test]
fn heartbeat_ack_echoes_the_floor_and_never_shortens_the_promise() {
    // Reference: dissertation §6.2 (leases are extended by heartbeats, never revoked)
    let mut env = Env::new(with_cq());
    let mut n = env.node(1, 3);
    env.receive(&mut n, 10 * MS, 0, heartbeat(1, lease(200 * MS, 999)));
    assert_eq!(env.sent(), &[(0, heartbeat_reply(1, Some(999)))]);
    assert_eq!(n.lease_until(), Some(210 * MS));
    env.receive(&mut n, 20 * MS, 0, heartbeat(1, lease(50 * MS, 1000)));
    assert_eq!(env.sent(), &[(0, heartbeat_reply(1, Some(1000)))]);
    assert_eq!(n.lease_until(), Some(210 * MS), "the longer promise stands");
    env.receive(&mut n, 300 * MS, 0, heartbeat(1, lease(50 * MS, 1001)));
    assert_eq!(n.lease_until(), Some(350 * MS));
}

#[test]
fn duck_in_lease_refuses_vote_and_keeps_its_term() {
    // Reference: dissertation §4.2.3 ("if a server receives a RequestVote request within the minimum election timeout of hearing from a current leader, it does not update its term or grant its vote")
    let mut env = Env::new(with_cq());
    let mut n = env.node(1, 3);
    env.receive(
        &mut n,
        100 * MS,
        0,
        heartbeat(1, lease(MIN, 100 * MS + LAT_MIN + MIN)),
    );
    assert_eq!(n.lease_until(), Some(250 * MS));
    let deadline = n.election_deadline();

    for now in [101 * MS, 249 * MS, 250 * MS] {
        env.receive(&mut n, now, 2, vote_request(2, lease(MIN, 1)));
        assert_eq!(env.sent(), &[(2, vote_reply(1, false, None))], "at {now}");
        assert_eq!(
            env.notes(),
            &[Note::Refused {
                candidate: 2,
                pre: false,
                why: Refusal::Lease,
            }]
        );
        assert_eq!((n.term(), n.voted_for(), n.leader()), (1, None, Some(0)));
        assert_eq!(n.election_deadline(), deadline, "a refusal resets nothing");
    }

    // A candidate of the lease's own term is refused too.
    env.receive(&mut n, 200 * MS, 2, vote_request(1, None));
    assert_eq!(env.sent(), &[(2, vote_reply(1, false, None))]);
    assert_eq!(n.voted_for(), None);

    // Strictly after the lease, the vote is granted.
    env.receive(&mut n, 250 * MS + 1, 2, vote_request(2, lease(MIN, 1)));
    assert_eq!(env.sent(), &[(2, vote_reply(2, true, Some(1)))]);
    assert_eq!((n.term(), n.voted_for()), (2, Some(2)));
}

#[test]
fn promise_is_kept_even_after_check_quorum_is_turned_off() {
    // Reference: dissertation §4.2.3, §6.2 (a goose that counted this promise may still rely on it)
    let mut env = Env::new(with_cq());
    let mut n = env.node(1, 3);
    env.receive(&mut n, 0, 0, heartbeat(1, lease(MIN, 160 * MS)));
    env.set(&mut n, 10 * MS, plain());
    env.receive(&mut n, 20 * MS, 2, vote_request(2, None));
    assert_eq!(env.sent(), &[(2, vote_reply(1, false, None))]);
}

#[test]
fn timeout_during_lease_keeps_node_a_duck() {
    // Reference: dissertation §4.2.3 (a campaign is a vote for oneself, which a lease forbids)
    let mut env = Env::new(with_cq());
    let mut n = env.node(1, 3);
    env.receive(&mut n, 0, 0, heartbeat(1, lease(SECOND, 1)));
    assert_eq!(n.lease_until(), Some(SECOND));
    let deadline = n.election_deadline();
    assert!(deadline < SECOND);
    let draw = env.next_draw();
    env.tick(&mut n, deadline);
    assert_eq!(
        env.notes(),
        &[Note::TimeoutInLease {
            lease_until: SECOND
        }]
    );
    assert!(env.sent().is_empty());
    assert_eq!((n.role(), n.term(), n.voted_for()), (Role::Duck, 1, None));
    assert_eq!(n.election_deadline(), deadline + draw, "a fresh timer");

    // Forced, even at the very last instant of the lease: still a duck.
    assert!(env.force_timeout(&mut n, SECOND));
    assert_eq!((n.role(), n.term()), (Role::Duck, 1));
    assert!(env.sent().is_empty());
    // One microsecond later the promise is over.
    assert!(env.force_timeout(&mut n, SECOND + 1));
    assert_eq!((n.role(), n.term()), (Role::Candidate, 2));
}

#[test]
fn goose_under_check_quorum_refuses_votes_and_keeps_its_term() {
    // Reference: dissertation §4.2.3 (the leader holds its own lease and is not deposed by a RequestVote)
    let mut env = Env::new(with_cq());
    let mut n = env.node(0, 3);
    elect(&mut env, &mut n, 0, Some(160 * MS));
    env.receive(&mut n, 30 * MS, 2, vote_request(5, lease(MIN, 1)));
    assert_eq!(env.sent(), &[(2, vote_reply(1, false, None))]);
    assert_eq!(
        env.notes(),
        &[Note::Refused {
            candidate: 2,
            pre: false,
            why: Refusal::Lease,
        }]
    );
    assert_eq!((n.role(), n.term()), (Role::Goose, 1));

    // Without CheckQuorum the same request deposes it (§5.1).
    let mut env = Env::new(plain());
    let mut n = env.node(0, 3);
    elect(&mut env, &mut n, 0, None);
    env.receive(&mut n, 30 * MS, 2, with_log(vote_request(5, None), 1, 1));
    assert_eq!(env.sent(), &[(2, vote_reply(5, true, None))]);
    assert_eq!(
        (n.role(), n.term(), n.voted_for()),
        (Role::Duck, 5, Some(2))
    );
}

#[test]
fn majority_lease_end_is_the_majority_minus_one_th_largest_echoed_floor() {
    // Reference: dissertation §6.2 (the leader's lease lasts as long as a majority's promises)
    let mut env = Env::new(with_cq());
    let mut n = env.node(0, 5);
    env.force_timeout(&mut n, 0);
    env.receive(&mut n, 20 * MS, 1, vote_reply(1, true, Some(100 * MS)));
    env.receive(&mut n, 21 * MS, 2, vote_reply(1, true, Some(120 * MS)));
    assert_eq!(n.role(), Role::Goose);
    // Five nodes: the goose and 2 peers. Floors {100, 120, 0, 0}: 2nd largest.
    assert_eq!(n.majority_lease_end(), 100 * MS);
    env.receive(&mut n, 30 * MS, 3, heartbeat_reply(1, Some(400 * MS)));
    assert_eq!(n.majority_lease_end(), 120 * MS, "{{100, 120, 400, 0}}");
    env.receive(&mut n, 31 * MS, 4, heartbeat_reply(1, Some(300 * MS)));
    assert_eq!(n.majority_lease_end(), 300 * MS, "{{100, 120, 400, 300}}");
    env.receive(&mut n, 32 * MS, 3, heartbeat_reply(1, Some(200 * MS)));
    assert_eq!(
        n.majority_lease_end(),
        300 * MS,
        "a smaller echo lowers nothing"
    );
    env.receive(&mut n, 33 * MS, 1, heartbeat_reply(1, Some(350 * MS)));
    assert_eq!(n.majority_lease_end(), 350 * MS, "{{350, 120, 400, 300}}");
    env.receive(&mut n, 34 * MS, 2, heartbeat_reply(1, None));
    env.receive(&mut n, 34 * MS, 2, heartbeat_reply(0, Some(900 * MS)));
    assert_eq!(
        n.majority_lease_end(),
        350 * MS,
        "no floor, or a stale term's floor, counts for nothing"
    );

    // Three nodes: one peer suffices, the largest floor.
    let mut m = env.node(2, 3);
    env.force_timeout(&mut m, 0);
    env.receive(&mut m, 20 * MS, 0, vote_reply(1, true, Some(170 * MS)));
    assert_eq!(m.majority_lease_end(), 170 * MS);
    env.receive(&mut m, 30 * MS, 1, heartbeat_reply(1, Some(210 * MS)));
    assert_eq!(m.majority_lease_end(), 210 * MS);

    // Four nodes: majority 3, so 2 peers: the 2nd largest of 3 floors.
    let mut k = env.node(1, 4);
    env.force_timeout(&mut k, 0);
    env.receive(&mut k, 20 * MS, 0, vote_reply(1, true, Some(170 * MS)));
    env.receive(&mut k, 20 * MS, 2, vote_reply(1, true, Some(180 * MS)));
    assert_eq!(k.role(), Role::Goose);
    assert_eq!(k.majority_lease_end(), 170 * MS);
    env.receive(&mut k, 30 * MS, 3, heartbeat_reply(1, Some(500 * MS)));
    assert_eq!(k.majority_lease_end(), 180 * MS);
}

/// A goose of 3 nodes, elected at 24ms under CheckQuorum with the one vote
/// it needed echoing the floor of its vote request sent at 0: 190ms.
fn cq_goose(env: &mut Env) -> Node {
    let mut n = env.node(0, 3);
    env.force_timeout(&mut n, 0);
    let floor = match &env.sent()[0].1.body {
        Body::VoteRequest { lease: Some(l), .. } => l.floor,
        other => panic!("a vote request with a lease, not {other:?}"),
    };
    assert_eq!(floor, LAT_MIN + VOTE_LEASE);
    assert_eq!(floor, 190 * MS);
    env.receive(&mut n, 24 * MS, 1, vote_reply(1, true, Some(floor)));
    assert_eq!(n.role(), Role::Goose);
    n
}

#[test]
fn goose_loses_its_crown_at_the_lease_end_and_steps_down_an_election_timeout_after_its_majority() {
    // Reference: dissertation §6.2 (a leader claims leadership only within its majority's leases, and steps down after an election timeout without a majority)
    let mut env = Env::new(with_cq());
    let mut n = cq_goose(&mut env);
    assert_eq!(n.majority_lease_end(), 190 * MS);
    assert_eq!(n.majority_heard_at(), 24 * MS, "the vote came back at 24ms");
    assert_eq!(n.step_down_at(&env.opts), 24 * MS + MAX);
    assert_eq!(n.deadline(&env.opts), 74 * MS, "the heartbeat comes first");
    env.tick(&mut n, 74 * MS);
    env.tick(&mut n, 124 * MS);
    env.tick(&mut n, 174 * MS);
    assert_eq!(n.deadline(&env.opts), 190 * MS, "then the crown's end");
    env.tick(&mut n, 190 * MS - 1);
    assert!(env.is_quiet());
    assert_eq!(n.role(), Role::Goose);

    env.tick(&mut n, 190 * MS);
    assert_eq!(env.notes(), &[Note::LostCrown]);
    assert_eq!(
        env.sent(),
        to_all(3, 0, first_append(1, lease(MIN, 190 * MS + LAT_MIN + MIN))).as_slice(),
        "asks for fresh acks at once (with the no-op nobody acknowledged)"
    );
    assert_eq!(
        (n.role(), n.term(), n.leader()),
        (Role::Uncrowned, 1, Some(0))
    );
    // It leads on, heartbeat after heartbeat, until an election timeout
    // (the longest, `election.max`) has passed since its majority answered.
    let mut now = 190 * MS;
    while n.role() == Role::Uncrowned {
        assert!(now < 24 * MS + MAX, "still leader at {now}");
        now = n.deadline(&env.opts);
        env.tick(&mut n, now);
    }
    assert_eq!(now, 24 * MS + MAX);
    assert_eq!(
        env.notes(),
        &[Note::SteppedDown {
            was: Role::Uncrowned,
            why: StepDown::LostQuorum,
        }]
    );
    assert_eq!((n.role(), n.term(), n.leader()), (Role::Duck, 1, None));
}

#[test]
fn heartbeat_acks_push_the_crown_forward_and_give_it_back() {
    // Reference: dissertation §6.2 (each acknowledged heartbeat extends the leader's lease)
    let mut env = Env::new(with_cq());
    let mut n = cq_goose(&mut env);
    env.tick(&mut n, 74 * MS);
    env.receive(&mut n, 90 * MS, 2, ack(1, Some(234 * MS), 1));
    assert!(env.is_quiet());
    assert_eq!(
        n.majority_lease_end(),
        234 * MS,
        "the cache follows the ack"
    );
    assert_eq!(n.majority_heard_at(), 90 * MS);
    for now in [124, 174, 190, 224] {
        env.tick(&mut n, now * MS);
        assert_eq!(n.role(), Role::Goose, "at {now}ms");
    }
    assert_eq!(n.deadline(&env.opts), 234 * MS);
    env.tick(&mut n, 234 * MS);
    assert_eq!(n.role(), Role::Uncrowned);
    // A late ack whose floor is already past gives no crown back...
    env.receive(&mut n, 240 * MS, 1, heartbeat_reply(1, Some(239 * MS)));
    assert_eq!(n.role(), Role::Uncrowned);
    assert!(env.notes().is_empty());
    // ...a fresh one does, at once.
    env.receive(&mut n, 250 * MS, 1, heartbeat_reply(1, Some(400 * MS)));
    assert_eq!(n.role(), Role::Goose);
    assert_eq!(env.notes(), &[Note::Crowned { until: 400 * MS }]);
    assert_eq!(n.step_down_at(&env.opts), 250 * MS + MAX);
}

#[test]
fn crowned_goose_that_sees_a_higher_term_in_an_ack_runs_at_once_and_its_ducks_may_vote_for_it() {
    // Reference: dissertation §4.2.3, §6.2 (a leader holding a majority's leases knows no higher term has a leader)
    let mut env = Env::new(with_cq());
    let mut n = cq_goose(&mut env);
    env.receive(&mut n, 30 * MS, 1, heartbeat_reply(4, None));
    assert_eq!(n.role(), Role::Candidate);
    assert_eq!(n.term(), 5);
    assert_eq!(
        env.notes()[1],
        Note::Campaign {
            term: 5,
            why: Cause::Deposed
        }
    );
    // A duck whose every promise is to that goose may vote for it again...
    let mut d = env.node(1, 3);
    env.receive(&mut d, 10 * MS, 0, heartbeat(1, lease(MIN, 10 * MS + MIN)));
    assert_eq!(d.lease_until(), Some(10 * MS + MIN));
    env.receive(&mut d, 40 * MS, 0, vote_request(5, lease(MIN, 50 * MS)));
    assert_eq!((d.term(), d.voted_for()), (5, Some(0)));
    // ...but a duck that also promised another node may not.
    let mut e = env.node(1, 3);
    env.receive(&mut e, 10 * MS, 0, heartbeat(1, lease(MIN, 10 * MS + MIN)));
    env.receive(&mut e, 20 * MS, 2, heartbeat(2, lease(MIN, 20 * MS + MIN)));
    env.receive(&mut e, 40 * MS, 0, vote_request(5, lease(MIN, 50 * MS)));
    assert_eq!((e.term(), e.voted_for()), (2, None));
    // A goose without its crown steps down plainly: somebody may have won.
    let mut env = Env::new(with_cq());
    let mut n = cq_goose(&mut env);
    env.tick(&mut n, 190 * MS);
    assert_eq!(n.role(), Role::Uncrowned);
    env.receive(&mut n, 200 * MS, 1, heartbeat_reply(4, None));
    assert_eq!((n.role(), n.term()), (Role::Duck, 4));
}

#[test]
fn without_check_quorum_a_goose_never_steps_down() {
    // Reference: Raft §5.2 (without CheckQuorum a leader leads until it sees a higher term)
    let mut env = Env::new(plain());
    let mut n = env.node(0, 3);
    elect(&mut env, &mut n, 0, None);
    let mut now = 0;
    for _ in 0..200 {
        assert_eq!(n.deadline(&env.opts), now + HB);
        now += HB;
        env.tick(&mut n, now);
        assert_eq!(n.role(), Role::Goose, "at {now}");
        assert_eq!(env.sent().len(), 2);
    }
}

#[test]
fn precandidate_in_lease_does_not_campaign_on_a_majority_of_prevotes() {
    // Reference: dissertation §4.2.3, §9.6 (a campaign is a vote for oneself; a promise forbids it)
    let mut env = Env::new(Options {
        pre_vote: true,
        ..with_cq()
    });
    let mut n = env.node(0, 3);
    env.receive(&mut n, 0, 2, heartbeat_reply(1, None));
    env.force_timeout(&mut n, 10 * MS);
    assert_eq!(
        (n.role(), n.term(), n.voted_for()),
        (Role::PreCandidate, 1, None)
    );
    // Node 1 campaigns in term 1; the precandidate has no vote in 1 yet.
    env.receive(&mut n, 20 * MS, 1, vote_request(1, lease(MIN, 7)));
    assert_eq!(env.sent(), &[(1, vote_reply(1, true, Some(7)))]);
    assert_eq!(n.lease_until(), Some(20 * MS + MIN));
    env.receive(&mut n, 25 * MS, 2, prevote_reply(2, true));
    assert!(
        env.sent().is_empty(),
        "two of three pre-votes, but it promised node 1 not to vote"
    );
    assert_eq!((n.role(), n.term()), (Role::PreCandidate, 1));
}

#[test]
fn precandidate_whose_timer_fires_during_a_lease_becomes_a_duck() {
    // Reference: dissertation §4.2.3, §9.6 (bound by a promise, it gives up its round)
    let mut env = Env::new(Options {
        pre_vote: true,
        ..with_cq()
    });
    let mut n = env.node(0, 3);
    env.receive(&mut n, 0, 2, heartbeat_reply(1, None));
    env.force_timeout(&mut n, 10 * MS);
    assert_eq!((n.role(), n.term()), (Role::PreCandidate, 1));
    // It grants a vote in its own term, with a promise longer than its timer.
    env.receive(&mut n, 20 * MS, 1, vote_request(1, lease(SECOND, 7)));
    assert_eq!(
        (n.role(), n.lease_until()),
        (Role::PreCandidate, Some(20 * MS + SECOND))
    );
    let deadline = n.election_deadline();
    env.tick(&mut n, deadline);
    assert_eq!(n.role(), Role::Duck, "a bound precandidate is a duck again");
    assert!(matches!(env.notes(), [Note::TimeoutInLease { .. }]));
    assert!(env.sent().is_empty());
}

#[test]
fn repeated_vote_request_from_the_candidate_voted_for_is_granted_again_in_a_lease() {
    // Reference: Raft §5.2 (the vote already cast stands) and dissertation §4.2.3
    let mut env = Env::new(with_cq());
    let mut n = env.node(2, 3);
    env.receive(&mut n, 10 * MS, 0, vote_request(1, lease(MIN, 7)));
    assert_eq!(env.sent(), &[(0, vote_reply(1, true, Some(7)))]);
    // The same request again, within the promise it made to node 0.
    env.receive(&mut n, 20 * MS, 0, vote_request(1, lease(MIN, 8)));
    assert_eq!(env.sent(), &[(0, vote_reply(1, true, Some(8)))]);
    // Anybody else in the same term is still refused.
    env.receive(&mut n, 30 * MS, 1, vote_request(1, lease(MIN, 9)));
    assert_eq!(env.sent(), &[(1, vote_reply(1, false, None))]);
}

#[test]
fn a_granted_vote_is_not_undone_by_a_later_denial_from_the_same_peer() {
    // Reference: Raft §5.2 (a vote granted in a term cannot be taken back)
    let mut env = Env::new(plain());
    let mut n = env.node(0, 5);
    env.force_timeout(&mut n, 0);
    env.receive(&mut n, 10 * MS, 1, vote_reply(1, true, None));
    env.receive(&mut n, 11 * MS, 1, vote_reply(1, false, None));
    assert_eq!(n.ballots()[1], Ballot::Granted);
    env.receive(&mut n, 12 * MS, 2, vote_reply(1, true, None));
    assert_eq!(n.role(), Role::Goose, "self, n2 and n3 are three of five");
}

// ---------------------------------------------------------------------------
// PreVote (dissertation §9.6)
// ---------------------------------------------------------------------------

#[test]
fn prevote_does_not_change_terms() {
    // Reference: dissertation §9.6 (a pre-vote asks whether peers would vote, and moves nobody's term)
    let mut env = Env::new(with_pv());
    let mut n = env.node(0, 3);
    env.receive(&mut n, 0, 2, vote_request(4, None));
    assert_eq!((n.term(), n.voted_for()), (4, Some(2)));
    let draw = env.next_draw();
    assert!(env.force_timeout(&mut n, 10 * MS));
    assert_eq!(n.role(), Role::PreCandidate);
    assert_eq!(
        (n.term(), n.voted_for()),
        (4, Some(2)),
        "the asker's term stays"
    );
    assert_eq!(env.notes(), &[Note::PreCampaign { proposed: 5 }]);
    assert_eq!(env.sent(), to_all(3, 0, prevote_request(5)).as_slice());
    assert_eq!(
        n.ballots(),
        &[Ballot::Granted, Ballot::Pending, Ballot::Pending]
    );
    assert_eq!(n.election_deadline(), 10 * MS + draw);

    // The asked, too, changes nothing, not even its timer.
    let mut m = env.node(1, 3);
    env.receive(&mut m, 0, 2, vote_request(4, None));
    let (deadline, draw) = (m.election_deadline(), env.next_draw());
    env.receive(&mut m, 20 * MS, 0, prevote_request(5));
    assert_eq!(env.sent(), &[(0, prevote_reply(5, true))]);
    assert!(env.notes().is_empty());
    assert_eq!(
        (m.role(), m.term(), m.voted_for()),
        (Role::Duck, 4, Some(2))
    );
    assert_eq!(m.election_deadline(), deadline);
    assert_eq!(env.next_draw(), draw);
}

#[test]
fn precandidate_needs_majority_of_prevotes() {
    // Reference: dissertation §9.6 (only a majority of pre-votes lets a node increment its term and campaign)
    let mut env = Env::new(with_pv());
    let mut n = env.node(0, 5);
    env.force_timeout(&mut n, 0);
    env.receive(&mut n, 20 * MS, 1, prevote_reply(1, true));
    assert_eq!(n.role(), Role::PreCandidate);
    assert!(env.is_quiet());
    env.receive(&mut n, 21 * MS, 2, prevote_reply(0, false));
    assert_eq!(n.role(), Role::PreCandidate, "a no counts for nothing");
    assert_eq!(n.ballots()[1..3], [Ballot::Granted, Ballot::Denied]);
    assert_eq!(n.term(), 0);

    let draw = env.next_draw();
    env.receive(&mut n, 22 * MS, 3, prevote_reply(1, true));
    assert_eq!(n.role(), Role::Candidate);
    assert_eq!((n.term(), n.voted_for()), (1, Some(0)));
    assert_eq!(
        env.notes(),
        &[Note::Campaign {
            term: 1,
            why: Cause::PreVote,
        }]
    );
    assert_eq!(env.sent(), to_all(5, 0, vote_request(1, None)).as_slice());
    assert_eq!(
        n.ballots(),
        &[
            Ballot::Granted,
            Ballot::Pending,
            Ballot::Pending,
            Ballot::Pending,
            Ballot::Pending
        ],
        "pre-votes are not votes"
    );
    assert_eq!(n.election_deadline(), 22 * MS + draw);
}

#[test]
fn prevote_is_refused_when_a_goose_was_heard_within_election_min() {
    // Reference: dissertation §9.6 (a server grants a pre-vote only if it has not heard from a leader within the minimum election timeout)
    let mut env = Env::new(with_pv());
    let mut n = env.node(1, 3);
    env.receive(&mut n, 100 * MS, 0, heartbeat(1, None));
    env.receive(&mut n, 100 * MS + MIN - 1, 2, prevote_request(2));
    assert_eq!(env.sent(), &[(2, prevote_reply(1, false))]);
    assert_eq!(
        env.notes(),
        &[Note::Refused {
            candidate: 2,
            pre: true,
            why: Refusal::GooseAlive,
        }]
    );
    env.receive(&mut n, 100 * MS + MIN, 2, prevote_request(2));
    assert_eq!(env.sent(), &[(2, prevote_reply(2, true))]);
    assert!(env.notes().is_empty());
    assert_eq!((n.term(), n.leader()), (1, Some(0)));
}

#[test]
fn prevote_for_a_term_not_above_ours_is_refused() {
    // Reference: dissertation §9.6, Raft §5.1 (the proposed term must be newer)
    let mut env = Env::new(with_pv());
    let mut n = env.node(1, 3);
    env.receive(&mut n, 0, 2, heartbeat_reply(3, None));
    for proposed in [2, 3] {
        env.receive(&mut n, 10 * MS, 0, prevote_request(proposed));
        assert_eq!(env.sent(), &[(0, prevote_reply(3, false))]);
        assert_eq!(
            env.notes(),
            &[Note::Refused {
                candidate: 0,
                pre: true,
                why: Refusal::StaleTerm,
            }]
        );
    }
    env.receive(&mut n, 10 * MS, 0, prevote_request(4));
    assert_eq!(env.sent(), &[(0, prevote_reply(4, true))]);
}

#[test]
fn goose_refuses_prevotes() {
    // Reference: dissertation §9.6 (a live leader means no election is needed)
    let mut env = Env::new(with_pv());
    let mut n = env.node(0, 3);
    elect(&mut env, &mut n, 0, None);
    env.receive(&mut n, 30 * MS + MIN, 2, with_log(prevote_request(2), 1, 1));
    assert_eq!(env.sent(), &[(2, prevote_reply(1, false))]);
    assert_eq!(
        env.notes(),
        &[Note::Refused {
            candidate: 2,
            pre: true,
            why: Refusal::GooseAlive,
        }]
    );
    assert_eq!((n.role(), n.term()), (Role::Goose, 1));
}

#[test]
fn prevote_is_refused_during_a_lease() {
    // Reference: dissertation §4.2.3, §9.6 (a node bound by a lease would not vote, so it does not pre-vote either)
    let mut env = Env::new(Options {
        pre_vote: true,
        ..with_cq()
    });
    let mut n = env.node(1, 3);
    env.receive(&mut n, 0, 0, vote_request(1, lease(MIN, 1)));
    env.receive(&mut n, 10 * MS, 2, prevote_request(2));
    assert_eq!(env.sent(), &[(2, prevote_reply(1, false))]);
    assert_eq!(
        env.notes(),
        &[Note::Refused {
            candidate: 2,
            pre: true,
            why: Refusal::Lease,
        }]
    );
    env.receive(&mut n, MIN + 1, 2, prevote_request(2));
    assert_eq!(env.sent(), &[(2, prevote_reply(2, true))]);
}

#[test]
fn prevote_denial_with_higher_term_makes_precandidate_adopt_it() {
    // Reference: dissertation §9.6, Raft §5.1 (a denial carries the voter's newer term)
    let mut env = Env::new(with_pv());
    let mut n = env.node(0, 3);
    env.force_timeout(&mut n, 0);
    env.receive(&mut n, 20 * MS, 2, prevote_reply(5, false));
    assert_eq!((n.role(), n.term(), n.voted_for()), (Role::Duck, 5, None));
    assert_eq!(
        env.notes(),
        &[Note::SteppedDown {
            was: Role::PreCandidate,
            why: StepDown::HigherTerm { from: 2, term: 5 },
        }]
    );
    // A denial in term proposed = term + 1 is a newer term too.
    env.force_timeout(&mut n, 30 * MS);
    env.receive(&mut n, 40 * MS, 1, prevote_reply(6, false));
    assert_eq!((n.role(), n.term()), (Role::Duck, 6));
}

#[test]
fn precandidate_hearing_a_goose_gives_up_and_ignores_late_prevotes() {
    // Reference: dissertation §9.6, Raft §5.2 (a heartbeat of its term means there is a goose)
    let mut env = Env::new(with_pv());
    let mut n = env.node(0, 3);
    env.receive(&mut n, 0, 2, heartbeat_reply(1, None));
    env.force_timeout(&mut n, 10 * MS);
    env.receive(&mut n, 20 * MS, 2, heartbeat(1, None));
    assert_eq!((n.role(), n.leader()), (Role::Duck, Some(2)));
    assert_eq!(
        env.notes(),
        &[Note::SteppedDown {
            was: Role::PreCandidate,
            why: StepDown::GooseHeard { goose: 2 },
        }]
    );
    env.receive(&mut n, 21 * MS, 1, prevote_reply(2, true));
    assert!(env.is_quiet());
    assert_eq!((n.role(), n.term()), (Role::Duck, 1));
}

#[test]
fn precandidate_times_out_and_asks_again() {
    // Reference: dissertation §9.6 (a failed pre-vote round is retried at the next timeout)
    let mut env = Env::new(with_pv());
    let mut n = env.node(0, 5);
    env.force_timeout(&mut n, 0);
    env.receive(&mut n, 20 * MS, 1, prevote_reply(1, true));
    let deadline = n.election_deadline();
    env.tick(&mut n, deadline);
    assert_eq!((n.role(), n.term()), (Role::PreCandidate, 0));
    assert_eq!(env.notes(), &[Note::PreCampaign { proposed: 1 }]);
    assert_eq!(env.sent(), to_all(5, 0, prevote_request(1)).as_slice());
    assert_eq!(n.ballots()[1], Ballot::Pending, "a new round");
}

#[test]
fn stale_prevote_grant_from_an_earlier_term_is_not_counted() {
    // Reference: dissertation §9.6 (a pre-vote answers for one proposed term only)
    let mut env = Env::new(with_pv());
    let mut n = env.node(0, 5);
    env.force_timeout(&mut n, 0);
    assert_eq!(env.notes(), &[Note::PreCampaign { proposed: 1 }]);
    // Meanwhile node 4 won term 1.
    env.receive(&mut n, 5 * MS, 4, heartbeat(1, None));
    assert_eq!((n.role(), n.term(), n.leader()), (Role::Duck, 1, Some(4)));
    // Later the goose falls silent and node 0 asks for term 2.
    env.force_timeout(&mut n, 400 * MS);
    assert_eq!(env.notes(), &[Note::PreCampaign { proposed: 2 }]);
    // Two yeses for term 1, sent long ago, arrive now: they say nothing about
    // term 2 (those nodes may hear goose 4 now).
    env.receive(&mut n, 401 * MS, 1, prevote_reply(1, true));
    env.receive(&mut n, 401 * MS, 2, prevote_reply(1, true));
    assert!(env.sent().is_empty(), "no campaign on stale pre-votes");
    assert_eq!((n.role(), n.term()), (Role::PreCandidate, 1));
    assert!(n.ballots()[1..].iter().all(|&b| b == Ballot::Pending));
    // Yeses for term 2 count.
    env.receive(&mut n, 402 * MS, 1, prevote_reply(2, true));
    env.receive(&mut n, 402 * MS, 2, prevote_reply(2, true));
    assert_eq!((n.role(), n.term()), (Role::Candidate, 2));
}

// ---------------------------------------------------------------------------
// Options changed during a run
// ---------------------------------------------------------------------------

#[test]
fn options_changed_redraws_the_election_timer_from_its_start() {
    // Reference: Raft §5.2 (the timeout is drawn from the interval in force)
    let mut env = Env::new(plain());
    let mut n = env.node(1, 3);
    assert_eq!(n.timer_start(), 0);
    let fixed = |ms| Options {
        election: Span::new(ms * MS, ms * MS),
        ..plain()
    };
    env.set(&mut n, 40 * MS, fixed(1000));
    assert!(env.is_quiet());
    assert_eq!(n.election_deadline(), 1000 * MS, "start + new timeout");
    assert_eq!(n.timer_start(), 0);
    env.set(&mut n, 40 * MS, fixed(20));
    assert_eq!(n.election_deadline(), 40 * MS, "already past: fires now");
    env.tick(&mut n, 40 * MS);
    assert_eq!(n.role(), Role::Candidate);

    // A candidate's timer is redrawn too, from the new range.
    let wide = Options {
        election: Span::new(400 * MS, 500 * MS),
        ..plain()
    };
    let draw = env.rng.clone().range_inclusive(400 * MS, 500 * MS);
    env.set(&mut n, 50 * MS, wide);
    assert_eq!(n.election_deadline(), 40 * MS + draw);
}

#[test]
fn options_changed_moves_the_goose_heartbeat_rhythm() {
    // Reference: Raft §5.2 (heartbeats at the configured interval)
    let mut env = Env::new(plain());
    let mut n = env.node(0, 3);
    elect(&mut env, &mut n, 0, None);
    assert_eq!(n.heartbeat_times(), (0, HB));
    let with_hb = |hb| Options {
        heartbeat: hb,
        ..plain()
    };
    env.set(&mut n, 10 * MS, with_hb(20 * MS));
    assert!(env.is_quiet());
    assert_eq!(n.heartbeat_times(), (0, 20 * MS));
    assert_eq!(n.deadline(&env.opts), 20 * MS);
    env.set(&mut n, 15 * MS, with_hb(5 * MS));
    assert_eq!(n.heartbeat_times(), (0, 15 * MS), "overdue: now");
    env.tick(&mut n, 15 * MS);
    assert_eq!(env.sent().len(), 2);
    assert_eq!(n.heartbeat_times(), (15 * MS, 20 * MS));

    // A goose has no election timer to redraw.
    let draw = env.fingerprint();
    let deadline = n.election_deadline();
    env.set(
        &mut n,
        16 * MS,
        Options {
            election: Span::new(MS, 2 * MS),
            ..with_hb(5 * MS)
        },
    );
    assert_eq!(n.election_deadline(), deadline);
    assert_eq!(env.fingerprint(), draw, "nothing drawn");
    assert_eq!(n.role(), Role::Goose);
}

#[test]
fn unrelated_option_changes_leave_timers_alone() {
    // Reference: Raft §5.2 (timers depend only on the election range and the heartbeat)
    let mut env = Env::new(plain());
    let mut n = env.node(1, 3);
    let (deadline, draw) = (n.election_deadline(), env.fingerprint());
    env.set(&mut n, 10 * MS, plain());
    env.set(
        &mut n,
        20 * MS,
        Options {
            latency: Span::new(MS, 90 * MS),
            loss: 500_000,
            heartbeat: 7 * MS,
            ..plain()
        },
    );
    assert!(env.is_quiet());
    assert_eq!(n.election_deadline(), deadline);
    assert_eq!(env.fingerprint(), draw, "nothing drawn");
}

#[test]
fn turning_check_quorum_on_uncrowns_a_goose_without_promises() {
    // Reference: dissertation §6.2 (a goose with no promises from a majority must not claim to lead under CheckQuorum)
    let mut env = Env::new(plain());
    let mut n = env.node(0, 3);
    elect(&mut env, &mut n, 0, None);
    env.tick(&mut n, HB);
    env.receive(&mut n, HB + 20 * MS, 1, heartbeat_reply(1, None));
    env.set(&mut n, HB + 30 * MS, with_cq());
    assert_eq!(n.role(), Role::Uncrowned);
    assert_eq!(env.notes(), &[Note::LostCrown]);
    // Off again: every leader is goose without CheckQuorum.
    env.set(&mut n, HB + 40 * MS, plain());
    assert_eq!(n.role(), Role::Goose);
    assert_eq!(env.notes(), &[Note::Crowned { until: Time::MAX }]);
}

#[test]
fn turning_check_quorum_off_and_on_again() {
    // Reference: dissertation §6.2 (the step-down deadline exists only under CheckQuorum; promises already made still count)
    let mut env = Env::new(with_cq());
    let mut n = cq_goose(&mut env);
    env.set(&mut n, 30 * MS, plain());
    assert_eq!(n.deadline(&env.opts), 74 * MS, "only the heartbeat");
    let mut now = 30 * MS;
    while now < SECOND {
        now = n.deadline(&env.opts);
        env.tick(&mut n, now);
        assert_eq!(n.role(), Role::Goose, "no step-down without CheckQuorum");
    }
    // Back on: the promise echoed at the election (190ms) is long over, and
    // so is the last word from a majority (24ms): it steps down.
    env.set(&mut n, now, with_cq());
    assert_eq!(n.role(), Role::Duck);

    // Back on while the promise still holds: the goose stays.
    let mut env = Env::new(with_cq());
    let mut n = cq_goose(&mut env);
    env.set(&mut n, 30 * MS, plain());
    env.set(&mut n, 100 * MS, with_cq());
    assert_eq!(n.role(), Role::Goose);
    assert_eq!(n.deadline(&env.opts), 74 * MS);
    env.tick(&mut n, 74 * MS);
    env.tick(&mut n, 124 * MS);
    env.tick(&mut n, 174 * MS);
    assert_eq!(n.deadline(&env.opts), 190 * MS);
}

// ---------------------------------------------------------------------------
// Random inputs: the per-node rules hold whatever arrives
// ---------------------------------------------------------------------------

/// A random message for node 0 of 5, with a term near its own.
fn random_message(rng: &mut SimRng, term: Term, now: Time) -> Message {
    let term = (term + rng.range_inclusive(0, 3)).saturating_sub(1);
    let maybe_lease = |rng: &mut SimRng| {
        rng.chance(500_000).then(|| Lease {
            length: rng.range_inclusive(MS, 400 * MS),
            floor: now + rng.range_inclusive(0, 400 * MS),
        })
    };
    let maybe_floor = |rng: &mut SimRng| {
        rng.chance(500_000)
            .then(|| now + rng.range_inclusive(0, 400 * MS))
    };
    match rng.range_inclusive(0, 5) {
        0 => vote_request(term, maybe_lease(rng)),
        1 => vote_reply(term, rng.chance(500_000), maybe_floor(rng)),
        2 => prevote_request(term),
        3 => prevote_reply(term, rng.chance(500_000)),
        4 => heartbeat(term, maybe_lease(rng)),
        _ => heartbeat_reply(term, maybe_floor(rng)),
    }
}

#[test]
fn random_inputs_never_break_the_rules_of_one_node() {
    // Reference: Raft §5.1, §5.2, Figure 2; dissertation §4.2.3, §6.2, §9.6
    for seed in 0..300u64 {
        let mut pick = SimRng::new(seed);
        let opts = Options {
            check_quorum: pick.chance(500_000),
            pre_vote: pick.chance(500_000),
            ..plain()
        };
        let mut env = Env::new(opts.clone());
        env.rng = SimRng::new(seed ^ 0xABCD);
        let mut n = env.node(0, 5);
        let mut now: Time = 0;
        for step in 0..400 {
            let before = n.clone();
            // Like the simulator: the node's deadline is never skipped.
            let next = now + pick.range_inclusive(0, 40 * MS);
            let deadline = n.deadline(&env.opts);
            let ticked = deadline <= next;
            let input = if ticked {
                now = now.max(deadline);
                env.tick(&mut n, now);
                "tick at the deadline".to_string()
            } else {
                now = next;
                match pick.range_inclusive(0, 9) {
                    0..=7 => {
                        let msg = random_message(&mut pick, n.term(), now);
                        let from = pick.range_inclusive(1, 4) as NodeId;
                        let said = format!("receive {msg:?} from {from}");
                        env.receive(&mut n, now, from, msg);
                        said
                    }
                    8 => {
                        let fired = env.force_timeout(&mut n, now);
                        assert_eq!(fired, !before.role().is_leader(), "seed {seed}");
                        "force_timeout".to_string()
                    }
                    _ => {
                        env.restart(&mut n, now);
                        assert_eq!(n.role(), Role::Duck, "seed {seed}");
                        "restart".to_string()
                    }
                }
            };
            let at = format!("seed {seed}, step {step}, t={now}: {input}");

            // §5.1: terms only move forward.
            assert!(n.term() >= before.term(), "{at}: term went back");
            // §5.2: one vote per term.
            if n.term() == before.term() && before.voted_for().is_some() {
                assert_eq!(n.voted_for(), before.voted_for(), "{at}: second vote");
            }
            // A vote, for another or for oneself, is never cast in a lease
            // (repeating the vote already cast in this term is no new vote).
            // The one exception: a node whose every live promise was made to
            // the candidate may vote for it.
            let bound = |c: NodeId| {
                before.lease_until().is_some_and(|u| now <= u) && before.lease_holder() != Some(c)
            };
            let repeat = |c: NodeId| n.term() == before.term() && before.voted_for() == Some(c);
            let voted = env.notes().iter().any(|note| match note {
                Note::Voted { candidate } => !repeat(*candidate) && bound(*candidate),
                Note::Campaign { .. } => bound(0),
                _ => false,
            });
            assert!(!voted, "{at}: voted during a promise");
            // Granted votes go to the node voted for, at most one per step.
            let grants: Vec<NodeId> = env
                .sent()
                .iter()
                .filter(|(_, m)| matches!(m.body, Body::VoteReply { granted: true, .. }))
                .map(|&(to, _)| to)
                .collect();
            assert!(grants.len() <= 1, "{at}: {grants:?}");
            if let Some(&to) = grants.first() {
                assert_eq!(n.voted_for(), Some(to), "{at}");
            }
            // Every message carries the sender's term, except pre-vote
            // requests and grants, which carry the proposed term.
            for (to, m) in env.sent() {
                let to = *to;
                assert_ne!(to, 0, "{at}: a message to itself");
                match m.body {
                    Body::PreVoteRequest { .. } => assert_eq!(m.term, n.term() + 1, "{at}"),
                    Body::PreVoteReply { granted: true } => assert!(m.term > n.term(), "{at}"),
                    _ => assert_eq!(m.term, n.term(), "{at}: {m:?}"),
                }
                let asks_lease = matches!(
                    m.body,
                    Body::VoteRequest { lease: Some(_), .. }
                        | Body::AppendEntries { lease: Some(_), .. }
                );
                let asks = matches!(
                    m.body,
                    Body::VoteRequest { .. } | Body::AppendEntries { .. }
                );
                assert_eq!(asks_lease, asks && opts.check_quorum, "{at}: {m:?}");
            }
            // Roles and what they imply.
            match n.role() {
                Role::Goose => {
                    assert_eq!(n.leader(), Some(0), "{at}");
                    assert_eq!(n.voted_for(), Some(0), "{at}");
                    if opts.check_quorum {
                        assert!(
                            now < n.majority_lease_end(),
                            "{at}: goose past its deadline"
                        );
                    }
                }
                Role::Uncrowned => {
                    assert!(opts.check_quorum, "{at}: uncrowned without CheckQuorum");
                    assert_eq!(n.leader(), Some(0), "{at}");
                    assert_eq!(n.voted_for(), Some(0), "{at}");
                    assert!(
                        now >= n.majority_lease_end(),
                        "{at}: uncrowned with a lease"
                    );
                    assert!(
                        now < n.step_down_at(&opts),
                        "{at}: leader past its step-down"
                    );
                }
                Role::Candidate => {
                    assert_eq!(n.voted_for(), Some(0), "{at}");
                    assert!(n.granted() < majority(5), "{at}: should have won");
                }
                Role::PreCandidate | Role::Duck => {
                    if n.timer_start() == now && n.election_deadline() != before.election_deadline()
                    {
                        let timeout = n.election_deadline() - now;
                        assert!((MIN..=MAX).contains(&timeout), "{at}: timeout {timeout}");
                    }
                }
            }
            assert!(n.deadline(&env.opts) >= now, "{at}: a deadline in the past");
            if ticked {
                assert!(
                    n.deadline(&env.opts) > now,
                    "{at}: a tick at the deadline must move it"
                );
            }
        }
    }
}

/// Found by fuzzing (fuzz/fuzz_targets/node.rs): a garbled or forged datagram
/// may carry any term and any lease length (src/net/wire.rs checks only the
/// shape). A node adopts the last term, but no election can follow it: its
/// timer fires and it stays a duck instead of overflowing (a panic in a debug
/// build, term 0 in a release build). A lease as long as time itself binds
/// until the end of time rather than overflowing.
#[test]
fn garbled_terms_and_leases_at_the_edge_of_u64_never_overflow() {
    for opts in [plain(), with_cq(), with_pv()] {
        let mut env = Env::new(opts);
        let mut node = env.node(1, 3);
        env.receive(&mut node, 10, 0, heartbeat(Term::MAX, lease(Time::MAX, 7)));
        assert_eq!(node.term(), Term::MAX);
        let deadline = node.deadline(&env.opts);
        env.tick(&mut node, deadline);
        assert_eq!((node.role(), node.term()), (Role::Duck, Term::MAX));
        assert!(node.deadline(&env.opts) > deadline, "its timer is re-armed");
        assert!(env.force_timeout(&mut node, deadline + 1));
        assert_eq!((node.role(), node.term()), (Role::Duck, Term::MAX));
        env.receive(&mut node, deadline + 2, 2, prevote_reply(0, true));
        assert_eq!(node.role(), Role::Duck);
    }
    let mut env = Env::new(with_cq());
    let mut node = env.node(1, 3);
    env.receive(&mut node, 10, 0, heartbeat(1, lease(Time::MAX, 7)));
    assert_eq!(node.lease_until(), Some(Time::MAX));
}

/// The log rules (§5.3, §5.4): see `tests/log.rs`.
mod log;

/// Membership changes (dissertation §4.1–4.3): see `tests/membership.rs`.
mod membership;
