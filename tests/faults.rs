//! The client against a sandbox that stalls, cuts, corrupts and replaces its replies.
//!
//! Every fault must end in a typed error (or, where stated, a correct response) within the
//! configured timeouts: no panic, no hang, and no request sent twice by accident. Requests are
//! counted from the sandbox's record of what it received.

#![cfg(feature = "sandbox")]

mod support;

use std::sync::mpsc;
use std::time::{Duration, Instant};

use aggcat::sandbox::{Fault, FaultRule, RecordedRequest, Sandbox, SandboxHandle};
use aggcat::{AggcatClient, AuthenticationErrorKind, Content, Error};
use support::alloc::{peak_allocation, CountingAllocator};

const CCBANK: &str = "100000";
const CUSTOMER: &str = "fault-customer";
const READ_TIMEOUT: Duration = Duration::from_secs(1);
/// How long a stalled reply waits, well past [`READ_TIMEOUT`].
const STALL: Duration = Duration::from_secs(5);
/// How long a [`Fault::Delay`] postpones handling a request.
const DELAY: Duration = Duration::from_secs(3);
/// The bound for an error caused by [`READ_TIMEOUT`]: the timeout plus generous slack for a
/// debug build on a busy machine.
const TIMEOUT_BOUND: Duration = Duration::from_millis(2500);
/// The bound for rejecting a hostile document.
const HOSTILE_BOUND: Duration = Duration::from_secs(2);
const LOGIN_ROUTE: &str = "POST /v1/institutions/*/logins";

// Rejection of hostile documents must allocate little; the client does its work on the
// calling thread, whose bytes the allocator counts.
#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

fn start(rules: Vec<FaultRule>) -> SandboxHandle {
    let mut builder = Sandbox::builder().institutions(20);
    for rule in rules {
        builder = builder.fault_rule(rule);
    }
    builder.start().expect("the sandbox starts")
}

fn client(sandbox: &SandboxHandle) -> AggcatClient {
    sandbox
        .client_builder(CUSTOMER)
        .read_timeout(READ_TIMEOUT)
        .connect_timeout(READ_TIMEOUT)
        .build()
        .expect("the client builds")
}

fn direct_login(client: &AggcatClient) -> aggcat::Result<aggcat::AggcatResponse> {
    client.discover_and_add_accounts(
        CCBANK,
        &[("Banking Userid", "direct"), ("Banking Password", "go")],
    )
}

/// Returns the recorded requests with this method whose path ends with `suffix`.
fn received(sandbox: &SandboxHandle, method: &str, suffix: &str) -> Vec<RecordedRequest> {
    sandbox
        .requests()
        .into_iter()
        .filter(|request| request.method == method && request.path().ends_with(suffix))
        .collect()
}

/// Waits until the sandbox has recorded at least one matching request, then a little longer
/// so that a second one, if the client had sent it, is recorded too. Only for faults that let
/// the sandbox record a request as soon as it is handled.
fn settled_count(sandbox: &SandboxHandle, method: &str, suffix: &str) -> usize {
    let deadline = Instant::now() + Duration::from_secs(10);
    while received(sandbox, method, suffix).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    received(sandbox, method, suffix).len()
}

/// Counts matching requests after a [`Fault::Delay`]: the sandbox records a request once it
/// is handled, so every request sent before the call returned is recorded within [`DELAY`].
fn count_after_delay(sandbox: &SandboxHandle, method: &str, suffix: &str) -> usize {
    std::thread::sleep(DELAY + Duration::from_millis(500));
    received(sandbox, method, suffix).len()
}

/// Runs `call` on a helper thread and returns its result and duration, or panics when it has
/// not returned within `bound` plus a margin (a hang).
fn within<T: Send + 'static>(
    bound: Duration,
    call: impl FnOnce() -> T + Send + 'static,
) -> (T, Duration) {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let started = Instant::now();
        let result = call();
        let _ = sender.send((result, started.elapsed()));
    });
    receiver
        .recv_timeout(bound + Duration::from_secs(10))
        .expect("the call returned instead of hanging")
}

fn account_ids(client: &AggcatClient) -> Vec<String> {
    let accounts = client.get_customer_accounts().expect("accounts are listed");
    let root = accounts.xml().expect("an AccountList document").clone();
    root.children()
        .filter_map(|account| account.field("account_id").map(str::to_owned))
        .collect()
}

fn authorization_parameter(request: &RecordedRequest, name: &str) -> Option<String> {
    let header = request.header("Authorization")?;
    header
        .trim_start_matches("OAuth ")
        .split(',')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim_matches('"').to_owned())
}

