//! The node's HTTP API (axum): the assignment's question and everything
//! around it.
//!
//! | route | answers |
//! |---|---|
//! | `GET /` | `goose` or `duck`, plain text |
//! | `GET /status` | JSON: the scenario language's node status, the seed's `status`/`term`, lease end, uptime, peers |
//! | `GET /leader` | `{"leader": "n3", "term": 4}`, or 503 when it knows none |
//! | `GET /health` | 200 while the process serves |
//! | `GET /metrics` | Prometheus text (`ddg_members`, `ddg_is_member` among them) |
//! | `GET /events` | Server-Sent Events: state changes and notes; `?messages=1` adds every send and receive |
//! | `POST /timeout` | force the election timer |
//! | `POST /request` | a client request: 200 once committed; a duck redirects to the goose (307) or names it (421); a node outside its configuration answers 503 |
//! | `GET /members` | the configuration in effect (dissertation §4.1), as this node sees it |
//! | `POST /members?id=nK` | the goose adds slot nK: catches it up, then appends the change; 200 once it commits |
//! | `DELETE /members/nK` | the goose removes nK; 200 once the change commits |
//! | `GET /fault`, `POST /fault/{partition,isolate,heal,loss,delay}` | the fault layer, only with `--faults` |
//! | `POST /release?ms=N` | with `--faults`: let a `--hold` node's timers run, none firing before N ms |
//!
//! Every bad request gets a 4xx with `{"error": "…"}`.
//!
//! **Cross-origin use (CORS).** Every answer to a read (`GET`, `HEAD`) carries
//! `Access-Control-Allow-Origin: *`, so that the page in Live mode, served from
//! another port, can read `/status` and `/events`: they say nothing that
//! `curl` on this machine could not read, and no cookie or credential is ever
//! involved. A write from a web page (a `POST` that carries an `Origin`
//! header, as every browser adds) is refused with 403: a page in a browser
//! acts on the cluster only through `ddg cluster up`, which serves the page
//! itself and so sees it as its own origin. Plain clients (`curl`, `ddg
//! cluster`) send no `Origin` and are unaffected.

use std::collections::HashMap;
use std::convert::Infallible;
use std::fmt::Write as _;
use std::pin::Pin;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use axum::extract::{Path, RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;
use tokio::sync::oneshot;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::{Stream, StreamExt};

use crate::config::{Change, Members};
use crate::message::{node_name, Kind, NodeId};
use crate::node::Role;
use crate::options::{human_duration, CERTAIN, SECOND};
use crate::script::parse::parse_node;

use super::driver::{Changing, Command, Faults, Handle, Proposal, BAD_REASONS, REFUSAL_NAMES};

/// The router for one node; the fault routes exist only with `faults`.
pub fn router(handle: Handle, faults: bool) -> Router {
    let mut r = Router::new()
        .route("/", get(root))
        .route("/status", get(status))
        .route("/leader", get(leader))
        .route("/health", get(health))
        .route("/metrics", get(metrics))
        .route("/events", get(events))
        .route("/timeout", post(timeout))
        .route("/request", post(request))
        .route("/members", get(members).post(add_member))
        .route("/members/{id}", axum::routing::delete(remove_member));
    if faults {
        r = r
            .route("/fault", get(fault_state))
            .route("/fault/partition", post(partition))
            .route("/fault/isolate", post(isolate))
            .route("/fault/heal", post(heal))
            .route("/fault/loss", post(loss))
            .route("/fault/delay", post(delay))
            .route("/release", post(release));
    }
    r.fallback(move || not_found(faults))
        .layer(axum::middleware::from_fn(cross_origin))
        .method_not_allowed_fallback(|| async {
            error(
                StatusCode::METHOD_NOT_ALLOWED,
                "method not allowed on this route".into(),
            )
        })
        .with_state(handle)
}

/// The node's cross-origin rule (see the module doc): reads are open to any
/// page, writes from a page are refused.
async fn cross_origin(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let read = matches!(
        *req.method(),
        axum::http::Method::GET | axum::http::Method::HEAD
    );
    if !read && req.headers().contains_key(header::ORIGIN) {
        return error(
            StatusCode::FORBIDDEN,
            "a web page may not act on a node directly; open the page that `ddg cluster up` serves"
                .into(),
        );
    }
    let mut r = next.run(req).await;
    if read {
        r.headers_mut().insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            header::HeaderValue::from_static("*"),
        );
    }
    r
}

