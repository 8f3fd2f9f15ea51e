//! The few transcendental functions the page's geometry needs (`sin`, `cos`,
//! `atan2`, `powf`, `ln`), the length of a vector (`hypot`) and the remainder
//! that brings an angle into range (`rem_euclid`). Natively they are Rust's own; in the browser they are
//! JavaScript's `Math`, which the page has anyway, so that the wasm does not
//! carry a second copy of libm's argument reduction and `pow` (about 10 KB).
//! Both follow fdlibm; the results are for drawing and the speed slider,
//! never for the simulation, which stays free of floating point.

/// The sine of `x` (radians).
pub fn sin(x: f64) -> f64 {
    #[cfg(target_arch = "wasm32")]
    return js_sys::Math::sin(x);
    #[cfg(not(target_arch = "wasm32"))]
    return x.sin();
}

/// The cosine of `x` (radians).
pub fn cos(x: f64) -> f64 {
    #[cfg(target_arch = "wasm32")]
    return js_sys::Math::cos(x);
    #[cfg(not(target_arch = "wasm32"))]
    return x.cos();
}

/// The angle of the point (`x`, `y`) from the positive x axis, in radians
/// from -π to π, like [`f64::atan2`] called on `y`.
pub fn atan2(y: f64, x: f64) -> f64 {
    #[cfg(target_arch = "wasm32")]
    return js_sys::Math::atan2(y, x);
    #[cfg(not(target_arch = "wasm32"))]
    return y.atan2(x);
}

/// `x` raised to the power `y`.
pub fn powf(x: f64, y: f64) -> f64 {
    #[cfg(target_arch = "wasm32")]
    return js_sys::Math::pow(x, y);
    #[cfg(not(target_arch = "wasm32"))]
    return x.powf(y);
}

/// The length of the vector (`x`, `y`). Natively it is Rust's `f64::hypot`;
/// in the browser it is `√(x² + y²)` with the float instructions, because
/// libm's careful `hypot` (which avoids overflow for lengths near 1e308, and
/// brings `fma` along) is about 2 KB of wasm. On-screen distances are far from
/// overflowing, and the two agree to the last place or two.
pub fn hypot(x: f64, y: f64) -> f64 {
    #[cfg(target_arch = "wasm32")]
    return (x * x + y * y).sqrt();
    #[cfg(not(target_arch = "wasm32"))]
    return x.hypot(y);
}

/// The least non-negative remainder of `x` divided by `y > 0` (an angle
/// brought into `[0, y)`). Natively it is Rust's `f64::rem_euclid`; in the
/// browser it is `x - y·⌊x/y⌋` with plain float instructions, because Rust's
/// exact `%` on floats (fmod) brings some 2 KB of 128-bit integer code into
/// the wasm. The two differ by a few units in the last place of `x` at most:
/// nothing a drawing or a hit test can see.
pub fn rem_euclid(x: f64, y: f64) -> f64 {
    #[cfg(target_arch = "wasm32")]
    return rem_by_floor(x, y);
    #[cfg(not(target_arch = "wasm32"))]
    return x.rem_euclid(y);
}

#[cfg(any(target_arch = "wasm32", test))]
fn rem_by_floor(x: f64, y: f64) -> f64 {
    let r = x - y * (x / y).floor();
    // Rounding may land on `y` itself, or a hair below zero.
    if r >= y {
        r - y
    } else if r < 0.0 {
        r + y
    } else {
        r
    }
}

/// The natural logarithm of `x`.
pub fn ln(x: f64) -> f64 {
    #[cfg(target_arch = "wasm32")]
    return js_sys::Math::log(x);
    #[cfg(not(target_arch = "wasm32"))]
    return x.ln();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_the_identities() {
        for i in 0..64 {
            let x = f64::from(i) * 0.37 - 11.0;
            assert!((sin(x).powi(2) + cos(x).powi(2) - 1.0).abs() < 1e-12, "{x}");
            assert!((ln(powf(2.5, x)) - x * ln(2.5)).abs() < 1e-9, "{x}");
        }
        assert_eq!(sin(0.0), 0.0);
        assert_eq!(cos(0.0), 1.0);
        assert_eq!(powf(10.0, 3.0), 1000.0);
        for (x, y) in [(3.0f64, 4.0f64), (-0.5, 1e-3), (640.0, -360.0), (0.0, 0.0)] {
            let plain = (x * x + y * y).sqrt();
            assert!(
                (hypot(x, y) - plain).abs() <= 1e-12 * plain.max(1.0),
                "{x} {y}"
            );
        }
        assert_eq!(ln(1.0), 0.0);
        assert_eq!(atan2(0.0, 1.0), 0.0);
        assert!((atan2(1.0, 0.0) - std::f64::consts::FRAC_PI_2).abs() < 1e-15);
        assert!((atan2(sin(2.0), cos(2.0)) - 2.0).abs() < 1e-12);
    }

    /// The browser's remainder stays in range and within a few ulps of the
    /// exact one (angles of a few turns, hues).
    #[test]
    fn the_browser_remainder_matches_the_exact_one() {
        use std::f64::consts::TAU;
        for i in -2000..2000 {
            let x = f64::from(i) * 0.0137 + f64::from(i % 7) * TAU;
            for y in [TAU, 6.0, 360.0] {
                let (fast, exact) = (rem_by_floor(x, y), x.rem_euclid(y));
                assert!((0.0..y).contains(&fast), "{x} mod {y} = {fast}");
                let diff = (fast - exact).abs().min(y - (fast - exact).abs());
                assert!(
                    diff <= 8.0 * f64::EPSILON * x.abs().max(y),
                    "{x} mod {y}: {fast} vs {exact}"
                );
            }
        }
        // A hair below zero stays in range (std's answer here rounds to TAU).
        assert!((0.0..TAU).contains(&rem_by_floor(-1e-20, TAU)));
    }
}
