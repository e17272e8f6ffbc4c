//! Feeds truncated and corrupted documents, and hostile ones, to the XML parser.
//!
//! Every input must give either a tree or a typed [`Error::Xml`], never a panic. Trees that
//! parse are walked, formatted and written back with `to_xml`, which must parse to an equal
//! tree. The mutations come from a fixed-seed generator, so a failure repeats on every run and
//! its label (`file`, mutation, offset) names the input.
//!
//! With the `sandbox` feature, the sandbox's generated documents and captured replies get the
//! same treatment, and a few hundred mutated replies are served to the client over a socket,
//! where each must become a response or a typed error of the classification path.

mod support;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use aggcat::{Error, XmlNode};
use support::alloc::{peak_allocation, CountingAllocator};

/// Files up to this length are cut at every byte, and longer ones at [`SPREAD_POINTS`] points.
const EVERY_BYTE_LIMIT: usize = 4096;
/// The number of truncation points of a long file.
const SPREAD_POINTS: usize = 200;
/// The number of single-byte corruptions per file.
const SINGLE_EDITS_PER_FILE: usize = 400;
/// The number of inputs with several edits (insert, delete, replace, duplicate) per file.
const MULTI_EDITS_PER_FILE: usize = 150;
/// The upper bound for rejecting one hostile document, generous for a debug build.
const HOSTILE_BOUND: Duration = Duration::from_secs(2);

// Rejection of hostile inputs must allocate little; see the allocator's module.
#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// SplitMix64: a small deterministic generator, enough to spread mutations.
struct Generator(u64);

impl Generator {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Returns a number in `0..bound`, which must not be empty.
    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }

    /// Returns a byte that is likely to matter to an XML parser.
    fn byte(&mut self) -> u8 {
        const MARKUP: &[u8] = b"<>&;/\"'=!?[]-:# \n\0";
        match self.below(4) {
            0 => MARKUP[self.below(MARKUP.len())],
            // Continuation and lead bytes of UTF-8, which break the encoding at a random offset.
            1 => [0x80, 0xC0, 0xE2, 0xF0, 0xFF][self.below(5)],
            _ => self.next() as u8,
        }
    }
}

/// One document to mutate: where it came from and its bytes.
struct Sample {
    name: String,
    bytes: Vec<u8>,
}

fn fixture_samples() -> Vec<Sample> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut paths: Vec<PathBuf> = Vec::new();
    let mut folders = vec![root.clone()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).expect("fixture folder is readable") {
            let path = entry.expect("fixture entry is readable").path();
            if path.is_dir() {
                folders.push(path);
            } else {
                paths.push(path);
            }
        }
    }
    paths.sort();
    paths
        .into_iter()
        .map(|path| Sample {
            name: path.strip_prefix(&root).unwrap().display().to_string(),
            bytes: std::fs::read(&path).expect("fixture is readable"),
        })
        .collect()
}

/// Results of feeding many inputs to the parser.
#[derive(Default)]
struct Tally {
    cases: usize,
    parsed: usize,
    rejected: usize,
    /// Labels and descriptions of inputs that broke a rule. The test fails unless it is empty.
    failures: Vec<String>,
}

impl Tally {
    /// Parses `bytes` and records whether the outcome followed the rules.
    fn check(&mut self, label: impl FnOnce() -> String, bytes: &[u8]) {
        self.cases += 1;
        // The parser takes `&str`, so invalid UTF-8 reaches it as U+FFFD replacement
        // characters, as it would after a lossy decode.
        let text = String::from_utf8_lossy(bytes);
        let outcome = catch_unwind(AssertUnwindSafe(|| examine(&text)));
        match outcome {
            Ok(Ok(true)) => self.parsed += 1,
            Ok(Ok(false)) => self.rejected += 1,
            Ok(Err(problem)) => self.failures.push(format!("{}: {problem}", label())),
            Err(_) => self.failures.push(format!("{}: panicked", label())),
        }
    }

    fn assert_clean(&self, what: &str) {
        println!(
            "{what}: {} cases, {} parsed, {} rejected with Error::Xml",
            self.cases, self.parsed, self.rejected
        );
        assert!(
            self.failures.is_empty(),
            "{} of {} inputs broke a rule, first ones:\n{}",
            self.failures.len(),
            self.cases,
            self.failures[..self.failures.len().min(10)].join("\n")
        );
    }
}

