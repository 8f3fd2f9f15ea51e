//! The page: a `#[wasm_bindgen]` facade over one [`Session`], the animation
//! frame, and the page's controls. Compiled for wasm32 only.
//!
//! The JavaScript in `www/main.js` does three things: it calls
//! [`App::frame`] from `requestAnimationFrame`, forwards clicks, changes, key
//! presses and pointer events here, and publishes `window.ddg`. Every decision
//! is made in Rust. Every change to the run travels as a line of the scenario
//! language through [`App::exec`], like everything else that acts on a run.

pub mod dom;
pub mod draw;
pub mod theme;

use std::collections::VecDeque;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

use crate::message::{node_name, NodeId};
use crate::options::{human_duration, Time};
use crate::script::{parse_command, Command, Failure, Reply, Session};
use crate::sim::event::{Event, Record};
use crate::sim::network::InFlight;
use crate::view::controls;
use crate::view::layout::{self, Arrangement, Point, Ring};

use dom::{Dom, Inspected};
use draw::Scene;

/// Reports a panic on the page and in the console, never silently.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let text = format!("DuckDuckGoose crashed: {info}");
        web_sys::console::error_1(&JsValue::from_str(&text));
        if let Some(el) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id("panic"))
        {
            el.set_text_content(Some(&format!("{text} — reload the page to start again.")));
            let _ = el.remove_attribute("hidden");
        }
    }));
}

fn js_error(message: &str) -> JsValue {
    js_sys::Error::new(message).into()
}

/// The page's run and everything that shows it.
#[wasm_bindgen]
pub struct App {
    session: Session,
    canvas: HtmlCanvasElement,
    ctx: CanvasRenderingContext2d,
    dom: Dom,
    playing: bool,
    speed: f64,
    last_frame: Option<f64>,
    carry_us: f64,
    css_size: (f64, f64),
    ring: Ring,
    arrangement: Arrangement,
    positions: Vec<Point>,
    inspected: Inspected,
    last_seen: Option<InFlight>,
    drag: Option<(Point, Point)>,
    dark: bool,
    large: bool,
    reduced_motion: bool,
    sprites: draw::Sprites,
    frame_ms: VecDeque<f64>,
    parts_ms: [f64; 3],
    events_at: VecDeque<(f64, u64)>,
    perf_visible: bool,
}

fn media(query: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.match_media(query).ok().flatten())
        .is_some_and(|m| m.matches())
}

fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

#[wasm_bindgen]
impl App {
    /// Starts the page: finds the canvas (`#canvas`) and the panels, and
    /// begins a run with the default cluster and a random seed (or the run
    /// given in `first_line`, a `cluster` line).
    pub fn start(first_line: Option<String>) -> Result<App, JsValue> {
        install_panic_hook();
        let doc = web_sys::window()
            .and_then(|w| w.document())
            .ok_or_else(|| js_error("no document"))?;
        let canvas: HtmlCanvasElement = doc
            .get_element_by_id("canvas")
            .ok_or_else(|| js_error("the page has no #canvas"))?
            .dyn_into()?;
        let ctx: CanvasRenderingContext2d = canvas
            .get_context("2d")?
            .ok_or_else(|| js_error("no 2D canvas"))?
            .dyn_into()?;
        let line = first_line.unwrap_or_else(|| "cluster".into());
        let session = new_session(&line).map_err(|e| js_error(&e))?;
        let mut app = App {
            session,
            canvas,
            ctx,
            dom: Dom::new(doc),
            playing: true,
            speed: controls::DEFAULT_SPEED,
            last_frame: None,
            carry_us: 0.0,
            css_size: (0.0, 0.0),
            ring: Ring::fit(1.0, 1.0, 1),
            arrangement: Arrangement {
                angles: Vec::new(),
                walls: Vec::new(),
                slots: 1,
            },
            positions: Vec::new(),
            inspected: Inspected::Nothing,
            last_seen: None,
            drag: None,
            dark: media("(prefers-color-scheme: dark)"),
            large: false,
            reduced_motion: media("(prefers-reduced-motion: reduce)"),
            sprites: draw::Sprites::new(1.0),
            frame_ms: VecDeque::new(),
            parts_ms: [0.0; 3],
            events_at: VecDeque::new(),
            perf_visible: false,
        };
        app.after_new_run();
        Ok(app)
    }

