//! The page: a `#[wasm_bindgen]` facade over one [`Timeline`] (a run with its
//! past), the animation frame, and the page's panels. Compiled for wasm32 only.
//!
//! The JavaScript in `www/main.js` does three things: it calls
//! [`App::frame`] from `requestAnimationFrame`, forwards clicks, changes, key
//! presses, pointer events and dropped files here, and publishes
//! `window.ddg`. Every decision is made in Rust. Every change to the run
//! travels as a line of the scenario language through [`Timeline::exec`], so
//! the run is always its cluster line, its seed and its timestamped lines:
//! that is what makes time travel, links and exports exact.

pub mod dom;
pub mod draw;
mod experiment;
mod input;
mod live;
mod prefs;
mod reasons;
pub mod theme;

use std::collections::VecDeque;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

use crate::lessons::Lesson;
use crate::message::node_name;
use crate::options::{human_duration, Time};
use crate::script::{parse_command, Command, Failure, Reply};
use crate::sim::event::Event;
use crate::sim::network::InFlight;
use crate::view::controls;
use crate::view::layout::{self, Arrangement, Point, Ring};
use crate::view::lesson::{self, Bookmark};
use crate::view::share::{self, Shared};
use crate::view::timeline::{Budget, Change, Timeline};
use crate::view::words::Vocabulary;

use dom::{Dom, Inspected};
use draw::Scene;

/// What a page load may make the simulation do before it shows anything:
/// about a second of work, so that no link or file freezes the tab.
const PAGE_BUDGET: Budget = Budget {
    time: 6 * 3600 * 1_000_000,
    events: 5_000_000,
};

/// The page's dialogs, by id.
const DIALOGS: [&str; 2] = ["help", "lessons"];

/// The most event-log lines the page remembers for replays.
const LOG_MEMORY: usize = 5000;

fn js_error(message: &str) -> JsValue {
    js_sys::Error::new(message).into()
}

fn media(query: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.match_media(query).ok().flatten())
        .is_some_and(|m| m.matches())
}

/// Milliseconds on the page's clock (`performance.now()`), from the
/// `performance` object the app looked up once: asking the window for it
/// each time cost two calls into the browser, several times a frame.
fn now_ms(perf: &Option<web_sys::Performance>) -> f64 {
    perf.as_ref().map_or(0.0, |p| p.now())
}

/// A lesson in progress. Which caption is on screen is not kept: it follows
/// from the moment on view ([`lesson::place`]).
struct LessonState {
    lesson: Lesson,
}

/// One line of the event log.
#[derive(Clone)]
struct LogLine {
    t: Time,
    text: String,
    alarm: bool,
}

/// The page's run and everything that shows it.
#[wasm_bindgen]
pub struct App {
    timeline: Timeline,
    lesson: Option<LessonState>,
    /// Where a lesson was left by acting in it, for "Back to the lesson".
    bookmark: Option<Bookmark>,
    /// The lessons' texts fetched so far, by id (see [`App::lesson_to_fetch`]).
    lesson_texts: crate::compact::VecMap<&'static str, &'static str>,
    /// The lesson to open once its text arrives, and whether the page's
    /// script was already asked to fetch it.
    lesson_wanted: Option<(&'static str, bool)>,
    /// The reasons shown for the selection (see [`reasons`]).
    reasons: reasons::Reasons,
    /// Where a lesson's "Next" stops playing.
    play_until: Option<Time>,
    log: Vec<LogLine>,
    /// How many log lines the page shows, or `None` when the list must be
    /// rebuilt (after a seek) at the next frame.
    log_shown: Option<usize>,
    canvas: HtmlCanvasElement,
    ctx: CanvasRenderingContext2d,
    strip: Option<(HtmlCanvasElement, CanvasRenderingContext2d)>,
    scrubbing: bool,
    dom: Dom,
    playing: bool,
    speed: f64,
    last_frame: Option<f64>,
    carry_us: f64,
    css_size: (f64, f64),
    ring: Ring,
    arrangement: Arrangement,
    /// Each slot's standing in the configuration drawn (§4), by id.
    standing: Vec<crate::view::members::Standing>,
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
    link_dirty: bool,
    notice_until: f64,
    /// Bird words or the paper's (leader, follower).
    words: Vocabulary,
    /// Each bird's log strip is on the canvas (a setting, in the link and
    /// set by a lesson: see [`crate::view::lesson::shows_logs`]).
    logs: bool,
    /// Presenter mode: the canvas fills the window, the caption docked on it.
    presenter: bool,
    /// Embed mode (`?embed`): canvas, caption and a few controls fill an
    /// iframe.
    embed: bool,
    /// Nothing stored from an earlier visit: show the way to the lessons.
    first_visit: bool,
    /// Where the last cut drawn with the pointer crossed the ring: the walls
    /// stand there.
    wall_hints: Vec<f64>,
    /// The header's height last written to the page's `--bar-h`.
    bar_h: i32,
    /// The layout changed since the sizes were last read (see
    /// [`App::relayout`]); reading them every frame forced a layout.
    layout_dirty: bool,
    /// The device pixel ratio the canvases were last sized for.
    dpr: f64,
    /// The timeline strip's size in CSS pixels.
    strip_size: (f64, f64),
    /// The page's `performance`, for [`now_ms`].
    perf: Option<web_sys::Performance>,
    /// When (page time, ms) the timeline's slider values were last written.
    slider_at: f64,
    /// Live mode: watching a real cluster instead of a simulation.
    live: Option<live::Session>,
    /// What Live mode asks the page's script to open or send.
    live_wants: live::Wants,
    /// The Experiment panel and the stats histogram (see [`experiment`]).
    experiments: experiment::Experiments,
}

fn canvas_2d(
    doc: &web_sys::Document,
    id: &str,
) -> Option<(HtmlCanvasElement, CanvasRenderingContext2d)> {
    let canvas: HtmlCanvasElement = doc.get_element_by_id(id)?.dyn_into().ok()?;
    let ctx = canvas.get_context("2d").ok()??.dyn_into().ok()?;
    Some((canvas, ctx))
}

#[wasm_bindgen]
impl App {
    /// Starts the page: finds the canvas and the panels, and opens the run or
    /// lesson in the URL fragment — or, without one (or with a broken one,
    /// said so on the page), a default cluster with a random seed.
    pub fn start() -> Result<App, JsValue> {
        let window = web_sys::window().ok_or_else(|| js_error("no window"))?;
        let doc = window.document().ok_or_else(|| js_error("no document"))?;
        let (canvas, ctx) =
            canvas_2d(&doc, "canvas").ok_or_else(|| js_error("the page has no #canvas"))?;
        let strip = canvas_2d(&doc, "timeline");
        let mut app = App {
            timeline: default_timeline(),
            lesson: None,
            bookmark: None,
            lesson_texts: crate::compact::VecMap::new(),
            lesson_wanted: None,
            reasons: reasons::Reasons::default(),
            play_until: None,
            log: Vec::new(),
            log_shown: None,
            canvas,
            ctx,
            strip,
            scrubbing: false,
            dom: Dom::new(doc),
            playing: true,
            speed: controls::DEFAULT_SPEED,
            last_frame: None,
            carry_us: 0.0,
            css_size: (0.0, 0.0),
            ring: Ring::fit(1.0, 1.0, 1),
            arrangement: Arrangement {
                angles: Vec::new(),
                scales: Vec::new(),
                walls: Vec::new(),
                slots: 1,
            },
            standing: Vec::new(),
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
            link_dirty: false,
            notice_until: 0.0,
            words: Vocabulary::Birds,
            presenter: false,
            logs: false,
            embed: false,
            first_visit: false,
            wall_hints: Vec::new(),
            bar_h: -1,
            layout_dirty: true,
            dpr: 0.0,
            strip_size: (0.0, 0.0),
            perf: window.performance(),
            slider_at: f64::NEG_INFINITY,
            live: None,
            live_wants: live::Wants::new(),
            experiments: Default::default(),
        };
        let search = window.location().search().unwrap_or_default();
        let hash = window.location().hash().unwrap_or_default();
        app.embed = share::wants_embed(&search, &hash);
        app.logs = share::wants_logs(&hash);
        app.load_prefs();
        app.dom.build_lessons(crate::lessons::index());
        app.after_new_run("A new run");
        app.open_fragment(&hash);
        Ok(app)
    }

