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
use crate::view::layout::Point;

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
    /// The strip for a bird at `p` whose ring has radius `ring_r`, on a ring
    /// centred at `centre`, with a log that ends at `last`.
    pub fn new(p: Point, ring_r: f64, centre: Point, last: Index) -> Strip {
        let cell = (ring_r * 0.26).clamp(4.0, 11.0);
        let step = cell * 1.25;
        let width = step * STRIP_ENTRIES as f64 - (step - cell);
        // Above the bird if the centre is above it, else below: the name
        // stands on the outer side (see draw_name).
        let y = if centre.y < p.y {
            p.y - ring_r - cell * 0.9 - cell
        } else {
            p.y + ring_r + cell * 0.9
        };
        Strip {
            origin: Point::new(p.x - width / 2.0, y),
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

    /// The width of all [`STRIP_ENTRIES`] cells.
    pub fn width(&self) -> f64 {
        self.step * STRIP_ENTRIES as f64 - (self.step - self.cell)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::{Entry, EntryKind};

    fn log_of(terms: &[u64]) -> Log {
        let mut log = Log::new();
        for &term in terms {
            log.append(Entry {
                term,
                kind: EntryKind::Noop,
            });
        }
        log
    }

    #[test]
    fn the_summary_says_where_the_log_ends_and_what_is_committed() {
        assert_eq!(summary(&Log::new(), 0), "empty; nothing committed");
        assert_eq!(
            summary(&log_of(&[1, 1, 2, 2, 2]), 4),
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

    #[test]
    fn the_strip_shows_the_last_entries_oldest_first() {
        let centre = Point::new(400.0, 300.0);
        let s = Strip::new(Point::new(400.0, 100.0), 30.0, centre, 12);
        let cells: Vec<_> = s.cells().collect();
        assert_eq!(cells.len(), STRIP_ENTRIES);
        assert_eq!(cells[0].0, 5);
        assert_eq!(cells[STRIP_ENTRIES - 1].0, 12);
        assert!(cells.windows(2).all(|w| w[1].1 - w[0].1 == s.step));
        let short = Strip::new(Point::new(400.0, 100.0), 30.0, centre, 3);
        assert_eq!(short.cells().map(|c| c.0).collect::<Vec<_>>(), [1, 2, 3]);
        let empty = Strip::new(Point::new(400.0, 100.0), 30.0, centre, 0);
        assert_eq!(empty.cells().count(), 0);
        assert_eq!(empty.commit_x(0), None);
    }

    #[test]
    fn the_strip_faces_the_centre_clear_of_the_bird_and_centred_under_it() {
        let centre = Point::new(400.0, 300.0);
        let ring_r = 36.0;
        for p in [Point::new(400.0, 80.0), Point::new(400.0, 520.0)] {
            let s = Strip::new(p, ring_r, centre, 20);
            let (top, bottom) = (s.origin.y, s.origin.y + s.cell);
            assert!(
                bottom < p.y - ring_r || top > p.y + ring_r,
                "clear of the bird's ring"
            );
            let towards = if centre.y > p.y {
                top > p.y
            } else {
                bottom < p.y
            };
            assert!(towards, "on the centre's side of {p:?}");
            let mid = s.origin.x + s.width() / 2.0;
            assert!((mid - p.x).abs() < 1e-9);
            assert!(
                s.width() < 4.0 * ring_r,
                "narrow enough for a ring of birds"
            );
        }
    }

    /// §5.3: the mark stands just after the last committed entry shown.
    #[test]
    fn the_commit_mark_follows_the_commit_index() {
        let s = Strip::new(Point::new(400.0, 100.0), 30.0, Point::new(400.0, 300.0), 12);
        let edge = |k: f64| s.origin.x + k * s.step - (s.step - s.cell) / 2.0;
        assert_eq!(s.commit_x(0), None, "nothing committed");
        assert_eq!(s.commit_x(3), Some(edge(0.0)), "all shown are uncommitted");
        assert_eq!(s.commit_x(4), Some(edge(0.0)));
        assert_eq!(s.commit_x(5), Some(edge(1.0)));
        assert_eq!(s.commit_x(12), Some(edge(8.0)), "all committed");
    }
}