#[test]
fn stall_after_headers_times_out() {
    let sandbox = start(vec![FaultRule::new(
        "GET /v1/institutions/100000",
        Fault::StallAfterHeaders(STALL),
    )]);
    let client = client(&sandbox);
    client.authenticate().expect("the token exchange succeeds");

    let (result, elapsed) = within(TIMEOUT_BOUND, move || {
        client.get_institution_details(CCBANK)
    });

    let error = result.expect_err("a stalled body is an error");
    assert!(error.is_timeout(), "{error:?}");
    assert!(elapsed < TIMEOUT_BOUND, "took {elapsed:?}");
    assert!(elapsed >= READ_TIMEOUT, "took only {elapsed:?}");
}

#[test]
fn delayed_reply_times_out() {
    let sandbox = start(vec![FaultRule::new(
        "GET /v1/accounts",
        Fault::Delay(DELAY),
    )]);
    let client = client(&sandbox);
    client.authenticate().expect("the token exchange succeeds");

    let (result, elapsed) = within(TIMEOUT_BOUND, move || client.get_customer_accounts());

    let error = result.expect_err("a late reply is an error");
    assert!(error.is_timeout(), "{error:?}");
    assert!(elapsed < TIMEOUT_BOUND, "took {elapsed:?}");
}

#[test]
fn stalled_token_exchange_times_out() {
    let sandbox = start(vec![FaultRule::new(
        "/oauth/v1/get_access_token_by_saml",
        Fault::Delay(DELAY),
    )]);
    let client = client(&sandbox);

    let (result, elapsed) = within(TIMEOUT_BOUND, move || client.get_institutions());

    let error = result.expect_err("a late token reply is an error");
    assert!(error.is_timeout(), "{error:?}");
    assert!(elapsed < TIMEOUT_BOUND, "took {elapsed:?}");
    assert_eq!(
        count_after_delay(&sandbox, "POST", "/get_access_token_by_saml"),
        1
    );
}

#[test]
fn dropped_discovery_reply_not_resent() {
    let sandbox = start(vec![FaultRule::new(LOGIN_ROUTE, Fault::CloseMidBody)]);
    let client = client(&sandbox);

    let (result, elapsed) = within(TIMEOUT_BOUND, {
        let client = client.clone();
        move || direct_login(&client)
    });

    let error = result.expect_err("a reply cut mid-body is an error");
    assert!(
        matches!(error, Error::Transport { .. } | Error::Xml { .. }),
        "{error:?}"
    );
    assert!(elapsed < TIMEOUT_BOUND, "took {elapsed:?}");
    assert_eq!(settled_count(&sandbox, "POST", "/logins"), 1);
    // The bank acted on the one request, which is why a resend would have been wrong.
    assert_eq!(account_ids(&client).len(), 10);
}

#[test]
fn timed_out_discovery_not_resent() {
    let sandbox = start(vec![FaultRule::new(
        LOGIN_ROUTE,
        Fault::StallAfterHeaders(STALL),
    )]);
    let client = client(&sandbox);

    let (result, elapsed) = within(TIMEOUT_BOUND, move || direct_login(&client));

    let error = result.expect_err("a stalled reply is an error");
    assert!(error.is_timeout(), "{error:?}");
    assert!(elapsed < TIMEOUT_BOUND + READ_TIMEOUT, "took {elapsed:?}");
    assert_eq!(settled_count(&sandbox, "POST", "/logins"), 1);
}

#[test]
fn failed_put_and_delete_not_resent() {
    let sandbox = start(Vec::new());
    let client = client(&sandbox);
    direct_login(&client).expect("the login succeeds");
    let ids = account_ids(&client);
    sandbox
        .set_faults(&[
            FaultRule::new("PUT /v1/accounts", Fault::Delay(DELAY)),
            FaultRule::new("DELETE /v1/accounts", Fault::Delay(DELAY)),
        ])
        .expect("the rules are valid");

    let put = client.update_account_type(&ids[2], Some("banking"), "SAVINGS");
    let delete = client.delete_account(&ids[3]);

    assert!(put.expect_err("the PUT times out").is_timeout());
    assert!(delete.expect_err("the DELETE times out").is_timeout());
    assert_eq!(count_after_delay(&sandbox, "PUT", &ids[2]), 1);
    assert_eq!(received(&sandbox, "DELETE", &ids[3]).len(), 1);
}

