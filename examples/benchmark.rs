//! Measures objectifying large documents, heap use and linear cost.
//!
//! Run with `cargo run --release --features sandbox --example benchmark`. BENCHMARKS.md
//! explains each row and records a run.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use aggcat::sandbox::documents;
use aggcat::XmlNode;

/// Number of timed runs of each measurement; the table shows the median.
const RUNS: usize = 7;
/// The minimum duration of one timed sample.
const MIN_SAMPLE: Duration = Duration::from_millis(20);
/// Number of institutions in the service's full list, as the Python client's docs give it.
const INSTITUTIONS: usize = 18_716;
const TRANSACTIONS: usize = 20_000;
const ACCOUNTS: usize = 200;
const SEED: u64 = 1;

/// Bytes currently allocated and the maximum since the last [`reset_peak`].
static CURRENT_BYTES: AtomicUsize = AtomicUsize::new(0);
static PEAK_BYTES: AtomicUsize = AtomicUsize::new(0);

/// The system allocator, counting the bytes it hands out.
struct CountingAllocator;

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so it
// upholds the `GlobalAlloc` contract exactly as `System` does. The counters only read
// `layout.size()` and never touch the memory.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let pointer = System.alloc(layout);
        if !pointer.is_null() {
            count_allocation(layout.size());
        }
        pointer
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let pointer = System.alloc_zeroed(layout);
        if !pointer.is_null() {
            count_allocation(layout.size());
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        System.dealloc(pointer, layout);
        CURRENT_BYTES.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new_pointer = System.realloc(pointer, layout, new_size);
        if !new_pointer.is_null() {
            CURRENT_BYTES.fetch_sub(layout.size(), Ordering::Relaxed);
            count_allocation(new_size);
        }
        new_pointer
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

fn count_allocation(size: usize) {
    let current = CURRENT_BYTES.fetch_add(size, Ordering::Relaxed) + size;
    PEAK_BYTES.fetch_max(current, Ordering::Relaxed);
}

fn current_bytes() -> usize {
    CURRENT_BYTES.load(Ordering::Relaxed)
}

/// Starts a new peak measurement at the current allocation level.
fn reset_peak() {
    PEAK_BYTES.store(current_bytes(), Ordering::Relaxed);
}

fn peak_bytes() -> usize {
    PEAK_BYTES.load(Ordering::Relaxed)
}

/// One line of the results table. `None` leaves a cell empty.
#[derive(Default)]
struct Row {
    case: String,
    size: Option<usize>,
    elements: Option<usize>,
    median: Option<Duration>,
    floor: Option<Duration>,
    peak_heap: Option<usize>,
    retained_heap: Option<usize>,
    requests_per_second: Option<f64>,
}

fn main() -> anyhow::Result<()> {
    let started = Instant::now();
    let mut rows = Vec::new();
    let mut notes = Vec::new();

    let institutions = documents::institutions_xml(INSTITUTIONS, SEED);
    rows.push(measure_objectify("institutions", institutions)?);
    let transactions = documents::transactions_xml(TRANSACTIONS, SEED);
    rows.push(measure_objectify("transactions", transactions)?);
    let accounts = documents::accounts_xml(ACCOUNTS, SEED);
    rows.push(measure_objectify("accounts", accounts)?);
    for factor in [4, 16] {
        let document = documents::institutions_xml(factor * INSTITUTIONS, SEED);
        rows.push(measure_objectify(
            &format!("institutions {factor}x"),
            document,
        )?);
    }
    notes.push(linear_cost_note(&rows));

    print_table(&rows);
    for note in notes {
        println!("{note}");
    }
    println!("total run time: {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// Times `XmlNode::parse` against `roxmltree::Document::parse` plus a walk over every
/// element and text node, interleaving the two so that drift affects both alike, then
/// measures the heap of one more parse.
fn measure_objectify(case: &str, document: String) -> anyhow::Result<Row> {
    let (floor_elements, _) = parse_and_walk_floor(&document)?;
    let tree_elements = count_elements(&XmlNode::parse(&document)?);
    anyhow::ensure!(
        floor_elements == tree_elements,
        "{case}: roxmltree found {floor_elements} elements but XmlNode {tree_elements}"
    );

    // Small documents parse in well under a millisecond, so each sample of those repeats the
    // parse enough times to take about `MIN_SAMPLE` and reports the mean.
    let start = Instant::now();
    black_box(parse_and_walk_floor(black_box(&document))?);
    let repeats = (MIN_SAMPLE.as_secs_f64() / start.elapsed().as_secs_f64()).ceil() as u32;
    let repeats = repeats.max(1);

    let mut floor_times = Vec::with_capacity(RUNS);
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let start = Instant::now();
        for _ in 0..repeats {
            black_box(parse_and_walk_floor(black_box(&document))?);
        }
        floor_times.push(start.elapsed() / repeats);

        let start = Instant::now();
        for _ in 0..repeats {
            drop(black_box(XmlNode::parse(black_box(&document))?));
        }
        times.push(start.elapsed() / repeats);
    }

    let size = document.len();
    let (peak_heap, retained_heap) = measure_heap(document)?;
    Ok(Row {
        case: format!("objectify {case}"),
        size: Some(size),
        elements: Some(tree_elements),
        median: Some(median(&mut times)),
        floor: Some(median(&mut floor_times)),
        peak_heap: Some(peak_heap),
        retained_heap: Some(retained_heap),
        requests_per_second: None,
    })
}

/// Parses with roxmltree and visits every element and every text node, returning the number
/// of elements and the total text length.
fn parse_and_walk_floor(document: &str) -> anyhow::Result<(usize, usize)> {
    let parsed = roxmltree::Document::parse(document)?;
    let mut elements = 0;
    let mut text_bytes = 0;
    for node in parsed.root().descendants() {
        if node.is_element() {
            elements += 1;
        } else if let Some(text) = node.text() {
            text_bytes += text.len();
        }
    }
    Ok((elements, text_bytes))
}

fn count_elements(node: &XmlNode) -> usize {
    1 + node
        .children()
        .map(|child| count_elements(&child))
        .sum::<usize>()
}

/// Returns the heap allocated at the peak of `XmlNode::parse` and the heap the tree keeps
/// once the input is dropped, both in bytes and without the input itself.
fn measure_heap(document: String) -> anyhow::Result<(usize, usize)> {
    let before_input = current_bytes() - document.capacity();
    reset_peak();
    let with_input = current_bytes();
    let root = XmlNode::parse(&document)?;
    let peak = peak_bytes() - with_input;
    drop(document);
    let retained = current_bytes() - before_input;
    drop(root);
    Ok((peak, retained))
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort_unstable();
    times[times.len() / 2]
}

/// Compares the time per element of the 1x, 4x and 16x institution lists.
fn linear_cost_note(rows: &[Row]) -> String {
    let per_element: Vec<String> = rows
        .iter()
        .filter(|row| row.case.starts_with("objectify institutions"))
        .filter_map(|row| {
            let nanoseconds = row.median?.as_nanos() as f64 / row.elements? as f64;
            Some(format!("{} {nanoseconds:.1} ns", row.case))
        })
        .collect();
    format!("time per element: {}", per_element.join(", "))
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
    let ratio = match (row.median, row.floor) {
        (Some(median), Some(floor)) => {
            format!("{:.2}x", median.as_secs_f64() / floor.as_secs_f64())
        }
        _ => String::new(),
    };
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
