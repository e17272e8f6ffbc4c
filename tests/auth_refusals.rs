//! The client's handling of each refusal of the sandbox's authentication guard.
//!
//! Each refusal must come back as one typed error after a bounded number of requests: the
//! client renews a token once when the service reports `token_rejected`, and never retries any
//! other refusal. Requests are counted from the sandbox's record.

#![cfg(feature = "sandbox")]

use aggcat::sandbox::{Sandbox, SandboxHandle};
use aggcat::{AggcatClient, AuthenticationErrorKind, Error};
use openssl::pkey::PKey;
use openssl::rsa::Rsa;

const CCBANK: &str = "100000";
const TOKEN_SUFFIX: &str = "/get_access_token_by_saml";

fn start() -> SandboxHandle {
    Sandbox::builder()
        .institutions(20)
        .start()
        .expect("the sandbox starts")
}

fn count(sandbox: &SandboxHandle, method: &str, suffix: &str) -> usize {
    sandbox
        .requests()
        .iter()
        .filter(|request| request.method == method && request.path().ends_with(suffix))
        .count()
}

/// Returns the authentication details of `error`, failing the test for any other error.
fn authentication(error: &Error) -> &aggcat::AuthenticationError {
    match error {
        Error::Authentication(auth) => auth,
        other => panic!("expected Error::Authentication, got {other:?}"),
    }
}

fn builder_with_secret(sandbox: &SandboxHandle, consumer_secret: &str) -> AggcatClient {
    let application = sandbox.application();
    AggcatClient::builder(
        &application.consumer_key,
        consumer_secret,
        &application.saml_identity_provider_id,
        "customer-a",
    )
    .private_key_pem(application.private_key_pem.clone().into_bytes())
    .base_url(&sandbox.base_url())
    .saml_url(&sandbox.saml_url())
    .build()
    .expect("the client builds")
}

#[test]
fn wrong_consumer_secret_fails_once() {
    let sandbox = start();
    let client = builder_with_secret(&sandbox, "not-the-consumer-secret");

    let error = client
        .get_customer_accounts()
        .expect_err("a wrong consumer secret is refused");

    let auth = authentication(&error);
    assert_eq!(auth.kind, AuthenticationErrorKind::Unauthorized);
    assert_eq!(auth.status, Some(401));
    assert_eq!(auth.oauth_problem.as_deref(), Some("signature_invalid"));
    assert_eq!(count(&sandbox, "GET", "/accounts"), 1);
    assert_eq!(count(&sandbox, "POST", TOKEN_SUFFIX), 1);
}

#[test]
fn other_customer_account_looks_unknown() {
    let sandbox = start();
    let owner = sandbox.client("customer-a").expect("the client builds");
    let intruder = sandbox.client("customer-b").expect("the client builds");
    owner
        .discover_and_add_accounts(
            CCBANK,
            &[("Banking Userid", "direct"), ("Banking Password", "go")],
        )
        .expect("the login succeeds");
    let accounts = owner.get_customer_accounts().expect("accounts are listed");
    let account_id = accounts
        .xml()
        .and_then(|list| list.get(0))
        .and_then(|account| account.field("account_id").map(str::to_owned))
        .expect("an account id");
    let unknown_id = "999999999999";
    sandbox.clear_requests();

    let foreign = intruder
        .get_account(&account_id)
        .expect_err("another customer's account is not served");
    let unknown = intruder
        .get_account(unknown_id)
        .expect_err("an unknown account is not served");
    let deleted = intruder.delete_account(&account_id);

    let (foreign, unknown) = (
        foreign.api_error().expect("an Error::Api").clone(),
        unknown.api_error().expect("an Error::Api").clone(),
    );
    assert_eq!(foreign.status, unknown.status);
    assert_eq!(foreign.error_code, unknown.error_code);
    assert_eq!(foreign.error_message, unknown.error_message);
    assert!(deleted.is_err(), "the delete is refused");
    assert_eq!(count(&sandbox, "GET", &account_id), 1);
    assert_eq!(count(&sandbox, "GET", unknown_id), 1);
    assert_eq!(count(&sandbox, "DELETE", &account_id), 1);
    let still_there = owner
        .get_account(&account_id)
        .expect("the owner still sees it");
    assert_eq!(still_there.status_code(), 200);
}

#[test]
fn unregistered_key_fails_token_exchange_once() {
    let sandbox = start();
    let other_key = PKey::from_rsa(Rsa::generate(2048).unwrap())
        .unwrap()
        .private_key_to_pem_pkcs8()
        .unwrap();
    let client = sandbox
        .client_builder("customer-a")
        .private_key_pem(other_key)
        .build()
        .expect("the client builds with any valid key");

    let error = client
        .get_institutions()
        .expect_err("an assertion signed with another key is refused");

    let auth = authentication(&error);
    assert_eq!(auth.kind, AuthenticationErrorKind::TokenExchange);
    assert_eq!(auth.status, Some(401));
    assert_eq!(auth.oauth_problem.as_deref(), Some("signature_invalid"));
    assert_eq!(count(&sandbox, "POST", TOKEN_SUFFIX), 1);
    assert_eq!(count(&sandbox, "GET", "/institutions"), 0);
}

#[test]
fn expired_assertion_fails_token_exchange_once() {
    let sandbox = Sandbox::builder()
        .institutions(20)
        .clock_offset(30 * 60)
        .start()
        .expect("the sandbox starts");
    let client = sandbox.client("customer-a").expect("the client builds");

    let error = client
        .get_institutions()
        .expect_err("an assertion that expired by the sandbox clock is refused");

    let auth = authentication(&error);
    assert_eq!(auth.kind, AuthenticationErrorKind::TokenExchange);
    assert_eq!(auth.status, Some(401));
    assert_eq!(auth.oauth_problem.as_deref(), Some("timestamp_refused"));
    assert_eq!(count(&sandbox, "POST", TOKEN_SUFFIX), 1);
    assert_eq!(count(&sandbox, "GET", "/institutions"), 0);
}

#[test]
fn each_call_tries_token_exchange_once() {
    let sandbox = Sandbox::builder()
        .institutions(20)
        .clock_offset(30 * 60)
        .start()
        .expect("the sandbox starts");
    let client = sandbox.client("customer-a").expect("the client builds");

    for _ in 0..3 {
        let error = client.get_institutions().expect_err("refused again");
        assert_eq!(
            authentication(&error).kind,
            AuthenticationErrorKind::TokenExchange
        );
    }

    assert_eq!(count(&sandbox, "POST", TOKEN_SUFFIX), 3);
}

#[test]
fn rejected_tokens_stop_after_one_renewal() {
    let sandbox = start();
    let client = sandbox.client("customer-a").expect("the client builds");
    client.authenticate().expect("the token exchange succeeds");
    sandbox.reject_tokens(true);
    sandbox.clear_requests();

    let error = client
        .get_customer_accounts()
        .expect_err("a token rejected twice is refused");

    let auth = authentication(&error);
    assert_eq!(auth.kind, AuthenticationErrorKind::TokenRejected);
    assert_eq!(auth.oauth_problem.as_deref(), Some("token_rejected"));
    assert_eq!(count(&sandbox, "GET", "/accounts"), 2);
    assert_eq!(count(&sandbox, "POST", TOKEN_SUFFIX), 1);
}
