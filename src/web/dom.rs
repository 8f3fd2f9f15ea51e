//! The page's panels beside the canvas, kept in step with the simulation: the
//! accessible node list, the inspector, the event log, the statistics, the
//! invariant banner and the settings form.
//!
//! Every write goes through a cache, so an unchanged value costs a string
//! comparison and nothing in the DOM; and no element is rebuilt while a person
//! may be clicking it.

use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlElement, HtmlInputElement};

use crate::message::{node_name, NodeId};
use crate::options::{human_duration, Options, Time};
use crate::sim::network::InFlight;
use crate::sim::Simulation;
use crate::view::logs;
use crate::view::members::Standing;
use crate::view::words::Vocabulary;

/// The most lines the event log keeps on the page.
pub const LOG_LINES: usize = 300;

/// Escapes text for HTML.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// What the inspector is showing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Inspected {
    /// Nothing.
    Nothing,
    /// A node.
    Node(NodeId),
    /// A message in flight, or one that has just left the network.
    Message(u64),
}

/// Handles on the page's panels.
pub struct Dom {
    doc: Document,
    cache: crate::compact::VecMap<String, String>,
    rows_for: u32,
    inspector_for: Option<Inspected>,
    log_len: usize,
    form_synced: Option<Options>,
    /// The timing fields hold text a person typed that is not applied yet
    /// (the form is not consistent): the form must not overwrite it.
    form_held: bool,
    /// The words for the roles in the node list, the inspector and the log.
    pub words: Vocabulary,
}

impl Dom {
    /// Finds the panels in `doc`.
    pub fn new(doc: Document) -> Dom {
        Dom {
            doc,
            cache: crate::compact::VecMap::new(),
            rows_for: 0,
            inspector_for: None,
            log_len: 0,
            form_synced: None,
            form_held: false,
            words: Vocabulary::Birds,
        }
    }

    /// The element with this id, if the page has it.
    pub fn el(&self, id: &str) -> Option<Element> {
        self.doc.get_element_by_id(id)
    }

    /// Sets an element's text, if it changed.
    pub fn text(&mut self, id: &str, value: &str) {
        self.set(id, "text", value, |el, v| el.set_text_content(Some(v)));
    }

    /// Sets an element's attribute, if it changed.
    pub fn attr(&mut self, id: &str, name: &str, value: &str) {
        let name_owned = name.to_string();
        self.set(id, name, value, move |el, v| {
            let _ = el.set_attribute(&name_owned, v);
        });
    }

    /// Sets an element's attribute, or removes it for `None`, if it changed.
    pub fn attr_or_remove(&mut self, id: &str, name: &str, value: Option<&str>) {
        let name_owned = name.to_string();
        let key = format!("opt:{name}");
        self.set(id, &key, value.unwrap_or("\u{0}"), move |el, v| {
            let _ = if v == "\u{0}" {
                el.remove_attribute(&name_owned)
            } else {
                el.set_attribute(&name_owned, v)
            };
        });
    }

    /// Shows or hides an element.
    pub fn show(&mut self, id: &str, visible: bool) {
        self.set(id, "hidden", if visible { "0" } else { "1" }, |el, v| {
            if let Some(el) = el.dyn_ref::<HtmlElement>() {
                el.set_hidden(v == "1");
            }
        });
    }

    /// Sets or removes a boolean attribute (`disabled`, `hidden`, …).
    pub fn flag(&mut self, id: &str, name: &str, on: bool) {
        let key = format!("flag:{name}");
        let name = name.to_string();
        self.set(id, &key, if on { "1" } else { "0" }, move |el, v| {
            if v == "1" {
                let _ = el.set_attribute(&name, "");
            } else {
                let _ = el.remove_attribute(&name);
            }
        });
    }

    /// The element that has focus, if any.
    pub fn active(&self) -> Option<Element> {
        self.doc.active_element()
    }

    /// A new element of this tag, not yet in the page.
    pub fn create(&self, tag: &str) -> Option<Element> {
        self.doc.create_element(tag).ok()
    }

