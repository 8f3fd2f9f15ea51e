//! Conditions for `expect`, `run … until` and `run … always`: the assertions
//! of golden scenario files.
//!
//! A condition is `QUANTITY OP VALUE`, for example `goose = n3`,
//! `geese = 0`, `n2.role != goose`, `n4.term >= 3`, `violations = 0`,
//! `violations.election_safety > 0`, `stats.split_votes >= 1`, `t < 2s`.
//!
//! | quantity | value |
//! |---|---|
//! | `goose` | the single live goose, or `none` when there are 0 or several |
//! | `geese` | how many live geese |
//! | `nK.role` | `duck`, `precandidate`, `candidate`, `goose`, `uncrowned` or `dead` |
//! | `nK.term` | its term |
//! | `nK.voted_for`, `nK.leader` | a node or `none` |
//! | `nK.alive` | `true` or `false` |
//! | `max_term` | the highest term of any node |
//! | `violations`, `violations.<invariant>` | how many invariant violations |
//! | `stats.<counter>` | `elections_started`, `elections_won`, `prevotes_started`, `split_votes`, `messages_lost`, `messages.<kind>` |
//! | `t`, `stats.downtime` | a duration (`2s`) |
//! | `inflight`, `inflight.<kind>` | how many messages are in flight now (all, or of one kind: `vote_request`, `vote_granted`, …), optionally only those `to nK` and/or `from nK` |
//!
//! For example `expect inflight.vote_request >= 4` (the requests of an
//! election on their way) or `expect inflight.vote_granted to n2 >= 1` (a
//! ✔ flying back to n2): what the canvas shows as envelopes at that moment.
//! A message counts from the instant it is sent until it is delivered or
//! lost.
//!
//! Numbers and durations compare with `=`, `!=`, `<`, `<=`, `>`, `>=`;
//! names, roles and booleans with `=` and `!=`.

use std::fmt;

use crate::message::{node_name, Kind, NodeId};
use crate::sim::invariants::Invariant;
use crate::sim::Simulation;

use super::duration::parse_duration;
use super::names::parse_node;

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl Op {
    fn symbol(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
        }
    }
}

/// A node field that conditions can read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// `nK.role`
    Role,
    /// `nK.term`
    Term,
    /// `nK.voted_for`
    VotedFor,
    /// `nK.leader`
    Leader,
    /// `nK.alive`
    Alive,
    /// `nK.commit`: its commit index (§5.3)
    Commit,
    /// `nK.last_index`: the index of its last log entry
    LastIndex,
    /// `nK.last_term`: the term of its last log entry
    LastTerm,
    /// `nK.member`: whether nK is in the configuration in its own log
    /// (dissertation §4.1)
    Member,
    /// `nK.members`: how many nodes the configuration in nK's log holds
    Members,
}

/// A statistic that conditions can read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stat {
    /// `stats.elections_started`
    ElectionsStarted,
    /// `stats.elections_won`
    ElectionsWon,
    /// `stats.prevotes_started`
    PrevotesStarted,
    /// `stats.split_votes`
    SplitVotes,
    /// `stats.messages_lost`
    MessagesLost,
    /// `stats.messages.<kind>`
    Messages(Kind),
    /// `stats.downtime`
    Downtime,
}

/// What a condition reads from the simulation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quantity {
    /// `goose`
    Goose,
    /// `geese`
    Geese,
    /// `t`
    Time,
    /// `max_term`
    MaxTerm,
    /// `commit`: the highest commit index of any live node (§5.3)
    Commit,
    /// `nK.field`
    Node(NodeId, Field),
    /// `violations` or `violations.<invariant>`
    Violations(Option<Invariant>),
    /// `stats.<counter>`
    Stat(Stat),
    /// `inflight[.<kind>] [to nK] [from nK]`: messages on their way now.
    InFlight {
        /// Only messages of this kind (all kinds if `None`).
        kind: Option<Kind>,
        /// Only messages from this node.
        from: Option<NodeId>,
        /// Only messages to this node.
        to: Option<NodeId>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Type {
    Count,
    Duration,
    NodeOrNone,
    Role,
    Bool,
}

/// A value a quantity takes or is compared with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// A count or a duration in microseconds.
    Number(u64),
    /// A node or `none`.
    Node(Option<NodeId>),
    /// A role name, `dead` included.
    Role(String),
    /// `true` or `false`.
    Bool(bool),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Number(n) => write!(f, "{n}"),
            Value::Node(Some(n)) => write!(f, "{}", node_name(*n)),
            Value::Node(None) => write!(f, "none"),
            Value::Role(r) => write!(f, "{r}"),
            Value::Bool(b) => write!(f, "{b}"),
        }
    }
}

