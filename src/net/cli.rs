//! `ddg node`: one process, one node. Its flags, parsed with clap.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::config::Members;
use crate::message::NodeId;
use crate::options::{Micros, Options};
use crate::script::duration::{parse_duration, parse_span};
use crate::script::parse::parse_node;

use super::driver::Config;

/// `ddg node`: run one node of a real cluster.
#[derive(clap::Args, Debug, Clone)]
pub struct NodeArgs {
    /// This node's name, `n1`…`nN`, or a Kubernetes StatefulSet pod name
    /// whose trailing ordinal counts from 0 (`ddg-0` is n1).
    #[arg(long)]
    pub id: String,
    /// Every node slot's peer (UDP) address in order, this node's included:
    /// `host:port,host:port,…`. Names are resolved by DNS, again every few
    /// seconds. A slot may be a spare that joins later (see --members).
    #[arg(long, value_delimiter = ',', required = true)]
    pub peers: Vec<String>,
    /// The initial configuration (dissertation §4): the nodes that vote when
    /// the cluster first starts, as a count of the first slots (`3`: n1, n2,
    /// n3) or a list (`n1,n2,n4`). Default: every slot of --peers. A node
    /// outside it starts as a non-member: it never campaigns until the goose
    /// adds it (`POST /members?id=nK`) and a configuration entry in its log
    /// makes it a member. Every node of a cluster must be given the same
    /// --members; later changes live in the log, not in this flag.
    #[arg(long)]
    pub members: Option<String>,
    /// Where the peer socket binds (default: 0.0.0.0 and this node's port in
    /// --peers).
    #[arg(long)]
    pub bind: Option<SocketAddr>,
    /// Where the HTTP API listens.
    #[arg(long, default_value = "127.0.0.1:8001")]
    pub http: SocketAddr,
    /// Every node's HTTP address in the order of --peers (`host:port,…`), so
    /// that a node that is not the goose redirects `POST /request` to the
    /// goose (without it, it names the goose in its refusal).
    #[arg(long, value_delimiter = ',')]
    pub http_peers: Vec<String>,
    /// The cluster id carried by every datagram: clusters never mix.
    #[arg(long, default_value_t = 1)]
    pub cluster: u64,
    /// Where term, vote, lease and log are kept (created if missing).
    #[arg(long)]
    pub data_dir: PathBuf,
    /// Election timeout range (Raft §5.2).
    #[arg(long, default_value = "150ms..300ms")]
    pub election: String,
    /// Heartbeat interval.
    #[arg(long, default_value = "50ms")]
    pub heartbeat: String,
    /// CheckQuorum with leases: on or off.
    #[arg(long, default_value = "on")]
    pub checkquorum: String,
    /// PreVote: on or off.
    #[arg(long, default_value = "off")]
    pub prevote: String,
    /// How much longer than asked a node keeps each lease promise; safe while
    /// it is at least 2ρ·election.min for clock rates within ρ of true time
    /// (default: election.min / 10, so ρ up to 5%).
    #[arg(long)]
    pub lease_margin: Option<String>,
    /// Serve the fault routes (partition, isolate, heal, loss, delay).
    #[arg(long)]
    pub faults: bool,
    /// Append every event, stamped with the host's monotonic clock, to FILE.
    #[arg(long)]
    pub event_log: Option<PathBuf>,
    /// No election timer fires before this long after boot (messages are
    /// handled as usual).
    #[arg(long, default_value = "0ms")]
    pub boot_grace: String,
    /// Hold every election timer until `POST /release` (needs --faults; for
    /// scenario runners that start all nodes, then release them together).
    #[arg(long, requires = "faults")]
    pub hold: bool,
    /// Seed of the election timeouts (default: drawn at random).
    #[arg(long)]
    pub seed: Option<u64>,
}

fn on_off(flag: &str, v: &str) -> Result<bool, String> {
    match v {
        "on" | "true" => Ok(true),
        "off" | "false" => Ok(false),
        _ => Err(format!("--{flag} is on or off, not `{v}`")),
    }
}

/// The node id from `--id`: `nK`, or a StatefulSet pod name `NAME-K`
/// (ordinal K from 0, so `ddg-0` is n1).
pub(crate) fn node_id(text: &str, size: u32) -> Result<NodeId, String> {
    if let Ok(id) = parse_node(text, size) {
        return Ok(id);
    }
    let ordinal: u32 = text
        .rsplit_once('-')
        .and_then(|(_, n)| n.parse().ok())
        .ok_or_else(|| {
            format!("--id {text}: use n1…n{size}, or a pod name ending in -ORDINAL like ddg-0")
        })?;
    if ordinal >= size {
        return Err(format!(
            "--id {text}: ordinal {ordinal}, but --peers lists only {size} nodes"
        ));
    }
    Ok(ordinal)
}

