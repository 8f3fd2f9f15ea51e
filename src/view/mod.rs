//! What the page shows and how its controls read, computed without a
//! browser: geometry ([`layout`]) and the settings form ([`controls`]).
//! Native tests cover all of it; `web/` only paints and wires.

pub mod controls;
pub mod layout;
pub mod share;
pub mod timeline;