#[test]
fn cut_short_delete_not_resent() {
    let sandbox = start(vec![FaultRule::new(
        "DELETE /v1/accounts",
        Fault::BodyCutShort,
    )]);
    let client = client(&sandbox);
    direct_login(&client).expect("the login succeeds");
    let ids = account_ids(&client);

    let (result, _) = within(TIMEOUT_BOUND, {
        let client = client.clone();
        let id = ids[0].clone();
        move || client.delete_account(&id)
    });

    let error = result.expect_err("a reply shorter than its Content-Length is an error");
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert_eq!(settled_count(&sandbox, "DELETE", &ids[0]), 1);
    assert_eq!(account_ids(&client).len(), 9);
}

#[test]
fn truncated_200_body_is_typed() {
    for fault in [Fault::CloseMidBody, Fault::BodyCutShort] {
        let sandbox = start(vec![FaultRule::new(
            "GET /v1/institutions/100000",
            fault.clone(),
        )]);
        let client = client(&sandbox);

        let (result, elapsed) = within(TIMEOUT_BOUND, move || {
            client.get_institution_details(CCBANK)
        });

        let error = result.expect_err("a cut body is an error");
        assert!(
            matches!(error, Error::Xml { .. } | Error::Transport { .. }),
            "{fault:?}: {error:?}"
        );
        assert!(elapsed < TIMEOUT_BOUND, "{fault:?} took {elapsed:?}");
        assert_eq!(settled_count(&sandbox, "GET", "/institutions/100000"), 1);
    }
}

#[test]
fn token_resend_signed_afresh() {
    let sandbox = start(Vec::new());
    let client = client(&sandbox);
    client
        .discover_and_add_accounts(
            CCBANK,
            &[
                ("Banking Userid", "other_account"),
                ("Banking Password", "go"),
            ],
        )
        .expect("the login succeeds");
    let accounts = client.get_customer_accounts().expect("accounts are listed");
    let other_id = accounts
        .xml()
        .and_then(|list| list.child("other_account"))
        .and_then(|account| account.field("account_id").map(str::to_owned))
        .expect("an OtherAccount");
    sandbox.clear_requests();
    sandbox.revoke_tokens();

    client
        .update_account_type(&other_id, Some("banking"), "SAVINGS")
        .expect("the update succeeds after one renewal");

    let puts = received(&sandbox, "PUT", &other_id);
    assert_eq!(puts.len(), 2);
    assert_eq!(puts[0].status, 401);
    assert_ne!(puts[1].status, 401);
    assert_eq!(puts[0].body, puts[1].body);
    assert!(!puts[0].body.is_empty());
    let nonces: Vec<_> = puts
        .iter()
        .map(|put| authorization_parameter(put, "oauth_nonce").expect("a nonce"))
        .collect();
    assert_ne!(nonces[0], nonces[1]);
    let tokens: Vec<_> = puts
        .iter()
        .map(|put| authorization_parameter(put, "oauth_token").expect("a token"))
        .collect();
    assert_ne!(tokens[0], tokens[1]);
    assert_eq!(
        received(&sandbox, "POST", "/get_access_token_by_saml").len(),
        1
    );
    assert_eq!(sandbox.token_exchanges(), 2);
}

/// Asserts that `result` is an `Error::Xml` for a DTD, reached within the bound while holding
/// little memory.
fn assert_dtd_rejected(
    result: aggcat::Result<aggcat::AggcatResponse>,
    elapsed: Duration,
    peak: usize,
) {
    match result {
        Err(Error::Xml { source, .. }) => assert_eq!(source, roxmltree::Error::DtdDetected),
        other => panic!("expected Error::Xml, got {other:?}"),
    }
    assert!(elapsed < HOSTILE_BOUND, "took {elapsed:?}");
    assert!(peak < 4 * 1024 * 1024, "held {peak} bytes at once");
}

#[test]
fn nested_entities_rejected_fast() {
    let sandbox = start(vec![FaultRule::new(
        "GET /v1/accounts",
        Fault::NestedEntities,
    )]);
    let client = client(&sandbox);
    client.authenticate().expect("the token exchange succeeds");

    let started = Instant::now();
    let (result, peak) = peak_allocation(|| client.get_customer_accounts());

    assert_dtd_rejected(result, started.elapsed(), peak);
}

