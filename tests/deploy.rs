//! The deploy/ files' command lines, run exactly as written: systemd's
//! `ExecStart` (deploy/ddg.service) and the StatefulSet's container args
//! (deploy/kubernetes.yaml). Only variable references are expanded, as
//! systemd (`${VAR}`) and the kubelet (`$(VAR)`) do, and the binary is this
//! build's.
//!
//! Three nodes on one machine need three addresses with the same ports
//! (7000, 8080), as three machines or pods would have: the test, as root,
//! moves its thread into a network namespace of its own and gives them
//! 127.0.0.1–3. Not root: it says so and skips.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::Scratch;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use duckduckgoose::net::client;

const DDG: &str = env!("CARGO_BIN_EXE_ddg");

fn deploy_file(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("deploy")
            .join(name),
    )
    .unwrap()
}

/// A network namespace of the test's own, or `false` (and why) if it
/// cannot have one.
fn own_namespace() -> bool {
    // SAFETY: geteuid has no preconditions; unshare affects only this test's
    // thread and what it starts.
    if unsafe { libc::geteuid() } != 0 || unsafe { libc::unshare(libc::CLONE_NEWNET) } != 0 {
        eprintln!("skipped: starting three nodes on ports 7000/8080 needs a network namespace of the test's own (run as root)");
        return false;
    }
    let up = Command::new("ip")
        .args(["link", "set", "lo", "up"])
        .status();
    assert!(up.is_ok_and(|s| s.success()));
    true
}

/// Expands `open VAR close` references from `env`; an unknown one is an error.
fn expand(text: &str, open: &str, close: char, env: &HashMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find(open) {
        out.push_str(&rest[..i]);
        let after = &rest[i + open.len()..];
        let end = after.find(close).unwrap();
        let var = &after[..end];
        out.push_str(env.get(var).unwrap_or_else(|| panic!("{var} is not set")));
        rest = &after[end + 1..];
    }
    out + rest
}

struct Nodes(Vec<Child>);