    /// Lists the lessons in the lessons menu, one button each.
    pub fn build_lessons(&mut self, lessons: &[(&str, &str)]) {
        let html: String = lessons
            .iter()
            .enumerate()
            .map(|(i, &(id, title))| {
                format!(
                    "<li><button data-action=\"lesson {}\">{}. {}</button></li>",
                    escape(id),
                    i + 1,
                    escape(title)
                )
            })
            .collect();
        if let Some(list) = self.el("lessons-list") {
            list.set_inner_html(&html);
        }
    }

    /// Lists a lesson's steps in the step picker, one option each.
    pub fn build_steps(&mut self, steps: &[String]) {
        let html: String = steps
            .iter()
            .enumerate()
            .map(|(k, s)| format!("<option value=\"{k}\">{}</option>", escape(s)))
            .collect();
        if let Some(list) = self.el("lesson-steps") {
            list.set_inner_html(&html);
        }
        self.forget("lesson-steps");
    }

    /// Sets a `<select>`'s chosen value, if it changed.
    pub fn select(&mut self, id: &str, value: &str) {
        self.set(id, "value", value, |el, v| {
            let _ = js_sys::Reflect::set(el, &"value".into(), &v.into());
        });
    }

    /// Adds or removes a class on an element.
    pub fn class(&mut self, id: &str, class: &str, on: bool) {
        let key = format!("class:{class}");
        let class = class.to_string();
        self.set(id, &key, if on { "1" } else { "0" }, move |el, v| {
            let _ = el.class_list().toggle_with_force(&class, v == "1");
        });
    }

    /// Checks or unchecks a checkbox, if that changed.
    pub fn check(&mut self, id: &str, on: bool) {
        self.set(id, "checked", if on { "1" } else { "0" }, |el, v| {
            if let Some(input) = el.dyn_ref::<HtmlInputElement>() {
                input.set_checked(v == "1");
            }
        });
    }

    /// Records `value` as what element `id` shows for `what`, if it
    /// changed; false when it had not, so the caller can skip its updates.
    /// Forgotten, like the rest, when the element is rebuilt.
    pub fn remember(&mut self, id: &str, what: &str, value: &str) -> bool {
        let key = format!("{id}\u{1}{what}");
        if self.cache.get(&key).map(String::as_str) == Some(value) {
            return false;
        }
        self.cache.insert(key, value.to_string());
        true
    }

    fn set(&mut self, id: &str, what: &str, value: &str, apply: impl FnOnce(&Element, &str)) {
        let key = format!("{id}\u{1}{what}");
        if self.cache.get(&key).map(String::as_str) == Some(value) {
            return;
        }
        if let Some(el) = self.el(id) {
            apply(&el, value);
            self.cache.insert(key, value.to_string());
        }
    }

    /// Forgets cached values under `prefix`, after their elements were rebuilt.
    fn forget(&mut self, prefix: &str) {
        self.cache.retain(|k, _| !k.starts_with(prefix));
    }

    /// Builds the node list for a cluster of `size` nodes (once per run).
    fn build_rows(&mut self, size: u32) {
        let mut html = String::new();
        for id in 0..size {
            let n = node_name(id);
            html.push_str(&format!(
                "<tr id=\"row-{n}\">\
                 <th scope=\"row\"><button class=\"pick\" id=\"pick-{n}\" data-action=\"select {n}\" aria-label=\"Inspect {n}\">{n}</button></th>\
                 <td id=\"role-{n}\" class=\"role\"></td>\
                 <td id=\"term-{n}\" class=\"num\"></td>\
                 <td class=\"acts\">\
                 <button id=\"life-{n}\" data-line=\"kill {n}\">Kill {n}</button>\
                 <button id=\"tick-{n}\" data-line=\"timeout {n}\">Timeout {n}</button>\
                 <button id=\"cut-{n}\" data-line=\"isolate {n}\">Isolate {n}</button>\
                 </td></tr>"
            ));
        }
        if let Some(body) = self.el("nodes-body") {
            body.set_inner_html(&html);
        }
        for prefix in ["row-", "pick-", "role-", "term-", "life-", "tick-", "cut-"] {
            self.forget(prefix);
        }
        self.rows_for = size;
    }

