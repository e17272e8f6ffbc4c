//! Many threads calling one sandbox at once, with malformed connections mixed in.
//!
//! Eight threads share one client (one customer) and eight threads each have their own
//! customer's client. Each makes a fixed number of mixed calls (reads, discoveries, challenge
//! answers, deletes) and checks every response. At the end, the sandbox's account list of each
//! customer must equal what that customer's threads created minus what they deleted, and each
//! customer must have exchanged exactly one token. A seventeenth thread opens malformed
//! connections meanwhile. The run is bounded by its call counts and stops by itself.

#![cfg(feature = "sandbox")]

use std::collections::{BTreeSet, HashMap};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aggcat::sandbox::{Sandbox, SandboxHandle};
use aggcat::{AggcatClient, AggcatResponse};

const CCBANK: &str = "100000";
const SHARED_CUSTOMER: &str = "load-shared";
const THREADS_PER_GROUP: usize = 8;
/// Calls per thread, counting the lookup of credential fields that each discovery makes. 1,000
/// calls on each of 16 threads took 50 to 62 s in a debug build on a 2-core machine, within
/// the 90 s this test may take.
const CALLS_PER_THREAD: usize = 1_000;
/// A thread deletes its oldest account whenever it has more than this many, which keeps
/// account lists short enough to parse quickly in a debug build.
const MAX_LIVE_ACCOUNTS: usize = 12;
/// Malformed connections opened while the calls run.
const MALFORMED_CONNECTIONS: usize = 300;

/// What one thread did to its customer's accounts.
#[derive(Debug, Default)]
struct Ledger {
    created: Vec<String>,
    deleted: Vec<String>,
    calls: usize,
}

fn account_ids(response: &AggcatResponse) -> Vec<String> {
    let root = response.xml().expect("an XML document");
    assert_eq!(root.name(), "AccountList", "{:?}", response.to_xml());
    root.children()
        .map(|account| {
            account
                .field("account_id")
                .expect("every account has an id")
                .to_owned()
        })
        .collect()
}

/// Makes [`CALLS_PER_THREAD`] checked calls for one customer and returns its ledger.
fn run_thread(client: &AggcatClient, seed: usize) -> Ledger {
    let mut ledger = Ledger::default();
    let mut live: Vec<String> = Vec::new();
    let mut step = seed;
    while ledger.calls < CALLS_PER_THREAD {
        if live.len() > MAX_LIVE_ACCOUNTS {
            delete_oldest(client, &mut live, &mut ledger);
            continue;
        }
        step += 1;
        match step % 8 {
            0 => discover_one(client, &mut live, &mut ledger),
            1 => list_accounts(client, &live, &mut ledger),
            2 => read_account(client, &live, &mut ledger),
            3 if !live.is_empty() => delete_oldest(client, &mut live, &mut ledger),
            5 => answer_challenge(client, &mut live, &mut ledger),
            6 => read_transactions(client, &live, &mut ledger),
            _ => read_institution(client, &mut ledger),
        }
    }
    ledger
}

fn discover_one(client: &AggcatClient, live: &mut Vec<String>, ledger: &mut Ledger) {
    let response = client
        .discover_and_add_accounts(
            CCBANK,
            &[
                ("Banking Userid", "one_account"),
                ("Banking Password", "go"),
            ],
        )
        .expect("the discovery succeeds");
    ledger.calls += 2;

    assert_eq!(response.status_code(), 201);
    let ids = account_ids(&response);
    assert_eq!(ids.len(), 1);
    live.extend(ids.iter().cloned());
    ledger.created.extend(ids);
}

