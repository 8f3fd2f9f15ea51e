//! Says why, where it happens: a control that cannot act is disabled, with
//! the reason as its accessible description (and its tooltip); the node
//! inspector says why a forced timeout would be refused and why the node's
//! last vote went as it did; the message inspector says why a ✖ was sent.
//! The reasons themselves are computed in [`crate::view::why`].

use super::dom::Inspected;
use super::App;
use crate::message::node_name;
use crate::options::Time;
use crate::view::why;

/// How far back the node inspector looks for a node's last vote: a few
/// election timeouts.
const LAST_VOTE_WINDOWS: u64 = 3;

/// The reasons computed for one selection at one moment, kept until either
/// changes (they cost a short replay).
#[derive(Default)]
pub(super) struct Reasons {
    key: Option<(Inspected, Time)>,
    text: String,
}

impl App {
    /// Brings the "why" texts and the disabled controls up to date.
    pub(super) fn update_reasons(&mut self) {
        let sim = self.timeline.sim();
        let kill = why::no_goose_to_kill(sim);
        let request = why::request_refused(sim);
        let ticks: Vec<(String, Option<String>)> = (0..sim.size())
            .map(|id| {
                (
                    format!("tick-{}", node_name(id)),
                    why::timeout_refused(sim, id),
                )
            })
            .collect();
        self.explain("kill-goose", kill.as_deref());
        self.explain("request", request.as_deref());
        for (button, reason) in &ticks {
            self.explain(button, reason.as_deref());
        }
        match self.inspected {
            Inspected::Node(id) => {
                let reason = why::timeout_refused(self.timeline.sim(), id);
                let lease = reason.as_deref().is_some_and(|r| r.contains("lease"))
                    && self.timeline.sim().options().check_quorum;
                self.explain("ins-tick", reason.as_deref());
                self.dom.text("ins-why", reason.as_deref().unwrap_or(""));
                self.dom.show("ins-demo", lease);
                let text = self.cached(|app| app.last_vote(id));
                self.dom.text("ins-lastvote", &text);
            }
            Inspected::Message(_) => {
                let text = self.cached(App::denial_reason);
                self.dom.show("ins-reason-term", !text.is_empty());
                self.dom.show("ins-reason", !text.is_empty());
                self.dom.text("ins-reason", &text);
            }
            Inspected::Nothing => {}
        }
    }

    /// Disables `button` with `reason` as its tooltip and accessible
    /// description, or enables it without one.
    pub(super) fn explain(&mut self, button: &str, reason: Option<&str>) {
        if !self.dom.remember(button, "why", reason.unwrap_or("\u{0}")) {
            return;
        }
        let why_id = format!("why-{button}");
        if reason.is_some() && self.dom.el(&why_id).is_none() {
            if let (Some(span), Some(home)) = (self.dom.create("span"), self.dom.el("reasons")) {
                span.set_id(&why_id);
                let _ = home.append_child(&span);
            }
        }
        self.dom.flag(button, "disabled", reason.is_some());
        self.dom.attr_or_remove(button, "title", reason);
        self.dom
            .attr_or_remove(button, "aria-describedby", reason.map(|_| why_id.as_str()));
        if reason.is_some() {
            self.dom.text(&why_id, reason.unwrap_or(""));
        }
    }

    /// The reason for the selection at this moment: recomputed when either
    /// changes, and not while the run plays (a replay per frame would cost
    /// too much); until then the last one stays.
    fn cached(&mut self, compute: impl FnOnce(&App) -> String) -> String {
        let key = (self.inspected, self.timeline.sim().now());
        let stale = self.reasons.key.is_none_or(|(what, _)| what != key.0);
        if self.reasons.key != Some(key) && (!self.playing || stale) {
            self.reasons.text = compute(self);
            self.reasons.key = Some(key);
        }
        self.reasons.text.clone()
    }

    /// Why the inspected message, a ✖, was sent ("" for other messages).
    fn denial_reason(&self) -> String {
        let Inspected::Message(id) = self.inspected else {
            return String::new();
        };
        let sim = self.timeline.sim();
        let Some(m) = sim
            .in_flight()
            .find(|m| m.id == id)
            .or(self.last_seen.as_ref())
        else {
            return String::new();
        };
        let (records, then) = self.timeline.replay_records(m.sent, m.sent);
        let lease = then.nodes()[m.from as usize].lease_until();
        why::denial(m, &records, lease).unwrap_or_default()
    }

    /// What node `id`'s last vote was and why, looking back a few election
    /// timeouts; else what its state says.
    fn last_vote(&self, id: u32) -> String {
        let sim = self.timeline.sim();
        let now = sim.now();
        let window = LAST_VOTE_WINDOWS * sim.options().election.max;
        let (records, _) = self
            .timeline
            .replay_records(now.saturating_sub(window), now);
        let lease = sim.nodes()[id as usize].lease_until();
        why::last_vote(id, &records, lease).unwrap_or_else(|| {
            let node = &sim.nodes()[id as usize];
            match node.voted_for() {
                Some(v) => format!(
                    "voted for {} in term {} (longer ago than this looks back)",
                    node_name(v),
                    node.term()
                ),
                None => format!("no vote yet in term {}", node.term()),
            }
        })
    }
}
