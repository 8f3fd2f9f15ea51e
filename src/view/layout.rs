//! Where things stand on the canvas: nodes on a ring, split into islands when
//! the network is partitioned, and messages placed between their endpoints by
//! interpolating between send time and delivery time (RaftScope's idea).
//!
//! Pure geometry, no browser: the page draws what this computes, and native
//! tests check it.

use std::f64::consts::{PI, TAU};

use super::math;
use crate::config::Members;
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
        super::math::hypot(self.x - other.x, self.y - other.y)
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
    /// The ring for `slots` places (one per node) on a `width` × `height`
    /// canvas.
    pub fn fit(width: f64, height: f64, slots: u32) -> Ring {
        Ring::fit_scaled(width, height, slots, 1.0)
    }

    /// [`Ring::fit`] with birds `bird_scale` times their usual size (larger
    /// for a projector), the ring shrinking so that they still fit.
    pub fn fit_scaled(width: f64, height: f64, slots: u32, bird_scale: f64) -> Ring {
        let nodes = slots;
        let bird_scale = bird_scale.clamp(0.5, 2.0);
        let center = Point::new(width / 2.0, height / 2.0);
        let half = (width.min(height) / 2.0).max(1.0);
        let n = f64::from(nodes.max(1));
        // A node's size: what fits between neighbours, within sane bounds.
        let node_radius = if nodes <= 1 {
            half * 0.22
        } else {
            // Larger birds only where neighbours leave room for them.
            (half * 0.78 * math::sin(PI / n) * 0.62).min(half * 0.14 * bird_scale)
        }
        // max/min, not clamp: clamp's check of its bounds would bring float
        // formatting (kilobytes) into the page.
        .max(5.0)
        .min(52.0 * bird_scale);
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
            self.center.x + self.radius * scale * math::sin(angle),
            self.center.y - self.radius * scale * math::cos(angle),
        )
    }
}

/// The font size of a bird's name and term badge, for a bird of radius `r`
/// with text `text_scale` times its usual size.
pub fn label_px(r: f64, text_scale: f64) -> f64 {
    (r * 0.42).clamp(10.0, 18.0) * text_scale
}

/// The radius of the lease arc around a duck of radius `r`.
pub fn lease_radius(r: f64) -> f64 {
    r * 1.2 + (r * 0.13).max(2.5) + 3.0
}

/// A bird's term badge, top right of a bird at `p` of radius `r`: its
/// centre and radius.
pub fn badge(p: Point, r: f64, text_scale: f64) -> (Point, f64) {
    (
        Point::new(p.x + r * 0.78, p.y - r * 0.78),
        label_px(r, text_scale) * 0.72,
    )
}

/// Where every node goes and where the walls between islands stand.
#[derive(Clone, Debug, PartialEq)]
pub struct Arrangement {
    /// Each node's angle on the ring, by node id.
    pub angles: Vec<f64>,
    /// Each node's distance from the centre, in ring radii, by node id: 1
    /// on the ring, [`OFF_RING`] for a node outside the configuration.
    pub scales: Vec<f64>,
    /// The angles of the walls between islands (none when whole).
    pub walls: Vec<f64>,
    /// Places on the ring, one per node: a bird's size depends on the
    /// cluster, never on how the network is cut.
    pub slots: u32,
}

/// The seat of node `id` of `size`: `n1` at the top, going clockwise.
pub fn seat(id: NodeId, size: u32) -> f64 {
    f64::from(id) * TAU / f64::from(size.max(1))
}

/// Arranges `size` nodes on the ring. Every node has a seat ([`seat`]) and
/// keeps it whenever it can: cutting or isolating must not reshuffle the
/// birds under the lecturer's pointer.
///
/// When the network is split into islands (partition groups, or an isolated
/// node alone), a wall stands in each gap between neighbouring seats of
/// different islands. A wall goes at the angle in `hints` that falls in its
/// gap (where the pointer drew the cut), or else in the middle of the gap.
/// Only when an island's seats are not contiguous (a scripted partition such
/// as `n1,n3 | n2,n4,n5`) do birds move: the fewest possible, so that each
/// island sits together.
pub fn arrange(size: u32, net: &Network, hints: &[f64]) -> Arrangement {
    arrange_members(size, Members::first(size), net, hints)
}

/// How far from the centre the nodes outside the configuration sit when
/// there are several, as a fraction of the ring's radius: inside the ring,
/// off it (§4: a new node catching up does not vote yet; a removed node no
/// longer does). A single one sits at the centre.
pub const OFF_RING: f64 = 0.4;

