//! Lease rules of one node that mutation testing (`scripts/mutants.sh`,
//! docs/mutants.md) found untested: each test here kills mutants of
//! `src/node.rs` that survived the unit tests and the sweep. The node is
//! driven by hand through its public interface, as in `src/node/tests.rs`.
//! Reference: dissertation §4.2.3 and §6.2 (leases), and "Handing the term
//! on" in the module doc of `src/node.rs`.

use duckduckgoose::message::{Body, Lease, Message, NodeId, Term};
use duckduckgoose::node::{Ctx, Node, Outbox, Role};
use duckduckgoose::options::{Options, Time, MS};
use duckduckgoose::rng::SimRng;

const MIN: Time = 150 * MS;

/// The defaults (CheckQuorum on) and one node's surroundings.
struct Env {
    opts: Options,
    rng: SimRng,
    out: Outbox,
}

impl Env {
    fn new() -> Env {
        let opts = Options::default();
        assert!(opts.check_quorum);
        assert_eq!(opts.election.min, MIN);
        Env {
            opts,
            rng: SimRng::new(0x1EA5E),
            out: Outbox::default(),
        }
    }

    fn node(&mut self, id: NodeId, size: u32) -> Node {
        Node::new(id, size, 0, &self.opts, &mut self.rng)
    }

    /// Makes `node`'s election timer fire at `now`; false for a leader.
    fn force_timeout(&mut self, node: &mut Node, now: Time) -> bool {
        self.out.clear();
        let mut ctx = Ctx {
            opts: &self.opts,
            rng: &mut self.rng,
            out: &mut self.out,
        };
        node.force_timeout(now, &mut ctx)
    }

    fn receive(&mut self, node: &mut Node, now: Time, from: NodeId, msg: Message) {
        self.out.clear();
        let mut ctx = Ctx {
            opts: &self.opts,
            rng: &mut self.rng,
            out: &mut self.out,
        };
        node.receive(now, from, &msg, &[], &mut ctx);
    }
}

fn lease(now: Time) -> Option<Lease> {
    Some(Lease {
        length: MIN,
        floor: now + MIN,
    })
}

fn heartbeat(term: Term, now: Time) -> Message {
    Message {
        term,
        body: Body::AppendEntries {
            lease: lease(now),
            prev_index: 0,
            prev_term: 0,
            count: 0,
            commit: 0,
        },
    }
}

fn vote_request(term: Term, now: Time) -> Message {
    Message {
        term,
        body: Body::VoteRequest {
            lease: lease(now),
            last_index: 0,
            last_term: 0,
        },
    }
}

/// A duck that renews its promise to one goose, heartbeat after heartbeat,
/// has still promised that goose alone: a crowned goose deposed by a higher
/// term in an ack may still get its vote (kills the mutants of the holder
/// rule in `Node::promise` that forget the holder on every renewal).
#[test]
fn renewing_a_promise_to_the_same_goose_keeps_it_the_only_holder() {
    let mut env = Env::new();
    let mut d = env.node(1, 3);
    env.receive(&mut d, 10 * MS, 0, heartbeat(1, 10 * MS));
    assert_eq!(d.lease_holder(), Some(0));
    // The second heartbeat arrives while the first promise still runs.
    env.receive(&mut d, 60 * MS, 0, heartbeat(1, 60 * MS));
    assert_eq!(d.lease_until(), Some(60 * MS + MIN));
    assert_eq!(d.lease_holder(), Some(0), "still promised to n1 alone");
    // n1, deposed by a higher term while crowned, campaigns for term 5.
    env.receive(&mut d, 70 * MS, 0, vote_request(5, 70 * MS));
    assert_eq!((d.term(), d.voted_for()), (5, Some(0)));
    assert!(env.out.messages.iter().any(|&(to, m)| to == 0
        && matches!(
            m.body,
            Body::VoteReply {
                granted: true,
                lease_floor: Some(_)
            }
        )));
}

