//! A bird's log as the page shows it (Raft §5.3, §5.4): the inspector's
//! summary (where the log ends, what is committed, and for the goose each
//! peer's nextIndex and matchIndex) and the log strip on the canvas — which
//! entries it shows and where it stands. `web/` only paints what this says.
//!
//! The strip shows the last [`STRIP_ENTRIES`] entries, oldest on the left,
//! on the side of the bird that faces the centre of the ring, since the
//! bird's name stands on the outer side.

use crate::log::{Index, Log};
use crate::message::node_name;
use crate::node::Node;
use std::f64::consts::PI;

use crate::view::layout::{self, Point, Ring};
use crate::view::math;

/// Up to this many birds, each strip stands straight above or below its
/// bird; with more, on the line from the bird to the ring's centre.
const FEW_BIRDS: u32 = 6;

/// How many entries (the last ones) a bird's strip shows.
pub const STRIP_ENTRIES: usize = 8;

/// Where a log ends and what of it is committed: "ends at index 5 (term 2);
/// committed up to 4" (Raft §5.3).
pub fn summary(log: &Log, commit: Index) -> String {
    let committed = match commit {
        0 => "nothing committed".to_string(),
        c => format!("committed up to {c}"),
    };
    match log.last_index() {
        0 => format!("empty; {committed}"),
        last => format!(
            "ends at index {last} (term {}); {committed}",
            log.last_term()
        ),
    }
}

/// For a leader, what it knows of each peer's log (Raft §5.3, Figure 2):
/// "n2 next 6, match 5 · n3 next 3, match 2 · …"; `None` for any other
/// node, whose nextIndex and matchIndex mean nothing.
pub fn replication(node: &Node) -> Option<String> {
    use std::fmt::Write;
    if !node.role().is_leader() {
        return None;
    }
    let mut text = String::new();
    for (id, (next, matched)) in node.next_index().iter().zip(node.match_index()).enumerate() {
        if id as u32 != node.id() {
            let sep = if text.is_empty() { "" } else { " · " };
            let _ = write!(
                text,
                "{sep}{} next {next}, match {matched}",
                node_name(id as u32)
            );
        }
    }
    Some(text)
}

/// The most the birds grow while the log strips are shown: the projector's
/// larger birds (×1.6, or even ×1.15) shrink the ring until eight readable
/// cells no longer fit between neighbours at 1024×768. The projector's
/// larger text stays.
pub const MOST_BIRD_SCALE: f64 = 1.0;

/// The bird scale the page uses for `scale` asked (see
/// [`Ring::fit_scaled`]), with the log strips shown or not.
pub fn bird_scale(scale: f64, logs: bool) -> f64 {
    if logs {
        scale.min(MOST_BIRD_SCALE)
    } else {
        scale
    }
}

/// How far from a bird's centre its log strip must stay: clear of its timer
/// ring (a bird of radius `bird_r`), of a duck's lease arc (the ring's birds
/// are `node_r`) and of its term badge, whose text grows with `text_scale`
/// (the projector's large text).
pub fn clearance(bird_r: f64, node_r: f64, text_scale: f64) -> f64 {
    let (badge, badge_r) = layout::badge(Point::new(0.0, 0.0), bird_r, text_scale);
    (bird_r * 1.2)
        .max(layout::lease_radius(node_r) + 3.0)
        .max(badge.distance(Point::new(0.0, 0.0)) + badge_r + 2.0)
}

/// Where one bird's log strip stands and which entries it shows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Strip {
    /// The top left corner of the first cell.
    pub origin: Point,
    /// The side of one cell, in CSS pixels.
    pub cell: f64,
    /// From one cell's left edge to the next one's.
    pub step: f64,
    /// The index of the first entry shown (the oldest of the last few).
    pub first: Index,
    /// The index of the last entry shown, 0 for an empty log.
    pub last: Index,
}

