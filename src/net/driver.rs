//! The driver: one task that owns a [`Node`] and gives it a clock, a socket
//! and a disk.
//!
//! ```text
//! loop {
//!   select! { the node's deadline => tick, a datagram => receive, a command => act }
//!   save term/vote/lease if they changed, then the log's changed suffix
//!   (fsync each) — before anything is sent
//!   send the node's messages (through the fault layer)
//!   publish the snapshot (watch), the events (broadcast) and the event log
//! }
//! ```
//!
//! The node is touched by this task only, so there is no lock around it; the
//! HTTP handlers read a [`Snapshot`] from a watch channel and send
//! [`Command`]s through a queue. Time is microseconds since the process
//! started, from `Instant` (monotonic, never wall-clock time).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::net::UdpSocket;
use tokio::sync::{broadcast, mpsc, oneshot, watch};

use crate::config::{Change, Members};
use crate::log::{Entry, EntryKind, Index, Log};
use crate::message::{node_name, Body, Kind, Message, NodeId, Term};
use crate::node::{Ctx, Node, Note, Outbox, Refusal, Role};
use crate::options::{Micros, Options, Time};
use crate::rng::SimRng;

use super::log_file::LogFile;
use super::store::{HardState, Store};
use super::wire::{self, Envelope};

/// Everything one node needs to run.
#[derive(Clone, Debug)]
pub struct Config {
    /// This node's id (`n1` is 0).
    pub id: NodeId,
    /// Every node's peer address (`host:port`, names resolved by DNS), in id
    /// order, this node's own included.
    pub peers: Vec<String>,
    /// Where this node's peer (UDP) socket binds.
    pub bind: SocketAddr,
    /// The cluster id carried by every datagram.
    pub cluster: u64,
    /// Timing and protocol options (`latency` is ignored: the network is real).
    pub opts: Options,
    /// How much longer than asked every lease promise lasts (see
    /// [`crate::node`], "Real clocks").
    pub margin: Micros,
    /// Where term, vote, lease and log are kept; `None` keeps nothing (tests
    /// only).
    pub data_dir: Option<PathBuf>,
    /// An append-only log of this node's events stamped with the host's
    /// monotonic clock, for the fault test's checker.
    pub event_log: Option<PathBuf>,
    /// Seeds the election timeouts.
    pub seed: u64,
    /// No election timer fires before this long after boot, unless the node
    /// hears of a goose first (etcd's `initial-election-tick-advance=false`
    /// idea): a cluster booting on a loaded machine is not raced by a node
    /// that came up first. Messages are handled as usual meanwhile.
    pub boot_grace: Micros,
    /// Hold every election timer until a [`Command::Release`] (a scenario
    /// runner starts all nodes, then releases them together, so that its
    /// first line is not raced by whichever node booted first).
    pub hold: bool,
    /// Every node's HTTP address in id order, or empty if unknown: a node
    /// that is not the goose redirects a client request to the goose's.
    pub http_peers: Vec<String>,
    /// The initial configuration (dissertation §4): the slots that vote when
    /// the cluster first starts; every later change comes from the log.
    pub members: Members,
}

/// The in-process fault layer: links cut, loss and delay, applied to every
/// datagram sent and received.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Faults {
    /// Peers this node neither sends to nor hears from.
    pub blocked: Vec<String>,
    /// Loss probability for each datagram, parts per million.
    pub loss_ppm: u32,
    /// Extra delay on every datagram sent, microseconds.
    pub delay_us: Micros,
}

/// What the HTTP handlers ask the driver to do.
#[derive(Debug)]
pub enum Command {
    /// Fire the election timer now; answers whether it did.
    Timeout(oneshot::Sender<bool>),
    /// Replace the fault layer's settings.
    SetFaults(Faults, oneshot::Sender<()>),
    /// A peer's address was (re)resolved.
    PeerAddress(NodeId, SocketAddr),
    /// Let election timers fire again, but not before `grace` from now (see
    /// [`Config::hold`]).
    Release(Micros, oneshot::Sender<()>),
    /// A client request (§5.3, §8): the goose appends it and the answer comes
    /// when it commits or is lost; any other node refuses at once.
    Request(oneshot::Sender<Proposal>),
    /// A membership change (dissertation §4.1): the goose takes it if
    /// [`Node::can_change`] allows, and the answer comes when its
    /// configuration entry commits, or its fate is known otherwise.
    Change(Change, oneshot::Sender<Changing>),
}