/// A JSON error response.
pub fn error(code: StatusCode, why: String) -> Response {
    (code, Json(json!({ "error": why }))).into_response()
}

async fn not_found(faults: bool) -> Response {
    let hint = if faults {
        ""
    } else {
        " (fault routes exist only when the node runs with --faults)"
    };
    error(
        StatusCode::NOT_FOUND,
        format!("no such route{hint}: try /, /status, /leader, /health, /metrics, /events, /members, POST /timeout, POST /request, POST /members?id=nK or DELETE /members/nK"),
    )
}

/// Query parameters, percent-decoded.
pub fn query_params(raw: Option<String>) -> Result<HashMap<String, String>, String> {
    let mut params = HashMap::new();
    for pair in raw
        .as_deref()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
    {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        params.insert(percent_decode(k)?, percent_decode(v)?);
    }
    Ok(params)
}

fn percent_decode(s: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = s
                    .get(i + 1..i + 3)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| format!("bad percent-encoding in `{s}`"))?;
                out.push(hex);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| format!("`{s}` is not UTF-8"))
}

async fn root(State(h): State<Handle>) -> &'static str {
    if h.snapshot.borrow().claims_goose(h.now()) {
        "goose\n"
    } else {
        "duck\n"
    }
}

async fn health() -> &'static str {
    "ok\n"
}

async fn status(State(h): State<Handle>) -> Response {
    let now = h.now();
    let s = h.snapshot.borrow().clone();
    let claims = s.claims_goose(now);
    let role = match s.role {
        // A goose whose majority lease has lapsed (a paused process, say)
        // has lost its crown, whatever its last step said.
        Role::Goose if !claims => Role::Uncrowned.name(),
        r => r.name(),
    };
    let peers: Vec<_> = h
        .peers
        .iter()
        .enumerate()
        .map(|(i, addr)| {
            json!({
                "id": node_name(i as u32),
                "address": addr,
                "resolved": s.peer_addrs.get(i).copied().flatten().map(|a| a.to_string()),
                "blocked": s.faults.blocked.contains(&node_name(i as u32)),
            })
        })
        .collect();
    Json(json!({
        "id": node_name(h.id),
        "alive": true,
        "role": role,
        "node_role": s.role.name(),
        "term": s.term,
        "voted_for": s.voted_for.map(node_name),
        "leader": s.leader.filter(|&l| l != h.id || claims).map(node_name),
        "status": if claims { "Goose" } else { "Duck" },
        "t_us": now,
        "uptime_us": now,
        "lease_until_us": s.lease_until,
        "goose_until_us": s.goose_until,
        "lease_margin_us": h.margin,
        "cluster": h.cluster,
        "options": h.opts.to_string(),
        "peers": peers,
        "faults": s.faults,
        "log": {
            "last_index": s.last_log.0,
            "last_term": s.last_log.1,
            "commit": s.commit,
        },
        "members": names(s.members),
        "member": s.members.contains(h.id),
        "config_index": s.config_index,
        "config_committed": s.config_index <= s.commit,
        "catching_up": s.catching_up.map(node_name),
    }))
    .into_response()
}

fn names(members: Members) -> Vec<String> {
    members.iter().map(node_name).collect()
}

