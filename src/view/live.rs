//! Live mode: the page watching a cluster of real nodes (`ddg cluster up`)
//! instead of a simulation. Everything here is pure: it takes the lines the
//! nodes' `/events?messages=1` streams carry, and the page's clock as an
//! argument, and never touches a browser.
//!
//! - **One clock.** Every line carries `mono_us`, the host's monotonic clock
//!   (one kernel, one clock), so the streams of all nodes merge on one time
//!   axis: `t = mono_us − the first mono_us seen`.
//! - **The recording.** Every state change, note and message is kept in time
//!   order ([`Live::nodes_at`], [`Live::flights_at`]), so the timeline can go
//!   back over what really happened.
//! - **Messages, slowed for display.** A UDP datagram on loopback flies for a
//!   few dozen microseconds. Each is shown leaving at its real send time and
//!   flying for at least [`SHOWN_FLIGHT`], so that a class can see votes fly.
//! - **Unreachable is not dead.** A node whose stream broke, or that said
//!   nothing for [`SILENCE`] (a paused process says nothing; a live node hears
//!   heartbeats or campaigns every few hundred milliseconds), is
//!   *unreachable*: the page keeps its last known state and marks it. Only the
//!   supervisor's word (a kill the page asked for, or `/cluster/status`
//!   saying so) makes it *dead*.
//! - **The invariant checker** is the simulator's own
//!   ([`crate::sim::invariants::Checker`]): it observes every node's reported
//!   state in time order. It runs [`SILENCE`] plus a margin behind the
//!   stream, because a node found unreachable is taken out of the checker's
//!   view at its last word, which by then lies that far back. A node out of
//!   view claims nothing: a paused goose's lease runs out while it is paused
//!   (see [`crate::node`]), so it cannot be goose when it wakes.

use crate::message::{node_name, Body, Kind, Message, NodeId, Term};
use crate::node::Role;
use crate::options::{Micros, Time, MS, SECOND};
use crate::sim::invariants::{Checker, Violation};
use crate::view::timeline::{Marker, MarkerKind};

/// A node that says nothing for this long is unreachable.
pub const SILENCE: Micros = 2 * SECOND;

/// The shortest time a message is shown flying.
pub const SHOWN_FLIGHT: Micros = 250 * MS;

/// A message still not received this long after it was sent was lost.
pub const LOST_AFTER: Micros = SECOND;

/// The most messages recorded; beyond, the oldest half is forgotten.
pub const MAX_FLIGHTS: usize = 200_000;

/// The most nodes a live cluster may have (as `ddg cluster up`).
pub const MAX_NODES: usize = 101;

/// How far behind the stream the checker runs (see the module doc).
pub const CHECK_LAG: Micros = SILENCE + 500 * MS;

/// Whether a URL fragment asks for Live mode (`#live`): the page, served by
/// `ddg cluster up`, watches that cluster through the supervisor's routes.
pub fn wants_live(hash: &str) -> bool {
    hash == "#live"
}

/// The roles in the order the compact stream numbers them.
pub const ROLES: [Role; 5] = [
    Role::Duck,
    Role::PreCandidate,
    Role::Candidate,
    Role::Goose,
    Role::Uncrowned,
];

/// What one line of the stream says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Said {
    /// The node's state (from a `hello`, `state`, `lease` or `note` line;
    /// a note carries its plain-language text).
    State {
        /// Its role.
        role: Role,
        /// Its term.
        term: Term,
        /// Whom it voted for in that term, when the line says.
        voted_for: Option<NodeId>,
        /// The goose it knows.
        leader: Option<NodeId>,
        /// A note's plain-language text.
        note: Option<String>,
    },
    /// A message sent or received.
    Message {
        /// The sender.
        from: NodeId,
        /// The receiver.
        to: NodeId,
        /// What kind.
        kind: Kind,
        /// Its term.
        term: Term,
        /// Sent (or else received).
        send: bool,
        /// The fault layer dropped it.
        dropped: bool,
    },
}

