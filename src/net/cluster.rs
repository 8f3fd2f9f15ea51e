//! `ddg cluster`: a cluster of real node processes on one machine.
//!
//! - [`LocalCluster`] starts `ddg node` processes on loopback, each with its
//!   own data directory, and acts on them: kill (SIGKILL), revive (restart
//!   with the same data directory), pause and resume (SIGSTOP, SIGCONT),
//!   timeout, and partition, isolate, heal and loss through each node's fault
//!   routes. Every child gets `PR_SET_PDEATHSIG`, so a supervisor that dies,
//!   however it dies, takes its nodes with it; they also stay in its process
//!   group, so Ctrl-C in a terminal reaches them all.
//! - `ddg cluster up` keeps one running and serves its controls over HTTP
//!   (`/cluster/…`); `ddg cluster kill n2` and friends call those routes.
//! - [`RealWorld`] (in [`super::real_world`]) is the scenario language's
//!   second world; `ddg cluster run FILE` uses it.

use std::fs;
use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ExitCode, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value as Json;

use crate::message::{node_name, NodeId};
use crate::options::{format_duration, Micros, Options};
use crate::script::parse::{parse_node, Command};
use crate::script::Failure;

use super::client;
use super::real_world::{run_scenario, RealWorld};

/// How long a control waits for a node's answer (a loaded machine can be
/// slow; a paused node never answers and is not asked).
const CONTROL_TIMEOUT: Duration = Duration::from_secs(3);
/// How long a `request` line waits for each request to commit (the node
/// itself gives up after 2 s and says so).
pub(crate) const REQUEST_WAIT: Duration = Duration::from_secs(5);

/// How long `ddg cluster add` and `remove` wait for the goose's answer (the
/// node itself gives up after 5 s and says so).
pub(crate) const CHANGE_WAIT: Duration = Duration::from_secs(8);

/// How to lay out a local cluster.
#[derive(Clone, Debug)]
pub struct Layout {
    /// How many node slots (the initial members, then the spares).
    pub nodes: u32,
    /// How many of them form the initial configuration (the first ones);
    /// the rest are spare slots that `add` starts and joins (dissertation
    /// §4.2.1).
    pub members: u32,
    /// The parent of every node's data directory (`DIR/n1`, …) and log.
    pub dir: PathBuf,
    /// Each node's peer (UDP) port, in id order.
    pub peer_ports: Vec<u16>,
    /// Each node's HTTP port, in id order.
    pub http_ports: Vec<u16>,
    /// The cluster id.
    pub cluster: u64,
    /// Extra `ddg node` flags for every node (timing, protocol options).
    pub node_flags: Vec<String>,
    /// Whether each node writes an event log (`DIR/nK.events`).
    pub event_logs: bool,
}

impl Layout {
    /// `nodes` nodes with consecutive ports from `peer_base` and `http_base`.
    pub fn consecutive(nodes: u32, dir: &Path, peer_base: u16, http_base: u16) -> Layout {
        Layout {
            nodes,
            members: nodes,
            dir: dir.to_path_buf(),
            peer_ports: (0..nodes).map(|i| peer_base + i as u16).collect(),
            http_ports: (0..nodes).map(|i| http_base + i as u16).collect(),
            cluster: 1,
            node_flags: Vec::new(),
            event_logs: false,
        }
    }

    /// `nodes` nodes on ports the kernel says are free now (for tests and
    /// `ddg cluster run`, so that runs side by side never collide).
    pub fn free_ports(nodes: u32, dir: &Path) -> Result<Layout, String> {
        let mut peer_ports = Vec::new();
        let mut http_ports = Vec::new();
        let mut held = Vec::new();
        for _ in 0..nodes {
            let u = UdpSocket::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
            let t = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
            peer_ports.push(u.local_addr().map_err(|e| e.to_string())?.port());
            http_ports.push(t.local_addr().map_err(|e| e.to_string())?.port());
            held.push((u, t));
        }
        Ok(Layout {
            nodes,
            members: nodes,
            dir: dir.to_path_buf(),
            peer_ports,
            http_ports,
            cluster: std::process::id() as u64,
            node_flags: Vec::new(),
            event_logs: false,
        })
    }

    /// `ddg node` flags for these options (latency and loss belong to the
    /// real network, not to the nodes).
    pub fn flags_for(opts: &Options) -> Vec<String> {
        let on = |b: bool| if b { "on" } else { "off" }.to_string();
        vec![
            "--election".into(),
            format!(
                "{}..{}",
                format_duration(opts.election.min),
                format_duration(opts.election.max)
            ),
            "--heartbeat".into(),
            format_duration(opts.heartbeat),
            "--checkquorum".into(),
            on(opts.check_quorum),
            "--prevote".into(),
            on(opts.pre_vote),
        ]
    }

