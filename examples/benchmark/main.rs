//! Measures the client: objectifying large documents, heap use, linear cost, signed requests
//! against the sandbox, bytes on the wire and large responses.
//!
//! Run with `cargo run --release --features sandbox --example benchmark`. It prints one table
//! and a few lines of notes. BENCHMARKS.md explains each row and records a run.

mod forwarder;
mod heap;
mod objectify;
mod requests;

use std::time::{Duration, Instant};

use aggcat::sandbox::documents;

/// Number of timed samples of each measurement (at least); the table shows the median.
const RUNS: usize = 7;
/// Number of institutions in the service's full list, as the Python client's docs give it.
const INSTITUTIONS: usize = 18_716;
/// Number of transactions of the large transaction list (the sandbox's `big_transactions`).
const TRANSACTIONS: usize = 20_000;
/// Number of accounts of the account list.
const ACCOUNTS: usize = 200;
/// Seed of the sandbox's document generators.
const SEED: u64 = 1;

/// One line of the results table. `None` leaves a cell empty.
#[derive(Default)]
struct Row {
    case: String,
    /// Document or body size in bytes.
    size: Option<usize>,
    elements: Option<usize>,
    /// Median time of the measured operation (per call for request rows).
    median: Option<Duration>,
    /// Median time of the baseline on the same input, in the same samples.
    floor: Option<Duration>,
    /// Median ratio of the measured time to the floor time over adjacent samples.
    ratio: Option<f64>,
    peak_heap: Option<usize>,
    retained_heap: Option<usize>,
    requests_per_second: Option<f64>,
}

fn main() -> anyhow::Result<()> {
    let started = Instant::now();
    let mut rows = Vec::new();
    let mut notes = Vec::new();

    let institutions = documents::institutions_xml(INSTITUTIONS, SEED);
    rows.push(objectify::measure("institutions", institutions)?);
    let transactions = documents::transactions_xml(TRANSACTIONS, SEED);
    rows.push(objectify::measure("transactions", transactions)?);
    let accounts = documents::accounts_xml(ACCOUNTS, SEED);
    rows.push(objectify::measure("accounts", accounts)?);
    for factor in [4, 16] {
        let document = documents::institutions_xml(factor * INSTITUTIONS, SEED);
        let case = format!("institutions {factor}x");
        rows.push(objectify::measure(&case, document)?);
    }
    notes.push(objectify::linear_cost_note(&rows));

    requests::measure(&mut rows, &mut notes)?;

    print_table(&rows);
    for note in notes {
        println!("{note}");
    }
    println!("total run time: {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort_unstable();
    times[times.len() / 2]
}

fn print_table(rows: &[Row]) {
    let header = [
        "case",
        "size",
        "elements",
        "median",
        "floor",
        "ratio",
        "peak heap",
        "retained heap",
        "requests/s",
    ];
    let cells: Vec<[String; 9]> = rows.iter().map(row_cells).collect();
    let mut widths = header.map(str::len);
    for row in &cells {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.len());
        }
    }
    let line = |cells: &[String]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(widths)
            .enumerate()
            .map(|(column, (cell, width))| {
                if column == 0 {
                    format!("{cell:<width$}")
                } else {
                    format!("{cell:>width$}")
                }
            })
            .collect();
        format!("| {} |", padded.join(" | "))
    };
    println!("{}", line(&header.map(String::from)));
    let rule: Vec<String> = widths
        .iter()
        .enumerate()
        .map(|(column, &width)| {
            if column == 0 {
                "-".repeat(width + 2)
            } else {
                format!("{}:", "-".repeat(width + 1))
            }
        })
        .collect();
    println!("|{}|", rule.join("|"));
    for row in &cells {
        println!("{}", line(row));
    }
}

fn row_cells(row: &Row) -> [String; 9] {
    let ratio = row
        .ratio
        .map(|ratio| format!("{ratio:.2}x"))
        .unwrap_or_default();
    let heap = |bytes: Option<usize>| match (bytes, row.size) {
        (Some(bytes), Some(size)) => format!(
            "{} ({:.2}x)",
            format_bytes(bytes),
            bytes as f64 / size as f64
        ),
        (Some(bytes), None) => format_bytes(bytes),
        _ => String::new(),
    };
    [
        row.case.clone(),
        row.size.map(format_bytes).unwrap_or_default(),
        row.elements
            .map(|count| count.to_string())
            .unwrap_or_default(),
        row.median.map(format_duration).unwrap_or_default(),
        row.floor.map(format_duration).unwrap_or_default(),
        ratio,
        heap(row.peak_heap),
        heap(row.retained_heap),
        row.requests_per_second
            .map(|rate| format!("{rate:.0}"))
            .unwrap_or_default(),
    ]
}

fn format_bytes(bytes: usize) -> String {
    const MIB: f64 = 1024.0 * 1024.0;
    if bytes as f64 >= MIB {
        format!("{:.2} MiB", bytes as f64 / MIB)
    } else {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    }
}

fn format_duration(duration: Duration) -> String {
    let microseconds = duration.as_secs_f64() * 1e6;
    if microseconds >= 10_000.0 {
        format!("{:.1} ms", microseconds / 1000.0)
    } else {
        format!("{microseconds:.1} µs")
    }
}
