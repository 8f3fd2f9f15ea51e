//! Membership changes of one node and a few wired by hand (dissertation
//! §4.1–4.3, and Ongaro's 2015 correction): configuration entries in effect
//! once appended, one change at a time, catching a new node up before it
//! joins, a goose that removes itself, and majorities of the configuration
//! in effect.

use super::log::{outgoing, settle, win, Sent};
use super::*;

/// A cluster of `slots` node ids whose first `members` are the initial
/// configuration (the others hatched outside it).
fn cluster(env: &mut Env, slots: u32, members: u32) -> Vec<Node> {
    (0..slots)
        .map(|id| {
            Node::joining(
                id,
                slots,
                Members::first(members),
                0,
                &env.opts,
                &mut env.rng,
            )
        })
        .collect()
}

/// Node 0 wins and its no-op commits everywhere it can reach.
fn settled_goose(env: &mut Env, nodes: &mut [Node]) {
    let first = win(env, nodes);
    settle(env, nodes, first, 50);
    assert!(nodes[0].commit() >= 1, "the no-op committed");
}

/// Asks node 0 for a change at `now` and delivers everything that follows.
fn change(env: &mut Env, nodes: &mut [Node], now: Time, c: Change) -> Result<(), String> {
    let mut goose = nodes[0].clone();
    let mut ctx = env.ctx();
    let result = goose.change(now, c, &mut ctx);
    nodes[0] = goose;
    let sent = outgoing(env, 0);
    settle(env, nodes, sent, 50);
    result
}

// Reference: dissertation §4.2.1 (a new server joins as a non-voting member
// until it has caught up), §4.1 (the change then takes effect on each server
// as soon as it is in its log)
#[test]
fn a_new_node_catches_up_as_a_non_voter_then_joins() {
    let mut env = Env::new(plain());
    let mut nodes = cluster(&mut env, 4, 3);
    settled_goose(&mut env, &mut nodes);
    assert!(!nodes[3].members().contains(3));
    // Outside its configuration, its timer firing starts no campaign.
    assert!(env.force_timeout(&mut nodes[3], 25 * MS));
    assert_eq!(nodes[3].role(), Role::Duck);
    assert_eq!(nodes[3].term(), 0, "no campaign, no term");
    assert_eq!(
        nodes[3].deadline(&env.opts),
        Time::MAX,
        "it waits to be spoken to"
    );
    assert_eq!(
        change(&mut env, &mut nodes, 30 * MS, Change::Add(3)),
        Ok(())
    );
    // Caught up, then the configuration entry followed.
    let last = nodes[0].log().last_index();
    assert_eq!(nodes[3].log().last_index(), last);
    assert_eq!(
        nodes[0].log().get(last).map(|e| e.kind),
        Some(EntryKind::Config(Change::Add(3)))
    );
    for n in &nodes {
        assert_eq!(n.members(), Members::first(4), "{}", node_name(n.id()));
    }
    assert!(nodes[3].may_campaign());
    assert_eq!(nodes[0].catch_up(), None);
}

// Reference: dissertation §4.1 (only one change at a time; the next waits
// until the previous one is committed), and Ongaro's 2015 raft-dev post (a
// new leader first commits an entry of its own term)
#[test]
fn one_change_at_a_time_and_only_after_an_entry_of_the_goose_term_commits() {
    let mut env = Env::new(plain());
    let mut nodes = cluster(&mut env, 5, 5);
    let mut goose = nodes[0].clone();
    elect(&mut env, &mut goose, 20 * MS, None);
    let why = goose.can_change(Change::Remove(4)).unwrap_err();
    assert!(why.contains("2015"), "{why}");
    nodes[0] = goose;
    let first = outgoing(&env, 0);
    settle(&mut env, &mut nodes, first, 50);
    // Committed its no-op: a change is taken, and in effect at once.
    let mut goose = nodes[0].clone();
    let mut ctx = env.ctx();
    assert_eq!(goose.change(30 * MS, Change::Remove(4), &mut ctx), Ok(()));
    assert_eq!(goose.members(), Members::first(4));
    assert!(goose.config().pending(goose.commit()));
    // A second change waits for the first to commit.
    let why = goose.can_change(Change::Remove(3)).unwrap_err();
    assert!(why.contains("one change at a time"), "{why}");
    nodes[0] = goose;
    let sent = outgoing(&env, 0);
    settle(&mut env, &mut nodes, sent, 50);
    assert!(!nodes[0].config().pending(nodes[0].commit()));
    assert_eq!(nodes[0].can_change(Change::Remove(3)), Ok(()));
}