/// `QUANTITY OP VALUE`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Condition {
    /// What is read.
    pub quantity: Quantity,
    /// How it is compared.
    pub op: Op,
    /// With what.
    pub value: Value,
    text: String,
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Quantity {
    fn value_type(self) -> Type {
        match self {
            Quantity::Goose => Type::NodeOrNone,
            Quantity::Time | Quantity::Stat(Stat::Downtime) => Type::Duration,
            Quantity::Node(_, Field::Role) => Type::Role,
            Quantity::Node(_, Field::VotedFor | Field::Leader) => Type::NodeOrNone,
            Quantity::Node(_, Field::Alive | Field::Member) => Type::Bool,
            _ => Type::Count,
        }
    }

    /// Reads the quantity from the simulation now.
    pub fn read(self, sim: &Simulation) -> Value {
        let stats = sim.stats();
        match self {
            Quantity::Goose => Value::Node(sim.goose()),
            Quantity::Geese => Value::Number(sim.geese().len() as u64),
            Quantity::Time => Value::Number(sim.now()),
            Quantity::MaxTerm => {
                Value::Number(sim.nodes().iter().map(|n| n.term()).max().unwrap_or(0))
            }
            Quantity::Commit => Value::Number(
                sim.nodes()
                    .iter()
                    .filter(|n| sim.is_alive(n.id()))
                    .map(|n| n.commit())
                    .max()
                    .unwrap_or(0),
            ),
            Quantity::Node(id, field) => {
                let node = &sim.nodes()[id as usize];
                let alive = sim.is_alive(id);
                match field {
                    Field::Role if !alive => Value::Role("dead".into()),
                    Field::Role => Value::Role(node.role().name().into()),
                    Field::Term => Value::Number(node.term()),
                    Field::VotedFor => Value::Node(node.voted_for()),
                    Field::Leader => Value::Node(node.leader().filter(|_| alive)),
                    Field::Alive => Value::Bool(alive),
                    Field::Commit => Value::Number(node.commit()),
                    Field::LastIndex => Value::Number(node.log().last_index()),
                    Field::LastTerm => Value::Number(node.log().last_term()),
                    Field::Member => Value::Bool(node.members().contains(id)),
                    Field::Members => Value::Number(node.members().len() as u64),
                }
            }
            Quantity::Violations(None) => Value::Number(sim.violation_count()),
            // Counted over every violation, not just the ones kept in full,
            // so that the parts add up to `violations`.
            Quantity::Violations(Some(kind)) => Value::Number(sim.violation_count_of(kind)),
            Quantity::Stat(stat) => Value::Number(match stat {
                Stat::ElectionsStarted => stats.elections_started,
                Stat::ElectionsWon => stats.elections_won,
                Stat::PrevotesStarted => stats.prevotes_started,
                Stat::SplitVotes => stats.split_votes,
                Stat::MessagesLost => stats.lost,
                Stat::Messages(kind) => stats.sent_of(kind),
                Stat::Downtime => stats.downtime(sim.now()),
            }),
            Quantity::InFlight { kind, from, to } => Value::Number(
                sim.in_flight()
                    .filter(|m| {
                        kind.is_none_or(|k| m.msg.kind() == k)
                            && from.is_none_or(|f| m.from == f)
                            && to.is_none_or(|t| m.to == t)
                    })
                    .count() as u64,
            ),
        }
    }
}

impl Condition {
    /// Whether the condition holds now; if not, the value it found.
    /// Whether the node the condition reads exists in `sim`: a script may
    /// name a node an earlier `add` was to create, and the goose may have
    /// refused that. (Messages to or from it, or a comparison with it, are
    /// simply not found.)
    pub fn exists_in(&self, sim: &Simulation) -> Result<(), String> {
        match self.quantity {
            Quantity::Node(id, _) => sim.check_node(id),
            _ => Ok(()),
        }
    }

