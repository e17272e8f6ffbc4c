//! Transaction date arguments: [`time::Date`] values or strict `YYYY-MM-DD` strings.

use crate::error::{Error, Result};

/// A transaction date: a [`time::Date`] or a `YYYY-MM-DD` string.
pub trait IntoDate {
    /// Converts to a date.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for a string that is not `YYYY-MM-DD` or names an impossible
    /// date such as `2014-13-01` or `2014-02-30`.
    fn into_date(self) -> Result<time::Date>;
}

/// An optional end date: anything [`IntoDate`] accepts, or `None`.
pub trait IntoOptionalDate {
    /// Converts to an optional date.
    ///
    /// # Errors
    ///
    /// The errors of [`IntoDate::into_date`].
    fn into_optional_date(self) -> Result<Option<time::Date>>;
}

impl IntoDate for time::Date {
    fn into_date(self) -> Result<time::Date> {
        // The service takes `YYYY-MM-DD`, so a year must have exactly four digits.
        if !(1000..=9999).contains(&self.year()) {
            return Err(Error::InvalidInput {
                parameter: "date",
                reason: format!("the year {} is not a four-digit year", self.year()),
            });
        }
        Ok(self)
    }
}

impl IntoDate for &str {
    fn into_date(self) -> Result<time::Date> {
        parse_date(self)
    }
}

impl IntoDate for String {
    fn into_date(self) -> Result<time::Date> {
        parse_date(&self)
    }
}

impl IntoDate for &String {
    fn into_date(self) -> Result<time::Date> {
        parse_date(self)
    }
}

impl<T: IntoDate> IntoOptionalDate for T {
    fn into_optional_date(self) -> Result<Option<time::Date>> {
        self.into_date().map(Some)
    }
}

impl IntoOptionalDate for Option<time::Date> {
    fn into_optional_date(self) -> Result<Option<time::Date>> {
        Ok(self)
    }
}

/// Parses exactly `YYYY-MM-DD` (four-digit year, two-digit month and day).
///
/// The error names the parameter `date`; the transaction call renames it to `start_date` or
/// `end_date`.
pub(crate) fn parse_date(text: &str) -> Result<time::Date> {
    let invalid = |reason: &str| Error::InvalidInput {
        parameter: "date",
        reason: format!("{text:?} {reason}"),
    };
    let bytes = text.as_bytes();
    let shape_ok = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(index, byte)| index == 4 || index == 7 || byte.is_ascii_digit());
    if !shape_ok {
        return Err(invalid("is not a date in the form YYYY-MM-DD"));
    }

    let year: i32 = text[0..4]
        .parse()
        .map_err(|_| invalid("has an invalid year"))?;
    let month: u8 = text[5..7]
        .parse()
        .map_err(|_| invalid("has an invalid month"))?;
    let day: u8 = text[8..10]
        .parse()
        .map_err(|_| invalid("has an invalid day"))?;
    let month = time::Month::try_from(month).map_err(|_| invalid("has a month outside 01-12"))?;
    time::Date::from_calendar_date(year, month, day)
        .map_err(|_| invalid("is not a day of the calendar"))
}

/// Formats a date as `YYYY-MM-DD` for the query string.
pub(crate) fn format_date(date: time::Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// Renames the parameter of a date error to `parameter`.
pub(crate) fn rename_parameter(error: Error, parameter: &'static str) -> Error {
    match error {
        Error::InvalidInput { reason, .. } => Error::InvalidInput { parameter, reason },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn date_year_needs_four_digits() {
        let ancient = time::Date::from_calendar_date(-5, time::Month::January, 1).unwrap();

        let error = ancient.into_date().unwrap_err();

        assert!(matches!(error, Error::InvalidInput { .. }), "{error:?}");
        assert!(date!(1000 - 01 - 01).into_date().is_ok());
    }

    #[test]
    fn strict_dates_parse() {
        assert_eq!("2014-01-01".into_date().unwrap(), date!(2014 - 01 - 01));
        assert_eq!(
            String::from("2012-02-29").into_date().unwrap(),
            date!(2012 - 02 - 29)
        );
        assert_eq!(
            (&String::from("1999-12-31")).into_date().unwrap(),
            date!(1999 - 12 - 31)
        );
        assert_eq!(
            date!(2020 - 05 - 06).into_date().unwrap(),
            date!(2020 - 05 - 06)
        );
    }

    #[test]
    fn impossible_dates_rejected() {
        for text in [
            "2014-13-01",
            "2014-00-10",
            "2013-02-29",
            "2014-04-31",
            "2014-1-01",
            "14-01-01",
            "2014/01/01",
            "2014-01-01T00:00:00",
            " 2014-01-01",
            "+014-01-01",
            "",
        ] {
            assert!(
                matches!(text.into_date(), Err(Error::InvalidInput { .. })),
                "date {text:?}"
            );
        }
    }

    #[test]
    fn optional_dates() {
        assert_eq!(None::<time::Date>.into_optional_date().unwrap(), None);
        assert_eq!(
            "2014-02-01".into_optional_date().unwrap(),
            Some(date!(2014 - 02 - 01))
        );
        assert_eq!(
            Some(date!(2014 - 02 - 01)).into_optional_date().unwrap(),
            Some(date!(2014 - 02 - 01))
        );
        assert!("2014-13-01".into_optional_date().is_err());
    }

    #[test]
    fn dates_format_with_padding() {
        assert_eq!(format_date(date!(2014 - 01 - 05)), "2014-01-05");
        assert_eq!(format_date(date!(0999 - 12 - 31)), "0999-12-31");
    }
}