// Reference: dissertation §4.1 (a server uses the latest configuration in its
// log, committed or not; a log cut back past it falls back to the one before)
#[test]
fn a_duck_uses_the_latest_configuration_in_its_log_committed_or_not() {
    let mut env = Env::new(plain());
    let mut nodes = cluster(&mut env, 3, 3);
    settled_goose(&mut env, &mut nodes);
    let mut goose = nodes[0].clone();
    let mut ctx = env.ctx();
    goose.change(30 * MS, Change::Remove(2), &mut ctx).unwrap();
    // Deliver only to n2: it has the entry, not yet committed.
    let to_n2: Vec<_> = outgoing(&env, 0).into_iter().filter(|s| s.1 == 1).collect();
    assert_eq!(to_n2.len(), 1);
    let (from, _, msg, entries) = to_n2[0].clone();
    env.receive_with(&mut nodes[1], 35 * MS, from, msg, &entries);
    assert_eq!(
        nodes[1].members(),
        Members::first(2),
        "in effect before commit"
    );
    assert!(nodes[1].config().pending(nodes[1].commit()));
    // A new goose of a later term without that entry cuts it out of n2's log.
    let mut other = nodes[2].clone();
    elect(&mut env, &mut other, 40 * MS, None);
    let sent = outgoing(&env, 2);
    nodes[2] = other;
    settle(&mut env, &mut nodes[..], sent, 50);
    assert_eq!(
        nodes[1].members(),
        Members::first(3),
        "cut back: the old configuration"
    );
}

// Reference: dissertation §4.2.2 (a leader that is removed steps down once
// the change commits; until then it manages a cluster that does not count it)
#[test]
fn a_goose_that_removes_itself_steps_down_once_that_commits() {
    let mut env = Env::new(plain());
    let mut nodes = cluster(&mut env, 3, 3);
    settled_goose(&mut env, &mut nodes);
    let mut goose = nodes[0].clone();
    let mut ctx = env.ctx();
    goose.change(30 * MS, Change::Remove(0), &mut ctx).unwrap();
    assert!(goose.role().is_leader(), "still leading while pending");
    assert!(!goose.may_campaign() || goose.config().pending(goose.commit()));
    nodes[0] = goose;
    let sent = outgoing(&env, 0);
    // One ack is not enough: the new configuration {n2, n3} needs both.
    let first = sent.iter().find(|s| s.1 == 1).unwrap().clone();
    env.receive_with(&mut nodes[1], 31 * MS, 0, first.2, &first.3);
    let reply = outgoing(&env, 1);
    settle(&mut env, &mut nodes, reply, 50);
    assert!(
        nodes[0].role().is_leader(),
        "n2's ack alone is no majority of {{n2, n3}}"
    );
    let second = sent.iter().find(|s| s.1 == 2).unwrap().clone();
    settle(&mut env, &mut nodes, vec![second], 50);
    assert_eq!(
        nodes[0].role(),
        Role::Duck,
        "removed, committed: stepped down"
    );
    assert!(!nodes[0].may_campaign());
    assert_eq!(nodes[0].deadline(&env.opts), Time::MAX);
}

