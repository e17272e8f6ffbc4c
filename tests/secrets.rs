//! No secret reaches a log record of this crate, a `Debug` or `Display` output, or an error.
//!
//! A logger captures every record whose target starts with `aggcat` at every level, the
//! sandbox's access log included. Records of `ureq` and `ureq_proto` are left out: at `trace`,
//! ureq-proto 0.7 logs raw request bytes, `Authorization` header and bodies included, as the
//! crate documentation warns. Alongside the records, the test collects the `Debug` output of
//! the client, its builder, the sandbox and every response and recorded request, and the
//! `Debug` and `Display` output of every error.

#![cfg(feature = "sandbox")]

use std::sync::{Mutex, OnceLock};

use aggcat::sandbox::{Fault, FaultRule, Sandbox, SandboxHandle};
use aggcat::{AggcatClient, AggcatResponse, Error};
use openssl::pkey::PKey;
use openssl::symm::Cipher;

const CCBANK: &str = "100000";
const CONSUMER_SECRET: &str = "cs-SECRET-7781";
const PASSPHRASE: &str = "pp-SECRET-4410";
const PASSWORD: &str = "hunter2&<x>-SECRET";
const ANSWER: &str = "Rex-SECRET";
const TOKEN_SECRET: &str = "ts-SECRET-0042";
const RENEWED_TOKEN_SECRET: &str = "ts-SECRET-0043";
/// The start of the base64 of `<saml2:Assertion`, as the token exchange sends it.
const ASSERTION_PREFIX: &str = "PHNhbWwy";

/// Every formatted record of a target that starts with `aggcat`.
struct Capture {
    lines: Mutex<Vec<String>>,
}

impl log::Log for Capture {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.target().starts_with("aggcat")
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            let line = format!("{} {} {}", record.level(), record.target(), record.args());
            self.lines.lock().unwrap().push(line);
        }
    }

    fn flush(&self) {}
}

/// Installs the capturing logger once for this test binary.
fn capture() -> &'static Capture {
    static CAPTURE: OnceLock<&'static Capture> = OnceLock::new();
    CAPTURE.get_or_init(|| {
        let capture: &'static Capture = Box::leak(Box::new(Capture {
            lines: Mutex::new(Vec::new()),
        }));
        // `log::set_boxed_logger` needs the `std` feature of `log`, which this crate does not
        // enable, so the logger is leaked into a `'static` reference instead.
        log::set_logger(capture).expect("no other logger is set");
        log::set_max_level(log::LevelFilter::Trace);
        capture
    })
}

/// Everything a person or a log store could see.
#[derive(Default)]
struct Shown {
    texts: Vec<String>,
}

impl Shown {
    fn debug(&mut self, value: &impl std::fmt::Debug) {
        self.texts.push(format!("{value:?}"));
        self.texts.push(format!("{value:#?}"));
    }

    fn error(&mut self, error: &Error) {
        self.debug(error);
        self.texts.push(error.to_string());
        let mut source = std::error::Error::source(error);
        while let Some(inner) = source {
            self.texts.push(inner.to_string());
            self.texts.push(format!("{inner:?}"));
            source = inner.source();
        }
    }

    fn result(&mut self, result: &aggcat::Result<AggcatResponse>) {
        match result {
            Ok(response) => self.debug(response),
            Err(error) => self.error(error),
        }
    }
}

fn encrypted_key(pem: &str) -> Vec<u8> {
    let key = PKey::private_key_from_pem(pem.as_bytes()).expect("the sandbox key parses");
    key.private_key_to_pem_pkcs8_passphrase(Cipher::aes_256_cbc(), PASSPHRASE.as_bytes())
        .expect("the key encrypts")
}

/// Returns the base64 lines of a PEM document, which must appear nowhere.
fn pem_lines(pem: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(pem)
        .lines()
        .filter(|line| !line.starts_with("-----") && line.len() >= 16)
        .map(str::to_owned)
        .collect()
}