    /// Whether the condition holds in `sim`; if not, what was found (see
    /// [`Condition::exists_in`] first).
    pub fn check(&self, sim: &Simulation) -> Result<(), Value> {
        self.check_value(self.quantity.read(sim))
    }

    /// Whether the condition holds for `actual`, the quantity as read from
    /// some world (the simulation, or a real cluster); if not, `actual`.
    pub fn check_value(&self, actual: Value) -> Result<(), Value> {
        let holds = match (&actual, &self.value) {
            (Value::Number(a), Value::Number(b)) => match self.op {
                Op::Eq => a == b,
                Op::Ne => a != b,
                Op::Lt => a < b,
                Op::Le => a <= b,
                Op::Gt => a > b,
                Op::Ge => a >= b,
            },
            (a, b) => (a == b) == (self.op == Op::Eq),
        };
        if holds {
            Ok(())
        } else {
            Err(actual)
        }
    }
}

const QUANTITIES: &str = "goose, geese, t, max_term, commit, nK.role, nK.term, nK.voted_for, \
                          nK.leader, nK.alive, nK.commit, nK.last_index, nK.last_term, nK.member, nK.members, \
                          violations, \
                          violations.<invariant>, stats.<counter>, inflight[.<kind>] [to nK] [from nK]";

/// `inflight[.<kind>] [to nK] [from nK]`, or `None` if `text` is not about
/// messages in flight.
fn parse_in_flight(text: &str, size: u32) -> Option<Result<Quantity, String>> {
    let mut words = text.split_whitespace();
    let head = words.next()?;
    let kind = match head.strip_prefix("inflight") {
        Some("") => None,
        Some(rest) => {
            let name = rest.strip_prefix('.').unwrap_or(rest);
            match Kind::ALL.into_iter().find(|k| k.name() == name) {
                Some(k) => Some(k),
                None => {
                    // Strings, not `&str`: one `join` in the page's wasm.
                    let kinds: Vec<String> = Kind::ALL.iter().map(|k| k.name().into()).collect();
                    return Some(Err(format!(
                        "`{name}` is not a message kind: use {}",
                        kinds.join(", ")
                    )));
                }
            }
        }
        None => return None,
    };
    let (mut from, mut to) = (None, None);
    while let Some(word) = words.next() {
        let slot = match word {
            "to" => &mut to,
            "from" => &mut from,
            _ => {
                return Some(Err(format!(
                    "`{word}` in `{text}`: write `to nK` or `from nK`"
                )))
            }
        };
        let Some(node) = words.next() else {
            return Some(Err(format!(
                "`{text}`: `{word}` needs a node, like `{word} n2`"
            )));
        };
        match parse_node(node, size) {
            Ok(id) if slot.is_none() => *slot = Some(id),
            Ok(_) => return Some(Err(format!("`{text}`: `{word}` is given twice"))),
            Err(e) => return Some(Err(e)),
        }
    }
    Some(Ok(Quantity::InFlight { kind, from, to }))
}