// Reference: dissertation §4.1 (majorities are of the configuration in
// effect), Raft §5.2
#[test]
fn a_candidate_counts_the_votes_of_its_configuration_in_effect() {
    let mut env = Env::new(plain());
    let mut nodes = cluster(&mut env, 5, 5);
    settled_goose(&mut env, &mut nodes);
    change(&mut env, &mut nodes, 30 * MS, Change::Remove(4)).unwrap();
    change(&mut env, &mut nodes, 40 * MS, Change::Remove(3)).unwrap();
    assert_eq!(nodes[1].members(), Members::first(3));
    // n2 campaigns: n1's vote makes 2 of 3, a majority; n4 and n5 are not
    // asked, and their votes would not count.
    let mut n = nodes[1].clone();
    assert!(env.force_timeout(&mut n, SECOND));
    let asked: Vec<NodeId> = env.sent().iter().map(|&(to, _)| to).collect();
    assert_eq!(asked, vec![0, 2]);
    let term = n.term();
    env.receive(&mut n, SECOND, 4, vote_reply(term, true, None));
    assert_eq!(
        n.role(),
        Role::Candidate,
        "a non-member's vote does not count"
    );
    env.receive(&mut n, SECOND, 0, vote_reply(term, true, None));
    assert_eq!(n.role(), Role::Goose);
}

// Reference: dissertation §4.1, §6.2 (CheckQuorum counts the configuration in
// effect: after two removals, one ack from the three left keeps the crown)
#[test]
fn check_quorum_counts_the_configuration_in_effect() {
    let mut env = Env::new(with_cq());
    let mut nodes = cluster(&mut env, 5, 5);
    let mut goose = nodes[0].clone();
    elect(&mut env, &mut goose, 20 * MS, Some(20 * MS + MIN));
    nodes[0] = goose;
    let first = outgoing(&env, 0);
    settle_at(&mut env, &mut nodes, first, 21 * MS);
    for (k, gone) in [4, 3].into_iter().enumerate() {
        let now = 30 * MS + k as Time * MS;
        let mut goose = nodes[0].clone();
        let mut ctx = env.ctx();
        goose.change(now, Change::Remove(gone), &mut ctx).unwrap();
        nodes[0] = goose;
        let sent = outgoing(&env, 0);
        settle_at(&mut env, &mut nodes, sent, now + MS);
    }
    assert_eq!(nodes[0].members(), Members::first(3));
    // Only n2 answers from now on: with n1, a majority of {n1, n2, n3}.
    let mut t = 40 * MS;
    for _ in 0..20 {
        t += HB;
        let mut goose = nodes[0].clone();
        env.tick(&mut goose, t);
        nodes[0] = goose;
        let to_n2: Vec<_> = outgoing(&env, 0).into_iter().filter(|s| s.1 == 1).collect();
        settle_at(&mut env, &mut nodes, to_n2, t + MS);
        assert_eq!(nodes[0].role(), Role::Goose, "crowned by n2 alone, at {t}");
        assert_eq!(nodes[0].term(), 1, "never stepped down, at {t}");
    }
}

/// Like `settle`, but every message arrives at `now`.
fn settle_at(env: &mut Env, nodes: &mut [Node], first: Vec<super::log::Sent>, now: Time) {
    let mut queue = first;
    for _ in 0..50 {
        let mut next = Vec::new();
        for (from, to, msg, entries) in queue {
            env.receive_with(&mut nodes[to as usize], now, from, msg, &entries);
            next.extend(outgoing(env, to));
        }
        if next.is_empty() {
            return;
        }
        queue = next;
    }
    panic!("still talking after 50 rounds");
}

// Reference: dissertation §4.1 (refusals with a reason)
#[test]
fn changes_that_make_no_sense_are_refused_with_a_reason() {
    let mut env = Env::new(plain());
    let mut nodes = cluster(&mut env, 2, 1);
    settled_goose(&mut env, &mut nodes);
    let refused = |n: &Node, c| n.can_change(c).unwrap_err();
    assert!(refused(&nodes[0], Change::Remove(0)).contains("last member"));
    assert!(refused(&nodes[0], Change::Add(0)).contains("already a member"));
    assert!(refused(&nodes[0], Change::Remove(1)).contains("not a member"));
    assert!(refused(&nodes[1], Change::Add(1)).contains("not the goose"));
    assert!(refused(&nodes[0], Change::Add(200)).contains("does not exist"));
    // Past the next new id: no such node. The next new id itself is taken
    // (the simulator hatches it once the goose agrees).
    assert!(refused(&nodes[0], Change::Add(3)).contains("does not exist"));
    assert_eq!(nodes[0].can_change(Change::Add(2)), Ok(()));
}