#[test]
fn external_entity_rejected_unread() {
    let fifo = std::env::temp_dir().join(format!("aggcat-faults-{}.fifo", std::process::id()));
    let _ = std::fs::remove_file(&fifo);
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    // A parser that opened the FIFO would block, since it has no writer.
    let system_id = if made.is_ok_and(|status| status.success()) {
        format!("file://{}", fifo.display())
    } else {
        assert!(
            std::env::var("AGGCAT_REQUIRE_TOOLS").as_deref() != Ok("1"),
            "mkfifo failed"
        );
        println!("mkfifo is not available; using /etc/hostname");
        "file:///etc/hostname".to_owned()
    };
    let sandbox = start(vec![FaultRule::new(
        "GET /v1/accounts",
        Fault::ExternalEntity(system_id),
    )]);
    let client = client(&sandbox);
    client.authenticate().expect("the token exchange succeeds");

    let (outcome, elapsed) = within(HOSTILE_BOUND, move || {
        peak_allocation(|| client.get_customer_accounts())
    });
    let _ = std::fs::remove_file(&fifo);

    let (result, peak) = outcome;
    assert_dtd_rejected(result, elapsed, peak);
}

#[test]
fn html_502_is_api_error() {
    let sandbox = start(vec![FaultRule::new(
        "GET /v1/accounts",
        Fault::HtmlError {
            status: 502,
            echo_request_body: false,
        },
    )]);
    let client = client(&sandbox);

    let error = client
        .get_customer_accounts()
        .expect_err("a 502 page is an error");

    let api = error.api_error().expect("an Error::Api");
    assert_eq!(api.status, 502);
    assert_eq!(api.error_code, None);
    let excerpt = api.excerpt.as_deref().expect("an excerpt of the page");
    assert!(
        excerpt.contains("<title>502 Bad Gateway</title>"),
        "{excerpt}"
    );
    assert!(excerpt.chars().count() <= 121, "{excerpt}");
    assert!(error.to_string().contains("502 Bad Gateway"), "{error}");
    assert_eq!(settled_count(&sandbox, "GET", "/accounts"), 1);
}

#[test]
fn html_200_is_unexpected_content() {
    let sandbox = start(vec![FaultRule::new(
        "GET /v1/accounts",
        Fault::HtmlError {
            status: 200,
            echo_request_body: false,
        },
    )]);
    let client = client(&sandbox);

    let error = client
        .get_customer_accounts()
        .expect_err("an HTML page is not a document");

    match &error {
        Error::UnexpectedContent {
            status,
            content_type,
            excerpt,
        } => {
            assert_eq!(*status, 200);
            assert!(content_type.as_deref().unwrap_or("").contains("text/html"));
            assert!(excerpt.contains("<title>200 OK</title>"), "{excerpt}");
            assert!(excerpt.chars().count() <= 121, "{excerpt}");
        }
        other => panic!("expected Error::UnexpectedContent, got {other:?}"),
    }
}

#[test]
fn echoing_500_page_leaks_nothing() {
    const PASSWORD: &str = "hunter2&<x>-SECRET";
    let sandbox = start(vec![FaultRule::new(
        LOGIN_ROUTE,
        Fault::HtmlError {
            status: 500,
            echo_request_body: true,
        },
    )]);
    let client = client(&sandbox);

    let error = direct_login_with(&client, PASSWORD).expect_err("a 500 page is an error");

    assert_eq!(error.status(), Some(500));
    let echoed = &received(&sandbox, "POST", "/logins")[0];
    assert!(String::from_utf8_lossy(&echoed.body).contains("hunter2"));
    for shown in [error.to_string(), format!("{error:?}")] {
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(!shown.contains("SECRET"), "{shown}");
    }
}

fn direct_login_with(
    client: &AggcatClient,
    password: &str,
) -> aggcat::Result<aggcat::AggcatResponse> {
    client.discover_and_add_accounts(
        CCBANK,
        &[("Banking Userid", "direct"), ("Banking Password", password)],
    )
}

#[test]
fn unavailable_503_carries_status_fields() {
    let sandbox = start(vec![FaultRule::new("*", Fault::Unavailable).times(2)]);
    let client = client(&sandbox);

    let exchange = client
        .authenticate()
        .expect_err("the token endpoint is unavailable");
    let call = client
        .get_institutions()
        .expect_err("the data call is unavailable too");

    match &exchange {
        Error::Authentication(auth) => {
            assert_eq!(auth.kind, AuthenticationErrorKind::TokenExchange);
            assert_eq!(auth.status, Some(503));
        }
        other => panic!("expected Error::Authentication, got {other:?}"),
    }
    // The second fault use hits the token exchange of the data call; the rule then runs out.
    assert_eq!(call.status(), Some(503));
    let institutions = client.get_institutions().expect("the service is back");
    assert_eq!(institutions.status_code(), 200);
}