    /// Draws one animation frame at `timestamp` (milliseconds, from
    /// `requestAnimationFrame`), advancing the run if it is playing.
    pub fn frame(&mut self, timestamp: f64) {
        let started = now_ms();
        let dt = self
            .last_frame
            .map_or(0.0, |last| (timestamp - last).clamp(0.0, 100.0));
        self.last_frame = Some(timestamp);
        if self.playing {
            self.carry_us += dt * 1000.0 * self.speed;
            let whole = self.carry_us.floor();
            self.carry_us -= whole;
            let target = self.session.sim().now() + whole as Time;
            self.session.sim_mut().run_until(target);
        }
        self.absorb_records();
        let simulated = now_ms();
        self.render();
        let drawn = now_ms();
        self.update_panels();
        let done = now_ms();
        self.parts_ms = [
            self.parts_ms[0] * 0.95 + (simulated - started) * 0.05,
            self.parts_ms[1] * 0.95 + (drawn - simulated) * 0.05,
            self.parts_ms[2] * 0.95 + (done - drawn) * 0.05,
        ];
        let spent = done - started;
        self.frame_ms.push_back(spent);
        if self.frame_ms.len() > 600 {
            self.frame_ms.pop_front();
        }
        self.events_at
            .push_back((timestamp, self.session.sim().stats().events));
        while self.events_at.len() > 2 && timestamp - self.events_at[0].0 > 1000.0 {
            self.events_at.pop_front();
        }
        if self.perf_visible {
            self.show_perf();
        }
    }

    /// The tab was hidden or shown: the next frame starts afresh instead of
    /// catching up on the time spent hidden.
    pub fn visibility(&mut self, hidden: bool) {
        if hidden {
            self.last_frame = None;
        }
    }

    /// Runs one line of the scenario language against the live run, as
    /// `window.ddg.exec` does: `status` and `stats` return their JSON object;
    /// a bad line throws an `Error` with the message `ddg run` would print.
    pub fn exec(&mut self, line: &str) -> Result<JsValue, JsValue> {
        match self.run_line(line) {
            Ok(Some(reply)) => Ok(self.to_js(&reply)),
            Ok(None) => Ok(JsValue::UNDEFINED),
            Err(e) => Err(js_error(&e)),
        }
    }

    /// The status object, as `status` prints it.
    pub fn status(&self) -> JsValue {
        self.to_js(&Reply::Status(self.session.sim().status()))
    }

    /// A button with `data-line` was pressed: run its line, and show any
    /// problem in the event log rather than throwing.
    pub fn press(&mut self, line: &str) {
        if let Err(e) = self.run_line(line) {
            self.dom.log(&[(self.session.sim().now(), e, true)]);
        }
    }

    /// A button with `data-action` was pressed (`play`, `step`, `reset`,
    /// `heal`, `help`, `theme`, `large`, `perf`, `select n3`, …).
    pub fn action(&mut self, name: &str) {
        match name {
            "play" => self.playing = !self.playing,
            "step" => self.step(),
            "reset" => self.reset(),
            "help" => self.toggle("help"),
            "theme" => self.dark = !self.dark,
            "large" => self.large = !self.large,
            "perf" => self.perf_visible = !self.perf_visible,
            "close" => {
                self.dom.show("help", false);
                self.inspected = Inspected::Nothing;
            }
            _ => {
                if let Some(n) = name.strip_prefix("select ") {
                    if let Ok(id) = crate::script::parse::parse_node(n, self.session.sim().size()) {
                        self.inspected = Inspected::Node(id);
                    }
                }
            }
        }
    }