/// One parsed line: who said it, when (host monotonic µs), and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// The node whose stream carried it.
    pub node: NodeId,
    /// Host monotonic µs.
    pub mono_us: u64,
    /// What it says.
    pub said: Said,
}

/// Writes a line in the compact form the supervisor relays to the page
/// (`/cluster/events`), which keeps the page's parser, and so its wasm,
/// small. Nodes are numbered from 0, `-` is none, roles and kinds are
/// indices in [`ROLES`] and [`Kind::ALL`]:
///
/// - `s MONO NODE ROLE TERM VOTED LEADER [NOTE TEXT…]`
/// - `m MONO FROM TO KIND TERM SEND DROPPED` (`SEND`, `DROPPED`: 1 or 0)
pub fn compact(line: &Line) -> String {
    let opt = |n: Option<NodeId>| n.map_or("-".to_string(), |n| n.to_string());
    match &line.said {
        Said::State {
            role,
            term,
            voted_for,
            leader,
            note,
        } => {
            let role = ROLES.iter().position(|r| r == role).unwrap_or(0);
            let mut out = format!(
                "s {} {} {role} {term} {} {}",
                line.mono_us,
                line.node,
                opt(*voted_for),
                opt(*leader)
            );
            if let Some(text) = note {
                out.push(' ');
                // One line per event: a note never spans lines.
                out.push_str(&text.replace(['\r', '\n'], " "));
            }
            out
        }
        Said::Message {
            from,
            to,
            kind,
            term,
            send,
            dropped,
        } => format!(
            "m {} {from} {to} {} {term} {} {}",
            line.mono_us,
            kind.index(),
            u8::from(*send),
            u8::from(*dropped)
        ),
    }
}

/// Reads a compact line (see [`compact`]) of a cluster of `size` nodes;
/// `None` if it is not one.
pub fn parse_line(text: &str, size: u32) -> Option<Line> {
    let w: Vec<&str> = text.splitn(8, ' ').collect();
    let num = |i: usize| w.get(i)?.parse::<u64>().ok();
    let node = |i: usize| num(i).filter(|&n| n < u64::from(size)).map(|n| n as NodeId);
    let opt = |i: usize| match w.get(i) {
        Some(&"-") => Some(None),
        _ => node(i).map(Some),
    };
    let (who, said) = match w[0] {
        "s" => (
            node(2)?,
            Said::State {
                role: *ROLES.get(num(3)? as usize)?,
                term: num(4)?,
                voted_for: opt(5)?,
                leader: opt(6)?,
                note: w.get(7).map(|t| t.to_string()),
            },
        ),
        "m" => {
            let send = num(6)? == 1;
            let (from, to) = (node(2)?, node(3)?);
            let said = Said::Message {
                from,
                to,
                kind: *Kind::ALL.get(num(4)? as usize)?,
                term: num(5)?,
                send,
                dropped: num(7)? == 1,
            };
            (if send { from } else { to }, said)
        }
        _ => return None,
    };
    Some(Line {
        node: who,
        mono_us: num(1)?,
        said,
    })
}

/// Whether a node answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach {
    /// Its stream is open and it speaks.
    Up,
    /// Its stream broke, or it fell silent: state unknown.
    Unreachable,
    /// The supervisor says its process is not running.
    Dead,
}

/// A recorded change of one node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// Its reported state.
    State {
        /// Its role.
        role: Role,
        /// Its term.
        term: Term,
        /// Its vote in that term.
        voted_for: Option<NodeId>,
        /// The goose it knows.
        leader: Option<NodeId>,
    },
    /// It became reachable, unreachable or dead.
    Reach(Reach),
    /// A plain-language note it wrote.
    Note(String),
}

/// One recorded change, at a time on the merged clock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// When (µs since the recording began).
    pub t: Time,
    /// Which node.
    pub node: NodeId,
    /// What changed.
    pub change: Change,
}

/// A node as shown at one moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shown {
    /// Its role as last reported.
    pub role: Role,
    /// Its term as last reported.
    pub term: Term,
    /// Its vote as last reported.
    pub voted_for: Option<NodeId>,
    /// The goose it knew.
    pub leader: Option<NodeId>,
    /// Whether it answers.
    pub reach: Reach,
}

