//! The canvas: ducks, the goose, timers, votes, messages in flight and walls,
//! drawn through `web_sys::CanvasRenderingContext2d`.
//!
//! [`draw`] paints one frame of a [`Scene`] — a read-only view of the
//! simulation plus where everything stands — and keeps no state of its own,
//! so a test can paint a known state and read the pixels back.

use std::cell::{Cell, RefCell};
use std::f64::consts::{FRAC_PI_2, TAU};

use wasm_bindgen::JsCast;
use wasm_bindgen::JsValue;
use web_sys::{CanvasRenderingContext2d as Ctx2d, HtmlCanvasElement};

use crate::compact::decimal;
use crate::message::{node_name, Kind, NodeId};
use crate::node::{Ballot, Role};
use crate::options::Time;
use crate::sim::network::InFlight;
use crate::sim::Simulation;
use crate::view::labels::{place_bubble, Obstacle};
use crate::view::layout::{self, opacity, progress, Point, Ring};
use crate::view::logs::Strip;
use crate::view::math;
use crate::view::members::Standing;
use crate::view::timeline::{MarkerKind, Timeline};

use crate::view::colour::term_badge;
use crate::view::words::Vocabulary;

use super::theme::{term_colour, Theme};

/// What a frame shows.
pub struct Scene<'a> {
    /// The run.
    pub sim: &'a Simulation,
    /// Where each node is drawn, by id.
    pub positions: &'a [Point],
    /// The ring (for sizes and the centre).
    pub ring: Ring,
    /// Angles of partition walls.
    pub walls: &'a [f64],
    /// Colours.
    pub theme: &'a Theme,
    /// Text size factor (1, or more in presentation mode).
    pub text_scale: f64,
    /// The selected node, if any.
    pub selected_node: Option<NodeId>,
    /// The selected message, if any.
    pub selected_message: Option<u64>,
    /// A partition being drawn with the pointer: from, to.
    pub cut: Option<(Point, Point)>,
    /// Canvas size in CSS pixels.
    pub size: (f64, f64),
    /// The person asked for less motion: no decorative pulses.
    pub reduced_motion: bool,
    /// Bird words or the paper's words on the labels.
    pub words: Vocabulary,
    /// Each bird's log strip is shown (see [`crate::view::logs`]).
    pub logs: bool,
    /// Each slot's standing in the configuration drawn (§4), by id; a slot
    /// past the end is a member.
    pub standing: &'a [Standing],
}

/// Where slot `id` stands in the configuration drawn.
fn standing(scene: &Scene, id: NodeId) -> Standing {
    scene
        .standing
        .get(id as usize)
        .copied()
        .unwrap_or(Standing::Member)
}

/// A thin pen over the 2D context: the calls the drawing uses, with the
/// context's rare errors (only for invalid arguments) ignored. It remembers
/// the state it set (font, colours, line width, alpha, alignment, dash) and
/// sets it again only when it changes: each setting is a call into the
/// browser, and a colour or a font is a string it must decode and parse,
/// where comparing costs next to nothing.
struct Pen<'a> {
    ctx: &'a Ctx2d,
    font: RefCell<String>,
    fill: RefCell<String>,
    stroke: RefCell<String>,
    width: Cell<f64>,
    alpha: Cell<f64>,
    align: Cell<&'static str>,
    dashed: Cell<bool>,
}

impl<'a> Pen<'a> {
    fn new(ctx: &'a Ctx2d) -> Pen<'a> {
        let _ = ctx.set_line_dash(&js_sys::Array::new());
        let pen = Pen {
            ctx,
            font: RefCell::default(),
            fill: RefCell::default(),
            stroke: RefCell::default(),
            width: Cell::new(f64::NAN),
            alpha: Cell::new(f64::NAN),
            align: Cell::new(""),
            dashed: Cell::new(false),
        };
        pen.alpha(1.0);
        pen
    }
}

impl std::ops::Deref for Pen<'_> {
    type Target = Ctx2d;
    fn deref(&self) -> &Ctx2d {
        self.ctx
    }
}

/// Sets `cell` to `value` and returns true if it held something else.
fn changed(cell: &RefCell<String>, value: &str) -> bool {
    let mut held = cell.borrow_mut();
    if *held == value {
        return false;
    }
    held.clear();
    held.push_str(value);
    true
}

impl Pen<'_> {
    fn circle(&self, p: Point, r: f64) {
        self.begin_path();
        let _ = self.ctx.arc(p.x, p.y, r.max(0.0), 0.0, TAU);
    }
    fn arc(&self, p: Point, r: f64, from: f64, to: f64) {
        self.begin_path();
        let _ = self.ctx.arc(p.x, p.y, r.max(0.0), from, to);
    }
    fn ellipse(&self, x: f64, y: f64, rx: f64, ry: f64, rotation: f64) {
        let _ = self
            .ctx
            .ellipse(x, y, rx.max(0.0), ry.max(0.0), rotation, 0.0, TAU);
    }
    /// Sets the fill colour, for fills and text.
    fn paint(&self, colour: &str) {
        if changed(&self.fill, colour) {
            self.set_fill_style_str(colour);
        }
    }
    fn fill(&self, colour: &str) {
        self.paint(colour);
        self.ctx.fill();
    }
    fn stroke(&self, colour: &str, width: f64) {
        if changed(&self.stroke, colour) {
            self.set_stroke_style_str(colour);
        }
        if self.width.get() != width {
            self.width.set(width);
            self.set_line_width(width);
        }
        self.ctx.stroke();
    }
    fn dash(&self, pattern: &[f64]) {
        if pattern.is_empty() && !self.dashed.get() {
            return;
        }
        let array = js_sys::Array::new();
        for d in pattern {
            array.push(&JsValue::from_f64(*d));
        }
        let _ = self.set_line_dash(&array);
        self.dashed.set(!pattern.is_empty());
    }
    fn font(&self, px: f64, weight: &str) {
        let tenths = (px * 10.0).round() as i64;
        let font = format!(
            "{weight} {}.{}px system-ui, -apple-system, 'Segoe UI', sans-serif",
            tenths / 10,
            tenths % 10
        );
        if changed(&self.font, &font) {
            self.set_font(&font);
        }
    }
    fn align(&self, align: &'static str) {
        if self.align.get() != align {
            self.align.set(align);
            self.set_text_align(align);
        }
    }
    fn line(&self, a: Point, b: Point) {
        self.ctx.begin_path();
        self.ctx.move_to(a.x, a.y);
        self.ctx.line_to(b.x, b.y);
    }
    fn polygon(&self, points: &[(f64, f64)]) {
        self.ctx.begin_path();
        if let Some(&(x, y)) = points.first() {
            self.ctx.move_to(x, y);
        }
        for &(x, y) in &points[1..] {
            self.ctx.line_to(x, y);
        }
        self.ctx.close_path();
    }
    fn text(&self, s: &str, p: Point, px: f64, weight: &str, colour: &str) {
        self.font(px, weight);
        self.paint(colour);
        let _ = self.fill_text(s, p.x, p.y);
    }
    fn alpha(&self, a: f64) {
        let a = a.clamp(0.0, 1.0);
        if self.alpha.get() != a {
            self.alpha.set(a);
            self.ctx.set_global_alpha(a);
        }
    }
}