    /// A settings control changed: `field` is its `data-control` name and
    /// `value` its text (`"true"`/`"false"` for checkboxes). Impossible values
    /// get a message next to the control and change nothing.
    pub fn control(&mut self, field: &str, value: &str) {
        let sim = self.session.sim();
        let result = match field {
            "speed" => {
                if let Ok(v) = value.parse::<f64>() {
                    self.speed = controls::speed_at(v);
                }
                return;
            }
            "nodes" => controls::nodes_line(value, sim.seed(), sim.options()),
            _ => controls::setting_line(field, value, sim.options()),
        };
        let result = result.and_then(|line| self.run_line(&line).map(|_| ()));
        let message = result.err().unwrap_or_default();
        self.dom.text(&format!("msg-{field}"), &message);
        if message.is_empty() {
            self.dom.unsync_form();
        }
    }

    /// A key was pressed outside a text field; returns whether it was a
    /// shortcut (the page then stops its default action).
    pub fn key(&mut self, key: &str) -> bool {
        let selected = match self.inspected {
            Inspected::Node(id) => Some(id),
            _ => None,
        };
        let target = selected.map(node_name);
        match key {
            " " | "Spacebar" => self.playing = !self.playing,
            "." | "n" => self.step(),
            "+" | "=" => self.set_speed(self.speed * 2.0),
            "-" | "_" => self.set_speed(self.speed / 2.0),
            "?" => self.toggle("help"),
            "Escape" => self.action("close"),
            "h" => self.press("heal"),
            "p" => self.perf_visible = !self.perf_visible,
            "l" => self.large = !self.large,
            "d" => self.dark = !self.dark,
            "R" => self.reset(),
            "k" => {
                let line = match &target {
                    Some(n) if self.session.sim().is_alive(selected.unwrap_or(0)) => {
                        format!("kill {n}")
                    }
                    Some(n) => format!("revive {n}"),
                    None => "kill goose".into(),
                };
                self.press(&line);
            }
            "r" => match target {
                Some(n) => self.press(&format!("revive {n}")),
                None => {
                    for id in 0..self.session.sim().size() {
                        if !self.session.sim().is_alive(id) {
                            self.press(&format!("revive {}", node_name(id)));
                        }
                    }
                }
            },
            "t" => {
                if let Some(n) = target {
                    self.press(&format!("timeout {n}"));
                }
            }
            "i" => {
                if let (Some(n), Some(id)) = (target, selected) {
                    let verb = if self.session.sim().network().is_isolated(id) {
                        "reconnect"
                    } else {
                        "isolate"
                    };
                    self.press(&format!("{verb} {n}"));
                }
            }
            "x" => {
                if let Inspected::Message(id) = self.inspected {
                    self.press(&format!("drop m{id}"));
                }
            }
            k if k.len() == 1 && k.as_bytes()[0].is_ascii_digit() => {
                let digit = u32::from(k.as_bytes()[0] - b'0');
                let id = if digit == 0 { 9 } else { digit - 1 };
                if id < self.session.sim().size() {
                    self.inspected = Inspected::Node(id);
                }
            }
            _ => return false,
        }
        true
    }

    /// A pointer event on the canvas: `kind` is `down`, `move`, `up` or
    /// `leave`; `x`, `y` in CSS pixels from the canvas's top left. A press
    /// on a bird or a message selects it; a drag across empty canvas cuts
    /// the cluster in two along the line drawn.
    pub fn pointer(&mut self, kind: &str, x: f64, y: f64) {
        let p = Point::new(x, y);
        match kind {
            "down" => {
                if let Some(id) = layout::node_at(&self.positions, self.ring.node_radius, p) {
                    self.inspected = Inspected::Node(id);
                } else if let Some(id) = self.message_at(p) {
                    self.inspected = Inspected::Message(id);
                    self.last_seen = self.session.sim().in_flight().find(|m| m.id == id).cloned();
                } else {
                    self.drag = Some((p, p));
                }
            }
            "move" => {
                if let Some((a, _)) = self.drag {
                    self.drag = Some((a, p));
                }
            }
            "up" => {
                if let Some((a, b)) = self.drag.take() {
                    if a.distance(b) < 12.0 {
                        self.inspected = Inspected::Nothing;
                    } else if let Some((left, right)) = layout::cut(&self.positions, a, b) {
                        let names = |g: &[NodeId]| {
                            g.iter()
                                .map(|&n| node_name(n))
                                .collect::<Vec<_>>()
                                .join(",")
                        };
                        self.press(&format!("partition {} | {}", names(&left), names(&right)));
                    }
                }
            }
            _ => self.drag = None,
        }
    }