impl Default for Shown {
    fn default() -> Shown {
        Shown {
            role: Role::Duck,
            term: 0,
            voted_for: None,
            leader: None,
            reach: Reach::Unreachable,
        }
    }
}

/// One recorded message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flight {
    /// The sender.
    pub from: NodeId,
    /// The receiver.
    pub to: NodeId,
    /// What kind.
    pub kind: Kind,
    /// Its term.
    pub term: Term,
    /// When it was sent.
    pub sent: Time,
    /// When it was received, once it was.
    pub arrived: Option<Time>,
    /// The fault layer dropped it.
    pub dropped: bool,
}

impl Flight {
    /// The message itself, for drawing (its kind and term; the rest unknown).
    pub fn message(&self) -> Message {
        let body = match self.kind {
            Kind::VoteRequest => Body::VoteRequest {
                lease: None,
                last_index: 0,
                last_term: 0,
            },
            Kind::VoteGranted | Kind::VoteDenied => Body::VoteReply {
                granted: self.kind == Kind::VoteGranted,
                lease_floor: None,
            },
            Kind::PrevoteRequest => Body::PreVoteRequest {
                last_index: 0,
                last_term: 0,
            },
            Kind::PrevoteGranted | Kind::PrevoteDenied => Body::PreVoteReply {
                granted: self.kind == Kind::PrevoteGranted,
            },
            Kind::Heartbeat => Body::AppendEntries {
                lease: None,
                prev_index: 0,
                prev_term: 0,
                count: 0,
                commit: 0,
            },
            Kind::HeartbeatReply => Body::AppendReply {
                lease_floor: None,
                success: true,
                index: 0,
            },
        };
        Message {
            term: self.term,
            body,
        }
    }

    /// Until when it is shown: its real flight, stretched to at least
    /// [`SHOWN_FLIGHT`].
    pub fn shown_until(&self) -> Time {
        let real = self.arrived.map_or(0, |a| a.saturating_sub(self.sent));
        self.sent + real.max(SHOWN_FLIGHT)
    }

    /// Whether it is known lost by `now` (dropped, or never received).
    pub fn lost_by(&self, now: Time) -> bool {
        self.dropped || (self.arrived.is_none() && now > self.sent + LOST_AFTER)
    }
}

/// The recording of a live cluster, and what the checker found in it.
#[derive(Clone, Debug)]
pub struct Live {
    size: u32,
    origin: Option<u64>,
    entries: Vec<Entry>,
    flights: Vec<Flight>,
    /// Each node's state as the stream last said (the head of the recording).
    head: Vec<Shown>,
    last_heard: Vec<Option<Time>>,
    /// The merged clock minus the page's clock (µs), the largest seen: lines
    /// arrive after they happen, so the largest is the closest.
    offset: Option<i64>,
    newest: Time,
    checker: Checker,
    /// What the checker has seen of each node.
    checked_state: Vec<Shown>,
    checked: usize,
    check_quorum: bool,
    markers: Vec<Marker>,
    /// Log lines for the page, taken by [`Live::take_log`].
    log: Vec<(Time, String, bool)>,
}

impl Live {
    /// A recording of a cluster of `size` nodes (at most [`MAX_NODES`]);
    /// `check_quorum` as the nodes run (the "one goose at a time" rule
    /// depends on it).
    pub fn new(size: u32, check_quorum: bool) -> Live {
        let size = size.clamp(1, MAX_NODES as u32);
        Live {
            size,
            origin: None,
            entries: Vec::new(),
            flights: Vec::new(),
            head: vec![Shown::default(); size as usize],
            last_heard: vec![None; size as usize],
            offset: None,
            newest: 0,
            checker: Checker::new(size, 0),
            checked_state: vec![Shown::default(); size as usize],
            checked: 0,
            check_quorum,
            markers: Vec::new(),
            log: Vec::new(),
        }
    }

    /// How many nodes.
    pub fn size(&self) -> u32 {
        self.size
    }