    /// Node `i`'s HTTP address.
    pub fn http(&self, i: NodeId) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.http_ports[i as usize]))
    }

    /// Node `i`'s data directory.
    pub fn data_dir(&self, i: NodeId) -> PathBuf {
        self.dir.join(node_name(i))
    }

    /// Node `i`'s event log.
    pub fn event_log(&self, i: NodeId) -> PathBuf {
        self.dir.join(format!("{}.events", node_name(i)))
    }

    /// The exact `ddg node` arguments of node `i`.
    pub fn node_args(&self, i: NodeId) -> Vec<String> {
        let peers: Vec<String> = self
            .peer_ports
            .iter()
            .map(|p| format!("127.0.0.1:{p}"))
            .collect();
        let mut args = vec![
            "node".to_string(),
            "--id".into(),
            node_name(i),
            "--peers".into(),
            peers.join(","),
            "--bind".into(),
            format!("127.0.0.1:{}", self.peer_ports[i as usize]),
            "--http".into(),
            self.http(i).to_string(),
            "--cluster".into(),
            self.cluster.to_string(),
            "--data-dir".into(),
            self.data_dir(i).display().to_string(),
            "--faults".into(),
            "--http-peers".into(),
            (0..self.http_ports.len() as NodeId)
                .map(|p| self.http(p).to_string())
                .collect::<Vec<_>>()
                .join(","),
        ];
        if self.members < self.nodes {
            args.push("--members".into());
            args.push(self.members.to_string());
        }
        if self.event_logs {
            args.push("--event-log".into());
            args.push(self.event_log(i).display().to_string());
        }
        args.extend(self.node_flags.iter().cloned());
        args
    }
}

/// What one node answered (or did not).
#[derive(Clone, Debug, PartialEq)]
pub enum Seen {
    /// The process is not running.
    Dead,
    /// The process runs but did not answer (paused, or overloaded).
    Unreachable,
    /// Its `/status`.
    Up(Json),
}

impl Seen {
    /// The role it claims: `goose` only if it says so now.
    pub fn role(&self) -> &str {
        match self {
            Seen::Dead => "dead",
            Seen::Unreachable => "unreachable",
            Seen::Up(j) => j["role"].as_str().unwrap_or("unreachable"),
        }
    }
    pub(crate) fn term(&self) -> Option<u64> {
        match self {
            Seen::Up(j) => j["term"].as_u64(),
            _ => None,
        }
    }
    /// A number in its `/status` log summary (`last_index`, `last_term`,
    /// `commit`).
    pub(crate) fn log_field(&self, key: &str) -> Option<u64> {
        match self {
            Seen::Up(j) => j["log"][key].as_u64(),
            _ => None,
        }
    }
    pub(crate) fn node_field(&self, key: &str, size: u32) -> Option<NodeId> {
        match self {
            Seen::Up(j) => j[key].as_str().and_then(|n| parse_node(n, size).ok()),
            _ => None,
        }
    }
}

/// A cluster of `ddg node` processes on this machine.
pub struct LocalCluster {
    exe: PathBuf,
    layout: Layout,
    procs: Vec<Option<Child>>,
    paused: Vec<bool>,
    /// `cut[a][b]`: a does not talk to b.
    cut: Vec<Vec<bool>>,
    loss_percent: f64,
    /// Which slots have ever been started (a spare has not).
    started: Vec<bool>,
}

fn die_with_parent(cmd: &mut std::process::Command) {
    // SAFETY: prctl is async-signal-safe; it only marks this child to get
    // SIGKILL when the parent thread dies, so no node outlives its supervisor.
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
}

impl LocalCluster {
    /// Starts every node of the initial configuration (`exe` is the `ddg`
    /// binary) and waits until each answers `/health`; spare slots stay
    /// down until [`LocalCluster::add`].
    pub fn start(exe: &Path, layout: Layout) -> Result<LocalCluster, String> {
        fs::create_dir_all(&layout.dir)
            .map_err(|e| format!("cannot create {}: {e}", layout.dir.display()))?;
        let n = layout.nodes as usize;
        let mut c = LocalCluster {
            exe: exe.to_path_buf(),
            layout,
            procs: (0..n).map(|_| None).collect(),
            paused: vec![false; n],
            cut: vec![vec![false; n]; n],
            loss_percent: 0.0,
            started: vec![false; n],
        };
        for i in 0..c.layout.members {
            c.spawn(i)?;
        }
        for i in 0..c.layout.members {
            c.wait_healthy(i)?;
        }
        Ok(c)
    }

    /// The layout.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// How many nodes.
    pub fn size(&self) -> u32 {
        self.layout.nodes
    }

    /// Node `i`'s process id, while it runs.
    pub fn pid(&self, i: NodeId) -> Option<u32> {
        self.procs[i as usize].as_ref().map(Child::id)
    }

