//! The knobs of a run: timing, the network model and the two protocol options.
//!
//! One [`Options`] value is shared by every node and by the network. It can be
//! changed while a run is going on (`set election=12ms..24ms` in the scenario
//! language); nodes are told through [`crate::node::Node::options_changed`].
//! Every duration is in microseconds of simulated time.

use std::fmt;

/// Simulated time, in microseconds since the start of the run.
pub type Time = u64;

/// A simulated duration, in microseconds.
pub type Micros = u64;

/// Microseconds in a millisecond, for readable constants.
pub const MS: Micros = 1_000;

/// Microseconds in a second.
pub const SECOND: Micros = 1_000_000;

/// An inclusive range of durations `[min, max]`, as in `election=150ms..300ms`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    /// The shortest duration, inclusive.
    pub min: Micros,
    /// The longest duration, inclusive.
    pub max: Micros,
}

impl Span {
    /// A range from `min` to `max`; the caller checks `min <= max`.
    pub const fn new(min: Micros, max: Micros) -> Span {
        Span { min, max }
    }
}

/// Loss probability in parts per million (`loss=5%` is 50 000): an integer, so
/// that a run replays bit for bit on every platform.
pub type PartsPerMillion = u32;

/// One million parts per million: certain loss.
pub const CERTAIN: PartsPerMillion = 1_000_000;

/// Timing and protocol options, shared by all nodes and the network.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// Election timeout range; every reset draws a fresh value from it (§5.2).
    pub election: Span,
    /// How often the goose sends heartbeats (empty AppendEntries, §5.2).
    pub heartbeat: Micros,
    /// One-way message latency range; each message draws its own.
    pub latency: Span,
    /// Probability that a message is lost, in parts per million.
    pub loss: PartsPerMillion,
    /// CheckQuorum with leases (dissertation §4.2.3, §6.2); see [`crate::node`].
    pub check_quorum: bool,
    /// PreVote (dissertation §9.6); see [`crate::node`].
    pub pre_vote: bool,
    /// Time to persist the term and vote before a message that depends on
    /// them leaves (Raft Figure 2: "updated on stable storage before
    /// responding to RPCs"): a candidate writes before its vote requests go
    /// out, a voter before its grant. Each write draws from this range; the
    /// Raft paper's Figure 16 cluster spent most of its ~15 ms broadcast time
    /// here. `0ms` (the default) makes the disk free.
    pub disk: Span,
    /// Timer jitter: every timer fires late by a uniform draw from
    /// `0..=jitter`, as scheduling and clock noise add in real systems.
    /// `0ms` (the default) fires every timer exactly on time.
    pub jitter: Micros,
}

impl Default for Options {
    /// The defaults of the scenario language's `cluster` line.
    fn default() -> Options {
        Options {
            election: Span::new(150 * MS, 300 * MS),
            heartbeat: 50 * MS,
            latency: Span::new(10 * MS, 15 * MS),
            loss: 0,
            check_quorum: true,
            pre_vote: false,
            disk: Span::new(0, 0),
            jitter: 0,
        }
    }
}

impl Options {
    /// Checks the limits every set of options must respect, so that no run
    /// can stall the clock or overflow it: timeouts and heartbeats of 1ms to
    /// 60s, ranges with min <= max, loss of at most 100%.
    pub fn validate(&self) -> Result<(), String> {
        const MIN: Micros = MS;
        const MAX: Micros = 60 * SECOND;
        if self.election.min < MIN {
            return Err("the election timeout must be at least 1ms".into());
        }
        if self.heartbeat < MIN {
            return Err("the heartbeat interval must be at least 1ms".into());
        }
        if self.election.max > MAX
            || self.heartbeat > MAX
            || self.latency.max > MAX
            || self.disk.max > MAX
            || self.jitter > MAX
        {
            return Err("timings are limited to 60s".into());
        }
        if self.election.min > self.election.max
            || self.latency.min > self.latency.max
            || self.disk.min > self.disk.max
        {
            return Err("a range's minimum is above its maximum".into());
        }
        if self.loss > CERTAIN {
            return Err("loss is at most 100%".into());
        }
        Ok(())
    }