/// What became of a membership change ([`Command::Change`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Changing {
    /// This node is not the goose; the leader it knows of, if any.
    NotGoose(Option<NodeId>),
    /// This node is outside the configuration it knows (removed, or not yet
    /// added): the goose it last heard of may be long gone (a removed node
    /// hears nothing more, §4.2.2), so it names none.
    NotMember,
    /// The goose refused it (one change at a time, not committed its term's
    /// entry yet, already a member, the last member…): the core's reason.
    Refused(String),
    /// Its configuration entry committed at `index` (§4.1): `members` is
    /// the configuration in effect.
    Committed {
        /// The entry's index.
        index: Index,
        /// The term it was appended in.
        term: Term,
        /// The configuration in effect once it committed.
        members: Members,
    },
    /// The new node did not catch up (it is down, or too slow): the goose
    /// gave up adding it (§4.2.1). Nothing was appended.
    CatchUpFailed,
    /// This node stopped being the goose of the term it took the change in
    /// before the change committed: `appended` is the entry's index if it was
    /// appended (it may yet commit under the next goose, or be overwritten),
    /// `None` if the new node was still catching up (nothing was appended).
    Unknown {
        /// The entry's index, if appended.
        appended: Option<Index>,
    },
}

/// A membership change taken and not yet answered.
struct PendingChange {
    change: Change,
    /// The goose's term when it took the change.
    term: Term,
    /// Its entry's index, once appended (an addition is appended only after
    /// the new node has caught up).
    index: Option<Index>,
    /// Set when the goose gave up catching the new node up.
    failed: bool,
    reply: oneshot::Sender<Changing>,
}

/// What became of a client request ([`Command::Request`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Proposal {
    /// This node is not the goose (a request reaches only the goose, §5.3);
    /// the leader it knows of, if any (itself, when it leads its term
    /// without the crown of a majority's leases).
    NotGoose(Option<NodeId>),
    /// This node is outside the configuration it knows (see
    /// [`Changing::NotMember`]).
    NotMember,
    /// Refused by the goose: its log is full.
    Refused(String),
    /// Appended at `index` in `term`, and now committed (§5.3).
    Committed {
        /// Its log index.
        index: Index,
        /// The term it was appended in.
        term: Term,
    },
    /// Appended at `index` in `term`, then this node stopped being its goose
    /// before it committed: it may yet commit under a new goose, or be
    /// overwritten (§5.4.2), so the client cannot know.
    Unknown {
        /// Its log index.
        index: Index,
        /// The term it was appended in.
        term: Term,
    },
}

/// The node as the HTTP handlers see it.
#[derive(Clone, Debug)]
pub struct Snapshot {
    /// The node's own role (a goose whose lease lapsed still says goose
    /// here; [`Snapshot::claims_goose`] decides what it answers).
    pub role: Role,
    /// Current term.
    pub term: u64,
    /// Vote in that term.
    pub voted_for: Option<NodeId>,
    /// The goose it follows.
    pub leader: Option<NodeId>,
    /// When its promise ends (node time, µs).
    pub lease_until: Option<Time>,
    /// For a goose under CheckQuorum: the instant its majority's leases end.
    pub goose_until: Option<Time>,
    /// Whether CheckQuorum is on.
    pub check_quorum: bool,
    /// The fault layer's settings.
    pub faults: Faults,
    /// Every peer's resolved address, if known.
    pub peer_addrs: Vec<Option<SocketAddr>>,
    /// The index and term of its last log entry (§5.4.1).
    pub last_log: (Index, Term),
    /// Its commit index (§5.3).
    pub commit: Index,
    /// The configuration in effect: the latest in its log (§4.1).
    pub members: Members,
    /// The index of the latest configuration entry (0: the initial one).
    pub config_index: Index,
    /// For a goose: the node it is catching up before it joins (§4.2.1).
    pub catching_up: Option<NodeId>,
}