async fn leader(State(h): State<Handle>) -> Response {
    let now = h.now();
    let s = h.snapshot.borrow().clone();
    match s.leader {
        Some(l) if l != h.id || s.claims_goose(now) => {
            Json(json!({ "leader": node_name(l), "term": s.term })).into_response()
        }
        _ => error(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("{} knows no goose in term {}", node_name(h.id), s.term),
        ),
    }
}

async fn metrics(State(h): State<Handle>) -> Response {
    let now = h.now();
    let s = h.snapshot.borrow().clone();
    let m = &h.metrics;
    let node = node_name(h.id);
    let mut out = String::new();
    let mut gauge = |name: &str, help: &str, kind: &str, lines: Vec<(String, f64)>| {
        let _ = writeln!(out, "# HELP ddg_{name} {help}\n# TYPE ddg_{name} {kind}");
        for (labels, v) in lines {
            let sep = if labels.is_empty() { "" } else { "," };
            let _ = writeln!(out, "ddg_{name}{{node=\"{node}\"{sep}{labels}}} {v}");
        }
    };
    let one = |v: f64| vec![(String::new(), v)];
    let get = |a: &std::sync::atomic::AtomicU64| a.load(Relaxed) as f64;
    let by_kind = |arr: &[std::sync::atomic::AtomicU64; 8]| {
        Kind::ALL
            .iter()
            .map(|k| (format!("kind=\"{}\"", k.name()), get(&arr[k.index()])))
            .collect::<Vec<_>>()
    };
    gauge(
        "is_goose",
        "1 if this node answers goose now",
        "gauge",
        one(s.claims_goose(now) as u8 as f64),
    );
    gauge("term", "current term", "gauge", one(s.term as f64));
    gauge(
        "has_leader",
        "1 if this node knows a goose",
        "gauge",
        one(s.leader.is_some() as u8 as f64),
    );
    gauge(
        "is_member",
        "1 if this node is in its configuration in effect (dissertation §4.1)",
        "gauge",
        one(s.members.contains(h.id) as u8 as f64),
    );
    gauge(
        "members",
        "how many nodes its configuration in effect holds",
        "gauge",
        one(s.members.len() as f64),
    );
    gauge(
        "uptime_seconds",
        "seconds since the process started",
        "gauge",
        one(now as f64 / SECOND as f64),
    );
    gauge(
        "elections_started_total",
        "campaigns started",
        "counter",
        one(get(&m.elections_started)),
    );
    gauge(
        "elections_won_total",
        "campaigns won",
        "counter",
        one(get(&m.elections_won)),
    );
    gauge(
        "prevotes_started_total",
        "pre-vote rounds started",
        "counter",
        one(get(&m.prevotes_started)),
    );
    gauge(
        "leader_changes_seen_total",
        "times the known goose changed",
        "counter",
        one(get(&m.leader_changes)),
    );
    gauge(
        "messages_sent_total",
        "messages sent, by kind",
        "counter",
        by_kind(&m.sent),
    );
    gauge(
        "messages_received_total",
        "messages received, by kind",
        "counter",
        by_kind(&m.received),
    );
    gauge(
        "messages_dropped_total",
        "messages dropped by the fault layer, by kind",
        "counter",
        by_kind(&m.dropped_fault),
    );
    gauge(
        "datagrams_refused_total",
        "datagrams the codec refused, by reason",
        "counter",
        BAD_REASONS
            .iter()
            .enumerate()
            .map(|(i, r)| (format!("reason=\"{}\"", r.name()), get(&m.dropped_bad[i])))
            .collect(),
    );
    gauge(
        "send_errors_total",
        "messages that could not be sent",
        "counter",
        one(get(&m.send_errors)),
    );
    gauge(
        "votes_refused_total",
        "votes and pre-votes refused, by reason",
        "counter",
        REFUSAL_NAMES
            .iter()
            .enumerate()
            .map(|(i, r)| (format!("reason=\"{r}\""), get(&m.refusals[i])))
            .collect(),
    );
    gauge(
        "persist_total",
        "saves to disk, state and log (each fsynced)",
        "counter",
        one(get(&m.persist_count)),
    );
    gauge(
        "persist_seconds_sum",
        "total time spent saving state",
        "counter",
        one(get(&m.persist_us_sum) / 1e6),
    );
    gauge(
        "persist_seconds_max",
        "longest state save",
        "gauge",
        one(get(&m.persist_us_max) / 1e6),
    );
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out).into_response()
}