impl Strip {
    /// The strip for a bird at `p` whose drawing reaches `ring_r` from its
    /// centre, on a ring of `ring` with `size` birds, with a log that ends
    /// at `last`. It stands just clear of the bird, towards the ring's
    /// centre, and is never wider than most of the room between two
    /// neighbours.
    pub fn new(p: Point, ring_r: f64, ring: &Ring, size: u32, last: Index) -> Strip {
        let slots = STRIP_ENTRIES as f64 * 1.25;
        // A few birds leave room above or below each one, on the centre's
        // side; more birds crowd that room, and their strips point straight
        // at the centre instead.
        let radial = size > FEW_BIRDS;
        // Narrow enough for the room between neighbours' strips (their rays
        // to the centre close in: the chord just inside the birds), and, on
        // the rays, for the strips of birds facing each other to stay clear
        // of the ring's middle. max/min, not clamp (see Ring::fit_scaled).
        let chord = 2.0 * math::sin(PI / f64::from(size.max(2)));
        // The largest cell: 11 px, more for the projector's larger birds.
        let largest = (ring.node_radius * 0.3).max(11.0);
        let (beside, inward) = if radial {
            let inner = (ring.radius - ring_r - 11.0).max(0.0);
            (
                inner * chord * 0.85,
                (ring.radius * 0.8 - ring_r) / (slots + 0.6),
            )
        } else {
            // Above or below its bird, a strip has the room between its
            // neighbours: their distance less what their drawings take.
            ((ring.radius * chord - ring_r) * 0.85, largest)
        };
        let cell = (ring_r * 0.26)
            .min(largest)
            .min(beside / slots)
            .min(inward)
            .max(3.0);
        let step = cell * 1.25;
        let width = step * STRIP_ENTRIES as f64 - (step - cell);
        let c = ring.center;
        let d = c.distance(p);
        let (ux, uy) = if d < 1.0 {
            (0.0, 1.0)
        } else {
            ((c.x - p.x) / d, (c.y - p.y) / d)
        };
        // (A bird level with the centre has its strip below it.)
        let (ux, uy) = match (radial, uy < -0.2) {
            (true, _) => (ux, uy),
            (false, true) => (0.0, -1.0),
            (false, false) => (0.0, 1.0),
        };
        // Far enough along (ux, uy) that the strip's box clears the bird.
        let reach = ring_r + cell * 0.6 + ux.abs() * width / 2.0 + uy.abs() * cell / 2.0;
        Strip {
            origin: Point::new(
                p.x + ux * reach - width / 2.0,
                p.y + uy * reach - cell / 2.0,
            ),
            cell,
            step,
            first: last.saturating_sub(STRIP_ENTRIES as Index - 1).max(1),
            last,
        }
    }