    /// Draws one animation frame at `timestamp` (milliseconds, from
    /// `requestAnimationFrame`), advancing the run if it is playing.
    pub fn frame(&mut self, timestamp: f64) {
        let started = now_ms(&self.perf);
        let dt = self
            .last_frame
            .map_or(0.0, |last| (timestamp - last).clamp(0.0, 100.0));
        self.last_frame = Some(timestamp);
        if self.live.is_some() {
            self.live_frame(dt);
        } else if self.playing && !self.scrubbing {
            self.carry_us += dt * 1000.0 * self.speed;
            let whole = self.carry_us.floor();
            self.carry_us -= whole;
            let mut target = self.timeline.sim().now() + whole as Time;
            if let Some(stop) = self.play_until {
                if target >= stop {
                    target = stop;
                    self.play_until = None;
                    self.playing = false;
                }
            }
            let change = self.timeline.advance_to(target);
            self.absorb(change);
        }
        let simulated = now_ms(&self.perf);
        self.render();
        let drawn = now_ms(&self.perf);
        self.update_panels();
        self.experiment_frame();
        let done = now_ms(&self.perf);
        self.parts_ms = [
            self.parts_ms[0] * 0.95 + (simulated - started) * 0.05,
            self.parts_ms[1] * 0.95 + (drawn - simulated) * 0.05,
            self.parts_ms[2] * 0.95 + (done - drawn) * 0.05,
        ];
        self.frame_ms.push_back(done - started);
        if self.frame_ms.len() > 600 {
            self.frame_ms.pop_front();
        }
        self.events_at
            .push_back((timestamp, self.timeline.sim().stats().events));
        while self.events_at.len() > 2 && timestamp - self.events_at[0].0 > 1000.0 {
            self.events_at.pop_front();
        }
        if self.link_dirty && !self.playing {
            self.write_link();
        }
    }

    /// The layout changed: the page's script calls this when the canvas, the
    /// timeline or the header changes size (a `ResizeObserver`), and the
    /// next frame reads the sizes again. Reading them every frame made the
    /// browser lay the page out inside the frame.
    pub fn relayout(&mut self) {
        self.layout_dirty = true;
    }

    /// The tab was hidden or shown: the next frame starts afresh instead of
    /// catching up on the time spent hidden.
    pub fn visibility(&mut self, hidden: bool) {
        if hidden {
            self.last_frame = None;
        }
    }

    /// Runs one line of the scenario language against the run on view, as
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
        let mut status = self.timeline.sim().status();
        self.mark_unreachable(&mut status);
        self.to_js(&Reply::Status(status))
    }

    /// Shows instant `t_us` of the run (clamped to what has been simulated),
    /// pausing it.
    pub fn seek(&mut self, t_us: f64) {
        let t = if t_us.is_finite() {
            t_us.max(0.0) as Time
        } else {
            0
        };
        if self.live.is_some() {
            self.live_seek(t);
            return self.after_seek();
        }
        self.playing = false;
        self.play_until = None;
        self.timeline.seek(t);
        self.after_seek();
    }