type EventStream = Pin<Box<dyn Stream<Item = Result<Event, Infallible>> + Send>>;

async fn events(State(h): State<Handle>, RawQuery(q): RawQuery) -> Response {
    let params = match query_params(q) {
        Ok(p) => p,
        Err(why) => return error(StatusCode::BAD_REQUEST, why),
    };
    let messages = match params.get("messages").map(String::as_str) {
        None | Some("0" | "false") => false,
        Some("1" | "true" | "") => true,
        Some(other) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("messages={other}: use messages=1 or messages=0"),
            )
        }
    };
    let first = {
        let s = h.snapshot.borrow();
        json!({ "type": "hello", "t_us": h.now(), "node": node_name(h.id),
                "mono_us": super::driver::host_monotonic_us(),
                "term": s.term, "role": s.role.name() })
        .to_string()
    };
    let hello = tokio_stream::once(Ok(Event::default().event("event").data(first)));
    let events = BroadcastStream::new(h.events.subscribe())
        .filter_map(|r| r.ok())
        .map(|line| Ok(Event::default().event("event").data(&*line)));
    let mut stream: EventStream = Box::pin(hello.chain(events));
    if messages {
        let msgs = BroadcastStream::new(h.messages.subscribe())
            .filter_map(|r| r.ok())
            .map(|line| Ok(Event::default().event("message").data(&*line)));
        stream = Box::pin(stream.merge(msgs));
    }
    Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(5)))
        .into_response()
}

async fn timeout(State(h): State<Handle>) -> Response {
    let (tx, rx) = oneshot::channel();
    if h.commands.send(Command::Timeout(tx)).await.is_err() {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "the node is stopping".into(),
        );
    }
    match rx.await {
        Ok(true) => Json(json!({ "ok": true })).into_response(),
        Ok(false) => error(
            StatusCode::CONFLICT,
            format!("{} is the goose: it has no election timer", node_name(h.id)),
        ),
        Err(_) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "the node is stopping".into(),
        ),
    }
}

/// How long `POST /request` waits for its entry to commit.
const REQUEST_WAIT: Duration = Duration::from_secs(2);

/// `POST /request`: a client request (§5.3, §8). Only the goose takes it: it
/// appends an entry and answers once the entry commits (200), or once it is
/// no longer that term's goose (503: the entry may yet commit, or be
/// overwritten, §5.4.2). Another node redirects to the goose (307, with
/// `--http-peers`) or names it (421); with no goose known, or from a node
/// outside its configuration, 503.
async fn request(State(h): State<Handle>) -> Response {
    let me = node_name(h.id);
    let (tx, rx) = oneshot::channel();
    if h.commands.send(Command::Request(tx)).await.is_err() {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "the node is stopping".into(),
        );
    }
    let Ok(answer) = tokio::time::timeout(REQUEST_WAIT, rx).await else {
        return error(
            StatusCode::GATEWAY_TIMEOUT,
            format!(
                "{me} appended the request but it did not commit within {}: a majority may be \
                 unreachable; it may still commit",
                human_duration(REQUEST_WAIT.as_micros() as u64)
            ),
        );
    };
    let term = h.snapshot.borrow().term;
    match answer {
        Ok(Proposal::Committed { index, term }) => Json(json!({
            "committed": true,
            "index": index,
            "term": term,
            "goose": me,
        }))
        .into_response(),
        Ok(Proposal::Unknown { index, term }) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "{me} appended the request at index {index} in term {term}, then stopped being \
                 the goose before it committed: it may commit under the next goose, or be \
                 overwritten (Raft §5.4.2)"
            ),
        ),
        Ok(Proposal::Refused(why)) => error(StatusCode::SERVICE_UNAVAILABLE, why),
        Ok(Proposal::NotGoose(Some(l))) if l == h.id => error(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "{me} leads term {term} but has lost its crown (no majority's lease holds): \
                 try again shortly"
            ),
        ),
        Ok(Proposal::NotGoose(Some(l))) => to_goose(&h, l, "/request"),
        Ok(Proposal::NotMember) => not_member(&me),
        Ok(Proposal::NotGoose(None)) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("{me} knows no goose in term {term}: the request is refused"),
        ),
        Err(_) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "the node is stopping".into(),
        ),
    }
}

