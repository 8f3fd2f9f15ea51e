//! Membership as the page shows it (dissertation §4): which configuration
//! the canvas draws, which birds are eggs (a new node the goose is catching
//! up as a non-voter, §4.2.1) or removed (§4.2.2), and the scenario lines
//! behind the Hatch button, the inspector's Remove button and the live
//! "Number of nodes" field. Every change still travels as a line (`add nK`,
//! `remove nK`), so it goes on the tape, into links and exports.

use crate::config::{Change, Members};
use crate::message::{node_name, NodeId};
use crate::sim::Simulation;
use crate::view::controls::UI_MAX_NODES;

/// Where a slot stands with respect to the configuration drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Standing {
    /// A member: it votes, on the ring.
    Member,
    /// A node outside the configuration that has never left it: a new node,
    /// with how far the goose has caught it up (its matchIndex over the
    /// goose's last index, §4.2.1) while it does.
    Egg(Option<f64>),
    /// A node the configuration no longer holds (§4.2.2).
    Removed,
}

/// The configuration the canvas draws: the goose's (§4.1: a server uses the
/// latest configuration in its log), or with no goose the one in the most
/// up-to-date live log (§5.4.1's order), else in node 1's.
pub fn shown(sim: &Simulation) -> Members {
    let nodes = sim.nodes();
    let from = sim.client_goose().or_else(|| {
        (0..sim.size())
            .filter(|&id| sim.is_alive(id))
            .max_by_key(|&id| {
                let log = nodes[id as usize].log();
                (log.last_term(), log.last_index(), u32::MAX - id)
            })
    });
    nodes[from.unwrap_or(0) as usize].members()
}

/// How node `id` stands in the configuration `members` drawn.
pub fn standing(sim: &Simulation, members: Members, id: NodeId) -> Standing {
    if members.contains(id) {
        return Standing::Member;
    }
    let node = &sim.nodes()[id as usize];
    let config = node.config();
    if config.initial().contains(id) || config.previous().contains(id) {
        return Standing::Removed;
    }
    let progress = sim.client_goose().and_then(|g| {
        let g = &sim.nodes()[g as usize];
        let c = g.catch_up().filter(|c| c.node == id)?;
        let last = g.log().last_index().max(c.round_end).max(1);
        Some((g.match_index()[id as usize] as f64 / last as f64).min(1.0))
    });
    Standing::Egg(progress)
}

/// Why the goose would not take `change` now (no goose, a change pending,
/// its term's entry not committed, the last member…), in the core's words.
fn refusal(sim: &Simulation, change: Change) -> Option<String> {
    let Some(g) = sim.client_goose() else {
        return Some("No goose: changes go through the goose (§4.1).".into());
    };
    sim.nodes()[g as usize]
        .can_change(change)
        .err()
        .map(|why| format!("Refused: {why}."))
}

/// The line that hatches a duck: adds the lowest slot outside the
/// configuration (a removed node comes back) or else a new node, through
/// the goose; or why not (the page stops at [`UI_MAX_NODES`] members).
pub fn hatch_line(sim: &Simulation) -> Result<String, String> {
    let members = shown(sim);
    if members.len() >= UI_MAX_NODES {
        return Err(format!("The page stops at {UI_MAX_NODES} members."));
    }
    let id = (0..sim.size())
        .find(|&id| !members.contains(id))
        .unwrap_or(sim.size());
    match refusal(sim, Change::Add(id)) {
        Some(why) => Err(why),
        None => Ok(format!("add {}", node_name(id))),
    }
}

/// The line that removes node `id` (`remove goose` for the goose), or why
/// the goose would refuse it.
pub fn remove_line(sim: &Simulation, id: NodeId) -> Result<String, String> {
    if let Some(why) = refusal(sim, Change::Remove(id)) {
        return Err(why);
    }
    Ok(if sim.client_goose() == Some(id) {
        "remove goose".into()
    } else {
        format!("remove {}", node_name(id))
    })
}