    /// The entries shown, each with the left edge of its cell: `(index, x)`.
    pub fn cells(&self) -> impl Iterator<Item = (Index, f64)> + '_ {
        let count = (self.last + 1).saturating_sub(self.first);
        (0..count).map(move |k| (self.first + k, self.origin.x + k as f64 * self.step))
    }

    /// The x of the commit mark, just right of the last committed entry
    /// shown; at the strip's left edge when every entry shown is
    /// uncommitted; `None` when nothing at all is committed.
    pub fn commit_x(&self, commit: Index) -> Option<f64> {
        if commit == 0 || self.last == 0 {
            return None;
        }
        let shown = commit.clamp(self.first - 1, self.last) + 1 - self.first;
        let gap = self.step - self.cell;
        Some(self.origin.x + shown as f64 * self.step - gap / 2.0)
    }

    /// Where the last index is written, and whether it is right-aligned
    /// there: after the last cell shown, or, for a strip that stands left
    /// of its bird at `p`, before the first cell, away from the bird.
    pub fn label_at(&self, p: Point) -> (Point, bool) {
        let y = self.origin.y + self.cell / 2.0;
        if self.origin.x + self.width() < p.x {
            return (Point::new(self.origin.x - self.cell * 0.6, y), true);
        }
        let count = (self.last + 1).saturating_sub(self.first) as f64;
        let end = self.origin.x + count * self.step - (self.step - self.cell);
        (Point::new(end + self.cell * 0.8, y), false)
    }

    /// The width of all [`STRIP_ENTRIES`] cells.
    pub fn width(&self) -> f64 {
        self.step * STRIP_ENTRIES as f64 - (self.step - self.cell)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_says_where_the_log_ends_and_what_is_committed() {
        assert_eq!(summary(&Log::new(), 0), "empty; nothing committed");
        assert_eq!(
            summary(&Log::of_noops(&[1, 1, 2, 2, 2]), 4),
            "ends at index 5 (term 2); committed up to 4"
        );
    }

    /// §5.3: the goose's nextIndex and matchIndex, one pair per peer; a duck
    /// has none worth showing.
    #[test]
    fn only_a_leader_shows_next_and_match_index_for_each_peer() {
        use crate::sim::{Action, Cluster, Simulation};
        let mut sim = Simulation::new(Cluster {
            nodes: 5,
            seed: 1,
            options: crate::options::Options::default(),
        });
        sim.run_until(400_000);
        let goose = sim.goose().expect("a goose by 400ms");
        sim.apply(&Action::Request(2)).unwrap();
        sim.run_until(500_000);
        let g = &sim.nodes()[goose as usize];
        let text = replication(g).expect("the goose shows its peers");
        assert_eq!(text.matches("next").count(), 4, "{text}");
        assert!(
            !text.contains(&format!("{} next", node_name(goose))),
            "{text}"
        );
        let last = g.log().last_index();
        assert!(
            text.contains(&format!("next {}, match {last}", last + 1)),
            "a caught-up peer: {text}"
        );
        let duck = &sim.nodes()[((goose + 1) % 5) as usize];
        assert_eq!(replication(duck), None);
    }

    const RING: Ring = Ring {
        center: Point::new(400.0, 300.0),
        radius: 200.0,
        node_radius: 30.0,
    };

    #[test]
    fn the_strip_shows_the_last_entries_oldest_first() {
        let p = Point::new(400.0, 100.0);
        let s = Strip::new(p, 36.0, &RING, 5, 12);
        let cells: Vec<_> = s.cells().collect();
        assert_eq!(cells.len(), STRIP_ENTRIES);
        assert_eq!(cells[0].0, 5);
        assert_eq!(cells[STRIP_ENTRIES - 1].0, 12);
        assert!(cells
            .windows(2)
            .all(|w| (w[1].1 - w[0].1 - s.step).abs() < 1e-9));
        let short = Strip::new(p, 36.0, &RING, 5, 3);
        assert_eq!(short.cells().map(|c| c.0).collect::<Vec<_>>(), [1, 2, 3]);
        let empty = Strip::new(p, 36.0, &RING, 5, 0);
        assert_eq!(empty.cells().count(), 0);
        assert_eq!(empty.commit_x(0), None);
    }

    /// The strips of `size` birds on `ring`, each kept `ring_r` clear of its
    /// bird: towards the centre, clear of every bird and of each other,
    /// narrower than the room between neighbours, and at least `min_cell`.
    fn check_strips(ring: &Ring, ring_r: f64, size: u32, min_cell: f64, case: &str) {
        let at = |k: u32| ring.at(2.0 * PI * f64::from(k) / f64::from(size), 1.0);
        let strips: Vec<Strip> = (0..size)
            .map(|k| Strip::new(at(k), ring_r, ring, size, 20))
            .collect();
        let spacing = 2.0 * ring.radius * (PI / f64::from(size)).sin();
        for (k, a) in strips.iter().enumerate() {
            assert!(a.cell >= min_cell, "{case}: cells of {:.1} px", a.cell);
            for (j, b) in strips.iter().enumerate().skip(k + 1) {
                let apart = a.origin.x + a.width() < b.origin.x
                    || b.origin.x + b.width() < a.origin.x
                    || a.origin.y + a.cell < b.origin.y
                    || b.origin.y + b.cell < a.origin.y;
                assert!(apart, "{case}: the strips of birds {k} and {j} overlap");
            }
            for j in 0..size {
                let p = at(j);
                let nx = p.x.clamp(a.origin.x, a.origin.x + a.width());
                let ny = p.y.clamp(a.origin.y, a.origin.y + a.cell);
                assert!(
                    p.distance(Point::new(nx, ny)) > ring_r,
                    "{case}: bird {k}'s strip touches bird {j}"
                );
            }
            let p = at(k as u32);
            let mid = Point::new(a.origin.x + a.width() / 2.0, a.origin.y + a.cell / 2.0);
            // (A bird level with the centre has its strip below it.)
            let level = (p.y - ring.center.y).abs() < ring_r;
            assert!(
                mid.distance(ring.center) < p.distance(ring.center) || (level && mid.y > p.y),
                "{case}, bird {k}: towards the centre"
            );
            assert!(a.width() < spacing, "{case}: too wide");
        }
    }

    /// All around the ring, from 3 to 15 birds: the strip lies towards the
    /// centre, clear of its bird and of every other bird and strip, and
    /// narrower than the room between neighbours.
    #[test]
    fn the_strip_faces_the_centre_clear_of_the_birds_and_the_other_strips() {
        for (w, h) in [
            (788.0, 455.0),
            (788.0, 360.0),
            (1200.0, 800.0),
            (400.0, 400.0),
        ] {
            for size in [3_u32, 4, 5, 6, 7, 9, 11, 15] {
                let ring = Ring::fit(w, h, size);
                // About what the page keeps clear: a goose's ring, a lease.
                let ring_r = ring.node_radius * 1.6;
                check_strips(
                    &ring,
                    ring_r,
                    size,
                    3.0,
                    &format!("{size} birds on {w}x{h}"),
                );
            }
        }
    }

    /// The projector at 1024×768 (its canvas 976×416) and 1280×720: larger
    /// birds and text, so a smaller ring. The strip must keep clear of each
    /// bird's term badge, whose text grows with the projector's, and stay
    /// readable. (It was 3 px cells over the badges: the birds kept the
    /// projector's full size, and the room measured ignored the badge.)
    #[test]
    fn in_projector_mode_the_strip_is_readable_and_clear_of_the_badges() {
        for (w, h) in [
            (976.0, 416.0),
            (1232.0, 380.0),
            (788.0, 455.0),
            (620.0, 400.0),
        ] {
            for (scale, text_scale) in [(1.0, 1.0), (1.3, 1.2), (1.6, 1.45)] {
                for size in [3_u32, 5, 7, 9, 15] {
                    let ring = Ring::fit_scaled(w, h, size, bird_scale(scale, true));
                    let ring_r = clearance(ring.node_radius * 1.18, ring.node_radius, text_scale);
                    let min_cell = if size <= FEW_BIRDS { 6.0 } else { 3.0 };
                    let case = format!("{size} birds on {w}x{h}, birds ×{scale}");
                    check_strips(&ring, ring_r, size, min_cell, &case);
                }
            }
        }
        assert_eq!(
            bird_scale(1.6, false),
            1.6,
            "without strips, the birds grow"
        );
    }

    #[test]
    fn the_last_index_is_written_away_from_the_bird() {
        for size in [5_u32, 15] {
            for k in 0..size {
                let p = RING.at(2.0 * PI * f64::from(k) / f64::from(size), 1.0);
                let s = Strip::new(p, 36.0, &RING, size, 20);
                let (at, right) = s.label_at(p);
                // The text runs 20 px from its anchor, leftwards if right-aligned.
                let (x0, x1) = if right {
                    (at.x - 20.0, at.x)
                } else {
                    (at.x, at.x + 20.0)
                };
                let nearest = Point::new(p.x.clamp(x0, x1), at.y);
                assert!(
                    p.distance(nearest) > 36.0,
                    "{size} birds, bird {k}: the label runs into the bird"
                );
            }
        }
        let s = Strip::new(Point::new(400.0, 100.0), 36.0, &RING, 5, 3);
        let (at, right) = s.label_at(Point::new(400.0, 100.0));
        assert!(!right);
        assert!((at.x - (s.origin.x + 2.0 * s.step + s.cell + s.cell * 0.8)).abs() < 1e-9);
    }

    /// §5.3: the mark stands just after the last committed entry shown.
    #[test]
    fn the_commit_mark_follows_the_commit_index() {
        let s = Strip::new(Point::new(400.0, 100.0), 36.0, &RING, 5, 12);
        let edge = |k: f64| s.origin.x + k * s.step - (s.step - s.cell) / 2.0;
        assert_eq!(s.commit_x(0), None, "nothing committed");
        assert_eq!(s.commit_x(3), Some(edge(0.0)), "all shown are uncommitted");
        assert_eq!(s.commit_x(4), Some(edge(0.0)));
        assert_eq!(s.commit_x(5), Some(edge(1.0)));
        assert_eq!(s.commit_x(12), Some(edge(8.0)), "all committed");
    }
}
