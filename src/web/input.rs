//! What people do to the page: buttons, settings, keys, the pointer on the
//! canvas and on the timeline. Each becomes a scenario line or a change of
//! view; `www/main.js` only forwards the events.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::dom::Inspected;
use super::{draw, App};
use crate::message::{node_name, NodeId};
use crate::view::controls;
use crate::view::layout::{self, Point};
use crate::view::words::Vocabulary;

#[wasm_bindgen]
impl App {
    /// A button with `data-line` was pressed: run its line, and show any
    /// problem in the event log rather than throwing.
    pub fn press(&mut self, line: &str) {
        if let Err(e) = self.run_line(line) {
            let now = self.timeline.sim().now();
            self.push_log(now, e, true);
        }
    }

    /// A button with `data-action` was pressed: `play`, `step`, `back`,
    /// `reset`, `help`, `theme`, `large`, `perf`, `close`, `copy-link`,
    /// `export`, `start`, `end`, `prev-marker`, `next-marker`, `lesson-next`,
    /// `lesson-back`, `lesson-leave`, `lesson-return`, `lesson-forget`,
    /// `lesson ID`, `select n3`, `words`, `presenter`, `welcome-dismiss`,
    /// `partition`, `next-message`, `hatch`, `remove` (the inspected node).
    pub fn action(&mut self, name: &str) {
        if self.live.is_some() && matches!(name, "step" | "back") {
            return; // Disabled in Live mode, with the reason (`live_panels`).
        }
        match name {
            "play" => {
                self.playing = !self.playing;
                // In a lesson, Play runs to the next step's moment and stops.
                self.play_until = match &self.lesson {
                    Some(_) if self.playing => {
                        let now = self.timeline.sim().now();
                        crate::view::lesson::next(&self.moments(), now).map(|(_, t)| t)
                    }
                    _ => None,
                };
                self.link_dirty = true;
            }
            "step" => self.step(),
            "back" => self.step_back(),
            "start" => self.seek(0.0),
            "end" => self.seek(self.timeline.end() as f64),
            "prev-marker" => self.jump_marker(false),
            "next-marker" => self.jump_marker(true),
            "reset" => self.reset(),
            "help" => self.toggle("help"),
            "lessons" => self.toggle("lessons"),
            "theme" => {
                self.dark = !self.dark;
                self.save_prefs();
            }
            "large" => {
                self.large = !self.large;
                self.save_prefs();
            }
            "words" => {
                self.set_words(match self.words {
                    Vocabulary::Birds => Vocabulary::Paper,
                    Vocabulary::Paper => Vocabulary::Birds,
                });
                self.save_prefs();
            }
            "presenter" => self.presenter = !self.presenter,
            "welcome-dismiss" => self.welcomed(),
            "partition" => self.partition_from_field(),
            "hatch" => self.hatch(),
            "remove" => self.remove_inspected(),
            "next-message" => self.select_next_message(),
            "perf" => self.perf_visible = !self.perf_visible,
            "close" => {
                self.close_dialogs();
                self.inspected = Inspected::Nothing;
            }
            "copy-link" => self.copy_link(),
            "export" => self.export(),
            "lesson-next" => self.lesson_next(),
            "lesson-back" => self.lesson_back(),
            "lesson-leave" => {
                self.leave_lesson();
                self.link_dirty = true;
                self.notice("You left the lesson: play freely from here.");
            }
            "lesson-return" => self.lesson_return(),
            "lesson-forget" => self.bookmark = None,
            "experiment" | "exp-run" | "exp-clear" | "exp-paper" => self.experiment_action(name),
            _ => {
                if let Some(n) = name.strip_prefix("select ") {
                    if let Ok(id) = crate::script::parse::parse_node(n, self.timeline.sim().size())
                    {
                        self.inspected = Inspected::Node(id);
                    }
                } else if let Some(id) = name.strip_prefix("lesson ") {
                    self.close_dialogs();
                    self.welcomed();
                    match crate::lessons::title(id) {
                        Some(_) => self.want_lesson(id),
                        None => self.notice(&format!("There is no lesson called “{id}”.")),
                    }
                }
            }
        }
    }

