//! Objectifying documents: `XmlNode::parse` against a bare roxmltree parse and walk.

use std::hint::black_box;
use std::time::{Duration, Instant};

use aggcat::XmlNode;

use crate::heap::{current_bytes, peak_bytes, reset_peak};
use crate::{median, Row, RUNS};

/// The minimum duration of one timed sample.
const MIN_SAMPLE: Duration = Duration::from_millis(10);
/// The time that the samples of one small document take in all, at least.
const MIN_TOTAL: Duration = Duration::from_millis(3_000);
/// The maximum number of samples of one document.
const MAX_SAMPLES: usize = 51;

/// Times `XmlNode::parse` against `roxmltree::Document::parse` plus a walk over every
/// element and text node, then measures the heap of one more parse.
///
/// Samples of the two alternate, and which one goes first alternates too. The ratio is the
/// median of the ratios of adjacent samples, so that load from other processes, which
/// changes over seconds, affects both sides of each ratio alike.
pub fn measure(case: &str, document: String) -> anyhow::Result<Row> {
    let (floor_elements, _) = parse_and_walk_floor(&document)?;
    let tree_elements = count_elements(&XmlNode::parse(&document)?);
    anyhow::ensure!(
        floor_elements == tree_elements,
        "{case}: roxmltree found {floor_elements} elements but XmlNode {tree_elements}"
    );

    // Small documents parse in well under a millisecond, so each sample of those repeats the
    // parse enough times to take about `MIN_SAMPLE` and reports the mean. They also get more
    // samples, up to about `MIN_TOTAL` in all.
    let start = Instant::now();
    black_box(parse_and_walk_floor(black_box(&document))?);
    let once = start.elapsed().as_secs_f64();
    let repeats = ((MIN_SAMPLE.as_secs_f64() / once).ceil() as u32).max(1);
    let sample = once * f64::from(repeats);
    let samples = ((MIN_TOTAL.as_secs_f64() / (2.0 * sample)) as usize).clamp(RUNS, MAX_SAMPLES);

    let mut floor_times = Vec::with_capacity(samples);
    let mut times = Vec::with_capacity(samples);
    let mut ratios = Vec::with_capacity(samples);
    for index in 0..samples {
        let (floor, time) = if index % 2 == 0 {
            let floor = time_floor(&document, repeats)?;
            (floor, time_parse(&document, repeats)?)
        } else {
            let time = time_parse(&document, repeats)?;
            (time_floor(&document, repeats)?, time)
        };
        floor_times.push(floor);
        times.push(time);
        ratios.push(time.as_secs_f64() / floor.as_secs_f64());
    }
    ratios.sort_unstable_by(f64::total_cmp);

    let size = document.len();
    let (peak_heap, retained_heap) = measure_heap(document)?;
    Ok(Row {
        case: format!("objectify {case}"),
        size: Some(size),
        elements: Some(tree_elements),
        median: Some(median(&mut times)),
        floor: Some(median(&mut floor_times)),
        ratio: Some(ratios[ratios.len() / 2]),
        peak_heap: Some(peak_heap),
        retained_heap: Some(retained_heap),
        ..Row::default()
    })
}

/// Returns the mean time of `repeats` floor parses and walks.
fn time_floor(document: &str, repeats: u32) -> anyhow::Result<Duration> {
    let start = Instant::now();
    for _ in 0..repeats {
        black_box(parse_and_walk_floor(black_box(document))?);
    }
    Ok(start.elapsed() / repeats)
}

/// Returns the mean time of `repeats` calls of `XmlNode::parse`, dropping each tree.
fn time_parse(document: &str, repeats: u32) -> anyhow::Result<Duration> {
    let start = Instant::now();
    for _ in 0..repeats {
        drop(black_box(XmlNode::parse(black_box(document))?));
    }
    Ok(start.elapsed() / repeats)
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

pub fn count_elements(node: &XmlNode) -> usize {
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

/// Compares the time per element of the 1x, 4x and 16x institution lists.
pub fn linear_cost_note(rows: &[Row]) -> String {
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