/// The "Number of nodes" field during a run: one member added or removed
/// towards `text`, through the goose (one change at a time, §4.1: a further
/// step waits until this one is done, and the message says so). The member
/// removed is the highest-numbered duck.
pub fn count_line(sim: &Simulation, text: &str) -> Result<(String, String), String> {
    let text = text.trim();
    let want: u32 = text
        .parse()
        .map_err(|_| format!("Nodes: `{text}` is not a whole number"))?;
    if !(1..=UI_MAX_NODES).contains(&want) {
        return Err(format!("Nodes: from 1 to {UI_MAX_NODES} members here"));
    }
    let members = shown(sim);
    let have = members.len();
    let line = if want > have {
        hatch_line(sim)?
    } else if want < have {
        let g = sim.client_goose();
        let id = members
            .iter()
            .filter(|&id| Some(id) != g)
            .last()
            .or(g)
            .unwrap_or(0);
        remove_line(sim, id)?
    } else {
        return Err(format!("Nodes: the cluster has {have} members already"));
    };
    let to_go = want.abs_diff(have) - 1;
    let note = match to_go {
        0 => String::new(),
        n => format!(
            "One change at a time (§4.1): {line} first, then set {want} again ({n} more to go)."
        ),
    };
    Ok((line, note))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::script::{parse_script, Session};

    fn run(text: &str) -> Simulation {
        let script = parse_script(text).unwrap();
        let mut session = Session::new(&script.cluster, 0);
        for (_, c) in &script.commands {
            session.exec(c).unwrap();
        }
        session.sim().clone()
    }

    #[test]
    fn a_new_node_is_an_egg_caught_up_then_a_member() {
        let sim = run("cluster nodes=5 seed=1\nrun 2s\nadd n6\n");
        let m = shown(&sim);
        assert_eq!(m.len(), 5);
        match standing(&sim, m, 5) {
            Standing::Egg(Some(p)) => assert!((0.0..=1.0).contains(&p)),
            other => panic!("n6 is {other:?}"),
        }
        let sim = run("cluster nodes=5 seed=1\nrun 2s\nadd n6\nrun 1s\n");
        let m = shown(&sim);
        assert_eq!(m.len(), 6);
        assert_eq!(standing(&sim, m, 5), Standing::Member);
    }

    #[test]
    fn a_removed_node_is_shown_removed_and_comes_back_by_hatching() {
        let sim = run("cluster nodes=5 seed=1\nrun 2s\nremove n3\nrun 1s\n");
        let m = shown(&sim);
        assert_eq!(m.len(), 4);
        assert_eq!(standing(&sim, m, 2), Standing::Removed);
        assert_eq!(hatch_line(&sim), Ok("add n3".into()));
        let all = run("cluster nodes=5 seed=1\nrun 2s\n");
        assert_eq!(hatch_line(&all), Ok("add n6".into()));
    }

    #[test]
    fn refusals_carry_the_core_s_reason() {
        let none = run("cluster nodes=3 seed=1\n");
        assert!(hatch_line(&none).unwrap_err().contains("No goose"));
        let pending = run("cluster nodes=5 seed=1\nrun 2s\nadd n6\n");
        let why = hatch_line(&pending).unwrap_err();
        assert!(why.contains("one change at a time"), "{why}");
        let why = remove_line(&pending, 1).unwrap_err();
        assert!(why.contains("one change at a time"), "{why}");
        let one = run("cluster nodes=1 seed=1\nrun 2s\n");
        assert!(remove_line(&one, 0).unwrap_err().contains("last member"));
        let calm = run("cluster nodes=5 seed=1\nrun 2s\n");
        let g = calm.goose().unwrap();
        assert_eq!(remove_line(&calm, g), Ok("remove goose".into()));
    }

    #[test]
    fn the_node_count_moves_one_member_at_a_time_up_to_15() {
        let calm = run("cluster nodes=5 seed=1\nrun 2s\n");
        assert_eq!(count_line(&calm, "6"), Ok(("add n6".into(), String::new())));
        let (line, note) = count_line(&calm, "8").unwrap();
        assert_eq!(line, "add n6");
        assert!(note.contains("2 more to go"), "{note}");
        let (line, _) = count_line(&calm, "4").unwrap();
        let g = calm.goose().unwrap();
        let last = if g == 4 { "n4" } else { "n5" };
        assert_eq!(line, format!("remove {last}"));
        assert!(count_line(&calm, "5")
            .unwrap_err()
            .contains("5 members already"));
        assert!(count_line(&calm, "16").unwrap_err().contains("1 to 15"));
        let full = run("cluster nodes=15 seed=1\nrun 2s\n");
        assert!(hatch_line(&full).unwrap_err().contains("stops at 15"));
    }
}