impl Snapshot {
    /// Whether the node may say "goose" at `now`: it is goose and, under
    /// CheckQuorum, its majority's leases still hold. A goose that was
    /// paused past its lease says "duck" before it even runs its next tick.
    pub fn claims_goose(&self, now: Time) -> bool {
        self.role == Role::Goose && self.goose_until.is_none_or(|until| now < until)
    }
}

/// Counters for `/metrics`: written by the driver only, read by handlers.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Times the node became a candidate.
    pub elections_started: AtomicU64,
    /// Times it won.
    pub elections_won: AtomicU64,
    /// Pre-vote rounds started.
    pub prevotes_started: AtomicU64,
    /// Times the leader it knows changed.
    pub leader_changes: AtomicU64,
    /// Messages sent, by kind.
    pub sent: [AtomicU64; 8],
    /// Messages received and handed to the node, by kind.
    pub received: [AtomicU64; 8],
    /// Messages dropped by the fault layer (both directions), by kind.
    pub dropped_fault: [AtomicU64; 8],
    /// Datagrams refused by the codec: oversized, malformed, version, foreign.
    pub dropped_bad: [AtomicU64; 4],
    /// Messages that could not be sent (unresolved peer, socket error).
    pub send_errors: AtomicU64,
    /// Votes refused: stale term, already voted, lease, goose alive.
    pub refusals: [AtomicU64; 5],
    /// State saves, their total and largest latency in µs.
    pub persist_count: AtomicU64,
    /// Sum of save latencies, µs.
    pub persist_us_sum: AtomicU64,
    /// Largest save latency, µs.
    pub persist_us_max: AtomicU64,
}

impl Metrics {
    /// Counts one save to disk (state or log) that began at `began`.
    fn persisted(&self, began: Instant) {
        let us = began.elapsed().as_micros() as u64;
        self.persist_count.fetch_add(1, Relaxed);
        self.persist_us_sum.fetch_add(us, Relaxed);
        self.persist_us_max.fetch_max(us, Relaxed);
    }
}

/// The codec errors in the order of [`Metrics::dropped_bad`].
pub const BAD_REASONS: [wire::Error; 4] = [
    wire::Error::Oversized,
    wire::Error::Malformed,
    wire::Error::Version,
    wire::Error::Foreign,
];

/// Refusal reasons in the order of [`Metrics::refusals`].
pub const REFUSAL_NAMES: [&str; 5] = [
    "stale_term",
    "already_voted",
    "lease",
    "goose_alive",
    "log_behind",
];

fn refusal_index(why: Refusal) -> usize {
    match why {
        Refusal::StaleTerm => 0,
        Refusal::AlreadyVoted(_) => 1,
        Refusal::Lease => 2,
        Refusal::GooseAlive => 3,
        Refusal::LogBehind { .. } => 4,
    }
}

/// What the driver shares with the HTTP side.
#[derive(Clone)]
pub struct Handle {
    /// When the process started: node time 0.
    pub start: Instant,
    /// The id and size of the cluster.
    pub id: NodeId,
    /// How many nodes.
    pub size: u32,
    /// The cluster id.
    pub cluster: u64,
    /// The options the node runs with.
    pub opts: Options,
    /// The lease margin.
    pub margin: Micros,
    /// Every peer as configured.
    pub peers: Arc<Vec<String>>,
    /// The latest snapshot.
    pub snapshot: watch::Receiver<Snapshot>,
    /// State changes and notes, as JSON.
    pub events: broadcast::Sender<Arc<str>>,
    /// Every send and receive, as JSON (only produced while somebody listens).
    pub messages: broadcast::Sender<Arc<str>>,
    /// Commands to the driver.
    pub commands: mpsc::Sender<Command>,
    /// Counters.
    pub metrics: Arc<Metrics>,
    /// Every node's HTTP address ([`Config::http_peers`]).
    pub http_peers: Arc<Vec<String>>,
}

impl Handle {
    /// Node time now: µs since the process started.
    pub fn now(&self) -> Time {
        self.start.elapsed().as_micros() as Time
    }
}

/// The host's monotonic clock in µs (CLOCK_MONOTONIC: one clock for every
/// process of the machine), for the event log the fault test merges.
pub fn host_monotonic_us() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec we own.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000 + ts.tv_nsec as u64 / 1_000
}

