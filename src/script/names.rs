//! Node names as the scenario language reads them. Both the command parser
//! (`parse.rs`) and the conditions of `expect` (`expect.rs`) need them, so
//! they live here: `expect.rs` no longer imports `parse.rs`, which imports
//! it, and the two modules form no cycle.

use crate::message::NodeId;

/// Reads `n3` in a cluster of `size` nodes.
pub fn parse_node(word: &str, size: u32) -> Result<NodeId, String> {
    let number = word
        .strip_prefix('n')
        .filter(|d| !d.is_empty() && !d.starts_with('0') && d.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| format!("`{word}` is not a node: nodes are n1 to n{size}"))?;
    match number.parse::<u32>() {
        Ok(k) if (1..=size).contains(&k) => Ok(k - 1),
        _ => Err(format!(
            "`{word}` does not exist: the cluster has {size} node{} (n1 to n{size})",
            if size == 1 { "" } else { "s" }
        )),
    }
}
