//! Where things stand on the canvas: nodes on a ring, split into islands when
//! the network is partitioned, and messages placed between their endpoints by
//! interpolating between send time and delivery time (RaftScope's idea).
//!
//! Pure geometry, no browser: the page draws what this computes, and native
//! tests check it.

use std::f64::consts::{PI, TAU};

use crate::message::NodeId;
use crate::options::Time;
use crate::sim::network::{InFlight, Network};

/// A point in CSS pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    /// Rightwards.
    pub x: f64,
    /// Downwards.
    pub y: f64,
}

impl Point {
    /// The point at `(x, y)`.
    pub const fn new(x: f64, y: f64) -> Point {
        Point { x, y }
    }
    /// The point a fraction `f` of the way from `self` to `to`.
    pub fn lerp(self, to: Point, f: f64) -> Point {
        Point::new(self.x + (to.x - self.x) * f, self.y + (to.y - self.y) * f)
    }
    /// Distance to `other`.
    pub fn distance(self, other: Point) -> f64 {
        (self.x - other.x).hypot(self.y - other.y)
    }
}

/// The ring the nodes sit on, for a canvas of a given size.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ring {
    /// The ring's centre.
    pub center: Point,
    /// The ring's radius.
    pub radius: f64,
    /// The radius of one node's drawing.
    pub node_radius: f64,
}

impl Ring {
    /// The ring for `slots` places (nodes, plus walls when split) on a
    /// `width` × `height` canvas.
    pub fn fit(width: f64, height: f64, slots: u32) -> Ring {
        let nodes = slots;
        let center = Point::new(width / 2.0, height / 2.0);
        let half = (width.min(height) / 2.0).max(1.0);
        let n = f64::from(nodes.max(1));
        // A node's size: what fits between neighbours, within sane bounds.
        let node_radius = if nodes <= 1 {
            half * 0.22
        } else {
            (half * 0.78 * (PI / n).sin() * 0.62).min(half * 0.14)
        }
        .clamp(5.0, 52.0);
        let radius = if nodes <= 1 {
            0.0
        } else {
            (half - node_radius * 2.3).max(half * 0.4)
        };
        Ring {
            center,
            radius,
            node_radius,
        }
    }

    /// The point at `angle` (radians, 0 at the top, clockwise) and `scale`
    /// times the radius.
    pub fn at(&self, angle: f64, scale: f64) -> Point {
        Point::new(
            self.center.x + self.radius * scale * angle.sin(),
            self.center.y - self.radius * scale * angle.cos(),
        )
    }
}

/// Where every node goes and where the walls between islands stand.
#[derive(Clone, Debug, PartialEq)]
pub struct Arrangement {
    /// Each node's angle on the ring, by node id.
    pub angles: Vec<f64>,
    /// The angles of the walls between islands (none when whole).
    pub walls: Vec<f64>,
    /// Places on the ring: one per node, one per wall.
    pub slots: u32,
}

/// Arranges `size` nodes on the ring: in id order, `n1` at the top, going
/// clockwise; when the network is split, each island (partition group, or an
/// isolated node alone) is kept together with an empty slot — a wall —
/// between islands.
pub fn arrange(size: u32, net: &Network) -> Arrangement {
    let island = |n: NodeId| -> u64 {
        if net.is_isolated(n) {
            (1 << 32) + u64::from(n)
        } else {
            u64::from(net.groups()[n as usize])
        }
    };
    // Islands in order of their first member.
    let mut order: Vec<u64> = Vec::new();
    for n in 0..size {
        let key = island(n);
        if !order.contains(&key) {
            order.push(key);
        }
    }
    let gaps = if order.len() > 1 { order.len() } else { 0 };
    let slots = f64::from(size) + gaps as f64;
    let step = TAU / slots.max(1.0);
    let mut angles = vec![0.0; size as usize];
    let mut walls = Vec::new();
    let mut slot = 0.0;
    for key in &order {
        for n in (0..size).filter(|&n| island(n) == *key) {
            angles[n as usize] = slot * step;
            slot += 1.0;
        }
        if gaps > 0 {
            walls.push(slot * step);
            slot += 1.0;
        }
    }
    // Centre the first island on the top when split, so the picture is calm.
    if gaps > 0 {
        let first = order[0];
        let members = (0..size).filter(|&n| island(n) == first).count() as f64;
        let shift = (members - 1.0) * step / 2.0;
        for a in angles.iter_mut().chain(walls.iter_mut()) {
            *a -= shift;
        }
    }
    Arrangement {
        angles,
        walls,
        slots: slots as u32,
    }
}

/// How far along its path a message is at `now`: 0 at the sender, 1 at the
/// receiver.
pub fn progress(m: &InFlight, now: Time) -> f64 {
    if m.arrives <= m.sent {
        return 1.0;
    }
    let f = now.saturating_sub(m.sent) as f64 / (m.arrives - m.sent) as f64;
    f.clamp(0.0, 1.0)
}