#[derive(Serialize)]
struct EventLine<'a> {
    /// Host monotonic µs.
    mono_us: u64,
    /// Node time µs.
    t_us: Time,
    node: String,
    #[serde(rename = "type")]
    kind: &'a str,
    term: u64,
    role: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    voted_for: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    leader: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<String>,
    /// For a goose: the host-monotonic instant its lease ends.
    #[serde(skip_serializing_if = "Option::is_none")]
    goose_until_mono_us: Option<u64>,
}

#[derive(Serialize)]
struct MessageLine<'a> {
    /// Host monotonic µs (one clock for every node on a host: the page
    /// merges the nodes' streams on it).
    mono_us: u64,
    t_us: Time,
    #[serde(rename = "type")]
    dir: &'a str,
    from: String,
    to: String,
    kind: Kind,
    term: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    dropped: Option<&'a str>,
}

/// Why the node could not start.
pub type StartError = String;

/// A node ready to run: its state loaded, its socket bound.
pub struct Driver {
    cfg: Config,
    handle: Handle,
    node: Node,
    rng: SimRng,
    outbox: Outbox,
    socket: Arc<UdpSocket>,
    store: Option<Store>,
    saved: HardState,
    /// The log on disk, beside `store`.
    log_file: Option<LogFile>,
    /// Client requests appended and not yet answered: index, term, answer.
    pending: Vec<(Index, Term, oneshot::Sender<Proposal>)>,
    /// The membership change taken and not yet answered (one at a time).
    change: Option<PendingChange>,
    faults: Faults,
    blocked: Vec<bool>,
    peer_addrs: Vec<Option<SocketAddr>>,
    snapshot_tx: watch::Sender<Snapshot>,
    commands_rx: mpsc::Receiver<Command>,
    log: Option<std::io::BufWriter<std::fs::File>>,
    last_role: Role,
    last_leader: Option<NodeId>,
    logged_until: Option<Time>,
    lease_asked: Micros,
    quiet_until: Time,
}

impl Driver {
    /// Loads the node's state from its data directory and binds its socket.
    /// A corrupt state file is an error: the node must not start.
    pub async fn start(cfg: Config, start: Instant) -> Result<Driver, StartError> {
        let size = cfg.peers.len() as u32;
        if cfg.id >= size {
            return Err(format!(
                "{} is not among the {size} peers",
                node_name(cfg.id)
            ));
        }
        let mut opts = cfg.opts.clone();
        // A real network promises no minimum latency (see crate::node).
        opts.latency.min = 0;
        opts.latency.max = 0;
        opts.loss = 0;
        opts.validate()?;
        let store = cfg
            .data_dir
            .as_ref()
            .map(|d| Store::new(d, cfg.id, cfg.cluster));
        let saved = match &store {
            Some(s) => s.load()?.unwrap_or_default(),
            None => HardState::default(),
        };
        let (log_file, entries) = match &cfg.data_dir {
            Some(dir) => {
                let (file, entries) = LogFile::open(dir, cfg.id, cfg.cluster)?;
                (Some(file), entries)
            }
            None => (None, Vec::new()),
        };
        let entries = Log::from_entries(entries).expect("LogFile::open checks the cap");
        let socket = UdpSocket::bind(cfg.bind)
            .await
            .map_err(|e| format!("cannot bind the peer socket to {}: {e}", cfg.bind))?;
        let log = match &cfg.event_log {
            Some(path) => Some(std::io::BufWriter::new(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(|e| format!("cannot open the event log {}: {e}", path.display()))?,
            )),
            None => None,
        };
        let mut rng = SimRng::new(cfg.seed);
        let now = start.elapsed().as_micros() as Time;
        // A promise of an earlier process runs its full length from boot.
        let lease_until = (saved.lease > 0).then_some(now + saved.lease);
        let node = Node::recovered(
            cfg.id,
            size,
            cfg.members,
            now,
            saved.term,
            saved.voted_for,
            entries,
            lease_until,
            &opts,
            &mut rng,
        );
        let (snapshot_tx, snapshot_rx) = watch::channel(Snapshot {
            role: Role::Duck,
            term: saved.term,
            voted_for: saved.voted_for,
            leader: None,
            lease_until,
            goose_until: None,
            check_quorum: opts.check_quorum,
            faults: Faults::default(),
            peer_addrs: vec![None; size as usize],
            last_log: (node.log().last_index(), node.log().last_term()),
            commit: node.commit(),
            members: node.members(),
            config_index: node.config().index(),
            catching_up: None,
        });
        let (commands, commands_rx) = mpsc::channel(64);
        let handle = Handle {
            start,
            id: cfg.id,
            size,
            cluster: cfg.cluster,
            opts: opts.clone(),
            margin: cfg.margin,
            peers: Arc::new(cfg.peers.clone()),
            snapshot: snapshot_rx,
            events: broadcast::channel(1024).0,
            messages: broadcast::channel(4096).0,
            commands,
            metrics: Arc::new(Metrics::default()),
            http_peers: Arc::new(cfg.http_peers.clone()),
        };
        let mut cfg = cfg;
        cfg.opts = opts;
        let mut driver = Driver {
            handle,
            node,
            rng,
            outbox: Outbox::default(),
            socket: Arc::new(socket),
            store,
            saved,
            log_file,
            pending: Vec::new(),
            change: None,
            faults: Faults::default(),
            blocked: vec![false; size as usize],
            // Addresses written as IP:port are known at once; names wait
            // for the resolver (see `run_node`), so a node never boots deaf
            // to peers it could have reached.
            peer_addrs: cfg
                .peers
                .iter()
                .enumerate()
                .map(|(i, p)| p.parse().ok().filter(|_| i as NodeId != cfg.id))
                .collect(),
            snapshot_tx,
            commands_rx,
            log,
            last_role: Role::Duck,
            last_leader: None,
            logged_until: None,
            lease_asked: 0,
            quiet_until: if cfg.hold { Time::MAX } else { cfg.boot_grace },
            cfg,
        };
        driver.event(now, "boot", None);
        Ok(driver)
    }

