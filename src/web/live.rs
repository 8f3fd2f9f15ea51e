//! Live mode in the page (`#live`, served by `ddg cluster up`): the wiring
//! between the browser and the recording in [`crate::view::live`], which
//! holds every decision.
//!
//! The page's script opens what Rust asks for ([`App::live_want`]): an
//! `EventSource` on each node's stream, relayed by the supervisor, and
//! `fetch`es of its `/cluster/…` controls; it hands every line and answer
//! back. Each frame, the moment on view becomes a [`Simulation::mirror`]
//! shown through the ordinary timeline, so the birds, rows, inspector and
//! time travel are the simulator's own.

use std::collections::VecDeque;
use std::f64::consts::TAU;

use wasm_bindgen::prelude::*;

use super::{now_ms, App};
use crate::node::Node;
use crate::options::{Options, Time};
use crate::sim::{Cluster, Simulation};
use crate::view::live::{self, Live, Reach};

/// The supervisor's route that names every node's role.
const ROLES: &str = "/cluster/roles";

/// Controls that mean nothing on a real cluster.
const OFF_LIVE: [&str; 15] = [
    "step",
    "reset",
    "step-back",
    "step-fwd",
    "in-speed",
    "in-nodes",
    "in-seed",
    "in-election-min",
    "in-election-max",
    "in-heartbeat",
    "in-latency-min",
    "in-latency-max",
    "in-loss",
    "in-checkquorum",
    "in-prevote",
];

/// Live mode's state in the page.
pub(super) struct Session {
    /// The recording, once the supervisor said how many nodes there are.
    live: Option<Live>,
    /// The moment on view, and whether it follows the stream's head.
    at: Time,
    following: bool,
}

/// Requests for the page's script (see [`App::live_want`]).
pub(super) type Wants = VecDeque<String>;

impl App {
    /// Starts Live mode: asks the supervisor for its nodes.
    pub(super) fn start_live(&mut self) {
        self.live_wants.push_back("CLOSE".into());
        self.live_wants.push_back(format!("GET {ROLES}"));
        self.live = Some(Session {
            live: None,
            at: 0,
            following: true,
        });
        self.playing = true;
        self.first_visit = false;
    }

    /// In Live mode, which nodes do not answer at the moment on view (by
    /// id; empty outside Live mode).
    pub(super) fn unreachable_now(&self) -> Vec<bool> {
        self.live
            .as_ref()
            .and_then(|s| s.live.as_ref())
            .map_or_else(Vec::new, |rec| {
                rec.nodes_at(self.timeline.sim().now())
                    .iter()
                    .map(|s| s.reach == Reach::Unreachable)
                    .collect()
            })
    }

    /// In Live mode, the nodes that do not answer at the moment on view say
    /// `unreachable` in a status (dead ones say `dead`).
    pub(super) fn mark_unreachable(&self, status: &mut crate::sim::Status) {
        for (n, gone) in status.nodes.iter_mut().zip(self.unreachable_now()) {
            if gone {
                n.role = "unreachable";
            }
        }
    }

    /// Leaves Live mode (a new run, lesson or file replaces it).
    pub(super) fn leave_live(&mut self) {
        if self.live.take().is_some() {
            self.live_wants.push_back("CLOSE".into());
        }
    }

    /// A scenario line pressed in Live mode: sent to the supervisor, which
    /// runs it on the real cluster (`goose` there means its goose now).
    pub(super) fn live_act(&mut self, line: &str) {
        let query = line.trim().replace(' ', "+").replace('|', "%7C");
        self.live_wants
            .push_back(format!("POST /cluster/line?line={query}"));
        if let Some(s) = &mut self.live {
            s.following = true; // Acting shows the present.
        }
        self.playing = true;
    }

    /// Advances the view of the live cluster and shows it.
    pub(super) fn live_frame(&mut self, dt_ms: f64) {
        let page = now_ms(&self.perf);
        let playing = self.playing;
        let Some(s) = &mut self.live else { return };
        let Some(rec) = &mut s.live else { return };
        rec.tick(page);
        let now = rec.now(page);
        if playing {
            s.at = if s.following {
                now
            } else {
                s.at + (dt_ms * 1000.0) as Time
            };
            if s.at >= now {
                (s.at, s.following) = (now, true);
            }
        }
        let at = s.at.min(now);
        let shown = rec.nodes_at(at);
        let size = rec.size();
        let nodes = shown
            .iter()
            .zip(0..)
            .map(|(n, i)| Node::observed(i, size, n.role, n.term, n.voted_for, n.leader))
            .collect();
        let alive = shown.iter().map(|n| n.reach != Reach::Dead).collect();
        let flights = rec.flights_at(at).map(|f| {
            (
                f.from,
                f.to,
                f.message(),
                f.sent,
                f.shown_until(),
                f.lost_by(now),
            )
        });
        let options = Options {
            check_quorum: rec.check_quorum(),
            ..Options::default()
        };
        let cluster = Cluster {
            nodes: size,
            seed: 0,
            options,
        };
        let sim = Simulation::mirror(cluster, at, nodes, alive, flights);
        let log = rec.take_log();
        self.timeline.show_live(sim, now, rec.markers());
        for (t, text, alarm) in log {
            self.push_log(t, text, alarm);
        }
    }