/// How visible a message is at `now`: 1, fading to 0 as a message that will
/// be lost approaches the instant it vanishes.
pub fn opacity(m: &InFlight, now: Time) -> f64 {
    match m.lost {
        None => 1.0,
        Some((at, _)) => {
            let life = at.saturating_sub(m.sent).max(1) as f64;
            let left = at.saturating_sub(now) as f64 / life;
            (left / 0.4).clamp(0.0, 1.0)
        }
    }
}

/// The groups a cut along the line through `a` and `b` makes of the nodes at
/// `positions`: those on one side and those on the other. `None` when one
/// side is empty.
pub fn cut(positions: &[Point], a: Point, b: Point) -> Option<(Vec<NodeId>, Vec<NodeId>)> {
    if a.distance(b) < 1.0 {
        return None;
    }
    let (mut left, mut right) = (Vec::new(), Vec::new());
    for (i, p) in positions.iter().enumerate() {
        let cross = (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x);
        if cross < 0.0 {
            left.push(i as NodeId);
        } else {
            right.push(i as NodeId);
        }
    }
    (!left.is_empty() && !right.is_empty()).then_some((left, right))
}

/// The node whose drawing contains `p`, if any.
pub fn node_at(positions: &[Point], radius: f64, p: Point) -> Option<NodeId> {
    positions
        .iter()
        .enumerate()
        .filter(|(_, q)| q.distance(p) <= radius * 1.15)
        .min_by(|(_, a), (_, b)| a.distance(p).total_cmp(&b.distance(p)))
        .map(|(i, _)| i as NodeId)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{Body, Message};

    #[test]
    fn a_whole_cluster_sits_evenly_from_the_top_clockwise() {
        let net = Network::new(4);
        let a = arrange(4, &net);
        assert_eq!(a.angles, vec![0.0, PI / 2.0, PI, 3.0 * PI / 2.0]);
        assert!(a.walls.is_empty());
        let ring = Ring::fit(400.0, 400.0, 4);
        let top = ring.at(a.angles[0], 1.0);
        assert!((top.x - 200.0).abs() < 1e-9 && top.y < 200.0);
        let right = ring.at(a.angles[1], 1.0);
        assert!(right.x > 200.0 && (right.y - 200.0).abs() < 1e-9);
    }

    #[test]
    fn a_partition_keeps_islands_together_with_walls_between() {
        let mut net = Network::new(5);
        net.partition(&[vec![0, 3]]);
        let a = arrange(5, &net);
        assert_eq!(a.walls.len(), 2);
        let step = TAU / 7.0;
        // n1 and n4 are neighbours; n2, n3, n5 follow after a wall.
        assert!((a.angles[3] - a.angles[0] - step).abs() < 1e-9);
        assert!((a.angles[2] - a.angles[1] - step).abs() < 1e-9);
        assert!((a.angles[4] - a.angles[2] - step).abs() < 1e-9);
        assert!((a.angles[1] - a.angles[3] - 2.0 * step).abs() < 1e-9);
        assert!(a.walls[0] > a.angles[3] && a.walls[0] < a.angles[1]);
    }

    #[test]
    fn messages_are_placed_by_interpolating_send_and_delivery_times() {
        let m = InFlight {
            id: 1,
            from: 0,
            to: 1,
            msg: Message {
                term: 1,
                body: Body::AppendEntries {
                    lease: None,
                    prev_index: 0,
                    prev_term: 0,
                    entries: Vec::new(),
                    commit: 0,
                },
            },
            sent: 1000,
            arrives: 3000,
            lost: None,
        };
        assert_eq!(progress(&m, 1000), 0.0);
        assert_eq!(progress(&m, 1500), 0.25);
        assert_eq!(progress(&m, 9000), 1.0);
        let p = Point::new(0.0, 0.0).lerp(Point::new(100.0, 40.0), progress(&m, 2000));
        assert_eq!(p, Point::new(50.0, 20.0));
        let lost = InFlight {
            lost: Some((2000, crate::sim::network::LossCause::Loss)),
            ..m
        };
        assert_eq!(opacity(&lost, 1000), 1.0);
        assert!(opacity(&lost, 1800) < 1.0 && opacity(&lost, 1800) > 0.0);
        assert_eq!(opacity(&lost, 2000), 0.0);
    }

    #[test]
    fn a_cut_across_the_ring_splits_the_nodes_by_side() {
        let pts = [
            Point::new(0.0, -10.0),
            Point::new(10.0, 0.0),
            Point::new(0.0, 10.0),
            Point::new(-10.0, 0.0),
        ];
        let (a, b) = cut(&pts, Point::new(-20.0, -20.0), Point::new(20.0, 20.0)).unwrap();
        assert_eq!((a, b), (vec![0, 1], vec![2, 3]));
        assert!(cut(&pts, Point::new(50.0, -20.0), Point::new(50.0, 20.0)).is_none());
        assert_eq!(node_at(&pts, 3.0, Point::new(9.0, 1.0)), Some(1));
        assert_eq!(node_at(&pts, 3.0, Point::new(5.0, 5.0)), None);
    }
}
