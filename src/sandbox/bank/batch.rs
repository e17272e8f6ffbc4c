//! Batch ("export") files: generated gzip files and byte-range requests on them.

use std::io::Write;

use flate2::write::GzEncoder;
use flate2::Compression;
use time::{Date, Month, OffsetDateTime, Time};

use super::documents::BatchFile;
use super::generate::SERVICE_OFFSET;
use super::random::Rng;

/// Generates three deterministic gzip files of tab-separated transaction lines.
pub(crate) fn generate_files(seed: u64) -> Vec<BatchFile> {
    let mut rng = Rng::new(seed ^ 0xBA7C);
    (1..=3u8)
        .map(|day| {
            let mut text = String::from("accountId\ttransactionId\tpostedDate\tamount\n");
            for line in 0..(200 + rng.below(300)) {
                text.push_str(&format!(
                    "{}\t{}\t2014-08-{day:02}\t-{}.{:02}\n",
                    400_000_000_000 + rng.below(1_000_000),
                    10_000_000_000 + line,
                    rng.below(900),
                    rng.below(100)
                ));
            }
            let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
            // Writing into a Vec cannot fail, so an error here would be a flate2 bug; an empty
            // file is served in that case.
            let data = encoder
                .write_all(text.as_bytes())
                .and_then(|_| encoder.finish())
                .unwrap_or_default();
            let modified = Date::from_calendar_date(2014, Month::August, day)
                .map(|date| date.with_time(Time::from_hms(2, 0, 0).unwrap_or(Time::MIDNIGHT)))
                .map(|moment| moment.assume_offset(SERVICE_OFFSET))
                .unwrap_or(OffsetDateTime::UNIX_EPOCH);
            BatchFile {
                name: format!("export_transactions_201408{day:02}.txt.gz"),
                data,
                modified,
                deleted: false,
            }
        })
        .collect()
}

/// What a `Range` header asks for.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum RangeRequest {
    /// The inclusive byte range to send with 206.
    Bytes(usize, usize),
    /// A range that starts at or past the end of the file: 416.
    NotSatisfiable,
    /// A header this sandbox does not understand (a suffix range `-n`, several ranges, a last
    /// byte before the first): ignored, as HTTP allows, so the whole file is sent with 200.
    Unrecognized,
}

/// Parses a `Range` header (`a-b`, `a-` or `bytes=a-b`, inclusive bounds) for a file of `size`
/// bytes.
pub(crate) fn parse_range(header: &str, size: usize) -> RangeRequest {
    let header = header.trim();
    let spec = match header.get(..6) {
        Some(prefix) if prefix.eq_ignore_ascii_case("bytes=") => &header[6..],
        _ => header,
    };
    let Some((first, last)) = spec.split_once('-') else {
        return RangeRequest::Unrecognized;
    };
    let Ok(first) = first.trim().parse::<usize>() else {
        return RangeRequest::Unrecognized;
    };
    let last = match last.trim() {
        "" => None,
        text => match text.parse::<usize>() {
            Ok(last) if last >= first => Some(last),
            _ => return RangeRequest::Unrecognized,
        },
    };
    if first >= size {
        return RangeRequest::NotSatisfiable;
    }
    RangeRequest::Bytes(first, last.unwrap_or(size - 1).min(size - 1))
}

#[cfg(test)]
mod tests {
    use super::{parse_range, RangeRequest};

    #[test]
    fn range_forms() {
        assert_eq!(parse_range("0-9", 100), RangeRequest::Bytes(0, 9));
        assert_eq!(parse_range("bytes=10-19", 100), RangeRequest::Bytes(10, 19));
        assert_eq!(parse_range("90-", 100), RangeRequest::Bytes(90, 99));
        assert_eq!(parse_range("90-500", 100), RangeRequest::Bytes(90, 99));
        assert_eq!(parse_range("100-200", 100), RangeRequest::NotSatisfiable);
        assert_eq!(parse_range("100-", 100), RangeRequest::NotSatisfiable);
        assert_eq!(parse_range("9-1", 100), RangeRequest::Unrecognized);
        assert_eq!(parse_range("abc", 100), RangeRequest::Unrecognized);
        assert_eq!(parse_range("-5", 100), RangeRequest::Unrecognized);
        assert_eq!(parse_range("0-1,5-9", 100), RangeRequest::Unrecognized);
    }
}
