//! Tests of the experiment machinery: trials, summaries and the formula.

use super::*;

#[test]
fn the_split_formula_gives_the_dissertations_numbers() {
    // Dissertation §9.2: n = 5, s = 4, 100 ms range.
    for (l, expect) in [(0.01, 0.059), (0.10, 5.23), (0.20, 18.08)] {
        let p = split_formula(5, 4, l) * 100.0;
        assert!((p - expect).abs() < 0.005, "l={l}: {p}% against {expect}%");
    }
    assert_eq!(split_formula(5, 2, 0.1), 1.0, "two of five cannot elect");
    assert!(split_formula(5, 5, 0.0) == 0.0);
}

#[test]
fn summaries_use_nearest_ranks() {
    let v: Vec<f64> = (1..=100).map(f64::from).collect();
    let s = Summary::of(&v).unwrap();
    assert_eq!((s.p50, s.p90, s.p99, s.max), (50.0, 90.0, 99.0, 100.0));
    assert!((s.mean - 50.5).abs() < 1e-9);
    assert_eq!(Summary::of(&[]), None);
    assert_eq!(Summary::of(&[7.0]).unwrap().p99, 7.0);
}

#[test]
fn trial_seeds_differ_and_repeat() {
    assert_eq!(trial_seed(1, 2), trial_seed(1, 2));
    assert_ne!(trial_seed(1, 2), trial_seed(1, 3));
    assert_ne!(trial_seed(1, 2), trial_seed(2, 2));
}

fn setup(election: (u64, u64)) -> CrashSetup {
    CrashSetup {
        nodes: 5,
        options: figure16_options(
            Span::new(election.0 * MS, election.1 * MS),
            Span::new(4 * MS, 6 * MS),
            200,
            Span::new(100, 100),
        ),
        limit: 60 * SECOND,
    }
}

/// The shortest possible failover: the goose dies just before its next
/// heartbeat, a survivor times out at once, and the vote takes two disk
/// writes and three one-way trips (request, grant, heartbeat).
#[test]
fn a_failover_trial_is_bounded_below_by_the_timeout_the_crash_left() {
    let s = setup((150, 300));
    for i in 0..20 {
        let seed = trial_seed(7, i);
        let t = crash_trial(&s, seed);
        let heard = t
            .time_to_heartbeat
            .unwrap_or_else(|| panic!("seed {seed}: no goose"));
        let elected = t.time_to_elect.unwrap();
        assert!(elected < heard, "seed {seed}");
        // Timers restarted 0.1 ms after the last heartbeat left and run at
        // least 150 ms; then two writes of at least 4 ms and three trips.
        let floor = 150 * MS - t.crash_offset + 8 * MS + 300;
        assert!(heard >= floor, "seed {seed}: {heard} < {floor}");
        assert!(t.crash_offset < 75 * MS, "seed {seed}");
        assert!(t.elections >= 1, "seed {seed}");
    }
}

#[test]
fn failover_trials_replay_exactly() {
    let s = setup((150, 155));
    let seed = trial_seed(3, 9);
    assert_eq!(crash_trial(&s, seed), crash_trial(&s, seed));
}

/// With fixed latency and no disk, the simulator's split rate is the
/// dissertation's formula (§9.2).
#[test]
fn simulated_split_votes_match_the_formula() {
    let options = Options {
        election: Span::new(150 * MS, 250 * MS),
        heartbeat: 50 * MS,
        latency: Span::new(10 * MS, 10 * MS),
        check_quorum: false,
        ..Options::default()
    };
    let trials = 4000;
    let splits = (0..trials)
        .filter(|&i| {
            let seed = trial_seed(11, i);
            split_trial(5, 1, &options, seed, 60 * SECOND)
                .unwrap_or_else(|| panic!("seed {seed}: no goose"))
        })
        .count();
    let rate = splits as f64 / trials as f64;
    let formula = split_formula(5, 4, 0.1);
    // Four standard errors of a binomial proportion around 5.23%.
    assert!(
        (rate - formula).abs() < 4.0 * (formula * (1.0 - formula) / trials as f64).sqrt(),
        "simulated {rate} against {formula}"
    );
}

/// Where splits are rare, the no-split model is what the simulator does:
/// their medians agree within 3% for 150-300 ms.
#[test]
fn the_no_split_estimate_agrees_with_the_simulator_on_a_wide_range() {
    let s = setup((150, 300));
    let sim: Vec<f64> = (0..300)
        .filter_map(|i| crash_trial(&s, trial_seed(5, i)).heartbeat_ms())
        .collect();
    let four = Summary::of(&no_split_estimate(&s.options, 4, 20_000, 1)).unwrap();
    let two = Summary::of(&no_split_estimate(&s.options, 2, 20_000, 1)).unwrap();
    let ours = Summary::of(&sim).unwrap();
    assert!(
        (ours.p50 / four.p50 - 1.0).abs() < 0.03,
        "{} vs {}",
        ours.p50,
        four.p50
    );
    assert!(
        two.p50 > four.p50 * 1.05,
        "fewer eligible servers wait longer"
    );
}
