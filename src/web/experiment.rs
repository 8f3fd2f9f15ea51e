//! The page's Experiment panel and the stats panel's histogram: wiring only.
//! What they show — the trials, the curves drawn as SVG, the table, the
//! bins — is computed in [`crate::view::experiment`]; colours come from the
//! style sheet, so the theme and projector mode need no redraw.
//!
//! Trials run inside the animation frame, for at most [`FRAME_BUDGET_MS`]
//! each, so the page keeps drawing and answering while they run; a closed
//! panel runs nothing and costs a frame two cached attribute checks.

use super::{now_ms, App};
use crate::view::experiment::{self as ex, Histogram, Panel};

/// The longest one frame spends on trials, in ms: a trial that starts
/// within it finishes, so a frame rarely takes much more.
const FRAME_BUDGET_MS: f64 = 8.0;

/// The panel's state in the page.
#[derive(Default)]
pub(super) struct Experiments {
    panel: Panel,
    open: bool,
    /// The panel's version the plot and table show.
    drawn: Option<u64>,
    /// The election times the histogram shows.
    hist: Option<Vec<u64>>,
}

impl App {
    /// A press on one of the panel's buttons: `experiment` opens or closes
    /// it, `exp-run` starts trials at the run's settings (or stops them),
    /// `exp-clear` removes every curve, `exp-paper` sets the run to the
    /// paper's cluster (its timeouts kept).
    pub(super) fn experiment_action(&mut self, name: &str) {
        let x = &mut self.experiments;
        match name {
            "experiment" => x.open = !x.open,
            "exp-run" if x.panel.is_running() => x.panel.stop(),
            "exp-run" => {
                let text = self.dom.input_value("exp-trials").unwrap_or_default();
                let sim = self.timeline.sim();
                let result = ex::parse_trials(&text)
                    .and_then(|n| x.panel.start(sim.size(), sim.options(), n, sim.seed()));
                self.dom
                    .text("msg-exp-trials", &result.err().unwrap_or_default());
            }
            "exp-clear" => x.panel.clear(),
            "exp-paper" => {
                // Through the one path every change takes: a scenario line.
                let election = self.timeline.sim().options().election;
                let line = format!("set {}", crate::experiment::paper_setup(election));
                if let Err(e) = self.run_line(&line) {
                    self.dom.text("msg-exp-trials", &e);
                }
            }
            _ => {}
        }
    }

    /// The panel's share of an animation frame: trials for a few
    /// milliseconds while they run, the plot and table when they changed,
    /// and the stats panel's histogram when this run's elections changed.
    pub(super) fn experiment_frame(&mut self) {
        let times = &self.timeline.sim().stats().time_to_elect;
        if self.experiments.hist.as_ref() != Some(times) {
            let svg = Histogram::of(times, 12).map_or(String::new(), |h| h.svg());
            self.experiments.hist = Some(times.clone());
            if let Some(el) = self.dom.el("stat-hist") {
                el.set_inner_html(&svg);
            }
        }
        let x = &mut self.experiments;
        let open = x.open;
        self.dom.attr(
            "exp-toggle",
            "aria-expanded",
            if open { "true" } else { "false" },
        );
        self.dom.show("exp-body", open);
        if !open {
            return;
        }
        let started = now_ms(&self.perf);
        x.panel
            .step(|| now_ms(&self.perf) - started < FRAME_BUDGET_MS);
        let (done, total) = x.panel.progress();
        self.dom
            .attr("exp-progress", "max", &total.max(1).to_string());
        self.dom.attr("exp-progress", "value", &done.to_string());
        self.dom.text("exp-count", &format!("{done} / {total}"));
        let run = if x.panel.is_running() { "Stop" } else { "Run" };
        self.dom.text("exp-run", run);
        // Polite live text: it changes at a start and an end, not with every
        // trial (the progress bar counts those).
        self.dom.text("exp-status", &x.panel.status());
        if x.drawn == Some(x.panel.version) {
            return;
        }
        x.drawn = Some(x.panel.version);
        for (id, html) in [
            ("exp-rows", x.panel.table_html()),
            ("exp-plot", x.panel.plot_svg()),
        ] {
            if let Some(el) = self.dom.el(id) {
                el.set_inner_html(&html);
            }
        }
    }
}