    /// Whether the nodes run with CheckQuorum.
    pub fn check_quorum(&self) -> bool {
        self.check_quorum
    }

    /// The latest instant recorded.
    pub fn end(&self) -> Time {
        self.newest
    }

    /// The recorded changes, in time order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The markers for the timeline (elections, deaths, violations), up to
    /// where the checker has read.
    pub fn markers(&self) -> &[Marker] {
        &self.markers
    }

    /// The violations found so far.
    pub fn violations(&self) -> &[Violation] {
        self.checker.violations()
    }

    /// How many violations in all.
    pub fn violation_count(&self) -> u64 {
        self.checker.total()
    }

    /// Each node's state at the head of the recording.
    pub fn head(&self) -> &[Shown] {
        &self.head
    }

    /// Log lines since the last call: time, text, and whether it alarms.
    pub fn take_log(&mut self) -> Vec<(Time, String, bool)> {
        std::mem::take(&mut self.log)
    }

    fn time_of(&mut self, mono_us: u64) -> Time {
        let origin = *self.origin.get_or_insert(mono_us);
        mono_us.saturating_sub(origin)
    }

    /// The merged clock's "now" at the page's `page_ms` (milliseconds of the
    /// page's own monotonic clock), never before the newest line.
    pub fn now(&self, page_ms: f64) -> Time {
        let page_us = (page_ms * 1000.0) as i64;
        self.offset
            .map_or(0, |o| page_us.saturating_add(o).max(0) as Time)
            .max(self.newest)
    }

    fn record(&mut self, entry: Entry) {
        // Lines from different streams arrive nearly in order: insert from
        // the back.
        let at = self.entries.partition_point(|e| e.t <= entry.t);
        if at < self.checked {
            // Older than what the checker has read (a stream that lagged
            // more than the checker's lag): kept for the timeline only.
            self.checked += 1;
        }
        self.entries.insert(at, entry);
    }

    fn set_reach(&mut self, node: NodeId, reach: Reach, t: Time) {
        let i = node as usize;
        if self.head[i].reach == reach {
            return;
        }
        self.head[i].reach = reach;
        self.record(Entry {
            t,
            node,
            change: Change::Reach(reach),
        });
    }

    /// One line of node `stream`'s event stream, read at the page's
    /// `page_ms`. A line that cannot be read, or that is another node's, is
    /// an error and changes nothing.
    pub fn line(&mut self, stream: NodeId, text: &str, page_ms: f64) -> Result<(), String> {
        let line = parse_line(text, self.size)
            .filter(|l| l.node == stream)
            .ok_or_else(|| format!("{} sent an unreadable line", node_name(stream)))?;
        let t = self.time_of(line.mono_us);
        let offset = t as i64 - (page_ms * 1000.0) as i64;
        self.offset = Some(self.offset.map_or(offset, |o| o.max(offset)));
        self.newest = self.newest.max(t);
        let i = stream as usize;
        self.last_heard[i] = Some(self.last_heard[i].map_or(t, |h| h.max(t)));
        self.set_reach(stream, Reach::Up, t);
        match line.said {
            Said::State {
                role,
                term,
                voted_for,
                leader,
                note,
            } => {
                let h = self.head[i];
                // A `hello` does not carry the vote: keep the one known for
                // this term.
                let voted_for = voted_for.or(if h.term == term { h.voted_for } else { None });
                if (h.role, h.term, h.voted_for, h.leader) != (role, term, voted_for, leader) {
                    self.head[i] = Shown {
                        role,
                        term,
                        voted_for,
                        leader,
                        reach: h.reach,
                    };
                    self.record(Entry {
                        t,
                        node: stream,
                        change: Change::State {
                            role,
                            term,
                            voted_for,
                            leader,
                        },
                    });
                }
                if let Some(text) = note {
                    self.record(Entry {
                        t,
                        node: stream,
                        change: Change::Note(text),
                    });
                }
            }
            Said::Message {
                from,
                to,
                kind,
                term,
                send: true,
                dropped,
            } => {
                if self.flights.len() >= MAX_FLIGHTS {
                    self.flights.drain(..MAX_FLIGHTS / 2);
                }
                let at = self.flights.partition_point(|f| f.sent <= t);
                self.flights.insert(
                    at,
                    Flight {
                        from,
                        to,
                        kind,
                        term,
                        sent: t,
                        arrived: None,
                        dropped,
                    },
                );
            }
            Said::Message {
                from,
                to,
                kind,
                term,
                send: false,
                dropped,
            } => {
                // The oldest matching send still in the air.
                let earliest = t.saturating_sub(2 * LOST_AFTER);
                let start = self.flights.partition_point(|f| f.sent < earliest);
                if let Some(f) = self.flights[start..].iter_mut().find(|f| {
                    (f.from, f.to, f.kind, f.term) == (from, to, kind, term)
                        && f.arrived.is_none()
                        && !f.dropped
                        && f.sent <= t
                }) {
                    if dropped {
                        f.dropped = true;
                    } else {
                        f.arrived = Some(t);
                    }
                }
            }
        }
        Ok(())
    }