// Reference: Raft §5.3 (a leader starts each follower's nextIndex just past
// its own last entry), dissertation §4.2.1: a new node's slot, and a new
// node being caught up, start there too (found by mutation testing: the
// first AppendEntries to a new node started one entry early and no test saw)
#[test]
fn a_new_peer_starts_just_past_the_goose_last_entry() {
    let mut env = Env::new(plain());
    let mut nodes = cluster(&mut env, 3, 3);
    settled_goose(&mut env, &mut nodes);
    let mut goose = nodes[0].clone();
    let last = goose.log().last_index();
    goose.grow(4);
    assert_eq!(goose.next_index()[3], last + 1);
    assert_eq!(goose.match_index()[3], 0);
    goose
        .change(30 * MS, Change::Add(3), &mut env.ctx())
        .unwrap();
    let to_new: Vec<Sent> = outgoing(&env, 0).into_iter().filter(|s| s.1 == 3).collect();
    assert_eq!(to_new.len(), 1, "{to_new:?}");
    match to_new[0].2.body {
        Body::AppendEntries {
            prev_index, count, ..
        } => assert_eq!((prev_index, count), (last, 0)),
        _ => panic!("{:?}", to_new[0]),
    }
}

// Reference: dissertation §4.2.2 (a removed server that does not learn of
// its removal may disrupt the cluster): when a removal commits, the goose
// tells the removed node, and only it, with one last AppendEntries, after
// which it knows and goes quiet (found by mutation testing: sending it to
// the members instead passed every test)
#[test]
fn a_committed_removal_is_sent_to_the_removed_node_which_goes_quiet() {
    let mut env = Env::new(plain());
    let mut nodes = cluster(&mut env, 3, 3);
    settled_goose(&mut env, &mut nodes);
    let mut goose = nodes[0].clone();
    goose
        .change(30 * MS, Change::Remove(2), &mut env.ctx())
        .unwrap();
    nodes[0] = goose;
    // Only n2 hears the change; n3 hears nothing from now on.
    let sent = outgoing(&env, 0);
    let to_n2 = sent.iter().find(|s| s.1 == 1).unwrap().clone();
    env.receive_with(&mut nodes[1], 31 * MS, 0, to_n2.2, &to_n2.3);
    let ack = outgoing(&env, 1);
    assert_eq!(ack.len(), 1);
    // n2's ack commits the removal: the goose's only message is to n3.
    env.receive_with(&mut nodes[0], 32 * MS, 1, ack[0].2, &ack[0].3);
    assert!(!nodes[0].config().pending(nodes[0].commit()));
    let last = outgoing(&env, 0);
    let to: Vec<NodeId> = last.iter().map(|s| s.1).collect();
    assert_eq!(to, [2], "{last:?}");
    assert!(nodes[2].may_campaign(), "n3 does not know yet");
    env.receive_with(&mut nodes[2], 33 * MS, 0, last[0].2, &last[0].3);
    assert!(!nodes[2].members().contains(2));
    assert!(!nodes[2].may_campaign(), "n3 knows its removal committed");
    // Its timer firing starts no campaign: it goes quiet.
    let term = nodes[2].term();
    env.force_timeout(&mut nodes[2], SECOND);
    assert_eq!((nodes[2].role(), nodes[2].term()), (Role::Duck, term));
    assert!(env.sent().is_empty(), "{:?}", env.sent());
}