/// The five birds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Bird {
    Duck,
    Calling,
    Dead,
    Goose,
    /// A leader without a CheckQuorum lease: a goose without its crown.
    Uncrowned,
}

/// Birds painted once per kind, size and theme into small offscreen
/// canvases, then stamped: a bird is some forty path operations, a stamp one.
pub struct Sprites {
    dpr: f64,
    cache: crate::compact::VecMap<(Bird, u32, &'static str), HtmlCanvasElement>,
    /// Each bird's name as last measured (font and text) and its width:
    /// names change rarely, and measuring is a call into the browser's text
    /// shaping.
    widths: Vec<(String, f64)>,
}

impl Sprites {
    /// An empty cache for a screen of this device pixel ratio.
    pub fn new(dpr: f64) -> Sprites {
        Sprites {
            dpr,
            cache: crate::compact::VecMap::new(),
            widths: Vec::new(),
        }
    }

    /// Forgets every sprite if the device pixel ratio changed.
    pub fn set_dpr(&mut self, dpr: f64) {
        if dpr != self.dpr {
            self.dpr = dpr;
            self.cache.clear();
        }
    }

    /// The width of bird `id`'s name `text` in the pen's current font.
    fn name_width(&mut self, pen: &Pen, id: NodeId, text: &str) -> f64 {
        let key = format!("{}\u{1}{text}", pen.font.borrow());
        let i = id as usize;
        if self.widths.len() <= i {
            self.widths.resize(i + 1, (String::new(), 0.0));
        }
        if self.widths[i].0 != key {
            let width = pen.measure_text(text).map_or(0.0, |m| m.width());
            self.widths[i] = (key, width);
        }
        self.widths[i].1
    }

    fn stamp(&mut self, pen: &Pen, bird: Bird, p: Point, r: f64, t: &Theme) {
        let key = (bird, (r * 4.0).round() as u32, t.background);
        if !self.cache.contains_key(&key) {
            if self.cache.len() > 64 {
                self.cache.clear();
            }
            match self.paint(bird, r, t) {
                Some(canvas) => {
                    self.cache.insert(key, canvas);
                }
                // Painted in place, with a pen of its own: the bird's
                // styles stay between its save and restore.
                None => return paint_bird(&Pen::new(pen), t, bird, p, r),
            }
        }
        let half = r * HALF;
        let _ = pen.draw_image_with_html_canvas_element_and_dw_and_dh(
            &self.cache[&key],
            p.x - half,
            p.y - half,
            2.0 * half,
            2.0 * half,
        );
    }