    /// Node `node`'s stream broke (the page could not reach it): it is
    /// unreachable from just after its last word, unless known dead.
    pub fn stream_broke(&mut self, node: NodeId) {
        if node < self.size && self.head[node as usize].reach == Reach::Up {
            let t = self.after_last_word(node);
            self.set_reach(node, Reach::Unreachable, t);
        }
    }

    /// The supervisor says node `node`'s process is not running.
    pub fn dead(&mut self, node: NodeId) {
        if node < self.size {
            let t = self.after_last_word(node);
            self.set_reach(node, Reach::Dead, t);
        }
    }

    fn after_last_word(&self, node: NodeId) -> Time {
        self.last_heard[node as usize].map_or(0, |h| h + 1)
    }

    /// Marks nodes silent for [`SILENCE`] unreachable, and lets the checker
    /// read up to [`CHECK_LAG`] behind now. Call it every frame. (A lone
    /// node has nobody to talk to: only a broken stream makes it
    /// unreachable.)
    pub fn tick(&mut self, page_ms: f64) {
        let now = self.now(page_ms);
        let watched = if self.size > 1 { self.size } else { 0 };
        for id in 0..watched {
            let heard = self.last_heard[id as usize];
            if self.head[id as usize].reach == Reach::Up
                && heard.is_some_and(|h| now.saturating_sub(h) > SILENCE)
            {
                let t = self.after_last_word(id);
                self.set_reach(id, Reach::Unreachable, t);
            }
        }
        self.check_until(now.saturating_sub(CHECK_LAG));
    }

    /// Feeds the checker every recorded change up to `until`, in order.
    pub fn check_until(&mut self, until: Time) {
        while let Some(e) = self.entries.get(self.checked) {
            if e.t > until {
                break;
            }
            let e = e.clone();
            self.checked += 1;
            let i = e.node as usize;
            let before = self.checked_state[i];
            let name = node_name(e.node);
            match e.change {
                Change::State {
                    role,
                    term,
                    voted_for,
                    leader,
                } => {
                    self.checked_state[i] = Shown {
                        role,
                        term,
                        voted_for,
                        leader,
                        reach: before.reach,
                    };
                    let goose_now =
                        role == Role::Goose && (before.role != Role::Goose || before.term != term);
                    if goose_now {
                        self.markers.push(Marker {
                            t: e.t,
                            kind: MarkerKind::Elected,
                            label: format!("{name} elected (term {term})"),
                        });
                    }
                }
                Change::Reach(r) => {
                    self.checked_state[i].reach = r;
                    let text = match r {
                        Reach::Up => format!("{name} answers"),
                        Reach::Unreachable => {
                            format!("{name} is unreachable: it stopped answering")
                        }
                        Reach::Dead => format!("{name} is dead: its process is not running"),
                    };
                    if r == Reach::Dead {
                        self.markers.push(Marker {
                            t: e.t,
                            kind: MarkerKind::Killed,
                            label: format!("{name} died"),
                        });
                    }
                    self.log.push((e.t, text, false));
                }
                Change::Note(text) => {
                    self.log.push((e.t, format!("{name} {text}"), false));
                    continue;
                }
            }
            let s = self.checked_state[i];
            let role = (s.reach == Reach::Up).then_some(s.role);
            let found = self.checker.total();
            self.checker.observe(e.t, e.node, role, s.term, s.voted_for);
            self.checker.end_of_event(e.t, self.check_quorum);
            if self.checker.total() > found {
                if let Some(v) = self.checker.violations().last() {
                    self.markers.push(Marker {
                        t: v.t,
                        kind: MarkerKind::Violation,
                        label: v.invariant.name().replace('_', " "),
                    });
                    let text = format!("Invariant violated: {v}");
                    self.log.push((v.t, text, true));
                }
            }
        }
    }