    /// The furthest instant simulated so far, in microseconds.
    pub fn end(&self) -> f64 {
        self.timeline.end() as f64
    }

    /// The run as a scenario file (what Export saves).
    pub fn script(&self) -> String {
        self.timeline.script()
    }

    /// A link to the run at the moment on view.
    pub fn link(&self) -> String {
        let location = web_sys::window().map(|w| w.location());
        if self.live.is_some() {
            // A live cluster is linked by the fragment that opened it.
            return location.and_then(|l| l.href().ok()).unwrap_or_default();
        }
        let base = location
            .map(|l| {
                let href = l.href().unwrap_or_default();
                href.split('#').next().unwrap_or_default().to_string()
            })
            .unwrap_or_default();
        format!(
            "{base}#{}{}",
            share::fragment(&self.timeline.script(), self.timeline.sim().now()),
            if self.logs { "&logs" } else { "" }
        )
    }

    /// Opens what a URL fragment holds (a run or a lesson); a broken one is
    /// said so on the page, and the current run stays.
    pub fn open_fragment(&mut self, hash: &str) {
        if crate::view::live::wants_live(hash) {
            return self.start_live();
        }
        match share::parse_fragment(hash) {
            Ok(None) => {}
            Ok(Some(Shared::Lesson(id))) => match crate::lessons::title(&id) {
                Some(_) => self.want_lesson(&id),
                None => self.notice(&format!(
                    "There is no lesson called “{}”.",
                    id.chars().take(60).collect::<String>()
                )),
            },
            Ok(Some(Shared::Run { script, at })) => {
                if self.load(&script, "link") {
                    let t = at.unwrap_or(self.timeline.end());
                    self.timeline.seek(t);
                    self.playing = false;
                    self.after_seek();
                }
            }
            Err(e) => self.notice(&format!(
                "This link could not be opened: {e}. Here is a fresh run instead."
            )),
        }
    }

    /// The id of a lesson whose text the page's script should fetch (from
    /// `www/lessons/<id>.ddg`) and hand back with [`App::lesson_arrived`] or
    /// [`App::lesson_failed`]. Each wanted lesson is asked for once.
    pub fn lesson_to_fetch(&mut self) -> Option<String> {
        match &mut self.lesson_wanted {
            Some((id, asked)) if !*asked => {
                *asked = true;
                Some(id.to_string())
            }
            _ => None,
        }
    }

    /// A lesson's text, fetched by the page's script: kept, and opened if it
    /// is the lesson still wanted.
    pub fn lesson_arrived(&mut self, id: &str, text: &str) {
        let Some(&(id, _)) = crate::lessons::index().iter().find(|l| l.0 == id) else {
            return;
        };
        if !self.lesson_texts.contains_key(id) {
            // Kept for the page's life, once per lesson: a few KB each.
            let text: &'static str = Box::leak(text.to_owned().into_boxed_str());
            self.lesson_texts.insert(id, text);
        }
        if self.lesson_wanted.is_some_and(|(wanted, _)| wanted == id) {
            self.want_lesson(id);
        }
    }

    /// A lesson's text could not be fetched: said so on the page, and the
    /// current run stays.
    pub fn lesson_failed(&mut self, id: &str, why: &str) {
        if self.lesson_wanted.is_some_and(|(wanted, _)| wanted == id) {
            self.lesson_wanted = None;
            let title = crate::lessons::title(id).unwrap_or("?");
            self.notice(&format!(
                "The lesson “{title}” could not be loaded ({}).",
                why.chars().take(80).collect::<String>()
            ));
        }
    }

    /// Loads a scenario file chosen or dropped by a person; a bad one is said
    /// so on the page and the current run stays.
    pub fn import(&mut self, text: &str, name: &str) {
        const MAX_FILE: usize = 1 << 20;
        if text.len() > MAX_FILE {
            self.notice(&format!(
                "{name} is {} KB; a scenario file for this page is at most {} KB.",
                text.len() / 1024,
                MAX_FILE / 1024
            ));
            return;
        }
        if self.load(text, name) {
            self.playing = false;
            self.timeline.seek(self.timeline.end());
            self.after_seek();
        }
    }

    /// Frame times of the last frames, in milliseconds (for the benchmark).
    pub fn frame_times(&self) -> Vec<f64> {
        self.frame_ms.iter().copied().collect()
    }

    /// Where each bird is drawn, by node id: x, y pairs in CSS pixels from
    /// the canvas's top left (for the layout's end-to-end tests).
    pub fn positions(&self) -> Vec<f64> {
        self.positions.iter().flat_map(|p| [p.x, p.y]).collect()
    }

    /// A duck's radius and the font size of its name, in CSS pixels (for the
    /// projector mode's end-to-end tests).
    pub fn bird_sizes(&self) -> Vec<f64> {
        let r = self.ring.node_radius;
        vec![r, draw::label_px(r, self.text_scale())]
    }

    /// Smoothed milliseconds per frame spent simulating, drawing the canvas
    /// and updating the panels (for the benchmark and the overlay).
    pub fn frame_parts(&self) -> Vec<f64> {
        self.parts_ms.to_vec()
    }

    /// Memory held for time travel (approximate bytes of checkpoints, tape
    /// and markers) and the size of the wasm memory, in bytes.
    pub fn memory(&self) -> Vec<f64> {
        let wasm = js_sys::Reflect::get(&wasm_bindgen::memory(), &"buffer".into())
            .ok()
            .and_then(|b| js_sys::Reflect::get(&b, &"byteLength".into()).ok())
            .and_then(|n| n.as_f64())
            .unwrap_or(0.0);
        vec![self.timeline.footprint() as f64, wasm]
    }

