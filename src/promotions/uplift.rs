//! The arithmetic of a promotion's results, in integer minor units wherever money is concerned
//! (see `docs/promotions.md`).
//!
//! With `P` the participants' and `C` the control group's sales of the promoted products, each
//! during the measured days (`D`) and in the baseline window of as many days just before the
//! first day (`B`):
//!
//! - growth of a group: `(D - B) / B`;
//! - expected sales of the participants without the promotion: `P_B * C_D / C_B` (their
//!   baseline grown like the control group), rounded half away from zero to a minor unit; just
//!   `P_B` when there is no control (no other customers in the territory, or none sold in the
//!   baseline window);
//! - uplift amount: `P_D - expected`;
//! - uplift percent: the participants' growth minus the control's, in percentage points over
//!   the baseline, `100 * (P_D / P_B - C_D / C_B)` (exactly `100 * uplift / P_B` before the
//!   rounding of `expected`); none without a baseline (`P_B <= 0`);
//! - return on spend: `uplift / spend` (none without spend); net return: `uplift - spend`.

/// A group's sales during the measured days and in the baseline window, minor units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sums {
    pub during: i64,
    pub baseline: i64,
}

impl Sums {
    pub fn add(&mut self, other: Sums) {
        self.during = self.during.saturating_add(other.during);
        self.baseline = self.baseline.saturating_add(other.baseline);
    }

    /// `(during - baseline) / baseline` in percent; none without a baseline.
    pub fn growth_pct(self) -> Option<f64> {
        (self.baseline > 0).then(|| {
            100.0 * (i128::from(self.during) - i128::from(self.baseline)) as f64
                / self.baseline as f64
        })
    }

    /// The control group as a yardstick: only when it sold in the baseline window.
    pub fn as_control(self) -> Option<Sums> {
        (self.baseline > 0).then_some(self)
    }
}

/// `n / d` rounded half away from zero (`d > 0`), saturated to `i64`.
pub fn div_round(n: i128, d: i128) -> i64 {
    let q = n / d;
    let r = n % d;
    let q = if 2 * r.abs() >= d { q + n.signum() } else { q };
    i64::try_from(q).unwrap_or(if q < 0 { i64::MIN } else { i64::MAX })
}

/// What a group did against what it would have done without the promotion.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Uplift {
    /// Expected sales without the promotion, minor units.
    pub expected: i64,
    /// `during - expected`, minor units.
    pub amount: i64,
    /// Percentage points over the baseline; none without a baseline.
    pub pct: Option<f64>,
}

/// The uplift of `group` measured against `control` (see the module).
pub fn uplift(group: Sums, control: Option<Sums>) -> Uplift {
    let (b, d) = (i128::from(group.baseline), i128::from(group.during));
    let expected = match control {
        Some(c) => div_round(b * i128::from(c.during), i128::from(c.baseline)),
        None => group.baseline,
    };
    let pct = (group.baseline > 0).then(|| match control {
        Some(c) => {
            let (cb, cd) = (i128::from(c.baseline), i128::from(c.during));
            (100 * (d * cb - cd * b)) as f64 / (b * cb) as f64
        }
        None => (100 * (d - b)) as f64 / b as f64,
    });
    Uplift {
        expected,
        amount: group.during.saturating_sub(expected),
        pct,
    }
}

/// `uplift / spend`; none without spend.
pub fn return_on_spend(uplift: i64, spend: i64) -> Option<f64> {
    (spend > 0).then(|| uplift as f64 / spend as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(div_round(5, 2), 3);
        assert_eq!(div_round(-5, 2), -3);
        assert_eq!(div_round(4, 3), 1);
        assert_eq!(div_round(5, 3), 2);
        assert_eq!(div_round(-4, 3), -1);
    }

    #[test]
    fn the_uplift_is_the_participants_growth_minus_the_controls() {
        // Participants 1,000.00 -> 1,500.00 (+50 %), control 2,000.00 -> 2,200.00 (+10 %).
        let p = Sums {
            during: 150_000,
            baseline: 100_000,
        };
        let c = Sums {
            during: 220_000,
            baseline: 200_000,
        };
        let u = uplift(p, c.as_control());
        assert_eq!(u.expected, 110_000);
        assert_eq!(u.amount, 40_000);
        assert_eq!(u.pct, Some(40.0));
        assert_eq!(p.growth_pct(), Some(50.0));
        assert_eq!(c.growth_pct(), Some(10.0));
        assert_eq!(return_on_spend(u.amount, 16_000), Some(2.5));
    }

    #[test]
    fn without_a_control_the_baseline_is_the_expectation() {
        let p = Sums {
            during: 12_000,
            baseline: 10_000,
        };
        let none = Sums {
            during: 500,
            baseline: 0,
        };
        let u = uplift(p, none.as_control());
        assert_eq!((u.expected, u.amount, u.pct), (10_000, 2_000, Some(20.0)));
        let nothing_before = uplift(
            Sums {
                during: 700,
                baseline: 0,
            },
            None,
        );
        assert_eq!(nothing_before.pct, None);
        assert_eq!(nothing_before.amount, 700);
        assert_eq!(return_on_spend(700, 0), None);
    }
}
