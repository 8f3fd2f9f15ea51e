//! The log rules of one node, tested directly (Raft §5.3, §5.4.1, §5.4.2):
//! AppendEntries' consistency check and repair, the commit rule, the no-op of
//! a new goose, client requests, the election restriction and persistence.
//! Several nodes are wired by hand: a tiny loop hands each message to its
//! receiver until nobody has anything more to say.

use super::*;

/// Sets a node's log to entries of these terms (no-ops) and its term to
/// `term`, as if it had lived through that history.
fn with_history(node: &mut Node, terms: &[Term], term: Term) {
    node.log = Log::new();
    for &t in terms {
        node.log.append(Entry {
            term: t,
            kind: EntryKind::Noop,
        });
    }
    node.term = term;
}

fn terms_of(node: &Node) -> Vec<Term> {
    node.log().iter().map(|e| e.term).collect()
}

/// A message on its way: from, to, the message and the entries it carries.
pub(super) type Sent = (NodeId, NodeId, Message, Vec<Entry>);

/// Delivers every message in flight, and every answer, until all is quiet
/// (at most `limit` rounds). Time stands still; only the order matters here.
pub(super) fn settle(env: &mut Env, nodes: &mut [Node], first: Vec<Sent>, limit: usize) {
    let mut queue = first;
    for _ in 0..limit {
        if queue.is_empty() {
            return;
        }
        let mut next = Vec::new();
        for (from, to, msg, entries) in queue {
            env.receive_with(&mut nodes[to as usize], 30 * MS, from, msg, &entries);
            next.extend(outgoing(env, to));
        }
        queue = next;
    }
    panic!("still talking after {limit} rounds");
}

pub(super) fn outgoing(env: &Env, from: NodeId) -> Vec<Sent> {
    env.out
        .each()
        .map(|(to, m, entries)| (from, to, m, entries.to_vec()))
        .collect()
}

/// Node 0 of `nodes` wins the next term by force and its first
/// AppendEntries go out; returns them.
pub(super) fn win(env: &mut Env, nodes: &mut [Node]) -> Vec<Sent> {
    let mut goose = nodes[0].clone();
    elect(env, &mut goose, 20 * MS, None);
    nodes[0] = goose;
    outgoing(env, 0)
}

// Reference: Raft §5.3, Figure 7 (a new leader brings every follower's log
// in line with its own: missing entries (a, b), extra entries (c, d), and
// both (e, f))
#[test]
fn figure_7_followers_are_all_reconciled_by_the_new_leader() {
    let mut env = Env::new(plain());
    let leader = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6];
    let followers: [&[Term]; 6] = [
        &[1, 1, 1, 4, 4, 5, 5, 6, 6],
        &[1, 1, 1, 4],
        &[1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6],
        &[1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7],
        &[1, 1, 1, 4, 4, 4, 4],
        &[1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3],
    ];
    let mut nodes: Vec<Node> = (0..7).map(|id| env.node(id, 7)).collect();
    with_history(&mut nodes[0], &leader, 7);
    for (k, f) in followers.iter().enumerate() {
        with_history(&mut nodes[k + 1], f, 7);
    }
    let first = win(&mut env, &mut nodes);
    assert_eq!(nodes[0].term(), 8);
    assert_eq!(
        terms_of(&nodes[0]),
        [&leader[..], &[8]].concat(),
        "its no-op"
    );
    settle(&mut env, &mut nodes, first, 100);
    let want = terms_of(&nodes[0]);
    for (k, n) in nodes.iter().enumerate().skip(1) {
        let case = (b'a' + k as u8 - 1) as char;
        assert_eq!(terms_of(n), want, "follower ({case})");
        assert_eq!(nodes[0].match_index()[k], 11, "matchIndex of ({case})");
        assert_eq!(nodes[0].next_index()[k], 12, "nextIndex of ({case})");
    }
    // Everybody stores the no-op of term 8: it commits, and the next
    // heartbeat tells the ducks.
    assert_eq!(nodes[0].commit(), 11);
    let mut goose = nodes[0].clone();
    env.tick(&mut goose, 20 * MS + HB);
    nodes[0] = goose;
    let beats = outgoing(&env, 0);
    assert!(
        beats
            .iter()
            .all(|(_, _, m, e)| m.entry_count() == 0 && e.is_empty()),
        "bare heartbeats"
    );
    settle(&mut env, &mut nodes, beats, 10);
    assert!(nodes.iter().all(|n| n.commit() == 11));
}