// Reference: dissertation §4.2.1 (a new server that is unavailable must not
// hold up every later change: the leader gives up)
#[test]
fn the_goose_gives_up_on_a_new_node_that_never_answers() {
    let mut env = Env::new(plain());
    let mut nodes = cluster(&mut env, 4, 3);
    settled_goose(&mut env, &mut nodes);
    let mut goose = nodes[0].clone();
    let mut ctx = env.ctx();
    goose.change(30 * MS, Change::Add(3), &mut ctx).unwrap();
    assert!(goose.catch_up().is_some());
    // n4 is dead: heartbeats go out, nothing comes back.
    let mut t = 30 * MS;
    while t < 30 * MS + MAX + 2 * HB {
        t += HB;
        env.tick(&mut goose, t);
    }
    assert_eq!(goose.catch_up(), None);
    assert_eq!(goose.members(), Members::first(3));
    assert_eq!(
        goose.can_change(Change::Add(3)),
        Ok(()),
        "free to try again"
    );
}

// Found by the node fuzzer: a configuration entry from the wire may name a
// node this run does not know (a forged or garbled datagram); the node must
// neither count it nor send to it.
#[test]
fn a_configuration_naming_an_unknown_node_is_ignored_not_a_panic() {
    let mut env = Env::new(with_cq());
    let mut n = env.node(1, 3);
    let entries = [Entry {
        term: 1,
        kind: EntryKind::Config(Change::Add(100)),
    }];
    let mut msg = first_append(1, lease(MIN, 20 * MS + MIN));
    if let Body::AppendEntries { count, .. } = &mut msg.body {
        *count = 1;
    }
    env.receive_with(&mut n, 20 * MS, 0, msg, &entries);
    assert_eq!(n.log().last_index(), 1);
    assert_eq!(
        n.members(),
        Members::first(3),
        "n101 is no node of this run"
    );
    elect(&mut env, &mut n, SECOND, Some(SECOND + MIN));
    assert!(env.sent().iter().all(|&(to, _)| to < 3), "{:?}", env.sent());
}

/// The goose (node 0) and the new node n4 (3) talk, every message arriving
/// at `at` (the goose's messages to others are dropped), until n4 sends a
/// successful ack: returned, not delivered.
fn to_first_ack(env: &mut Env, nodes: &mut [Node], first: Vec<Sent>, at: Time) -> Sent {
    let mut queue: Vec<Sent> = first.into_iter().filter(|s| s.1 == 3).collect();
    for _ in 0..20 {
        let mut next = Vec::new();
        for (from, to, msg, entries) in queue {
            env.receive_with(&mut nodes[3], at, from, msg, &entries);
            for reply in outgoing(env, to) {
                if let Body::AppendReply { success: true, .. } = reply.2.body {
                    return reply;
                }
                env.receive_with(&mut nodes[0], at, 3, reply.2, &reply.3);
                next.extend(outgoing(env, 0).into_iter().filter(|s| s.1 == 3));
            }
        }
        queue = next;
    }
    panic!("n4 never acked");
}

/// The goose appends a client request at `at`; its messages are dropped.
fn request(env: &mut Env, nodes: &mut [Node], at: Time) {
    let next = nodes[0].log().last_index() + 1;
    nodes[0]
        .propose(at, &[EntryKind::Request(next)], &mut env.ctx())
        .unwrap();
}