    /// Frame times of the last frames, in milliseconds (for the benchmark).
    pub fn frame_times(&self) -> Vec<f64> {
        self.frame_ms.iter().copied().collect()
    }

    /// Smoothed milliseconds per frame spent simulating, drawing the canvas
    /// and updating the panels (for the benchmark and the overlay).
    pub fn frame_parts(&self) -> Vec<f64> {
        self.parts_ms.to_vec()
    }

    /// Whether the run is playing.
    pub fn playing(&self) -> bool {
        self.playing
    }
}

/// A fresh session from a `cluster` line (a random seed if it names none).
fn new_session(line: &str) -> Result<Session, String> {
    match parse_command(line, crate::sim::MAX_NODES) {
        Ok(Some(Command::Cluster(spec))) => {
            let mut session = Session::new(&spec, crate::random_seed());
            session.sim_mut().set_recording(true);
            Ok(session)
        }
        Ok(_) => Err("error: line 1: a run starts with a cluster line".into()),
        Err(e) => Err(format!("error: line 1: {e}")),
    }
}

impl App {
    fn to_js(&self, reply: &Reply) -> JsValue {
        let serializer = serde_wasm_bindgen::Serializer::json_compatible();
        let value = match reply {
            Reply::Status(s) => serde::Serialize::serialize(s, &serializer),
            Reply::Stats(s) => serde::Serialize::serialize(s.as_ref(), &serializer),
            _ => return JsValue::UNDEFINED,
        };
        value.unwrap_or(JsValue::NULL)
    }

    /// Runs one line; `Ok(Some(reply))` for `status` and `stats`.
    fn run_line(&mut self, line: &str) -> Result<Option<Reply>, String> {
        let size = self.session.sim().size();
        let command = match parse_command(line, size) {
            Ok(Some(c)) => c,
            Ok(None) => return Ok(None),
            Err(e) => return Err(format!("error: line 1: {e}")),
        };
        if let Command::Cluster(_) = command {
            self.session = new_session(line)?;
            self.after_new_run();
            return Ok(None);
        }
        // Finish the current instant first, so that the line applies after
        // every event at this time, exactly as it does in `ddg run`.
        let now = self.session.sim().now();
        self.session.sim_mut().run_until(now);
        let result = self.session.exec(&command);
        self.absorb_records();
        match result {
            Ok(Reply::Status(s)) => Ok(Some(Reply::Status(s))),
            Ok(Reply::Stats(s)) => Ok(Some(Reply::Stats(s))),
            Ok(Reply::Nothing(why)) => {
                self.dom.log(&[(self.session.sim().now(), why, false)]);
                Ok(None)
            }
            Ok(Reply::Done) => Ok(None),
            Err(Failure::Error(e)) => Err(format!("error: line 1: {e}")),
            Err(Failure::Expectation(e)) => Err(format!("expect failed: line 1: {e}")),
        }
    }

    fn after_new_run(&mut self) {
        self.dom.clear_log();
        self.inspected = Inspected::Nothing;
        self.positions.clear();
        self.dom.unsync_form();
        let sim = self.session.sim();
        let line = format!(
            "A new run: {} nodes, seed {}. Every node starts as a duck in term 0.",
            sim.size(),
            sim.seed()
        );
        self.dom.log(&[(0, line, false)]);
    }

    fn set_speed(&mut self, speed: f64) {
        self.speed = speed.clamp(controls::SLOWEST, 1.0);
        if let Some(input) = self
            .dom
            .el("in-speed")
            .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
        {
            input.set_value(&format!("{:.4}", controls::slider_at(self.speed)));
        }
    }

