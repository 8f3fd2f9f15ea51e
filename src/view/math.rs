//! The few transcendental functions the page's geometry needs (`sin`, `cos`,
//! `atan2`, `powf`, `ln`). Natively they are Rust's own; in the browser they are
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
        assert_eq!(ln(1.0), 0.0);
        assert_eq!(atan2(0.0, 1.0), 0.0);
        assert!((atan2(1.0, 0.0) - std::f64::consts::FRAC_PI_2).abs() < 1e-15);
        assert!((atan2(sin(2.0), cos(2.0)) - 2.0).abs() < 1e-12);
    }
}
