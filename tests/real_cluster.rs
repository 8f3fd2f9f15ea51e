//! Real nodes on loopback: the scenarios of tests/real/ run against the
//! simulator (many seeds) *and* against real `ddg node` processes through
//! `ddg cluster run`; plus what only real processes have: a state file that
//! survives SIGKILL, a corrupt one that stops the node, a paused goose, bad
//! requests and bad datagrams.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::Scratch;

use std::net::{SocketAddr, UdpSocket};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use duckduckgoose::net::client;
use duckduckgoose::net::cluster::{geese, Layout, LocalCluster, Seen};

const DDG: &str = env!("CARGO_BIN_EXE_ddg");

/// One real cluster at a time: a 2-core machine running five clusters at
/// once would test the scheduler, not the nodes.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

fn scenario(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/real")
        .join(format!("{name}.ddg"));
    std::fs::read_to_string(path).unwrap()
}

/// The scenario holds in the simulator under many seeds…
fn in_simulator(name: &str) {
    let text = scenario(name);
    let first = duckduckgoose::random_seed();
    for seed in first..first + 20 {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = duckduckgoose::run_script(&text, seed, false, &mut out, &mut err);
        assert_eq!(
            code,
            0,
            "{name} fails in the simulator with seed {seed}: {}",
            String::from_utf8_lossy(&err)
        );
    }
}

/// …and against real processes, whose last status line shows `slots` nodes.
fn on_real_cluster(name: &str, slots: usize) {
    let scratch = Scratch::new(&format!("real-{name}"));
    let dir = scratch.path();
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/real")
        .join(format!("{name}.ddg"));
    let out = Command::new(DDG)
        .args(["cluster", "run"])
        .arg(&file)
        .arg("--dir")
        .arg(dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{name} failed on a real cluster:\n{}\n{stdout}\nnode logs in {}",
        String::from_utf8_lossy(&out.stderr),
        dir.display()
    );
    // The status line is the simulator's format.
    let status: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(status["nodes"].as_array().unwrap().len(), slots);
}

#[test]
fn goose_crash_reelection_in_both_worlds() {
    let _one = one_at_a_time();
    in_simulator("goose_crash_reelection");
    on_real_cluster("goose_crash_reelection", 5);
}

#[test]
fn committed_requests_survive_a_crash_in_both_worlds() {
    let _one = one_at_a_time();
    in_simulator("committed_requests_survive_a_crash");
    on_real_cluster("committed_requests_survive_a_crash", 5);
}

#[test]
fn revived_goose_rejoins_as_duck_in_both_worlds() {
    let _one = one_at_a_time();
    in_simulator("revived_goose_rejoins_as_duck");
    on_real_cluster("revived_goose_rejoins_as_duck", 5);
}

#[test]
fn minority_partition_in_both_worlds() {
    let _one = one_at_a_time();
    in_simulator("minority_partition");
    on_real_cluster("minority_partition", 5);
}

#[test]
fn membership_changes_in_both_worlds() {
    let _one = one_at_a_time();
    in_simulator("membership_changes");
    // Three nodes and the slot `add n4` names.
    on_real_cluster("membership_changes", 4);
}

/// A cluster of `nodes` in a scratch dir; the cluster goes first when the
/// pair is dropped (the nodes stop before their dir is removed).
fn start(name: &str, nodes: u32, extra: &[&str]) -> (Scratch, LocalCluster) {
    let dir = Scratch::new(&format!("real-{name}"));
    let mut layout = Layout::free_ports(nodes, dir.path()).unwrap();
    layout.node_flags = extra.iter().map(|s| s.to_string()).collect();
    (dir, LocalCluster::start(Path::new(DDG), layout).unwrap())
}