// Reference: Raft §5.3 (the consistency check: a follower refuses entries
// that do not follow an entry it holds, and says where to try next)
#[test]
fn a_duck_refuses_entries_that_do_not_follow_its_log() {
    let mut env = Env::new(plain());
    let mut n = env.node(1, 3);
    with_history(&mut n, &[1, 1, 2, 2], 3);
    let append = |prev_index, prev_term, entries: &[Entry]| Message {
        term: 3,
        body: Body::AppendEntries {
            lease: None,
            prev_index,
            prev_term,
            count: entries.len() as u32,
            commit: 0,
        },
    };
    let refused = |index| Body::AppendReply {
        lease_floor: None,
        success: false,
        index,
    };
    // Past its log: try right after it.
    env.receive(&mut n, 0, 0, append(6, 3, &[]));
    assert_eq!(env.sent()[0].1.body, refused(5));
    // A different term at prev_index: skip back over that whole term.
    env.receive(&mut n, 0, 0, append(4, 3, &[]));
    assert_eq!(env.sent()[0].1.body, refused(3));
    assert_eq!(terms_of(&n), [1, 1, 2, 2], "a refusal changes nothing");
    // A match: the conflicting suffix goes, the new entries stay.
    let e = |term| Entry {
        term,
        kind: EntryKind::Noop,
    };
    let two = [e(3), e(3)];
    env.receive_with(&mut n, 0, 0, append(2, 1, &two), &two);
    assert_eq!(terms_of(&n), [1, 1, 3, 3]);
    assert_eq!(
        env.notes(),
        &[Note::Truncated {
            from: 3,
            dropped: 2
        }]
    );
    // An old, shorter AppendEntries that agrees truncates nothing.
    env.receive_with(&mut n, 0, 0, append(2, 1, &two[..1]), &two[..1]);
    assert_eq!(terms_of(&n), [1, 1, 3, 3], "entries past a match stay");
    assert!(env.notes().is_empty());
}

// Reference: Raft §5.4.2, Figure 8 (an entry of an earlier term is not
// committed by counting replicas; it commits once an entry of the current
// term is stored on a majority)
#[test]
fn figure_8_an_old_term_entry_on_a_majority_is_not_committed() {
    let mut env = Env::new(plain());
    let mut goose = env.node(0, 5);
    // S1 in Figure 8 (c): entry 2 of term 2, now leading term 4.
    with_history(&mut goose, &[1, 2], 3);
    elect(&mut env, &mut goose, 20 * MS, None);
    assert_eq!(goose.term(), 4);
    assert_eq!(terms_of(&goose), [1, 2, 4]);
    // S2 and S3 store up to index 2 (the term-2 entry): a majority with S1.
    for p in [1, 2] {
        env.receive(&mut goose, 30 * MS, p, ack(4, None, 2));
    }
    assert_eq!(goose.match_index()[1..3], [2, 2]);
    assert_eq!(goose.commit(), 0, "§5.4.2: term 2 is not ours, no commit");
    // Once the no-op of term 4 is on a majority, everything commits.
    env.receive(&mut goose, 31 * MS, 1, ack(4, None, 3));
    assert_eq!(goose.commit(), 0, "two of five is no majority");
    env.receive(&mut goose, 31 * MS, 2, ack(4, None, 3));
    assert_eq!(goose.commit(), 3);
}

// Reference: Raft §5.4.2, §8 (a new leader commits a no-op of its term)
#[test]
fn a_new_goose_appends_a_noop_of_its_term_and_commits_it() {
    let mut env = Env::new(plain());
    let mut nodes: Vec<Node> = (0..3).map(|id| env.node(id, 3)).collect();
    let first = win(&mut env, &mut nodes);
    assert_eq!(
        nodes[0].log().to_vec(),
        &[Entry {
            term: 1,
            kind: EntryKind::Noop
        }]
    );
    assert_eq!(nodes[0].commit(), 0, "not yet on a majority");
    settle(&mut env, &mut nodes, first, 10);
    assert_eq!(nodes[0].commit(), 1);
}

