//! What happened in a run, one [`Record`] per happening: sends, deliveries,
//! losses, what nodes did, faults and invariant violations.
//!
//! Records are made only when the simulation is asked to record them (the
//! trace of `ddg run --trace`, the page's event log, the determinism tests).
//! Each record has two faces: [`Record::trace_line`], exact and complete, for
//! engineers, and [`Record::story`], a plain sentence for the important ones,
//! for the classroom.

use std::fmt::Write as _;

use crate::config::Change;
use crate::message::{node_name, Kind, NodeId, Term};
use crate::node::{Cause, Note, Refusal, Role, StepDown};
use crate::options::{human_duration, Options, Time};

use super::invariants::Violation;
use super::network::{InFlight, LossCause, MessageId};

/// A change made from outside: by a person, a script or the chaos driver.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// A node crashed (with `amnesia`, it also lost its disk).
    Killed {
        /// The node.
        node: NodeId,
        /// Whether its persistent state was lost too.
        amnesia: bool,
    },
    /// A dead node came back, as a duck.
    Revived {
        /// The node.
        node: NodeId,
    },
    /// A node's election timer was made to fire now.
    TimeoutForced {
        /// The node.
        node: NodeId,
    },
    /// A node's links were all cut.
    Isolated {
        /// The node.
        node: NodeId,
    },
    /// An isolated node's links were restored.
    Reconnected {
        /// The node.
        node: NodeId,
    },
    /// The cluster was split into these groups (the last one holds the
    /// nodes that were not named).
    Partitioned {
        /// The groups, each a list of nodes.
        groups: Vec<Vec<NodeId>>,
    },
    /// A link was cut one way (`to` stopped hearing `from`), or restored.
    Cut {
        /// The sender.
        from: NodeId,
        /// The receiver.
        to: NodeId,
        /// Cut (`true`) or restored (`false`).
        cut: bool,
    },
    /// Every partition, isolation and one-way cut was removed.
    Healed,
    /// A new node hatched: a fresh node with an empty log, outside every
    /// configuration until the goose adds it (dissertation §4.2.1).
    Hatched {
        /// The new node.
        node: NodeId,
    },
    /// The goose was asked for a membership change and took it (§4.1).
    ChangeAsked {
        /// The goose.
        goose: NodeId,
        /// The change.
        change: Change,
    },
    /// Client requests reached the goose, which appended them (§5.3).
    Requested {
        /// The goose.
        goose: NodeId,
        /// How many.
        count: u32,
        /// The index of the last one in the goose's log.
        last: u64,
    },
    /// The options changed.
    OptionsSet {
        /// The new options.
        options: Options,
    },
    /// A message in flight was dropped by hand.
    MessageDropped {
        /// Its number.
        id: MessageId,
    },
}

/// One happening.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A message left its sender; its fate is already decided.
    Sent(InFlight),
    /// A message arrived.
    Delivered {
        /// Its number.
        id: MessageId,
        /// Sender.
        from: NodeId,
        /// Receiver.
        to: NodeId,
        /// Kind.
        kind: Kind,
        /// The term it carried.
        term: Term,
    },
    /// A message vanished.
    Lost {
        /// Its number.
        id: MessageId,
        /// Sender.
        from: NodeId,
        /// Receiver.
        to: NodeId,
        /// Kind.
        kind: Kind,
        /// Why.
        cause: LossCause,
    },
    /// A node did something.
    Node {
        /// The node.
        node: NodeId,
        /// Its term after doing it.
        term: Term,
        /// What it did.
        note: Note,
    },
    /// A change from outside.
    Fault(Fault),
    /// An invariant broke.
    Violation(Violation),
}

/// An event and when it happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// Simulated time.
    pub t: Time,
    /// What happened.
    pub event: Event,
}

fn names(nodes: &[NodeId]) -> String {
    nodes
        .iter()
        .map(|&n| node_name(n))
        .collect::<Vec<_>>()
        .join(",")
}

fn refusal(why: Refusal, candidate: NodeId) -> String {
    match why {
        Refusal::LogBehind {
            theirs: (their_term, their_index),
            mine: (my_term, my_index),
        } => format!(
            "{}'s log ends at term {their_term}, index {their_index}; \
             mine at term {my_term}, index {my_index}: not up to date (§5.4.1)",
            node_name(candidate)
        ),
        Refusal::StaleTerm => "its term is newer".into(),
        Refusal::AlreadyVoted(v) => format!("already voted for {}", node_name(v)),
        Refusal::Lease => "bound by a lease (CheckQuorum)".into(),
        Refusal::GooseAlive => "it hears a live goose".into(),
    }
}