/// A duck's answer to what only the goose `l` takes: a redirect to the same
/// `path` on the goose (307 keeps the method and body, with `--http-peers`),
/// or a 421 that names it.
fn to_goose(h: &Handle, l: NodeId, path: &str) -> Response {
    let me = node_name(h.id);
    let goose = node_name(l);
    match h.http_peers.get(l as usize) {
        Some(addr) => (
            StatusCode::TEMPORARY_REDIRECT,
            [(header::LOCATION, format!("http://{addr}{path}"))],
            Json(
                json!({ "error": format!("{me} is a duck; {goose} is the goose"), "goose": goose }),
            ),
        )
            .into_response(),
        None => (
            StatusCode::MISDIRECTED_REQUEST,
            Json(json!({
                "error": format!("{me} is a duck; send the request to the goose, {goose}"),
                "goose": goose,
            })),
        )
            .into_response(),
    }
}

/// A node outside its configuration's answer to what only the goose takes:
/// 503 and no goose named, since a removed node hears no more of the cluster
/// and the goose it last knew may be gone (dissertation §4.2.2).
fn not_member(me: &str) -> Response {
    error(
        StatusCode::SERVICE_UNAVAILABLE,
        format!(
            "{me} is outside the cluster's configuration as it knows it (removed, or not yet \
             added): it does not follow the goose; ask a member (GET /members on one lists them)"
        ),
    )
}

/// How long a membership change waits for its entry to commit (an addition
/// first catches the new node up, §4.2.1).
const CHANGE_WAIT: Duration = Duration::from_secs(5);

/// `GET /members`: the configuration in effect on this node (the latest in
/// its log, committed or not, §4.1).
async fn members(State(h): State<Handle>) -> Response {
    let s = h.snapshot.borrow().clone();
    Json(json!({
        "id": node_name(h.id),
        "members": names(s.members),
        "member": s.members.contains(h.id),
        "config_index": s.config_index,
        "config_committed": s.config_index <= s.commit,
        "catching_up": s.catching_up.map(node_name),
        "slots": h.size,
    }))
    .into_response()
}

/// `POST /members?id=nK`: add slot nK (see [`change`]).
async fn add_member(State(h): State<Handle>, RawQuery(q): RawQuery) -> Response {
    let params = match query_params(q) {
        Ok(p) => p,
        Err(why) => return error(StatusCode::BAD_REQUEST, why),
    };
    let Some(name) = params.get("id") else {
        return error(
            StatusCode::BAD_REQUEST,
            "adding a member needs ?id=nK (a slot of --peers)".into(),
        );
    };
    match parse_node(name, h.size) {
        Ok(id) => change(h, Change::Add(id)).await,
        Err(why) => error(StatusCode::BAD_REQUEST, why),
    }
}

/// `DELETE /members/nK`: remove nK (see [`change`]).
async fn remove_member(State(h): State<Handle>, Path(name): Path<String>) -> Response {
    match parse_node(&name, h.size) {
        Ok(id) => change(h, Change::Remove(id)).await,
        Err(why) => error(StatusCode::BAD_REQUEST, why),
    }
}