// Reference: Raft §5.3 (a leader appends client commands and replicates
// them; a follower learns the commit index from later AppendEntries)
#[test]
fn requests_reach_the_goose_only_and_commit_on_a_majority() {
    let mut env = Env::new(plain());
    let mut nodes: Vec<Node> = (0..3).map(|id| env.node(id, 3)).collect();
    let mut ctx = env.ctx();
    let refused = nodes[1].propose(0, &[EntryKind::Request(1)], &mut ctx);
    assert_eq!(refused, Err("n2 is not the goose".into()));
    let first = win(&mut env, &mut nodes);
    settle(&mut env, &mut nodes, first, 10);
    let mut goose = nodes[0].clone();
    let mut ctx = env.ctx();
    let kinds: Vec<EntryKind> = (1..=20).map(EntryKind::Request).collect();
    assert_eq!(goose.propose(40 * MS, &kinds, &mut ctx), Ok(21));
    nodes[0] = goose;
    let sent = outgoing(&env, 0);
    assert!(
        sent.iter()
            .all(|(_, _, m, e)| m.entry_count() == MAX_ENTRIES && e.len() == MAX_ENTRIES),
        "at most MAX_ENTRIES per AppendEntries"
    );
    settle(&mut env, &mut nodes, sent, 10);
    assert_eq!(nodes[0].commit(), 21);
    assert!(nodes.iter().all(|n| n.log().last_index() == 21));
    assert!(
        nodes[1..].iter().all(|n| n.commit() >= 16),
        "learned from the batches"
    );
}

// Reference: Raft §5.4.1 (a vote goes only to a candidate whose log is at
// least as up to date: the later last term, then the longer log)
#[test]
fn vote_and_prevote_are_refused_to_a_candidate_whose_log_is_behind() {
    for opts in [plain(), with_pv()] {
        let mut env = Env::new(opts);
        let mut n = env.node(1, 3);
        with_history(&mut n, &[1, 1, 3], 3);
        let (req, pre) = if env.opts.pre_vote {
            (with_log(prevote_request(4), 2, 5), true)
        } else {
            (with_log(vote_request(4, None), 2, 5), false)
        };
        env.receive(&mut n, 10 * MS, 2, req);
        assert_eq!(
            env.notes().last(),
            Some(&Note::Refused {
                candidate: 2,
                pre,
                why: Refusal::LogBehind {
                    theirs: (2, 5),
                    mine: (3, 3)
                }
            })
        );
        assert_eq!(n.voted_for(), None, "no vote cast");
        // Same last term, at least as long: granted.
        let req = if pre {
            with_log(prevote_request(4), 3, 3)
        } else {
            with_log(vote_request(4, None), 3, 3)
        };
        env.receive(&mut n, 10 * MS, 2, req);
        assert!(
            !env.notes()
                .iter()
                .any(|n| matches!(n, Note::Refused { .. })),
            "{:?}",
            env.notes()
        );
    }
}

// Reference: Raft Figure 2 (the log is persistent state; commitIndex is
// volatile)
#[test]
fn a_restart_keeps_the_log_and_forgets_the_commit_index() {
    let mut env = Env::new(plain());
    let mut nodes: Vec<Node> = (0..3).map(|id| env.node(id, 3)).collect();
    let first = win(&mut env, &mut nodes);
    settle(&mut env, &mut nodes, first, 10);
    let mut goose = nodes[0].clone();
    env.tick(&mut goose, 20 * MS + HB);
    nodes[0] = goose;
    let beats = outgoing(&env, 0);
    settle(&mut env, &mut nodes, beats, 10);
    assert_eq!(nodes[1].commit(), 1);
    let log = nodes[1].log().clone();
    env.restart(&mut nodes[1], SECOND);
    assert_eq!(nodes[1].log(), &log);
    assert_eq!(nodes[1].commit(), 0);
}
