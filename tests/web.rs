//! Browser tests (wasm-bindgen-test in headless Chromium): the wasm build
//! replays a seeded run exactly as the native build does, and the canvas
//! draws what the model says — the goose where it stands, a message between
//! its endpoints at the position its send and delivery times give.
//!
//! Run with `CHROMEDRIVER=/usr/bin/chromedriver wasm-pack test --headless --chrome -- --test web`
//! (the README's test command does it).
#![cfg(target_arch = "wasm32")]

use duckduckgoose::options::{Options, MS};
use duckduckgoose::sim::{Cluster, Simulation};
use duckduckgoose::view::layout::{arrange, progress, Point, Ring};
use duckduckgoose::web::draw::{draw, log_strip, message_position, Scene, Sprites};
use duckduckgoose::web::theme::{term_colour, LIGHT};
use duckduckgoose::{run_script, Kind};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

wasm_bindgen_test_configure!(run_in_browser);

const SCENARIO: &str = include_str!("traces/determinism.ddg");
const EXPECTED: &str = include_str!("traces/determinism.trace");

#[wasm_bindgen_test]
fn the_same_seed_gives_the_same_trace_in_wasm_as_natively() {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = run_script(SCENARIO, 0, true, &mut out, &mut err);
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
    let actual = String::from_utf8(out).expect("utf-8");
    for (i, (a, e)) in actual.lines().zip(EXPECTED.lines()).enumerate() {
        assert_eq!(
            a,
            e,
            "line {} of the wasm trace differs from the native one",
            i + 1
        );
    }
    assert_eq!(actual.lines().count(), EXPECTED.lines().count());
}

const SIZE: f64 = 400.0;

fn canvas() -> CanvasRenderingContext2d {
    let doc = web_sys::window().unwrap().document().unwrap();
    let canvas: HtmlCanvasElement = doc.create_element("canvas").unwrap().dyn_into().unwrap();
    canvas.set_width(SIZE as u32);
    canvas.set_height(SIZE as u32);
    canvas
        .get_context("2d")
        .unwrap()
        .unwrap()
        .dyn_into()
        .unwrap()
}

struct Drawn {
    ctx: CanvasRenderingContext2d,
    positions: Vec<Point>,
    ring: Ring,
    walls: Vec<f64>,
    logs: bool,
}

impl Drawn {
    /// The scene it drew: the light theme at `SIZE`, nothing selected.
    fn scene<'a>(&'a self, sim: &'a Simulation) -> Scene<'a> {
        Scene {
            sim,
            positions: &self.positions,
            ring: self.ring,
            walls: &self.walls,
            theme: &LIGHT,
            text_scale: 1.0,
            selected_node: None,
            selected_message: None,
            cut: None,
            size: (SIZE, SIZE),
            reduced_motion: false,
            words: Default::default(),
            logs: self.logs,
            standing: &[],
        }
    }
}

/// Lays the cluster out on a fresh canvas and draws it once, with the log
/// strips if `logs`.
fn paint(sim: &Simulation, logs: bool) -> Drawn {
    let arrangement = arrange(sim.size(), sim.network(), &[]);
    let ring = Ring::fit(SIZE, SIZE, arrangement.slots);
    let drawn = Drawn {
        ctx: canvas(),
        positions: arrangement
            .angles
            .iter()
            .map(|&a| ring.at(a, 1.0))
            .collect(),
        ring,
        walls: arrangement.walls,
        logs,
    };
    draw(&drawn.ctx, &drawn.scene(sim), &mut Sprites::new(1.0));
    drawn
}

fn rgb(hex: &str) -> [u8; 3] {
    let v = u32::from_str_radix(hex.trim_start_matches('#'), 16).unwrap();
    [(v >> 16) as u8, (v >> 8) as u8, v as u8]
}

fn pixel(ctx: &CanvasRenderingContext2d, p: Point) -> [u8; 3] {
    let data = ctx
        .get_image_data(p.x.round(), p.y.round(), 1.0, 1.0)
        .unwrap()
        .data();
    [data[0], data[1], data[2]]
}

fn near(actual: [u8; 3], hex: &str) -> bool {
    let want = rgb(hex);
    actual
        .iter()
        .zip(want)
        .all(|(&a, w)| (i16::from(a) - i16::from(w)).abs() <= 40)
}

#[wasm_bindgen_test]
fn the_goose_is_drawn_where_it_stands_and_ducks_where_they_stand() {
    let mut sim = Simulation::new(Cluster {
        nodes: 3,
        seed: 7,
        options: Options::default(),
    });
    sim.run_until(1000 * MS);
    let goose = sim.goose().expect("a goose after a second");
    let d = paint(&sim, false);
    let r0 = d.ring.node_radius;
    for id in 0..3 {
        let p = d.positions[id as usize];
        if id == goose {
            let r = r0 * 1.18;
            let crown = Point::new(p.x - 0.4 * r, p.y - 0.86 * r);
            let head = Point::new(p.x - 0.42 * r, p.y - 0.57 * r);
            assert!(
                near(pixel(&d.ctx, crown), LIGHT.gold),
                "crown at {crown:?}: {:?}",
                pixel(&d.ctx, crown)
            );
            assert!(
                near(pixel(&d.ctx, head), LIGHT.goose_neck),
                "goose head at {head:?}"
            );
        } else {
            let head = Point::new(p.x - 0.27 * r0, p.y - 0.26 * r0);
            assert!(
                near(pixel(&d.ctx, head), LIGHT.duck),
                "duck n{} head at {head:?}: {:?}",
                id + 1,
                pixel(&d.ctx, head)
            );
            let crown = Point::new(p.x - 0.4 * r0, p.y - 0.86 * r0);
            assert!(
                !near(pixel(&d.ctx, crown), LIGHT.gold),
                "a duck wears no crown"
            );
        }
    }
}