    fn paint(&self, bird: Bird, r: f64, t: &Theme) -> Option<HtmlCanvasElement> {
        let doc = web_sys::window()?.document()?;
        let canvas: HtmlCanvasElement = doc.create_element("canvas").ok()?.dyn_into().ok()?;
        let side = (2.0 * r * HALF * self.dpr).ceil() as u32;
        canvas.set_width(side);
        canvas.set_height(side);
        let ctx: Ctx2d = canvas.get_context("2d").ok()??.dyn_into().ok()?;
        let _ = ctx.scale(self.dpr, self.dpr);
        let pen = Pen::new(&ctx);
        paint_bird(&pen, t, bird, Point::new(r * HALF, r * HALF), r);
        Some(canvas)
    }
}

/// How far a bird reaches from its centre, in radii.
const HALF: f64 = 1.15;

fn paint_bird(pen: &Pen, t: &Theme, bird: Bird, p: Point, r: f64) {
    match bird {
        Bird::Goose => draw_goose(pen, t, p, r, true),
        Bird::Uncrowned => draw_goose(pen, t, p, r, false),
        Bird::Duck => draw_duck(pen, t, p, r, true, false),
        Bird::Calling => draw_duck(pen, t, p, r, true, true),
        Bird::Dead => draw_duck(pen, t, p, r, false, false),
    }
}

/// Paints one frame.
pub fn draw(ctx: &Ctx2d, scene: &Scene, sprites: &mut Sprites) {
    let pen = Pen::new(ctx);
    let (w, h) = scene.size;
    pen.paint(scene.theme.background);
    ctx.fill_rect(0.0, 0.0, w, h);
    pen.align("center");
    ctx.set_text_baseline("middle");
    ctx.set_line_cap("round");
    ctx.set_line_join("round");
    draw_walls(&pen, scene);
    for m in scene.sim.in_flight() {
        draw_message(&pen, scene, m);
    }
    // Birds first, then what goes on and around them, each kind in one
    // pass so that the pen sets each style once.
    let ids = 0..scene.sim.size();
    for id in ids.clone() {
        draw_node(&pen, scene, sprites, id);
    }
    draw_leases(&pen, scene);
    for id in ids.clone() {
        draw_badge(&pen, scene, id);
    }
    for id in ids.clone() {
        draw_name(&pen, scene, sprites, id);
    }
    if scene.logs {
        for id in ids {
            draw_log(&pen, scene, id);
        }
    }
    draw_bubbles(&pen, scene);
    if let Some((a, b)) = scene.cut {
        pen.dash(&[8.0, 6.0]);
        pen.line(a, b);
        pen.stroke(scene.theme.denied, 2.5);
        pen.dash(&[]);
        pen.text(
            "✂",
            b,
            22.0 * scene.text_scale,
            "normal",
            scene.theme.denied,
        );
    }
}

fn draw_walls(pen: &Pen, scene: &Scene) {
    let ring = scene.ring;
    let sim = scene.sim;
    for &angle in scene.walls {
        let a = ring.at(angle, 0.18);
        let b = ring.at(angle, 1.0 + 2.2 * ring.node_radius / ring.radius.max(1.0));
        pen.dash(&[10.0, 4.0]);
        pen.line(a, b);
        pen.stroke(scene.theme.wall, (ring.node_radius * 0.32).clamp(4.0, 12.0));
        pen.dash(&[]);
    }
    for &(from, to) in sim.network().one_way_cuts() {
        // A one-way cut: a thin line from the sender, stopped by a bar
        // just short of the receiver that no longer hears it. It runs in
        // its own lane, so the two directions of a link stay apart.
        let (a, b) = (scene.positions[from as usize], scene.positions[to as usize]);
        let r = ring.node_radius;
        let len = a.distance(b).max(1.0);
        let (ux, uy) = ((b.x - a.x) / len, (b.y - a.y) / len);
        let (ox, oy) = lane(a, b, r * 0.3, true);
        let at = |d: f64| Point::new(a.x + ux * d + ox, a.y + uy * d + oy);
        let stop = at(len - r * 1.4);
        pen.line(at(r * 1.2), stop);
        pen.stroke(scene.theme.wall, 2.0);
        let (bx, by) = (-uy * r * 0.45, ux * r * 0.45);
        pen.line(
            Point::new(stop.x + bx, stop.y + by),
            Point::new(stop.x - bx, stop.y - by),
        );
        pen.stroke(scene.theme.denied, 3.0);
    }
    for id in 0..sim.size() {
        if sim.network().is_isolated(id) {
            let p = scene.positions[id as usize];
            pen.dash(&[6.0, 5.0]);
            pen.circle(p, ring.node_radius * 1.75);
            pen.stroke(scene.theme.wall, 3.0);
            pen.dash(&[]);
        }
    }
}

/// Offsets a message sideways so that requests and replies on the same link
/// do not run over each other.
fn lane(from: Point, to: Point, width: f64, forward: bool) -> (f64, f64) {
    let (dx, dy) = (to.x - from.x, to.y - from.y);
    let len = math::hypot(dx, dy).max(1.0);
    let side = if forward { width } else { -width };
    (-dy / len * side, dx / len * side)
}

fn draw_message(pen: &Pen, scene: &Scene, m: &InFlight) {
    let now = scene.sim.now();
    let a = opacity(m, now);
    if a <= 0.0 {
        return;
    }
    let s = message_size(&scene.ring, scene.text_scale);
    let p = message_position(scene.positions, &scene.ring, m, now, scene.text_scale);
    let t = scene.theme;
    pen.alpha(a);
    let term = term_colour(m.msg.term);
    match m.msg.kind() {
        Kind::Heartbeat => {
            heart(pen, p, s, term);
            // An AppendEntries that carries entries says how many.
            let count = m.msg.entry_count() as u64;
            if count > 0 {
                let at = Point::new(p.x + s * 1.05, p.y - s * 0.8);
                pen.circle(at, s * 0.72);
                pen.fill(t.plate);
                pen.stroke(term, 1.5);
                pen.text(decimal(count, &mut [0; 20]), at, s * 1.05, "bold", t.ink);
            }
        }
        Kind::HeartbeatReply => {
            pen.circle(p, s * 0.45);
            pen.fill(term);
        }
        Kind::VoteRequest | Kind::PrevoteRequest => {
            pen.begin_path();
            let _ = pen.round_rect_with_f64(p.x - s, p.y - s * 0.72, s * 2.0, s * 1.44, s * 0.25);
            if m.msg.kind() == Kind::VoteRequest {
                pen.fill(term);
                pen.stroke(t.plate, 1.5);
            } else {
                pen.fill(t.plate);
                pen.dash(&[3.0, 2.0]);
                pen.stroke(term, 2.0);
                pen.dash(&[]);
            }
            let mark = if m.msg.kind() == Kind::VoteRequest {
                "✉"
            } else {
                "?"
            };
            let ink = if m.msg.kind() == Kind::VoteRequest {
                "#ffffff"
            } else {
                term
            };
            pen.text(mark, p, s * 1.3, "bold", ink);
        }
        kind => {
            let granted = matches!(kind, Kind::VoteGranted | Kind::PrevoteGranted);
            let colour = if granted { t.granted } else { t.denied };
            pen.circle(p, s * 0.9);
            if matches!(kind, Kind::PrevoteGranted | Kind::PrevoteDenied) {
                pen.fill(t.plate);
                pen.dash(&[3.0, 2.0]);
                pen.stroke(colour, 2.0);
                pen.dash(&[]);
                mark(pen, p, s * 0.5, granted, colour);
            } else {
                pen.fill(colour);
                mark(pen, p, s * 0.5, granted, "#ffffff");
            }
        }
    }
    if scene.selected_message == Some(m.id) {
        pen.circle(p, s * 1.9);
        pen.stroke(t.select, 2.5);
    }
    pen.alpha(1.0);
}

/// Where bird `id`'s log strip stands: clear of its ring and of a duck's
/// lease arc and its dot.
pub fn log_strip(scene: &Scene, id: NodeId) -> Strip {
    let ring_r = crate::view::logs::clearance(
        bird_radius(scene, id),
        scene.ring.node_radius,
        scene.text_scale,
    );
    let last = scene.sim.nodes()[id as usize].log().last_index();
    let p = scene.positions[id as usize];
    Strip::new(p, ring_r, &scene.ring, scene.sim.size(), last)
}

/// A bird's log strip (Raft §5.3): its last entries as cells coloured by
/// term, committed ones filled and the others outlined, a mark after the
/// last committed one, and the last index beside it. Cells of one term
/// and state share a path, so a strip costs a few calls.
fn draw_log(pen: &Pen, scene: &Scene, id: NodeId) {
    let node = &scene.sim.nodes()[id as usize];
    let (log, commit) = (node.log(), node.commit());
    let strip = log_strip(scene, id);
    let (y, c) = (strip.origin.y, strip.cell);
    let t = scene.theme;
    // Runs of cells with the same term and state: one path each.
    let mut run: Option<(u64, bool)> = None;
    let finish = |run: Option<(u64, bool)>| match run {
        Some((term, true)) => pen.fill(term_colour(term)),
        Some((term, false)) => {
            pen.paint(t.plate);
            pen.ctx.fill();
            pen.stroke(term_colour(term), 1.5);
        }
        None => {}
    };
    for (index, x) in strip.cells() {
        let term = log.term_at(index).unwrap_or(0);
        let here = Some((term, index <= commit));
        if here != run {
            finish(run);
            pen.begin_path();
            run = here;
        }
        pen.rect(x, y, c, c);
    }
    finish(run);
    if let Some(x) = strip.commit_x(commit) {
        pen.line(Point::new(x, y - c * 0.35), Point::new(x, y + c * 1.35));
        pen.stroke(t.ink, 2.0);
    }
    let fs = (c * 1.1).max(9.0);
    let (at, right) = strip.label_at(scene.positions[id as usize]);
    pen.align(if right { "right" } else { "left" });
    pen.text(
        decimal(log.last_index(), &mut [0; 20]),
        at,
        fs,
        "600",
        t.ink_soft,
    );
    pen.align("center");
}

/// A tick (granted) or a cross (denied) of half-size `r` around `p`.
fn mark(pen: &Pen, p: Point, r: f64, granted: bool, colour: &str) {
    mark_with(pen, p, r, granted, colour, (r * 0.45).max(1.5));
}

/// [`mark`] with an explicit line width (for unit-scaled drawings).
fn mark_with(pen: &Pen, p: Point, r: f64, granted: bool, colour: &str, width: f64) {
    pen.begin_path();
    if granted {
        pen.move_to(p.x - r * 0.9, p.y);
        pen.line_to(p.x - r * 0.2, p.y + r * 0.7);
        pen.line_to(p.x + r, p.y - r * 0.7);
    } else {
        pen.move_to(p.x - r * 0.7, p.y - r * 0.7);
        pen.line_to(p.x + r * 0.7, p.y + r * 0.7);
        pen.move_to(p.x + r * 0.7, p.y - r * 0.7);
        pen.line_to(p.x - r * 0.7, p.y + r * 0.7);
    }
    pen.stroke(colour, width);
}

fn heart(pen: &Pen, p: Point, s: f64, colour: &str) {
    let c = pen;
    c.begin_path();
    c.move_to(p.x, p.y + s * 0.85);
    c.bezier_curve_to(
        p.x - s * 1.3,
        p.y,
        p.x - s * 0.7,
        p.y - s * 0.95,
        p.x,
        p.y - s * 0.35,
    );
    c.bezier_curve_to(
        p.x + s * 0.7,
        p.y - s * 0.95,
        p.x + s * 1.3,
        p.y,
        p.x,
        p.y + s * 0.85,
    );
    c.close_path();
    pen.fill(colour);
}

fn draw_node(pen: &Pen, scene: &Scene, sprites: &mut Sprites, id: NodeId) {
    let sim = scene.sim;
    let t = scene.theme;
    let node = &sim.nodes()[id as usize];
    let alive = sim.is_alive(id);
    let role = node.role();
    let goose = alive && role == Role::Goose;
    // A leader without its crown keeps the goose's size and heartbeat ring.
    let leader = alive && role.is_leader();
    let p = scene.positions[id as usize];
    let r = bird_radius(scene, id);
    let now = sim.now();
    let term = term_colour(node.term());
    let standing = standing(scene, id);
    if let Standing::Egg(progress) = standing {
        return draw_egg(pen, scene, id, p, r, progress);
    }
    // A removed node (§4.2.2) fades: it no longer votes.
    let fade = if standing == Standing::Removed {
        0.4
    } else {
        1.0
    };
    pen.alpha(fade);

    // Timers: the election timer draining (RaftScope's arc), or the goose's
    // heartbeat rhythm with a pulse at each beat.
    let ring_r = r * 1.2;
    let ring_w = (r * 0.13).max(2.5);
    if alive {
        pen.circle(p, ring_r);
        pen.stroke(t.track, ring_w);
        if leader {
            let (last, due) = node.heartbeat_times();
            let span = due.saturating_sub(last).max(1) as f64;
            let left = due.saturating_sub(now) as f64 / span;
            pen.arc(
                p,
                ring_r,
                -FRAC_PI_2,
                -FRAC_PI_2 + TAU * left.clamp(0.0, 1.0),
            );
            pen.stroke(t.gold, ring_w);
            let since = now.saturating_sub(last) as f64 / span;
            if since < 0.6 && !scene.reduced_motion {
                pen.alpha(fade * (1.0 - since / 0.6));
                pen.circle(p, ring_r + r * 1.1 * since / 0.6);
                pen.stroke(t.gold, 2.0);
                pen.alpha(fade);
            }
        } else {
            let start = node.timer_start();
            let end = node.election_deadline();
            let left = end.saturating_sub(now) as f64 / end.saturating_sub(start).max(1) as f64;
            pen.arc(
                p,
                ring_r,
                -FRAC_PI_2,
                -FRAC_PI_2 + TAU * left.clamp(0.0, 1.0),
            );
            pen.stroke(term, ring_w);
        }
    }

    // Candidates: a halo.
    if alive && matches!(role, Role::Candidate | Role::PreCandidate) {
        if role == Role::PreCandidate {
            pen.dash(&[4.0, 4.0]);
        }
        pen.circle(p, r * 1.45);
        pen.stroke(t.gold, (r * 0.08).max(2.0));
        pen.dash(&[]);
    }

    // The plate, ringed in the term's colour (one path, filled and stroked).
    pen.circle(p, r);
    pen.fill(if alive { t.plate } else { t.plate_dead });
    if !alive {
        pen.dash(&[4.0, 3.0]);
    }
    pen.stroke(if alive { term } else { t.dead }, (r * 0.1).max(2.0));
    pen.dash(&[]);

    let raised = alive && matches!(role, Role::Candidate | Role::PreCandidate);
    let bird = match (goose, alive, raised) {
        (true, _, _) => Bird::Goose,
        _ if leader => Bird::Uncrowned,
        (_, false, _) => Bird::Dead,
        (_, _, true) => Bird::Calling,
        _ => Bird::Duck,
    };
    sprites.stamp(pen, bird, p, r, t);

    // Votes received, one mark per peer on the side facing that peer.
    if raised {
        for (peer, ballot) in node.ballots().iter().enumerate() {
            if peer as NodeId == id {
                continue;
            }
            let (m, mr) = ballot_spot(scene, id, peer, r);
            pen.circle(m, mr);
            match ballot {
                Ballot::Granted => {
                    pen.fill(t.granted);
                    mark(pen, m, mr * 0.6, true, "#ffffff");
                }
                Ballot::Denied => {
                    pen.fill(t.denied);
                    mark(pen, m, mr * 0.6, false, "#ffffff");
                }
                Ballot::Pending => {
                    pen.fill(t.plate);
                    pen.circle(m, mr);
                    pen.stroke(t.pending, 1.5);
                }
            }
        }
    }

    pen.alpha(1.0);
    if scene.selected_node == Some(id) {
        pen.circle(p, r * 1.62);
        pen.stroke(t.select, 3.0);
    }
}

/// A new node outside the configuration (§4.2.1): an egg, and while the
/// goose catches it up, a gold arc filling as its matchIndex nears the
/// goose's last index.
fn draw_egg(pen: &Pen, scene: &Scene, id: NodeId, p: Point, r: f64, progress: Option<f64>) {
    let t = scene.theme;
    pen.begin_path();
    pen.ellipse(p.x, p.y, r * 0.62, r * 0.8, 0.0);
    pen.fill(t.plate);
    let alive = scene.sim.is_alive(id);
    pen.stroke(if alive { t.ink_soft } else { t.dead }, (r * 0.1).max(2.0));
    if let Some(f) = progress {
        let ring_w = (r * 0.13).max(2.5);
        pen.circle(p, r * 1.2);
        pen.stroke(t.track, ring_w);
        pen.arc(p, r * 1.2, -FRAC_PI_2, -FRAC_PI_2 + TAU * f);
        pen.stroke(t.gold, ring_w);
    }
    if scene.selected_node == Some(id) {
        pen.circle(p, r * 1.62);
        pen.stroke(t.select, 3.0);
    }
}

/// The radius a bird is drawn at: a leader (crowned or not) is bigger.
fn bird_radius(scene: &Scene, id: NodeId) -> f64 {
    let r0 = scene.ring.node_radius;
    let leader = scene.sim.is_alive(id) && scene.sim.nodes()[id as usize].role().is_leader();
    if leader {
        r0 * 1.18
    } else {
        r0
    }
}

/// A bird's term badge: its term in the term's colour, top right.
fn draw_badge(pen: &Pen, scene: &Scene, id: NodeId) {
    let node = &scene.sim.nodes()[id as usize];
    let (p, r) = (scene.positions[id as usize], bird_radius(scene, id));
    let (badge, badge_r) = layout::badge(p, r, scene.text_scale);
    let fs = label_px(r, scene.text_scale);
    pen.circle(badge, badge_r);
    let (fill, number) = if scene.sim.is_alive(id) {
        let b = term_badge(node.term());
        (b.fill, b.text)
    } else {
        (scene.theme.dead, scene.theme.dead_text)
    };
    pen.fill(fill);
    pen.text(&node.term().to_string(), badge, fs * 0.8, "bold", number);
}

/// A bird's name and role, outside the ring, away from the centre, where
/// no neighbour stands.
fn draw_name(pen: &Pen, scene: &Scene, sprites: &mut Sprites, id: NodeId) {
    let t = scene.theme;
    let node = &scene.sim.nodes()[id as usize];
    let alive = scene.sim.is_alive(id);
    let goose = alive && node.role() == Role::Goose;
    let leader = alive && node.role().is_leader();
    let (p, r) = (scene.positions[id as usize], bird_radius(scene, id));
    let ring_r = r * 1.2;
    let fs = label_px(r, scene.text_scale);
    let label = if goose {
        match scene.words {
            Vocabulary::Birds => format!("{} · GOOSE", node_name(id)),
            Vocabulary::Paper => format!("{} · LEADER", node_name(id)),
        }
    } else if leader {
        format!("{} · no crown", node_name(id))
    } else if !alive {
        format!("{} · dead", node_name(id))
    } else {
        match standing(scene, id) {
            Standing::Member => node_name(id),
            Standing::Removed => format!("{} · removed", node_name(id)),
            Standing::Egg(f) => {
                let what = match scene.words {
                    Vocabulary::Birds => "egg",
                    Vocabulary::Paper => "non-voter",
                };
                match f {
                    Some(f) => format!("{} · {what} {}%", node_name(id), (f * 100.0) as u32),
                    None => format!("{} · {what}", node_name(id)),
                }
            }
        }
    };
    let c = scene.ring.center;
    let d = c.distance(p);
    let (ux, uy) = if d < 1.0 {
        (0.0, 1.0)
    } else {
        ((p.x - c.x) / d, (p.y - c.y) / d)
    };
    let weight = if goose { "800" } else { "600" };
    pen.font(fs, weight);
    let width = sprites.name_width(pen, id, &label);
    let room_right = scene.size.0 - (p.x + ring_r + fs * 0.4);
    let room_left = p.x - ring_r - fs * 0.4;
    let off_ring = standing(scene, id) != Standing::Member;
    let (align, at) = if off_ring {
        // Inside the ring, a name pointing outwards would meet the ring's
        // birds and their names: it stands above.
        ("center", Point::new(p.x, p.y - (ring_r + fs * 0.85)))
    } else if ux > 0.5 && width < room_right {
        (
            "left",
            Point::new(p.x + ring_r + fs * 0.4, p.y + uy * ring_r * 0.6),
        )
    } else if ux < -0.5 && width < room_left {
        (
            "right",
            Point::new(p.x - ring_r - fs * 0.4, p.y + uy * ring_r * 0.6),
        )
    } else {
        let side = if uy < 0.0 { -1.0 } else { 1.0 };
        ("center", Point::new(p.x, p.y + side * (ring_r + fs * 0.85)))
    };
    pen.align(align);
    pen.text(
        &label,
        at,
        fs,
        weight,
        if alive { t.ink } else { t.ink_soft },
    );
    pen.align("center");
}

pub use crate::view::layout::{label_px, lease_radius};

/// The ducks' leases (CheckQuorum): while a duck has promised its goose
/// not to vote for anybody else, a dashed green arc outside its timer shows
/// what is left of the promise (a full circle is one minimum election
/// timeout), and a dot on it points at the node it is bound to.
fn draw_leases(pen: &Pen, scene: &Scene) {
    let sim = scene.sim;
    let now = sim.now();
    let r = scene.ring.node_radius;
    let lr = lease_radius(r);
    let full = sim.options().election.min.max(1) as f64;
    let lease = |id: NodeId| {
        let node = &sim.nodes()[id as usize];
        let until = node.lease_until().filter(|&u| u >= now)?;
        (sim.is_alive(id) && !node.role().is_leader()).then_some(until)
    };
    let mut any = false;
    for id in 0..sim.size() {
        if let Some(until) = lease(id) {
            if !any {
                pen.dash(&[3.0, 3.0]);
                any = true;
            }
            let left = ((until - now) as f64 / full).clamp(0.0, 1.0);
            let p = scene.positions[id as usize];
            pen.arc(p, lr, -FRAC_PI_2, -FRAC_PI_2 + TAU * left);
            pen.stroke(scene.theme.granted, 2.0);
        }
    }
    if !any {
        return;
    }
    pen.dash(&[]);
    for id in 0..sim.size() {
        let node = &sim.nodes()[id as usize];
        let holder = node.leader().or(node.voted_for()).filter(|&h| h != id);
        if let (Some(_), Some(holder)) = (lease(id), holder) {
            let p = scene.positions[id as usize];
            let (cos, sin) = direction(p, scene.positions[holder as usize]);
            pen.circle(Point::new(p.x + cos * lr, p.y + sin * lr), 3.0);
            pen.fill(scene.theme.granted);
        }
    }
}

/// The cosine and sine of the angle from `p` towards `q`, without
/// trigonometry (which would add libm's `sin`/`cos`/`atan2` to the page's
/// wasm); straight right when the points coincide, as `atan2(0, 0)` is.
fn direction(p: Point, q: Point) -> (f64, f64) {
    let (dx, dy) = (q.x - p.x, q.y - p.y);
    let len = math::hypot(dx, dy);
    if len > 0.0 {
        (dx / len, dy / len)
    } else {
        (1.0, 0.0)
    }
}

/// Where a raised bird's ballot mark for `peer` goes, and its radius.
fn ballot_spot(scene: &Scene, id: NodeId, peer: usize, r: f64) -> (Point, f64) {
    let p = scene.positions[id as usize];
    let q = scene.positions[peer];
    let (cos, sin) = direction(p, q);
    let m = Point::new(p.x + cos * r * 1.45, p.y + sin * r * 1.45);
    (m, (r * 0.17).clamp(3.0, 8.0))
}

/// The candidates' speech bubbles, drawn last and placed where they cover no
/// bird, ballot mark or message (see [`crate::view::labels`]).
fn draw_bubbles(pen: &Pen, scene: &Scene) {
    let sim = scene.sim;
    let r = scene.ring.node_radius;
    if r < 16.0 {
        return;
    }
    let raised: Vec<NodeId> = (0..sim.size())
        .filter(|&id| {
            sim.is_alive(id)
                && matches!(
                    sim.nodes()[id as usize].role(),
                    Role::Candidate | Role::PreCandidate
                )
        })
        .collect();
    if raised.is_empty() {
        return;
    }
    let mut obstacles: Vec<Obstacle> = scene
        .positions
        .iter()
        .map(|&at| Obstacle { at, r: r * 1.5 })
        .collect();
    // The names, outside the ring, away from its centre (roughly where
    // `draw_node` writes them).
    let c = scene.ring.center;
    let fs = (r * 0.42).clamp(10.0, 18.0) * scene.text_scale;
    for &p in scene.positions {
        let d = c.distance(p).max(1.0);
        let (ux, uy) = ((p.x - c.x) / d, (p.y - c.y) / d);
        for reach in [r * 1.2 + fs, r * 1.2 + fs * 2.5] {
            obstacles.push(Obstacle {
                at: Point::new(p.x + ux * reach, p.y + uy * reach),
                r: fs,
            });
        }
    }
    if scene.logs {
        for id in 0..sim.size() {
            let strip = log_strip(scene, id);
            let w = strip.width();
            for k in 0..4 {
                obstacles.push(Obstacle {
                    at: Point::new(
                        strip.origin.x + w * (0.125 + 0.25 * f64::from(k)),
                        strip.origin.y + strip.cell / 2.0,
                    ),
                    r: w / 8.0,
                });
            }
        }
    }
    for &id in &raised {
        for peer in 0..sim.size() as usize {
            if peer != id as usize {
                let (at, mr) = ballot_spot(scene, id, peer, r);
                obstacles.push(Obstacle { at, r: mr + 1.0 });
            }
        }
    }
    let size = message_size(&scene.ring, scene.text_scale);
    for m in sim.in_flight() {
        let at = message_position(scene.positions, &scene.ring, m, sim.now(), scene.text_scale);
        obstacles.push(Obstacle { at, r: size });
    }
    for id in raised {
        let text = if sim.nodes()[id as usize].role() == Role::Candidate {
            "Vote for me!"
        } else {
            "May I run?"
        };
        let p = scene.positions[id as usize];
        let (width, height) = bubble_size(pen, scene, text);
        let at = place_bubble(
            p,
            r * 1.25,
            (width, height),
            scene.ring.center,
            &obstacles,
            scene.size,
        );
        // Later bubbles keep clear of this one too.
        for dx in [-0.5, 0.0, 0.5] {
            obstacles.push(Obstacle {
                at: Point::new(at.x + dx * (width - height), at.y),
                r: height / 2.0,
            });
        }
        bubble(pen, scene, at, text);
    }
}

fn bubble_size(pen: &Pen, scene: &Scene, text: &str) -> (f64, f64) {
    let fs = 12.0 * scene.text_scale;
    pen.font(fs, "600");
    let width = pen
        .measure_text(text)
        .map(|m| m.width())
        .unwrap_or(fs * 6.0)
        + fs;
    (width, fs * 1.7)
}

fn bubble(pen: &Pen, scene: &Scene, at: Point, text: &str) {
    let fs = 12.0 * scene.text_scale;
    let (width, height) = bubble_size(pen, scene, text);
    pen.begin_path();
    let _ = pen.round_rect_with_f64(
        at.x - width / 2.0,
        at.y - height / 2.0,
        width,
        height,
        height / 2.0,
    );
    pen.fill(scene.theme.bubble);
    pen.stroke(scene.theme.gold, 1.5);
    pen.text(text, at, fs, "600", scene.theme.ink);
}

/// A duck in unit coordinates, facing left; `raised` lifts its head (a
/// candidate calling for votes); a dead duck lies on its back.
fn draw_duck(pen: &Pen, t: &Theme, p: Point, r: f64, alive: bool, raised: bool) {
    let c = pen;
    c.save();
    let _ = c.translate(p.x, p.y);
    let _ = c.scale(r, if alive { r } else { -r });
    let body = if alive { t.duck } else { t.dead };
    let wing = if alive { t.duck_wing } else { t.dead_wing };
    let beak = if alive { t.beak } else { t.dead_wing };
    if !alive {
        // Feet in the air.
        c.begin_path();
        c.move_to(-0.12, 0.5);
        c.line_to(-0.18, 0.86);
        c.move_to(0.22, 0.5);
        c.line_to(0.28, 0.86);
        pen.stroke(t.dead_wing, 0.07);
        pen.polygon(&[(-0.32, 0.9), (-0.18, 0.84), (-0.06, 0.92)]);
        pen.fill(t.dead_wing);
        pen.polygon(&[(0.14, 0.9), (0.28, 0.84), (0.4, 0.92)]);
        pen.fill(t.dead_wing);
    }
    let head = if raised { (-0.34, -0.48) } else { (-0.3, -0.3) };
    // Tail and body.
    pen.polygon(&[(0.5, 0.05), (0.8, -0.16), (0.62, 0.3)]);
    pen.fill(body);
    c.begin_path();
    pen.ellipse(0.05, 0.22, 0.62, 0.38, 0.0);
    pen.fill(body);
    c.begin_path();
    pen.ellipse(0.14, 0.16, 0.33, 0.17, -0.25);
    pen.fill(wing);
    // Neck, head, beak.
    c.begin_path();
    pen.ellipse(-0.22, head.1 * 0.45 + 0.02, 0.17, 0.26, 0.3);
    pen.fill(body);
    pen.circle(Point::new(head.0, head.1), 0.27);
    pen.fill(body);
    pen.polygon(&[
        (head.0 - 0.2, head.1 - 0.02),
        (head.0 - 0.52, head.1 + 0.06),
        (head.0 - 0.2, head.1 + 0.14),
    ]);
    pen.fill(beak);
    // The eye: a dot, or a cross on a dead duck.
    let eye = Point::new(head.0 - 0.04, head.1 - 0.06);
    if alive {
        pen.circle(eye, 0.055);
        pen.fill(EYE);
    } else {
        mark_with(pen, eye, 0.09, false, t.goose_neck, 0.05);
    }
    c.restore();
}

/// The goose: a Canada goose, black neck and white cheek strap, wearing a
/// crown (unless its lease ran out). Bigger and shaped differently from every
/// duck.
fn draw_goose(pen: &Pen, t: &Theme, p: Point, r: f64, crowned: bool) {
    let c = pen;
    c.save();
    let _ = c.translate(p.x, p.y);
    let _ = c.scale(r, r);
    pen.polygon(&[(0.62, 0.18), (0.9, 0.02), (0.8, 0.4)]);
    pen.fill(t.goose_neck);
    c.begin_path();
    pen.ellipse(0.16, 0.3, 0.6, 0.33, -0.05);
    pen.fill(t.goose);
    c.begin_path();
    pen.ellipse(0.26, 0.24, 0.32, 0.15, -0.2);
    pen.fill(t.goose_neck);
    // Neck: a thick curve up to the head.
    c.begin_path();
    c.move_to(-0.18, 0.18);
    c.quadratic_curve_to(-0.2, -0.25, -0.34, -0.5);
    pen.stroke(t.goose_neck, 0.2);
    c.begin_path();
    pen.ellipse(-0.4, -0.55, 0.19, 0.14, -0.15);
    pen.fill(t.goose_neck);
    c.begin_path();
    pen.ellipse(-0.34, -0.5, 0.08, 0.055, -0.15);
    pen.fill(t.goose_cheek);
    pen.polygon(&[(-0.56, -0.6), (-0.78, -0.54), (-0.56, -0.48)]);
    pen.fill(t.goose_neck);
    if !crowned {
        c.restore();
        return;
    }
    // The crown.
    pen.polygon(&[
        (-0.58, -0.72),
        (-0.6, -0.98),
        (-0.5, -0.84),
        (-0.4, -1.02),
        (-0.3, -0.84),
        (-0.2, -0.98),
        (-0.22, -0.72),
    ]);
    pen.fill(t.gold);
    c.restore();
}

/// The colour of an eye on a bird's body: dark in both themes.
const EYE: &str = "#1f2328";

/// The size of a drawn message: half its width.
fn message_size(ring: &Ring, text_scale: f64) -> f64 {
    (ring.node_radius * 0.34).clamp(5.0, 13.0) * text_scale.sqrt()
}

/// The radius within which a click selects a message.
pub fn message_hit_radius(ring: &Ring) -> f64 {
    message_size(ring, 1.0) * 1.8
}

/// Where message `m` is drawn at `now`: interpolated between its endpoints
/// by send and delivery time, and moved sideways into its lane.
pub fn message_position(
    positions: &[Point],
    ring: &Ring,
    m: &InFlight,
    now: u64,
    text_scale: f64,
) -> Point {
    let from = positions[m.from as usize];
    let to = positions[m.to as usize];
    let (ox, oy) = lane(
        from,
        to,
        message_size(ring, text_scale) * 0.7,
        m.from < m.to,
    );
    let p = from.lerp(to, progress(m, now));
    Point::new(p.x + ox, p.y + oy)
}

/// Side margin of the timeline strip, in CSS pixels.
const STRIP_PAD: f64 = 14.0;

fn strip_x(width: f64, end: Time, t: Time) -> f64 {
    let span = (width - 2.0 * STRIP_PAD).max(1.0);
    STRIP_PAD + span * (t as f64 / end.max(1) as f64)
}

/// The instant under `x` on a timeline strip `width` pixels wide.
pub fn timeline_time_at(width: f64, end: Time, x: f64) -> Time {
    let span = (width - 2.0 * STRIP_PAD).max(1.0);
    let f = ((x - STRIP_PAD) / span).clamp(0.0, 1.0);
    (f * end as f64).round() as Time
}

/// The marker within a few pixels of `x`, if any: its instant.
pub fn timeline_marker_near(width: f64, timeline: &Timeline, x: f64) -> Option<Time> {
    let end = timeline.end();
    timeline
        .markers()
        .iter()
        .map(|m| (m.t, (strip_x(width, end, m.t) - x).abs()))
        .filter(|&(_, d)| d <= 6.0)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(t, _)| t)
}