    /// Whether the run is playing.
    pub fn playing(&self) -> bool {
        self.playing
    }
}

/// `x` with two decimals, by integer arithmetic (the page carries no float
/// formatting code).
fn fixed2(x: f64) -> String {
    let hundredths = (x * 100.0).round().max(0.0) as u64;
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}

/// The run a page starts with: five nodes, the defaults, a random seed.
fn default_timeline() -> Timeline {
    match parse_command("cluster", crate::sim::MAX_NODES) {
        Ok(Some(Command::Cluster(spec))) => Timeline::new(&spec, crate::random_seed()),
        _ => unreachable!("`cluster` parses"),
    }
}

impl App {
    /// `status` and `stats` as JavaScript objects (their JSON, parsed), or
    /// `null` when a number would not survive as a JavaScript number (a seed
    /// above 2^53 that a scenario set).
    fn to_js(&self, reply: &Reply) -> JsValue {
        const MAX_SAFE: u64 = (1 << 53) - 1;
        let safe = match reply {
            Reply::Status(s) => s.t_us <= MAX_SAFE && s.nodes.iter().all(|n| n.term <= MAX_SAFE),
            Reply::Stats(s) => s.seed <= MAX_SAFE && s.t_us <= MAX_SAFE,
            _ => return JsValue::UNDEFINED,
        };
        reply
            .json()
            .filter(|_| safe)
            .and_then(|json| js_sys::JSON::parse(&json).ok())
            .unwrap_or(JsValue::NULL)
    }

    /// Runs one line; `Ok(Some(reply))` for `status` and `stats`.
    fn run_line(&mut self, line: &str) -> Result<Option<Reply>, String> {
        let size = self.timeline.sim().size();
        let command = match parse_command(line, size) {
            Ok(Some(c)) => c,
            Ok(None) => return Ok(None),
            Err(e) => return Err(format!("error: line 1: {e}")),
        };
        if self.live.is_some()
            && !matches!(
                command,
                Command::Cluster(_)
                    | Command::Status
                    | Command::Stats
                    | Command::Expect(_)
                    | Command::Say(_)
            )
        {
            self.live_act(line);
            return Ok(None);
        }
        if let Command::Cluster(spec) = command {
            self.leave_lesson();
            self.timeline = Timeline::new(&spec, crate::random_seed());
            self.after_new_run("A new run");
            return Ok(None);
        }
        let acts = !matches!(
            command,
            Command::Status
                | Command::Stats
                | Command::Expect(_)
                | Command::Say(_)
                | Command::Run { .. }
        );
        if let Command::Run {
            duration,
            watch: None,
        } = command
        {
            return Ok(self.run_within_budget(duration));
        }
        let result = self.timeline.exec(&command);
        match result {
            Ok((reply, change)) => {
                let forked = change.forked;
                self.absorb(change);
                if acts {
                    self.link_dirty = true;
                    if forked {
                        self.notice("You acted in the past: the run's old future was dropped, and a new one starts here.");
                    }
                    if self.leave_lesson() {
                        self.notice(
                            "You changed the lesson's run: you are playing freely from here. “Back to the lesson” returns to where you were.",
                        );
                    }
                }
                match reply {
                    Reply::Status(_) | Reply::Stats(_) => Ok(Some(reply)),
                    Reply::Nothing(why) | Reply::Warned(why) => {
                        if matches!(command, Command::Add(_) | Command::Remove(_)) {
                            self.notice(&why);
                        }
                        self.push_log(self.timeline.sim().now(), why, false);
                        Ok(None)
                    }
                    Reply::Done => Ok(None),
                }
            }
            Err(Failure::Error(e)) => Err(format!("error: line 1: {e}")),
            Err(Failure::Expectation(e)) => Err(format!("expect failed: line 1: {e}")),
        }
    }

    /// `run` from a line: advances in slices and stops, with a notice, after
    /// the page's event budget, so that `ddg.exec('run 24h')` on a large
    /// cluster cannot freeze the tab.
    fn run_within_budget(&mut self, duration: Time) -> Option<Reply> {
        let (change, stopped) = self.timeline.advance_by(duration, PAGE_BUDGET.events);
        self.absorb(change);
        if stopped {
            let at = human_duration(self.timeline.sim().now());
            self.notice(&format!(
                "The run stopped at {at}: one line runs at most {} events in the page (use ddg run for longer runs).",
                PAGE_BUDGET.events
            ));
        }
        None
    }

    /// Replaces the run with a loaded scenario; `false` (and a notice) if it
    /// cannot be loaded.
    fn load(&mut self, text: &str, what: &str) -> bool {
        match Timeline::load(text, crate::random_seed(), PAGE_BUDGET) {
            Ok((timeline, warnings)) => {
                self.timeline = timeline;
                self.lesson = None;
                self.bookmark = None;
                self.after_new_run(&format!("Loaded from the {what}"));
                for (t, w) in warnings {
                    self.push_log(t, w, true);
                }
                self.log_loaded_run();
                true
            }
            Err((line, why)) => {
                let what = what.chars().take(80).collect::<String>();
                self.notice(&format!(
                    "The {what} could not be loaded: line {line}: {why}. The page keeps its current run."
                ));
                false
            }
        }
    }

    /// Fills the event log with what a loaded run did (a lesson, a link, a
    /// file), so that the log, and a printed handout, tell its story too. A
    /// replay costs as much as the load did, so only runs of modest size
    /// get one; longer ones log from here on.
    fn log_loaded_run(&mut self) {
        const MOST_EVENTS: u64 = 200_000;
        if self.timeline.sim().stats().events > MOST_EVENTS {
            return;
        }
        let (records, _) = self.timeline.replay_records(0, self.timeline.end());
        for r in &records {
            if let Some(story) = r.story() {
                self.push_log(r.t, story, matches!(r.event, Event::Violation(_)));
            }
        }
    }