fn answer_challenge(client: &AggcatClient, live: &mut Vec<String>, ledger: &mut Ledger) {
    let asked = client
        .discover_and_add_accounts(
            CCBANK,
            &[("Banking Userid", "tfa_text"), ("Banking Password", "go")],
        )
        .expect("the discovery returns a challenge");
    ledger.calls += 2;
    let challenge = asked
        .challenge()
        .expect("the challenge parses")
        .expect("a challenge");
    assert_eq!(challenge.questions.len(), 1);
    assert_eq!(challenge.questions[0].text, "Enter your first pet's name:");

    let answered = client
        .confirm_challenge(CCBANK, &challenge.session_id, &challenge.node_id, &["Rex"])
        .expect("the answer is accepted");
    ledger.calls += 1;

    assert_eq!(answered.status_code(), 201);
    let ids = account_ids(&answered);
    assert_eq!(ids.len(), 10);
    live.extend(ids.iter().cloned());
    ledger.created.extend(ids);
}

fn list_accounts(client: &AggcatClient, live: &[String], ledger: &mut Ledger) {
    let response = client
        .get_customer_accounts()
        .expect("the accounts are listed");
    ledger.calls += 1;

    let ids = account_ids(&response);
    let unique: BTreeSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "an account is listed twice");
    for id in live {
        assert!(unique.contains(id), "live account {id} is missing");
    }
}

fn read_account(client: &AggcatClient, live: &[String], ledger: &mut Ledger) {
    let Some(id) = live.last() else {
        return read_institution(client, ledger);
    };
    let response = client.get_account(id).expect("the account is read");
    ledger.calls += 1;

    assert_eq!(account_ids(&response), std::slice::from_ref(id));
}

fn read_transactions(client: &AggcatClient, live: &[String], ledger: &mut Ledger) {
    let Some(id) = live.first() else {
        return read_institution(client, ledger);
    };
    let response = client
        .get_account_transactions(id, week_ago(), None::<time::Date>)
        .expect("the transactions are read");
    ledger.calls += 1;

    assert_eq!(response.status_code(), 200);
    assert_eq!(
        response.xml().expect("a document").name(),
        "TransactionList"
    );
}

/// Returns the date seven days ago, so that the sandbox generates few transactions.
fn week_ago() -> time::Date {
    time::OffsetDateTime::now_utc().date() - time::Duration::days(7)
}

fn read_institution(client: &AggcatClient, ledger: &mut Ledger) {
    let response = client
        .get_institution_details(CCBANK)
        .expect("the institution is read");
    ledger.calls += 1;

    assert_eq!(
        response.xml().expect("a document").field("institution_id"),
        Some(CCBANK)
    );
}

fn delete_oldest(client: &AggcatClient, live: &mut Vec<String>, ledger: &mut Ledger) {
    let id = live.remove(0);
    let response = client.delete_account(&id).expect("the delete succeeds");
    ledger.calls += 1;

    assert!((200..300).contains(&response.status_code()));
    ledger.deleted.push(id);
}

/// Opens malformed connections: garbage bytes, oversized headers, cut bodies, unsigned calls.
fn flood(port: u16) -> usize {
    let garbage: Vec<u8> = (0..4096u32).map(|n| (n * 7919 % 251) as u8).collect();
    let payloads: Vec<Vec<u8>> = vec![
        garbage,
        format!(
            "GET /v1/accounts HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: {}\r\n\r\n",
            "a".repeat(64 * 1024)
        )
        .into_bytes(),
        b"POST /v1/institutions/100000/logins HTTP/1.1\r\nHost: 127.0.0.1\r\n\
          Content-Length: 5000\r\n\r\n<InstitutionLogin>"
            .to_vec(),
        b"GET /v1/accounts HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".to_vec(),
        b"DELETE /v1/customers HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: OAuth \
          oauth_token=\"x\"\r\nConnection: close\r\n\r\n"
            .to_vec(),
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03".to_vec(),
    ];
    let mut answered = 0;
    for round in 0..MALFORMED_CONNECTIONS {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
            continue;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
        let _ = stream.write_all(&payloads[round % payloads.len()]);
        let _ = stream.shutdown(std::net::Shutdown::Write);
        let mut reply = Vec::new();
        let _ = stream.read_to_end(&mut reply);
        if reply.starts_with(b"HTTP/1.1 4") || reply.starts_with(b"HTTP/1.1 5") {
            answered += 1;
        }
    }
    answered
}