fn wait_for_one_goose(c: &mut LocalCluster, within: Duration) -> u32 {
    let began = Instant::now();
    loop {
        if let [g] = geese(&c.observe())[..] {
            return g;
        }
        assert!(began.elapsed() < within, "no goose within {within:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn status(c: &LocalCluster, i: u32) -> serde_json::Value {
    let r = client::get(c.layout().http(i), "/status").unwrap();
    serde_json::from_str(&r.body).unwrap()
}

/// Node `i`, started on its data directory, exits with 2 and says why:
/// `word` and "refusing to start".
fn refuses_to_start(c: &LocalCluster, i: u32, word: &str) {
    let out = Command::new(DDG)
        .args(c.layout().node_args(i))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(word) && err.contains("refusing to start"),
        "{err}"
    );
}

#[test]
fn term_and_vote_survive_sigkill_and_a_corrupt_file_stops_the_node() {
    let _one = one_at_a_time();
    let (_dir, mut c) = start("persist", 3, &[]);
    let g = wait_for_one_goose(&mut c, Duration::from_secs(5));
    let before = status(&c, g);
    // Cut the old goose off before it comes back, so nothing can move its
    // term between boot and our look.
    c.kill(g).unwrap();
    c.isolate(g).unwrap();
    c.revive(g).unwrap();
    let after = status(&c, g);
    assert_eq!(after["term"], before["term"], "{after}");
    assert_eq!(after["voted_for"], before["voted_for"], "{after}");
    assert_eq!(after["role"], "duck");
    // A duck promised leases with every heartbeat it acked: restarted, it
    // promises again for the longest of them (plus the margin) from boot.
    let d = (0..3).find(|&i| i != g).unwrap();
    c.kill(d).unwrap();
    c.isolate(d).unwrap();
    c.revive(d).unwrap();
    let duck = status(&c, d);
    let lease = duck["lease_until_us"]
        .as_u64()
        .expect("a promise from boot");
    assert!(lease >= 150_000 + 15_000, "{duck}");

    // A corrupt state file: the node refuses to start and says why.
    c.kill(g).unwrap();
    let state = c.layout().data_dir(g).join("state.json");
    std::fs::write(&state, "{\"format\":1,").unwrap();
    refuses_to_start(&c, g, "corrupt");
}

fn request(c: &LocalCluster, i: u32) -> (u16, serde_json::Value) {
    let r = client::request(
        c.layout().http(i),
        "POST",
        "/request",
        Duration::from_secs(5),
    )
    .unwrap();
    (r.code, serde_json::from_str(&r.body).unwrap())
}

fn last_index(c: &LocalCluster, i: u32) -> u64 {
    status(c, i)["log"]["last_index"].as_u64().unwrap()
}

/// Raft Figure 2: the log is persistent. Client requests commit through the
/// goose (a duck redirects to it, §5.3); a duck killed with SIGKILL and
/// brought back cut off from everyone still holds every entry it
/// acknowledged; a damaged log file stops the node.
#[test]
fn requests_commit_and_the_log_survives_sigkill() {
    let _one = one_at_a_time();
    let (_dir, mut c) = start("log", 3, &[]);
    let g = wait_for_one_goose(&mut c, Duration::from_secs(5));
    let d = (0..3).find(|&i| i != g).unwrap();
    let (code, body) = request(&c, d);
    assert_eq!(code, 307, "{body}");
    assert_eq!(body["goose"], format!("n{}", g + 1));
    let mut last = 0;
    for _ in 0..3 {
        let (code, body) = request(&c, g);
        assert_eq!(code, 200, "{body}");
        assert_eq!(body["committed"], true);
        let index = body["index"].as_u64().unwrap();
        assert!(index > last, "{body}");
        last = index;
    }
    // Committed means stored on a majority: the goose and at least one duck.
    let stored: Vec<u32> = (0..3).filter(|&i| last_index(&c, i) >= last).collect();
    assert!(stored.len() >= 2 && stored.contains(&g), "{stored:?}");
    let d = *stored.iter().find(|&&i| i != g).unwrap();
    c.kill(d).unwrap();
    c.isolate(d).unwrap();
    c.revive(d).unwrap();
    assert!(last_index(&c, d) >= last, "{}", status(&c, d));
    // The goose's log too, read back alone.
    c.kill(g).unwrap();
    c.isolate(g).unwrap();
    c.revive(g).unwrap();
    assert!(last_index(&c, g) >= last, "{}", status(&c, g));

    // A record damaged before the last one: the node refuses to start.
    c.kill(g).unwrap();
    let path = c.layout().data_dir(g).join("log.bin");
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[25] ^= 0x40;
    std::fs::write(&path, bytes).unwrap();
    refuses_to_start(&c, g, "damaged");
}

#[test]
fn a_paused_goose_never_answers_goose_after_its_lease() {
    let _one = one_at_a_time();
    let (_dir, mut c) = start("pause", 3, &[]);
    let g = wait_for_one_goose(&mut c, Duration::from_secs(5));
    c.pause(g).unwrap();
    // The others elect a new goose once their promises to g lapse.
    let began = Instant::now();
    let other = loop {
        let seen = c.observe();
        if let Some(&o) = geese(&seen).iter().find(|&&o| o != g) {
            break o;
        }
        assert!(
            began.elapsed() < Duration::from_secs(5),
            "no new goose while {g} is paused"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    // Resumed, the old goose's very first answer is already "duck": its
    // lease lapsed while it was frozen, before it could run a single tick.
    c.resume(g).unwrap();
    let r = client::get(c.layout().http(g), "/").unwrap();
    assert_eq!(r.body.trim(), "duck");
    // And never two geese answering at once (on a loaded machine `other`
    // may meanwhile have been replaced by a later goose; that is fine).
    let seen = c.observe();
    assert!(geese(&seen).len() <= 1, "{seen:?}");
    let _ = other;
}

#[test]
fn bad_requests_get_json_errors_and_bad_datagrams_are_counted() {
    let _one = one_at_a_time();
    let (_dir, mut c) = start("bad", 3, &[]);
    let g = wait_for_one_goose(&mut c, Duration::from_secs(5));
    let addr = c.layout().http(0);
    for (method, path, code) in [
        ("GET", "/nope", 404),
        ("POST", "/status", 405),
        ("POST", "/fault/loss?percent=abc", 400),
        ("POST", "/fault/loss?percent=101", 400),
        ("POST", "/fault/partition", 400),
        ("POST", "/fault/partition?peers=n9", 400),
        ("POST", "/fault/partition?peers=n1", 400),
        ("POST", "/fault/delay?ms=-1", 400),
        ("GET", "/events?messages=maybe", 400),
        ("GET", "/events?messages=%zz", 400),
    ] {
        let r = client::request(addr, method, path, Duration::from_secs(2)).unwrap();
        assert_eq!(r.code, code, "{method} {path}: {}", r.body);
        let j: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert!(j["error"].is_string(), "{method} {path}: {}", r.body);
    }
    let r = client::post(c.layout().http(g), "/timeout").unwrap();
    assert_eq!(r.code, 409, "a goose has no election timer: {}", r.body);
    // /leader agrees with the goose; the seed's fields are there.
    let r = client::get(addr, "/leader").unwrap();
    assert_eq!(r.code, 200);
    let s = status(&c, 0);
    assert!(s["status"] == "Duck" || s["status"] == "Goose");
    assert!(s["term"].as_u64().unwrap() >= 1);

    // Junk at a node's peer port: counted, dropped, no harm done.
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    let peer: SocketAddr = format!("127.0.0.1:{}", c.layout().peer_ports[0])
        .parse()
        .unwrap();
    for junk in [
        &b""[..],
        b"hello",
        &[0u8; 200],
        b"DDG\x09xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    ] {
        sock.send_to(junk, peer).unwrap();
    }
    std::thread::sleep(Duration::from_millis(300));
    let m = client::get(addr, "/metrics").unwrap().body;
    let refused: f64 = m
        .lines()
        .filter(|l| l.starts_with("ddg_datagrams_refused_total"))
        .map(|l| l.rsplit(' ').next().unwrap().parse::<f64>().unwrap())
        .sum();
    assert!(refused >= 3.0, "{m}");
    assert!(matches!(c.observe()[0], Seen::Up(_)));
    assert_eq!(geese(&c.observe()).len(), 1);
}

#[test]
fn the_seeds_timing_works_too() {
    let _one = one_at_a_time();
    // The seed waited 350 ms of silence plus a random 150–300 ms before
    // campaigning, with heartbeats every 50 ms: an election timeout of
    // 500–650 ms in this project's terms.
    let (_dir, mut c) = start(
        "seed-timing",
        5,
        &["--election", "500ms..650ms", "--heartbeat", "50ms"],
    );
    let g = wait_for_one_goose(&mut c, Duration::from_secs(5));
    c.kill(g).unwrap();
    let began = Instant::now();
    let new = wait_for_one_goose(&mut c, Duration::from_secs(5));
    assert_ne!(new, g);
    // Not before the promises (500 ms + 50 ms margin) could lapse.
    assert!(
        began.elapsed() >= Duration::from_millis(400),
        "{:?}",
        began.elapsed()
    );
}

/// `method path` on node `i`: the code and the JSON body.
fn call(c: &LocalCluster, i: u32, method: &str, path: &str) -> (u16, serde_json::Value) {
    let r = client::request(c.layout().http(i), method, path, Duration::from_secs(8)).unwrap();
    (r.code, serde_json::from_str(&r.body).unwrap())
}

fn members(c: &LocalCluster, i: u32) -> Vec<String> {
    let s = status(c, i);
    s["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap().to_string())
        .collect()
}

fn wait_until(what: &str, within: Duration, mut ok: impl FnMut() -> bool) {
    let began = Instant::now();
    while !ok() {
        assert!(
            began.elapsed() < within,
            "{what} did not happen within {within:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Dissertation §4.1–4.2 on real processes, through the HTTP routes: three
/// members and two spare slots; a duck redirects `POST /members` to the
/// goose, which catches n4 up and commits the change; a change while another
/// is under way is refused (409, one at a time), as is one that changes
/// nothing; a slot that is down fails to catch up (503); a removed node is no
/// member and the cluster keeps a goose; and the configuration outlives a
/// SIGKILLed goose, because it is in the log.
#[test]
fn members_join_and_leave_through_the_goose() {
    let _one = one_at_a_time();
    let dir = Scratch::new("real-members");
    let mut layout = Layout::free_ports(5, dir.path()).unwrap();
    layout.members = 3;
    let mut c = LocalCluster::start(Path::new(DDG), layout).unwrap();
    assert!(!c.is_running(3) && !c.is_running(4), "spares stay down");
    let g = wait_for_one_goose(&mut c, Duration::from_secs(5));
    wait_until("the goose's no-op commits", Duration::from_secs(3), || {
        status(&c, g)["log"]["commit"].as_u64() >= Some(1)
    });
    let d = (0..3).find(|&i| i != g).unwrap();
    assert_eq!(members(&c, d), ["n1", "n2", "n3"]);

    // n4's process starts as a non-member: it never campaigns.
    c.revive(3).unwrap();
    let s4 = status(&c, 3);
    assert_eq!(
        (s4["member"].as_bool(), s4["role"].as_str()),
        (Some(false), Some("duck")),
        "{s4}"
    );
    // Outside the configuration, it follows no goose: 503, no redirect.
    let (code, body) = call(&c, 3, "POST", "/request");
    assert_eq!(code, 503, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("outside"),
        "{body}"
    );
    let (code, body) = call(&c, d, "POST", "/members?id=n4");
    assert_eq!(code, 307, "a duck redirects: {body}");
    assert_eq!(body["goose"], format!("n{}", g + 1));
    let (code, body) = call(&c, g, "POST", "/members?id=n4");
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["members"], serde_json::json!(["n1", "n2", "n3", "n4"]));
    wait_until("n4 is a member", Duration::from_secs(2), || {
        status(&c, 3)["member"] == true
    });
    let (code, body) = call(&c, g, "POST", "/members?id=n4");
    assert_eq!(code, 409, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("already a member"),
        "{body}"
    );

    // n5 is down: the goose tries to catch it up and gives up (§4.2.1);
    // meanwhile it takes no other change.
    let addr = c.layout().http(g);
    let adding = std::thread::spawn(move || {
        client::request(addr, "POST", "/members?id=n5", Duration::from_secs(8)).unwrap()
    });
    wait_until("the goose catches n5 up", Duration::from_secs(2), || {
        status(&c, g)["catching_up"] == "n5"
    });
    let (code, body) = call(&c, g, "DELETE", &format!("/members/n{}", d + 1));
    assert_eq!(code, 409, "one change at a time: {body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("one change at a time"),
        "{body}"
    );
    let failed = adding.join().unwrap();
    assert_eq!(failed.code, 503, "{}", failed.body);
    assert!(failed.body.contains("did not catch up"), "{}", failed.body);
    assert_eq!(members(&c, g).len(), 4);

    // Remove the duck d: it is no member, and the rest keep a goose.
    let (code, body) = call(&c, g, "DELETE", &format!("/members/n{}", d + 1));
    assert_eq!(code, 200, "{body}");
    let left: Vec<String> = [0, 1, 2, 3]
        .into_iter()
        .filter(|&i| i != d)
        .map(|i| format!("n{}", i + 1))
        .collect();
    assert_eq!(body["members"], serde_json::json!(left));
    wait_until("the removed node knows", Duration::from_secs(2), || {
        status(&c, d)["member"] == false
    });
    // Still running, the removed node hears no more of the cluster, so it
    // names no goose (the one it knew may be gone, §4.2.2): 503, no redirect.
    for (method, path) in [("POST", "/request"), ("POST", "/members?id=n5")] {
        let (code, body) = call(&c, d, method, path);
        assert_eq!(code, 503, "{method} {path}: {body}");
        assert!(body["goose"].is_null(), "{body}");
        assert!(
            body["error"].as_str().unwrap().contains("outside"),
            "{body}"
        );
    }
    let (code, body) = call(&c, g, "DELETE", &format!("/members/n{}", d + 1));
    assert_eq!(code, 409, "{body}");
    c.kill(d).unwrap();
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(wait_for_one_goose(&mut c, Duration::from_secs(3)), g);

    // SIGKILL the goose: the two members left of three elect a goose that
    // holds the configuration.
    c.kill(g).unwrap();
    let g2 = wait_for_one_goose(&mut c, Duration::from_secs(5));
    assert_ne!(g2, g);
    assert_eq!(members(&c, g2), left);
    assert_eq!(status(&c, g2)["member"], true);
    let metrics = client::get(c.layout().http(g2), "/metrics").unwrap().body;
    let me = format!("node=\"n{}\"", g2 + 1);
    assert!(
        metrics.contains(&format!("ddg_members{{{me}}} 3")),
        "{metrics}"
    );
    assert!(
        metrics.contains(&format!("ddg_is_member{{{me}}} 1")),
        "{metrics}"
    );
}
