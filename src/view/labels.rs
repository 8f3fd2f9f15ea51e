//! Where a speech bubble goes ("Vote for me!", "May I run?") so that it
//! covers nothing the class must read: no bird, no ballot mark, no message
//! in flight. The canvas passes what it draws as round obstacles; the bubble
//! tries places around its bird, nearest first, and takes the first that
//! covers nothing (or, on a crowded canvas, the one that covers least).

use std::f64::consts::TAU;

use super::layout::Point;
use super::math;

/// Something drawn that a bubble must not cover: a disc.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Obstacle {
    /// Its centre.
    pub at: Point,
    /// Its radius.
    pub r: f64,
}

/// How many directions around the bird a bubble tries.
const DIRECTIONS: usize = 16;

/// How much of the disc `o` the box centred at `c` of half-size `(hw, hh)`
/// covers, roughly: how deep the disc reaches into the box (0 if apart).
fn overlap(c: Point, hw: f64, hh: f64, o: &Obstacle) -> f64 {
    let dx = ((o.at.x - c.x).abs() - hw).max(0.0);
    let dy = ((o.at.y - c.y).abs() - hh).max(0.0);
    (o.r - super::math::hypot(dx, dy)).max(0.0)
}

/// The centre for a bubble of `size` (width, height) belonging to the bird
/// at `bird` whose drawing (marks included) reaches `reach` from its centre,
/// on a canvas of `bounds`, covering none of `obstacles` if it can. It
/// prefers `towards` (the ring's centre, where there is usually room) and
/// then the directions nearest to it; then a little further out.
pub fn place_bubble(
    bird: Point,
    reach: f64,
    size: (f64, f64),
    towards: Point,
    obstacles: &[Obstacle],
    bounds: (f64, f64),
) -> Point {
    let (hw, hh) = (size.0 / 2.0, size.1 / 2.0);
    let preferred = math::atan2(towards.y - bird.y, towards.x - bird.x);
    let mut best = (f64::INFINITY, bird);
    for ring in 0..3 {
        for i in 0..DIRECTIONS {
            // 0, +1, -1, +2, -2, …: nearest to the preferred direction first.
            let k = i.div_ceil(2);
            let sign = if i % 2 == 1 { 1.0 } else { -1.0 };
            let angle = preferred + sign * k as f64 * TAU / DIRECTIONS as f64;
            let (ux, uy) = (math::cos(angle), math::sin(angle));
            // Far enough that the box clears the bird's own reach.
            let clear = hw * ux.abs() + hh * uy.abs();
            let d = reach + clear + 2.0 + ring as f64 * hh;
            let c = Point::new(bird.x + ux * d, bird.y + uy * d);
            let outside = (hw - c.x).max(0.0)
                + (c.x + hw - bounds.0).max(0.0)
                + (hh - c.y).max(0.0)
                + (c.y + hh - bounds.1).max(0.0);
            let covered: f64 = obstacles.iter().map(|o| overlap(c, hw, hh, o)).sum();
            let cost = covered + outside * 4.0;
            if cost == 0.0 {
                return c;
            }
            if cost < best.0 {
                best = (cost, c);
            }
        }
    }
    best.1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn covers(c: Point, size: (f64, f64), o: &Obstacle) -> bool {
        overlap(c, size.0 / 2.0, size.1 / 2.0, o) > 0.0
    }

    #[test]
    fn with_room_towards_the_centre_the_bubble_goes_there() {
        let bird = Point::new(100.0, 300.0);
        let c = place_bubble(
            bird,
            40.0,
            (80.0, 20.0),
            Point::new(300.0, 300.0),
            &[],
            (600.0, 600.0),
        );
        assert!(c.x > bird.x + 40.0 && (c.y - bird.y).abs() < 1.0, "{c:?}");
    }

    #[test]
    fn the_bubble_covers_no_ballot_mark_bird_or_message_when_there_is_room() {
        // Lesson 3, step 4: the mark n4 gave n2 faces the centre, where the
        // bubble used to go.
        let bird = Point::new(300.0, 100.0);
        let size = (90.0, 20.0);
        let obstacles = [
            Obstacle {
                at: Point::new(300.0, 160.0),
                r: 8.0,
            }, // ✔ facing the centre
            Obstacle {
                at: Point::new(300.0, 200.0),
                r: 10.0,
            }, // a message in flight
            Obstacle {
                at: Point::new(330.0, 150.0),
                r: 8.0,
            }, // ✖
            Obstacle {
                at: Point::new(500.0, 300.0),
                r: 45.0,
            }, // another bird
            Obstacle {
                at: Point::new(300.0, 500.0),
                r: 45.0,
            },
        ];
        let c = place_bubble(
            bird,
            50.0,
            size,
            Point::new(300.0, 300.0),
            &obstacles,
            (600.0, 600.0),
        );
        for o in &obstacles {
            assert!(!covers(c, size, o), "{c:?} covers {o:?}");
        }
        assert!(c.distance(bird) > 50.0, "clear of its own bird: {c:?}");
        assert!(
            c.x - 45.0 >= 0.0 && c.x + 45.0 <= 600.0 && c.y - 10.0 >= 0.0,
            "{c:?}"
        );
    }

    #[test]
    fn a_crowded_canvas_still_gets_a_place_on_screen() {
        let bird = Point::new(50.0, 50.0);
        let everywhere: Vec<Obstacle> = (0..100)
            .map(|i| Obstacle {
                at: Point::new((i % 10) as f64 * 10.0, (i / 10) as f64 * 10.0),
                r: 9.0,
            })
            .collect();
        let c = place_bubble(
            bird,
            20.0,
            (40.0, 12.0),
            Point::new(300.0, 300.0),
            &everywhere,
            (100.0, 100.0),
        );
        assert!(c.x.is_finite() && c.y.is_finite());
    }
}