/// Parses `text` and returns `Ok(true)` for a sound tree, `Ok(false)` for an `Error::Xml`,
/// and `Err` with a description for anything else.
fn examine(text: &str) -> Result<bool, String> {
    match XmlNode::parse(text) {
        Ok(root) => {
            walk(&root);
            let written = root.to_xml();
            match XmlNode::parse(&written) {
                Ok(again) if again == root => Ok(true),
                Ok(_) => Err("to_xml output parses to a different tree".into()),
                Err(error) => Err(format!("to_xml output does not parse: {error}")),
            }
        }
        Err(error @ Error::Xml { .. }) => {
            // Formatting must not panic either.
            let _ = (error.to_string(), format!("{error:?}"));
            Ok(false)
        }
        Err(other) => Err(format!("expected Error::Xml, got {other:?}")),
    }
}

/// Touches every accessor of every element.
fn walk(root: &XmlNode) {
    let mut pending = vec![root.clone()];
    while let Some(node) = pending.pop() {
        let _ = (node.name(), node.key(), node.namespace(), node.text());
        let _ = (
            node.len(),
            node.get(0),
            node.attribute("id"),
            format!("{node:?}"),
        );
        let _ = node.parse_field::<i64>(node.key());
        let _ = node.date_time(node.key());
        pending.extend(node.children());
    }
}

fn truncation_points(len: usize) -> Vec<usize> {
    if len <= EVERY_BYTE_LIMIT {
        (0..len).collect()
    } else {
        (0..SPREAD_POINTS)
            .map(|i| i * len / SPREAD_POINTS)
            .collect()
    }
}

fn truncate_all(samples: &[Sample], tally: &mut Tally) {
    for sample in samples {
        for end in truncation_points(sample.bytes.len()) {
            tally.check(
                || format!("{} cut at byte {end}", sample.name),
                &sample.bytes[..end],
            );
        }
    }
}

fn corrupt_all(samples: &[Sample], seed: u64, tally: &mut Tally) {
    let mut generator = Generator(seed);
    for sample in samples.iter().filter(|sample| !sample.bytes.is_empty()) {
        let original = &sample.bytes;
        for _ in 0..SINGLE_EDITS_PER_FILE {
            let mut bytes = original.clone();
            let at = generator.below(bytes.len());
            let old = bytes[at];
            bytes[at] = match generator.below(2) {
                0 => old ^ (1 << generator.below(8)),
                _ => generator.byte(),
            };
            let new = bytes[at];
            tally.check(
                || format!("{} byte {at} {old:#04x} -> {new:#04x}", sample.name),
                &bytes,
            );
        }
        for case in 0..MULTI_EDITS_PER_FILE {
            let state = generator.0;
            let bytes = edit_several(original, &mut generator);
            tally.check(
                || {
                    format!(
                        "{} multi-edit {case} (generator state {state:#x})",
                        sample.name
                    )
                },
                &bytes,
            );
        }
    }
}

/// Applies two to eight random edits: replace, insert, delete a run, or duplicate a run (which
/// nests or repeats elements).
fn edit_several(original: &[u8], generator: &mut Generator) -> Vec<u8> {
    let mut bytes = original.to_vec();
    for _ in 0..2 + generator.below(7) {
        if bytes.is_empty() {
            bytes.push(generator.byte());
            continue;
        }
        let at = generator.below(bytes.len());
        match generator.below(4) {
            0 => bytes[at] = generator.byte(),
            1 => bytes.insert(at, generator.byte()),
            2 => {
                let end = (at + 1 + generator.below(32)).min(bytes.len());
                bytes.drain(at..end);
            }
            _ => {
                let end = (at + 1 + generator.below(64)).min(bytes.len());
                let run = bytes[at..end].to_vec();
                let to = generator.below(bytes.len() + 1);
                bytes.splice(to..to, run);
            }
        }
    }
    bytes
}

#[test]
fn truncated_fixtures_fail_typed() {
    let samples = fixture_samples();
    assert!(samples.len() >= 30, "found only {} fixtures", samples.len());
    let started = Instant::now();
    let mut tally = Tally::default();

    truncate_all(&samples, &mut tally);

    tally.assert_clean("truncated fixtures");
    println!("truncated fixtures took {:?}", started.elapsed());
    assert!(tally.cases > 20_000, "only {} cases", tally.cases);
    assert!(tally.rejected > 0);
}

#[test]
fn corrupted_fixtures_fail_typed() {
    let samples = fixture_samples();
    let started = Instant::now();
    let mut tally = Tally::default();

    corrupt_all(&samples, 0x00A6_6CA7, &mut tally);

    tally.assert_clean("corrupted fixtures");
    println!("corrupted fixtures took {:?}", started.elapsed());
    assert!(tally.cases > 10_000, "only {} cases", tally.cases);
    // Some single-byte changes (inside text) leave a well-formed document.
    assert!(tally.parsed > 0);
    assert!(tally.rejected > 0);
}