fn parse_quantity(text: &str, size: u32) -> Result<Quantity, String> {
    if let Some(quantity) = parse_in_flight(text, size) {
        return quantity;
    }
    let unknown = || format!("`{text}` is not something expect can read: use {QUANTITIES}");
    Ok(match text {
        "goose" => Quantity::Goose,
        "geese" => Quantity::Geese,
        "t" => Quantity::Time,
        "max_term" => Quantity::MaxTerm,
        "commit" => Quantity::Commit,
        "violations" => Quantity::Violations(None),
        _ => {
            if let Some(name) = text.strip_prefix("violations.") {
                let kind = Invariant::ALL
                    .into_iter()
                    .find(|i| i.name() == name)
                    .ok_or_else(|| {
                        format!(
                            "`{name}` is not an invariant: use election_safety, one_vote_per_term, \
                             terms_never_decrease, one_goose_at_a_time, promises_kept, \
                             log_matching, leader_completeness, state_machine_safety or \
                             one_change_at_a_time"
                        )
                    })?;
                Quantity::Violations(Some(kind))
            } else if let Some(name) = text.strip_prefix("stats.") {
                Quantity::Stat(match name {
                    "elections_started" => Stat::ElectionsStarted,
                    "elections_won" => Stat::ElectionsWon,
                    "prevotes_started" => Stat::PrevotesStarted,
                    "split_votes" => Stat::SplitVotes,
                    "messages_lost" => Stat::MessagesLost,
                    "downtime" => Stat::Downtime,
                    _ => {
                        let kind = name
                            .strip_prefix("messages.")
                            .and_then(|k| Kind::ALL.into_iter().find(|kind| kind.name() == k))
                            .ok_or_else(unknown)?;
                        Stat::Messages(kind)
                    }
                })
            } else if let Some((node, field)) = text.split_once('.') {
                let node = parse_node(node, size)?;
                let field = match field {
                    "role" => Field::Role,
                    "term" => Field::Term,
                    "voted_for" => Field::VotedFor,
                    "leader" => Field::Leader,
                    "alive" => Field::Alive,
                    "commit" => Field::Commit,
                    "last_index" => Field::LastIndex,
                    "last_term" => Field::LastTerm,
                    "member" => Field::Member,
                    "members" => Field::Members,
                    _ => {
                        return Err(format!(
                        "`{field}` is not a node field: use role, term, voted_for, leader, alive, \
                         commit, last_index, last_term, member or members"
                    ))
                    }
                };
                Quantity::Node(node, field)
            } else {
                return Err(unknown());
            }
        }
    })
}

fn parse_value(text: &str, kind: Type, size: u32) -> Result<Value, String> {
    match kind {
        Type::Count => text
            .parse::<u64>()
            .map(Value::Number)
            .map_err(|_| format!("`{text}` is not a whole number")),
        Type::Duration => parse_duration(text).map(Value::Number),
        Type::NodeOrNone if text == "none" => Ok(Value::Node(None)),
        Type::NodeOrNone => parse_node(text, size).map(|n| Value::Node(Some(n))),
        Type::Role => match text {
            "duck" | "precandidate" | "candidate" | "goose" | "uncrowned" | "dead" => {
                Ok(Value::Role(text.into()))
            }
            _ => Err(format!(
                "`{text}` is not a role: use duck, precandidate, candidate, goose, uncrowned or dead"
            )),
        },
        Type::Bool => match text {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(format!("`{text}` is not true or false")),
        },
    }
}