/// Once every promise has run out, a promise to another node makes that
/// node the only holder: it may have this node's vote (kills the mutant that
/// forgets the holder whenever it changes, even after the old promise ended).
#[test]
fn a_promise_after_the_old_one_ran_out_has_the_new_holder_alone() {
    let mut env = Env::new();
    let mut d = env.node(1, 3);
    env.receive(&mut d, 10 * MS, 0, heartbeat(1, 10 * MS));
    assert_eq!(d.lease_until(), Some(10 * MS + MIN));
    // n3 leads term 2 after n1's promise ended.
    let later = 10 * MS + MIN + 1;
    env.receive(&mut d, later, 2, heartbeat(2, later));
    assert_eq!(d.lease_holder(), Some(2));
    env.receive(&mut d, later + MS, 2, vote_request(3, later + MS));
    assert_eq!((d.term(), d.voted_for()), (3, Some(2)));
    // ...while a promise to another node that still runs binds against all.
    let mut e = env.node(1, 3);
    env.receive(&mut e, 10 * MS, 0, heartbeat(1, 10 * MS));
    env.receive(&mut e, 10 * MS + MIN, 2, heartbeat(2, 10 * MS + MIN));
    assert_eq!(e.lease_holder(), None);
    env.receive(
        &mut e,
        10 * MS + MIN + MS,
        2,
        vote_request(3, 10 * MS + MIN),
    );
    assert_eq!((e.term(), e.voted_for()), (2, None));
}

/// A goose whose votes' leases end as it wins is uncrowned at once, and the
/// heartbeats it sent as it won are not sent again at the same instant: one
/// per duck (kills `>` → `>=` in `Node::judge_quorum`'s "ask for fresh acks
/// now" resend, which doubled them).
#[test]
fn a_goose_uncrowned_as_it_wins_sends_its_first_heartbeats_once() {
    let mut env = Env::new();
    let mut c = env.node(0, 3);
    assert!(env.force_timeout(&mut c, 0));
    assert_eq!((c.role(), c.term()), (Role::Candidate, 1));
    // n2's vote arrives with a promise that ends right now (a round trip as
    // long as latency.min + election.min).
    let t = 100 * MS;
    let vote = Message {
        term: 1,
        body: Body::VoteReply {
            granted: true,
            lease_floor: Some(t),
        },
    };
    env.receive(&mut c, t, 1, vote);
    assert_eq!(c.role(), Role::Uncrowned, "won without a lease that runs");
    let beats: Vec<NodeId> = env
        .out
        .messages
        .iter()
        .filter(|(_, m)| matches!(m.body, Body::AppendEntries { .. }))
        .map(|&(to, _)| to)
        .collect();
    assert_eq!(beats, vec![1, 2], "one heartbeat to each duck");
}

/// A crowned goose that hears the largest term there is in an ack adopts
/// it and stays a duck: "handing the term on" would campaign in the next
/// term, and there is none (kills `<` → `<=` in `Node::hear_term`'s guard,
/// which overflowed the term).
#[test]
fn a_goose_handed_the_last_term_does_not_campaign_past_it() {
    let mut env = Env::new();
    let mut g = env.node(0, 3);
    assert!(env.force_timeout(&mut g, 0));
    let t = 10 * MS;
    let vote = Message {
        term: 1,
        body: Body::VoteReply {
            granted: true,
            lease_floor: Some(t + MIN),
        },
    };
    env.receive(&mut g, t, 1, vote);
    assert_eq!(g.role(), Role::Goose, "crowned by n2's promise");
    let ack = Message {
        term: Term::MAX,
        body: Body::AppendReply {
            lease_floor: None,
            success: false,
            index: 0,
        },
    };
    env.receive(&mut g, t + MS, 1, ack);
    assert_eq!((g.role(), g.term()), (Role::Duck, Term::MAX));
    assert!(
        env.out.messages.is_empty(),
        "no campaign: {:?}",
        env.out.messages
    );
}