fn token_reply(secret: &str, token: &str) -> String {
    format!("oauth_token={token}&oauth_token_secret={secret}")
}

fn account_numbers(response: &AggcatResponse) -> Vec<String> {
    response
        .xml()
        .expect("an AccountList")
        .children()
        .filter_map(|account| account.field("account_number").map(str::to_owned))
        .collect()
}

#[test]
fn secrets_stay_out_of_logs_and_output() {
    let capture = capture();
    let sandbox = Sandbox::builder()
        .institutions(20)
        .consumer_secret(CONSUMER_SECRET)
        .start()
        .expect("the sandbox starts");
    let key_pem = encrypted_key(&sandbox.application().private_key_pem);
    let mut shown = Shown::default();

    let builder = sandbox
        .client_builder("secret-customer")
        .private_key_pem(key_pem.clone())
        .passphrase(PASSPHRASE);
    shown.debug(&builder);
    let client = builder
        .build()
        .expect("the client builds with the passphrase");
    shown.debug(&client);
    shown.debug(&sandbox);
    shown.debug(sandbox.application());
    sandbox.push_token_reply(200, "text/plain", &token_reply(TOKEN_SECRET, "tok-first"));
    sandbox.push_token_reply(
        200,
        "text/plain",
        &token_reply(RENEWED_TOKEN_SECRET, "tok-second"),
    );

    let numbers = run_calls(&sandbox, &client, &mut shown);

    shown.debug(&client);
    for request in sandbox.requests() {
        shown.debug(&request);
    }
    let lines = capture.lines.lock().unwrap().clone();
    assert!(
        lines.iter().any(|line| line.contains("aggcat::sandbox")),
        "the sandbox access log is captured"
    );
    assert!(
        lines.iter().any(|line| line.contains("token")),
        "the token exchanges are logged"
    );

    let mut forbidden: Vec<String> = [
        "SECRET",
        CONSUMER_SECRET,
        PASSPHRASE,
        PASSWORD,
        "hunter2",
        ANSWER,
        TOKEN_SECRET,
        RENEWED_TOKEN_SECRET,
        ASSERTION_PREFIX,
        "PRIVATE KEY",
    ]
    .map(str::to_owned)
    .to_vec();
    forbidden.extend(pem_lines(sandbox.application().private_key_pem.as_bytes()));
    forbidden.extend(pem_lines(&key_pem));
    forbidden.push(aggcat::oauth::percent_encode(PASSWORD));
    for text in lines.iter().chain(&shown.texts) {
        for secret in &forbidden {
            assert!(
                !text.contains(secret.as_str()),
                "{secret:?} appears in: {text}"
            );
        }
    }
    assert_eq!(numbers.len(), 10);
    for line in &lines {
        for number in &numbers {
            assert!(
                !line.contains(number.as_str()),
                "account number in log: {line}"
            );
        }
    }
}