// Reference: dissertation §4.2.1 (the leader replicates to a new server in
// rounds; each round replicates what the log held when it began; the server
// joins once a round takes less than an election timeout, and the leader
// gives up after a bounded number of rounds). Found by mutation testing:
// no test made a round that was too slow.
#[test]
fn a_slow_round_starts_another_and_a_quick_one_joins() {
    let mut env = Env::new(plain());
    let mut nodes = cluster(&mut env, 4, 3);
    settled_goose(&mut env, &mut nodes);
    let t0 = 30 * MS;
    nodes[0].change(t0, Change::Add(3), &mut env.ctx()).unwrap();
    let first = outgoing(&env, 0);
    let round_end = nodes[0].log().last_index();
    let ack = to_first_ack(&mut env, &mut nodes, first, t0);
    // The log grew meanwhile, and the round took an election timeout: not
    // less, so too slow.
    request(&mut env, &mut nodes, t0);
    let t1 = t0 + MIN;
    env.receive_with(&mut nodes[0], t1, 3, ack.2, &ack.3);
    let c = nodes[0].catch_up().expect("still catching up");
    assert_eq!((c.round, c.round_start), (2, t1));
    assert_eq!(c.round_end, round_end + 1, "round 2 ends at the log's end");
    assert_eq!(nodes[0].members(), Members::first(3));
    // Round 2: the new entry, acked at once, while one more is appended.
    env.tick(&mut nodes[0], t1 + HB);
    let beat = outgoing(&env, 0);
    let ack = to_first_ack(&mut env, &mut nodes, beat, t1 + HB);
    request(&mut env, &mut nodes, t1 + HB);
    env.receive_with(&mut nodes[0], t1 + HB + MS, 3, ack.2, &ack.3);
    assert_eq!(nodes[0].catch_up(), None);
    let last = nodes[0].log().last_index();
    assert_eq!(
        nodes[0].log().get(last).map(|e| e.kind),
        Some(EntryKind::Config(Change::Add(3))),
        "a quick round: n4 joins"
    );
    assert_eq!(nodes[0].members(), Members::first(4));
}

// Reference: dissertation §4.2.1 (a new server too slow to ever catch up is
// given up after a bounded number of rounds, so it cannot hold the
// configuration hostage)
#[test]
fn a_node_never_quick_enough_is_given_up_after_the_last_round() {
    let mut env = Env::new(plain());
    let mut nodes = cluster(&mut env, 4, 3);
    settled_goose(&mut env, &mut nodes);
    let mut t = 30 * MS;
    nodes[0].change(t, Change::Add(3), &mut env.ctx()).unwrap();
    let mut sent = outgoing(&env, 0);
    for round in 1..=CATCH_UP_ROUNDS {
        assert_eq!(nodes[0].catch_up().map(|c| c.round), Some(round));
        let ack = to_first_ack(&mut env, &mut nodes, sent, t);
        request(&mut env, &mut nodes, t);
        t += MIN + MS;
        env.receive_with(&mut nodes[0], t, 3, ack.2, &ack.3);
        let gave_up = env.notes().contains(&Note::CatchUpFailed { node: 3 });
        assert_eq!(gave_up, round == CATCH_UP_ROUNDS, "round {round}");
        env.tick(&mut nodes[0], t + HB);
        sent = outgoing(&env, 0);
        t += HB;
    }
    assert_eq!(nodes[0].catch_up(), None);
    assert_eq!(nodes[0].members(), Members::first(3));
    assert_eq!(
        nodes[0].can_change(Change::Add(3)),
        Ok(()),
        "free to try again"
    );
}

// Reference: dissertation §4.2.1: a node that holds the whole log joins,
// however long the round took (nothing is left to catch up), even when its
// ack reaches past the round's end
#[test]
fn a_node_that_holds_the_whole_log_joins_however_slow_the_round() {
    let mut env = Env::new(plain());
    let mut nodes = cluster(&mut env, 4, 3);
    settled_goose(&mut env, &mut nodes);
    let t0 = 30 * MS;
    nodes[0].change(t0, Change::Add(3), &mut env.ctx()).unwrap();
    let round_end = nodes[0].catch_up().unwrap().round_end;
    drop(outgoing(&env, 0));
    // A request before n4 heard anything: its first entries reach past the
    // round's end.
    request(&mut env, &mut nodes, t0);
    let sent = outgoing(&env, 0);
    let ack = to_first_ack(&mut env, &mut nodes, sent, t0);
    assert_eq!(nodes[3].log().last_index(), round_end + 1);
    env.receive_with(&mut nodes[0], t0 + 3 * MIN, 3, ack.2, &ack.3);
    assert_eq!(nodes[0].catch_up(), None);
    assert_eq!(nodes[0].members(), Members::first(4));
}
