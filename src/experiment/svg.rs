//! Cumulative distributions drawn as SVG by hand, in the manner of the Raft
//! paper's Figure 16: one panel per set of curves, the fraction of trials on
//! the y axis, time on a linear or logarithmic x axis. The paper's curves
//! are dashed, ours solid, in the same colour.

use std::fmt::Write;

/// One curve: a label, and the samples of the paper and of the simulator.
#[derive(Clone, Debug)]
pub struct CdfCurve {
    /// `150-155 ms`.
    pub label: String,
    /// The paper's trials, in ms (any order), if it has this curve.
    pub paper_ms: Option<Vec<f64>>,
    /// The simulator's trials, in ms (any order).
    pub ours_ms: Vec<f64>,
}

/// One panel of the figure.
#[derive(Clone, Debug)]
pub struct CdfPanel {
    /// A title above the panel.
    pub title: String,
    /// A logarithmic x axis (the paper's top panel) or a linear one.
    pub log_x: bool,
    /// The x axis, in ms.
    pub x_min: f64,
    /// The x axis, in ms.
    pub x_max: f64,
    /// The curves.
    pub curves: Vec<CdfCurve>,
}

/// Okabe–Ito colours, distinguishable with every common colour deficiency.
const COLOURS: [&str; 7] = [
    "#d55e00", "#e69f00", "#009e73", "#56b4e9", "#0072b2", "#cc79a7", "#000000",
];

const WIDTH: f64 = 720.0;
const PANEL_HEIGHT: f64 = 300.0;
const LEFT: f64 = 60.0;
const RIGHT: f64 = 170.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 50.0;

/// The whole figure: the panels stacked.
pub fn figure(panels: &[CdfPanel]) -> String {
    let height = PANEL_HEIGHT * panels.len() as f64;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r##"<rect width="100%" height="100%" fill="#ffffff"/>"##);
    for (i, panel) in panels.iter().enumerate() {
        draw_panel(&mut s, panel, PANEL_HEIGHT * i as f64);
    }
    s.push_str("</svg>\n");
    s
}

fn draw_panel(s: &mut String, p: &CdfPanel, y0: f64) {
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = PANEL_HEIGHT - TOP - BOTTOM;
    let (top, bottom) = (y0 + TOP, y0 + TOP + plot_h);
    let to_x = |ms: f64| -> f64 {
        let f = if p.log_x {
            (ms.max(p.x_min).ln() - p.x_min.ln()) / (p.x_max.ln() - p.x_min.ln())
        } else {
            (ms - p.x_min) / (p.x_max - p.x_min)
        };
        LEFT + f.clamp(0.0, 1.0) * plot_w
    };
    let to_y = |frac: f64| bottom - frac * plot_h;
    let _ = writeln!(
        s,
        r#"<text x="{LEFT}" y="{:.1}" font-weight="bold">{}</text>"#,
        y0 + 22.0,
        escape(&p.title)
    );
    // Grid and axes.
    for k in 0..=10 {
        let y = to_y(k as f64 / 10.0);
        let _ = writeln!(
            s,
            r##"<line x1="{LEFT}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}" stroke="#e5e5e5"/><text x="{:.1}" y="{:.1}" text-anchor="end">{:.1}</text>"##,
            LEFT + plot_w,
            LEFT - 6.0,
            y + 4.0,
            k as f64 / 10.0
        );
    }
    for tick in x_ticks(p) {
        let x = to_x(tick);
        let _ = writeln!(
            s,
            r##"<line x1="{x:.1}" x2="{x:.1}" y1="{top:.1}" y2="{bottom:.1}" stroke="#e5e5e5"/><text x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text>"##,
            bottom + 16.0,
            tick_label(tick)
        );
    }
    let _ = writeln!(
        s,
        r##"<rect x="{LEFT}" y="{top:.1}" width="{plot_w:.1}" height="{plot_h:.1}" fill="none" stroke="#555555"/>"##
    );
    let _ = writeln!(
        s,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">time without a leader (ms{})</text>"#,
        LEFT + plot_w / 2.0,
        bottom + 36.0,
        if p.log_x { ", log scale" } else { "" }
    );
    let _ = writeln!(
        s,
        r#"<text transform="translate(16 {:.1}) rotate(-90)" text-anchor="middle">cumulative fraction</text>"#,
        (top + bottom) / 2.0
    );
    // Curves.
    for (i, c) in p.curves.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        if let Some(paper) = &c.paper_ms {
            step_path(s, paper, colour, true, &to_x, &to_y);
        }
        step_path(s, &c.ours_ms, colour, false, &to_x, &to_y);
        let ly = top + 14.0 + 18.0 * i as f64;
        let lx = LEFT + plot_w + 12.0;
        let _ = writeln!(
            s,
            r#"<line x1="{lx:.1}" x2="{:.1}" y1="{ly:.1}" y2="{ly:.1}" stroke="{colour}" stroke-width="2"/><text x="{:.1}" y="{:.1}">{}</text>"#,
            lx + 24.0,
            lx + 30.0,
            ly + 4.0,
            escape(&c.label)
        );
    }
    let ly = top + 14.0 + 18.0 * p.curves.len() as f64 + 8.0;
    let lx = LEFT + plot_w + 12.0;
    let _ = writeln!(
        s,
        r##"<line x1="{lx:.1}" x2="{:.1}" y1="{ly:.1}" y2="{ly:.1}" stroke="#555555" stroke-width="2"/><text x="{:.1}" y="{:.1}">simulator</text>"##,
        lx + 24.0,
        lx + 30.0,
        ly + 4.0
    );
    let ly = ly + 18.0;
    let _ = writeln!(
        s,
        r##"<line x1="{lx:.1}" x2="{:.1}" y1="{ly:.1}" y2="{ly:.1}" stroke="#555555" stroke-width="1.5" stroke-dasharray="4 3"/><text x="{:.1}" y="{:.1}">paper</text>"##,
        lx + 24.0,
        lx + 30.0,
        ly + 4.0
    );
}