/// About 1 KB of nested entity declarations that would expand to 10^9 copies of `lol`.
fn nested_entities_document() -> String {
    let mut document = String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n");
    document.push_str("<!ENTITY lol0 \"lol\">\n");
    for level in 1..10 {
        let reference = format!("&lol{};", level - 1);
        document.push_str(&format!(
            "<!ENTITY lol{level} \"{}\">\n",
            reference.repeat(10)
        ));
    }
    document.push_str("]>\n<AccountList><name>&lol9;</name></AccountList>");
    document
}

/// Parses `document` on a helper thread and returns its error, or panics when no result comes
/// within [`HOSTILE_BOUND`] (a parser blocked on a file read, for example).
fn rejection_within_bound(document: String) -> (Error, Duration, usize) {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let started = Instant::now();
        let (result, peak) = peak_allocation(|| XmlNode::parse(&document));
        let _ = sender.send((result.err(), started.elapsed(), peak));
    });
    match receiver.recv_timeout(HOSTILE_BOUND) {
        Ok((Some(error), elapsed, peak)) => (error, elapsed, peak),
        Ok((None, ..)) => panic!("the hostile document parsed"),
        Err(_) => panic!("no result within {HOSTILE_BOUND:?}"),
    }
}

fn assert_xml_error(error: &Error, expected: roxmltree::Error) {
    match error {
        Error::Xml { source, .. } => assert_eq!(*source, expected),
        other => panic!("expected Error::Xml, got {other:?}"),
    }
}

#[test]
fn nested_entities_rejected_fast() {
    let document = nested_entities_document();
    assert!(document.len() < 1500, "{} bytes", document.len());

    let (error, elapsed, peak) = rejection_within_bound(document);

    assert_xml_error(&error, roxmltree::Error::DtdDetected);
    assert!(elapsed < HOSTILE_BOUND, "took {elapsed:?}");
    assert!(peak < 64 * 1024, "held {peak} bytes at once");
}

#[test]
fn external_entity_rejected_unread() {
    let hostname = std::fs::read_to_string("/etc/hostname").unwrap_or_default();
    let document = "<?xml version=\"1.0\"?>\n\
        <!DOCTYPE r [<!ENTITY host SYSTEM \"file:///etc/hostname\">]>\n\
        <Institutions><name>&host;</name></Institutions>"
        .to_owned();

    let (error, elapsed, peak) = rejection_within_bound(document);

    assert_xml_error(&error, roxmltree::Error::DtdDetected);
    assert!(elapsed < HOSTILE_BOUND, "took {elapsed:?}");
    assert!(peak < 64 * 1024, "held {peak} bytes at once");
    let hostname = hostname.trim();
    if !hostname.is_empty() {
        assert!(!format!("{error:?}").contains(hostname));
        assert!(!error.to_string().contains(hostname));
    }
}

/// A parser that opened the entity's file would block on this FIFO, which has no writer, and
/// so miss the time bound.
#[test]
fn external_entity_fifo_never_opened() {
    let fifo = std::env::temp_dir().join(format!("aggcat-mutation-{}.fifo", std::process::id()));
    let _ = std::fs::remove_file(&fifo);
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|status| status.success()) {
        assert!(
            std::env::var("AGGCAT_REQUIRE_TOOLS").as_deref() != Ok("1"),
            "mkfifo failed"
        );
        println!("skipping: mkfifo is not available");
        return;
    }
    let document = format!(
        "<!DOCTYPE r [<!ENTITY pipe SYSTEM \"file://{}\">]><r>&pipe;</r>",
        fifo.display()
    );

    let outcome = catch_unwind(|| rejection_within_bound(document));
    std::fs::remove_file(&fifo).unwrap();

    let (error, _, _) = outcome.expect("the parser returned within the bound");
    assert_xml_error(&error, roxmltree::Error::DtdDetected);
}

#[test]
fn deep_50_mb_document_rejected_fast() {
    let depth = 50_000_000 / 7;
    let mut document = String::with_capacity(depth * 7);
    for _ in 0..depth {
        document.push_str("<a>");
    }
    for _ in 0..depth {
        document.push_str("</a>");
    }
    assert!(document.len() >= 49_999_990);

    let (error, elapsed, peak) = rejection_within_bound(document);

    assert_xml_error(&error, roxmltree::Error::NodesLimitReached);
    assert!(elapsed < HOSTILE_BOUND, "took {elapsed:?}");
    assert!(peak < 64 * 1024, "held {peak} bytes at once");
    assert!(
        error.to_string().contains("nested deeper than 1024 levels"),
        "{error}"
    );
}