fn step_down(why: StepDown, term: Term) -> String {
    match why {
        StepDown::HigherTerm { from, term } => {
            format!("term {term} seen from {}", node_name(from))
        }
        StepDown::GooseHeard { goose } => format!("{} is goose of term {term}", node_name(goose)),
        StepDown::LostQuorum => {
            "no word from a majority for an election timeout (CheckQuorum)".into()
        }
        StepDown::Removed => "its own removal committed (§4.2.2)".into(),
    }
}

/// A time to the microsecond, in milliseconds: `1203.456ms`.
pub fn exact_ms(t: Time) -> String {
    format!("{}.{:03}ms", t / 1000, t % 1000)
}

impl Record {
    /// One exact line for the trace: time, who, what.
    pub fn trace_line(&self) -> String {
        let mut line = format!("{:>14}  ", exact_ms(self.t));
        let _ = match &self.event {
            Event::Sent(m) => {
                let fate = match m.lost {
                    None => format!("arrives {}", exact_ms(m.arrives)),
                    Some((at, cause)) => {
                        format!(
                            "will vanish at {}: {}",
                            human_duration(at),
                            cause.describe()
                        )
                    }
                };
                write!(
                    line,
                    "{} -> {}  {} t{}  m{} ({fate})",
                    node_name(m.from),
                    node_name(m.to),
                    m.msg.kind().label(),
                    m.msg.term,
                    m.id
                )
            }
            Event::Delivered {
                id,
                from,
                to,
                kind,
                term,
            } => write!(
                line,
                "{} <- {}  {} t{term}  m{id}",
                node_name(*to),
                node_name(*from),
                kind.label()
            ),
            Event::Lost {
                id,
                from,
                to,
                kind,
                cause,
            } => write!(
                line,
                "{} -x {}  {}  m{id} lost: {}",
                node_name(*from),
                node_name(*to),
                kind.label(),
                cause.describe()
            ),
            Event::Node { node, term, note } => {
                write!(
                    line,
                    "{}  {}",
                    node_name(*node),
                    note_text(*note, *term, true)
                )
            }
            Event::Fault(f) => write!(line, "** {}", fault_text(f)),
            Event::Violation(v) => write!(line, "!! {v}"),
        };
        line
    }

    /// A plain sentence for the event log, for the events a class follows;
    /// `None` for the traffic and the small print.
    pub fn story(&self) -> Option<String> {
        match &self.event {
            Event::Node { node, term, note } => match note {
                Note::Voted { .. } | Note::Refused { .. } | Note::TermAdopted { .. } => None,
                _ => Some(format!(
                    "{} {}",
                    node_name(*node),
                    note_text(*note, *term, false)
                )),
            },
            Event::Fault(f) => Some(fault_text(f)),
            Event::Violation(v) => Some(format!("Invariant violated: {}", v.detail)),
            Event::Lost {
                cause: LossCause::Dropped,
                ..
            } => None,
            _ => None,
        }
    }
}

