//! `ddg cluster up` and its controls from the command line, and what Ctrl-C
//! and a killed supervisor leave behind: nothing.
//!
//! `ddg cluster up` uses fixed ports (8000, 7001…, 8001…), so the test, as
//! root, runs it in a network namespace of its own; not root, it skips.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::Scratch;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use duckduckgoose::net::client;

const DDG: &str = env!("CARGO_BIN_EXE_ddg");

fn own_namespace() -> bool {
    // SAFETY: see tests/deploy.rs: only this test's thread moves.
    if unsafe { libc::geteuid() } != 0 || unsafe { libc::unshare(libc::CLONE_NEWNET) } != 0 {
        eprintln!("skipped: `ddg cluster up` on its fixed ports needs a network namespace of the test's own (run as root)");
        return false;
    }
    Command::new("ip")
        .args(["link", "set", "lo", "up"])
        .status()
        .unwrap();
    true
}

/// Starts `ddg cluster up` as the leader of a new process group (as a shell
/// does for a foreground job) and waits for its controls.
fn up(dir: &std::path::Path) -> Child {
    let child = Command::new(DDG)
        .args(["cluster", "up", "--nodes", "3", "--spare", "1", "--dir"])
        .arg(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap();
    let began = Instant::now();
    while client::get("127.0.0.1:8000".parse().unwrap(), "/cluster/status").is_err() {
        assert!(
            began.elapsed() < Duration::from_secs(10),
            "ddg cluster up did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    child
}

fn ddg(args: &[&str]) -> (bool, String) {
    let out = Command::new(DDG).args(args).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr),
    )
}

/// Whether any process is left in process group `pgid`.
fn group_alive(pgid: u32) -> bool {
    // SAFETY: kill with signal 0 only checks for existence.
    unsafe { libc::kill(-(pgid as libc::pid_t), 0) == 0 }
}

fn wait_group_gone(pgid: u32) {
    let began = Instant::now();
    while group_alive(pgid) {
        assert!(
            began.elapsed() < Duration::from_secs(5),
            "processes of the cluster outlived it"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn goose_count() -> usize {
    (1..=3)
        .filter(|i| {
            client::get(format!("127.0.0.1:800{i}").parse().unwrap(), "/")
                .is_ok_and(|r| r.body.trim() == "goose")
        })
        .count()
}

#[test]
fn cluster_up_controls_and_ctrl_c_leave_no_orphans() {
    if !own_namespace() {
        return;
    }
    let scratch = Scratch::new("cluster-cli");
    let dir = scratch.path();
    let mut sup = up(dir);
    let pgid = sup.id();
    let began = Instant::now();
    while goose_count() != 1 {
        assert!(began.elapsed() < Duration::from_secs(5), "no goose");
        std::thread::sleep(Duration::from_millis(50));
    }
    // The controls, from the command line.
    for args in [
        ["cluster", "kill", "n1"].as_slice(),
        &["cluster", "revive", "n1"],
        &["cluster", "pause", "n2"],
        &["cluster", "resume", "n2"],
        &["cluster", "partition", "n1|n2,n3"],
        &["cluster", "isolate", "n3"],
        &["cluster", "heal"],
        &["cluster", "loss", "0"],
        &["cluster", "status"],
    ] {
        let (ok, out) = ddg(args);
        assert!(ok, "ddg {args:?}: {out}");
    }
    let (ok, out) = ddg(&["cluster", "kill", "n9"]);
    assert!(!ok && out.contains("n9"), "{out}");

    // Membership: the spare slot n4 starts and joins; no spare is left; n4
    // leaves and its process stops; removing it again is refused.
    let began = Instant::now();
    while goose_count() != 1 {
        assert!(began.elapsed() < Duration::from_secs(5), "no goose");
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut added = ddg(&["cluster", "add"]);
    for _ in 0..20 {
        // A goose elected a moment ago takes no change until its no-op commits.
        if added.0 || !added.1.contains("not committed") {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
        added = ddg(&["cluster", "add"]);
    }
    let (ok, out) = added;
    assert!(
        ok && out.contains("\"add n4\"") && out.contains("\"n4\""),
        "{out}"
    );
    let s4: serde_json::Value = serde_json::from_str(
        &client::get("127.0.0.1:8004".parse().unwrap(), "/status")
            .unwrap()
            .body,
    )
    .unwrap();
    assert_eq!(s4["members"].as_array().unwrap().len(), 4, "{s4}");
    let (ok, out) = ddg(&["cluster", "add"]);
    assert!(!ok && out.contains("no spare slot left"), "{out}");
    let (ok, out) = ddg(&["cluster", "remove", "n4"]);
    assert!(ok && out.contains("\"remove n4\""), "{out}");
    assert!(
        client::get("127.0.0.1:8004".parse().unwrap(), "/health").is_err(),
        "a removed node's process stops"
    );
    let (ok, out) = ddg(&["cluster", "remove", "n4"]);
    assert!(!ok && out.contains("n4 is not a member"), "{out}");
    let (ok, out) = ddg(&["cluster", "remove", "n9"]);
    assert!(!ok && out.contains("n9"), "{out}");

    // The SSE stream carries messages with their timestamps.
    let mut s = TcpStream::connect("127.0.0.1:8001").unwrap();
    s.write_all(b"GET /events?messages=1 HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    s.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    let began = Instant::now();
    while began.elapsed() < Duration::from_secs(3) {
        if let Ok(n) = s.read(&mut buf) {
            seen.extend_from_slice(&buf[..n]);
        }
        let text = String::from_utf8_lossy(&seen);
        if text.contains("event: message") && text.contains("\"kind\":\"heartbeat") {
            break;
        }
    }
    let text = String::from_utf8_lossy(&seen);
    assert!(
        text.contains("text/event-stream") && text.contains("\"type\":\"hello\""),
        "{text}"
    );
    assert!(
        text.contains("event: message") && text.contains("\"t_us\""),
        "{text}"
    );

    // Ctrl-C at a terminal: SIGINT to the whole foreground group.
    // SAFETY: signalling the group we created.
    unsafe { libc::kill(-(pgid as libc::pid_t), libc::SIGINT) };
    assert!(sup.wait().unwrap().success());
    wait_group_gone(pgid);

    // A supervisor killed outright takes its nodes with it (PDEATHSIG).
    let mut sup = up(dir);
    let pgid = sup.id();
    sup.kill().unwrap();
    sup.wait().unwrap();
    wait_group_gone(pgid);
}