    fn spawn(&mut self, i: NodeId) -> Result<(), String> {
        let log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.layout.dir.join(format!("{}.log", node_name(i))))
            .map_err(|e| e.to_string())?;
        let mut cmd = std::process::Command::new(&self.exe);
        cmd.args(self.layout.node_args(i))
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log);
        die_with_parent(&mut cmd);
        let child = cmd
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", self.exe.display()))?;
        self.procs[i as usize] = Some(child);
        self.paused[i as usize] = false;
        self.started[i as usize] = true;
        Ok(())
    }

    fn wait_healthy(&mut self, i: NodeId) -> Result<(), String> {
        let addr = self.layout.http(i);
        let began = Instant::now();
        loop {
            if client::get(addr, "/health").is_ok_and(|r| r.code == 200) {
                return self.push_faults(i);
            }
            if let Some(Ok(Some(status))) = self.procs[i as usize].as_mut().map(Child::try_wait) {
                self.procs[i as usize] = None;
                let log = self.layout.dir.join(format!("{}.log", node_name(i)));
                let tail = fs::read_to_string(&log).unwrap_or_default();
                let last = tail.lines().last().unwrap_or("").to_string();
                return Err(format!(
                    "{} exited ({status}) at start: {last}",
                    node_name(i)
                ));
            }
            if began.elapsed() > Duration::from_secs(10) {
                return Err(format!(
                    "{} did not answer /health within 10s",
                    node_name(i)
                ));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Whether node `i`'s process runs (paused or not).
    pub fn is_running(&mut self, i: NodeId) -> bool {
        match &mut self.procs[i as usize] {
            None => false,
            Some(child) => match child.try_wait() {
                Ok(None) => true,
                _ => {
                    self.procs[i as usize] = None;
                    false
                }
            },
        }
    }

    /// SIGKILL: the process dies at once, mid-whatever.
    pub fn kill(&mut self, i: NodeId) -> Result<(), String> {
        let Some(mut child) = self.procs[i as usize].take() else {
            return Err(format!("{} is already dead", node_name(i)));
        };
        let _ = child.kill();
        let _ = child.wait();
        self.paused[i as usize] = false;
        Ok(())
    }

    /// Restarts a dead node with the same data directory.
    pub fn revive(&mut self, i: NodeId) -> Result<(), String> {
        if self.is_running(i) {
            return Err(format!("{} is already running", node_name(i)));
        }
        self.spawn(i)?;
        self.wait_healthy(i)
    }

    /// Deletes a dead node's data directory (amnesia).
    pub fn wipe(&mut self, i: NodeId) -> Result<(), String> {
        let dir = self.layout.data_dir(i);
        match fs::remove_dir_all(&dir) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(format!("cannot delete {}: {e}", dir.display()))
            }
            _ => Ok(()),
        }
    }

    fn signal(&mut self, i: NodeId, sig: libc::c_int) -> Result<(), String> {
        let pid = self
            .pid(i)
            .ok_or_else(|| format!("{} is dead", node_name(i)))?;
        // SAFETY: kill(2) on a child we started and have not reaped.
        if unsafe { libc::kill(pid as libc::pid_t, sig) } != 0 {
            return Err(format!("cannot signal {}", node_name(i)));
        }
        Ok(())
    }

    /// SIGSTOP: the process freezes, sockets and all.
    pub fn pause(&mut self, i: NodeId) -> Result<(), String> {
        self.signal(i, libc::SIGSTOP)?;
        self.paused[i as usize] = true;
        Ok(())
    }

    /// SIGCONT, then the fault settings it missed while frozen.
    pub fn resume(&mut self, i: NodeId) -> Result<(), String> {
        self.signal(i, libc::SIGCONT)?;
        self.paused[i as usize] = false;
        self.push_faults(i)
    }

    /// Whether node `i` is paused.
    pub fn is_paused(&self, i: NodeId) -> bool {
        self.paused[i as usize]
    }

    /// Lets every running `--hold` node's timers run, none firing within
    /// `grace` (a node started later is released when it hears a goose).
    pub fn release(&mut self, grace: Micros) -> Result<(), String> {
        for i in 0..self.size() {
            if !self.is_running(i) {
                continue;
            }
            let path = format!("/release?ms={}", grace / 1000);
            let r = client::request(self.layout.http(i), "POST", &path, CONTROL_TIMEOUT)?;
            if r.code != 200 {
                return Err(api_error(&r));
            }
        }
        Ok(())
    }

    /// Fires node `i`'s election timer.
    pub fn timeout(&mut self, i: NodeId) -> Result<(), String> {
        let r = client::request(self.layout.http(i), "POST", "/timeout", CONTROL_TIMEOUT)?;
        match r.code {
            200 => Ok(()),
            _ => Err(api_error(&r)),
        }
    }

    fn push_faults(&mut self, i: NodeId) -> Result<(), String> {
        let addr = self.layout.http(i);
        let blocked: Vec<String> = (0..self.size())
            .filter(|&p| self.cut[i as usize][p as usize])
            .map(node_name)
            .collect();
        let path = if blocked.is_empty() {
            "/fault/heal".to_string()
        } else {
            format!("/fault/partition?peers={}", blocked.join(","))
        };
        for path in [path, format!("/fault/loss?percent={}", self.loss_percent)] {
            let r = client::request(addr, "POST", &path, CONTROL_TIMEOUT)?;
            if r.code != 200 {
                return Err(api_error(&r));
            }
        }
        Ok(())
    }

    fn push_all(&mut self) -> Result<(), String> {
        for i in 0..self.size() {
            if self.is_running(i) && !self.is_paused(i) {
                self.push_faults(i)?;
            }
        }
        Ok(())
    }

    /// Splits the network: nodes talk only within their group; nodes named
    /// in no group form one more group.
    pub fn partition(&mut self, groups: &[Vec<NodeId>]) -> Result<(), String> {
        let n = self.size() as usize;
        let mut group_of = vec![groups.len(); n];
        for (g, members) in groups.iter().enumerate() {
            for &m in members {
                group_of[m as usize] = g;
            }
        }
        for a in 0..n {
            for b in 0..n {
                self.cut[a][b] = a != b && group_of[a] != group_of[b];
            }
        }
        self.push_all()
    }

    /// Cuts every link of node `i`.
    pub fn isolate(&mut self, i: NodeId) -> Result<(), String> {
        for p in 0..self.size() as usize {
            if p != i as usize {
                self.cut[i as usize][p] = true;
                self.cut[p][i as usize] = true;
            }
        }
        self.push_all()
    }

    /// Restores every link of node `i`.
    pub fn reconnect(&mut self, i: NodeId) -> Result<(), String> {
        for p in 0..self.size() as usize {
            self.cut[i as usize][p] = false;
            self.cut[p][i as usize] = false;
        }
        self.push_all()
    }

    /// Restores every link.
    pub fn heal(&mut self) -> Result<(), String> {
        for row in &mut self.cut {
            row.fill(false);
        }
        self.push_all()
    }

    /// Every node drops this share of its datagrams, both ways.
    pub fn set_loss(&mut self, percent: f64) -> Result<(), String> {
        self.loss_percent = percent;
        self.push_all()
    }

    /// What every node answers now (asked in parallel).
    pub fn observe(&mut self) -> Vec<Seen> {
        let running: Vec<bool> = (0..self.size()).map(|i| self.is_running(i)).collect();
        let layout = &self.layout;
        std::thread::scope(|s| {
            let asks: Vec<_> = (0..layout.nodes)
                .map(|i| {
                    let up = running[i as usize];
                    s.spawn(move || {
                        if !up {
                            return Seen::Dead;
                        }
                        match client::request(
                            layout.http(i),
                            "GET",
                            "/status",
                            Duration::from_secs(1),
                        ) {
                            Ok(r) if r.code == 200 => serde_json::from_str(&r.body)
                                .map(Seen::Up)
                                .unwrap_or(Seen::Unreachable),
                            _ => Seen::Unreachable,
                        }
                    })
                })
                .collect();
            asks.into_iter()
                .map(|h| h.join().unwrap_or(Seen::Unreachable))
                .collect()
        })
    }

    /// Whether slot `i`'s process was ever started (a spare was not).
    pub fn started(&self, i: NodeId) -> bool {
        self.started[i as usize]
    }

    /// The first slot never started: the one `ddg cluster add` takes when
    /// not told which.
    pub fn next_spare(&self) -> Option<NodeId> {
        self.started.iter().position(|s| !s).map(|i| i as NodeId)
    }

    /// Adds slot `i` to the configuration (dissertation §4.2.1): starts its
    /// process if it is not running, then asks the goose, which catches it
    /// up and appends the change; returns the goose's answer once the change
    /// commits.
    pub fn add(&mut self, i: NodeId) -> Result<Json, String> {
        if !self.is_running(i) {
            self.spawn(i)?;
            self.wait_healthy(i)?;
        }
        self.change("POST", &format!("/members?id={}", node_name(i)))
    }

    /// Removes node `i` from the configuration (§4.2.2) and, once the change
    /// commits, retires its process (SIGTERM, SIGKILL if it lingers).
    pub fn remove(&mut self, i: NodeId) -> Result<Json, String> {
        let answer = self.change("DELETE", &format!("/members/{}", node_name(i)))?;
        self.retire(i);
        Ok(answer)
    }

    /// Stops node `i` politely: SIGTERM, then SIGKILL after a second.
    fn retire(&mut self, i: NodeId) {
        if !self.is_running(i) {
            return;
        }
        if self.is_paused(i) {
            let _ = self.signal(i, libc::SIGCONT);
        }
        let _ = self.signal(i, libc::SIGTERM);
        let began = Instant::now();
        while self.is_running(i) && began.elapsed() < Duration::from_secs(1) {
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.kill(i);
    }

    /// Sends a membership change to the goose: to the node that says goose,
    /// else to any running member, following the goose a duck names (307 or
    /// 421). While there is no goose to ask (an election, a goose that just
    /// stopped), it tries again for up to [`CHANGE_WAIT`].
    fn change(&mut self, method: &str, path: &str) -> Result<Json, String> {
        let began = Instant::now();
        loop {
            let why = match self.change_once(method, path)? {
                Ok(answer) => return Ok(answer),
                Err(why) => why,
            };
            if began.elapsed() > CHANGE_WAIT {
                return Err(why);
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// One try of [`LocalCluster::change`]: `Ok(Err(why))` if it is worth
    /// another (no goose known or reachable now).
    fn change_once(&mut self, method: &str, path: &str) -> Result<Result<Json, String>, String> {
        let seen = self.observe();
        let asked = match geese(&seen)[..] {
            [g] => Some(g),
            _ => (0..self.size()).find(|&i| {
                !self.is_paused(i)
                    && matches!(&seen[i as usize], Seen::Up(j) if j["member"] == true)
            }),
        };
        let Some(mut to) = asked else {
            return Ok(Err("no running member to ask".into()));
        };
        for _ in 0..4 {
            let r = match client::request(self.layout.http(to), method, path, CHANGE_WAIT) {
                Ok(r) => r,
                Err(why) => return Ok(Err(why)),
            };
            let body: Json = serde_json::from_str(&r.body).unwrap_or_default();
            let why = format!("{} ({}): {}", node_name(to), r.code, api_error(&r));
            match r.code {
                200 => return Ok(Ok(body)),
                307 | 421 => {
                    let goose = body["goose"].as_str().unwrap_or("");
                    to = parse_node(goose, self.size()).map_err(|_| why)?;
                }
                503 if why.contains("knows no goose") || why.contains("lost its crown") => {
                    return Ok(Err(why))
                }
                _ => return Err(why),
            }
        }
        Ok(Err("the nodes kept naming another goose".into()))
    }

    /// Stops every node (SIGKILL) and reaps it.
    pub fn stop(&mut self) {
        for slot in &mut self.procs {
            if let Some(mut child) = slot.take() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }

    /// Node ids whose processes exited without being told to, reaped.
    pub fn reap_crashed(&mut self) -> Vec<(NodeId, String)> {
        let mut gone = Vec::new();
        for (i, slot) in self.procs.iter_mut().enumerate() {
            if let Some(child) = slot {
                if let Ok(Some(status)) = child.try_wait() {
                    gone.push((i as NodeId, status.to_string()));
                    *slot = None;
                }
            }
        }
        gone
    }
}

impl Drop for LocalCluster {
    fn drop(&mut self) {
        self.stop();
    }
}

fn api_error(r: &client::Response) -> String {
    serde_json::from_str::<Json>(&r.body)
        .ok()
        .and_then(|j| j["error"].as_str().map(String::from))
        .unwrap_or_else(|| format!("HTTP {}: {}", r.code, r.body.trim()))
}

/// The geese among `seen`: nodes that answer "goose" now.
pub fn geese(seen: &[Seen]) -> Vec<NodeId> {
    (0..seen.len() as u32)
        .filter(|&i| seen[i as usize].role() == "goose")
        .collect()
}

/// `ddg cluster`.
#[derive(clap::Args, Debug)]
pub struct ClusterArgs {
    #[command(subcommand)]
    command: ClusterCommand,
}

/// Timing flags shared by `up`.
#[derive(clap::Args, Debug, Clone)]
struct Timing {
    /// Election timeout range.
    #[arg(long, default_value = "150ms..300ms")]
    election: String,
    /// Heartbeat interval.
    #[arg(long, default_value = "50ms")]
    heartbeat: String,
    /// CheckQuorum: on or off.
    #[arg(long, default_value = "on")]
    checkquorum: String,
    /// PreVote: on or off.
    #[arg(long, default_value = "off")]
    prevote: String,
}

#[derive(clap::Subcommand, Debug)]
enum ClusterCommand {
    /// Start N nodes on loopback, supervise them and serve their controls
    /// until Ctrl-C.
    Up {
        /// How many nodes: the initial configuration.
        #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=101))]
        nodes: u32,
        /// Spare slots beyond --nodes, not started: `ddg cluster add` starts
        /// the next one and asks the goose to add it (ports follow the
        /// nodes').
        #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=100))]
        spare: u32,
        /// Where the nodes' data directories and logs go.
        #[arg(long, default_value = "ddg-cluster")]
        dir: PathBuf,
        /// The controls' HTTP port (127.0.0.1).
        #[arg(long, default_value_t = 8000)]
        port: u16,
        /// Node n1's peer (UDP) port; the others follow.
        #[arg(long, default_value_t = 7001)]
        peer_base: u16,
        /// Node n1's HTTP port; the others follow.
        #[arg(long, default_value_t = 8001)]
        http_base: u16,
        /// Write each node's event log (DIR/nK.events).
        #[arg(long)]
        event_logs: bool,
        /// Where the page's files are (index.html, www/, pkg/), served at
        /// the controls' port for Live mode (default: the current directory
        /// if it holds index.html, else the source tree ddg was built from).
        #[arg(long)]
        page: Option<PathBuf>,
        #[command(flatten)]
        timing: Timing,
    },
    /// Run a scenario file against a fresh real cluster (wall time).
    Run {
        /// The scenario file.
        file: PathBuf,
        /// Where the nodes' data and logs go (default: a new temporary directory).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Every node's status, from a running `ddg cluster up`.
    Status(Control),
    /// Start a spare slot (the next one, or NODE) and ask the goose to add
    /// it; answers once the change commits (dissertation §4.2.1).
    Add {
        /// The slot, `nK` (default: the next spare never started).
        node: Option<String>,
        #[command(flatten)]
        control: Control,
    },
    /// Ask the goose to remove a node; once the change commits, stop its
    /// process (dissertation §4.2.2).
    Remove(NodeControl),
    /// SIGKILL a node.
    Kill(NodeControl),
    /// Restart a dead node with its data directory.
    Revive(NodeControl),
    /// SIGSTOP a node.
    Pause(NodeControl),
    /// SIGCONT a paused node.
    Resume(NodeControl),
    /// Fire a node's election timer.
    Timeout(NodeControl),
    /// Cut every link of a node.
    Isolate(NodeControl),
    /// Restore every link of a node.
    Reconnect(NodeControl),
    /// Split the network: `ddg cluster partition "n1,n2|n3,n4,n5"`.
    Partition {
        /// Groups separated by `|`, nodes by `,`.
        groups: String,
        #[command(flatten)]
        control: Control,
    },
    /// Restore every link.
    Heal(Control),
    /// Drop this percentage of every node's datagrams.
    Loss {
        /// Percent, 0 to 100.
        percent: f64,
        #[command(flatten)]
        control: Control,
    },
}

#[derive(clap::Args, Debug)]
struct Control {
    /// The address of `ddg cluster up`'s controls.
    #[arg(long, default_value = "127.0.0.1:8000")]
    control: SocketAddr,
}

#[derive(clap::Args, Debug)]
struct NodeControl {
    /// The node, `n1`…`nN`.
    node: String,
    #[command(flatten)]
    control: Control,
}

fn call(control: SocketAddr, path: &str, post: bool) -> ExitCode {
    let r = if post {
        // Long enough for a revive (10 s to answer /health) or a membership
        // change (which first starts and catches up the node).
        client::request(control, "POST", path, Duration::from_secs(20))
    } else {
        client::request(control, "GET", path, Duration::from_secs(3))
    };
    match r {
        Ok(r) if (200..300).contains(&r.code) => {
            println!("{}", r.body.trim_end());
            ExitCode::SUCCESS
        }
        Ok(r) => {
            eprintln!("error: {}", api_error(&r));
            ExitCode::from(1)
        }
        Err(why) => {
            eprintln!("error: no `ddg cluster up` answers at {control}: {why}");
            ExitCode::from(1)
        }
    }
}

/// Runs `ddg cluster …`.
pub fn run(args: ClusterArgs) -> ExitCode {
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: cannot find the ddg binary: {e}");
            return ExitCode::from(2);
        }
    };
    match args.command {
        ClusterCommand::Up {
            nodes,
            spare,
            dir,
            port,
            peer_base,
            http_base,
            event_logs,
            page,
            timing,
        } => up(
            &exe,
            (nodes, spare),
            &dir,
            (port, peer_base, http_base),
            event_logs,
            super::page::root(page),
            &timing,
        ),
        ClusterCommand::Run { file, dir } => {
            let text = match fs::read_to_string(&file) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("error: cannot read {}: {e}", file.display());
                    return ExitCode::from(2);
                }
            };
            let dir = dir.unwrap_or_else(|| {
                std::env::temp_dir().join(format!("ddg-cluster-run-{}", std::process::id()))
            });
            let code = run_scenario(
                &exe,
                &text,
                &dir,
                &mut std::io::stdout(),
                &mut std::io::stderr(),
            );
            ExitCode::from(code as u8)
        }
        ClusterCommand::Status(c) => call(c.control, "/cluster/status", false),
        ClusterCommand::Add { node, control } => call(
            control.control,
            &match node {
                Some(n) => format!("/cluster/add?node={n}"),
                None => "/cluster/add".into(),
            },
            true,
        ),
        ClusterCommand::Remove(n) => call(
            n.control.control,
            &format!("/cluster/remove?node={}", n.node),
            true,
        ),
        ClusterCommand::Kill(n) => call(
            n.control.control,
            &format!("/cluster/kill?node={}", n.node),
            true,
        ),
        ClusterCommand::Revive(n) => call(
            n.control.control,
            &format!("/cluster/revive?node={}", n.node),
            true,
        ),
        ClusterCommand::Pause(n) => call(
            n.control.control,
            &format!("/cluster/pause?node={}", n.node),
            true,
        ),
        ClusterCommand::Resume(n) => call(
            n.control.control,
            &format!("/cluster/resume?node={}", n.node),
            true,
        ),
        ClusterCommand::Timeout(n) => call(
            n.control.control,
            &format!("/cluster/timeout?node={}", n.node),
            true,
        ),
        ClusterCommand::Isolate(n) => call(
            n.control.control,
            &format!("/cluster/isolate?node={}", n.node),
            true,
        ),
        ClusterCommand::Reconnect(n) => call(
            n.control.control,
            &format!("/cluster/reconnect?node={}", n.node),
            true,
        ),
        ClusterCommand::Partition { groups, control } => {
            let groups = groups.replace(' ', "").replace('|', "%7C");
            call(
                control.control,
                &format!("/cluster/partition?groups={groups}"),
                true,
            )
        }
        ClusterCommand::Heal(c) => call(c.control, "/cluster/heal", true),
        ClusterCommand::Loss { percent, control } => call(
            control.control,
            &format!("/cluster/loss?percent={percent}"),
            true,
        ),
    }
}

/// `ports`: the controls' (and the page's), n1's peer port, n1's HTTP port.
fn up(
    exe: &Path,
    (members, spare): (u32, u32),
    dir: &Path,
    ports: (u16, u16, u16),
    event_logs: bool,
    page: PathBuf,
    timing: &Timing,
) -> ExitCode {
    let (port, peer_base, http_base) = ports;
    let nodes = members + spare;
    if nodes > crate::sim::MAX_NODES {
        eprintln!(
            "error: --nodes {members} and --spare {spare} make {nodes} slots; at most {}",
            crate::sim::MAX_NODES
        );
        return ExitCode::from(2);
    }
    if u32::from(peer_base) + nodes > 65_536 || u32::from(http_base) + nodes > 65_536 {
        eprintln!("error: the port ranges run past 65535");
        return ExitCode::from(2);
    }
    let mut layout = Layout::consecutive(nodes, dir, peer_base, http_base);
    layout.members = members;
    layout.event_logs = event_logs;
    layout.node_flags = vec![
        "--election".into(),
        timing.election.clone(),
        "--heartbeat".into(),
        timing.heartbeat.clone(),
        "--checkquorum".into(),
        timing.checkquorum.clone(),
        "--prevote".into(),
        timing.prevote.clone(),
    ];
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let listener = match runtime.block_on(tokio::net::TcpListener::bind(("127.0.0.1", port))) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen on 127.0.0.1:{port}: {e}");
            return ExitCode::from(2);
        }
    };
    // One supervisor thread owns the cluster: the nodes' parent thread must
    // live as long as they do (PR_SET_PDEATHSIG fires when it exits).
    let (requests, inbox) = std::sync::mpsc::channel::<Request>();
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let exe = exe.to_path_buf();
    let nodes_http: Vec<SocketAddr> = (0..nodes).map(|i| layout.http(i)).collect();
    let supervisor = std::thread::spawn(move || {
        let cluster = match LocalCluster::start(&exe, layout) {
            Ok(c) => {
                let _ = ready_tx.send(Ok(()));
                c
            }
            Err(why) => {
                let _ = ready_tx.send(Err(why));
                return;
            }
        };
        let mut world = RealWorld::new(cluster);
        loop {
            match inbox.recv_timeout(Duration::from_millis(500)) {
                Ok(Request { what, query, reply }) => {
                    let _ = reply.send(control(&mut world, what, query));
                }
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    for (i, status) in world.cluster().reap_crashed() {
                        eprintln!(
                            "ddg cluster: {} exited on its own ({status}); `ddg cluster revive {}` restarts it",
                            node_name(i),
                            node_name(i)
                        );
                    }
                }
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
            }
        }
        world.cluster().stop();
    });
    match ready_rx.recv() {
        Ok(Ok(())) => {}
        Ok(Err(why)) => {
            eprintln!("error: {why}");
            return ExitCode::from(2);
        }
        Err(_) => {
            eprintln!("error: the supervisor failed");
            return ExitCode::from(1);
        }
    }
    eprintln!(
        "ddg cluster: {members} nodes up{} (HTTP 127.0.0.1:{http_base}..{}, data in {}); controls at http://127.0.0.1:{port}/cluster/status; the page in Live mode at http://127.0.0.1:{port}/#live; Ctrl-C stops everything",
        if spare > 0 {
            format!(", {spare} spare slots for `ddg cluster add`")
        } else {
            String::new()
        },
        u32::from(http_base) + nodes - 1,
        dir.display()
    );
    let code = runtime.block_on(serve_controls(requests, listener, page, nodes_http));
    // Dropping the last sender ends the supervisor, which stops every node.
    let _ = supervisor.join();
    code
}