#[wasm_bindgen_test]
fn a_message_in_flight_is_drawn_between_its_endpoints_at_the_interpolated_position() {
    let mut sim = Simulation::new(Cluster {
        nodes: 2,
        seed: 11,
        options: Options::default(),
    });
    sim.run_until(1000 * MS);
    assert!(sim.goose().is_some(), "two nodes elect a goose");
    // Step to a moment when a heartbeat alone is in flight, near mid-way.
    let found = (0..10_000).find(|_| {
        sim.run_until(sim.now() + 100);
        let flights: Vec<_> = sim.in_flight().collect();
        flights.len() == 1
            && flights[0].msg.kind() == Kind::Heartbeat
            && (0.4..0.6).contains(&progress(flights[0], sim.now()))
    });
    assert!(found.is_some(), "a lone heartbeat half-way");
    let m = sim.in_flight().next().unwrap().clone();
    let d = paint(&sim, false);
    let at = message_position(&d.positions, &d.ring, &m, sim.now(), 1.0);
    // The message lies between its endpoints, at the interpolated fraction.
    let (from, to) = (d.positions[m.from as usize], d.positions[m.to as usize]);
    let f = progress(&m, sim.now());
    let on_line = from.lerp(to, f);
    assert!(at.distance(on_line) < 10.0, "{at:?} is near {on_line:?}");
    let colour = term_colour(m.msg.term);
    let heart = Point::new(at.x, at.y + 1.0);
    assert!(
        near(pixel(&d.ctx, heart), colour),
        "heart at {heart:?}: {:?}",
        pixel(&d.ctx, heart)
    );
    // Nothing is drawn a quarter of the way further along.
    let elsewhere = from.lerp(to, (f + 0.25).min(0.85));
    let shift = Point::new(
        elsewhere.x + (at.x - on_line.x),
        elsewhere.y + (at.y - on_line.y),
    );
    assert!(
        near(pixel(&d.ctx, shift), LIGHT.background),
        "background at {shift:?}"
    );
}

/// Raft §5.3 on the canvas: a bird's log strip fills its committed entries
/// with their term's colour and only outlines the others, with the commit
/// bar after the last committed one.
#[wasm_bindgen_test]
fn the_log_strip_fills_committed_entries_and_outlines_the_rest() {
    let mut sim = Simulation::new(Cluster {
        nodes: 5,
        seed: 1,
        options: Options::default(),
    });
    sim.run_until(400 * MS);
    let goose = sim.goose().expect("a goose by 400ms");
    // Three requests just appended: on the goose only, not committed yet.
    sim.apply(&duckduckgoose::Action::Request(3)).unwrap();
    let g = &sim.nodes()[goose as usize];
    assert_eq!((g.log().last_index(), g.commit()), (4, 1));
    let d = paint(&sim, true);
    let ctx = d.ctx.clone();
    let strip = log_strip(&d.scene(&sim), goose);
    let cells: Vec<_> = strip.cells().collect();
    assert_eq!(cells.iter().map(|c| c.0).collect::<Vec<_>>(), [1, 2, 3, 4]);
    let centre = |x: f64| Point::new(x + strip.cell / 2.0, strip.origin.y + strip.cell / 2.0);
    let term = term_colour(g.term());
    assert!(
        near(pixel(&ctx, centre(cells[0].1)), term),
        "the committed no-op is filled: {:?}",
        pixel(&ctx, centre(cells[0].1))
    );
    for &(index, x) in &cells[1..] {
        let inside = pixel(&ctx, centre(x));
        assert!(
            near(inside, LIGHT.plate) && !near(inside, term),
            "entry {index} is only outlined: {inside:?}"
        );
        // The 1.5 px outline on the cell's left edge covers most of one of
        // the pixels around it: that one is nearer the term's colour than
        // the plate's.
        let y = strip.origin.y + strip.cell / 2.0;
        let distance = |a: [u8; 3], hex: &str| -> i32 {
            a.iter()
                .zip(rgb(hex))
                .map(|(&a, b)| (i32::from(a) - i32::from(b)).abs())
                .sum()
        };
        let outline = [-1.0, 0.0, 1.0]
            .iter()
            .map(|d| pixel(&ctx, Point::new(x.floor() + d, y)))
            .min_by_key(|&p| distance(p, term))
            .unwrap();
        assert!(
            distance(outline, term) < distance(outline, LIGHT.plate),
            "entry {index}'s outline: {outline:?}"
        );
    }
    let bar = strip.commit_x(g.commit()).expect("a commit bar");
    assert!(
        near(
            pixel(
                &ctx,
                Point::new(bar.floor(), strip.origin.y - strip.cell * 0.2)
            ),
            LIGHT.ink
        ),
        "the commit bar after entry 1"
    );
}