/// Parses `QUANTITY OP VALUE` in a cluster of `size` nodes.
pub fn parse_condition(text: &str, size: u32) -> Result<Condition, String> {
    let text = text.trim();
    let at = text.find(['=', '!', '<', '>']).ok_or_else(|| {
        format!("`{text}` is not a condition: write it like `goose = n1` or `geese >= 1`")
    })?;
    let (left, rest) = text.split_at(at);
    let (op, right) = [
        ("!=", Op::Ne),
        ("<=", Op::Le),
        (">=", Op::Ge),
        ("=", Op::Eq),
        ("<", Op::Lt),
        (">", Op::Gt),
    ]
    .into_iter()
    .find_map(|(symbol, op)| rest.strip_prefix(symbol).map(|r| (op, r)))
    .ok_or_else(|| format!("`{rest}` does not start with an operator: use = != < <= > >="))?;
    let (left, right) = (left.trim(), right.trim());
    if left.is_empty() || right.is_empty() || right.contains(char::is_whitespace) {
        return Err(format!(
            "`{text}` is not a condition: write it like `goose = n1`"
        ));
    }
    let quantity = parse_quantity(left, size)?;
    let kind = quantity.value_type();
    if !matches!(kind, Type::Count | Type::Duration) && !matches!(op, Op::Eq | Op::Ne) {
        return Err(format!(
            "`{left}` can only be compared with = or !=, not {}",
            op.symbol()
        ));
    }
    let value = parse_value(right, kind, size)?;
    Ok(Condition {
        quantity,
        op,
        value,
        text: format!("{left} {} {right}", op.symbol()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_parse_with_or_without_spaces() {
        let c = parse_condition("goose=n3", 5).unwrap();
        assert_eq!(
            (c.quantity, c.op, &c.value),
            (Quantity::Goose, Op::Eq, &Value::Node(Some(2)))
        );
        assert_eq!(c.to_string(), "goose = n3");
        let c = parse_condition("n4.term >= 3", 5).unwrap();
        assert_eq!(c.quantity, Quantity::Node(3, Field::Term));
        let c = parse_condition("t < 1.5s", 5).unwrap();
        assert_eq!(c.value, Value::Number(1_500_000));
        let c = parse_condition("stats.messages.vote_granted > 0", 5).unwrap();
        assert_eq!(
            c.quantity,
            Quantity::Stat(Stat::Messages(Kind::VoteGranted))
        );
    }

    #[test]
    fn in_flight_conditions_parse_kind_and_endpoints() {
        let c = parse_condition("inflight.vote_request >= 4", 5).unwrap();
        assert_eq!(
            c.quantity,
            Quantity::InFlight {
                kind: Some(Kind::VoteRequest),
                from: None,
                to: None
            }
        );
        let c = parse_condition("inflight.vote_granted to n2 from n4 >= 1", 5).unwrap();
        assert_eq!(
            c.quantity,
            Quantity::InFlight {
                kind: Some(Kind::VoteGranted),
                from: Some(3),
                to: Some(1)
            }
        );
        assert_eq!(c.to_string(), "inflight.vote_granted to n2 from n4 >= 1");
        let c = parse_condition("inflight=0", 5).unwrap();
        assert_eq!(
            c.quantity,
            Quantity::InFlight {
                kind: None,
                from: None,
                to: None
            }
        );
    }

    #[test]
    fn in_flight_counts_what_is_on_its_way_by_kind_and_endpoint() {
        use crate::options::Options;
        use crate::sim::Cluster;
        let mut sim = Simulation::new(Cluster {
            nodes: 5,
            seed: 1,
            options: Options::default(),
        });
        let holds = |sim: &Simulation, text: &str| parse_condition(text, 5).unwrap().check(sim);
        assert_eq!(holds(&sim, "inflight = 0"), Ok(()));
        // The first candidate sends a request to each of the other four.
        let candidate = loop {
            if let Some(n) = sim
                .nodes()
                .iter()
                .position(|n| n.role().name() == "candidate")
            {
                break node_name(n as NodeId);
            }
            assert!(sim.step(), "nobody campaigned");
        };
        assert_eq!(holds(&sim, "inflight.vote_request = 4"), Ok(()));
        assert_eq!(
            holds(&sim, &format!("inflight.vote_request from {candidate} = 4")),
            Ok(())
        );
        assert_eq!(
            holds(&sim, &format!("inflight.vote_request to {candidate} = 0")),
            Ok(())
        );
        assert_eq!(
            holds(&sim, "inflight.vote_granted >= 1"),
            Err(Value::Number(0))
        );
        // The first ✔ flies back to the candidate, and to nobody else.
        while sim.stats().sent_of(Kind::VoteGranted) == 0 {
            assert!(sim.step(), "nobody voted");
        }
        assert_eq!(
            holds(&sim, &format!("inflight.vote_granted to {candidate} = 1")),
            Ok(())
        );
        assert_eq!(holds(&sim, "inflight.vote_granted = 1"), Ok(()));
    }

    #[test]
    fn nonsense_conditions_are_refused() {
        for (text, why) in [
            ("goose", "not a condition"),
            ("goose > n1", "only be compared with = or !="),
            ("n9.role = duck", "does not exist"),
            ("n1.colour = red", "not a node field"),
            ("n1.role = swan", "not a role"),
            ("geese = many", "not a whole number"),
            ("weather = fine", "not something expect can read"),
            ("violations.bad = 0", "not an invariant"),
            ("t > 5", "no unit"),
            ("geese = 1 2", "not a condition"),
            ("inflight.love_letter >= 1", "not a message kind"),
            ("inflight.vote_granted to >= 1", "needs a node"),
            (
                "inflight.vote_granted via n2 >= 1",
                "write `to nK` or `from nK`",
            ),
            ("inflight to n1 to n2 = 0", "given twice"),
            ("inflight to n9 = 0", "does not exist"),
            ("inflight = none", "not a whole number"),
        ] {
            let err = parse_condition(text, 5).unwrap_err();
            assert!(err.contains(why), "{text}: {err}");
        }
    }
}