/// An ECDF as one step path: up by 1/n at each sample.
fn step_path(
    s: &mut String,
    samples: &[f64],
    colour: &str,
    dashed: bool,
    to_x: &dyn Fn(f64) -> f64,
    to_y: &dyn Fn(f64) -> f64,
) {
    if samples.is_empty() {
        return;
    }
    let mut v = samples.to_vec();
    crate::compact::sort_by(&mut v, f64::total_cmp);
    let n = v.len() as f64;
    let mut d = format!("M{:.1} {:.1}", to_x(v[0]), to_y(0.0));
    let mut last_x = f64::NAN;
    for (i, &ms) in v.iter().enumerate() {
        let x = to_x(ms);
        let y = to_y((i + 1) as f64 / n);
        if (x - last_x).abs() < 0.05 {
            let _ = write!(d, "V{y:.1}");
        } else {
            let _ = write!(d, "H{x:.1}V{y:.1}");
        }
        last_x = x;
    }
    let dash = if dashed {
        r#" stroke-dasharray="4 3" stroke-width="1.5""#
    } else {
        r#" stroke-width="2""#
    };
    let _ = writeln!(s, r#"<path d="{d}" fill="none" stroke="{colour}"{dash}/>"#);
}

fn x_ticks(p: &CdfPanel) -> Vec<f64> {
    if p.log_x {
        let mut t = 10f64.powf(p.x_min.log10().ceil());
        let mut out = Vec::new();
        while t <= p.x_max * 1.0001 {
            out.push(t);
            t *= 10.0;
        }
        out
    } else {
        let span = p.x_max - p.x_min;
        let step = [10.0, 25.0, 50.0, 100.0, 200.0, 500.0, 1000.0]
            .into_iter()
            .find(|s| span / s <= 12.0)
            .unwrap_or(1000.0);
        let mut t = (p.x_min / step).ceil() * step;
        let mut out = Vec::new();
        while t <= p.x_max + 1e-9 {
            out.push(t);
            t += step;
        }
        out
    }
}

fn tick_label(ms: f64) -> String {
    if ms >= 1000.0 && ms % 1000.0 == 0.0 {
        format!("{}s", ms / 1000.0)
    } else {
        format!("{ms}")
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_figure_has_one_path_per_curve_and_source_and_is_well_formed() {
        let panel = CdfPanel {
            title: "a <test>".into(),
            log_x: true,
            x_min: 10.0,
            x_max: 10_000.0,
            curves: vec![
                CdfCurve {
                    label: "150-155 ms".into(),
                    paper_ms: Some(vec![100.0, 200.0, 300.0]),
                    ours_ms: vec![110.0, 210.0],
                },
                CdfCurve {
                    label: "150-300 ms".into(),
                    paper_ms: None,
                    ours_ms: vec![150.0],
                },
            ],
        };
        let svg = figure(&[
            panel.clone(),
            CdfPanel {
                log_x: false,
                ..panel
            },
        ]);
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert_eq!(svg.matches("<path").count(), 6, "3 curves per panel");
        assert_eq!(
            svg.matches("stroke-dasharray").count(),
            2 + 2,
            "two paper curves and two legends"
        );
        assert!(svg.contains("a &lt;test&gt;"));
        assert!(svg.contains(">1s<") && svg.contains(">10s<"), "log ticks");
    }
}
