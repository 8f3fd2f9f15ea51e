//! The page's Experiment panel and the stats panel's histogram: wiring and
//! drawing only. What they show — the trials, the curves, the table, the
//! axis, the bins — is computed in [`crate::view::experiment`].
//!
//! Trials run inside the animation frame, for at most [`FRAME_BUDGET_MS`]
//! each, so the page keeps drawing and answering while they run; a closed
//! panel runs nothing and costs a frame one comparison.

use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d as Ctx2d, HtmlCanvasElement};

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
    /// What the plot shows: the panel's version, the theme, projector mode
    /// and the canvas width it was drawn with.
    drawn: Option<(u64, bool, bool, i32)>,
    /// The election times the histogram shows, and how it was drawn.
    hist: Option<(Vec<u64>, bool, i32)>,
}

/// A canvas by id, sized to its box at the device's pixel ratio, with its
/// context set to draw in CSS pixels; `None` while it is not laid out.
fn fit(doc: &super::Dom, id: &str) -> Option<(Ctx2d, f64, f64)> {
    let canvas: HtmlCanvasElement = doc.el(id)?.dyn_into().ok()?;
    let (w, h) = (canvas.client_width(), canvas.client_height());
    if w <= 0 || h <= 0 {
        return None;
    }
    let dpr = web_sys::window()
        .map_or(1.0, |w| w.device_pixel_ratio())
        .max(1.0);
    let (pw, ph) = (
        (f64::from(w) * dpr).round() as u32,
        (f64::from(h) * dpr).round() as u32,
    );
    if canvas.width() != pw || canvas.height() != ph {
        canvas.set_width(pw);
        canvas.set_height(ph);
    }
    let ctx: Ctx2d = canvas.get_context("2d").ok()??.dyn_into().ok()?;
    let _ = ctx.set_transform(dpr, 0.0, 0.0, dpr, 0.0, 0.0);
    ctx.clear_rect(0.0, 0.0, f64::from(w), f64::from(h));
    Some((ctx, f64::from(w), f64::from(h)))
}

fn dash(ctx: &Ctx2d, pattern: &[f64]) {
    let a = js_sys::Array::new();
    for d in pattern {
        a.push(&(*d).into());
    }
    let _ = ctx.set_line_dash(&a);
}

fn font(ctx: &Ctx2d, large: bool) -> f64 {
    // Literal fonts: formatting a float would add its printing code to the
    // wasm.
    ctx.set_font(if large {
        "15px system-ui, sans-serif"
    } else {
        "11px system-ui, sans-serif"
    });
    if large {
        15.0
    } else {
        11.0
    }
}

fn width_of(dom: &super::Dom, id: &str) -> i32 {
    dom.el(id).map_or(0, |e| e.client_width())
}

impl App {
    /// A press on one of the panel's buttons: `experiment` opens or closes
    /// it, `exp-run` starts trials at the run's settings (or stops them),
    /// `exp-clear` removes every curve.
    pub(super) fn experiment_action(&mut self, name: &str) {
        let x = &mut self.experiments;
        match name {
            "experiment" => {
                x.open = !x.open;
                x.drawn = None;
            }
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
            _ => {}
        }
    }

    /// The panel's share of an animation frame: trials for a few
    /// milliseconds while they run, the plot and table when they changed,
    /// and the stats panel's histogram when this run's elections changed.
    pub(super) fn experiment_frame(&mut self) {
        self.draw_histogram();
        let open = self.experiments.open;
        self.dom.attr(
            "exp-toggle",
            "aria-expanded",
            if open { "true" } else { "false" },
        );
        self.dom.show("exp-body", open);
        if !open {
            return;
        }
        let started = now_ms();
        let x = &mut self.experiments;
        x.panel.step(|| now_ms() - started < FRAME_BUDGET_MS);
        let (done, total) = x.panel.progress();
        let running = x.panel.is_running();
        let state = (
            x.panel.version,
            self.dark,
            self.large,
            width_of(&self.dom, "exp-cdf"),
        );
        self.dom
            .attr("exp-progress", "max", &total.max(1).to_string());
        self.dom.attr("exp-progress", "value", &done.to_string());
        self.dom.text("exp-count", &format!("{done} / {total}"));
        self.dom
            .text("exp-run", if running { "Stop" } else { "Run" });
        // The status line is polite live text: it changes at a start and an
        // end, not with every trial (the progress bar counts those).
        let status = x.panel.status();
        self.dom.text("exp-status", &status);
        if x.drawn == Some(state) {
            return;
        }
        let rows: String = x
            .panel
            .rows()
            .iter()
            .map(|r| {
                let c = ex::PALETTE[usize::from(self.dark)][r.colour];
                let [label, cells @ .., paper] = &r.cells;
                let tds: String = cells.iter().map(|v| format!("<td>{v}</td>")).collect();
                format!(
                    "<tr><th scope=\"row\"><i class=\"sw\" style=\"border-color:{c}\"></i>{label}</th>{tds}<td><i class=\"sw paper\" style=\"border-color:{c}\"></i>{paper}</td></tr>"
                )
            })
            .collect();
        if let Some(body) = self.dom.el("exp-rows") {
            body.set_inner_html(&rows);
        }
        if let Some((ctx, w, h)) = fit(&self.dom, "exp-cdf") {
            self.draw_cdf(&ctx, w, h);
            self.experiments.drawn = Some(state);
        }
    }