/// [`arrange`] for a cluster whose configuration is `members` (§4): the
/// members share the ring evenly, seated in the order of their ids from the
/// top (so a node that joins takes the seat after the others, and the
/// birds close up when one leaves); the other slots (a new node catching up,
/// a removed node) sit inside: one at the centre, several evenly at
/// [`OFF_RING`], turned half a step from the members' seats.
pub fn arrange_members(size: u32, members: Members, net: &Network, hints: &[f64]) -> Arrangement {
    let island_of = |n: NodeId| -> u64 {
        if net.is_isolated(n) {
            (1 << 32) + u64::from(n)
        } else {
            u64::from(net.groups()[n as usize])
        }
    };
    let ids: Vec<NodeId> = (0..size).filter(|&id| members.contains(id)).collect();
    let island = |k: NodeId| island_of(ids[k as usize]);
    let m = ids.len();
    let step = TAU / (m.max(1) as f64);
    // Who sits in each seat: everyone at home, unless islands interleave.
    let mut order: Vec<NodeId> = (0..m as NodeId).collect();
    if !contiguous(&order, island) {
        order = fewest_moves(m as u32, island);
    }
    // The others inside the ring: one alone at the centre, several evenly
    // on a smaller circle in id order, turned half a member's step so that
    // they face the gaps between members rather than their seats.
    let others: Vec<NodeId> = (0..size).filter(|&id| !members.contains(id)).collect();
    let mut angles = vec![0.0; size as usize];
    let mut scales = vec![0.0; size as usize];
    if others.len() > 1 {
        for (k, &id) in others.iter().enumerate() {
            angles[id as usize] = seat(k as NodeId, others.len() as u32) + step / 2.0;
            scales[id as usize] = OFF_RING;
        }
    }
    for (s, &k) in order.iter().enumerate() {
        angles[ids[k as usize] as usize] = s as f64 * step;
        scales[ids[k as usize] as usize] = 1.0;
    }
    let mut walls = Vec::new();
    if m > 1 {
        for s in 0..m {
            let (here, next) = (order[s], order[(s + 1) % m]);
            if island(here) == island(next) {
                continue;
            }
            let from = s as f64 * step;
            let margin = step * 0.22;
            let hinted = hints.iter().copied().find(|&h| {
                let d = math::rem_euclid(h - from, TAU);
                d > margin && d < step - margin
            });
            walls.push(hinted.map_or(from + step / 2.0, |h| {
                from + math::rem_euclid(h - from, TAU)
            }));
        }
    }
    Arrangement {
        angles,
        scales,
        walls,
        slots: size.max(1),
    }
}

/// Whether, going round the seats in `order`, each island's members sit
/// next to each other.
fn contiguous(order: &[NodeId], island: impl Fn(NodeId) -> u64) -> bool {
    let n = order.len();
    let changes = (0..n)
        .filter(|&s| island(order[s]) != island(order[(s + 1) % n]))
        .count();
    let mut islands: Vec<u64> = order.iter().map(|&id| island(id)).collect();
    crate::compact::sort_by(&mut islands, u64::cmp);
    islands.dedup();
    // Going round once, k contiguous islands change k times (once when whole).
    changes == if islands.len() > 1 { islands.len() } else { 0 }
}

/// The seating in which every island sits together and the fewest nodes
/// leave their own seat: for each seat to start from, islands are seated in
/// the order met going clockwise from there, each keeping its members'
/// clockwise order.
fn fewest_moves(size: u32, island: impl Fn(NodeId) -> u64) -> Vec<NodeId> {
    let n = size as usize;
    let mut best: Option<(usize, Vec<NodeId>)> = None;
    for start in 0..n {
        let walk: Vec<NodeId> = (0..n).map(|k| ((start + k) % n) as NodeId).collect();
        let mut met: Vec<u64> = Vec::new();
        for &id in &walk {
            if !met.contains(&island(id)) {
                met.push(island(id));
            }
        }
        let mut seated = Vec::with_capacity(n);
        for key in &met {
            seated.extend(walk.iter().copied().filter(|&id| island(id) == *key));
        }
        // Seat `start + k` gets `seated[k]`.
        let mut order = vec![0; n];
        for (k, &id) in seated.iter().enumerate() {
            order[(start + k) % n] = id;
        }
        let moved = order
            .iter()
            .enumerate()
            .filter(|&(s, &id)| s != id as usize)
            .count();
        if best.as_ref().is_none_or(|(m, _)| moved < *m) {
            best = Some((moved, order));
        }
    }
    best.map_or_else(Vec::new, |(_, order)| order)
}