impl Drop for Nodes {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn spawn(argv: &[String], log: &Path) -> Child {
    let log = std::fs::File::create(log).unwrap();
    Command::new(DDG)
        .args(&argv[1..])
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap()
}

/// Waits for exactly one node to say goose and every node to know it.
fn one_goose(http: &[SocketAddr], dir: &Path) {
    let began = Instant::now();
    loop {
        let answers: Vec<String> = http
            .iter()
            .map(|&a| {
                client::get(a, "/")
                    .map(|r| r.body.trim().to_string())
                    .unwrap_or_default()
            })
            .collect();
        let leaders: Vec<u16> = http
            .iter()
            .map(|&a| client::get(a, "/leader").map(|r| r.code).unwrap_or(0))
            .collect();
        if answers.iter().filter(|a| *a == "goose").count() == 1
            && answers.iter().all(|a| a == "goose" || a == "duck")
            && leaders.iter().all(|&c| c == 200)
        {
            return;
        }
        assert!(
            began.elapsed() < Duration::from_secs(10),
            "no single goose: {answers:?} {leaders:?}; logs in {}",
            dir.display()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn the_systemd_unit_command_line_runs_a_cluster() {
    if !own_namespace() {
        return;
    }
    let unit = deploy_file("ddg.service");
    let exec = unit
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .unwrap();
    let scratch = Scratch::new("deploy-systemd");
    let dir = scratch.path();
    let mut base: HashMap<String, String> = deploy_file("ddg.env")
        .lines()
        .filter(|l| !l.starts_with('#') && l.contains('='))
        .map(|l| {
            let (k, v) = l.split_once('=').unwrap();
            (k.to_string(), v.to_string())
        })
        .collect();
    // Three machines: n1 is named by DNS (localhost), the others by address.
    base.insert(
        "DDG_PEERS".into(),
        "localhost:7000,127.0.0.2:7000,127.0.0.3:7000".into(),
    );
    let mut nodes = Nodes(Vec::new());
    let mut http = Vec::new();
    for i in 1..=3 {
        let mut env = base.clone();
        env.insert("DDG_ID".into(), format!("n{i}"));
        env.insert("DDG_BIND".into(), format!("127.0.0.{i}:7000"));
        env.insert("DDG_HTTP".into(), format!("127.0.0.{i}:8080"));
        env.insert(
            "STATE_DIRECTORY".into(),
            dir.join(format!("n{i}")).display().to_string(),
        );
        let argv: Vec<String> = expand(exec, "${", '}', &env)
            .split_whitespace()
            .map(String::from)
            .collect();
        assert_eq!(argv[0], "/usr/local/bin/ddg");
        nodes.0.push(spawn(&argv, &dir.join(format!("n{i}.log"))));
        http.push(format!("127.0.0.{i}:8080").parse().unwrap());
    }
    one_goose(&http, dir);
    // n2 found n1 by its name.
    let s: serde_json::Value =
        serde_json::from_str(&client::get(http[1], "/status").unwrap().body).unwrap();
    assert_eq!(s["peers"][0]["address"], "localhost:7000");
    assert_eq!(s["peers"][0]["resolved"], "127.0.0.1:7000");
}

#[test]
fn the_statefulset_args_run_a_cluster() {
    if !own_namespace() {
        return;
    }
    let manifest = deploy_file("kubernetes.yaml");
    let args_line = manifest
        .lines()
        .find_map(|l| l.trim().strip_prefix("args: "))
        .unwrap();
    let args: Vec<String> = serde_json::from_str(args_line).unwrap();
    let command_line = manifest
        .lines()
        .find_map(|l| l.trim().strip_prefix("command: "))
        .unwrap();
    let command: Vec<String> = serde_json::from_str(command_line).unwrap();
    assert_eq!(command, ["ddg"]);
    // What cluster DNS would answer for ddg-K.ddg: pod K's address.
    let value = |name: &str| {
        let line = manifest
            .lines()
            .skip_while(|l| {
                !l.contains(&format!("name: {name} ")) && !l.ends_with(&format!("name: {name}"))
            })
            .nth(1)
            .unwrap();
        let v = line
            .trim()
            .strip_prefix("value: ")
            .unwrap()
            .trim_matches('"');
        (0..5).fold(v.to_string(), |p, k| {
            p.replace(&format!("ddg-{k}.ddg"), &format!("127.0.0.{}", k + 1))
        })
    };
    let (peers, http_peers, members) = (
        value("DDG_PEERS"),
        value("DDG_HTTP_PEERS"),
        value("DDG_MEMBERS"),
    );
    assert_eq!(peers.split(',').count(), 5, "five slots: {peers}");
    assert_eq!(members, "3", "the initial configuration is the 3 replicas");
    // The lifecycle hooks, as written (the kubelet runs them in the pod,
    // with its environment; `sh` expands the variables).
    let hook = |name: &str| -> Vec<String> {
        let line = manifest
            .lines()
            .skip_while(|l| !l.trim().starts_with(&format!("{name}:")))
            .find_map(|l| l.trim().strip_prefix("command: "))
            .unwrap();
        serde_json::from_str(line).unwrap()
    };
    let (post_start, pre_stop) = (hook("postStart"), hook("preStop"));
    let scratch = Scratch::new("deploy-k8s");
    let dir = scratch.path();
    let mut nodes = Nodes(Vec::new());
    let mut http = Vec::new();
    let env_of = |k: usize| -> HashMap<String, String> {
        [
            ("POD_NAME", format!("ddg-{k}")),
            ("POD_IP", format!("127.0.0.{}", k + 1)),
            ("DDG_PEERS", peers.clone()),
            ("DDG_HTTP_PEERS", http_peers.clone()),
            ("DDG_MEMBERS", members.clone()),
            (
                "DATA_DIR",
                dir.join(format!("ddg-{k}")).display().to_string(),
            ),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b))
        .collect()
    };
    // The replicas, then (kubectl scale --replicas=4) the fourth pod.
    for k in 0..4 {
        let argv: Vec<String> = std::iter::once("ddg".to_string())
            .chain(args.iter().map(|a| expand(a, "$(", ')', &env_of(k))))
            .collect();
        nodes
            .0
            .push(spawn(&argv, &dir.join(format!("ddg-{k}.log"))));
        http.push(format!("127.0.0.{}:8080", k + 1).parse().unwrap());
        if k == 2 {
            one_goose(&http, dir);
        }
    }
    // ddg-0 is n1.
    let status = |k: usize| -> serde_json::Value {
        serde_json::from_str(&client::get(http[k], "/status").unwrap().body).unwrap()
    };
    assert_eq!(status(0)["id"], "n1");
    let began = Instant::now();
    while client::get(http[3], "/health").is_err() {
        assert!(
            began.elapsed() < Duration::from_secs(5),
            "ddg-3 did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(status(3)["member"], false, "a pod beyond --members waits");
    // Each hook exits 0: for a member (ddg-0) it changes nothing; ddg-3 joins,
    // then leaves.
    let bin_dir = Path::new(DDG).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let run_hook = |hook: &[String], k: usize| {
        let out = Command::new(&hook[0])
            .args(&hook[1..])
            .envs(env_of(k))
            .env("PATH", &path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{hook:?} for ddg-{k}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run_hook(&post_start, 0);
    assert_eq!(status(0)["members"].as_array().unwrap().len(), 3);
    run_hook(&post_start, 3);
    let began = Instant::now();
    while status(3)["member"] != true {
        assert!(
            began.elapsed() < Duration::from_secs(3),
            "ddg-3 joined but does not know it"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(status(3)["members"].as_array().unwrap().len(), 4);
    run_hook(&pre_stop, 3);
    let goose = (0..3).find(|&k| status(k)["role"] == "goose").unwrap_or(0);
    assert_eq!(status(goose)["members"].as_array().unwrap().len(), 3);
}
