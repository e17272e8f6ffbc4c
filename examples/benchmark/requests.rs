//! Signed requests against the sandbox on loopback: request rates, signing cost, token
//! exchanges, connection reuse, bytes on the wire and large responses.

use std::io::Write;
use std::net::{Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Barrier, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use aggcat::oauth::OAuthSigner;
use aggcat::sandbox::{Sandbox, SandboxHandle};
use aggcat::{AggcatClient, AggcatResponse};
use anyhow::Context;

use crate::objectify::count_elements;
use crate::{forwarder, median, Row, INSTITUTIONS, RUNS, SEED, TRANSACTIONS};

/// CCBank's institution id in the sandbox.
const CCBANK: &str = "100000";
/// `get_account` calls in one sequential sample.
const SEQUENTIAL_CALLS: u32 = 200;
/// Threads sharing one client.
const THREADS: usize = 8;
/// `get_account` calls of each thread in one multi-threaded sample.
const THREAD_CALLS: u32 = 50;
/// `authorization_header` calls in one signing sample.
const SIGNING_CALLS: u32 = 2_000;
/// Token lifetime of the sandbox that checks renewals.
const SHORT_TOKEN_LIFETIME: Duration = Duration::from_secs(1);
/// How long 8 threads keep calling that sandbox.
const RENEWAL_RUN: Duration = Duration::from_millis(3_500);
/// Read timeout of the clients shared by threads, so that a stalled call costs less than
/// the default 120 s.
const THREAD_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Timed `get_institutions` calls. Each moves a 4.6 MB body, about 0.5 MB with gzip.
const INSTITUTION_RUNS: usize = 5;
/// Timed calls of the large responses.
const LARGE_RUNS: usize = 3;

/// Adds the request rows to `rows` and the wire and token lines to `notes`.
pub fn measure(rows: &mut Vec<Row>, notes: &mut Vec<String>) -> anyhow::Result<()> {
    let sandbox = Sandbox::builder().seed(SEED).start()?;
    let client = sandbox.client("benchmark-sequential")?;
    let account_id = discover(&client, "direct")?;

    let sequential = measure_sequential(&sandbox, &client, &account_id)?;
    rows.push(sequential.row);
    let per_request = sequential.per_call;

    let signing = measure_signing(&sandbox, &account_id)?;
    notes.push(format!(
        "signing: authorization_header takes {:.1} µs, {:.1}% of a sequential get_account ({:.1} µs)",
        micros(signing),
        100.0 * signing.as_secs_f64() / per_request.as_secs_f64(),
        micros(per_request),
    ));
    rows.push(Row {
        case: "sign authorization_header".into(),
        median: Some(signing),
        requests_per_second: Some(1.0 / signing.as_secs_f64()),
        ..Row::default()
    });

    // A second client for the same customer starts without a token, so its first calls from
    // all threads at once need one.
    let shared = sandbox
        .client_builder("benchmark-sequential")
        .read_timeout(THREAD_READ_TIMEOUT)
        .build()?;
    let exchanges_before = sandbox.token_exchanges();
    let (threaded, calls) = measure_threads(&sandbox, &shared, &account_id)?;
    rows.push(threaded);
    notes.push(format!(
        "token exchanges: {} for {calls} get_account calls from {THREADS} threads sharing a new \
         client (token lifetime 1 h)",
        sandbox.token_exchanges() - exchanges_before
    ));
    notes.push(measure_renewals()?);

    notes.extend(measure_wire(&sandbox, &account_id)?);
    rows.push(measure_institutions(&client)?);

    rows.push(measure_large_institutions()?);
    rows.push(measure_large_transactions(&sandbox)?);
    notes.extend(failures_note());
    Ok(())
}

/// Adds a CCBank login with `userid` and returns the id of its first account.
fn discover(client: &AggcatClient, userid: &str) -> anyhow::Result<String> {
    let credentials = [("Banking Userid", userid), ("Banking Password", "go")];
    let response = client.discover_and_add_accounts(CCBANK, &credentials)?;
    let account = response
        .xml()
        .and_then(|list| list.children().next())
        .with_context(|| format!("the {userid} login returned no account"))?;
    let id = account
        .field("account_id")
        .with_context(|| format!("the first {userid} account has no accountId"))?;
    Ok(id.to_owned())
}

struct Sequential {
    row: Row,
    per_call: Duration,
}

fn measure_sequential(
    sandbox: &SandboxHandle,
    client: &AggcatClient,
    account_id: &str,
) -> anyhow::Result<Sequential> {
    for _ in 0..20 {
        expect_ok(client.get_account(account_id)?)?;
    }
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        sandbox.clear_requests();
        let start = Instant::now();
        for _ in 0..SEQUENTIAL_CALLS {
            expect_ok(client.get_account(account_id)?)?;
        }
        times.push(start.elapsed() / SEQUENTIAL_CALLS);
    }
    let per_call = median(&mut times);
    let body = client.get_account(account_id)?;
    Ok(Sequential {
        row: Row {
            case: "get_account sequential".into(),
            size: Some(body.body().len()),
            elements: body.xml().map(count_elements),
            median: Some(per_call),
            requests_per_second: Some(1.0 / per_call.as_secs_f64()),
            ..Row::default()
        },
        per_call,
    })
}