    /// Points a node's two toggling buttons at what they do now: `Kill nX`
    /// or `Revive nX` (button `life`), `Isolate nX` or `Reconnect nX`
    /// (button `cut`). The label is the line, capitalised, so that each
    /// button's accessible name says exactly what it runs.
    fn node_buttons(&mut self, sim: &Simulation, id: NodeId, life: &str, cut: &str) {
        let n = node_name(id);
        let life_verb = if sim.is_alive(id) { "kill" } else { "revive" };
        let cut_verb = if sim.network().is_isolated(id) {
            "reconnect"
        } else {
            "isolate"
        };
        for (button, verb) in [(life, life_verb), (cut, cut_verb)] {
            let line = format!("{verb} {n}");
            let label = verb[..1].to_ascii_uppercase() + &line[1..];
            self.attr(button, "data-line", &line);
            self.text(button, &label);
        }
    }

    /// Brings the node list up to date; in Live mode, the nodes marked in
    /// `unreachable` say so instead of their last known role.
    pub fn update_rows(
        &mut self,
        sim: &Simulation,
        selected: Option<NodeId>,
        unreachable: &[bool],
    ) {
        if self.rows_for != sim.size() {
            self.build_rows(sim.size());
        }
        let members = crate::view::members::shown(sim);
        for id in 0..sim.size() {
            let n = node_name(id);
            let node = &sim.nodes()[id as usize];
            let alive = sim.is_alive(id);
            let role = if unreachable.get(id as usize) == Some(&true) {
                "unreachable"
            } else if !alive {
                "dead"
            } else if members.contains(id) || node.role().is_leader() {
                node.role().name()
            } else {
                // Outside the configuration drawn (§4).
                match crate::view::members::standing(sim, members, id) {
                    Standing::Removed => "removed",
                    _ => "new, not yet a member",
                }
            };
            let said = self.words.say(role);
            self.text(&format!("role-{n}"), &said);
            self.attr(&format!("row-{n}"), "data-role", role);
            self.text(&format!("term-{n}"), &node.term().to_string());
            self.class(&format!("row-{n}"), "selected", selected == Some(id));
            self.node_buttons(sim, id, &format!("life-{n}"), &format!("cut-{n}"));
            // The Timeout button's state and reason: see `web::reasons`.
        }
    }