#[test]
fn unavailable_data_call_is_api_error() {
    let sandbox = start(vec![FaultRule::new("GET /v1/accounts", Fault::Unavailable)]);
    let client = client(&sandbox);

    let error = client.get_customer_accounts().expect_err("503 is an error");

    let api = error.api_error().expect("an Error::Api");
    assert_eq!(api.status, 503);
    assert_eq!(api.error_code.as_deref(), Some("503"));
    assert_eq!(api.error_type.as_deref(), Some("SYSTEM_ERROR"));
    assert_eq!(api.correlation_id.as_deref(), Some("gw-fault-503"));
    assert_eq!(api.excerpt, None);
}

#[test]
fn invalid_utf8_is_typed() {
    let sandbox = start(vec![FaultRule::new("GET /v1/accounts", Fault::InvalidUtf8)]);
    let client = client(&sandbox);

    let error = client
        .get_customer_accounts()
        .expect_err("a body that is not UTF-8 is an error");

    assert!(
        matches!(error, Error::UnexpectedContent { .. } | Error::Xml { .. }),
        "{error:?}"
    );
}

#[test]
fn large_body_stops_at_limit() {
    let sandbox = start(vec![FaultRule::new(
        "GET /v1/accounts",
        Fault::LargeBody(3 * 1024 * 1024),
    )]);
    let client = sandbox
        .client_builder(CUSTOMER)
        .read_timeout(READ_TIMEOUT)
        .max_response_size(1024 * 1024)
        .build()
        .unwrap();

    let error = client
        .get_customer_accounts()
        .expect_err("the body is too large");

    match error {
        Error::ResponseTooLarge { limit, .. } => assert_eq!(limit, 1024 * 1024),
        other => panic!("expected Error::ResponseTooLarge, got {other:?}"),
    }
}

#[test]
fn large_body_within_limit_parses() {
    let sandbox = start(vec![FaultRule::new(
        "GET /v1/accounts",
        Fault::LargeBody(3 * 1024 * 1024),
    )]);
    let client = client(&sandbox);

    let accounts = client.get_customer_accounts().expect("the body is read");

    assert!(accounts.body().len() >= 3 * 1024 * 1024);
    assert!(accounts.xml().expect("a document").len() > 20_000);
}

#[test]
fn slow_trickle_completes() {
    let sandbox = start(vec![FaultRule::new(
        "GET /v1/institutions/100000",
        Fault::Trickle(Duration::from_millis(1)),
    )]);
    let client = client(&sandbox);
    let plain = start(Vec::new());
    let expected = self::client(&plain)
        .get_institution_details(CCBANK)
        .expect("the plain reply");

    let (result, _) = within(Duration::from_secs(20), move || {
        client.get_institution_details(CCBANK)
    });

    let trickled = result.expect("a trickle within the read timeout is read in full");
    assert_eq!(trickled.to_xml(), expected.to_xml());
}

#[test]
fn trickle_slower_than_timeout_fails() {
    let sandbox = start(vec![FaultRule::new(
        "GET /v1/institutions/100000",
        Fault::Trickle(Duration::from_millis(1500)),
    )]);
    let client = client(&sandbox);
    client.authenticate().expect("the token exchange succeeds");

    let (result, elapsed) = within(TIMEOUT_BOUND, move || {
        client.get_institution_details(CCBANK)
    });

    let error = result.expect_err("a byte every 1.5 s misses a 1 s read timeout");
    assert!(error.is_timeout(), "{error:?}");
    assert!(elapsed < TIMEOUT_BOUND, "took {elapsed:?}");
}

/// A reply whose `Content-Type` is not XML but whose body is XML is parsed, because the body
/// decides: the client sniffs for a document and rejects only HTML. An HTML content type is
/// rejected even with an XML body.
#[test]
fn wrong_content_type_decided_by_body() {
    let sandbox = start(vec![
        FaultRule::new(
            "GET /v1/institutions/100000",
            Fault::WrongContentType("text/plain".into()),
        ),
        FaultRule::new(
            "GET /v1/accounts",
            Fault::WrongContentType("text/html".into()),
        ),
    ]);
    let client = client(&sandbox);

    let details = client
        .get_institution_details(CCBANK)
        .expect("an XML body with content type text/plain is parsed");
    let html = client
        .get_customer_accounts()
        .expect_err("an HTML content type is not a document");

    assert_eq!(details.header("Content-Type"), Some("text/plain"));
    assert_eq!(
        details.xml().expect("a document").field("institution_id"),
        Some(CCBANK)
    );
    assert!(matches!(html, Error::UnexpectedContent { .. }), "{html:?}");
}

