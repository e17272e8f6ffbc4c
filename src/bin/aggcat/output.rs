//! Output formats: aligned tables for people, TSV and CSV for scripts.

use std::io::{self, Write};

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// Aligned columns with an upper-case header.
    #[default]
    Table,
    /// A snake_case header line, then one tab-separated line per row.
    Tsv,
    /// Like TSV, with commas and CSV quoting.
    Csv,
    /// The response body exactly as received.
    Xml,
}

impl Format {
    pub fn from_name(name: &str) -> Option<Format> {
        match name {
            "table" => Some(Format::Table),
            "tsv" => Some(Format::Tsv),
            "csv" => Some(Format::Csv),
            "xml" => Some(Format::Xml),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Tsv => "tsv",
            Format::Csv => "csv",
            Format::Xml => "xml",
        }
    }
}

/// Rows of text under snake_case column names.
#[derive(Debug, Default)]
pub struct Table {
    pub columns: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(columns: &[&'static str]) -> Self {
        Table {
            columns: columns.to_vec(),
            rows: Vec::new(),
        }
    }

    pub fn push(&mut self, row: Vec<String>) {
        debug_assert_eq!(row.len(), self.columns.len());
        self.rows.push(row);
    }

    /// Writes the table in `format`. [`Format::Xml`] writes an aligned table too, because XML
    /// output is the response body, which the caller prints instead.
    pub fn write(&self, format: Format, out: &mut dyn Write) -> io::Result<()> {
        match format {
            Format::Table | Format::Xml => self.write_aligned(out),
            Format::Tsv => self.write_tsv(out),
            Format::Csv => self.write_csv(out),
        }
    }

    fn write_aligned(&self, out: &mut dyn Write) -> io::Result<()> {
        let header: Vec<String> = self
            .columns
            .iter()
            .map(|column| column.replace('_', " ").to_uppercase())
            .collect();
        let rows: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|row| row.iter().map(|cell| single_line(cell)).collect())
            .collect();

        // NOTE: widths count characters, so East Asian wide characters misalign a column.
        let mut widths: Vec<usize> = header.iter().map(|title| title.chars().count()).collect();
        for row in &rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }

        for row in std::iter::once(&header).chain(&rows) {
            let mut line = String::new();
            for (index, (cell, width)) in row.iter().zip(&widths).enumerate() {
                if index + 1 == row.len() {
                    line.push_str(cell);
                } else {
                    let padding = width - cell.chars().count();
                    line.push_str(cell);
                    line.extend(std::iter::repeat_n(' ', padding + 2));
                }
            }
            writeln!(out, "{}", line.trim_end())?;
        }
        Ok(())
    }

    fn write_tsv(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "{}", self.columns.join("\t"))?;
        for row in &self.rows {
            let cells: Vec<String> = row.iter().map(|cell| escape_tsv(cell)).collect();
            writeln!(out, "{}", cells.join("\t"))?;
        }
        Ok(())
    }

    fn write_csv(&self, out: &mut dyn Write) -> io::Result<()> {
        let mut writer = csv::Writer::from_writer(out);
        writer.write_record(&self.columns).map_err(csv_error)?;
        for row in &self.rows {
            writer.write_record(row).map_err(csv_error)?;
        }
        writer.flush()
    }
}

fn csv_error(error: csv::Error) -> io::Error {
    match error.into_kind() {
        csv::ErrorKind::Io(error) => error,
        other => io::Error::other(format!("{other:?}")),
    }
}

/// Replaces line breaks and tabs with spaces, so that one row stays on one line.
fn single_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Escapes the characters that would break a TSV line: `\` as `\\`, tab as `\t`, line feed as
/// `\n`, carriage return as `\r`.
pub fn escape_tsv(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            '\t' => escaped.push_str("\\t"),
            '\n' => escaped.push_str("\\n"),
            '\r' => escaped.push_str("\\r"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// Quotes `word` for a POSIX shell when it contains anything but letters, digits and
/// `-_./:=@%+,`.
pub fn shell_quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        let mut table = Table::new(&["id", "home_url"]);
        table.push(vec!["1".into(), "https://a.example/".into()]);
        table.push(vec!["100000".into(), "tab\there, \"quoted\"".into()]);
        table
    }

    fn render(table: &Table, format: Format) -> String {
        let mut out = Vec::new();
        table.write(format, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn table_aligns_columns() {
        assert_eq!(
            render(&sample(), Format::Table),
            "ID      HOME URL\n\
             1       https://a.example/\n\
             100000  tab here, \"quoted\"\n"
        );
    }

    #[test]
    fn tsv_escapes_tabs() {
        assert_eq!(
            render(&sample(), Format::Tsv),
            "id\thome_url\n1\thttps://a.example/\n100000\ttab\\there, \"quoted\"\n"
        );
    }

    #[test]
    fn csv_quotes_commas_and_quotes() {
        assert_eq!(
            render(&sample(), Format::Csv),
            "id,home_url\n1,https://a.example/\n100000,\"tab\there, \"\"quoted\"\"\"\n"
        );
    }

    #[test]
    fn shell_quote_leaves_plain_words() {
        assert_eq!(shell_quote("10.1.2.3"), "10.1.2.3");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
        assert_eq!(shell_quote(""), "''");
    }
}