    /// Every node as it was at `at`.
    pub fn nodes_at(&self, at: Time) -> Vec<Shown> {
        let mut nodes = vec![Shown::default(); self.size as usize];
        for e in self.entries.iter().take_while(|e| e.t <= at) {
            let n = &mut nodes[e.node as usize];
            match e.change {
                Change::State {
                    role,
                    term,
                    voted_for,
                    leader,
                } => {
                    (n.role, n.term, n.voted_for, n.leader) = (role, term, voted_for, leader);
                }
                Change::Reach(r) => n.reach = r,
                Change::Note(_) => {}
            }
        }
        nodes
    }

    /// The messages shown flying at `at` (see [`SHOWN_FLIGHT`]).
    pub fn flights_at(&self, at: Time) -> impl Iterator<Item = &Flight> {
        let earliest = at.saturating_sub(SHOWN_FLIGHT.max(2 * LOST_AFTER));
        let start = self.flights.partition_point(|f| f.sent < earliest);
        self.flights[start..]
            .iter()
            .take_while(move |f| f.sent <= at)
            .filter(move |f| at < f.shown_until())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A compact state line (see [`compact`]).
    fn state(node: u32, mono: u64, role: &str, term: u64, voted: &str, leader: &str) -> String {
        let role = ROLES.iter().position(|r| r.name() == role).unwrap();
        format!("s {mono} {node} {role} {term} {voted} {leader}")
    }

    /// A compact message line.
    fn msg(dir: &str, mono: u64, from: u32, to: u32, kind: &str, term: u64) -> String {
        let kind = Kind::ALL.iter().position(|k| k.name() == kind).unwrap();
        let send = u8::from(dir == "send");
        format!("m {mono} {from} {to} {kind} {term} {send} 0")
    }

    #[test]
    fn only_the_live_fragment_asks_for_live_mode() {
        assert!(wants_live("#live"));
        assert!(!wants_live("#live=http://example.com"));
        assert!(!wants_live("#lesson=01-first-election"));
    }

    #[test]
    fn compact_lines_read_back_as_written_notes_included() {
        let lines = [
            Line {
                node: 2,
                mono_us: 77,
                said: Said::State {
                    role: Role::Uncrowned,
                    term: 9,
                    voted_for: Some(2),
                    leader: None,
                    note: Some("won with 3 votes and is the goose of term 9".into()),
                },
            },
            Line {
                node: 1,
                mono_us: 78,
                said: Said::Message {
                    from: 2,
                    to: 1,
                    kind: Kind::PrevoteDenied,
                    term: 4,
                    send: false,
                    dropped: true,
                },
            },
        ];
        for line in lines {
            assert_eq!(parse_line(&compact(&line), 3), Some(line));
        }
    }

    #[test]
    fn stream_lines_parse_as_the_nodes_write_them() {
        let line = parse_line(&state(1, 100, "goose", 3, "1", "1"), 3).unwrap();
        assert_eq!(line.node, 1);
        assert_eq!(line.mono_us, 100);
        assert_eq!(
            line.said,
            Said::State {
                role: Role::Goose,
                term: 3,
                voted_for: Some(1),
                leader: Some(1),
                note: None
            }
        );
        let m = parse_line(&msg("recv", 9, 0, 2, "vote_granted", 2), 3).unwrap();
        assert_eq!(m.node, 2, "a receive is the receiver's line");
        assert!(matches!(
            m.said,
            Said::Message {
                kind: Kind::VoteGranted,
                send: false,
                ..
            }
        ));
        assert!(parse_line(&state(8, 1, "duck", 0, "-", "-"), 3).is_none());
        assert!(parse_line("s 1 0 9 0 - -", 3).is_none(), "no role 9");
        assert!(parse_line("m 1 0 1 99 0 1 0", 3).is_none(), "no kind 99");
        assert!(parse_line("s 1 0 0", 3).is_none(), "cut short");
        assert!(parse_line("x 1 0 0 0 - -", 3).is_none());
        assert!(parse_line(r#"{"type":"state"}"#, 3).is_none());
    }

    #[test]
    fn a_line_from_the_wrong_stream_is_refused_and_changes_nothing() {
        let mut live = Live::new(3, true);
        assert!(live
            .line(0, &state(1, 10, "duck", 1, "-", "-"), 0.0)
            .is_err());
        assert!(live.entries().is_empty());
        assert!(live.line(0, "garbage", 0.0).is_err());
        assert!(live
            .line(7, &state(0, 10, "duck", 1, "-", "-"), 0.0)
            .is_err());
    }

    #[test]
    fn streams_merge_on_the_host_clock_and_the_past_can_be_shown_again() {
        let mut live = Live::new(3, true);
        live.line(0, &state(0, 1_000_000, "duck", 0, "-", "-"), 0.0)
            .unwrap();
        live.line(1, &state(1, 1_000_000, "duck", 0, "-", "-"), 0.0)
            .unwrap();
        live.line(2, &state(2, 1_000_000, "duck", 0, "-", "-"), 0.0)
            .unwrap();
        live.line(1, &state(1, 1_300_000, "candidate", 1, "1", "-"), 300.0)
            .unwrap();
        // n1's line arrives after n2's but happened before it.
        live.line(0, &state(0, 1_200_000, "duck", 0, "-", "2"), 310.0)
            .unwrap();
        live.line(1, &state(1, 1_500_000, "goose", 1, "1", "1"), 500.0)
            .unwrap();
        let times: Vec<Time> = live.entries().iter().map(|e| e.t).collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
        assert_eq!(live.end(), 500_000);
        let at = |t| live.nodes_at(t)[1];
        assert_eq!(at(0).role, Role::Duck);
        assert_eq!(at(0).reach, Reach::Up);
        assert_eq!(at(350_000).role, Role::Candidate);
        assert_eq!(at(350_000).voted_for, Some(1));
        assert_eq!(at(600_000).role, Role::Goose);
        assert_eq!(live.nodes_at(250_000)[0].leader, Some(2));
    }

    #[test]
    fn messages_fly_from_their_real_send_time_for_at_least_the_shown_flight() {
        let mut live = Live::new(2, true);
        live.line(0, &state(0, 0, "goose", 1, "-", "-"), 0.0)
            .unwrap();
        live.line(0, &msg("send", 1_000, 0, 1, "heartbeat", 1), 1.0)
            .unwrap();
        live.line(1, &msg("recv", 1_080, 0, 1, "heartbeat", 1), 1.1)
            .unwrap();
        live.line(0, &msg("send", 2_000, 0, 1, "heartbeat", 1), 2.0)
            .unwrap();
        let f: Vec<Flight> = live.flights_at(1_500).copied().collect();
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].arrived, Some(1_080), "matched with its receive");
        assert_eq!(f[0].shown_until(), 1_000 + SHOWN_FLIGHT);
        assert_eq!(live.flights_at(100_000).count(), 2);
        assert_eq!(live.flights_at(1_000 + SHOWN_FLIGHT).count(), 1);
        assert_eq!(live.flights_at(500).count(), 0, "not before it was sent");
        assert!(!f[0].lost_by(10 * SECOND));
        let second = live.flights_at(2_000).last().copied().unwrap();
        assert!(!second.lost_by(2_000 + LOST_AFTER));
        assert!(second.lost_by(2_001 + LOST_AFTER), "never received: lost");
        assert_eq!(second.message().kind(), Kind::Heartbeat);
    }

    #[test]
    fn silence_makes_a_node_unreachable_and_only_the_supervisor_makes_it_dead() {
        let mut live = Live::new(3, true);
        for i in 0..3 {
            live.line(i, &state(i, 0, "duck", 0, "-", "-"), 0.0)
                .unwrap();
        }
        live.line(0, &state(0, 100_000, "goose", 1, "-", "-"), 100.0)
            .unwrap();
        // n2 and n3 keep talking; n1 (a paused goose) falls silent.
        for k in 1..=30u64 {
            let ms = 100.0 + k as f64 * 100.0;
            live.line(1, &state(1, k * 100_000 + 100_000, "duck", 1, "-", "-"), ms)
                .unwrap();
            live.line(
                2,
                &msg("send", k * 100_000 + 100_000, 2, 1, "heartbeat_reply", 1),
                ms,
            )
            .unwrap();
            live.tick(ms);
        }
        assert_eq!(live.head()[0].reach, Reach::Unreachable);
        assert_eq!(live.head()[1].reach, Reach::Up);
        assert_eq!(live.nodes_at(100_000)[0].reach, Reach::Up);
        assert_eq!(
            live.nodes_at(100_001)[0].reach,
            Reach::Unreachable,
            "unreachable from just after its last word"
        );
        assert_eq!(
            live.nodes_at(100_001)[0].role,
            Role::Goose,
            "last known state kept"
        );
        live.stream_broke(1);
        assert_eq!(live.head()[1].reach, Reach::Unreachable);
        live.dead(1);
        assert_eq!(live.head()[1].reach, Reach::Dead);
        // It speaks again after a revive: up.
        live.line(1, &state(1, 3_500_000, "duck", 1, "-", "-"), 3_500.0)
            .unwrap();
        assert_eq!(live.head()[1].reach, Reach::Up);
        assert_eq!(live.nodes_at(3_400_000)[1].reach, Reach::Dead);
    }

    #[test]
    fn the_simulators_checker_finds_two_geese_in_one_term() {
        let mut live = Live::new(3, true);
        live.line(0, &state(0, 0, "goose", 2, "0", "-"), 0.0)
            .unwrap();
        live.line(1, &state(1, 10, "goose", 2, "1", "-"), 0.0)
            .unwrap();
        live.tick(0.0);
        assert_eq!(
            live.violation_count(),
            0,
            "the checker runs behind the stream"
        );
        live.check_until(Time::MAX);
        assert!(live.violation_count() >= 1);
        assert_eq!(
            live.violations()[0].invariant,
            crate::sim::invariants::Invariant::ElectionSafety
        );
        assert!(live
            .markers()
            .iter()
            .any(|m| m.kind == MarkerKind::Violation));
        assert!(live.take_log().iter().any(|l| l.2));
    }

    #[test]
    fn a_paused_goose_replaced_after_its_silence_is_no_violation() {
        let mut live = Live::new(3, true);
        live.line(0, &state(0, 0, "goose", 1, "0", "-"), 0.0)
            .unwrap();
        live.line(1, &state(1, 0, "duck", 1, "0", "-"), 0.0)
            .unwrap();
        live.line(2, &state(2, 0, "duck", 1, "0", "-"), 0.0)
            .unwrap();
        // n1 pauses; n2 wins term 2 a little later, found before the checker
        // gets there.
        for k in 1..=40u64 {
            let ms = k as f64 * 100.0;
            let role = if k > 5 { "goose" } else { "candidate" };
            live.line(1, &state(1, k * 100_000, role, 2, "1", "-"), ms)
                .unwrap();
            live.line(2, &state(2, k * 100_000, "duck", 2, "1", "-"), ms)
                .unwrap();
            live.tick(ms);
        }
        live.check_until(Time::MAX);
        assert_eq!(live.violation_count(), 0, "{:?}", live.violations());
        assert!(live.markers().iter().any(|m| m.kind == MarkerKind::Elected));
    }
}