    /// Shows what is inspected.
    pub fn update_inspector(&mut self, sim: &Simulation, what: Inspected, gone: Option<&InFlight>) {
        if self.inspector_for != Some(what) {
            let html = match what {
                Inspected::Nothing => "<p class=\"hint\">Click a bird or a message on the canvas to inspect it.</p>".to_string(),
                Inspected::Node(id) => {
                    let n = node_name(id);
                    format!(
                        "<h3 id=\"ins-title\">{n}</h3><dl>\
                         <dt>Role</dt><dd id=\"ins-role\"></dd>\
                         <dt>Term</dt><dd id=\"ins-term\"></dd>\
                         <dt>Voted for</dt><dd id=\"ins-vote\"></dd>\
                         <dt>Why that vote</dt><dd id=\"ins-lastvote\"></dd>\
                         <dt>Knows goose</dt><dd id=\"ins-leader\"></dd>\
                         <dt>Election timer</dt><dd id=\"ins-timer\"></dd>\
                         <dt>Lease promised until</dt><dd id=\"ins-lease\"></dd>\
                         <dt>Member</dt><dd id=\"ins-member\"></dd>\
                         <dt>Log</dt><dd id=\"ins-log\"></dd>\
                         <dt id=\"ins-repl-term\">nextIndex, matchIndex</dt><dd id=\"ins-repl\"></dd></dl>\
                         <p class=\"acts\"><button id=\"ins-life\" data-line=\"kill {n}\">Kill {n}</button> \
                         <button id=\"ins-tick\" data-line=\"timeout {n}\">Timeout {n}</button> \
                         <button id=\"ins-cut\" data-line=\"isolate {n}\">Isolate {n}</button> \
                         <button id=\"ins-remove\" data-action=\"remove\" title=\"Delete\">Remove {n}</button></p>\
                         <p id=\"ins-why\" class=\"why\"></p>\
                         <p id=\"ins-demo\" class=\"acts\" hidden><button data-line=\"set checkquorum=off\">Turn CheckQuorum off (the classic demo)</button></p>"
                    )
                }
                Inspected::Message(id) => format!(
                    "<h3>Message m{id}</h3><dl>\
                     <dt>Kind</dt><dd id=\"ins-kind\"></dd>\
                     <dt>From</dt><dd id=\"ins-from\"></dd>\
                     <dt>To</dt><dd id=\"ins-to\"></dd>\
                     <dt>Term</dt><dd id=\"ins-mterm\"></dd>\
                     <dt>Sent</dt><dd id=\"ins-sent\"></dd>\
                     <dt>Arrives</dt><dd id=\"ins-arrives\"></dd>\
                     <dt>Fate</dt><dd id=\"ins-fate\"></dd>\
                     <dt id=\"ins-reason-term\" hidden>Why ✖</dt><dd id=\"ins-reason\" hidden></dd></dl>\
                     <p class=\"acts\"><button id=\"ins-drop\" data-line=\"drop m{id}\">Drop m{id}</button></p>"
                ),
            };
            if let Some(el) = self.el("inspector-body") {
                el.set_inner_html(&html);
            }
            self.forget("ins-");
            self.inspector_for = Some(what);
        }
        let now = sim.now();
        match what {
            Inspected::Nothing => {}
            Inspected::Node(id) => {
                let node = &sim.nodes()[id as usize];
                let alive = sim.is_alive(id);
                let role = self
                    .words
                    .say(if alive { node.role().name() } else { "dead" });
                self.text("ins-role", &role);
                self.text("ins-term", &node.term().to_string());
                self.text(
                    "ins-vote",
                    &node.voted_for().map_or("nobody".into(), node_name),
                );
                let leader = node.leader().filter(|_| alive);
                self.text("ins-leader", &leader.map_or("none".into(), node_name));
                let timer = if !alive {
                    "stopped (dead)".to_string()
                } else if node.role().is_leader() {
                    let (_, due) = node.heartbeat_times();
                    format!(
                        "none ({}); next heartbeat in {}",
                        node.role().name(),
                        human_duration(due.saturating_sub(now))
                    )
                } else {
                    format!(
                        "{} left of {}",
                        human_duration(node.election_deadline().saturating_sub(now)),
                        human_duration(node.election_deadline() - node.timer_start())
                    )
                };
                self.text("ins-timer", &timer);
                let lease = match node.lease_until() {
                    Some(t) if t >= now => format!(
                        "{} ({} from now)",
                        human_duration(t),
                        human_duration(t - now)
                    ),
                    _ => "no promise".into(),
                };
                self.text("ins-lease", &lease);
                let members = crate::view::members::shown(sim);
                let member = match crate::view::members::standing(sim, members, id) {
                    Standing::Member => "yes: it votes".to_string(),
                    Standing::Removed => "no: removed (§4.2.2)".into(),
                    Standing::Egg(Some(f)) => format!(
                        "not yet: the goose is catching it up, {}% (§4.2.1)",
                        (f * 100.0) as u32
                    ),
                    Standing::Egg(None) => "not yet: a new node (§4.2.1)".into(),
                };
                self.text("ins-member", &member);
                self.text("ins-log", &logs::summary(node.log(), node.commit()));
                let repl = logs::replication(node).filter(|_| alive);
                self.show("ins-repl-term", repl.is_some());
                self.show("ins-repl", repl.is_some());
                self.text("ins-repl", repl.as_deref().unwrap_or(""));
                self.node_buttons(sim, id, "ins-life", "ins-cut");
            }
            Inspected::Message(id) => {
                let live = sim.in_flight().find(|m| m.id == id);
                let Some(m) = live.or(gone) else {
                    self.text("ins-fate", "gone");
                    return;
                };
                self.text("ins-kind", m.msg.kind().label());
                self.text("ins-from", &node_name(m.from));
                self.text("ins-to", &node_name(m.to));
                self.text("ins-mterm", &m.msg.term.to_string());
                self.text("ins-sent", &human_duration(m.sent));
                self.text("ins-arrives", &human_duration(m.arrives));
                let fate = match (live.is_some(), m.lost) {
                    (true, None) => "in flight, will arrive".to_string(),
                    (true, Some((at, cause))) => {
                        format!(
                            "in flight, will vanish at {}: {}",
                            human_duration(at),
                            cause.describe()
                        )
                    }
                    (false, _) => "no longer in flight".into(),
                };
                self.text("ins-fate", &fate);
                self.show("ins-drop", live.is_some());
            }
        }
    }