/// Paints the timeline strip: the run recorded so far, its markers
/// (elections, kills, partitions, violations) and the moment on view.
pub fn draw_timeline(ctx: &Ctx2d, size: (f64, f64), timeline: &Timeline, t: &Theme) {
    let pen = Pen::new(ctx);
    let (w, h) = size;
    let end = timeline.end();
    let now = timeline.sim().now();
    pen.paint(t.background);
    pen.fill_rect(0.0, 0.0, w, h);
    let mid = h * 0.42;
    // The recorded run.
    pen.line(Point::new(STRIP_PAD, mid), Point::new(w - STRIP_PAD, mid));
    pen.stroke(t.track, 8.0);
    pen.line(
        Point::new(STRIP_PAD, mid),
        Point::new(strip_x(w, end, now), mid),
    );
    pen.stroke(t.select, 8.0);
    // Markers, one tick each; colour and shape both tell the kind.
    let mut last_x = f64::NEG_INFINITY;
    for m in timeline.markers() {
        let x = strip_x(w, end, m.t);
        if (x - last_x).abs() < 1.5 && m.kind != MarkerKind::Violation {
            continue; // A crowd of markers shows as one.
        }
        last_x = x;
        match m.kind {
            MarkerKind::Elected => {
                pen.polygon(&[(x, mid - 9.0), (x + 4.0, mid - 4.0), (x - 4.0, mid - 4.0)]);
                pen.fill(t.gold);
            }
            MarkerKind::Killed => {
                mark(&pen, Point::new(x, mid + 10.0), 3.5, false, t.ink_soft);
            }
            MarkerKind::Partition => {
                pen.line(Point::new(x, mid - 7.0), Point::new(x, mid + 7.0));
                pen.stroke(t.wall, 3.0);
            }
            MarkerKind::Violation => {
                pen.line(Point::new(x, 2.0), Point::new(x, h - 12.0));
                pen.stroke(t.denied, 3.0);
            }
        }
    }
    // The moment on view.
    let x = strip_x(w, end, now);
    pen.circle(Point::new(x, mid), 7.0);
    pen.fill(t.plate);
    pen.circle(Point::new(x, mid), 7.0);
    pen.stroke(t.select, 3.0);
    pen.set_text_baseline("middle");
    pen.align("left");
    pen.text(
        "0",
        Point::new(STRIP_PAD - 4.0, h - 7.0),
        10.0,
        "500",
        t.ink_soft,
    );
    pen.align("right");
    pen.text(
        &crate::options::human_duration(end),
        Point::new(w - STRIP_PAD + 4.0, h - 7.0),
        10.0,
        "500",
        t.ink_soft,
    );
    pen.align("center");
}
