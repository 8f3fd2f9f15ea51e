//! Real nodes: the same [`crate::node::Node`] as real processes on real
//! sockets (native only; the page's wasm build never compiles this).
//!
//! - [`driver`]: one task owns the node, gives it a monotonic clock, a UDP
//!   socket and a disk, and applies the in-process fault layer;
//! - [`wire`]: the versioned datagram format, with the cluster id;
//! - [`store`]: term, vote and lease, saved atomically before anything that
//!   depends on them is sent;
//! - [`log_file`]: the log, append-only on disk, synced before anything that
//!   depends on it is sent;
//! - [`http`]: the HTTP API (`/`, `/status`, `/leader`, `/metrics`, `/events`…);
//! - [`cli`]: `ddg node`, one process, one node;
//! - [`member`]: `ddg member add|remove`, a change asked of a running
//!   cluster (for scripts and Kubernetes hooks);
//! - [`client`]: a tiny HTTP/1.1 client for the cluster tools and tests;
//! - [`cluster`]: `ddg cluster`: start, supervise and fault a cluster of node
//!   processes on one machine, grow and shrink it (`add`, `remove`);
//! - [`real_world`]: the scenario language on such a cluster (`ddg cluster
//!   run`);
//! - [`page`]: the page itself, served by `ddg cluster up` for Live mode.
//!
//! The rules are the simulator's, untouched; only the driver differs: the
//! simulator gives a node an event queue and a seeded clock, a real node gets
//! `Instant`, a socket and `fsync`. Why the CheckQuorum lease stays safe with
//! real clocks (a bound on clock rates and a margin) is in [`crate::node`].

pub mod cli;
pub mod client;
pub mod cluster;
pub mod driver;
pub mod http;
pub mod log_file;
pub mod member;
pub mod page;
pub mod real_world;
pub mod store;
pub mod wire;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::net::TcpListener;

use driver::{Command, Config, Driver};

/// Resolves `host:port` (a name is looked up by DNS), preferring IPv4 like
/// the default bind address (`localhost` may list `::1` first).
pub async fn resolve(addr: &str) -> Option<SocketAddr> {
    let all: Vec<SocketAddr> = tokio::net::lookup_host(addr).await.ok()?.collect();
    all.iter().find(|a| a.is_ipv4()).or(all.first()).copied()
}

/// Runs one node until SIGINT or SIGTERM: its driver, its HTTP server on
/// `http`, and a resolver that looks the peers' names up again every few
/// seconds (a Kubernetes pod that restarts gets a new address).
pub async fn run_node(cfg: Config, http: SocketAddr, faults: bool) -> Result<(), String> {
    let start = Instant::now();
    let peers = cfg.peers.clone();
    let id = cfg.id;
    let driver = Driver::start(cfg, start).await?;
    let handle = driver.handle();
    let listener = TcpListener::bind(http)
        .await
        .map_err(|e| format!("cannot bind the HTTP server to {http}: {e}"))?;
    let commands = handle.commands.clone();
    tokio::spawn(async move {
        loop {
            let mut missing = false;
            for (i, name) in peers.iter().enumerate() {
                if i as u32 == id {
                    continue;
                }
                match resolve(name).await {
                    Some(addr) => {
                        let _ = commands.send(Command::PeerAddress(i as u32, addr)).await;
                    }
                    None => missing = true,
                }
            }
            let pause = if missing { 200 } else { 5_000 };
            tokio::time::sleep(Duration::from_millis(pause)).await;
        }
    });
    let server = axum::serve(listener, http::router(handle, faults));
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| e.to_string())?;
    tokio::select! {
        why = driver.run() => Err(format!("stopping: {why}")),
        r = server => r.map_err(|e| format!("the HTTP server failed: {e}")),
        _ = tokio::signal::ctrl_c() => Ok(()),
        _ = term.recv() => Ok(()),
    }
}