/// Returns the median time of one `authorization_header` call for a `get_account` URL.
fn measure_signing(sandbox: &SandboxHandle, account_id: &str) -> anyhow::Result<Duration> {
    let application = sandbox.application();
    let signer = OAuthSigner::new(
        application.consumer_key.as_str(),
        application.consumer_secret.as_str(),
        "benchmark-token",
        "benchmark-token-secret",
    );
    let url = format!("{}/accounts/{account_id}", sandbox.base_url());
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let start = Instant::now();
        for _ in 0..SIGNING_CALLS {
            std::hint::black_box(signer.authorization_header("GET", &url)?);
        }
        times.push(start.elapsed() / SIGNING_CALLS);
    }
    Ok(median(&mut times))
}

/// Runs rounds of `get_account` calls from [`THREADS`] threads sharing `client`, and returns
/// the row and the number of calls made. The first round is not timed.
fn measure_threads(
    sandbox: &SandboxHandle,
    client: &AggcatClient,
    account_id: &str,
) -> anyhow::Result<(Row, u32)> {
    let mut times = Vec::with_capacity(RUNS);
    let mut calls = 0;
    for round in 0..=RUNS {
        sandbox.clear_requests();
        let elapsed = call_from_threads(client, account_id, THREAD_CALLS);
        calls += THREAD_CALLS * THREADS as u32;
        if round > 0 {
            times.push(elapsed);
        }
    }
    let round = median(&mut times);
    let rate = f64::from(THREAD_CALLS) * THREADS as f64 / round.as_secs_f64();
    let row = Row {
        case: format!("get_account {THREADS} threads"),
        median: Some(Duration::from_secs_f64(1.0 / rate)),
        requests_per_second: Some(rate),
        ..Row::default()
    };
    Ok((row, calls))
}