#[test]
fn faults_leave_other_routes_verified() {
    let sandbox = start(vec![
        FaultRule::new("GET /v1/accounts", Fault::Unavailable),
        FaultRule::new("/v1/logins", Fault::CloseMidBody),
    ]);
    let unsigned = format!("{}/institutions", sandbox.base_url());

    let reply = ureq::get(&unsigned)
        .config()
        .http_status_as_error(false)
        .build()
        .call()
        .expect("the sandbox replies");

    assert_eq!(reply.status().as_u16(), 401);
    let client = client(&sandbox);
    let institutions = client
        .get_institutions()
        .expect("a signed call through the gate passes");
    assert_eq!(institutions.status_code(), 200);
}

#[test]
fn fault_rule_runs_out() {
    let sandbox = start(vec![
        FaultRule::new("GET /v1/accounts", Fault::Unavailable).times(1)
    ]);
    let client = client(&sandbox);

    let first = client.get_customer_accounts();
    let second = client.get_customer_accounts();

    assert_eq!(
        first.expect_err("the fault applies once").status(),
        Some(503)
    );
    assert!(matches!(
        second.expect("the second call is served").content(),
        Content::Xml(_)
    ));
}

#[test]
fn invalid_fault_route_rejected() {
    let started = Sandbox::builder()
        .institutions(20)
        .fault("accounts", Fault::Unavailable)
        .start();

    match started {
        Err(Error::InvalidConfig { setting, reason }) => {
            assert_eq!(setting, "fault");
            assert!(reason.contains("\"accounts\""), "{reason}");
        }
        other => panic!("expected Error::InvalidConfig, got {other:?}"),
    }
}

#[test]
fn gate_relays_tls_and_closes() {
    let sandbox = Sandbox::builder()
        .institutions(20)
        .tls(true)
        .fault("GET /v1/accounts", Fault::CloseMidBody)
        .start()
        .expect("the sandbox starts");
    let client = client(&sandbox);

    let institutions = client
        .get_institutions()
        .expect("a verified TLS call passes through the gate");
    let (result, elapsed) = within(TIMEOUT_BOUND, move || client.get_customer_accounts());

    assert_eq!(institutions.status_code(), 200);
    let error = result.expect_err("a reply cut mid-body is an error");
    assert!(
        matches!(error, Error::Transport { .. } | Error::Xml { .. }),
        "{error:?}"
    );
    assert!(elapsed < TIMEOUT_BOUND, "took {elapsed:?}");
}

#[test]
fn echoed_password_scrubbed_from_fields() {
    let password = "hunter2&<x>-SECRET";
    let long_tail = "x".repeat(5_000);
    let status = format!(
        "<Status xmlns=\"http://schema.intuit.com/platform/fdatafeed/common/v1\"><errorInfo>\
         <errorType>USER_ERROR</errorType><errorCode>103</errorCode>\
         <errorMessage>bad password {} {long_tail}</errorMessage>\
         <correlationId>gw-1</correlationId></errorInfo></Status>",
        password.replace('&', "&amp;").replace('<', "&lt;")
    );
    let sandbox = start(vec![
        FaultRule::new(
            LOGIN_ROUTE,
            Fault::Body {
                status: 503,
                content_type: "application/xml".to_string(),
                headers: Vec::new(),
                body: status.into_bytes(),
            },
        )
        .times(1),
        FaultRule::new(
            LOGIN_ROUTE,
            Fault::Body {
                status: 401,
                content_type: "text/plain".to_string(),
                headers: vec![(
                    "WWW-Authenticate".to_string(),
                    format!("OAuth oauth_problem=\"{password}\""),
                )],
                body: format!("oauth_problem={password}").into_bytes(),
            },
        ),
    ]);
    let client = client(&sandbox);

    let api = direct_login_with(&client, password).unwrap_err();
    let unauthorized = direct_login_with(&client, password).unwrap_err();

    for error in [&api, &unauthorized] {
        let printed = format!("{error} {error:?}");
        assert!(!printed.contains("SECRET"), "{printed}");
        assert!(printed.len() < 1_000, "{} characters", printed.len());
    }
    assert_eq!(api.api_error().unwrap().error_code.as_deref(), Some("103"));
    assert!(matches!(unauthorized, Error::Authentication(_)));
}