/// One control request for the supervisor thread.
struct Request {
    what: &'static str,
    query: Option<String>,
    reply: tokio::sync::oneshot::Sender<Result<Json, String>>,
}

/// Applies one control to the cluster.
fn control(w: &mut RealWorld, what: &str, query: Option<String>) -> Result<Json, String> {
    let params = super::http::query_params(query)?;
    if what == "line" {
        // A line of the scenario language, as the page's buttons speak it.
        let line = params.get("line").ok_or("this control needs ?line=…")?;
        let command = match crate::script::parse_command(line, w.cluster().size())? {
            Some(c) if acts_from_page(&c) => c,
            _ => return Err(format!("`{line}` does not act on a real cluster from the page: kill, revive, timeout, isolate, reconnect, partition and heal do")),
        };
        w.exec(&command).map_err(|f| match f {
            Failure::Error(e) | Failure::Expectation(e) => e,
        })?;
        return Ok(serde_json::json!({ "ok": true }));
    }
    let c = w.cluster();
    let size = c.size();
    let node = || -> Result<NodeId, String> {
        parse_node(
            params.get("node").ok_or("this control needs ?node=nK")?,
            size,
        )
    };
    match what {
        "roles" => {
            let roles: Vec<String> = c.observe().iter().map(|s| s.role().to_string()).collect();
            return Ok(Json::String(roles.join(" ")));
        }
        "status" => {
            let seen = c.observe();
            let nodes: Vec<Json> = seen
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let mut j = match s {
                        Seen::Up(j) => j.clone(),
                        other => {
                            serde_json::json!({"id": node_name(i as u32), "role": other.role()})
                        }
                    };
                    j["http"] = format!("http://{}", c.layout().http(i as u32)).into();
                    j
                })
                .collect();
            let geese: Vec<String> = geese(&seen).into_iter().map(node_name).collect();
            return Ok(serde_json::json!({ "geese": geese, "nodes": nodes }));
        }
        "add" => {
            let i = match params.get("node") {
                Some(n) => parse_node(n, size)?,
                None => c.next_spare().ok_or(
                    "no spare slot left: start the cluster with `ddg cluster up --spare N`, or name a removed node",
                )?,
            };
            return c.add(i);
        }
        "remove" => return c.remove(node()?),
        "kill" => c.kill(node()?)?,
        "revive" => c.revive(node()?)?,
        "pause" => c.pause(node()?)?,
        "resume" => c.resume(node()?)?,
        "timeout" => c.timeout(node()?)?,
        "isolate" => c.isolate(node()?)?,
        "reconnect" => c.reconnect(node()?)?,
        "heal" => c.heal()?,
        "loss" => {
            let pct: f64 = params
                .get("percent")
                .and_then(|p| p.parse().ok())
                .filter(|p: &f64| (0.0..=100.0).contains(p))
                .ok_or("loss needs ?percent=0..100")?;
            c.set_loss(pct)?
        }
        "partition" => {
            let text = params
                .get("groups")
                .ok_or("partition needs ?groups=n1,n2|n3,n4,n5")?;
            let groups = text
                .split('|')
                .map(|g| {
                    g.split(',')
                        .filter(|s| !s.is_empty())
                        .map(|n| parse_node(n.trim(), size))
                        .collect()
                })
                .collect::<Result<Vec<Vec<NodeId>>, String>>()?;
            c.partition(&groups)?
        }
        _ => return Err(format!("unknown control {what}")),
    }
    Ok(serde_json::json!({ "ok": true }))
}