#[test]
fn deep_document_behind_comments_rejected() {
    // Markup inside comments, CDATA and attribute values must not hide the real nesting.
    let level = "<a x='>'><!-- </a> --><![CDATA[</a>]]>";
    let document = format!("{}{}", level.repeat(2000), "</a>".repeat(2000));

    let (error, elapsed, _) = rejection_within_bound(document);

    assert_xml_error(&error, roxmltree::Error::NodesLimitReached);
    assert!(elapsed < HOSTILE_BOUND, "took {elapsed:?}");
}

#[test]
fn wide_documents_still_parse() {
    // Many siblings at shallow depth are normal (long transaction lists).
    let rows = "<Transaction><id>1</id><amount>-2.50</amount></Transaction>".repeat(20_000);
    let document = format!("<TransactionList>{rows}</TransactionList>");

    let root = XmlNode::parse(&document).expect("a wide document parses");

    assert_eq!(root.len(), 20_000);
}

/// The same mutations on documents the sandbox generates and serves, parsed directly and
/// classified by the client over a real socket.
#[cfg(feature = "sandbox")]
mod sandbox_documents {
    use std::collections::BTreeMap;
    use std::panic::{catch_unwind, AssertUnwindSafe};
    use std::time::Instant;

    use aggcat::sandbox::{documents, Fault, FaultRule, Sandbox, SandboxHandle};
    use aggcat::{AggcatClient, Error};

    use super::{corrupt_all, edit_several, truncate_all, Generator, Sample, Tally};

    const CCBANK: &str = "100000";
    /// Mutated replies served to the client per captured reply.
    const LIVE_CASES_PER_REPLY: usize = 120;

    fn generated_samples() -> Vec<Sample> {
        vec![
            Sample {
                name: "documents::institutions_xml(60, 1)".into(),
                bytes: documents::institutions_xml(60, 1).into_bytes(),
            },
            Sample {
                name: "documents::transactions_xml(40, 1)".into(),
                bytes: documents::transactions_xml(40, 1).into_bytes(),
            },
            Sample {
                name: "documents::accounts_xml(12, 1)".into(),
                bytes: documents::accounts_xml(12, 1).into_bytes(),
            },
        ]
    }

    /// A reply captured from the sandbox, with how to request it again.
    struct Captured {
        sample: Sample,
        call: Call,
    }

    #[derive(Clone, Copy, Debug)]
    enum Call {
        CredentialFields,
        CustomerAccounts,
        Challenge,
        UnknownAccount,
    }

    impl Call {
        fn route(self) -> &'static str {
            match self {
                Call::CredentialFields => "GET /v1/institutions/100000",
                Call::CustomerAccounts => "GET /v1/accounts",
                Call::Challenge => "POST /v1/institutions/*/logins",
                Call::UnknownAccount => "GET /v1/accounts/999999",
            }
        }

        fn status(self) -> u16 {
            match self {
                Call::Challenge => 401,
                Call::UnknownAccount => 404,
                _ => 200,
            }
        }

