//! Durations, ranges and percentages as the scenario language writes them:
//! `150ms`, `1.5s`, `300us`, `150ms..300ms`, `5%`, `0.25%`.
//!
//! Parsing is exact decimal arithmetic on integers: `0.1s` is 100 000 µs on
//! every platform, and anything finer than a microsecond is an error rather
//! than a silent rounding.

use crate::options::{Micros, PartsPerMillion, Span, MS, SECOND};

/// The longest duration any setting or `run` accepts: one day.
pub const MAX_DURATION: Micros = 24 * 3600 * SECOND;

/// Parses a decimal number into an integer count of `1/scale` units
/// (`scale` a power of ten); digits beyond that precision must be zeros,
/// and `what` says what the precision is when they are not.
fn parse_decimal(text: &str, scale: u64, what: &str) -> Result<u64, String> {
    let (int, frac) = match text.split_once('.') {
        Some((i, f)) => (i, f),
        None => (text, ""),
    };
    let digits_ok = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty()
        || !digits_ok(int)
        || !digits_ok(frac)
        || (text.contains('.') && frac.is_empty())
    {
        return Err(format!("`{text}` is not a number"));
    }
    let too_big = || format!("`{text}` is too large");
    let int: u64 = int.parse().map_err(|_| too_big())?;
    let mut value = int.checked_mul(scale).ok_or_else(too_big)?;
    let mut unit = scale;
    for digit in frac.bytes() {
        if unit < 10 || unit % 10 != 0 {
            if digit != b'0' {
                return Err(format!("`{text}` is more precise than allowed ({what})"));
            }
            continue;
        }
        unit /= 10;
        value = value
            .checked_add(u64::from(digit - b'0') * unit)
            .ok_or_else(too_big)?;
    }
    Ok(value)
}

/// Parses `150ms`, `1.5s` or `300us` into microseconds.
pub fn parse_duration(text: &str) -> Result<Micros, String> {
    let split = text
        .find(|c: char| c.is_ascii_alphabetic())
        .ok_or_else(|| format!("`{text}` has no unit: write it like 150ms, 1.5s or 300us"))?;
    if split == 0 {
        return Err(format!(
            "`{text}` is not a duration: write it like 150ms, 1.5s or 300us"
        ));
    }
    let (number, unit) = text.split_at(split);
    let scale = match unit {
        "us" => 1,
        "ms" => MS,
        "s" => SECOND,
        _ => {
            return Err(format!(
                "`{unit}` in `{text}` is not a unit: use us, ms or s"
            ))
        }
    };
    if number.starts_with('-') {
        return Err(format!("`{text}` is negative: durations are 0 or more"));
    }
    let us = parse_decimal(number, scale, "a duration is finer than a microsecond")?;
    if us > MAX_DURATION {
        return Err(format!("`{text}` is longer than the limit of 24h"));
    }
    Ok(us)
}

/// Parses `A..B` (or `A`, meaning `A..A`) into a span; `A` must not exceed `B`.
pub fn parse_span(text: &str) -> Result<Span, String> {
    let (min, max) = match text.split_once("..") {
        Some((a, b)) => (parse_duration(a)?, parse_duration(b)?),
        None => {
            let d = parse_duration(text)?;
            (d, d)
        }
    };
    if min > max {
        return Err(format!("`{text}`: the minimum is above the maximum"));
    }
    Ok(Span::new(min, max))
}

/// Parses `5%` or `0.25%` into parts per million, 0% to 100%.
pub fn parse_percent(text: &str) -> Result<PartsPerMillion, String> {
    let number = text
        .strip_suffix('%')
        .ok_or_else(|| format!("`{text}` is not a percentage: write it like 5%"))?;
    if number.starts_with('-') {
        return Err(format!("`{text}` is negative: use 0% to 100%"));
    }
    let ppm = parse_decimal(number, 10_000, "at most 4 decimals")?;
    if ppm > 1_000_000 {
        return Err(format!("`{text}` is above 100%"));
    }
    Ok(ppm as PartsPerMillion)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_us_ms_and_s_and_decimals() {
        assert_eq!(parse_duration("150ms"), Ok(150_000));
        assert_eq!(parse_duration("1.5s"), Ok(1_500_000));
        assert_eq!(parse_duration("300us"), Ok(300));
        assert_eq!(parse_duration("0.001ms"), Ok(1));
        assert_eq!(parse_duration("2.50s"), Ok(2_500_000));
        assert_eq!(parse_duration("0s"), Ok(0));
    }

    #[test]
    fn malformed_durations_are_refused_with_a_reason() {
        for (bad, why) in [
            ("150", "has no unit"),
            ("150m", "not a unit"),
            ("1.5us", "finer than a microsecond"),
            ("-5ms", "negative"),
            ("ms", "not a duration"),
            ("1..2ms", "not a number"),
            ("1.ms", "not a number"),
            ("99999999999999999999s", "too large"),
            ("25h", "not a unit"),
            ("90000s", "longer than the limit"),
        ] {
            let err = parse_duration(bad).unwrap_err();
            assert!(err.contains(why), "{bad}: {err}");
        }
    }

    #[test]
    fn spans_need_min_not_above_max() {
        assert_eq!(parse_span("150ms..300ms"), Ok(Span::new(150_000, 300_000)));
        assert_eq!(parse_span("10ms"), Ok(Span::new(10_000, 10_000)));
        assert!(parse_span("300ms..150ms")
            .unwrap_err()
            .contains("above the maximum"));
    }

    #[test]
    fn percentages_are_exact_parts_per_million() {
        assert_eq!(parse_percent("5%"), Ok(50_000));
        assert_eq!(parse_percent("0.25%"), Ok(2_500));
        assert_eq!(parse_percent("100%"), Ok(1_000_000));
        assert!(parse_percent("150%").unwrap_err().contains("above 100%"));
        assert!(parse_percent("5").unwrap_err().contains("not a percentage"));
        assert!(parse_percent("0.00001%").is_err());
    }
}