    /// The handle the HTTP side uses.
    pub fn handle(&self) -> Handle {
        self.handle.clone()
    }

    /// The address the peer socket is bound to.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.socket.local_addr()
    }

    fn now(&self) -> Time {
        self.handle.now()
    }

    /// Runs the node until the process ends. Returns only if the node can no
    /// longer keep its promises (its disk failed).
    pub async fn run(mut self) -> String {
        let mut buf = [0u8; wire::MAX_DATAGRAM + 1];
        loop {
            let mut deadline = self.node.deadline(&self.cfg.opts);
            if !self.node.role().is_leader() {
                deadline = deadline.max(self.quiet_until);
            }
            // Never further than an hour ahead (a held node, a lone goose).
            let deadline = deadline.min(self.now() + 3_600_000_000);
            let at = self.handle.start + Duration::from_micros(deadline);
            tokio::select! {
                _ = tokio::time::sleep_until(at.into()) => {
                    let now = self.now();
                    let mut ctx = Ctx { opts: &self.cfg.opts, rng: &mut self.rng, out: &mut self.outbox };
                    self.node.tick(now, &mut ctx);
                }
                got = self.socket.recv_from(&mut buf) => {
                    if let Ok((len, _)) = got {
                        self.on_datagram(&buf[..len]);
                    }
                }
                Some(cmd) = self.commands_rx.recv() => self.on_command(cmd),
            }
            if let Err(why) = self.after_step().await {
                return why;
            }
        }
    }

    fn on_datagram(&mut self, bytes: &[u8]) {
        let m = &self.handle.metrics;
        let (from, mut msg, entries) =
            match wire::decode(bytes, self.cfg.cluster, self.cfg.id, self.handle.size) {
                Ok(x) => x,
                Err(e) => {
                    let i = BAD_REASONS.iter().position(|&r| r == e).unwrap_or(1);
                    m.dropped_bad[i].fetch_add(1, Relaxed);
                    return;
                }
            };
        let now = self.now();
        let kind = msg.kind().index();
        let dropped = if self.blocked[from as usize] {
            Some("partition")
        } else if self.rng.chance(self.faults.loss_ppm) {
            Some("loss")
        } else {
            None
        };
        self.message_event(now, "recv", from, self.cfg.id, &msg, dropped);
        if dropped.is_some() {
            m.dropped_fault[kind].fetch_add(1, Relaxed);
            return;
        }
        m.received[kind].fetch_add(1, Relaxed);
        // The duck's side of the clock-rate margin: every promise asked of
        // this node lasts `margin` longer than asked (see crate::node).
        if let Body::AppendEntries { lease: Some(l), .. }
        | Body::VoteRequest { lease: Some(l), .. } = &mut msg.body
        {
            l.length += self.cfg.margin;
            self.lease_asked = self.lease_asked.max(l.length);
        }
        let mut ctx = Ctx {
            opts: &self.cfg.opts,
            rng: &mut self.rng,
            out: &mut self.outbox,
        };
        self.node.receive(now, from, &msg, &entries, &mut ctx);
    }

    fn on_command(&mut self, cmd: Command) {
        match cmd {
            Command::Timeout(reply) => {
                let now = self.now();
                let mut ctx = Ctx {
                    opts: &self.cfg.opts,
                    rng: &mut self.rng,
                    out: &mut self.outbox,
                };
                let _ = reply.send(self.node.force_timeout(now, &mut ctx));
            }
            Command::SetFaults(faults, reply) => {
                self.blocked = (0..self.handle.size)
                    .map(|p| faults.blocked.contains(&node_name(p)))
                    .collect();
                self.faults = faults;
                let _ = reply.send(());
            }
            Command::Release(grace, reply) => {
                self.quiet_until = self.now() + grace;
                let _ = reply.send(());
            }
            Command::Request(reply) => {
                if self.node.role() != Role::Goose {
                    let _ = reply.send(if self.node.may_campaign() {
                        Proposal::NotGoose(self.node.leader())
                    } else {
                        Proposal::NotMember
                    });
                    return;
                }
                // A request is numbered by the index it is appended at.
                let next = self.node.log().last_index() + 1;
                match self
                    .step(|node, now, ctx| node.propose(now, &[EntryKind::Request(next)], ctx))
                {
                    Ok(index) => self.pending.push((index, self.node.term(), reply)),
                    Err(why) => {
                        let _ = reply.send(Proposal::Refused(why));
                    }
                }
            }
            Command::Change(change, reply) => {
                if self.node.role() != Role::Goose {
                    let _ = reply.send(if self.node.may_campaign() {
                        Changing::NotGoose(self.node.leader())
                    } else {
                        Changing::NotMember
                    });
                    return;
                }
                match self.step(|node, now, ctx| node.change(now, change, ctx)) {
                    Ok(()) => {
                        // The core takes one change at a time, so an earlier
                        // one still waiting here has had its answer decided.
                        if let Some(old) = self.change.take() {
                            let _ = old.reply.send(Changing::Unknown {
                                appended: old.index,
                            });
                        }
                        self.change = Some(PendingChange {
                            change,
                            term: self.node.term(),
                            index: None,
                            failed: false,
                            reply,
                        });
                    }
                    Err(why) => {
                        let _ = reply.send(Changing::Refused(why));
                    }
                }
            }
            Command::PeerAddress(id, addr) => {
                if let Some(slot) = self.peer_addrs.get_mut(id as usize) {
                    *slot = Some(addr);
                }
            }
        }
    }

    /// Runs `f` on the node now, with this driver's options, generator and
    /// outbox.
    fn step<R>(&mut self, f: impl FnOnce(&mut Node, Time, &mut Ctx) -> R) -> R {
        let now = self.now();
        let mut ctx = Ctx {
            opts: &self.cfg.opts,
            rng: &mut self.rng,
            out: &mut self.outbox,
        };
        f(&mut self.node, now, &mut ctx)
    }

    /// Save, then send, then publish.
    async fn after_step(&mut self) -> Result<(), String> {
        let now = self.now();
        // The longest promise ever asked of this node (margin included):
        // after a restart it promises that long again from boot. Asked, not
        // only granted: a little conservative, and it changes once, not with
        // every heartbeat.
        let lease = self.saved.lease.max(self.lease_asked);
        let hard = HardState {
            term: self.node.term(),
            voted_for: self.node.voted_for(),
            lease,
        };
        if hard != self.saved {
            if let Some(store) = &self.store {
                let began = Instant::now();
                store.save(&hard)?;
                self.handle.metrics.persisted(began);
            }
            self.saved = hard;
        }
        // The log, after the term it belongs to: what changed from
        // `log_from` on (an acknowledgement of entries, or a goose's own
        // append, is sent only once they are on disk; Figure 2).
        if let (Some(from), Some(file)) = (self.outbox.log_from, &mut self.log_file) {
            let began = Instant::now();
            file.write_from(from, self.node.log().tail(from))?;
            self.handle.metrics.persisted(began);
        }
        let mut outbox = std::mem::take(&mut self.outbox);
        for (to, msg, entries) in outbox.each() {
            self.send(now, to, &msg, entries).await;
        }
        for note in &outbox.notes {
            self.note(now, *note);
        }
        outbox.clear();
        self.outbox = outbox;
        self.settle();
        self.settle_change();
        self.publish(now);
        Ok(())
    }

    async fn send(&mut self, now: Time, to: NodeId, msg: &Message, entries: &[Entry]) {
        let m = Arc::clone(&self.handle.metrics);
        let kind = msg.kind().index();
        let dropped = if self.blocked[to as usize] {
            Some("partition")
        } else if self.rng.chance(self.faults.loss_ppm) {
            Some("loss")
        } else {
            None
        };
        self.message_event(now, "send", self.cfg.id, to, msg, dropped);
        if dropped.is_some() {
            m.dropped_fault[kind].fetch_add(1, Relaxed);
            return;
        }
        let Some(addr) = self.peer_addrs[to as usize] else {
            m.send_errors.fetch_add(1, Relaxed);
            return;
        };
        let bytes = wire::encode(
            Envelope {
                cluster: self.cfg.cluster,
                from: self.cfg.id,
                to,
            },
            msg,
            entries,
        );
        m.sent[kind].fetch_add(1, Relaxed);
        if self.faults.delay_us > 0 {
            let socket = Arc::clone(&self.socket);
            let delay = Duration::from_micros(self.faults.delay_us);
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                if socket.send_to(&bytes, addr).await.is_err() {
                    m.send_errors.fetch_add(1, Relaxed);
                }
            });
        } else if self.socket.send_to(&bytes, addr).await.is_err() {
            m.send_errors.fetch_add(1, Relaxed);
        }
    }

    fn message_event(
        &self,
        now: Time,
        dir: &str,
        from: NodeId,
        to: NodeId,
        msg: &Message,
        dropped: Option<&str>,
    ) {
        if self.handle.messages.receiver_count() == 0 {
            return;
        }
        let line = MessageLine {
            mono_us: host_monotonic_us(),
            t_us: now,
            dir,
            from: node_name(from),
            to: node_name(to),
            kind: msg.kind(),
            term: msg.term,
            dropped,
        };
        if let Ok(json) = serde_json::to_string(&line) {
            let _ = self.handle.messages.send(json.into());
        }
    }

    fn note(&mut self, now: Time, note: Note) {
        if let Some(p) = &mut self.change {
            match note {
                Note::Changed { change, index } if change == p.change => p.index = Some(index),
                Note::CatchUpFailed { node } if Change::Add(node) == p.change => p.failed = true,
                _ => {}
            }
        }
        let m = &self.handle.metrics;
        match note {
            Note::Campaign { .. } => {
                m.elections_started.fetch_add(1, Relaxed);
            }
            Note::Won { .. } => {
                m.elections_won.fetch_add(1, Relaxed);
            }
            Note::PreCampaign { .. } => {
                m.prevotes_started.fetch_add(1, Relaxed);
            }
            Note::Refused { why, .. } => {
                m.refusals[refusal_index(why)].fetch_add(1, Relaxed);
            }
            _ => {}
        }
        let text = crate::sim::event::note_text(note, self.node.term(), false);
        self.event(now, "note", Some(text));
    }

    fn goose_until(&self) -> Option<Time> {
        (self.node.role() == Role::Goose && self.cfg.opts.check_quorum)
            .then(|| self.node.majority_lease_end())
    }

    fn event(&mut self, now: Time, kind: &str, text: Option<String>) {
        let mono = host_monotonic_us();
        let goose_until_mono_us = self
            .goose_until()
            .map(|u| mono.saturating_add(u.saturating_sub(now)));
        let line = EventLine {
            mono_us: mono,
            t_us: now,
            node: node_name(self.cfg.id),
            kind,
            term: self.node.term(),
            role: self.node.role().name(),
            voted_for: self.node.voted_for().map(node_name),
            leader: self.node.leader().map(node_name),
            text,
            goose_until_mono_us,
        };
        let Ok(json) = serde_json::to_string(&line) else {
            return;
        };
        if let Some(log) = &mut self.log {
            use std::io::Write;
            // Flushed at once: a SIGKILL must not eat the record of a vote.
            let _ = writeln!(log, "{json}").and_then(|()| log.flush());
        }
        let _ = self.handle.events.send(json.into());
    }

    /// Answers the client requests whose fate is known: committed (§5.3), or
    /// unknown because this node is no longer the goose of their term.
    fn settle(&mut self) {
        let node = &self.node;
        let mut i = 0;
        while let Some((index, term, reply)) = self.pending.get(i) {
            let (index, term, gone) = (*index, *term, reply.is_closed());
            let answer = if node.commit() >= index && node.log().term_at(index) == Some(term) {
                Some(Proposal::Committed { index, term })
            } else if node.term() != term || !matches!(node.role(), Role::Goose | Role::Uncrowned) {
                Some(Proposal::Unknown { index, term })
            } else {
                None
            };
            match answer {
                Some(answer) => {
                    let _ = self.pending.swap_remove(i).2.send(answer);
                }
                // The client gave up waiting.
                None if gone => drop(self.pending.swap_remove(i)),
                None => i += 1,
            }
        }
    }

    /// Answers the membership change waiting, once its fate is known: its
    /// entry committed (§4.1), the new node failed to catch up (§4.2.1), or
    /// this node is no longer the goose of the term it took it in.
    fn settle_change(&mut self) {
        let Some(p) = &self.change else {
            return;
        };
        let node = &self.node;
        let answer = match p.index {
            Some(index) if node.commit() >= index && node.log().term_at(index) == Some(p.term) => {
                Some(Changing::Committed {
                    index,
                    term: p.term,
                    members: node.members(),
                })
            }
            _ if p.failed => Some(Changing::CatchUpFailed),
            _ if node.term() != p.term || !matches!(node.role(), Role::Goose | Role::Uncrowned) => {
                Some(Changing::Unknown { appended: p.index })
            }
            _ if p.reply.is_closed() => {
                // The client gave up waiting; the change goes on regardless.
                self.change = None;
                None
            }
            _ => None,
        };
        if let Some(answer) = answer {
            if let Some(p) = self.change.take() {
                let _ = p.reply.send(answer);
            }
        }
    }

    fn publish(&mut self, now: Time) {
        let role = self.node.role();
        let leader = self.node.leader();
        if leader.is_some() {
            // The hold and the boot grace protect only the first election:
            // once a goose is known, timers run as the rules say.
            self.quiet_until = 0;
        }
        let goose_until = self.goose_until();
        if role != self.last_role || leader != self.last_leader {
            if leader != self.last_leader && leader.is_some() {
                self.handle.metrics.leader_changes.fetch_add(1, Relaxed);
            }
            self.last_role = role;
            self.last_leader = leader;
            self.event(now, "state", None);
            self.logged_until = goose_until;
        } else if self.log.is_some() && goose_until.is_some() && goose_until != self.logged_until {
            // Every move of a goose's lease end, so that the checker knows
            // how long a goose that then froze or died could have claimed.
            self.logged_until = goose_until;
            self.event(now, "lease", None);
        }
        let snapshot = Snapshot {
            role,
            term: self.node.term(),
            voted_for: self.node.voted_for(),
            leader,
            lease_until: self.node.lease_until(),
            goose_until,
            check_quorum: self.cfg.opts.check_quorum,
            faults: self.faults.clone(),
            peer_addrs: self.peer_addrs.clone(),
            last_log: (self.node.log().last_index(), self.node.log().last_term()),
            commit: self.node.commit(),
            members: self.node.members(),
            config_index: self.node.config().index(),
            catching_up: self.node.catch_up().map(|c| c.node),
        };
        self.snapshot_tx.send_replace(snapshot);
    }
}