    fn draw_cdf(&self, ctx: &Ctx2d, w: f64, h: f64) {
        let panel = &self.experiments.panel;
        let t = self.theme();
        let px = font(ctx, self.large);
        let (left, right, top, bottom) = (px * 3.2, 10.0, 8.0, px * 2.0);
        let (pw, ph) = (w - left - right, h - top - bottom);
        let at = |fx: f64, fy: f64| (left + fx * pw, top + (1.0 - fy) * ph);
        let axis = panel.axis();
        ctx.set_line_width(1.0);
        dash(ctx, &[]);
        ctx.set_fill_style_str(t.ink_soft);
        ctx.set_text_align("center");
        ctx.set_text_baseline("top");
        for (ms, label) in axis.ticks() {
            let (x, _) = at(axis.at(ms), 0.0);
            ctx.begin_path();
            ctx.move_to(x, top);
            ctx.line_to(x, top + ph);
            ctx.set_stroke_style_str(if label.is_some() { t.ink_soft } else { t.track });
            ctx.stroke();
            if let Some(l) = label {
                let _ = ctx.fill_text(&l, x, top + ph + 4.0);
            }
        }
        ctx.set_text_align("right");
        ctx.set_text_baseline("middle");
        for (f, l) in [(0.0, "0%"), (0.5, "50%"), (1.0, "100%")] {
            let (x, y) = at(0.0, f);
            ctx.begin_path();
            ctx.move_to(x, y);
            ctx.line_to(left + pw, y);
            ctx.set_stroke_style_str(t.track);
            ctx.stroke();
            let _ = ctx.fill_text(l, x - 4.0, y);
        }
        for c in panel.curves() {
            let colour = ex::PALETTE[usize::from(self.dark)][c.colour];
            let paper = ex::paper_points(c.paper().1);
            for (points, width, pattern) in
                [(paper, 1.5, &[6.0, 4.0][..]), (c.run.cdf(), 2.5, &[][..])]
            {
                dash(ctx, pattern);
                ctx.begin_path();
                for (i, &(fx, fy)) in ex::cdf_steps(&points, &axis).iter().enumerate() {
                    let (x, y) = at(fx, fy);
                    if i == 0 {
                        ctx.move_to(x, y);
                    } else {
                        ctx.line_to(x, y);
                    }
                }
                ctx.set_stroke_style_str(colour);
                ctx.set_line_width(width);
                ctx.stroke();
            }
        }
        dash(ctx, &[]);
    }

    /// The stats panel's histogram of this run's election times, redrawn
    /// only when they, the theme or the width changed.
    fn draw_histogram(&mut self) {
        let times = &self.timeline.sim().stats().time_to_elect;
        let width = width_of(&self.dom, "stat-hist");
        if let Some((seen, dark, w)) = &self.experiments.hist {
            if seen == times && *dark == self.dark && *w == width {
                return;
            }
        }
        let times = times.clone();
        self.dom.attr(
            "stat-hist",
            "aria-label",
            &format!(
                "Election times in this run: {}",
                Histogram::describe(&times)
            ),
        );
        let Some((ctx, w, h)) = fit(&self.dom, "stat-hist") else {
            return;
        };
        let t = self.theme();
        let px = font(&ctx, false);
        if let Some(hist) = Histogram::of(&times, 12) {
            let most = f64::from(*hist.counts.iter().max().unwrap_or(&1));
            let n = hist.counts.len() as f64;
            let ph = h - px - 6.0;
            let bar = w / n.max(6.0);
            ctx.set_fill_style_str(t.select);
            for (i, &k) in hist.counts.iter().enumerate() {
                let bh = (ph - 2.0) * f64::from(k) / most;
                ctx.fill_rect(i as f64 * bar + 1.0, ph - bh, bar - 2.0, bh);
            }
            ctx.set_fill_style_str(t.ink_soft);
            ctx.set_text_baseline("top");
            let h = crate::options::human_duration;
            ctx.set_text_align("left");
            let _ = ctx.fill_text(&h(hist.from), 0.0, ph + 3.0);
            ctx.set_text_align("right");
            let end = hist.from + hist.width * hist.counts.len() as u64;
            let _ = ctx.fill_text(&h(end), (n * bar).min(w), ph + 3.0);
        }
        self.experiments.hist = Some((times, self.dark, width));
    }
}
