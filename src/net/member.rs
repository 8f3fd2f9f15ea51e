//! `ddg member add|remove ID --via HOST:PORT,…`: ask a running cluster to
//! change its configuration (dissertation §4.1), from anywhere that reaches
//! one of its nodes' HTTP APIs. For scripts and Kubernetes hooks: it asks the
//! nodes in turn, follows the goose a duck names (307 or 421), and retries
//! until the change commits, the change turns out to be done already (an
//! addition of a member, a removal of a non-member), or `--wait` runs out.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use serde_json::Value as Json;

use crate::script::duration::parse_duration;

use super::client;

/// `ddg member`.
#[derive(clap::Args, Debug, Clone)]
pub struct MemberArgs {
    /// `add` or `remove`.
    #[arg(value_parser = ["add", "remove"])]
    pub action: String,
    /// The node: `nK`, or a StatefulSet pod name (`ddg-3` is n4).
    pub id: String,
    /// Every slot's HTTP address in the order of `--peers`, as `ddg node
    /// --http-peers` takes them (`host:port,…`; names are resolved by DNS):
    /// asked in turn until one answers; the goose a duck names is found by
    /// its place in this list.
    #[arg(long, value_delimiter = ',', required = true)]
    pub via: Vec<String>,
    /// How long to keep trying (a new node may need a few tries: the goose
    /// gives up catching up a node that is not listening yet).
    #[arg(long, default_value = "60s")]
    pub wait: String,
}

/// What one attempt came to.
enum Attempt {
    /// Done (committed now, or nothing to do): what to print.
    Done(String),
    /// Ask this address next (a duck named the goose).
    Goose(String),
    /// Not now: why.
    Retry(String),
}

fn attempt(addr: &str, method: &str, path: &str) -> Attempt {
    let resolved: Option<SocketAddr> = std::net::ToSocketAddrs::to_socket_addrs(addr)
        .ok()
        .and_then(|mut a| a.find(SocketAddr::is_ipv4));
    let Some(sa) = resolved else {
        return Attempt::Retry(format!("cannot resolve {addr}"));
    };
    let r = match client::request(sa, method, path, Duration::from_secs(8)) {
        Ok(r) => r,
        Err(e) => return Attempt::Retry(e),
    };
    let body: Json = serde_json::from_str(&r.body).unwrap_or_default();
    let why = body["error"].as_str().unwrap_or(r.body.trim()).to_string();
    match r.code {
        200 => Attempt::Done(r.body.trim().to_string()),
        // The change is already made: the hook's work is done.
        409 if why.contains("already a member") || why.contains("is not a member") => {
            Attempt::Done(serde_json::json!({ "committed": true, "note": why }).to_string())
        }
        307 | 421 => match body["goose"].as_str() {
            Some(g) => Attempt::Goose(g.to_string()),
            None => Attempt::Retry(why),
        },
        _ => Attempt::Retry(format!("{addr} ({}): {why}", r.code)),
    }
}

/// The HTTP address among `via` for node `name` when the list is in slot
/// order (as `--http-peers` is); otherwise the next address in turn.
fn address_of(via: &[String], name: &str) -> Option<String> {
    let id = crate::script::parse::parse_node(name, via.len() as u32).ok()?;
    via.get(id as usize).cloned()
}

/// Runs `ddg member`: 0 once the change holds, 1 if it did not within
/// `--wait`, 2 for bad arguments.
pub fn run(args: &MemberArgs) -> ExitCode {
    let wait = match parse_duration(&args.wait) {
        Ok(w) => Duration::from_micros(w),
        Err(e) => {
            eprintln!("error: --wait: {e}");
            return ExitCode::from(2);
        }
    };
    let slots = crate::config::MAX_SLOTS;
    let id = match super::cli::node_id(&args.id, slots) {
        Ok(id) => crate::message::node_name(id),
        Err(e) => {
            eprintln!("error: {}", e.replace("--id", "the node"));
            return ExitCode::from(2);
        }
    };
    let (method, path) = match args.action.as_str() {
        "add" => ("POST", format!("/members?id={id}")),
        _ => ("DELETE", format!("/members/{id}")),
    };
    let began = Instant::now();
    let mut turn = 0;
    let mut next: Option<String> = None;
    let mut last = String::from("no node asked");
    while began.elapsed() < wait {
        let addr = next
            .take()
            .unwrap_or_else(|| args.via[turn % args.via.len()].clone());
        turn += 1;
        match attempt(&addr, method, &path) {
            Attempt::Done(out) => {
                println!("{out}");
                return ExitCode::SUCCESS;
            }
            Attempt::Goose(g) => match address_of(&args.via, &g) {
                Some(a) if a != addr => {
                    next = Some(a);
                    continue;
                }
                _ => last = format!("{addr} names the goose {g}, not found in --via"),
            },
            Attempt::Retry(why) => last = why,
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    eprintln!(
        "error: `{} {id}` did not happen within {}: {last}",
        args.action, args.wait
    );
    ExitCode::from(1)
}