    /// Shows the recording at `t`, paused.
    pub(super) fn live_seek(&mut self, t: Time) {
        if let Some(s) = &mut self.live {
            (s.at, s.following) = (t, false);
        }
        self.playing = false;
        self.live_frame(0.0);
    }

    /// The banner, the replay line and the disabled controls in Live mode.
    pub(super) fn live_panels(&mut self) {
        let Some(s) = &self.live else { return };
        let state = if s.following && self.playing {
            "● live"
        } else {
            "replaying the real run"
        };
        let (text, bad) = match s.live.as_ref().map(|r| r.violations().last()) {
            None => ("Connecting…".to_string(), false),
            Some(Some(v)) => (format!("Violated on the real cluster: {v}"), true),
            Some(None) => (
                "Live: the invariants hold on the real nodes (checked a few seconds behind)."
                    .to_string(),
                false,
            ),
        };
        self.dom.class("banner", "bad", bad);
        self.dom.text("banner-text", &text);
        self.dom.text("replay", state);
        for id in OFF_LIVE {
            self.explain(
                id,
                Some("Live mode: the real cluster keeps its own time and settings."),
            );
        }
    }

    /// Marks the nodes that do not answer: washed out, in a dashed ring,
    /// labelled "unreachable" (a dead node is drawn as dead).
    pub(super) fn draw_unreachable(&self) {
        let Some(rec) = self.live.as_ref().and_then(|s| s.live.as_ref()) else {
            return;
        };
        let ctx = &self.ctx;
        let r = self.ring.node_radius;
        let t = self.theme();
        let shown = rec.nodes_at(self.timeline.sim().now());
        for (n, p) in shown.iter().zip(&self.positions) {
            if n.reach != Reach::Unreachable {
                continue;
            }
            ctx.set_global_alpha(0.6);
            ctx.set_fill_style_str(t.background);
            ctx.begin_path();
            let _ = ctx.arc(p.x, p.y, r * 1.35, 0.0, TAU);
            ctx.fill();
            ctx.set_global_alpha(1.0);
            let _ = ctx.set_line_dash(&js_sys::Array::of2(&6.0.into(), &5.0.into()));
            ctx.set_stroke_style_str(t.ink_soft);
            ctx.set_line_width(2.5);
            ctx.stroke();
            let _ = ctx.set_line_dash(&js_sys::Array::new());
            ctx.set_fill_style_str(t.ink_soft);
            // Whole pixels: printing a float would add float formatting to
            // the wasm.
            let px = (r * 0.36).clamp(10.0, 16.0) as u32;
            ctx.set_font(&format!("600 {px}px sans-serif"));
            let _ = ctx.fill_text("unreachable", p.x, p.y - r * 1.6);
        }
    }
}

#[wasm_bindgen]
impl App {
    /// What the page's script should do next for Live mode, or nothing:
    /// `SSE <node> <path>` (open an `EventSource`), `GET <path>` or
    /// `POST <path>` (a `fetch`, answered with [`App::live_reply`]), or
    /// `CLOSE` (close every `EventSource`).
    pub fn live_want(&mut self) -> Option<String> {
        self.live_wants.pop_front()
    }

    /// One line of node `node`'s event stream.
    pub fn live_line(&mut self, node: u32, data: &str) {
        let page = now_ms(&self.perf);
        let Some(rec) = self.live.as_mut().and_then(|s| s.live.as_mut()) else {
            return;
        };
        if let Err(e) = rec.line(node, data, page) {
            let t = rec.end();
            self.push_log(t, format!("unreadable line: {e}"), true);
        }
    }

    /// Node `node`'s event stream broke (the browser retries by itself):
    /// unreachable, until the supervisor says whether it is dead.
    pub fn live_broke(&mut self, node: u32) {
        if let Some(rec) = self.live.as_mut().and_then(|s| s.live.as_mut()) {
            rec.stream_broke(node);
            self.live_wants.push_back(format!("GET {ROLES}"));
        }
    }

    /// The answer to a `GET` or `POST` asked by [`App::live_want`]: its
    /// path, HTTP status (0 when it failed) and body.
    pub fn live_reply(&mut self, path: &str, status: u16, body: &str) {
        let Some(s) = &mut self.live else { return };
        if !(200..300).contains(&status) {
            let why: String = body.chars().take(160).collect();
            return self.notice(&format!("{path}: {why}"));
        }
        if path != ROLES {
            // After any control, ask who is dead now.
            self.live_wants.push_back(format!("GET {ROLES}"));
            return;
        }
        // A JSON string: "duck goose dead …", one role per node.
        let roles: Vec<&str> = body.trim().trim_matches('"').split(' ').collect();
        let rec = s.live.get_or_insert_with(|| {
            for i in 0..roles.len().min(live::MAX_NODES) {
                self.live_wants
                    .push_back(format!("SSE {i} /cluster/events?node=n{}", i + 1));
            }
            Live::new(roles.len() as u32, true)
        });
        for (i, role) in (0..).zip(&roles) {
            if *role == "dead" {
                rec.dead(i);
            }
        }
    }
}