/// The lines the page may send (`POST /cluster/line?line=…`): those that act
/// at once (no `run`, which would hold the supervisor, and no settings).
fn acts_from_page(c: &Command) -> bool {
    matches!(
        c,
        Command::Kill { .. }
            | Command::Revive(_)
            | Command::ReviveDead
            | Command::Timeout(_)
            | Command::Isolate(_)
            | Command::Reconnect(_)
            | Command::Partition(_)
            | Command::Heal
    )
}

async fn serve_controls(
    requests: std::sync::mpsc::Sender<Request>,
    listener: tokio::net::TcpListener,
    page: PathBuf,
    nodes_http: Vec<SocketAddr>,
) -> ExitCode {
    use axum::extract::{RawQuery, State};
    use axum::http::StatusCode;
    use axum::response::{IntoResponse, Response};
    use axum::routing::{get, post};

    type Shared = Arc<Mutex<std::sync::mpsc::Sender<Request>>>;

    async fn act(shared: Shared, query: Option<String>, what: &'static str) -> Response {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let sent = shared
            .lock()
            .map(|tx| tx.send(Request { what, query, reply }).is_ok())
            .unwrap_or(false);
        if !sent {
            return super::http::error(
                StatusCode::SERVICE_UNAVAILABLE,
                "the cluster is stopping".into(),
            );
        }
        match answer.await {
            Ok(Ok(j)) => axum::Json(j).into_response(),
            Ok(Err(why)) => super::http::error(StatusCode::BAD_REQUEST, why),
            Err(_) => super::http::error(
                StatusCode::SERVICE_UNAVAILABLE,
                "the cluster is stopping".into(),
            ),
        }
    }

    macro_rules! control {
        ($what:literal) => {
            |State(s): State<Shared>, RawQuery(q): RawQuery| act(s, q, $what)
        };
    }
    let shared: Shared = Arc::new(Mutex::new(requests));
    let nodes_http = Arc::new(nodes_http);
    let events = move |RawQuery(q): RawQuery| super::page::relay_events(Arc::clone(&nodes_http), q);
    let app = axum::Router::new()
        // A JSON string of every node's role in order ("duck goose dead …"):
        // how the page in Live mode tells a dead node from an unreachable one.
        .route("/cluster/roles", get(control!("roles")))
        .route("/cluster/events", get(events))
        .route("/cluster/status", get(control!("status")))
        .route("/cluster/add", post(control!("add")))
        .route("/cluster/remove", post(control!("remove")))
        .route("/cluster/kill", post(control!("kill")))
        .route("/cluster/revive", post(control!("revive")))
        .route("/cluster/pause", post(control!("pause")))
        .route("/cluster/resume", post(control!("resume")))
        .route("/cluster/timeout", post(control!("timeout")))
        .route("/cluster/isolate", post(control!("isolate")))
        .route("/cluster/reconnect", post(control!("reconnect")))
        .route("/cluster/partition", post(control!("partition")))
        .route("/cluster/heal", post(control!("heal")))
        .route("/cluster/loss", post(control!("loss")))
        .route("/cluster/line", post(control!("line")))
        .fallback(move |uri: axum::http::Uri| super::page::serve(page, uri.path().to_string()))
        .layer(axum::middleware::from_fn(super::page::same_origin_writes))
        .with_state(Arc::clone(&shared));
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let code = tokio::select! {
        r = axum::serve(listener, app) => match r {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: the control server failed: {e}");
                ExitCode::from(1)
            }
        },
        _ = tokio::signal::ctrl_c() => ExitCode::SUCCESS,
        _ = term.recv() => ExitCode::SUCCESS,
    };
    eprintln!("ddg cluster: stopping every node");
    code
}
