//! Tests of the deterministic world: replay, elections under faults, the
//! network's fates, the clock, the statistics and the status. Every test that
//! loops over seeds names the seed in its assertion messages, so a failure can
//! be replayed with `Cluster { seed, .. }`.

use std::collections::{BTreeMap, BTreeSet};

use super::*;
use crate::message::{Kind, Term};
use crate::node::Role;
use crate::options::{Span, CERTAIN, MS, SECOND};

/// A named change to the default options.
type Variant = (&'static str, fn(&mut Options));

/// A run of `nodes` with the default options changed by `tweak`.
fn sim(nodes: u32, seed: u64, tweak: impl FnOnce(&mut Options)) -> Simulation {
    let mut options = Options::default();
    tweak(&mut options);
    Simulation::new(Cluster {
        nodes,
        seed,
        options,
    })
}

/// Runs until there is exactly one goose, at most `limit` from now.
fn first_goose(s: &mut Simulation, limit: Micros) -> NodeId {
    let until = s.now() + limit;
    s.run_until_checking(until, |s| s.goose().is_none());
    s.goose()
        .unwrap_or_else(|| panic!("seed {}: no goose by {until}us", s.seed()))
}

/// Every note in the trace: (time, node, node's term after it, note).
fn notes(records: &[Record]) -> Vec<(Time, NodeId, Term, Note)> {
    records
        .iter()
        .filter_map(|r| match r.event {
            Event::Node { node, term, note } => Some((r.t, node, term, note)),
            _ => None,
        })
        .collect()
}

/// The times at which `node` won, with the term it won.
fn wins(records: &[Record]) -> Vec<(Time, NodeId, Term)> {
    notes(records)
        .into_iter()
        .filter(|(_, _, _, note)| matches!(note, Note::Won { .. }))
        .map(|(t, n, term, _)| (t, n, term))
        .collect()
}

/// Asserts that every live node is a duck that follows `goose` in its term.
fn assert_everyone_follows(s: &Simulation, goose: NodeId, what: &str) {
    let term = s.nodes()[goose as usize].term();
    for n in s.nodes() {
        if !s.is_alive(n.id()) || n.id() == goose {
            continue;
        }
        assert_eq!(
            (n.role(), n.term(), n.leader()),
            (Role::Duck, term, Some(goose)),
            "{what}: n{} should follow goose n{} of term {term}",
            n.id() + 1,
            goose + 1
        );
    }
}

// ---------------------------------------------------------------------------
// Determinism
// ---------------------------------------------------------------------------

/// One run with every kind of action, recorded from the start.
fn scripted_run(seed: u64) -> (Vec<Record>, Status, String) {
    let mut s = sim(5, seed, |o| {
        o.loss = 50_000;
        o.pre_vote = true;
    });
    s.set_recording(true);
    s.run_for(SECOND);
    if let Some(g) = s.goose() {
        s.apply(&Action::Kill {
            node: g,
            amnesia: false,
        })
        .unwrap();
    }
    s.run_for(SECOND);
    s.apply(&Action::Partition(vec![vec![0, 1]])).unwrap();
    s.apply(&Action::Isolate(4)).unwrap();
    s.run_for(SECOND);
    s.apply(&Action::Heal).unwrap();
    for n in 0..5 {
        if !s.is_alive(n) {
            s.apply(&Action::Revive(n)).unwrap();
        }
    }
    let options = Options {
        election: Span::new(100 * MS, 200 * MS),
        ..s.options().clone()
    };
    s.apply(&Action::Set(options)).unwrap();
    s.apply(&Action::Timeout(2)).unwrap();
    if let Some(id) = s.in_flight().map(|m| m.id).min() {
        s.apply(&Action::Drop(id)).unwrap();
    }
    s.run_for(1500 * MS);
    let stats = format!("{:?} downtime {}", s.stats(), s.stats().downtime(s.now()));
    (s.take_records(), s.status(), stats)
}

#[test]
fn same_seed_and_actions_give_the_same_trace() {
    // Reference: determinism as madsim and FoundationDB test it (run twice, compare)
    for seed in [0, 42, u64::MAX] {
        let (a, status_a, stats_a) = scripted_run(seed);
        let (b, status_b, stats_b) = scripted_run(seed);
        assert!(
            a.len() > 1000,
            "seed {seed}: a real run, {} records",
            a.len()
        );
        assert_eq!(a.len(), b.len(), "seed {seed}");
        if let Some(i) = (0..a.len()).find(|&i| a[i] != b[i]) {
            panic!(
                "seed {seed}: traces part at record {i}:\n  {}\n  {}",
                a[i].trace_line(),
                b[i].trace_line()
            );
        }
        assert_eq!(status_a, status_b, "seed {seed}");
        assert_eq!(stats_a, stats_b, "seed {seed}");
    }
}

#[test]
fn different_seeds_give_different_traces() {
    // Reference: the seed is the run's only source of randomness
    let (a, _, _) = scripted_run(1);
    let (b, _, _) = scripted_run(2);
    assert_ne!(a, b);
    // The very first campaign already differs: its instant is a drawn timeout.
    let first = |r: &[Record]| {
        notes(r)
            .into_iter()
            .find(|(_, _, _, n)| matches!(n, Note::PreCampaign { .. }))
            .map(|(t, n, _, _)| (t, n))
    };
    assert_ne!(first(&a), first(&b));
}

#[test]
fn records_are_kept_only_while_recording_and_taken_once() {
    // Reference: the trace is an observation; it never drives the run
    let mut quiet = sim(3, 5, |_| {});
    let mut loud = sim(3, 5, |_| {});
    loud.set_recording(true);
    quiet.run_for(SECOND);
    loud.run_for(SECOND);
    assert!(quiet.take_records().is_empty());
    assert!(!loud.take_records().is_empty());
    assert!(loud.take_records().is_empty(), "taken once");
    assert_eq!(quiet.status(), loud.status(), "recording changes nothing");
    assert_eq!(quiet.stats().sent, loud.stats().sent);
}

// ---------------------------------------------------------------------------
// Elections
// ---------------------------------------------------------------------------

#[test]
fn first_election_produces_exactly_one_goose() {
    // Reference: Raft §5.2, Figure 3 Election Safety; dissertation §6.2 (one goose at a time under CheckQuorum)
    let variants: [Variant; 3] = [
        ("defaults", |_| {}),
        ("checkquorum off", |o| o.check_quorum = false),
        ("prevote on", |o| o.pre_vote = true),
    ];
    for (name, tweak) in variants {
        for seed in 0..60 {
            let what = format!("{name}, seed {seed}");
            let mut s = sim(5, seed, tweak);
            let mut most = 0;
            s.run_until_checking(2 * SECOND, |s| {
                most = most.max(s.geese().len());
                true
            });
            if s.options().check_quorum {
                assert_eq!(most, 1, "{what}: never two geese at once");
            }
            let g = s
                .goose()
                .unwrap_or_else(|| panic!("{what}: no goose after 2s"));
            assert_eq!(s.geese(), &[g], "{what}");
            assert_everyone_follows(&s, g, &what);
            assert!(s.violations().is_empty(), "{what}: {:?}", s.violations());
            assert!(s.stats().elections_won >= 1, "{what}");
        }
    }
}

#[test]
fn killing_the_goose_yields_a_new_goose_and_the_dead_node_hears_nothing() {
    // Reference: Raft §5.2 (followers that stop hearing from the leader elect a new one)
    for seed in 0..30 {
        let mut s = sim(5, seed, |_| {});
        let g = first_goose(&mut s, 2 * SECOND);
        let old_term = s.nodes()[g as usize].term();
        // Wait until some heartbeat of the goose is on its way, then kill it.
        let stopped = !s.run_until_checking(s.now() + SECOND, |s| {
            !s.in_flight().any(|m| m.from == g && m.lost.is_none())
        });
        assert!(stopped, "seed {seed}: a goose sends heartbeats");
        let from_g: Vec<MessageId> = s
            .in_flight()
            .filter(|m| m.from == g && m.lost.is_none())
            .map(|m| m.id)
            .collect();
        let killed_at = s.now();
        s.set_recording(true);
        assert_eq!(
            s.apply(&Action::Kill {
                node: g,
                amnesia: false
            }),
            Ok(Outcome::Done)
        );
        assert_eq!(
            s.geese(),
            &[] as &[NodeId],
            "seed {seed}: the dead are no geese"
        );
        let h = first_goose(&mut s, 3 * SECOND);
        s.run_for(SECOND);
        let records = s.take_records();

        assert_ne!(h, g, "seed {seed}");
        assert_eq!(s.goose(), Some(h), "seed {seed}");
        assert!(s.nodes()[h as usize].term() > old_term, "seed {seed}");
        assert!(!s.is_alive(g), "seed {seed}");
        for id in &from_g {
            assert!(
                records
                    .iter()
                    .any(|r| matches!(r.event, Event::Delivered { id: d, .. } if d == *id)),
                "seed {seed}: m{id}, sent by n{} before it died, still arrives",
                g + 1
            );
        }
        let mut lost_to_g = 0;
        for r in &records {
            match r.event {
                Event::Delivered { to, id, .. } => {
                    assert_ne!(to, g, "seed {seed}: m{id} delivered to the dead")
                }
                Event::Node { node, note, .. } => {
                    assert_ne!(node, g, "seed {seed}: the dead acted: {note:?}")
                }
                Event::Lost { to, cause, .. } if to == g => {
                    assert_eq!(cause, LossCause::DeadReceiver, "seed {seed}");
                    lost_to_g += 1;
                }
                _ => {}
            }
        }
        assert!(
            lost_to_g > 0,
            "seed {seed}: the replies to its last heartbeats reach a dead node"
        );
        assert!(records.iter().all(|r| r.t >= killed_at));
        assert!(
            s.violations().is_empty(),
            "seed {seed}: {:?}",
            s.violations()
        );
    }
}

#[test]
fn revived_goose_rejoins_as_a_duck() {
    // Reference: Raft Figure 2 (persistent term and vote survive), §5.2 (a server starts as a follower)
    for seed in 0..30 {
        let mut s = sim(5, seed, |_| {});
        let g = first_goose(&mut s, 2 * SECOND);
        let term = s.nodes()[g as usize].term();
        s.apply(&Action::Kill {
            node: g,
            amnesia: false,
        })
        .unwrap();
        let h = first_goose(&mut s, 3 * SECOND);
        assert_eq!(s.apply(&Action::Revive(g)), Ok(Outcome::Done));
        let back = &s.nodes()[g as usize];
        assert_eq!(back.role(), Role::Duck, "seed {seed}");
        assert_eq!(
            (back.term(), back.voted_for()),
            (term, Some(g)),
            "seed {seed}: term and vote survived the crash"
        );
        assert_eq!(back.leader(), None, "seed {seed}");
        assert_eq!(s.status().nodes[g as usize].role, "duck", "seed {seed}");
        // The new goose's next heartbeat (at most 50ms + 15ms away) comes
        // before the revived node's timer (at least 150ms) can fire.
        s.run_for(SECOND);
        assert_eq!(s.goose(), Some(h), "seed {seed}");
        assert_everyone_follows(&s, h, &format!("seed {seed}"));
        assert!(
            s.violations().is_empty(),
            "seed {seed}: {:?}",
            s.violations()
        );
    }
}

#[test]
fn minority_partition_has_no_goose_while_majority_side_has_one() {
    // Reference: Raft §5.2 (a majority of the full cluster is needed to win)
    for check_quorum in [true, false] {
        for seed in 0..30 {
            let what = format!("checkquorum {check_quorum}, seed {seed}");
            let mut s = sim(5, seed, |o| o.check_quorum = check_quorum);
            s.set_recording(true);
            s.apply(&Action::Partition(vec![vec![0, 1]])).unwrap();
            s.run_for(3 * SECOND);
            let records = s.take_records();
            let winners: BTreeSet<NodeId> = wins(&records).iter().map(|w| w.1).collect();
            assert!(
                winners.iter().all(|&w| w >= 2),
                "{what}: the minority n1,n2 won: {winners:?}"
            );
            let h = s
                .goose()
                .unwrap_or_else(|| panic!("{what}: the majority has no goose"));
            assert!((2..5).contains(&h), "{what}");
            for n in [0, 1] {
                assert_ne!(s.nodes()[n].role(), Role::Goose, "{what}");
            }
            assert!(
                notes(&records)
                    .iter()
                    .any(|&(_, n, _, note)| n < 2 && matches!(note, Note::Campaign { .. })),
                "{what}: the minority tried"
            );
            assert!(s.violations().is_empty(), "{what}: {:?}", s.violations());

            // Healed, the cluster settles on one goose that everyone follows.
            s.apply(&Action::Heal).unwrap();
            s.run_for(3 * SECOND);
            let g = s
                .goose()
                .unwrap_or_else(|| panic!("{what}: no goose after healing"));
            assert_everyone_follows(&s, g, &what);
            assert!(s.violations().is_empty(), "{what}: {:?}", s.violations());
        }
    }
}

#[test]
fn check_quorum_uncrowns_the_stale_goose_of_a_minority_first() {
    // Reference: dissertation §6.2 (CheckQuorum), §4.2.3 (leases): never two geese at one instant
    let o = Options::default();
    for seed in 0..60 {
        let mut s = sim(5, seed, |_| {});
        let g = first_goose(&mut s, 2 * SECOND);
        s.run_for(s.seed() % 97 * MS); // cut at varied points of the rhythm
        let other = (g + 1) % 5;
        let cut_at = s.now();
        s.set_recording(true);
        if seed % 2 == 0 {
            s.apply(&Action::Partition(vec![vec![g, other]])).unwrap();
        } else {
            s.apply(&Action::Isolate(g)).unwrap();
        }
        let mut most = 0;
        s.run_until_checking(cut_at + 3 * SECOND, |s| {
            most = most.max(s.geese().len());
            true
        });
        let records = s.take_records();
        assert_eq!(most, 1, "seed {seed}: two geese at one instant");
        assert!(
            s.violations().is_empty(),
            "seed {seed}: {:?}",
            s.violations()
        );

        let stepped: Vec<Time> = notes(&records)
            .iter()
            .filter(|&&(_, n, _, note)| n == g && note == Note::LostCrown)
            .map(|&(t, ..)| t)
            .collect();
        assert_eq!(
            stepped.len(),
            1,
            "seed {seed}: n{} lost its crown once",
            g + 1
        );
        // It steps down later, or learns the new term first; either way it
        // never wears its crown again.
        assert!(
            !notes(&records)
                .iter()
                .any(|&(_, n, _, note)| n == g && matches!(note, Note::Crowned { .. })),
            "seed {seed}: crowned again while cut off"
        );
        // The last promise the majority side made was asked for before the
        // cut; it ends latency.min + election.min after it was asked for (a
        // round trip more for the vote leases of a goose this new).
        assert!(
            stepped[0] <= cut_at + o.latency.min + o.election.min + 2 * o.latency.max,
            "seed {seed}: stepped down at {}, cut at {cut_at}",
            stepped[0]
        );
        let h = s
            .goose()
            .unwrap_or_else(|| panic!("seed {seed}: no new goose"));
        assert_ne!(h, g, "seed {seed}");
        assert!(h != other || seed % 2 == 1, "seed {seed}: minority goose");
        let new_win = wins(&records)
            .into_iter()
            .find(|&(_, n, _)| n == h)
            .expect("the new goose won in the trace");
        assert!(
            stepped[0] < new_win.0,
            "seed {seed}: old goose stepped down at {}, new one won at {}",
            stepped[0],
            new_win.0
        );
    }
}

#[test]
fn without_check_quorum_two_geese_coexist_in_different_terms() {
    // Reference: Raft §5.2 (Election Safety is per term; a deposed leader may linger), dissertation §6.2 (why CheckQuorum exists)
    for seed in 0..30 {
        let mut s = sim(5, seed, |o| o.check_quorum = false);
        let g = first_goose(&mut s, 2 * SECOND);
        s.apply(&Action::Isolate(g)).unwrap();
        s.run_for(3 * SECOND);
        let geese = s.geese().to_vec();
        assert_eq!(geese.len(), 2, "seed {seed}: {geese:?}");
        assert!(
            geese.contains(&g),
            "seed {seed}: the isolated goose lingers"
        );
        let h = *geese.iter().find(|&&n| n != g).unwrap();
        let (tg, th) = (s.nodes()[g as usize].term(), s.nodes()[h as usize].term());
        assert!(tg < th, "seed {seed}: terms {tg} and {th}");
        assert_eq!(s.goose(), None, "seed {seed}: goose() means exactly one");
        assert!(
            s.violations().is_empty(),
            "seed {seed}: allowed without CheckQuorum: {:?}",
            s.violations()
        );

        // Reconnected, the stale goose learns the newer term at once.
        s.apply(&Action::Reconnect(g)).unwrap();
        s.run_for(SECOND);
        assert_eq!(s.goose(), Some(h), "seed {seed}");
        assert_everyone_follows(&s, h, &format!("seed {seed}"));
    }
}

#[test]
fn certain_message_loss_means_no_goose_ever() {
    // Reference: Raft §5.2 (winning needs votes, and votes need messages)
    for pre_vote in [false, true] {
        for seed in 0..10 {
            let what = format!("prevote {pre_vote}, seed {seed}");
            let mut s = sim(5, seed, |o| {
                o.loss = CERTAIN;
                o.pre_vote = pre_vote;
            });
            s.set_recording(true);
            let never = s.run_until_checking(5 * SECOND, |s| s.geese().is_empty());
            assert!(never, "{what}: a goose at {}", s.now());
            let records = s.take_records();
            let st = s.stats();
            assert_eq!(st.elections_won, 0, "{what}");
            if pre_vote {
                assert!(st.prevotes_started > 0, "{what}");
                assert_eq!(st.elections_started, 0, "{what}: no pre-vote majority");
            } else {
                assert!(st.elections_started > 0, "{what}");
            }
            assert!(
                !records
                    .iter()
                    .any(|r| matches!(r.event, Event::Delivered { .. })),
                "{what}"
            );
            assert_eq!(
                st.lost + s.in_flight().count() as u64,
                st.sent_total(),
                "{what}: every message sent is lost or still on its way to being lost"
            );
        }
    }
    // A cluster of one needs no messages.
    let mut s = sim(1, 3, |o| o.loss = CERTAIN);
    s.run_for(SECOND);
    assert_eq!(s.goose(), Some(0));
}

#[test]
fn a_message_dropped_in_flight_never_arrives() {
    // Reference: Raft §5.2 (RPCs may be lost; the simulator lets a person lose one by hand)
    let mut s = sim(3, 11, |_| {});
    s.set_recording(true);
    assert_eq!(s.apply(&Action::Timeout(0)), Ok(Outcome::Done));
    assert_eq!(s.nodes()[0].role(), Role::Candidate);
    let to_n2 = s
        .in_flight()
        .find(|m| m.to == 1)
        .expect("a vote request to n2")
        .id;
    assert_eq!(s.apply(&Action::Drop(to_n2)), Ok(Outcome::Done));
    assert!(s.in_flight().all(|m| m.id != to_n2));
    assert_eq!(s.stats().lost, 1);
    assert!(matches!(
        s.apply(&Action::Drop(to_n2)),
        Ok(Outcome::Nothing(_))
    ));
    assert_eq!(s.stats().lost, 1, "dropping nothing counts nothing");

    // Every vote request has arrived by latency.max = 15ms.
    s.run_until(15 * MS);
    assert_eq!(s.nodes()[1].term(), 0, "n2 never heard of term 1");
    assert_eq!(
        (s.nodes()[2].term(), s.nodes()[2].voted_for()),
        (1, Some(0))
    );
    // n3's vote is enough; the goose's heartbeat then reaches n2 too,
    // long before any timer (150ms at least) could fire.
    s.run_until(30 * MS);
    assert_eq!(s.goose(), Some(0));
    s.run_until(100 * MS);
    assert_everyone_follows(&s, 0, "after the drop");
    let records = s.take_records();
    assert!(records
        .iter()
        .any(|r| r.event == Event::Fault(Fault::MessageDropped { id: to_n2 })));
    assert!(records.iter().any(|r| matches!(
        r.event,
        Event::Lost { id, cause: LossCause::Dropped, .. } if id == to_n2
    )));
    assert!(!records
        .iter()
        .any(|r| matches!(r.event, Event::Delivered { id, .. } if id == to_n2)));
}

#[test]
fn run_until_ends_exactly_at_the_requested_time() {
    // Reference: the simulated clock of FoundationDB-style simulation: time jumps from event to event
    let mut s = sim(3, 4, |_| {});
    s.apply(&Action::Timeout(0)).unwrap();
    let m = s.in_flight().find(|m| m.to == 1).unwrap().clone();
    assert!(m.lost.is_none());
    let arrives = m.arrives;

    s.run_until(arrives - 1);
    assert_eq!(s.now(), arrives - 1);
    assert_eq!(s.nodes()[1].term(), 0, "not yet");
    assert!(s.in_flight().any(|f| f.id == m.id));

    s.run_until(arrives);
    assert_eq!(s.now(), arrives);
    assert_eq!(s.nodes()[1].term(), 1, "an event at the limit is processed");
    assert!(s.in_flight().all(|f| f.id != m.id));

    s.run_until(arrives + 12_345);
    assert_eq!(s.now(), arrives + 12_345);
    assert!(s.next_event_time().is_some_and(|t| t > s.now()));

    s.run_until(arrives);
    assert_eq!(s.now(), arrives + 12_345, "the clock never goes back");

    s.run_for(5 * MS);
    assert_eq!(s.now(), arrives + 12_345 + 5 * MS);
    assert!(s.next_event_time().is_some_and(|t| t > s.now()));
}

// ---------------------------------------------------------------------------
// Statistics and status
// ---------------------------------------------------------------------------

#[test]
fn stats_are_consistent_with_the_trace() {
    // Reference: the statistics are a summary of the trace, nothing more
    let variants: [Variant; 3] = [
        ("defaults", |o| o.loss = 20_000),
        ("prevote", |o| {
            o.pre_vote = true;
            o.loss = 20_000;
        }),
        ("no checkquorum", |o| o.check_quorum = false),
    ];
    for (name, tweak) in variants {
        for seed in 0..10 {
            let what = format!("{name}, seed {seed}");
            let mut s = sim(5, seed, tweak);
            s.set_recording(true);
            s.run_for(SECOND);
            if let Some(g) = s.goose() {
                s.apply(&Action::Kill {
                    node: g,
                    amnesia: false,
                })
                .unwrap();
            }
            s.run_for(SECOND);
            s.apply(&Action::Partition(vec![vec![0, 1]])).unwrap();
            s.run_for(SECOND);
            s.apply(&Action::Heal).unwrap();
            if let Some(id) = s.in_flight().map(|m| m.id).max() {
                s.apply(&Action::Drop(id)).unwrap();
            }
            for n in 0..5 {
                s.apply(&Action::Revive(n)).unwrap();
            }
            s.run_for(SECOND + 3 * MS);
            let records = s.take_records();
            let st = s.stats();
            let notes = notes(&records);
            let count = |f: fn(&Note) -> bool| notes.iter().filter(|n| f(&n.3)).count() as u64;

            assert_eq!(
                st.elections_started,
                count(|n| matches!(n, Note::Campaign { .. })),
                "{what}"
            );
            assert_eq!(
                st.elections_won,
                count(|n| matches!(n, Note::Won { .. })),
                "{what}"
            );
            assert_eq!(
                st.prevotes_started,
                count(|n| matches!(n, Note::PreCampaign { .. })),
                "{what}"
            );
            for kind in Kind::ALL {
                let sent = records
                    .iter()
                    .filter(|r| matches!(&r.event, Event::Sent(m) if m.msg.kind() == kind))
                    .count() as u64;
                assert_eq!(st.sent_of(kind), sent, "{what}: {}", kind.name());
            }
            let lost = records
                .iter()
                .filter(|r| matches!(r.event, Event::Lost { .. }))
                .count() as u64;
            assert_eq!(st.lost, lost, "{what}");

            // Split votes: terms with two candidates or more and no winner,
            // once decided: no live node is still a candidate of the term.
            let mut terms: BTreeMap<Term, (u32, bool)> = BTreeMap::new();
            for &(_, _, term, note) in &notes {
                match note {
                    Note::Campaign { .. } => terms.entry(term).or_default().0 += 1,
                    Note::Won { .. } => terms.entry(term).or_default().1 = true,
                    _ => {}
                }
            }
            let open = |term: Term| {
                s.nodes()
                    .iter()
                    .any(|n| s.is_alive(n.id()) && n.role() == Role::Candidate && n.term() == term)
            };
            let split = terms
                .iter()
                .filter(|&(&t, &(c, won))| c >= 2 && !won && !open(t))
                .count() as u64;
            assert_eq!(st.split_votes, split, "{what}");
            let split_records = st.elections.iter().filter(|r| r.split).count() as u64;
            assert_eq!(split_records, split, "{what}: one record per split vote");

            // Downtime and time to elect, rebuilt from who was goose when.
            let mut geese: BTreeSet<NodeId> = BTreeSet::new();
            let (mut lost_at, mut downtime, mut to_elect) = (Some(0), 0, Vec::new());
            // The statistics see each step's outcome: a win whose leases
            // have already run out is no goose at all.
            let one_step = |a: &Record, b: &Record| match (&a.event, &b.event) {
                (Event::Node { node: x, .. }, Event::Node { node: y, .. }) => x == y && a.t == b.t,
                _ => false,
            };
            let mut before = 0;
            for (i, r) in records.iter().enumerate() {
                match r.event {
                    Event::Node {
                        node,
                        note: Note::Won { .. } | Note::Crowned { .. },
                        ..
                    } => {
                        geese.insert(node);
                    }
                    Event::Node {
                        node,
                        note:
                            Note::SteppedDown {
                                was: Role::Goose, ..
                            }
                            | Note::LostCrown,
                        ..
                    }
                    | Event::Fault(Fault::Killed { node, .. }) => {
                        geese.remove(&node);
                    }
                    _ => {}
                }
                if records.get(i + 1).is_some_and(|next| one_step(r, next)) {
                    continue;
                }
                let was = std::mem::replace(&mut before, geese.len());
                let before = was;
                if before == 0 && !geese.is_empty() {
                    let since: Time = lost_at.take().unwrap();
                    downtime += r.t - since;
                    to_elect.push(r.t - since);
                } else if before > 0 && geese.is_empty() {
                    lost_at = Some(r.t);
                }
            }
            let downtime = downtime + lost_at.map_or(0, |t| s.now() - t);
            assert_eq!(st.downtime(s.now()), downtime, "{what}");
            assert_eq!(st.time_to_elect, to_elect, "{what}");
            assert_eq!(
                geese.iter().copied().collect::<Vec<_>>(),
                s.geese(),
                "{what}"
            );
            assert!(st.elections_won >= 2, "{what}: the scenario had two geese");
            assert!(s.violations().is_empty(), "{what}: {:?}", s.violations());
        }
    }
}

#[test]
fn first_time_to_elect_is_the_instant_of_the_first_win() {
    // Reference: downtime starts at 0, when there is no goose yet
    let mut s = sim(5, 8, |_| {});
    s.set_recording(true);
    first_goose(&mut s, 2 * SECOND);
    let won_at = wins(&s.take_records())[0].0;
    assert_eq!(s.now(), won_at);
    assert_eq!(s.stats().time_to_elect, vec![won_at]);
    assert_eq!(s.stats().downtime(won_at + SECOND), won_at);
}

#[test]
fn status_reports_dead_nodes_as_dead_with_no_leader() {
    // Reference: Raft Figure 2 (a dead node's persistent state is still on its disk)
    let mut s = sim(5, 21, |_| {});
    let g = first_goose(&mut s, 2 * SECOND);
    s.run_for(100 * MS);
    let d = (g + 1) % 5;
    assert_eq!(s.nodes()[d as usize].leader(), Some(g));
    s.apply(&Action::Kill {
        node: d,
        amnesia: false,
    })
    .unwrap();
    let status = s.status();
    assert_eq!(status.t_us, s.now());
    assert_eq!(status.nodes.len(), 5);
    for (i, (st, n)) in status.nodes.iter().zip(s.nodes()).enumerate() {
        assert_eq!(st.id, format!("n{}", i + 1));
        assert_eq!(st.term, n.term());
        assert_eq!(st.voted_for, n.voted_for().map(node_name));
        if i == d as usize {
            assert!(!st.alive);
            assert_eq!(st.role, "dead");
            assert_eq!(st.leader, None, "the dead follow nobody");
        } else {
            assert!(st.alive);
            assert_eq!(st.role, n.role().name());
            assert_eq!(st.leader, n.leader().map(node_name));
        }
    }
    assert_eq!(status.nodes[g as usize].role, "goose");
    assert_eq!(status.nodes[g as usize].leader, Some(node_name(g)));

    s.apply(&Action::Kill {
        node: g,
        amnesia: false,
    })
    .unwrap();
    let st = &s.status().nodes[g as usize];
    assert_eq!(
        (st.role, st.alive, st.leader.clone()),
        ("dead", false, None)
    );
    assert_eq!(st.voted_for, Some(node_name(g)));
}

// ---------------------------------------------------------------------------
// Actions
// ---------------------------------------------------------------------------

#[test]
fn actions_that_change_nothing_say_so_and_bad_ones_are_errors() {
    // Reference: the scenario language's contract: every action either acts or says why not
    let mut s = sim(5, 2, |_| {});
    let g = first_goose(&mut s, 2 * SECOND);
    let d = (g + 1) % 5;
    let nothing = |r: Result<Outcome, String>| matches!(r, Ok(Outcome::Nothing(_)));
    assert!(
        nothing(s.apply(&Action::Timeout(g))),
        "the goose has no timer"
    );
    assert!(nothing(s.apply(&Action::Revive(d))), "already alive");
    assert!(nothing(s.apply(&Action::Heal)), "already whole");
    assert!(nothing(s.apply(&Action::Reconnect(d))), "already connected");
    assert!(nothing(s.apply(&Action::Drop(1_000_000))));
    s.apply(&Action::Kill {
        node: d,
        amnesia: false,
    })
    .unwrap();
    assert!(nothing(s.apply(&Action::Kill {
        node: d,
        amnesia: false
    })));
    assert!(
        nothing(s.apply(&Action::Timeout(d))),
        "the dead have no timer"
    );
    s.apply(&Action::Isolate(g)).unwrap();
    assert!(nothing(s.apply(&Action::Isolate(g))));

    assert!(s.apply(&Action::Revive(5)).is_err(), "n6 of 5");
    assert!(s
        .apply(&Action::Partition(vec![vec![0], vec![0, 1]]))
        .is_err());
    assert!(s.apply(&Action::Partition(vec![vec![0], vec![]])).is_err());
    let cut = |from, to, cut| Action::Cut { from, to, cut };
    assert!(nothing(s.apply(&cut(0, 1, false))), "not cut one way");
    s.apply(&cut(0, 1, true)).unwrap();
    assert!(nothing(s.apply(&cut(0, 1, true))), "already cut");
    assert!(s.apply(&cut(2, 2, true)).is_err(), "a node hears itself");
    assert!(s.apply(&cut(0, 5, true)).is_err(), "n6 of 5");
    let bad = Options {
        election: Span::new(300 * MS, 150 * MS),
        ..Options::default()
    };
    assert!(s.apply(&Action::Set(bad)).is_err());
    assert_eq!(
        s.options(),
        &Options::default(),
        "a refused Set changes nothing"
    );
}

#[test]
fn forced_timeout_starts_an_election_at_once() {
    // Reference: Raft §5.2 (the election timeout, fired by hand)
    let mut s = sim(5, 6, |_| {});
    let g = first_goose(&mut s, 2 * SECOND);
    // By now every duck has acked a heartbeat (one is sent every 50ms).
    s.run_for(100 * MS);
    let d = (g + 2) % 5;
    let term = s.nodes()[g as usize].term();
    assert_eq!(s.nodes()[d as usize].leader(), Some(g));
    s.set_recording(true);
    assert_eq!(s.apply(&Action::Timeout(d)), Ok(Outcome::Done));
    let n = &s.nodes()[d as usize];
    // Under CheckQuorum a duck that acked a heartbeat is bound by its lease.
    assert_eq!((n.role(), n.term()), (Role::Duck, term));
    let records = s.take_records();
    assert!(matches!(
        records[..],
        [
            Record {
                event: Event::Fault(Fault::TimeoutForced { .. }),
                ..
            },
            Record {
                event: Event::Node {
                    note: Note::TimeoutInLease { .. },
                    ..
                },
                ..
            }
        ]
    ));

    let mut s = sim(5, 6, |o| o.check_quorum = false);
    let g = first_goose(&mut s, 2 * SECOND);
    s.run_for(100 * MS);
    let d = (g + 2) % 5;
    assert_eq!(s.nodes()[d as usize].leader(), Some(g));
    let term = s.nodes()[g as usize].term();
    s.apply(&Action::Timeout(d)).unwrap();
    let n = &s.nodes()[d as usize];
    assert_eq!((n.role(), n.term()), (Role::Candidate, term + 1));
    assert_eq!(
        s.in_flight().filter(|m| m.from == d).count(),
        4,
        "it asks all four peers at once"
    );
}

#[test]
fn set_changes_the_heartbeat_rhythm_of_a_running_goose() {
    // Reference: Raft §5.2 (heartbeats at the configured interval)
    let mut s = sim(3, 13, |_| {});
    let g = first_goose(&mut s, 2 * SECOND);
    let options = Options {
        heartbeat: 20 * MS,
        ..Options::default()
    };
    s.apply(&Action::Set(options.clone())).unwrap();
    assert_eq!(s.options(), &options);
    s.run_for(100 * MS);
    s.set_recording(true);
    s.run_for(SECOND);
    let beats: BTreeSet<Time> = s
        .take_records()
        .iter()
        .filter_map(|r| match &r.event {
            Event::Sent(m) if m.from == g && m.msg.kind() == Kind::Heartbeat => Some(r.t),
            _ => None,
        })
        .collect();
    let beats: Vec<Time> = beats.into_iter().collect();
    assert!(beats.len() >= 49, "{} heartbeats in a second", beats.len());
    assert!(
        beats.windows(2).all(|w| w[1] - w[0] == 20 * MS),
        "{beats:?}"
    );
}

#[test]
fn amnesia_is_caught_by_the_invariant_checker() {
    // Reference: Raft Figure 2 (why currentTerm must be persistent); the checker keeps its own memory
    let mut s = sim(3, 17, |_| {});
    let g = first_goose(&mut s, 2 * SECOND);
    s.run_for(100 * MS);
    let d = (g + 1) % 3;
    assert!(s.nodes()[d as usize].term() >= 1);
    s.apply(&Action::Kill {
        node: d,
        amnesia: true,
    })
    .unwrap();
    assert!(
        s.violations().is_empty(),
        "nothing is wrong until it comes back"
    );
    s.apply(&Action::Revive(d)).unwrap();
    assert_eq!(s.nodes()[d as usize].term(), 0);
    let v = s.violations();
    assert_eq!(v.len(), 2, "{v:?}");
    assert_eq!(v[0].invariant, invariants::Invariant::TermsNeverDecrease);
    assert_eq!((v[0].nodes.clone(), v[0].seed), (vec![d], 17));
    // With CheckQuorum on (the default) the lost disk also held the lease it
    // promised the goose with its last ack: a broken promise.
    assert_eq!(v[1].invariant, invariants::Invariant::PromisesKept);
    assert_eq!((v[1].nodes.clone(), v[1].seed), (vec![d, g], 17));
    assert_eq!(s.violation_count(), 2);
}

/// A disk write delays exactly the messages that depend on it: a candidate's
/// vote requests and a voter's grant, not the new goose's heartbeats (Raft
/// Figure 2, "updated on stable storage before responding to RPCs").
#[test]
fn the_disk_delays_vote_requests_and_grants_but_not_heartbeats() {
    let mut s = sim(5, 7, |o| {
        o.disk = Span::new(5 * MS, 5 * MS);
        o.latency = Span::new(MS, MS);
        o.check_quorum = false;
    });
    s.set_recording(true);
    first_goose(&mut s, 5 * SECOND);
    s.run_for(100 * MS);
    let records = s.take_records();
    let mut seen = BTreeMap::new();
    for r in &records {
        if let Event::Sent(m) = &r.event {
            let wait = m.sent - r.t;
            let kind = m.msg.kind();
            if kind == Kind::VoteDenied {
                continue; // A refusal after a term change waits; one without does not.
            }
            seen.entry(kind).or_insert_with(BTreeSet::new).insert(wait);
        }
    }
    assert_eq!(seen[&Kind::VoteRequest], BTreeSet::from([5 * MS]));
    assert_eq!(seen[&Kind::VoteGranted], BTreeSet::from([5 * MS]));
    assert_eq!(seen[&Kind::Heartbeat], BTreeSet::from([0]));
    assert_eq!(seen[&Kind::HeartbeatReply], BTreeSet::from([0]));
    let (won, goose, term) = wins(&records)[0];
    let campaign = notes(&records)
        .into_iter()
        .find(|&(_, n, t, note)| n == goose && t == term && matches!(note, Note::Campaign { .. }))
        .map(|(t, ..)| t)
        .expect("the winner's campaign");
    assert_eq!(
        won - campaign,
        5 * MS + MS + 5 * MS + MS,
        "a broadcast is two writes and a round trip"
    );
}

#[test]
fn timer_jitter_fires_timers_late_but_within_the_jitter() {
    let mut s = sim(5, 11, |o| {
        o.election = Span::new(150 * MS, 150 * MS);
        o.jitter = 2 * MS;
        o.check_quorum = false;
    });
    s.set_recording(true);
    s.run_for(2 * SECOND);
    let campaigns: Vec<Time> = notes(&s.take_records())
        .into_iter()
        .filter(|(_, _, _, n)| matches!(n, Note::Campaign { .. }))
        .map(|(t, ..)| t)
        .collect();
    let first = campaigns[0];
    assert!(
        (150 * MS..=152 * MS).contains(&first),
        "first timeout at {first}us"
    );
    assert!(
        campaigns.iter().any(|&t| t != 150 * MS),
        "jitter moved a timer"
    );
}

/// With one fixed election timeout, nothing but jitter separates the
/// candidates' timers: without it the split votes go on for ever; with a
/// little, a goose is elected in the end (the Raft paper's 150–150 ms curve).
#[test]
fn jitter_is_what_lets_a_fixed_timeout_elect() {
    let tweak = |jitter| {
        move |o: &mut Options| {
            o.election = Span::new(150 * MS, 150 * MS);
            o.heartbeat = 75 * MS;
            o.latency = Span::new(10 * MS, 10 * MS);
            o.check_quorum = false;
            o.jitter = jitter;
        }
    };
    let mut still = sim(5, 3, tweak(0));
    still.run_for(20 * SECOND);
    assert!(still.goose().is_none() && still.stats().elections_won == 0);
    for seed in 1..=3 {
        let mut s = sim(5, seed, tweak(MS));
        first_goose(&mut s, 600 * SECOND);
    }
}

#[test]
fn disk_and_jitter_runs_replay_exactly() {
    let run = || {
        let mut s = sim(5, 99, |o| {
            o.disk = Span::new(2 * MS, 8 * MS);
            o.jitter = 500;
        });
        s.set_recording(true);
        s.run_for(3 * SECOND);
        let goose = s.goose().expect("a goose");
        s.apply(&Action::Kill {
            node: goose,
            amnesia: false,
        })
        .unwrap();
        s.run_for(3 * SECOND);
        (s.take_records(), s.stats().time_to_heartbeat.clone())
    };
    let (a, ha) = run();
    let (b, hb) = run();
    assert_eq!(a, b);
    assert_eq!(ha, hb);
    assert_eq!(ha.len(), 2, "two geese, each heard by a majority");
}

#[test]
fn time_to_heartbeat_follows_the_win_by_the_heartbeat_latency() {
    let mut s = sim(5, 5, |o| o.latency = Span::new(10 * MS, 10 * MS));
    first_goose(&mut s, 5 * SECOND);
    s.run_for(50 * MS);
    let st = s.stats();
    assert_eq!(st.time_to_heartbeat.len(), 1);
    assert_eq!(st.time_to_heartbeat[0], st.time_to_elect[0] + 10 * MS);
}

/// A node is woken only when something is due: after every timer firing it
/// sent or noted something, whatever the options, with crashes, isolation and
/// option changes mid-run (a stale deadline would be a wasted event, the
/// "no-op wake-up" of an earlier CheckQuorum cache).
#[test]
fn no_timer_fires_in_vain() {
    let variants: &[Variant] = &[
        ("default", |_| {}),
        ("checkquorum", |o| o.check_quorum = true),
        ("prevote+checkquorum", |o| {
            o.check_quorum = true;
            o.pre_vote = true;
        }),
        ("slow disk, jitter, lossy", |o| {
            o.check_quorum = true;
            o.disk = Span::new(2 * MS, 9 * MS);
            o.jitter = 3 * MS;
            o.loss = CERTAIN / 10;
        }),
        ("latency near the timeout", |o| {
            o.check_quorum = true;
            o.latency = Span::new(40 * MS, 60 * MS);
        }),
    ];
    for &(name, tweak) in variants {
        for seed in 1..=6 {
            let mut s = sim(5, seed, tweak);
            for round in 0..20u32 {
                s.run_for(700 * MS);
                let action = match (round % 4, s.goose()) {
                    (0, Some(g)) => Action::Kill {
                        node: g,
                        amnesia: false,
                    },
                    (1, _) => Action::Revive((round % 5) as NodeId),
                    (2, Some(g)) => Action::Isolate(g),
                    (3, _) => Action::Reconnect((round % 5) as NodeId),
                    _ => Action::Heal,
                };
                let _ = s.apply(&action);
                if round == 10 {
                    let mut o = s.options().clone();
                    o.check_quorum = !o.check_quorum;
                    o.heartbeat = 40 * MS;
                    let _ = s.apply(&Action::Set(o));
                }
            }
            assert!(s.stats().events > 1000, "{name}, seed {seed}: the run ran");
            assert_eq!(
                s.stats().idle_ticks,
                0,
                "{name}, seed {seed}: timers fired with nothing to do"
            );
        }
    }
}