    /// Warnings for settings under which elections cannot settle, or settle
    /// badly, in plain words; empty when all is well. Raft needs the
    /// broadcast time well below the election timeout (§5.6). The page shows
    /// them under the settings; `ddg run` prints them on standard error.
    pub fn warnings(&self) -> Vec<String> {
        let o = self;
        let ms = human_duration;
        let mut w = Vec::new();
        let round_trip = 2 * o.latency.max;
        if o.election.min <= round_trip {
            w.push(format!(
                "The election timeout ({}) is not above the round trip ({}): candidates give up before their votes come back, so elections may never succeed.",
                ms(o.election.min),
                ms(round_trip)
            ));
        } else if o.election.min < 3 * round_trip {
            w.push(format!(
                "The election timeout ({}) is close to the round trip ({}): Raft wants it an order of magnitude above the broadcast time (§5.6).",
                ms(o.election.min),
                ms(round_trip)
            ));
        }
        if o.heartbeat >= o.election.min {
            w.push(format!(
                "Heartbeats ({}) are not more frequent than the election timeout ({}): ducks will time out while the goose is alive.",
                ms(o.heartbeat),
                ms(o.election.min)
            ));
        }
        if o.check_quorum {
            let lease = o.election.min + o.latency.min;
            if round_trip >= lease {
                w.push(format!(
                    "With CheckQuorum, a round trip ({}) is not below the lease a heartbeat buys ({} + latency.min {}): acks come back after their leases have ended, so a goose can never keep its crown.",
                    ms(round_trip),
                    ms(o.election.min),
                    ms(o.latency.min)
                ));
            } else if o.heartbeat < o.election.min && o.heartbeat + round_trip >= lease {
                w.push(format!(
                    "With CheckQuorum, a heartbeat ({}) plus a round trip ({}) must fit in the election timeout ({}): the goose will lose its crown between heartbeats.",
                    ms(o.heartbeat),
                    ms(round_trip),
                    ms(o.election.min)
                ));
            }
        }
        if o.election.max - o.election.min < round_trip {
            w.push(format!(
                "The election timeout range ({}) is narrower than a round trip ({}): timers fire together and split votes will be common.",
                format_duration(o.election.max - o.election.min),
                ms(round_trip)
            ));
        }
        if o.loss >= CERTAIN {
            w.push("Every message is lost: no election can ever succeed.".into());
        } else if o.loss >= 200_000 {
            w.push("Heavy message loss: elections will be slow and geese will come and go.".into());
        }
        w
    }
}

/// Writes a duration the way the scenario language reads it back: the largest
/// unit that represents it exactly (`1500ms`, `2s`, `12.5ms` becomes `12500us`).
pub fn format_duration(us: Micros) -> String {
    if us != 0 && us % SECOND == 0 {
        format!("{}s", us / SECOND)
    } else if us % MS == 0 {
        format!("{}ms", us / MS)
    } else {
        format!("{us}us")
    }
}

/// Writes a time for people: `1.234s`, `150ms`, `12.5ms`, `40us` (rounded to
/// three decimals; integer arithmetic only, so the page carries no float
/// formatting code).
pub fn human_duration(us: Micros) -> String {
    if us >= SECOND {
        thousandths(us, SECOND) + "s"
    } else if us >= MS {
        thousandths(us, MS) + "ms"
    } else {
        format!("{us}us")
    }
}

/// `value / unit` with at most three decimals (rounded half up), trailing
/// zeros dropped. `unit` is at most `u64::MAX / 1000`.
pub fn thousandths(value: u64, unit: u64) -> String {
    // In u64 only: u128 arithmetic would bring its division and printing code
    // into the page's wasm. value·1000/unit = whole·1000 + the rounded
    // thousandths of the remainder, which may round up to a whole one.
    let thousandths = (value % unit * 1000 + unit / 2) / unit;
    let whole = value / unit + thousandths / 1000;
    let frac = thousandths % 1000;
    trim_decimal(format!("{whole}.{frac:03}"))
}

fn trim_decimal(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Writes a loss probability as the scenario language reads it (`5%`, `0.25%`).
pub fn format_percent(ppm: PartsPerMillion) -> String {
    trim_decimal(format!("{}.{:04}", ppm / 10_000, ppm % 10_000)) + "%"
}

fn format_span(span: Span) -> String {
    if span.min == span.max {
        format_duration(span.min)
    } else {
        format!(
            "{}..{}",
            format_duration(span.min),
            format_duration(span.max)
        )
    }
}

fn on_off(b: bool) -> &'static str {
    if b {
        "on"
    } else {
        "off"
    }
}

