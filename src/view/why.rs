//! "Say why, where it happens": the reasons the page shows next to a control
//! that cannot act, for a ✖ ballot in the message inspector, and for a
//! node's last vote in the node inspector. Each reason names its rule and
//! the section it comes from, in plain words.
//!
//! The reasons are read from the simulation and from its records (see
//! [`crate::view::timeline::Timeline::replay_records`]); nothing here decides
//! anything for the simulation.

use crate::message::{node_name, Kind, NodeId};
use crate::node::{Note, Refusal, Role};
use crate::options::{human_duration, Time};
use crate::sim::event::{Event, Record};
use crate::sim::network::InFlight;
use crate::sim::Simulation;

/// Why `kill goose` cannot act now (no goose, or several), or `None`.
pub fn no_goose_to_kill(sim: &Simulation) -> Option<String> {
    match sim.geese() {
        [_] => None,
        [] => Some("There is no goose to kill right now.".into()),
        many => Some(format!(
            "There are {} geese right now: pick one in the node list.",
            many.len()
        )),
    }
}

/// Why a client request (`request`) would be refused now, or `None` when
/// the goose would append it. A client talks to the goose, and only the
/// goose appends to the log (Raft §5.3); a leader without its crown takes
/// none. Mirrors the simulation's own check, which a test holds it to.
pub fn request_refused(sim: &Simulation) -> Option<String> {
    let Some(&goose) = sim
        .geese()
        .iter()
        .max_by_key(|&&g| sim.nodes()[g as usize].term())
    else {
        return Some(
            "There is no goose to take a client request: only the goose appends to the log (Raft §5.3). Wait for an election."
                .into(),
        );
    };
    sim.nodes()[goose as usize].log().is_full().then(|| {
        format!(
            "{}'s log is full ({} entries, the cap): it takes no more requests.",
            node_name(goose),
            crate::log::LOG_CAP
        )
    })
}

/// Why forcing `id`'s election timer would not make it a candidate, or
/// `None` when `timeout` would start an election (or a pre-vote).
pub fn timeout_refused(sim: &Simulation, id: NodeId) -> Option<String> {
    let n = node_name(id);
    let node = sim.nodes().get(id as usize)?;
    if !sim.is_alive(id) {
        return Some(format!("{n} is dead: a dead node has no timer."));
    }
    if node.role() == Role::Goose {
        return Some(format!(
            "{n} is the goose: a goose has no election timer (Raft §5.2)."
        ));
    }
    if node.role().is_leader() {
        return Some(format!(
            "{n} leads its term without its crown: a leader has no election timer (Raft §5.2); it steps down only after an election timeout with no word from a majority (dissertation §6.2)."
        ));
    }
    let now = sim.now();
    let until = node.lease_until().filter(|&t| t >= now)?;
    let to = node
        .leader()
        .or(node.voted_for())
        .map_or(String::new(), |g| format!(" to {}", node_name(g)));
    Some(format!(
        "{n} promised a lease{to} until {}: a forced timeout leaves it a duck (CheckQuorum lease, dissertation §4.2.3). For the classic demo, turn CheckQuorum off: ducks then promise nothing, and Timeout works once this lease ends.",
        human_duration(until),
    ))
}

/// Why a refusal happened, with the rule's section.
pub fn refusal(voter: NodeId, term: u64, why: Refusal, lease_until: Option<Time>) -> String {
    let v = node_name(voter);
    match why {
        Refusal::AlreadyVoted(c) => format!(
            "{v} already voted for {} in term {term}: one vote per term, first come, first served (Raft §5.2)",
            node_name(c)
        ),
        Refusal::StaleTerm => format!(
            "stale term: {v} is in term {term}, newer than the candidate's (Raft §5.1)"
        ),
        Refusal::Lease => match lease_until {
            Some(t) => format!(
                "{v} is bound by a lease until {}: no vote for anybody else before then (CheckQuorum lease, dissertation §4.2.3)",
                human_duration(t)
            ),
            None => format!(
                "{v} is bound by a lease to its goose (CheckQuorum lease, dissertation §4.2.3)"
            ),
        },
        Refusal::GooseAlive => format!(
            "{v} heard from a live goose less than an election timeout ago (PreVote, dissertation §9.6)"
        ),
        Refusal::LogBehind {
            theirs: (their_term, their_index),
            mine: (my_term, my_index),
        } => format!(
            "the candidate's log ends at term {their_term}, index {their_index}; {v}'s at term {my_term}, index {my_index}: {v} votes only for a log at least as up to date as its own (election restriction, Raft §5.4.1)"
        ),
    }
}

