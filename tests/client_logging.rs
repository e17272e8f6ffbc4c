//! Log output of the client carries no secret.
//!
//! This crate's records are checked at every level. ureq and ureq-proto dump raw request
//! bytes at `trace`, so their records are checked up to `debug` only.

mod support;

use std::sync::{Mutex, OnceLock};

use aggcat::AggcatClient;
use support::{Reply, Server};

const CONSUMER_SECRET: &str = "cs-SECRET-7781";
const PASSWORD: &str = "hunter2&<x>";
const ANSWER: &str = "Rex-SECRET";
const HIDDEN_FIELDS: &str = include_str!("fixtures/ruby-aggcat/institution_hidden_fields.xml");
const TOKEN_PATH: &str = "/oauth/token";

struct Capture {
    lines: Mutex<Vec<String>>,
}

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        let own = record.target().starts_with("aggcat");
        if !own && record.level() > log::Level::Debug {
            return;
        }
        let line = format!("{} {} {}", record.level(), record.target(), record.args());
        self.lines.lock().unwrap().push(line);
    }

    fn flush(&self) {}
}

fn capture() -> &'static Capture {
    static CAPTURE: OnceLock<&'static Capture> = OnceLock::new();
    CAPTURE.get_or_init(|| {
        let capture: &'static Capture = Box::leak(Box::new(Capture {
            lines: Mutex::new(Vec::new()),
        }));
        log::set_logger(capture).unwrap();
        log::set_max_level(log::LevelFilter::Trace);
        capture
    })
}

#[test]
fn logs_and_errors_hold_no_secret() {
    let capture = capture();
    let server = Server::start(|request| {
        if request.path() == TOKEN_PATH {
            return Reply::new(200).body("oauth_token=tok-LOG-1&oauth_token_secret=ts-SECRET-99");
        }
        if request.method == "GET" {
            return Reply::xml(200, HIDDEN_FIELDS);
        }
        // A broken server page that echoes the request body back.
        let echo = String::from_utf8_lossy(&request.body).into_owned();
        Reply::new(500)
            .header("Content-Type", "text/html")
            .body(echo)
    });
    let rsa = openssl::rsa::Rsa::generate(2048).unwrap();
    let pem = openssl::pkey::PKey::from_rsa(rsa)
        .unwrap()
        .private_key_to_pem_pkcs8()
        .unwrap();
    let client = AggcatClient::builder("ck-1", CONSUMER_SECRET, "idp-1", "customer-1")
        .private_key_pem(pem)
        .base_url(&format!("{}/v1", server.url))
        .saml_url(&format!("{}{TOKEN_PATH}", server.url))
        .build()
        .unwrap();

    let discover = client
        .discover_and_add_accounts(
            "100000",
            &[("Banking Userid", "direct"), ("Banking Password", PASSWORD)],
        )
        .unwrap_err();
    let confirm = client
        .confirm_challenge("100000", "s-1", "10.0.0.1", &[ANSWER])
        .unwrap_err();
    let mut texts = vec![format!("{client:?}")];
    for error in [&discover, &confirm] {
        texts.push(format!("{error}"));
        texts.push(format!("{error:?}"));
    }

    let lines = capture.lines.lock().unwrap().clone();
    assert!(discover.api_error().is_some(), "{discover:?}");
    assert!(
        lines
            .iter()
            .any(|line| line.contains("POST /v1/institutions/100000/logins returned 500")),
        "{lines:#?}"
    );
    assert!(lines
        .iter()
        .any(|line| line.starts_with("INFO aggcat") && line.contains("token exchange")));
    texts.extend(lines);
    for text in &texts {
        for secret in [
            CONSUMER_SECRET,
            "hunter2",
            ANSWER,
            "ts-SECRET-99",
            "saml_assertion=",
        ] {
            assert!(!text.contains(secret), "{secret:?} in {text}");
        }
    }
}