/// What a node's note says in plain language, for a node now in `term`
/// (`exact`: the terse form of the trace). Real nodes' `/events` use it too.
pub fn note_text(note: Note, term: Term, exact: bool) -> String {
    match note {
        Note::SteppedDown { was, why } => match was {
            Role::Goose | Role::Uncrowned => format!("stepped down: {}", step_down(why, term)),
            Role::Candidate | Role::PreCandidate if !exact => {
                format!("gave up its candidacy: {}", step_down(why, term))
            }
            _ => format!("{} -> duck: {}", was.name(), step_down(why, term)),
        },
        Note::TermAdopted { from } => format!("adopted term {term} from {}", node_name(from)),
        Note::PreCampaign { proposed } => {
            format!("timed out and asked for pre-votes for term {proposed}")
        }
        Note::Campaign {
            term,
            why: Cause::Timeout,
        } => format!("timed out and became a candidate for term {term}"),
        Note::Campaign {
            term,
            why: Cause::PreVote,
        } => format!("won its pre-vote and became a candidate for term {term}"),
        Note::Campaign {
            term,
            why: Cause::Deposed,
        } => format!("held a majority's leases, so it ran at once for term {term}"),
        Note::Won { votes } if exact => format!("won term {term} with {votes} votes: goose"),
        Note::Won { votes } => format!("won with {votes} votes and is the goose of term {term}"),
        Note::Voted { candidate } => format!("voted for {} in term {term}", node_name(candidate)),
        Note::Refused {
            candidate,
            pre,
            why,
        } => format!(
            "refused {} to {}: {}",
            if pre { "a pre-vote" } else { "its vote" },
            node_name(candidate),
            refusal(why, candidate)
        ),
        Note::Truncated { from, dropped } => format!(
            "dropped {dropped} entr{} from index {from}: they disagreed with the goose's log (§5.3)",
            if dropped == 1 { "y" } else { "ies" }
        ),
        Note::LogFull => format!(
            "could not append its no-op: the log is full ({} entries)",
            crate::log::LOG_CAP
        ),
        Note::LostCrown if exact => {
            "lost its crown: no majority's lease holds (CheckQuorum); still leader".into()
        }
        Note::LostCrown => format!(
            "lost its crown: no majority's lease holds, so it leads term {term} without claiming to be goose"
        ),
        Note::Crowned { until: Time::MAX } => "is goose again: CheckQuorum is off".into(),
        Note::Crowned { until } if exact => {
            format!("crowned again: a majority's leases hold until {}", exact_ms(until))
        }
        Note::Crowned { until } => format!(
            "heard from a majority and is goose again (leases hold until {})",
            human_duration(until)
        ),
        Note::CatchingUp { node } => format!(
            "began catching {} up as a non-voter before it joins (§4.2.1)",
            node_name(node)
        ),
        Note::Changed { change, index } => format!(
            "appended `{change}` at index {index}: in effect at once (§4.1)"
        ),
        Note::CatchUpFailed { node } => format!(
            "gave up adding {}: it did not catch up (§4.2.1)",
            node_name(node)
        ),
        Note::TimeoutInLease { lease_until } => format!(
            "timed out but promised a lease until {}: stays a duck",
            human_duration(lease_until)
        ),
    }
}

fn fault_text(f: &Fault) -> String {
    match f {
        Fault::Killed {
            node,
            amnesia: false,
        } => format!("{} was killed", node_name(*node)),
        Fault::Killed {
            node,
            amnesia: true,
        } => format!("{} was killed and lost its disk", node_name(*node)),
        Fault::Revived { node } => format!("{} came back as a duck", node_name(*node)),
        Fault::TimeoutForced { node } => {
            format!("{}'s election timer was forced", node_name(*node))
        }
        Fault::Isolated { node } => format!("{} was cut off from the network", node_name(*node)),
        Fault::Reconnected { node } => format!("{} was reconnected", node_name(*node)),
        Fault::Partitioned { groups } => format!(
            "the network was split: {}",
            groups
                .iter()
                .map(|g| names(g))
                .collect::<Vec<_>>()
                .join(" | ")
        ),
        Fault::Cut { from, to, cut } => format!(
            "{} was {}",
            super::link(*from, *to),
            if *cut { "cut one way" } else { "restored" }
        ),
        Fault::Healed => "the network healed".into(),
        Fault::Hatched { node } => format!(
            "{} hatched: a new node with an empty log, not yet a member",
            node_name(*node)
        ),
        Fault::ChangeAsked {
            goose,
            change: Change::Add(node),
        } => format!(
            "{} was asked to add {}: it catches it up first (§4.2.1)",
            node_name(*goose),
            node_name(*node)
        ),
        Fault::ChangeAsked {
            goose,
            change: Change::Remove(node),
        } => format!(
            "{} was asked to remove {} (§4.2.2)",
            node_name(*goose),
            node_name(*node)
        ),
        Fault::Requested { goose, count, last } => format!(
            "{count} client request{} reached {}, which appended {} at index {}",
            if *count == 1 { "" } else { "s" },
            node_name(*goose),
            if *count == 1 { "it" } else { "them" },
            if *count == 1 {
                last.to_string()
            } else {
                format!("{}..{last}", last + 1 - *count as u64)
            }
        ),
        Fault::OptionsSet { options } => format!("settings changed: {options}"),
        Fault::MessageDropped { id } => format!("message m{id} was dropped by hand"),
    }
}