fn listed_ids(sandbox: &SandboxHandle, customer: &str) -> Vec<String> {
    let client = sandbox.client(customer).expect("the client builds");
    account_ids(
        &client
            .get_customer_accounts()
            .expect("the accounts are listed"),
    )
}

#[test]
fn mixed_load_keeps_state_consistent() {
    let sandbox = Arc::new(
        Sandbox::builder()
            .institutions(20)
            .start()
            .expect("the sandbox starts"),
    );
    let shared = sandbox.client(SHARED_CUSTOMER).expect("the client builds");
    let started = Instant::now();

    let mut workers = Vec::new();
    for index in 0..THREADS_PER_GROUP {
        let client = shared.clone();
        workers.push((
            SHARED_CUSTOMER.to_owned(),
            std::thread::spawn(move || run_thread(&client, index)),
        ));
    }
    for index in 0..THREADS_PER_GROUP {
        let customer = format!("load-own-{index}");
        let client = sandbox.client(&customer).expect("the client builds");
        workers.push((
            customer,
            std::thread::spawn(move || run_thread(&client, index)),
        ));
    }
    let port = sandbox.port();
    let flooder = std::thread::spawn(move || flood(port));

    let mut ledgers: HashMap<String, Vec<Ledger>> = HashMap::new();
    for (customer, worker) in workers {
        let ledger = worker.join().expect("the thread finished its calls");
        ledgers.entry(customer).or_default().push(ledger);
    }
    let answered = flooder.join().expect("the flood finished");
    let elapsed = started.elapsed();
    let calls: usize = ledgers.values().flatten().map(|ledger| ledger.calls).sum();
    println!("{calls} calls on 16 threads in {elapsed:?}; {answered} malformed connections answered with an error status");

    assert!(calls >= 2 * THREADS_PER_GROUP * CALLS_PER_THREAD);
    assert!(answered > 0, "the sandbox answered no malformed connection");
    let mut every_created = BTreeSet::new();
    for (customer, ledgers) in &ledgers {
        let mut expected = BTreeSet::new();
        for ledger in ledgers {
            for id in &ledger.created {
                assert!(
                    every_created.insert(id.clone()),
                    "account id {id} issued twice"
                );
                expected.insert(id.clone());
            }
            for id in &ledger.deleted {
                assert!(
                    expected.remove(id),
                    "{customer} deleted {id}, which it never created"
                );
            }
        }
        let listed = listed_ids(&sandbox, customer);
        let listed_set: BTreeSet<String> = listed.iter().cloned().collect();
        assert_eq!(
            listed_set.len(),
            listed.len(),
            "{customer} lists an account twice"
        );
        assert_eq!(listed_set, expected, "{customer}'s accounts");
    }
    // One exchange per customer during the run, plus one per `listed_ids` client.
    assert_eq!(sandbox.token_exchanges(), 2 * (THREADS_PER_GROUP + 1));
    let after = shared
        .get_institutions()
        .expect("valid calls still succeed");
    assert_eq!(after.status_code(), 200);
}

#[test]
fn stalled_bodies_leave_sandbox_answering() {
    let sandbox = Sandbox::builder().institutions(20).start().unwrap();
    let address = format!("127.0.0.1:{}", sandbox.port());
    // More stalled uploads than the sandbox has worker threads. Each declares a long body and
    // sends two bytes of it, then waits; the connections stay open until the end of the test.
    let stalled: Vec<TcpStream> = (0..12)
        .map(|_| {
            let mut stream = TcpStream::connect(&address).unwrap();
            stream
                .write_all(
                    b"POST /v1/accounts HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nab",
                )
                .unwrap();
            stream
        })
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    let client = sandbox
        .client_builder("load-stalled")
        .read_timeout(Duration::from_secs(5))
        .build()
        .unwrap();

    let started = Instant::now();
    let response = client.get_institution_details(CCBANK).unwrap();

    assert_eq!(response.status_code(), 200);
    assert!(started.elapsed() < Duration::from_secs(5));
    drop(stalled);
}
