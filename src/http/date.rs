//! Business dates from clients: exactly `YYYY-MM-DD`, a four-digit year from 1900 to 2999, the
//! same on both backends (chrono alone accepts `27-01-05`, `2027-1-5` and `+10000-01-01`).
//!
//! Every `NaiveDate` a client sends is read through one of these, with
//! `#[serde(deserialize_with = "day")]` (or `opt_day` with `default`, or `patch_day` for PATCH
//! fields that may be `null`); the schema stays `type: string, format: date`.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer};

/// The years a business date may fall in.
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2999;

/// Parses a business date strictly.
pub fn parse_day(s: &str) -> Result<NaiveDate, String> {
    let b = s.as_bytes();
    let shaped = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    let message = || {
        format!(
            "must be a date as YYYY-MM-DD with a year from {} to {}",
            YEARS.start(),
            YEARS.end()
        )
    };
    if !shaped {
        return Err(message());
    }
    let day = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| message())?;
    if !YEARS.contains(&day.year()) {
        return Err(message());
    }
    Ok(day)
}

/// A required business date.
pub fn day<'de, D: Deserializer<'de>>(de: D) -> Result<NaiveDate, D::Error> {
    let s = String::deserialize(de)?;
    parse_day(&s).map_err(serde::de::Error::custom)
}

/// An optional business date (use with `#[serde(default)]`).
pub fn opt_day<'de, D: Deserializer<'de>>(de: D) -> Result<Option<NaiveDate>, D::Error> {
    match Option::<String>::deserialize(de)? {
        Some(s) => parse_day(&s).map(Some).map_err(serde::de::Error::custom),
        None => Ok(None),
    }
}

/// A PATCH date field: absent (`None`), `null` (`Some(None)`) or a date (use with
/// `#[serde(default)]`).
pub fn patch_day<'de, D: Deserializer<'de>>(de: D) -> Result<Option<Option<NaiveDate>>, D::Error> {
    opt_day(de).map(Some)
}

#[cfg(test)]
mod tests {
    use super::parse_day;

    #[test]
    fn only_four_digit_years_in_range_with_two_digit_months_and_days() {
        assert!(parse_day("2027-01-05").is_ok());
        assert!(parse_day("1900-01-01").is_ok());
        assert!(parse_day("2999-12-31").is_ok());
        for bad in [
            "27-01-05",
            "2027-1-5",
            "+10000-01-01",
            "1899-12-31",
            "3000-01-01",
            "2027-02-30",
            "2027-01-05T00:00:00",
            " 2027-01-05",
            "2027/01/05",
            "",
        ] {
            assert!(parse_day(bad).is_err(), "{bad} must be refused");
        }
    }
}