impl fmt::Display for Options {
    /// The options as `key=value` pairs of the scenario language, in the order
    /// of the `cluster` line: `election=150ms..300ms heartbeat=50ms …`.
    /// `disk` and `jitter` appear only when they are not zero, so that runs
    /// written before they existed print as they always did.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "election={} heartbeat={} latency={} loss={} checkquorum={} prevote={}",
            format_span(self.election),
            format_duration(self.heartbeat),
            format_span(self.latency),
            format_percent(self.loss),
            on_off(self.check_quorum),
            on_off(self.pre_vote),
        )?;
        if self.disk.max > 0 {
            write!(f, " disk={}", format_span(self.disk))?;
        }
        if self.jitter > 0 {
            write!(f, " jitter={}", format_duration(self.jitter))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_print_in_the_largest_exact_unit() {
        assert_eq!(format_duration(2 * SECOND), "2s");
        assert_eq!(format_duration(1500 * MS), "1500ms");
        assert_eq!(format_duration(12_500), "12500us");
        assert_eq!(format_duration(0), "0ms");
        assert_eq!(human_duration(1_234_000), "1.234s");
        assert_eq!(human_duration(12_500), "12.5ms");
        assert_eq!(human_duration(40), "40us");
        assert_eq!(human_duration(1_999_999), "2s");
        assert_eq!(human_duration(999_999), "999.999ms");
    }

    /// The u64 arithmetic of `thousandths` gives what exact arithmetic gives.
    #[test]
    fn thousandths_round_as_exact_arithmetic_does() {
        let exact = |value: u64, unit: u64| {
            let scaled = (u128::from(value) * 1000 + u128::from(unit) / 2) / u128::from(unit);
            trim_decimal(format!("{}.{:03}", scaled / 1000, scaled % 1000))
        };
        let mut x = 0x9e37_79b9_7f4a_7c15_u64;
        let mut values = vec![
            0,
            1,
            499,
            500,
            999,
            1000,
            1499,
            1500,
            999_499,
            999_500,
            u64::MAX,
        ];
        for _ in 0..2000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            values.push(x >> (x % 64));
        }
        for &v in &values {
            for unit in [1, 3, 7, MS, SECOND, 60 * SECOND] {
                assert_eq!(thousandths(v, unit), exact(v, unit), "{v} / {unit}");
            }
        }
    }

    #[test]
    fn warnings_flag_every_setting_where_elections_cannot_settle() {
        assert!(Options::default().warnings().is_empty());
        let with = |f: &dyn Fn(&mut Options)| {
            let mut o = Options::default();
            f(&mut o);
            o.warnings().join("\n")
        };
        // Votes cannot come back in time.
        assert!(
            with(&|o| o.latency = Span::new(80 * MS, 80 * MS)).contains("not above the round trip")
        );
        // Ducks time out under a live goose.
        assert!(with(&|o| o.heartbeat = 150 * MS).contains("Heartbeats (150ms)"));
        // Nothing arrives.
        assert!(with(&|o| o.loss = CERTAIN).contains("Every message is lost"));
        // CheckQuorum: acks always arrive after their leases end.
        let never = with(&|o| {
            o.election = Span::new(150 * MS, 900 * MS);
            o.latency = Span::new(0, 80 * MS);
        });
        assert!(never.contains("can never keep its crown"), "{never}");
        // CheckQuorum: the crown lapses between beats.
        let gaps = with(&|o| {
            o.heartbeat = 100 * MS;
            o.latency = Span::new(10 * MS, 30 * MS);
        });
        assert!(gaps.contains("lose its crown between heartbeats"), "{gaps}");
        // Without CheckQuorum there is no crown to lose.
        assert!(!with(&|o| {
            o.heartbeat = 100 * MS;
            o.latency = Span::new(10 * MS, 30 * MS);
            o.check_quorum = false;
        })
        .contains("crown"));
    }

    #[test]
    fn default_options_print_as_the_documented_cluster_line() {
        assert_eq!(
            Options::default().to_string(),
            "election=150ms..300ms heartbeat=50ms latency=10ms..15ms loss=0% checkquorum=on prevote=off"
        );
        assert_eq!(format_percent(50_000), "5%");
        assert_eq!(format_percent(2_500), "0.25%");
        assert_eq!(format_percent(CERTAIN), "100%");
    }

    #[test]
    fn disk_and_jitter_print_only_when_set() {
        let o = Options {
            disk: Span::new(5 * MS, 10 * MS),
            jitter: 500,
            ..Options::default()
        };
        assert!(o
            .to_string()
            .ends_with("prevote=off disk=5ms..10ms jitter=500us"));
        assert_eq!(o.validate(), Ok(()));
    }

    #[test]
    fn disk_and_jitter_are_validated() {
        let backwards = Options {
            disk: Span::new(10 * MS, 5 * MS),
            ..Options::default()
        };
        assert!(backwards.validate().is_err());
        let slow = Options {
            jitter: 61 * SECOND,
            ..Options::default()
        };
        assert!(slow.validate().is_err());
        let slow_disk = Options {
            disk: Span::new(0, 61 * SECOND),
            ..Options::default()
        };
        assert!(slow_disk.validate().is_err());
    }
}
