//! Live mode's use of the timeline: the page's time travel works on a
//! recording of a real cluster, so the timeline holds no tape and no
//! checkpoints, only the picture on view (a [`Simulation::mirror`]), the end
//! of the recording and its markers.

use super::{Marker, Timeline};
use crate::options::Time;
use crate::sim::Simulation;

impl Timeline {
    /// Shows `sim` (a mirror of the real cluster at one moment), with the
    /// recording reaching `end` and these `markers`.
    pub fn show_live(&mut self, sim: Simulation, end: Time, markers: &[Marker]) {
        *self.session.sim_mut() = sim;
        self.tape.clear();
        self.applied = 0;
        self.checkpoints.truncate(1);
        self.end = end;
        if self.markers.len() != markers.len() {
            self.markers = markers.to_vec();
        }
    }
}