/// The angles (as [`Ring::at`] measures them) where the straight line through
/// `a` and `b` crosses `ring`: where a cut drawn with the pointer meets the
/// circle of birds, so that the walls can stand there. None when the line
/// misses the ring.
pub fn crossings(ring: &Ring, a: Point, b: Point) -> Vec<f64> {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let len = super::math::hypot(dx, dy);
    if len < 1e-9 || ring.radius <= 0.0 {
        return Vec::new();
    }
    let (ux, uy) = (dx / len, dy / len);
    // Closest point of the line to the centre, and the half-chord from it.
    let t0 = (ring.center.x - a.x) * ux + (ring.center.y - a.y) * uy;
    let (px, py) = (a.x + ux * t0, a.y + uy * t0);
    let d = super::math::hypot(px - ring.center.x, py - ring.center.y);
    if d >= ring.radius {
        return Vec::new();
    }
    let half = (ring.radius * ring.radius - d * d).sqrt();
    [-half, half]
        .iter()
        .map(|&s| {
            let (x, y) = (px + ux * s - ring.center.x, py + uy * s - ring.center.y);
            math::rem_euclid(math::atan2(x, -y), TAU)
        })
        .collect()
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
        let a = arrange(4, &net, &[]);
        assert_eq!(a.angles, vec![0.0, PI / 2.0, PI, 3.0 * PI / 2.0]);
        assert!(a.walls.is_empty());
        let ring = Ring::fit(400.0, 400.0, 4);
        let top = ring.at(a.angles[0], 1.0);
        assert!((top.x - 200.0).abs() < 1e-9 && top.y < 200.0);
        let right = ring.at(a.angles[1], 1.0);
        assert!(right.x > 200.0 && (right.y - 200.0).abs() < 1e-9);
    }

    #[test]
    fn isolating_a_node_moves_nobody_and_puts_walls_on_both_sides() {
        let whole = arrange(5, &Network::new(5), &[]);
        let mut net = Network::new(5);
        net.set_isolated(3, true);
        let a = arrange(5, &net, &[]);
        assert_eq!(a.angles, whole.angles, "every bird keeps its seat");
        assert_eq!(a.slots, whole.slots, "birds keep their size");
        let step = TAU / 5.0;
        assert_eq!(a.walls.len(), 2);
        assert!((a.walls[0] - 2.5 * step).abs() < 1e-9, "{:?}", a.walls);
        assert!((a.walls[1] - 3.5 * step).abs() < 1e-9, "{:?}", a.walls);
    }

    #[test]
    fn a_cut_between_neighbours_keeps_seats_and_puts_the_walls_where_it_was_drawn() {
        let mut net = Network::new(6);
        net.partition(&[vec![0, 1, 2]]);
        let step = TAU / 6.0;
        // The pointer crossed the ring at 2.3 and 5.3 steps.
        let hints = [2.3 * step, 5.3 * step];
        let a = arrange(6, &net, &hints);
        assert_eq!(a.angles, arrange(6, &Network::new(6), &[]).angles);
        assert_eq!(a.walls.len(), 2);
        assert!((a.walls[0] - 2.3 * step).abs() < 1e-9, "{:?}", a.walls);
        assert!((a.walls[1] - 5.3 * step).abs() < 1e-9, "{:?}", a.walls);
        // A hint on top of a bird is not used: the wall goes mid-gap.
        let a = arrange(6, &net, &[2.05 * step]);
        assert!((a.walls[0] - 2.5 * step).abs() < 1e-9, "{:?}", a.walls);
    }

    #[test]
    fn interleaved_islands_move_the_fewest_birds() {
        let mut net = Network::new(5);
        net.partition(&[vec![0, 3]]);
        let a = arrange(5, &net, &[]);
        let home = arrange(5, &Network::new(5), &[]);
        let moved = (0..5).filter(|&i| a.angles[i] != home.angles[i]).count();
        assert_eq!(moved, 2, "{:?}", a.angles);
        // n1 and n4 are neighbours, with a wall on each side of the pair.
        let step = TAU / 5.0;
        let gap = (a.angles[3] - a.angles[0]).rem_euclid(TAU);
        assert!(
            (gap - step).abs() < 1e-9 || (gap - 4.0 * step).abs() < 1e-9,
            "{:?}",
            a.angles
        );
        assert_eq!(a.walls.len(), 2);
        // Every seat is still taken exactly once.
        let mut seats: Vec<i64> = a.angles.iter().map(|x| (x / step).round() as i64).collect();
        seats.sort_unstable();
        assert_eq!(seats, vec![0, 1, 2, 3, 4]);
    }

    /// §4: members share the ring evenly in id order; the nodes outside the
    /// configuration (n3 removed, n7 catching up) sit inside it, off the
    /// ring, one alone at the centre.
    #[test]
    fn members_share_the_ring_and_the_others_sit_inside_it() {
        let members = Members::first(6).without(2); // n1, n2, n4, n5, n6; not n3, n7
        let a = arrange_members(7, members, &Network::new(7), &[]);
        let step = TAU / 5.0;
        for (k, id) in [0, 1, 3, 4, 5].into_iter().enumerate() {
            assert!((a.angles[id] - k as f64 * step).abs() < 1e-9, "n{}", id + 1);
            assert_eq!(a.scales[id], 1.0);
        }
        for id in [2, 6] {
            assert_eq!(a.scales[id], OFF_RING, "n{}", id + 1);
        }
        // A single one at the centre.
        let one = arrange_members(6, Members::first(5), &Network::new(6), &[]);
        assert_eq!(one.scales[5], 0.0);
        assert!(a.walls.is_empty());
        assert_eq!(a.slots, 7);
        // Everyone a member: the same as `arrange`.
        let all = arrange_members(5, Members::first(5), &Network::new(5), &[]);
        assert_eq!(all, arrange(5, &Network::new(5), &[]));
        assert!(all.scales.iter().all(|&s| s == 1.0));
    }

    /// Lesson 11 drew two removed nodes of a 4-member ring on the members'
    /// own seats (n1 above n2, n3 above n5), rings and labels crossing: the
    /// nodes off the ring keep clear of every bird (their lease rings, 1.45
    /// bird radii, never touch), for any number of members and up to three
    /// others.
    #[test]
    fn the_nodes_off_the_ring_keep_clear_of_every_bird() {
        for members in 2..=15u32 {
            for others in 1..=3u32 {
                let size = members + others;
                let ring = Ring::fit(800.0, 400.0, size);
                let a = arrange_members(size, Members::first(members), &Network::new(size), &[]);
                let at = |id: usize| {
                    let r = ring.radius * a.scales[id];
                    (r * math::sin(a.angles[id]), r * math::cos(a.angles[id]))
                };
                for o in members..size {
                    for b in (0..size).filter(|&b| b != o) {
                        let (p, q) = (at(o as usize), at(b as usize));
                        let d = ((p.0 - q.0).powi(2) + (p.1 - q.1).powi(2)).sqrt();
                        assert!(
                            d >= 2.9 * ring.node_radius,
                            "{members} members, {others} others: n{} and n{} are {d:.1} px apart (birds {:.1} px)",
                            o + 1,
                            b + 1,
                            ring.node_radius
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn projector_birds_are_larger_and_still_fit_the_canvas() {
        for (w, h) in [(1280.0, 500.0), (1000.0, 420.0), (1900.0, 800.0)] {
            for n in [3, 5, 9, 15] {
                let plain = Ring::fit(w, h, n);
                let big = Ring::fit_scaled(w, h, n, 1.6);
                if n <= 5 {
                    assert!(big.node_radius > plain.node_radius * 1.2, "{w}x{h} n={n}");
                }
                assert!(big.node_radius >= plain.node_radius, "{w}x{h} n={n}");
                // Neighbours' timer rings never overlap.
                let spacing = 2.0 * big.radius * math::sin(PI / f64::from(n));
                assert!(spacing >= 2.0 * 1.2 * big.node_radius, "{w}x{h} n={n}");
                // Birds, their timer rings and labels stay on the canvas.
                let reach = big.radius + big.node_radius * 2.3;
                assert!(reach <= h / 2.0 + 1e-9, "{w}x{h} n={n}: {reach}");
            }
        }
    }

    #[test]
    fn a_line_through_the_ring_crosses_it_twice() {
        let ring = Ring::fit(400.0, 400.0, 4);
        let c = ring.center;
        // A vertical line through the centre: the top (0) and the bottom (π).
        let mut x = crossings(&ring, Point::new(c.x, 0.0), Point::new(c.x, 400.0));
        x.sort_by(f64::total_cmp);
        assert_eq!(x.len(), 2);
        assert!(x[0].abs() < 1e-9 && (x[1] - PI).abs() < 1e-9, "{x:?}");
        // A horizontal line through the centre: right (π/2) and left (3π/2).
        let mut x = crossings(&ring, Point::new(0.0, c.y), Point::new(400.0, c.y));
        x.sort_by(f64::total_cmp);
        assert!(
            (x[0] - PI / 2.0).abs() < 1e-9 && (x[1] - 1.5 * PI).abs() < 1e-9,
            "{x:?}"
        );
        // Outside the ring: nothing.
        assert!(crossings(&ring, Point::new(0.0, 1.0), Point::new(400.0, 1.0)).is_empty());
        // The crossings are on the ring.
        for a in crossings(&ring, Point::new(0.0, 150.0), Point::new(400.0, 260.0)) {
            let p = ring.at(a, 1.0);
            let r = p.distance(c);
            assert!((r - ring.radius).abs() < 1e-6);
            let side = (260.0 - 150.0) * (p.x - 0.0) - 400.0 * (p.y - 150.0);
            assert!(side.abs() < 1e-6, "on the line");
        }
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
                    count: 0,
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