/// Runs the calls that handle secrets and returns the account numbers of the `direct` login.
fn run_calls(sandbox: &SandboxHandle, client: &AggcatClient, shown: &mut Shown) -> Vec<String> {
    let failed = client.discover_and_add_accounts(
        CCBANK,
        &[("Banking Userid", "direct"), ("Banking Password", "bad")],
    );
    assert_eq!(failed.as_ref().err().and_then(Error::status), Some(503));
    shown.result(&failed);

    let challenged = client.discover_and_add_accounts(
        CCBANK,
        &[
            ("Banking Userid", "tfa_text"),
            ("Banking Password", PASSWORD),
        ],
    );
    shown.result(&challenged);
    let challenge = challenged
        .expect("the challenge is a response")
        .challenge()
        .expect("the challenge parses")
        .expect("a challenge");
    shown.debug(&challenge);
    let answered =
        client.confirm_challenge(CCBANK, &challenge.session_id, &challenge.node_id, &[ANSWER]);
    shown.result(&answered);
    assert!(answered.is_ok(), "the answer is accepted");

    sandbox.revoke_tokens();
    let direct = client.discover_and_add_accounts(
        CCBANK,
        &[("Banking Userid", "direct"), ("Banking Password", PASSWORD)],
    );
    shown.result(&direct);
    let numbers = account_numbers(&direct.expect("the direct login succeeds after renewal"));
    assert_eq!(sandbox.token_exchanges(), 2);

    sandbox
        .set_faults(&[FaultRule::new(
            "POST /v1/institutions/*/logins",
            Fault::HtmlError {
                status: 500,
                echo_request_body: true,
            },
        )])
        .expect("the rule is valid");
    let echoed =
        client.confirm_challenge(CCBANK, &challenge.session_id, &challenge.node_id, &[ANSWER]);
    shown.result(&echoed);
    assert_eq!(echoed.as_ref().err().and_then(Error::status), Some(500));
    let echoed = client.discover_and_add_accounts(
        CCBANK,
        &[("Banking Userid", "direct"), ("Banking Password", PASSWORD)],
    );
    shown.result(&echoed);
    assert_eq!(echoed.as_ref().err().and_then(Error::status), Some(500));

    sandbox
        .set_faults(&[FaultRule::new(
            "POST /v1/institutions/*/logins",
            Fault::HtmlError {
                status: 200,
                echo_request_body: true,
            },
        )])
        .expect("the rule is valid");
    let unexpected = client.discover_and_add_accounts(
        CCBANK,
        &[("Banking Userid", "direct"), ("Banking Password", PASSWORD)],
    );
    shown.result(&unexpected);
    assert!(
        matches!(unexpected, Err(Error::UnexpectedContent { .. })),
        "{unexpected:?}"
    );

    // A page that repeats the secrets within the excerpt's first 120 characters. The token
    // secret is the current one: the token secret never travels in a request, so a server can
    // only repeat one it issued, and the client redacts the current one.
    let page = format!(
        "<html>{PASSWORD} {CONSUMER_SECRET} {RENEWED_TOKEN_SECRET} {}</html>",
        aggcat::oauth::percent_encode(PASSWORD)
    );
    sandbox
        .set_faults(&[FaultRule::new(
            "POST /v1/institutions/*/logins",
            Fault::Body {
                status: 200,
                content_type: "text/html".into(),
                headers: Vec::new(),
                body: page.clone().into_bytes(),
            },
        )])
        .expect("the rule is valid");
    let repeated = client.discover_and_add_accounts(
        CCBANK,
        &[("Banking Userid", "direct"), ("Banking Password", PASSWORD)],
    );
    shown.result(&repeated);
    match &repeated {
        Err(Error::UnexpectedContent { excerpt, .. }) => {
            assert!(excerpt.starts_with("<html><redacted>"), "{excerpt}")
        }
        other => panic!("expected Error::UnexpectedContent, got {other:?}"),
    }
    sandbox
        .set_faults(&[FaultRule::new(
            "POST /v1/institutions/*/logins",
            Fault::Body {
                status: 500,
                content_type: "text/html".into(),
                headers: Vec::new(),
                body: page.clone().into_bytes(),
            },
        )])
        .expect("the rule is valid");
    let failed = client.discover_and_add_accounts(
        CCBANK,
        &[("Banking Userid", "direct"), ("Banking Password", PASSWORD)],
    );
    shown.result(&failed);
    let excerpt = failed
        .as_ref()
        .err()
        .and_then(Error::api_error)
        .and_then(|api| api.excerpt.clone())
        .expect("an Error::Api with an excerpt");
    assert!(excerpt.starts_with("<html><redacted>"), "{excerpt}");
    sandbox.set_faults(&[]).expect("no rules is valid");

    let wrong_passphrase = sandbox
        .client_builder("secret-customer")
        .private_key_pem(encrypted_key(&sandbox.application().private_key_pem))
        .passphrase("not-the-passphrase")
        .build();
    if let Err(error) = &wrong_passphrase {
        shown.error(error);
    }
    assert!(wrong_passphrase.is_err());
    numbers
}