        /// Makes the call and returns the name of the outcome, or `Err` for an error that the
        /// classification of a body cannot cause (a transport failure, for example).
        fn run(self, client: &AggcatClient) -> Result<&'static str, String> {
            let outcome = match self {
                Call::CredentialFields => client.get_credential_fields(CCBANK).map(|_| ()),
                Call::CustomerAccounts => client.get_customer_accounts().map(|_| ()),
                Call::UnknownAccount => client.get_account("999999").map(|_| ()),
                Call::Challenge => client
                    .discover_and_add_accounts(
                        CCBANK,
                        &[("Banking Userid", "tfa_choice"), ("Banking Password", "go")],
                    )
                    .and_then(|response| response.challenge().map(|_| ())),
            };
            match outcome {
                Ok(()) => Ok("parsed"),
                Err(Error::Xml { .. }) => Ok("Error::Xml"),
                Err(Error::UnexpectedContent { .. }) => Ok("Error::UnexpectedContent"),
                Err(Error::Api(_)) => Ok("Error::Api"),
                Err(Error::MissingElement { .. }) => Ok("Error::MissingElement"),
                Err(Error::InvalidValue { .. }) => Ok("Error::InvalidValue"),
                Err(other) => Err(format!("{other:?}")),
            }
        }
    }

    fn capture_replies(client: &AggcatClient) -> Vec<Captured> {
        let details = client.get_institution_details(CCBANK).unwrap();
        client
            .discover_and_add_accounts(
                CCBANK,
                &[("Banking Userid", "direct"), ("Banking Password", "go")],
            )
            .unwrap();
        let accounts = client.get_customer_accounts().unwrap();
        let challenge = client
            .discover_and_add_accounts(
                CCBANK,
                &[("Banking Userid", "tfa_choice"), ("Banking Password", "go")],
            )
            .unwrap();
        let unknown = client.get_account("999999").unwrap_err();
        assert_eq!(unknown.status(), Some(404));

        let sample = |name: &str, bytes: &[u8]| Sample {
            name: format!("live {name}"),
            bytes: bytes.to_vec(),
        };
        vec![
            Captured {
                sample: sample("institution 100000", details.body()),
                call: Call::CredentialFields,
            },
            Captured {
                sample: sample("accounts of direct", accounts.body()),
                call: Call::CustomerAccounts,
            },
            Captured {
                sample: sample("tfa_choice challenge", challenge.body()),
                call: Call::Challenge,
            },
            Captured {
                sample: sample(
                    "404 Status",
                    br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Status xmlns="http://schema.intuit.com/platform/fdatafeed/common/v1"><errorInfo><errorType>APP_ERROR</errorType><errorCode>api.database.notfound</errorCode><errorMessage>No account found</errorMessage><correlationId>gw-1</correlationId></errorInfo></Status>"#,
                ),
                call: Call::UnknownAccount,
            },
        ]
    }

    fn start() -> (SandboxHandle, AggcatClient) {
        let sandbox = Sandbox::builder().institutions(20).start().unwrap();
        let client = sandbox.client("mutation-customer").unwrap();
        (sandbox, client)
    }

    #[test]
    fn generated_and_live_documents_fail_typed() {
        let (_sandbox, client) = start();
        let mut samples = generated_samples();
        samples.extend(
            capture_replies(&client)
                .into_iter()
                .map(|captured| captured.sample),
        );
        let started = Instant::now();
        let mut tally = Tally::default();

        truncate_all(&samples, &mut tally);
        corrupt_all(&samples, 0x5A4D_B0C5, &mut tally);

        tally.assert_clean("sandbox documents");
        println!("sandbox documents took {:?}", started.elapsed());
        assert!(tally.cases > 5_000, "only {} cases", tally.cases);
    }

    #[test]
    fn client_classifies_mutated_replies() {
        let (sandbox, client) = start();
        let captured = capture_replies(&client);
        let mut generator = Generator(0xC1A5_51F1);
        let mut outcomes: BTreeMap<&'static str, usize> = BTreeMap::new();
        let mut failures = Vec::new();
        let started = Instant::now();

        for Captured { sample, call } in &captured {
            let length = sample.bytes.len();
            for case in 0..LIVE_CASES_PER_REPLY {
                let body = match case % 3 {
                    0 => sample.bytes[..case * length / LIVE_CASES_PER_REPLY].to_vec(),
                    1 => {
                        let mut bytes = sample.bytes.clone();
                        let at = generator.below(length);
                        bytes[at] = generator.byte();
                        bytes
                    }
                    _ => edit_several(&sample.bytes, &mut generator),
                };
                let headers = match call {
                    Call::Challenge => vec![
                        ("challengeSessionId".to_owned(), "session-1".to_owned()),
                        ("challengeNodeId".to_owned(), "10.136.17.82".to_owned()),
                    ],
                    _ => Vec::new(),
                };
                sandbox
                    .set_faults(&[FaultRule::new(
                        call.route(),
                        Fault::Body {
                            status: call.status(),
                            content_type: "application/xml".into(),
                            headers,
                            body,
                        },
                    )])
                    .unwrap();
                match catch_unwind(AssertUnwindSafe(|| call.run(&client))) {
                    Ok(Ok(outcome)) => *outcomes.entry(outcome).or_default() += 1,
                    Ok(Err(error)) => {
                        failures.push(format!("{} case {case}: {error}", sample.name))
                    }
                    Err(_) => failures.push(format!("{} case {case}: panicked", sample.name)),
                }
            }
        }

        println!(
            "client classified {} mutated replies in {:?}: {outcomes:?}",
            captured.len() * LIVE_CASES_PER_REPLY,
            started.elapsed()
        );
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        assert!(outcomes.contains_key("Error::Xml"), "{outcomes:?}");
        assert!(outcomes.contains_key("Error::Api"), "{outcomes:?}");
    }
}