/// One membership change (dissertation §4.1–4.2). Only the goose takes it; a
/// duck redirects (307) or names the goose (421), and 503 if it knows none
/// or is outside its configuration.
/// The goose answers 200 with the new configuration once the change's entry
/// commits; 409 with the core's reason if it refuses (one change at a time,
/// its term's no-op not committed yet, already a member, the last member…);
/// 503 if the new node did not catch up (§4.2.1) or the goose lost its term
/// first; 504 if nothing was decided within [`CHANGE_WAIT`].
async fn change(h: Handle, change: Change) -> Response {
    let me = node_name(h.id);
    let (tx, rx) = oneshot::channel();
    if h.commands.send(Command::Change(change, tx)).await.is_err() {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "the node is stopping".into(),
        );
    }
    let Ok(answer) = tokio::time::timeout(CHANGE_WAIT, rx).await else {
        return error(
            StatusCode::GATEWAY_TIMEOUT,
            format!(
                "{me} took `{change}` but it did not commit within {}: the new node may be slow, \
                 or a majority unreachable; it may still commit (see GET /members)",
                human_duration(CHANGE_WAIT.as_micros() as u64)
            ),
        );
    };
    let term = h.snapshot.borrow().term;
    let path = match change {
        Change::Add(id) => format!("/members?id={}", node_name(id)),
        Change::Remove(id) => format!("/members/{}", node_name(id)),
    };
    match answer {
        Ok(Changing::Committed {
            index,
            term,
            members,
        }) => Json(json!({
            "committed": true,
            "change": change.to_string(),
            "index": index,
            "term": term,
            "goose": me,
            "members": names(members),
        }))
        .into_response(),
        Ok(Changing::Refused(why)) => error(StatusCode::CONFLICT, why),
        Ok(Changing::CatchUpFailed) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "{me} gave up adding {}: it did not catch up (is it running, and reachable?); \
                 nothing was appended (dissertation §4.2.1)",
                node_name(change.node())
            ),
        ),
        Ok(Changing::Unknown {
            appended: Some(index),
        }) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "{me} appended `{change}` at index {index}, then stopped being the goose before \
                 it committed: it may commit under the next goose, or be overwritten"
            ),
        ),
        Ok(Changing::Unknown { appended: None }) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "{me} stopped being the goose while it caught {} up: nothing was appended; \
                 ask the next goose",
                node_name(change.node())
            ),
        ),
        Ok(Changing::NotGoose(Some(l))) if l == h.id => error(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "{me} leads term {term} but has lost its crown (no majority's lease holds): \
                 try again shortly"
            ),
        ),
        Ok(Changing::NotGoose(Some(l))) => to_goose(&h, l, &path),
        Ok(Changing::NotMember) => not_member(&me),
        Ok(Changing::NotGoose(None)) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("{me} knows no goose in term {term}: `{change}` is refused"),
        ),
        Err(_) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "the node is stopping".into(),
        ),
    }
}

async fn set_faults(h: &Handle, change: impl FnOnce(&mut Faults)) -> Response {
    let mut faults = h.snapshot.borrow().faults.clone();
    change(&mut faults);
    let (tx, rx) = oneshot::channel();
    if h.commands
        .send(Command::SetFaults(faults.clone(), tx))
        .await
        .is_err()
        || rx.await.is_err()
    {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "the node is stopping".into(),
        );
    }
    Json(faults).into_response()
}

async fn fault_state(State(h): State<Handle>) -> Response {
    Json(h.snapshot.borrow().faults.clone()).into_response()
}

