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

/// Where Live mode finds the cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// `#live`: the page is served by `ddg cluster up`, whose
    /// `/cluster/status` names the nodes and whose controls act on them.
    Cluster,
    /// `#live=http://127.0.0.1:8001,…`: these nodes' HTTP addresses, watched
    /// only (no supervisor to act through).
    Nodes(Vec<String>),
}

/// Reads a Live-mode fragment: `None` if `hash` is not one.
pub fn parse_fragment(hash: &str) -> Option<Result<Source, String>> {
    let rest = hash.trim_start_matches('#');
    if rest == "live" {
        return Some(Ok(Source::Cluster));
    }
    let list = rest.strip_prefix("live=")?;
    let urls: Vec<String> = list.split(',').map(|u| u.trim().to_string()).collect();
    if urls.len() > MAX_NODES {
        return Some(Err(format!(
            "a live cluster has at most {MAX_NODES} nodes"
        )));
    }
    for u in &urls {
        if !is_loopback_url(u) {
            return Some(Err(format!(
                "`{}` is not a node on this machine (http://127.0.0.1:PORT or http://localhost:PORT)",
                u.chars().take(60).collect::<String>()
            )));
        }
    }
    Some(Ok(Source::Nodes(urls)))
}

/// Whether `url` is `http://127.0.0.1:PORT` or `http://localhost:PORT`: the
/// only places the page's Content-Security-Policy lets it connect to.
pub fn is_loopback_url(url: &str) -> bool {
    let Some(rest) = url
        .strip_prefix("http://127.0.0.1:")
        .or_else(|| url.strip_prefix("http://localhost:"))
    else {
        return false;
    };
    let port = rest.trim_end_matches('/');
    !port.is_empty() && port.len() <= 5 && port.parse::<u16>().is_ok_and(|p| p > 0)
}

/// A JSON value of a flat object: a string (unescaped) or any other scalar
/// as its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scalar {
    /// A string, unescaped.
    Text(String),
    /// A number, `true`, `false` or `null`, as written.
    Bare(String),
}

/// The fields of a flat JSON object (the shape of every line a node's stream
/// carries). Nested objects and arrays are refused: no line has them.
pub fn flat_object(json: &str) -> Result<Vec<(String, Scalar)>, String> {
    let mut chars = json.trim().chars().peekable();
    let mut fields = Vec::new();
    if chars.next() != Some('{') {
        return Err("not a JSON object".into());
    }
    let skip = |c: &mut std::iter::Peekable<std::str::Chars>| {
        while c.peek().is_some_and(|x| x.is_whitespace()) {
            c.next();
        }
    };
    skip(&mut chars);
    if chars.peek() == Some(&'}') {
        return Ok(fields);
    }
    loop {
        skip(&mut chars);
        if chars.next() != Some('"') {
            return Err("a key must be a string".into());
        }
        let key = string_rest(&mut chars)?;
        skip(&mut chars);
        if chars.next() != Some(':') {
            return Err(format!("no `:` after `{key}`"));
        }
        skip(&mut chars);
        let value = match chars.peek() {
            Some('"') => {
                chars.next();
                Scalar::Text(string_rest(&mut chars)?)
            }
            Some('{' | '[') => return Err(format!("`{key}` is not a plain value")),
            _ => {
                let mut bare = String::new();
                while let Some(&c) = chars.peek() {
                    if c == ',' || c == '}' || c.is_whitespace() {
                        break;
                    }
                    bare.push(c);
                    chars.next();
                }
                if bare.is_empty() {
                    return Err(format!("`{key}` has no value"));
                }
                Scalar::Bare(bare)
            }
        };
        fields.push((key, value));
        skip(&mut chars);
        match chars.next() {
            Some(',') => continue,
            Some('}') => break,
            _ => return Err("expected `,` or `}`".into()),
        }
    }
    skip(&mut chars);
    match chars.next() {
        None => Ok(fields),
        Some(_) => Err("text after the object".into()),
    }
}

/// The rest of a JSON string after its opening quote, unescaped.
fn string_rest(chars: &mut impl Iterator<Item = char>) -> Result<String, String> {
    let mut out = String::new();
    loop {
        match chars.next().ok_or("an unterminated string")? {
            '"' => return Ok(out),
            '\\' => match chars.next().ok_or("an unterminated string")? {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                'b' | 'f' => out.push(' '),
                'u' => {
                    let hex: String = chars.by_ref().take(4).collect();
                    let code = u32::from_str_radix(&hex, 16).map_err(|_| "a bad \\u escape")?;
                    out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
                }
                c => out.push(c),
            },
            c => out.push(c),
        }
    }
}