    /// Opens the lesson with this id (one of [`crate::lessons::index`]) now
    /// if its text is here, or once the page's script has fetched it.
    fn want_lesson(&mut self, id: &str) {
        let Some(&(id, _)) = crate::lessons::index().iter().find(|l| l.0 == id) else {
            return;
        };
        match self.fetched_lesson(id) {
            Some(lesson) => {
                self.lesson_wanted = None;
                self.open_lesson(lesson);
            }
            None => self.lesson_wanted = Some((id, false)),
        }
    }

    /// The lesson with this id, if its text was fetched.
    fn fetched_lesson(&self, id: &str) -> Option<Lesson> {
        let (&id, &text) = self.lesson_texts.get_key_value(id)?;
        Some(Lesson {
            id,
            title: crate::lessons::title(id)?,
            text,
        })
    }

    fn open_lesson(&mut self, lesson: Lesson) {
        if !self.load(lesson.text, &format!("lesson “{}”", lesson.title)) {
            return;
        }
        self.lesson = Some(LessonState { lesson });
        self.logs = lesson::shows_logs(lesson.text);
        let steps: Vec<String> = self
            .timeline
            .captions()
            .iter()
            .enumerate()
            .map(|(k, (_, text))| format!("{}. {}", k + 1, lesson::summary(text, 60)))
            .collect();
        self.dom.build_steps(&steps);
        self.show_caption(0);
    }

    /// The moments of the lesson's steps.
    fn moments(&self) -> Vec<Time> {
        self.timeline.captions().iter().map(|c| c.0).collect()
    }

    /// Shows step `step`'s moment (a jump, paused).
    fn show_caption(&mut self, step: usize) {
        let Some(t) = self.timeline.captions().get(step).map(|c| c.0) else {
            return;
        };
        self.playing = false;
        self.play_until = None;
        self.timeline.seek(t);
        self.after_seek();
    }

    /// "Next" in a lesson: play to the next step's moment and stop there; if
    /// already on the way, jump there.
    fn lesson_next(&mut self) {
        if self.lesson.is_none() {
            return;
        }
        let Some((k, t)) = lesson::next(&self.moments(), self.timeline.sim().now()) else {
            return;
        };
        if self.playing && self.play_until == Some(t) {
            return self.show_caption(k);
        }
        self.play_until = Some(t);
        self.playing = true;
    }

    fn lesson_back(&mut self) {
        if self.lesson.is_none() {
            return;
        }
        if let Some(k) = lesson::back(&self.moments(), self.timeline.sim().now()) {
            self.show_caption(k);
        }
    }

    /// Leaves the lesson on view, if any, keeping a bookmark to come back;
    /// `true` if there was one.
    fn leave_lesson(&mut self) -> bool {
        let Some(state) = self.lesson.take() else {
            return false;
        };
        let t = self.timeline.sim().now();
        self.bookmark = Some(Bookmark {
            id: state.lesson.id,
            t,
            step: lesson::place(&self.moments(), t).step(),
        });
        self.play_until = None;
        true
    }