/// `POST /fault/partition?peers=n2,n3`: cut the links to those peers (both
/// ways). The cluster controller sends each node the other side of a split.
async fn partition(State(h): State<Handle>, RawQuery(q): RawQuery) -> Response {
    let params = match query_params(q) {
        Ok(p) => p,
        Err(why) => return error(StatusCode::BAD_REQUEST, why),
    };
    let Some(list) = params.get("peers") else {
        return error(
            StatusCode::BAD_REQUEST,
            "partition needs ?peers=n2,n3 (the peers to cut off)".into(),
        );
    };
    let mut blocked = Vec::new();
    for name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        match parse_node(name, h.size) {
            Ok(id) if id == h.id => {
                return error(
                    StatusCode::BAD_REQUEST,
                    format!("{name} is this node itself"),
                )
            }
            Ok(id) => blocked.push(node_name(id)),
            Err(why) => return error(StatusCode::BAD_REQUEST, why),
        }
    }
    set_faults(&h, |f| f.blocked = blocked).await
}

async fn isolate(State(h): State<Handle>) -> Response {
    let all = (0..h.size).filter(|&p| p != h.id).map(node_name).collect();
    set_faults(&h, |f| f.blocked = all).await
}

/// Removes every cut link (not loss or delay: set those to 0).
async fn heal(State(h): State<Handle>) -> Response {
    set_faults(&h, |f| f.blocked.clear()).await
}

fn number(params: &HashMap<String, String>, key: &str, example: &str) -> Result<f64, String> {
    let bad = || format!("this route needs ?{key}=NUMBER, like ?{key}={example}");
    let v: f64 = params
        .get(key)
        .ok_or_else(bad)?
        .parse()
        .map_err(|_| bad())?;
    if v.is_finite() && v >= 0.0 {
        Ok(v)
    } else {
        Err(bad())
    }
}

/// `POST /fault/loss?percent=5`: drop that share of datagrams, both ways.
async fn loss(State(h): State<Handle>, RawQuery(q): RawQuery) -> Response {
    let params = match query_params(q) {
        Ok(p) => p,
        Err(why) => return error(StatusCode::BAD_REQUEST, why),
    };
    let pct = match number(&params, "percent", "5") {
        Ok(v) if v <= 100.0 => v,
        Ok(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                "loss is at most 100 percent".into(),
            )
        }
        Err(why) => return error(StatusCode::BAD_REQUEST, why),
    };
    let ppm = ((pct / 100.0) * CERTAIN as f64).round() as u32;
    set_faults(&h, |f| f.loss_ppm = ppm).await
}

/// `POST /fault/delay?ms=100`: hold every datagram sent that long.
async fn delay(State(h): State<Handle>, RawQuery(q): RawQuery) -> Response {
    let params = match query_params(q) {
        Ok(p) => p,
        Err(why) => return error(StatusCode::BAD_REQUEST, why),
    };
    let ms = match number(&params, "ms", "100") {
        Ok(v) if v <= 60_000.0 => v,
        Ok(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("delay is at most {}", human_duration(60 * SECOND)),
            )
        }
        Err(why) => return error(StatusCode::BAD_REQUEST, why),
    };
    let us = (ms * 1000.0).round() as u64;
    set_faults(&h, |f| f.delay_us = us).await
}

/// `POST /release?ms=1000`: a node started with `--hold` lets its election
/// timers run again, none firing within that many milliseconds.
async fn release(State(h): State<Handle>, RawQuery(q): RawQuery) -> Response {
    let params = match query_params(q) {
        Ok(p) => p,
        Err(why) => return error(StatusCode::BAD_REQUEST, why),
    };
    let ms = match number(&params, "ms", "1000") {
        Ok(v) if v <= 60_000.0 => v,
        Ok(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                "the grace is at most 60000 ms".into(),
            )
        }
        Err(why) => return error(StatusCode::BAD_REQUEST, why),
    };
    let (tx, rx) = oneshot::channel();
    let grace = (ms * 1000.0).round() as u64;
    if h.commands.send(Command::Release(grace, tx)).await.is_err() || rx.await.is_err() {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "the node is stopping".into(),
        );
    }
    Json(json!({ "ok": true })).into_response()
}