    /// Appends lines to the event log and trims it to [`LOG_LINES`].
    pub fn log(&mut self, lines: &[(Time, String, bool)]) {
        let Some(list) = self.el("log") else { return };
        for (t, text, alarm) in lines {
            let Ok(li) = self.doc.create_element("li") else {
                continue;
            };
            if *alarm {
                li.set_class_name("alarm");
            }
            li.set_inner_html(&format!(
                "<time>{}</time> {}",
                escape(&human_duration(*t)),
                escape(&self.words.say(text))
            ));
            let _ = list.append_child(&li);
            self.log_len += 1;
        }
        while self.log_len > LOG_LINES {
            match list.first_element_child() {
                Some(first) => {
                    first.remove();
                    self.log_len -= 1;
                }
                None => break,
            }
        }
        if !lines.is_empty() {
            list.set_scroll_top(list.scroll_height());
        }
    }

    /// Empties the event log.
    pub fn clear_log(&mut self) {
        if let Some(list) = self.el("log") {
            list.set_inner_html("");
        }
        self.log_len = 0;
    }

    /// Puts the current options into the settings form, unless the person is
    /// typing in that control.
    pub fn sync_form(&mut self, o: &Options, nodes: u32, seed: u64) {
        if self.form_synced.as_ref() == Some(o)
            && self.cache.get("form-nodes").map(String::as_str) == Some(&nodes.to_string())
        {
            return;
        }
        let focused = self.doc.active_element().map(|e| e.id());
        let ms = |us: u64| crate::options::thousandths(us, 1000);
        let values = [
            ("nodes", nodes.to_string()),
            ("election-min", ms(o.election.min)),
            ("election-max", ms(o.election.max)),
            ("heartbeat", ms(o.heartbeat)),
            ("latency-min", ms(o.latency.min)),
            ("latency-max", ms(o.latency.max)),
            (
                "loss",
                crate::options::format_percent(o.loss)
                    .trim_end_matches('%')
                    .to_string(),
            ),
        ];
        for (field, value) in values {
            let id = format!("in-{field}");
            if focused.as_deref() == Some(id.as_str()) || (self.form_held && field != "nodes") {
                continue;
            }
            if let Some(input) = self
                .el(&id)
                .and_then(|e| e.dyn_into::<HtmlInputElement>().ok())
            {
                input.set_value(&value);
            }
            self.text(&format!("msg-{field}"), "");
        }
        for (field, on) in [("checkquorum", o.check_quorum), ("prevote", o.pre_vote)] {
            if let Some(input) = self
                .el(&format!("in-{field}"))
                .and_then(|e| e.dyn_into::<HtmlInputElement>().ok())
            {
                input.set_checked(on);
            }
        }
        if focused.as_deref() != Some("in-seed") {
            if let Some(input) = self
                .el("in-seed")
                .and_then(|e| e.dyn_into::<HtmlInputElement>().ok())
            {
                input.set_value(&seed.to_string());
            }
        }
        self.cache.insert("form-nodes".into(), nodes.to_string());
        self.form_synced = Some(o.clone());
    }

    /// Keeps (or stops keeping) the typed text of the timing fields when the
    /// form is synchronised with the run.
    pub fn hold_form(&mut self, held: bool) {
        self.form_held = held;
    }

    /// Forces the next [`Dom::sync_form`] to write every control.
    pub fn unsync_form(&mut self) {
        self.form_synced = None;
    }

    /// The value of an input, by id.
    pub fn input_value(&self, id: &str) -> Option<String> {
        self.el(id)
            .and_then(|e| e.dyn_into::<HtmlInputElement>().ok())
            .map(|i| i.value())
    }

    /// Shows the settings warnings.
    pub fn warnings(&mut self, warnings: &[String]) {
        let html: String = warnings
            .iter()
            .map(|w| format!("<li>{}</li>", escape(w)))
            .collect();
        self.set("warnings", "html", &html, |el, v| el.set_inner_html(v));
        self.show("warnings", !warnings.is_empty());
    }
}