/// The initial configuration from `--members` among `slots` slots: a count
/// of the first slots, or a list of node names (`n1,n2` or pod names).
pub fn initial_members(text: Option<&str>, slots: u32) -> Result<Members, String> {
    let Some(text) = text.map(str::trim) else {
        return Ok(Members::first(slots));
    };
    if let Ok(count) = text.parse::<u32>() {
        if !(1..=slots).contains(&count) {
            return Err(format!(
                "--members {count}: between 1 and the {slots} slots of --peers"
            ));
        }
        return Ok(Members::first(count));
    }
    let mut members = Members::EMPTY;
    for name in text.split(',').map(str::trim) {
        if name.is_empty() {
            return Err(format!("--members `{text}`: an empty name"));
        }
        let id = node_id(name, slots).map_err(|e| e.replace("--id", "--members"))?;
        if members.contains(id) {
            return Err(format!("--members names {name} twice"));
        }
        members = members.with(id);
    }
    Ok(members)
}

impl NodeArgs {
    /// The node's configuration and HTTP address, or what is wrong with the
    /// flags.
    pub fn config(&self) -> Result<(Config, SocketAddr), String> {
        let size = self.peers.len() as u32;
        if !(1..=crate::sim::MAX_NODES).contains(&size) {
            return Err(format!(
                "--peers lists {size} nodes; 1 to {} are allowed",
                crate::sim::MAX_NODES
            ));
        }
        let id = node_id(&self.id, size)?;
        let members = initial_members(self.members.as_deref(), size)?;
        if !self.http_peers.is_empty() && self.http_peers.len() != self.peers.len() {
            return Err(format!(
                "--http-peers lists {} addresses and --peers {}: give one per node, in the same order",
                self.http_peers.len(),
                self.peers.len()
            ));
        }
        let opts = Options {
            election: parse_span(&self.election).map_err(|e| format!("--election: {e}"))?,
            heartbeat: parse_duration(&self.heartbeat).map_err(|e| format!("--heartbeat: {e}"))?,
            check_quorum: on_off("checkquorum", &self.checkquorum)?,
            pre_vote: on_off("prevote", &self.prevote)?,
            ..Options::default()
        };
        let margin: Micros = match &self.lease_margin {
            Some(m) => parse_duration(m).map_err(|e| format!("--lease-margin: {e}"))?,
            None => opts.election.min / 10,
        };
        let bind = match self.bind {
            Some(b) => b,
            None => {
                let own = &self.peers[id as usize];
                let port = own
                    .rsplit_once(':')
                    .and_then(|(_, p)| p.parse::<u16>().ok())
                    .ok_or_else(|| format!("peer address `{own}` has no :PORT"))?;
                SocketAddr::from(([0, 0, 0, 0], port))
            }
        };
        let cfg = Config {
            id,
            peers: self.peers.clone(),
            bind,
            cluster: self.cluster,
            opts,
            margin,
            data_dir: Some(self.data_dir.clone()),
            event_log: self.event_log.clone(),
            seed: self.seed.unwrap_or_else(crate::random_seed),
            boot_grace: parse_duration(&self.boot_grace)
                .map_err(|e| format!("--boot-grace: {e}"))?,
            hold: self.hold,
            http_peers: self.http_peers.clone(),
            members,
        };
        Ok((cfg, self.http))
    }
}

/// Runs `ddg node`: exit code 0 after SIGINT/SIGTERM, 2 for bad flags or a
/// node that must not start (a corrupt state file), 1 if it had to stop.
pub fn run(args: &NodeArgs) -> ExitCode {
    let (cfg, http) = match args.config() {
        Ok(x) => x,
        Err(why) => {
            eprintln!("error: {why}");
            return ExitCode::from(2);
        }
    };
    let name = crate::message::node_name(cfg.id);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(super::run_node(cfg, http, args.faults)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(why) => {
            eprintln!("error: {name}: {why}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_is_a_count_or_a_list_of_slots() {
        assert_eq!(initial_members(None, 5), Ok(Members::first(5)));
        assert_eq!(initial_members(Some("3"), 5), Ok(Members::first(3)));
        assert_eq!(
            initial_members(Some("n1, n2,ddg-3"), 5).map(|m| m.to_string()),
            Ok("n1, n2, n4".into())
        );
        for (bad, says) in [
            ("0", "between 1 and the 5 slots"),
            ("6", "between 1 and the 5 slots"),
            ("n1,n1", "names n1 twice"),
            ("n1,,n2", "an empty name"),
            ("n7", "--members n7"),
            ("ddg-9", "only 5 nodes"),
        ] {
            let err = initial_members(Some(bad), 5).unwrap_err();
            assert!(err.contains(says), "{bad}: {err}");
        }
    }
}