    /// A settings control changed: `field` is its `data-control` name and
    /// `value` its text (`"true"`/`"false"` for checkboxes). Impossible values
    /// get a message next to the control and change nothing.
    pub fn control(&mut self, field: &str, value: &str) {
        let sim = self.timeline.sim();
        let result = match field {
            "speed" => {
                // The slider runs from 0 (real time) to 1000 (1/1000×).
                if let Ok(v) = value.parse::<u32>() {
                    self.speed = controls::speed_at(f64::from(v.min(1000)) / 1000.0);
                    self.save_prefs();
                }
                return;
            }
            "lesson-step" => {
                if let (Some(_), Ok(k)) = (&self.lesson, value.parse::<usize>()) {
                    self.show_caption(k);
                }
                // Give the keys back to the page: a presenter's clicker sends
                // PageDown next, which a focused list would swallow.
                if let Some(list) = self
                    .dom
                    .el("lesson-steps")
                    .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
                {
                    let _ = list.blur();
                }
                return;
            }
            "logs" => {
                self.logs = value == "true";
                self.link_dirty = true;
                return;
            }
            // During a run, the count changes live: one member added or
            // removed through the goose (§4); Reset starts a new run with
            // the count typed (`App::reset`).
            "nodes" => match crate::view::members::count_line(sim, value) {
                Ok((line, note)) => {
                    self.press(&line);
                    self.dom.text("msg-nodes", &note);
                    if !note.is_empty() {
                        self.notice(&note);
                    }
                    return;
                }
                Err(e) => Err(e),
            },
            f if controls::TIMING_FIELDS.contains(&f) => return self.timing_form(f),
            _ => controls::setting_line(field, value, sim.options()),
        };
        let result = result.and_then(|line| self.run_line(&line).map(|_| ()));
        let message = result.err().unwrap_or_default();
        self.dom.text(&format!("msg-{field}"), &message);
        if message.is_empty() {
            self.dom.unsync_form();
        }
    }

    /// A key was pressed outside a text field (`key` is the DOM's key name,
    /// or `Shift+Tab`); returns whether it was a shortcut (the page then
    /// stops its default action).
    pub fn key(&mut self, key: &str) -> bool {
        let selected = match self.inspected {
            Inspected::Node(id) => Some(id),
            _ => None,
        };
        // A dialog is modal: only Esc (which closes it) reaches the page.
        if self.dialog_open() {
            return match key {
                "Escape" => {
                    self.close_dialogs();
                    true
                }
                "Tab" => self.wrap_focus(false),
                "Shift+Tab" => self.wrap_focus(true),
                _ => false,
            };
        }
        if self.lesson.is_some() {
            use crate::view::lesson::{self, Key};
            match lesson::key(key) {
                Some(Key::Next) => self.lesson_next(),
                Some(Key::Back) => self.lesson_back(),
                Some(Key::Ignore) => {}
                None => return self.free_key(key, selected),
            }
            return true;
        }
        self.free_key(key, selected)
    }