    /// "Back to the lesson": reopens it exactly where it was left.
    fn lesson_return(&mut self) {
        let Some(mark) = self.bookmark.take() else {
            return;
        };
        let Some(found) = self.fetched_lesson(mark.id) else {
            return;
        };
        self.open_lesson(found);
        if self.lesson.is_some() {
            self.timeline.seek(mark.t);
            self.after_seek();
            if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
                let _ = history.replace_state_with_url(
                    &JsValue::NULL,
                    "",
                    Some(&format!("#lesson={}", mark.id)),
                );
            }
        }
    }

    fn after_new_run(&mut self, how: &str) {
        self.leave_live();
        self.log.clear();
        self.log_shown = None;
        self.inspected = Inspected::Nothing;
        self.positions.clear();
        self.dom.hold_form(false);
        self.dom.unsync_form();
        self.play_until = None;
        let sim = self.timeline.sim();
        let line = format!(
            "{how}: {} nodes, seed {}. Every node starts as a duck in term 0.",
            sim.size(),
            sim.seed()
        );
        self.push_log(0, line, false);
        // The seed and its link show at once, while the run plays (the link
        // follows the moment again whenever the run pauses).
        self.write_link();
    }

    /// Takes in what a timeline operation brought: log lines for what
    /// happened for the first time.
    fn absorb(&mut self, change: Change) {
        for r in &change.records {
            if let Some(story) = r.story() {
                self.push_log(r.t, story, matches!(r.event, Event::Violation(_)));
            }
        }
    }

    fn push_log(&mut self, t: Time, text: String, alarm: bool) {
        // Keep the log in time order (a note about the instant on view may
        // come from the past).
        let at = self.log.partition_point(|l| l.t <= t);
        self.log.insert(at, LogLine { t, text, alarm });
        if self.log_shown.is_some_and(|shown| at < shown) {
            self.log_shown = None;
        }
        if self.log.len() > LOG_MEMORY {
            let drop = self.log.len() - LOG_MEMORY;
            self.log.drain(..drop);
            self.log_shown = self.log_shown.map(|shown| shown.saturating_sub(drop));
        }
    }

    /// Shows the log lines up to the instant on view: appends when time moved
    /// forward, rebuilds the list when it went back.
    fn sync_log(&mut self) {
        let now = self.timeline.sim().now();
        let upto = self.log.partition_point(|l| l.t <= now);
        let from = match self.log_shown {
            Some(shown) if shown <= upto => shown,
            _ => {
                self.dom.clear_log();
                upto.saturating_sub(dom::LOG_LINES)
            }
        };
        if upto > from {
            let lines: Vec<(Time, String, bool)> = self.log[from..upto]
                .iter()
                .map(|l| (l.t, l.text.clone(), l.alarm))
                .collect();
            self.dom.log(&lines);
        }
        self.log_shown = Some(upto);
    }

    fn after_seek(&mut self) {
        self.last_seen = None;
        self.link_dirty = true;
        self.log_shown = None;
    }

    fn notice(&mut self, text: &str) {
        self.dom.text("notice-text", text);
        self.dom.show("notice", true);
        self.notice_until = now_ms(&self.perf) + 9000.0;
        let now = self.timeline.sim().now();
        self.push_log(now, text.to_string(), true);
    }

    fn write_link(&mut self) {
        self.link_dirty = false;
        let link = self.link();
        if let Some(el) = self.dom.el("share-link") {
            if let Ok(input) = el.dyn_into::<web_sys::HtmlInputElement>() {
                input.set_value(&link);
            }
        }
        // The seed, visible on the page, links to this very run (rehearsal).
        let seed = format!("Seed {} · link to this run", self.timeline.sim().seed());
        self.dom.text("seed-link", &seed);
        self.dom.attr("seed-link", "href", &link);
        if self.lesson.is_some() {
            return; // A lesson's link is its id, set when it opened.
        }
        if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
            let fragment = link.split_once('#').map_or("", |(_, f)| f);
            let fragment = if self.embed {
                format!("{fragment}&embed")
            } else {
                fragment.to_string()
            };
            let _ =
                history.replace_state_with_url(&JsValue::NULL, "", Some(&format!("#{fragment}")));
        }
    }

    fn set_speed(&mut self, speed: f64) {
        self.speed = speed.clamp(controls::SLOWEST, 1.0);
        if let Some(input) = self
            .dom
            .el("in-speed")
            .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
        {
            let position = (controls::slider_at(self.speed) * 1000.0).round() as u32;
            input.set_value(&position.to_string());
        }
    }

    /// Opens or closes a dialog (`help`, `lessons`). An open dialog is
    /// modal: the browser keeps focus inside it, and gives focus back to
    /// where it was when it closes.
    fn toggle(&mut self, id: &str) {
        let Some(dialog) = self.dialog(id) else {
            return;
        };
        if dialog.open() {
            dialog.close();
        } else {
            self.close_dialogs();
            let _ = dialog.show_modal();
        }
    }

    fn dialog(&self, id: &str) -> Option<web_sys::HtmlDialogElement> {
        self.dom.el(id)?.dyn_into().ok()
    }

    fn dialog_open(&self) -> bool {
        DIALOGS
            .iter()
            .any(|id| self.dialog(id).is_some_and(|d| d.open()))
    }

    /// Tab (or Shift+Tab) in an open dialog: from its last (first) control,
    /// focus wraps to its first (last), so that it never leaves the dialog
    /// for the browser's own controls. Returns whether it wrapped.
    fn wrap_focus(&self, backwards: bool) -> bool {
        let Some(dialog) = DIALOGS
            .iter()
            .filter_map(|id| self.dialog(id))
            .find(|d| d.open())
        else {
            return false;
        };
        let Ok(list) =
            dialog.query_selector_all("button:not([disabled]), input, select, [tabindex]")
        else {
            return false;
        };
        let controls: Vec<web_sys::HtmlElement> = (0..list.length())
            .filter_map(|i| list.item(i)?.dyn_into().ok())
            .collect();
        let (Some(first), Some(last)) = (controls.first(), controls.last()) else {
            return false;
        };
        let active = self.dom.active();
        let (from, to) = if backwards {
            (first, last)
        } else {
            (last, first)
        };
        let leaving = active.as_ref().is_none_or(|a| {
            a == from.unchecked_ref::<web_sys::Element>() || !dialog.contains(Some(a))
        });
        if leaving {
            let _ = to.focus();
        }
        leaving
    }

    fn close_dialogs(&mut self) {
        for id in DIALOGS {
            if let Some(d) = self.dialog(id).filter(|d| d.open()) {
                d.close();
            }
        }
    }

    fn step(&mut self) {
        self.playing = false;
        self.play_until = None;
        let change = self.timeline.step();
        self.absorb(change);
        self.link_dirty = true;
    }

    fn step_back(&mut self) {
        self.playing = false;
        self.play_until = None;
        self.timeline.step_back();
        self.after_seek();
    }

    fn jump_marker(&mut self, forward: bool) {
        let now = self.timeline.sim().now();
        let markers = self.timeline.markers();
        let target = if forward {
            markers.iter().map(|m| m.t).find(|&t| t > now)
        } else {
            markers.iter().rev().map(|m| m.t).find(|&t| t < now)
        };
        if let Some(t) = target {
            self.seek(t as f64);
        }
    }

    fn reset(&mut self) {
        if self.live.is_some() {
            return; // Disabled in Live mode, with the reason (`live_panels`).
        }
        let seed_text = self.dom.input_value("in-seed").unwrap_or_default();
        match controls::seed_value(&seed_text) {
            Ok(seed) => {
                let sim = self.timeline.sim();
                let seed = seed.unwrap_or_else(crate::random_seed);
                // A new run with as many nodes as the run has members (the
                // Nodes field changes them live, one at a time).
                let n = crate::view::members::shown(sim).len().max(1);
                let line = format!("cluster nodes={n} seed={seed} {}", sim.options());
                self.dom.text("msg-seed", "");
                self.press(&line);
            }
            Err(e) => self.dom.text("msg-seed", &e),
        }
    }

    fn message_at(&self, p: Point) -> Option<u64> {
        let sim = self.timeline.sim();
        let scale = self.text_scale();
        let reach = draw::message_hit_radius(&self.ring);
        sim.in_flight()
            .map(|m| {
                let at = draw::message_position(&self.positions, &self.ring, m, sim.now(), scale);
                (m.id, at.distance(p))
            })
            .filter(|&(_, d)| d <= reach)
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(id, _)| id)
    }

    fn resize(&mut self) {
        let dpr = web_sys::window()
            .map_or(1.0, |w| w.device_pixel_ratio())
            .max(1.0);
        if !self.layout_dirty && dpr == self.dpr {
            return;
        }
        self.layout_dirty = false;
        self.dpr = dpr;
        // The first screen (caption, canvas, timeline) is the window less
        // the header, whose height depends on the width and the text size.
        let bar_h = self
            .dom
            .el("bar")
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
            .map_or(0, |e| e.offset_height());
        if bar_h != self.bar_h {
            self.bar_h = bar_h;
            if let Some(root) = self
                .dom
                .el("page")
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
            {
                let _ = root.style().set_property("--bar-h", &format!("{bar_h}px"));
            }
        }
        let w = f64::from(self.canvas.client_width().max(1));
        let h = f64::from(self.canvas.client_height().max(1));
        let (pw, ph) = ((w * dpr).round() as u32, (h * dpr).round() as u32);
        if self.canvas.width() != pw || self.canvas.height() != ph {
            self.canvas.set_width(pw);
            self.canvas.set_height(ph);
        }
        let _ = self.ctx.set_transform(dpr, 0.0, 0.0, dpr, 0.0, 0.0);
        self.sprites.set_dpr(dpr);
        self.css_size = (w, h);
        if let Some((strip, ctx)) = &self.strip {
            let (sw, sh) = (
                f64::from(strip.client_width().max(1)),
                f64::from(strip.client_height().max(1)),
            );
            let (pw, ph) = ((sw * dpr).round() as u32, (sh * dpr).round() as u32);
            if strip.width() != pw || strip.height() != ph {
                strip.set_width(pw);
                strip.set_height(ph);
            }
            let _ = ctx.set_transform(dpr, 0.0, 0.0, dpr, 0.0, 0.0);
            self.strip_size = (sw, sh);
        }
    }

    /// Eases every node towards its place on the ring (islands when split).
    fn place_nodes(&mut self) {
        let sim = self.timeline.sim();
        if !sim.network().is_split() {
            self.wall_hints.clear();
        }
        let members = crate::view::members::shown(sim);
        self.standing.clear();
        self.standing
            .extend((0..sim.size()).map(|id| crate::view::members::standing(sim, members, id)));
        self.arrangement =
            layout::arrange_members(sim.size(), members, sim.network(), &self.wall_hints);
        let (w, h) = self.css_size;
        let scale = crate::view::logs::bird_scale(self.bird_scale(), self.logs);
        self.ring = Ring::fit_scaled(w, h, self.arrangement.slots, scale);
        let targets: Vec<Point> = self
            .arrangement
            .angles
            .iter()
            .zip(&self.arrangement.scales)
            .map(|(&a, &scale)| self.ring.at(a, scale))
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

    fn theme(&self) -> &'static theme::Theme {
        if self.dark {
            &theme::DARK
        } else {
            &theme::LIGHT
        }
    }

    fn render(&mut self) {
        self.resize();
        self.place_nodes();
        let theme = self.theme();
        let sim = self.timeline.sim();
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
            reduced_motion: self.reduced_motion,
            words: self.words,
            logs: self.logs,
            standing: &self.standing,
        };
        draw::draw(&self.ctx, &scene, &mut self.sprites);
        self.draw_unreachable();
        if let Some((_, ctx)) = &self.strip {
            draw::draw_timeline(ctx, self.strip_size, &self.timeline, theme);
        }
    }

    fn update_panels(&mut self) {
        self.sync_log();
        if self.notice_until > 0.0 && now_ms(&self.perf) > self.notice_until {
            self.notice_until = 0.0;
            self.dom.show("notice", false);
        }
        let selected = match self.inspected {
            Inspected::Node(id) => Some(id),
            _ => None,
        };
        let unreachable = self.unreachable_now();
        let sim = self.timeline.sim();
        self.dom.update_rows(sim, selected, &unreachable);
        self.dom
            .update_inspector(sim, self.inspected, self.last_seen.as_ref());
        if self.live.is_none() {
            self.update_reasons();
        }
        let sim = self.timeline.sim();
        let now = sim.now();
        let end = self.timeline.end();
        let live = self.timeline.is_live();
        self.dom.text("clock", &human_duration(now));
        self.dom.text(
            "replay",
            &if live {
                String::new()
            } else {
                format!("replaying · recorded to {}", human_duration(end))
            },
        );
        self.dom
            .text("speed-label", &controls::speed_label(self.speed));
        // The Play button's label says what it does; it has no pressed state.
        let play = if self.playing { "Pause" } else { "Play" };
        self.dom.text("play", play);
        self.dom.text("play-mini", play);
        self.dom.class("page", "dark", self.dark);
        self.dom.class("page", "large", self.large);
        self.dom.class("page", "presenter", self.presenter);
        self.dom.class("page", "embed", self.embed);
        self.dom.class("page", "in-lesson", self.lesson.is_some());
        self.dom.check("in-logs", self.logs);
        self.dom
            .show("welcome", self.first_visit && self.lesson.is_none());
        self.dom.attr(
            "words",
            "aria-pressed",
            if self.words == Vocabulary::Paper {
                "true"
            } else {
                "false"
            },
        );
        // The timeline is a slider: its value is the moment on view. While
        // the run plays it is brought up to date once a second, not every
        // frame: a screen reader has nothing to say about each frame.
        let page_now = now_ms(&self.perf);
        if !self.playing || page_now - self.slider_at >= 1000.0 {
            self.slider_at = page_now;
            self.dom
                .attr("timeline", "aria-valuemax", &(end / 1000).to_string());
            self.dom
                .attr("timeline", "aria-valuenow", &(now / 1000).to_string());
            self.dom.attr(
                "timeline",
                "aria-valuetext",
                &format!("{} of {}", human_duration(now), human_duration(end)),
            );
        }
        self.dom.show("perf", self.perf_visible);
        let goose = match sim.geese() {
            [] => "no goose".to_string(),
            [g] => format!("goose: {}", node_name(*g)),
            many => format!("{} geese!", many.len()),
        };
        self.dom.text("goose-now", &self.words.say(&goose));
        self.update_banner();
        self.update_stats();
        self.update_lesson_panel();
        let sim = self.timeline.sim();
        let options = sim.options().clone();
        let (nodes, seed) = (crate::view::members::shown(sim).len(), sim.seed());
        self.dom.sync_form(&options, nodes, seed);
        self.dom.warnings(&controls::warnings(&options));
        if self.perf_visible {
            self.show_perf();
        }
        self.live_panels();
    }

    /// The invariant banner: green while all holds; red on a violation; and
    /// an explanation when two geese live at once without breaking anything.
    fn update_banner(&mut self) {
        if self.live.is_some() {
            return; // See `live_panels`.
        }
        let sim = self.timeline.sim();
        let count = sim.violation_count();
        let geese = sim.geese();
        let explain = count == 0 && geese.len() > 1;
        self.dom.class("banner", "bad", count > 0);
        self.dom.class("banner", "warn", explain);
        let text = if let Some(v) = sim.violations().last() {
            format!(
                "Invariant violated ({count} so far). Latest, at {}: {} — {}. Seed {}.",
                human_duration(v.t),
                v.invariant.name().replace('_', " "),
                v.detail,
                v.seed
            )
        } else if explain {
            let who: Vec<String> = geese
                .iter()
                .map(|&g| format!("{} (term {})", node_name(g), sim.nodes()[g as usize].term()))
                .collect();
            format!(
                "Two geese at once: {}. Not a violation: Election Safety (§5.2) allows one goose per term, and these are different terms. With CheckQuorum off, a goose cut off from the majority cannot tell it has been replaced.",
                who.join(" and ")
            )
        } else {
            "All invariants hold: at most one goose per term, one vote per node per term, terms never go back, and with CheckQuorum never two geese at once.".to_string()
        };
        self.dom.text("banner-text", &self.words.say(&text));
    }

    fn update_stats(&mut self) {
        let sim = self.timeline.sim();
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
    }

    fn update_lesson_panel(&mut self) {
        let now = self.timeline.sim().now();
        match (&self.lesson, &self.bookmark) {
            (None, None) => self.dom.show("lesson", false),
            (None, Some(mark)) => {
                let title = crate::lessons::title(mark.id).unwrap_or(mark.id);
                let (title, label) = (format!("{title} — playing freely"), mark.label());
                self.dom.show("lesson", true);
                self.dom.class("lesson", "away", true);
                self.dom.text("lesson-title", &title);
                self.dom.text(
                    "lesson-text",
                    "You acted during the lesson, so the run is yours now. The lesson is kept exactly where you left it.",
                );
                self.dom.text("lesson-return", &label);
                self.dom.show("lesson-here", false);
                self.dom.show("lesson-away", true);
            }
            (Some(state), _) => {
                let title = state.lesson.title;
                let captions = self.timeline.captions();
                let total = captions.len();
                let moments = self.moments();
                let place = lesson::place(&moments, now);
                let step = place.step();
                let text = captions.get(step).map_or("", |c| c.1.as_str()).to_string();
                let heading = format!("{title} — {}", place.label(total));
                let on_the_way = self.playing && self.play_until.is_some();
                let ahead = lesson::next(&moments, now).is_some();
                self.dom.show("lesson", true);
                self.dom.class("lesson", "away", false);
                self.dom.show("lesson-here", true);
                self.dom.show("lesson-away", false);
                self.dom.text("lesson-title", &heading);
                self.dom.text("lesson-text", &self.words.say(&text));
                self.dom
                    .flag("lesson-back", "disabled", place == lesson::Place::At(0));
                self.dom.flag("lesson-next", "disabled", !ahead);
                self.dom
                    .text("lesson-next", if on_the_way { "Skip ▸" } else { "Next ▸" });
                self.dom.select("lesson-steps", &step.to_string());
            }
        }
    }

    fn show_perf(&mut self) {
        let mut sorted: Vec<f64> = self.frame_ms.iter().copied().collect();
        crate::compact::sort_by(&mut sorted, f64::total_cmp);
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
        let [sim, draw, panels] = self.parts_ms.map(fixed2);
        let text = format!(
            "frame {} ms (median {}, p99 {}; sim {sim}, canvas {draw}, panels {panels}) · {} events/s · {} in flight · {} checkpoints",
            fixed2(self.frame_ms.back().copied().unwrap_or(0.0)),
            fixed2(pick(0.5)),
            fixed2(pick(0.99)),
            eps.round() as u64,
            self.timeline.sim().in_flight().count(),
            self.timeline.checkpoint_count(),
        );
        self.dom.text("perf", &text);
    }
}