/// Starts [`THREADS`] threads together, each making `calls` calls, and returns the wall time.
///
/// A failed call is counted in [`FAILED_CALLS`] and the thread goes on, so that one stalled
/// call shows in the notes instead of ending the run.
fn call_from_threads(client: &AggcatClient, account_id: &str, calls: u32) -> Duration {
    let barrier = Barrier::new(THREADS);
    let start = thread::scope(|scope| {
        let workers: Vec<_> = (0..THREADS)
            .map(|_| {
                scope.spawn(|| {
                    barrier.wait();
                    let start = Instant::now();
                    for _ in 0..calls {
                        let outcome = client
                            .get_account(account_id)
                            .map_err(anyhow::Error::from)
                            .and_then(expect_ok);
                        if let Err(error) = outcome {
                            record_failure(&error);
                        }
                    }
                    start
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|worker| worker.join().expect("a benchmark thread panicked"))
            .min()
            .expect("at least one thread")
    });
    start.elapsed()
}

/// Number of failed calls from [`call_from_threads`], and the first failure's message.
static FAILED_CALLS: AtomicUsize = AtomicUsize::new(0);
static FIRST_FAILURE: Mutex<Option<String>> = Mutex::new(None);

fn record_failure(error: &anyhow::Error) {
    FAILED_CALLS.fetch_add(1, Ordering::SeqCst);
    let mut first = FIRST_FAILURE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    first.get_or_insert_with(|| format!("{error:#}"));
}

/// Returns a note on the failed calls from threads, or `None` when every call succeeded.
fn failures_note() -> Option<String> {
    let count = FAILED_CALLS.load(Ordering::SeqCst);
    let first = FIRST_FAILURE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    (count > 0).then(|| {
        format!(
            "failures: {count} get_account calls from {THREADS} threads sharing a client \
             failed, the first with: {}",
            first.as_deref().unwrap_or("")
        )
    })
}

/// Calls a sandbox whose tokens expire after [`SHORT_TOKEN_LIFETIME`] from [`THREADS`]
/// threads for [`RENEWAL_RUN`], and compares the token exchanges with the lifetimes that
/// passed.
fn measure_renewals() -> anyhow::Result<String> {
    let sandbox = Sandbox::builder()
        .seed(SEED)
        .token_lifetime(SHORT_TOKEN_LIFETIME)
        .start()?;
    let client = sandbox
        .client_builder("benchmark-renewal")
        .read_timeout(THREAD_READ_TIMEOUT)
        .build()?;
    let first_exchange = Instant::now();
    let account_id = discover(&client, "one_account")?;
    let mut calls = 0;
    while first_exchange.elapsed() < RENEWAL_RUN {
        call_from_threads(&client, &account_id, 10);
        calls += 10 * THREADS;
        sandbox.clear_requests();
    }
    let elapsed = first_exchange.elapsed();
    let lifetimes = (elapsed.as_secs_f64() / SHORT_TOKEN_LIFETIME.as_secs_f64()).ceil();
    Ok(format!(
        "token exchanges: {} in {:.1} s ({lifetimes} token lifetimes of {} s) for {calls} \
         get_account calls from {THREADS} threads sharing one client",
        sandbox.token_exchanges(),
        elapsed.as_secs_f64(),
        SHORT_TOKEN_LIFETIME.as_secs(),
    ))
}

/// Counts the bytes and connections of calls that pass through a forwarder.
///
/// The sandbox rebuilds the signature base string from the Host header's host and its own
/// port, and the client signs the URL it calls. A forwarder on another port of 127.0.0.1
/// therefore breaks the signature check. One on `[::1]` with the sandbox's port number keeps
/// the base strings equal without changing the sandbox. A failure here becomes a note, so the
/// rest of the run still prints.
fn measure_wire(sandbox: &SandboxHandle, account_id: &str) -> anyhow::Result<Vec<String>> {
    let mut notes = Vec::new();
    let upstream = SocketAddr::from(([127, 0, 0, 1], sandbox.port()));

    let other_port = forwarder::start(SocketAddr::from(([127, 0, 0, 1], 0)), upstream)?;
    let client = sandbox
        .client_builder("benchmark-sequential")
        .base_url(&format!("http://{}/v1", other_port.address))
        .build()?;
    notes.push(match client.get_account(account_id) {
        Ok(response) => format!(
            "forwarder on another 127.0.0.1 port: get_account returned HTTP {}",
            response.status_code()
        ),
        Err(error) => format!("forwarder on another 127.0.0.1 port: get_account failed: {error}"),
    });

    let listen = SocketAddr::from((Ipv6Addr::LOCALHOST, sandbox.port()));
    let forwarder = forwarder::start(listen, upstream)
        .with_context(|| format!("binding the forwarder on {listen}"))?;
    let client = sandbox
        .client_builder("benchmark-sequential")
        .base_url(&format!("http://{listen}/v1"))
        .read_timeout(THREAD_READ_TIMEOUT)
        .build()?;
    let counts = &forwarder.counts;
    notes.push(
        count_connections(&client, counts, account_id)
            .unwrap_or_else(|error| format!("connections: counting failed: {error:#}")),
    );
    notes.extend(
        count_institution_bytes(&client, counts)
            .unwrap_or_else(|error| vec![format!("wire: counting failed: {error:#}")]),
    );
    Ok(notes)
}

fn count_connections(
    client: &AggcatClient,
    counts: &forwarder::Counts,
    account_id: &str,
) -> anyhow::Result<String> {
    let (_, _, before) = counts.snapshot();
    for _ in 0..SEQUENTIAL_CALLS {
        expect_ok(client.get_account(account_id)?)?;
    }
    let (_, _, sequential) = counts.snapshot();
    call_from_threads(client, account_id, THREAD_CALLS);
    let (_, _, threaded) = counts.snapshot();
    Ok(format!(
        "connections: {} for {SEQUENTIAL_CALLS} sequential get_account calls, {} more for \
         {} calls from {THREADS} threads sharing the client",
        sequential - before,
        threaded - sequential,
        THREAD_CALLS * THREADS as u32,
    ))
}

fn count_institution_bytes(
    client: &AggcatClient,
    counts: &forwarder::Counts,
) -> anyhow::Result<Vec<String>> {
    let (sent_before, received_before, _) = counts.snapshot();
    let response = expect_ok(client.get_institutions()?)?;
    let (sent_after, received_after, _) = counts.snapshot();
    let body = response.body().len();
    let received = received_after - received_before;
    let computed = gzip_size(response.body())?;
    Ok(vec![
        format!(
            "wire: get_institutions body {body} bytes, {received} bytes from the sandbox on \
             the wire (observed, status line and headers included), {:.1}x smaller; \
             request {} bytes",
            body as f64 / received as f64,
            sent_after - sent_before,
        ),
        format!(
            "wire: flate2 gzip of the same body at the default level is {computed} bytes \
             (computed, not observed), {:.1}x smaller",
            body as f64 / computed as f64,
        ),
    ])
}

fn gzip_size(body: &[u8]) -> anyhow::Result<usize> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(body)?;
    Ok(encoder.finish()?.len())
}

/// Times `get_institutions` end to end: request, gzip on both sides, objectify.
fn measure_institutions(client: &AggcatClient) -> anyhow::Result<Row> {
    let mut times = Vec::with_capacity(INSTITUTION_RUNS);
    let mut last = None;
    for _ in 0..INSTITUTION_RUNS {
        let start = Instant::now();
        let response = expect_ok(client.get_institutions()?)?;
        times.push(start.elapsed());
        last = Some(response);
    }
    let response = last.expect("at least one run");
    Ok(timed_row("get_institutions", &response, &mut times))
}

/// Fetches the institution list of a sandbox with 4 times the usual institutions, with the
/// default client settings.
fn measure_large_institutions() -> anyhow::Result<Row> {
    let count = 4 * INSTITUTIONS;
    let sandbox = Sandbox::builder().seed(SEED).institutions(count).start()?;
    let client = sandbox.client("benchmark-large")?;
    let mut times = Vec::with_capacity(LARGE_RUNS);
    let mut last = None;
    for _ in 0..LARGE_RUNS {
        let start = Instant::now();
        let response = expect_ok(client.get_institutions()?)?;
        times.push(start.elapsed());
        last = Some(response);
    }
    let response = last.expect("at least one run");
    let listed = response.xml().map_or(0, |list| list.len());
    anyhow::ensure!(
        listed == count,
        "the 4x institution list has {listed} institutions instead of {count}"
    );
    Ok(timed_row("get_institutions 4x", &response, &mut times))
}

/// Fetches the 20,000 transactions of CCBank's `big_transactions` login.
fn measure_large_transactions(sandbox: &SandboxHandle) -> anyhow::Result<Row> {
    let client = sandbox.client("benchmark-transactions")?;
    let account_id = discover(&client, "big_transactions")?;
    let start_date = time::OffsetDateTime::now_utc().date() - time::Duration::days(365);
    let mut times = Vec::with_capacity(LARGE_RUNS);
    let mut last = None;
    for _ in 0..LARGE_RUNS {
        let start = Instant::now();
        let response =
            expect_ok(client.get_account_transactions(&account_id, start_date, None)?)?;
        times.push(start.elapsed());
        last = Some(response);
    }
    let response = last.expect("at least one run");
    let listed = response.xml().map_or(0, |list| list.len());
    anyhow::ensure!(
        listed == TRANSACTIONS,
        "the big_transactions account lists {listed} transactions instead of {TRANSACTIONS}"
    );
    Ok(timed_row(
        "get_account_transactions 20,000",
        &response,
        &mut times,
    ))
}

fn timed_row(case: &str, response: &AggcatResponse, times: &mut [Duration]) -> Row {
    Row {
        case: case.into(),
        size: Some(response.body().len()),
        elements: response.xml().map(count_elements),
        median: Some(median(times)),
        ..Row::default()
    }
}

/// Rejects a response whose status is not 2xx, such as a challenge.
fn expect_ok(response: AggcatResponse) -> anyhow::Result<AggcatResponse> {
    let status = response.status_code();
    anyhow::ensure!(
        (200..300).contains(&status),
        "expected a 2xx reply, got HTTP {status}"
    );
    Ok(response)
}

fn micros(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e6
}