    /// A pointer event on the canvas: `kind` is `down`, `move`, `up` or
    /// `leave`; `x`, `y` in CSS pixels from the canvas's top left. A press
    /// on a bird or a message selects it; a drag across empty canvas cuts
    /// the cluster in two along the line drawn; a drag from bird A to bird B
    /// cuts that link one way (B stops hearing A), or restores it.
    pub fn pointer(&mut self, kind: &str, x: f64, y: f64) {
        let p = Point::new(x, y);
        match kind {
            "down" => {
                if let Some(id) = layout::node_at(&self.positions, self.ring.node_radius, p) {
                    self.inspected = Inspected::Node(id);
                    self.drag = Some((p, p));
                } else if let Some(id) = self.message_at(p) {
                    self.inspected = Inspected::Message(id);
                    self.last_seen = self
                        .timeline
                        .sim()
                        .in_flight()
                        .find(|m| m.id == id)
                        .cloned();
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
                    let bird = |p| layout::node_at(&self.positions, self.ring.node_radius, p);
                    if let Some(from) = bird(a) {
                        if let Some(to) = bird(b).filter(|&to| to != from) {
                            let net = self.timeline.sim().network();
                            let verb = if net.is_cut(from, to) { "uncut" } else { "cut" };
                            self.press(&format!("{verb} {}", crate::sim::link(from, to)));
                        }
                    } else if a.distance(b) < 12.0 {
                        self.inspected = Inspected::Nothing;
                    } else if let Some((left, right)) = layout::cut(&self.positions, a, b) {
                        // The walls stand where the cut crossed the ring.
                        self.wall_hints = layout::crossings(&self.ring, a, b);
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

    /// A key pressed on the timeline, an ARIA slider: arrows step one event,
    /// PageUp/PageDown jump to the previous/next marker, Home/End go to the
    /// start/end. Returns whether the key was the slider's.
    pub fn timeline_key(&mut self, key: &str) -> bool {
        match key {
            "ArrowRight" | "ArrowUp" => self.step(),
            "ArrowLeft" | "ArrowDown" => self.step_back(),
            "PageDown" => self.jump_marker(true),
            "PageUp" => self.jump_marker(false),
            "Home" => self.seek(0.0),
            "End" => self.seek(self.timeline.end() as f64),
            _ => return false,
        }
        true
    }

    /// A pointer event on the timeline strip (`x` in CSS pixels from its
    /// left edge): press and drag to scrub; a press near a marker jumps to
    /// it exactly.
    pub fn timeline_pointer(&mut self, kind: &str, x: f64) {
        let Some((strip, _)) = &self.strip else {
            return;
        };
        let width = f64::from(strip.client_width());
        match kind {
            "down" | "move" => {
                if kind == "move" && !self.scrubbing {
                    return;
                }
                self.scrubbing = true;
                let t = draw::timeline_time_at(width, self.timeline.end(), x);
                let snap = if kind == "down" {
                    draw::timeline_marker_near(width, &self.timeline, x)
                } else {
                    None
                };
                self.seek(snap.unwrap_or(t) as f64);
            }
            _ => self.scrubbing = false,
        }
    }
}

impl App {
    /// The timing form changed (field `changed`): read it whole, give each
    /// field its message, and apply it once it is consistent. Until then the
    /// fields keep what was typed.
    fn timing_form(&mut self, changed: &str) {
        let texts: Vec<(&str, String)> = controls::TIMING_FIELDS
            .iter()
            .map(|&f| {
                (
                    f,
                    self.dom.input_value(&format!("in-{f}")).unwrap_or_default(),
                )
            })
            .collect();
        let typed: Vec<(&str, &str)> = texts.iter().map(|(f, t)| (*f, t.as_str())).collect();
        let mut messages: Vec<(&str, String)> = Vec::new();
        match controls::form_line(&typed, changed, self.timeline.sim().options()) {
            Ok(line) => {
                if let Some(Err(e)) = line.map(|l| self.run_line(&l)) {
                    messages.push((changed, e));
                }
            }
            Err(errors) => messages = errors,
        }
        for f in controls::TIMING_FIELDS {
            let message = messages
                .iter()
                .find(|m| m.0 == f)
                .map_or("", |m| m.1.as_str());
            self.dom.text(&format!("msg-{f}"), message);
        }
        let held = !messages.is_empty();
        self.dom.hold_form(held);
        if !held {
            self.dom.unsync_form();
        }
    }

    /// A key with its meaning outside a lesson's Next/Back.
    fn free_key(&mut self, key: &str, selected: Option<NodeId>) -> bool {
        let target = selected.map(node_name);
        match key {
            " " | "Spacebar" => self.action("play"),
            "." | "n" | "ArrowRight" => self.step(),
            "," | "ArrowLeft" => self.step_back(),
            "[" => self.jump_marker(false),
            "]" => self.jump_marker(true),
            "Home" => self.seek(0.0),
            "End" => self.seek(self.timeline.end() as f64),
            "+" | "=" => {
                self.set_speed(self.speed * 2.0);
                self.save_prefs();
            }
            "-" | "_" => {
                self.set_speed(self.speed / 2.0);
                self.save_prefs();
            }
            "?" => self.toggle("help"),
            "Escape" if self.presenter => self.presenter = false,
            "Escape" => self.action("close"),
            "h" => self.press("heal"),
            "p" => self.perf_visible = !self.perf_visible,
            "l" => self.action("large"),
            "d" => self.action("theme"),
            "w" => self.action("words"),
            "f" => self.action("presenter"),
            "m" => self.select_next_message(),
            "a" => self.hatch(),
            "Delete" => self.remove_inspected(),
            "c" => self.copy_link(),
            "R" => self.reset(),
            "q" => match crate::view::why::request_refused(self.timeline.sim()) {
                Some(why) => self.notice(&why),
                None => self.press("request"),
            },
            "k" => {
                let line = match (&target, selected) {
                    (Some(n), Some(id)) if self.timeline.sim().is_alive(id) => format!("kill {n}"),
                    (Some(n), _) => format!("revive {n}"),
                    _ => match crate::view::why::no_goose_to_kill(self.timeline.sim()) {
                        Some(why) => {
                            self.notice(&why);
                            return true;
                        }
                        None => "kill goose".into(),
                    },
                };
                self.press(&line);
            }
            "r" => match target {
                Some(n) => self.press(&format!("revive {n}")),
                None => {
                    for id in 0..self.timeline.sim().size() {
                        if !self.timeline.sim().is_alive(id) {
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
                    let verb = if self.timeline.sim().network().is_isolated(id) {
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
                if id < self.timeline.sim().size() {
                    self.inspected = Inspected::Node(id);
                }
            }
            _ => return false,
        }
        true
    }

    /// Hatch a duck: adds the next node through the goose (§4.2.1), or says
    /// why the goose would refuse.
    fn hatch(&mut self) {
        match crate::view::members::hatch_line(self.timeline.sim()) {
            Ok(line) => self.press(&line),
            Err(why) => self.notice(&why),
        }
    }

    /// Removes the inspected node through the goose (§4.2.2), or says why
    /// not.
    fn remove_inspected(&mut self) {
        let Inspected::Node(id) = self.inspected else {
            return self.notice("Select a node to remove (click it, or press its number).");
        };
        match crate::view::members::remove_line(self.timeline.sim(), id) {
            Ok(line) => self.press(&line),
            Err(why) => self.notice(&why),
        }
    }

    /// Partitions the network into the groups typed in the Nodes panel
    /// (`n1,n2 | n3,n4,n5`), or cuts the link typed there one way
    /// (`n1->n2`): the keyboard's way to cut the network.
    fn partition_from_field(&mut self) {
        let groups = self.dom.input_value("in-partition").unwrap_or_default();
        let verb = if groups.contains("->") {
            "cut"
        } else {
            "partition"
        };
        let message = match self.run_line(&format!("{verb} {}", groups.trim())) {
            Ok(_) => String::new(),
            Err(e) => e.replace("error: line 1: ", ""),
        };
        self.dom.text("msg-partition", &message);
    }

    /// Inspects the next message in flight (after the one inspected, by id,
    /// wrapping): the keyboard's way to pick a message to drop.
    fn select_next_message(&mut self) {
        let after = match self.inspected {
            Inspected::Message(id) => id,
            _ => 0,
        };
        let sim = self.timeline.sim();
        let mut ids: Vec<u64> = sim
            .in_flight()
            .filter(|m| crate::view::layout::opacity(m, sim.now()) > 0.0)
            .map(|m| m.id)
            .collect();
        crate::compact::sort_by(&mut ids, u64::cmp);
        let pick = ids
            .iter()
            .copied()
            .find(|&id| id > after)
            .or(ids.first().copied());
        if let Some(id) = pick {
            self.inspected = Inspected::Message(id);
            self.last_seen = sim.in_flight().find(|m| m.id == id).cloned();
        }
    }

    fn copy_link(&mut self) {
        let link = self.link();
        self.write_link();
        let Some(window) = web_sys::window() else {
            return;
        };
        self.notice("Copying a link to this run, at this moment…");
        // The clipboard answers later, and may refuse (no permission, no
        // secure context): say which, and on refusal leave the link selected
        // in the Share box to copy by hand.
        let said = |text: &str| {
            if let Some(el) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id("notice-text"))
            {
                el.set_text_content(Some(text));
            }
        };
        let copied = Closure::once(move |_: JsValue| {
            said("A link to this run, at this moment, is on the clipboard (and in the Share box).");
        });
        let refused = Closure::once(move |_: JsValue| {
            said("The browser would not copy to the clipboard. The link is selected in the Share box: copy it by hand (Ctrl+C, or Cmd+C on a Mac).");
            if let Some(input) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id("share-link"))
                .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
            {
                let _ = input.focus();
                input.select();
            }
        });
        let _ = window
            .navigator()
            .clipboard()
            .write_text(&link)
            .then2(&copied, &refused);
        // Each closure runs at most once, when the promise settles.
        copied.forget();
        refused.forget();
    }

    /// Saves the run as a `.ddg` file.
    fn export(&mut self) {
        let text = self.timeline.script();
        let parts = js_sys::Array::of1(&JsValue::from_str(&text));
        let options = web_sys::BlobPropertyBag::new();
        options.set_type("text/plain");
        let failed = "Export failed: the browser would not make the file. Copy the link instead.";
        let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else {
            return self.notice(failed);
        };
        let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
            return self.notice(failed);
        };
        let Some(a) = self
            .dom
            .create("a")
            .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlAnchorElement>(e).ok())
        else {
            let _ = web_sys::Url::revoke_object_url(&url);
            return self.notice(failed);
        };
        a.set_href(&url);
        a.set_download(&format!(
            "duckduckgoose-seed{}.ddg",
            self.timeline.sim().seed()
        ));
        a.click();
        // Give the browser a moment to start the download before the
        // object URL goes.
        gloo_timers::callback::Timeout::new(2_000, move || {
            let _ = web_sys::Url::revoke_object_url(&url);
        })
        .forget();
    }
}