/// The reason for a ✖ (a denied vote or pre-vote) `m`, from the records of
/// the instant it was sent; `None` for other messages or if the records do
/// not say.
pub fn denial(m: &InFlight, records: &[Record], lease_until: Option<Time>) -> Option<String> {
    if !matches!(m.msg.kind(), Kind::VoteDenied | Kind::PrevoteDenied) {
        return None;
    }
    records.iter().find_map(|r| match r.event {
        Event::Node {
            node,
            term,
            note: Note::Refused { candidate, why, .. },
        } if r.t == m.sent && node == m.from && candidate == m.to => {
            Some(refusal(node, term, why, lease_until))
        }
        _ => None,
    })
}

/// What `id`'s last vote (or refusal) was and why, from `records` (oldest
/// first); `None` if they hold none.
pub fn last_vote(id: NodeId, records: &[Record], lease_until: Option<Time>) -> Option<String> {
    records.iter().rev().find_map(|r| match r.event {
        Event::Node {
            node,
            term,
            note: Note::Voted { candidate },
        } if node == id => Some(format!(
            "at {}, voted for {} in term {term}: its first request of that term, and no lease bound {} (Raft §5.2)",
            human_duration(r.t),
            node_name(candidate),
            node_name(id)
        )),
        Event::Node {
            node,
            term,
            note: Note::Refused { candidate, pre, why },
        } if node == id => Some(format!(
            "at {}, refused {} to {}: {}",
            human_duration(r.t),
            if pre { "a pre-vote" } else { "its vote" },
            node_name(candidate),
            refusal(id, term, why, lease_until)
        )),
        Event::Node {
            node,
            term,
            note: Note::Campaign { .. },
        } if node == id => Some(format!(
            "at {}, voted for itself in term {term}: a candidate always does (Raft §5.2)",
            human_duration(r.t)
        )),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::Options;
    use crate::sim::Cluster;

    fn run(seed: u64, options: Options) -> Simulation {
        let mut sim = Simulation::new(Cluster {
            nodes: 5,
            seed,
            options,
        });
        sim.set_recording(true);
        sim
    }

    #[test]
    fn a_goose_a_dead_node_and_a_bound_duck_cannot_be_timed_out() {
        let mut sim = run(1, Options::default());
        assert!(no_goose_to_kill(&sim).unwrap().contains("no goose"));
        assert_eq!(timeout_refused(&sim, 0), None, "a fresh duck can time out");
        sim.run_until(400_000);
        let goose = sim.goose().expect("a goose by 400ms");
        assert_eq!(no_goose_to_kill(&sim), None);
        assert!(timeout_refused(&sim, goose)
            .unwrap()
            .contains("no election timer"));
        let duck = (goose + 1) % 5;
        let why = timeout_refused(&sim, duck).expect("a follower under CheckQuorum is bound");
        assert!(why.contains("lease"), "{why}");
        assert!(why.contains(&format!("to {}", node_name(goose))), "{why}");
        assert!(why.contains("turn CheckQuorum off"), "{why}");
        sim.apply(&crate::sim::Action::Kill {
            node: duck,
            amnesia: false,
        })
        .unwrap();
        assert!(timeout_refused(&sim, duck).unwrap().contains("dead"));
    }

    /// The classic demo the inspector offers: CheckQuorum off, and once the
    /// lease ends a forced timeout makes a candidate that takes over.
    #[test]
    fn turning_check_quorum_off_lets_the_classic_demo_run() {
        let mut sim = run(1, Options::default());
        sim.run_until(400_000);
        let goose = sim.goose().unwrap();
        let duck = (goose + 1) % 5;
        assert!(timeout_refused(&sim, duck).is_some());
        sim.apply(&crate::sim::Action::Set(Options {
            check_quorum: false,
            ..Options::default()
        }))
        .unwrap();
        // Heartbeats already in flight still carry a lease request: their
        // promises end within two minimum timeouts.
        sim.run_until(400_000 + 2 * Options::default().election.min);
        assert_eq!(timeout_refused(&sim, duck), None, "the lease has ended");
        sim.apply(&crate::sim::Action::Timeout(duck)).unwrap();
        assert_eq!(sim.nodes()[duck as usize].role(), Role::Candidate);
        sim.run_until(sim.now() + 100_000);
        assert_eq!(sim.goose(), Some(duck), "the forced duck is the new goose");
    }

    /// A leader that lost its crown (CheckQuorum turned on, no promise held
    /// yet) still has no election timer: its Timeout stays refused.
    #[test]
    fn an_uncrowned_leader_cannot_be_timed_out() {
        let off = Options {
            check_quorum: false,
            ..Options::default()
        };
        let mut sim = run(1, off);
        sim.run_until(400_000);
        let leader = sim.goose().expect("a goose by 400ms");
        sim.apply(&crate::sim::Action::Set(Options::default()))
            .unwrap();
        assert_eq!(sim.nodes()[leader as usize].role(), Role::Uncrowned);
        let why = timeout_refused(&sim, leader).expect("a leader has no timer");
        assert!(why.contains("without its crown"), "{why}");
    }

    #[test]
    fn without_check_quorum_a_follower_can_be_timed_out() {
        let mut sim = run(
            1,
            Options {
                check_quorum: false,
                ..Options::default()
            },
        );
        sim.run_until(400_000);
        let goose = sim.goose().expect("a goose by 400ms");
        assert_eq!(timeout_refused(&sim, (goose + 1) % 5), None);
    }

    #[test]
    fn every_denial_has_a_reason_with_its_section() {
        // Five identical timers: every node votes for itself, every request
        // is refused because its voter already voted.
        let options = Options {
            election: crate::options::Span::new(150_000, 150_000),
            ..Options::default()
        };
        let mut sim = run(3, options);
        let mut records = Vec::new();
        let mut denials = Vec::new();
        while sim.now() < 170_000 && sim.step() {
            records.extend(sim.take_records());
            denials.extend(
                sim.in_flight()
                    .filter(|m| m.msg.kind() == Kind::VoteDenied)
                    .cloned(),
            );
        }
        denials.dedup_by_key(|m| m.id);
        assert!(!denials.is_empty());
        for m in &denials {
            let why = denial(m, &records, None).expect("a reason for every ✖");
            assert!(
                why.contains("already voted for") && why.contains("§5.2"),
                "{why}"
            );
            assert!(why.contains(&format!("already voted for {}", node_name(m.from))));
        }
        let last = last_vote(0, &records, None).unwrap();
        assert!(
            last.contains("refused its vote") || last.contains("voted for itself"),
            "{last}"
        );
    }

    /// §5.3: a request goes to the goose; with none it is refused, and the
    /// page's reason agrees with what the simulation does.
    #[test]
    fn a_request_without_a_goose_is_refused_and_the_reason_agrees_with_the_run() {
        use crate::sim::{Action, Outcome};
        let mut sim = run(1, Options::default());
        let why = request_refused(&sim).expect("no goose at the start");
        assert!(why.contains("no goose") && why.contains("§5.3"), "{why}");
        assert!(matches!(
            sim.apply(&Action::Request(1)),
            Ok(Outcome::Nothing(_))
        ));
        sim.run_until(400_000);
        let goose = sim.goose().expect("a goose by 400ms");
        assert_eq!(request_refused(&sim), None);
        let before = sim.nodes()[goose as usize].log().last_index();
        assert_eq!(sim.apply(&Action::Request(2)), Ok(Outcome::Done));
        assert_eq!(sim.nodes()[goose as usize].log().last_index(), before + 2);
        sim.apply(&Action::Kill {
            node: goose,
            amnesia: false,
        })
        .unwrap();
        assert!(request_refused(&sim).unwrap().contains("no goose"));
        assert!(matches!(
            sim.apply(&Action::Request(1)),
            Ok(Outcome::Nothing(_))
        ));
    }

    #[test]
    fn reasons_name_their_rules() {
        assert!(refusal(1, 4, Refusal::Lease, Some(900_229)).contains("until 900.229ms"));
        assert!(refusal(1, 4, Refusal::StaleTerm, None).contains("§5.1"));
        assert!(refusal(1, 4, Refusal::GooseAlive, None).contains("§9.6"));
        assert!(refusal(1, 4, Refusal::AlreadyVoted(0), None)
            .contains("already voted for n1 in term 4"));
    }
}