/// What one line of a node's stream says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Said {
    /// The node's state (`hello`, `state`, `lease`, or a `note` with its text).
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

/// A role by the name a real node gives it.
pub fn role_named(name: &str) -> Option<Role> {
    [
        Role::Duck,
        Role::PreCandidate,
        Role::Candidate,
        Role::Goose,
        Role::Uncrowned,
    ]
    .into_iter()
    .find(|r| r.name() == name)
}

/// Node `n3` of a cluster of `size`, by name.
fn node_named(name: &str, size: u32) -> Result<NodeId, String> {
    name.strip_prefix('n')
        .and_then(|k| k.parse::<u32>().ok())
        .filter(|&k| (1..=size).contains(&k))
        .map(|k| k - 1)
        .ok_or_else(|| format!("no node `{}` in a cluster of {size}", name.chars().take(20).collect::<String>()))
}

/// Parses one line of a node's `/events?messages=1` stream.
pub fn parse_line(json: &str, size: u32) -> Result<Line, String> {
    let fields = flat_object(json)?;
    let get = |k: &str| fields.iter().find(|(key, _)| key == k).map(|(_, v)| v);
    let text = |k: &str| match get(k) {
        Some(Scalar::Text(s)) => Ok(s.as_str()),
        _ => Err(format!("the line has no `{k}`")),
    };
    let number = |k: &str| match get(k) {
        Some(Scalar::Bare(s)) => s.parse::<u64>().map_err(|_| format!("`{k}` is not a count")),
        _ => Err(format!("the line has no number `{k}`")),
    };
    let node_opt = |k: &str| match get(k) {
        Some(Scalar::Text(s)) => node_named(s, size).map(Some),
        _ => Ok(None),
    };
    let mono_us = number("mono_us")?;
    let line_type = text("type")?;
    let (node, said) = match line_type {
        "send" | "recv" => {
            let from = node_named(text("from")?, size)?;
            let to = node_named(text("to")?, size)?;
            let name = text("kind")?;
            let kind = Kind::ALL
                .into_iter()
                .find(|k| k.name() == name)
                .ok_or_else(|| format!("no message kind `{name}`"))?;
            let send = line_type == "send";
            let said = Said::Message {
                from,
                to,
                kind,
                term: number("term")?,
                send,
                dropped: get("dropped").is_some_and(|d| d != &Scalar::Bare("null".into())),
            };
            (if send { from } else { to }, said)
        }
        "hello" | "state" | "lease" | "note" => {
            let role = text("role")?;
            let said = Said::State {
                role: role_named(role).ok_or_else(|| format!("no role `{role}`"))?,
                term: number("term")?,
                voted_for: node_opt("voted_for")?,
                leader: node_opt("leader")?,
                note: (line_type == "note").then(|| text("text").map(str::to_string)).transpose()?,
            };
            (node_named(text("node")?, size)?, said)
        }
        other => return Err(format!("no line type `{other}`")),
    };
    Ok(Line {
        node,
        mono_us,
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
            Kind::VoteRequest => Body::VoteRequest { lease: None },
            Kind::VoteGranted | Kind::VoteDenied => Body::VoteReply {
                granted: self.kind == Kind::VoteGranted,
                lease_floor: None,
            },
            Kind::PrevoteRequest => Body::PreVoteRequest,
            Kind::PrevoteGranted | Kind::PrevoteDenied => Body::PreVoteReply {
                granted: self.kind == Kind::PrevoteGranted,
            },
            Kind::Heartbeat => Body::Heartbeat { lease: None },
            Kind::HeartbeatReply => Body::HeartbeatReply { lease_floor: None },
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
    /// `page_ms`. A line that cannot be read, or that names another node, is
    /// an error and changes nothing.
    pub fn line(&mut self, stream: NodeId, json: &str, page_ms: f64) -> Result<(), String> {
        if stream >= self.size {
            return Err(format!("no node {} in a cluster of {}", stream + 1, self.size));
        }
        let line = parse_line(json, self.size)?;
        if line.node != stream {
            return Err(format!(
                "{}'s stream carried a line of {}",
                node_name(stream),
                node_name(line.node)
            ));
        }
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
    /// read up to [`CHECK_LAG`] behind now. Call it every frame.
    pub fn tick(&mut self, page_ms: f64) {
        let now = self.now(page_ms);
        for id in 0..self.size {
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
                    let goose_now = role == Role::Goose
                        && (before.role != Role::Goose || before.term != term);
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
                        Reach::Unreachable => format!("{name} is unreachable: it stopped answering"),
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

    fn state(node: &str, mono: u64, role: &str, term: u64, extra: &str) -> String {
        format!(
            r#"{{"mono_us":{mono},"t_us":5,"node":"{node}","type":"state","term":{term},"role":"{role}"{extra}}}"#
        )
    }

    fn msg(dir: &str, mono: u64, from: &str, to: &str, kind: &str, term: u64) -> String {
        format!(
            r#"{{"mono_us":{mono},"t_us":7,"type":"{dir}","from":"{from}","to":"{to}","kind":"{kind}","term":{term}}}"#
        )
    }

    #[test]
    fn fragments_name_the_cluster_or_loopback_nodes_only() {
        assert_eq!(parse_fragment("#live"), Some(Ok(Source::Cluster)));
        assert_eq!(
            parse_fragment("#live=http://127.0.0.1:8001,http://localhost:8002/"),
            Some(Ok(Source::Nodes(vec![
                "http://127.0.0.1:8001".into(),
                "http://localhost:8002/".into()
            ])))
        );
        assert!(matches!(parse_fragment("#live=http://example.com:80"), Some(Err(_))));
        assert!(matches!(parse_fragment("#live=http://127.0.0.1:99999"), Some(Err(_))));
        assert!(matches!(parse_fragment("#live=http://127.0.0.1:1@evil.org"), Some(Err(_))));
        assert_eq!(parse_fragment("#lesson=01-first-election"), None);
        assert_eq!(parse_fragment(""), None);
    }

    #[test]
    fn flat_json_reads_strings_with_escapes_and_refuses_nesting() {
        let f = flat_object(r#"{"a":"x\"y\u00e9\n","b":12,"c":null , "d" : true}"#).unwrap();
        assert_eq!(f[0], ("a".into(), Scalar::Text("x\"yé\n".into())));
        assert_eq!(f[1], ("b".into(), Scalar::Bare("12".into())));
        assert_eq!(f[2], ("c".into(), Scalar::Bare("null".into())));
        assert_eq!(f[3], ("d".into(), Scalar::Bare("true".into())));
        assert!(flat_object(r#"{"a":[1]}"#).is_err());
        assert!(flat_object(r#"{"a":"open"#).is_err());
        assert!(flat_object(r#"{"a":1} trailing"#).is_err());
        assert!(flat_object("not json").is_err());
        assert_eq!(flat_object("{}").unwrap(), vec![]);
    }

    #[test]
    fn stream_lines_parse_as_the_nodes_write_them() {
        let line = parse_line(
            &state("n2", 100, "goose", 3, r#","voted_for":"n2","leader":"n2""#),
            3,
        )
        .unwrap();
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
        let m = parse_line(&msg("recv", 9, "n1", "n3", "vote_granted", 2), 3).unwrap();
        assert_eq!(m.node, 2, "a receive is the receiver's line");
        assert!(matches!(m.said, Said::Message { kind: Kind::VoteGranted, send: false, .. }));
        assert!(parse_line(&state("n9", 1, "duck", 0, ""), 3).is_err());
        assert!(parse_line(&state("n1", 1, "emperor", 0, ""), 3).is_err());
        assert!(parse_line(&msg("send", 1, "n1", "n2", "gossip", 0), 3).is_err());
        assert!(parse_line(r#"{"type":"state"}"#, 3).is_err());
    }

    #[test]
    fn a_line_from_the_wrong_stream_is_refused_and_changes_nothing() {
        let mut live = Live::new(3, true);
        assert!(live.line(0, &state("n2", 10, "duck", 1, ""), 0.0).is_err());
        assert!(live.entries().is_empty());
        assert!(live.line(0, "garbage", 0.0).is_err());
        assert!(live.line(7, &state("n1", 10, "duck", 1, ""), 0.0).is_err());
    }

    #[test]
    fn streams_merge_on_the_host_clock_and_the_past_can_be_shown_again() {
        let mut live = Live::new(3, true);
        live.line(0, &state("n1", 1_000_000, "duck", 0, ""), 0.0).unwrap();
        live.line(1, &state("n2", 1_000_000, "duck", 0, ""), 0.0).unwrap();
        live.line(2, &state("n3", 1_000_000, "duck", 0, ""), 0.0).unwrap();
        live.line(1, &state("n2", 1_300_000, "candidate", 1, r#","voted_for":"n2""#), 300.0)
            .unwrap();
        // n1's line arrives after n2's but happened before it.
        live.line(0, &state("n1", 1_200_000, "duck", 0, r#","leader":"n3""#), 310.0)
            .unwrap();
        live.line(1, &state("n2", 1_500_000, "goose", 1, r#","voted_for":"n2","leader":"n2""#), 500.0)
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
        live.line(0, &state("n1", 0, "goose", 1, ""), 0.0).unwrap();
        live.line(0, &msg("send", 1_000, "n1", "n2", "heartbeat", 1), 1.0).unwrap();
        live.line(1, &msg("recv", 1_080, "n1", "n2", "heartbeat", 1), 1.1).unwrap();
        live.line(0, &msg("send", 2_000, "n1", "n2", "heartbeat", 1), 2.0).unwrap();
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
        for (i, n) in ["n1", "n2", "n3"].iter().enumerate() {
            live.line(i as NodeId, &state(n, 0, "duck", 0, ""), 0.0).unwrap();
        }
        live.line(0, &state("n1", 100_000, "goose", 1, ""), 100.0).unwrap();
        // n2 and n3 keep talking; n1 (a paused goose) falls silent.
        for k in 1..=30u64 {
            let ms = 100.0 + k as f64 * 100.0;
            live.line(1, &state("n2", k * 100_000 + 100_000, "duck", 1, ""), ms).unwrap();
            live.line(2, &msg("send", k * 100_000 + 100_000, "n3", "n2", "heartbeat_reply", 1), ms)
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
        assert_eq!(live.nodes_at(100_001)[0].role, Role::Goose, "last known state kept");
        live.stream_broke(1);
        assert_eq!(live.head()[1].reach, Reach::Unreachable);
        live.dead(1);
        assert_eq!(live.head()[1].reach, Reach::Dead);
        // It speaks again after a revive: up.
        live.line(1, &state("n2", 3_500_000, "duck", 1, ""), 3_500.0).unwrap();
        assert_eq!(live.head()[1].reach, Reach::Up);
        assert_eq!(live.nodes_at(3_400_000)[1].reach, Reach::Dead);
    }

    #[test]
    fn the_simulators_checker_finds_two_geese_in_one_term() {
        let mut live = Live::new(3, true);
        live.line(0, &state("n1", 0, "goose", 2, r#","voted_for":"n1""#), 0.0).unwrap();
        live.line(1, &state("n2", 10, "goose", 2, r#","voted_for":"n2""#), 0.0).unwrap();
        live.tick(0.0);
        assert_eq!(live.violation_count(), 0, "the checker runs behind the stream");
        live.check_until(Time::MAX);
        assert!(live.violation_count() >= 1);
        assert_eq!(
            live.violations()[0].invariant,
            crate::sim::invariants::Invariant::ElectionSafety
        );
        assert!(live.markers().iter().any(|m| m.kind == MarkerKind::Violation));
        assert!(live.take_log().iter().any(|l| l.2));
    }

    #[test]
    fn a_paused_goose_replaced_after_its_silence_is_no_violation() {
        let mut live = Live::new(3, true);
        live.line(0, &state("n1", 0, "goose", 1, r#","voted_for":"n1""#), 0.0).unwrap();
        live.line(1, &state("n2", 0, "duck", 1, r#","voted_for":"n1""#), 0.0).unwrap();
        live.line(2, &state("n3", 0, "duck", 1, r#","voted_for":"n1""#), 0.0).unwrap();
        // n1 pauses; n2 wins term 2 a little later, found before the checker
        // gets there.
        for k in 1..=40u64 {
            let ms = k as f64 * 100.0;
            let role = if k > 5 { "goose" } else { "candidate" };
            live.line(1, &state("n2", k * 100_000, role, 2, r#","voted_for":"n2""#), ms)
                .unwrap();
            live.line(2, &state("n3", k * 100_000, "duck", 2, r#","voted_for":"n2""#), ms)
                .unwrap();
            live.tick(ms);
        }
        live.check_until(Time::MAX);
        assert_eq!(live.violation_count(), 0, "{:?}", live.violations());
        assert!(live.markers().iter().any(|m| m.kind == MarkerKind::Elected));
    }
}