    fn toggle(&mut self, id: &str) {
        let hidden = self
            .dom
            .el(id)
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
            .is_some_and(|e| e.hidden());
        self.dom.show(id, hidden);
    }

    fn step(&mut self) {
        self.playing = false;
        self.session.sim_mut().step();
        self.absorb_records();
    }

    fn reset(&mut self) {
        let seed_text = self.dom.input_value("in-seed").unwrap_or_default();
        match controls::seed_value(&seed_text) {
            Ok(seed) => {
                let sim = self.session.sim();
                let seed = seed.unwrap_or_else(crate::random_seed);
                let line = format!("cluster nodes={} seed={seed} {}", sim.size(), sim.options());
                self.dom.text("msg-seed", "");
                self.press(&line);
            }
            Err(e) => self.dom.text("msg-seed", &e),
        }
    }

    fn message_at(&self, p: Point) -> Option<u64> {
        let sim = self.session.sim();
        let scale = self.text_scale();
        let reach = draw::message_hit_radius(&self.ring);
        sim.in_flight()
            .map(|m| {
                (
                    m.id,
                    draw::message_position(&self.positions, &self.ring, m, sim.now(), scale)
                        .distance(p),
                )
            })
            .filter(|&(_, d)| d <= reach)
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(id, _)| id)
    }

    fn text_scale(&self) -> f64 {
        if self.large {
            1.45
        } else {
            1.0
        }
    }

    /// Moves new records into the event log.
    fn absorb_records(&mut self) {
        let records: Vec<Record> = self.session.sim_mut().take_records();
        let lines: Vec<(Time, String, bool)> = records
            .iter()
            .filter_map(|r| {
                r.story()
                    .map(|s| (r.t, s, matches!(r.event, Event::Violation(_))))
            })
            .collect();
        self.dom.log(&lines);
    }

    fn resize(&mut self) {
        let w = f64::from(self.canvas.client_width().max(1));
        let h = f64::from(self.canvas.client_height().max(1));
        let dpr = web_sys::window()
            .map_or(1.0, |w| w.device_pixel_ratio())
            .max(1.0);
        let (pw, ph) = ((w * dpr).round() as u32, (h * dpr).round() as u32);
        if self.canvas.width() != pw || self.canvas.height() != ph {
            self.canvas.set_width(pw);
            self.canvas.set_height(ph);
        }
        let _ = self.ctx.set_transform(dpr, 0.0, 0.0, dpr, 0.0, 0.0);
        self.sprites.set_dpr(dpr);
        self.css_size = (w, h);
    }

    /// Eases every node towards its place on the ring (islands when split).
    fn place_nodes(&mut self) {
        let sim = self.session.sim();
        self.arrangement = layout::arrange(sim.size(), sim.network());
        let (w, h) = self.css_size;
        self.ring = Ring::fit(w, h, self.arrangement.slots);
        let targets: Vec<Point> = self
            .arrangement
            .angles
            .iter()
            .map(|&a| self.ring.at(a, 1.0))
            .collect();
        if self.positions.len() != targets.len() || self.reduced_motion {
            self.positions = targets;
            return;
        }
        for (p, t) in self.positions.iter_mut().zip(&targets) {
            *p = p.lerp(*t, 0.18);
            if p.distance(*t) < 0.3 {
                *p = *t;
            }
        }
    }

    fn render(&mut self) {
        self.resize();
        self.place_nodes();
        let theme = if self.dark {
            &theme::DARK
        } else {
            &theme::LIGHT
        };
        let sim = self.session.sim();
        let selected_node = match self.inspected {
            Inspected::Node(id) => Some(id),
            _ => None,
        };
        let selected_message = match self.inspected {
            Inspected::Message(id) => Some(id),
            _ => None,
        };
        let scene = Scene {
            sim,
            positions: &self.positions,
            ring: self.ring,
            walls: &self.arrangement.walls,
            theme,
            text_scale: self.text_scale(),
            selected_node,
            selected_message,
            cut: self.drag,
            size: self.css_size,
        };
        draw::draw(&self.ctx, &scene, &mut self.sprites);
    }

    fn update_panels(&mut self) {
        let sim = self.session.sim();
        let selected = match self.inspected {
            Inspected::Node(id) => Some(id),
            _ => None,
        };
        self.dom.update_rows(sim, selected);
        self.dom
            .update_inspector(sim, self.inspected, self.last_seen.as_ref());
        self.dom.text("clock", &human_duration(sim.now()));
        self.dom
            .text("speed-label", &controls::speed_label(self.speed));
        self.dom
            .text("play", if self.playing { "Pause" } else { "Play" });
        self.dom.attr(
            "play",
            "aria-pressed",
            if self.playing { "false" } else { "true" },
        );
        self.dom.class("page", "dark", self.dark);
        self.dom.class("page", "large", self.large);
        self.dom.show("perf", self.perf_visible);
        let goose = match sim.geese() {
            [] => "no goose".to_string(),
            [g] => format!("goose: {}", node_name(*g)),
            many => format!("{} geese!", many.len()),
        };
        self.dom.text("goose-now", &goose);
        // The invariant banner.
        let count = sim.violation_count();
        self.dom.class("banner", "bad", count > 0);
        let banner = match sim.violations().last() {
            None => "All invariants hold: at most one goose per term, one vote per node per term, terms never go back, and with CheckQuorum never two geese at once.".to_string(),
            Some(v) => format!(
                "Invariant violated ({count} so far). Latest, at {}: {} — {}. Seed {}.",
                human_duration(v.t),
                v.invariant.name().replace('_', " "),
                v.detail,
                v.seed
            ),
        };
        self.dom.text("banner-text", &banner);
        // Statistics.
        let s = sim.stats();
        let stats = [
            ("stat-started", s.elections_started.to_string()),
            ("stat-won", s.elections_won.to_string()),
            ("stat-split", s.split_votes.to_string()),
            ("stat-prevotes", s.prevotes_started.to_string()),
            ("stat-downtime", human_duration(s.downtime(sim.now()))),
            (
                "stat-elect",
                s.time_to_elect
                    .last()
                    .map_or("—".into(), |&t| human_duration(t)),
            ),
            ("stat-sent", s.sent_total().to_string()),
            ("stat-lost", s.lost.to_string()),
        ];
        for (id, value) in stats {
            self.dom.text(id, &value);
        }
        for kind in crate::message::Kind::ALL {
            self.dom.text(
                &format!("stat-{}", kind.name()),
                &s.sent_of(kind).to_string(),
            );
        }
        let options = sim.options().clone();
        let (nodes, seed) = (sim.size(), sim.seed());
        self.dom.sync_form(&options, nodes, seed);
        self.dom.warnings(&controls::warnings(&options));
    }

    fn show_perf(&mut self) {
        let mut sorted: Vec<f64> = self.frame_ms.iter().copied().collect();
        sorted.sort_by(f64::total_cmp);
        let pick = |q: f64| {
            sorted
                .get(((sorted.len() as f64 - 1.0) * q).round() as usize)
                .copied()
                .unwrap_or(0.0)
        };
        let eps = match (self.events_at.front(), self.events_at.back()) {
            (Some(a), Some(b)) if b.0 > a.0 => (b.1 - a.1) as f64 / ((b.0 - a.0) / 1000.0),
            _ => 0.0,
        };
        let [sim, draw, panels] = self.parts_ms;
        let text = format!(
            "frame {:.2} ms (median {:.2}, p99 {:.2}; sim {sim:.2}, canvas {draw:.2}, panels {panels:.2}) · {:.0} events/s · {} in flight",
            self.frame_ms.back().copied().unwrap_or(0.0),
            pick(0.5),
            pick(0.99),
            eps,
            self.session.sim().in_flight().count()
        );
        self.dom.text("perf", &text);
    }
}
