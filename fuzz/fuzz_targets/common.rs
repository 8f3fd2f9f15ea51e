//! What several fuzz targets share: options drawn from the fuzzer's bytes.

use arbitrary::{Result, Unstructured};
use duckduckgoose::options::{Micros, Options, Span};

const MS: Micros = 1_000;

/// Options that pass [`Options::validate`], safe or not (a latency above the
/// election timeout, a heartbeat slower than it): the rules must keep their
/// invariants under all of them. Loss, disk and jitter stay off: the targets
/// that drive nodes decide themselves what is lost and when timers fire.
pub fn options(u: &mut Unstructured) -> Result<Options> {
    let election_min = u.int_in_range(MS..=400 * MS)?;
    let election_max = election_min + u.int_in_range(0..=400 * MS)?;
    let latency_min = u.int_in_range(0..=100 * MS)?;
    let latency_max = latency_min + u.int_in_range(0..=100 * MS)?;
    let options = Options {
        election: Span::new(election_min, election_max),
        heartbeat: u.int_in_range(MS..=400 * MS)?,
        latency: Span::new(latency_min, latency_max),
        loss: 0,
        check_quorum: u.arbitrary()?,
        pre_vote: u.arbitrary()?,
        disk: Span::new(0, 0),
        jitter: 0,
    };
    assert_eq!(options.validate(), Ok(()), "{options:?}");
    Ok(options)
}
