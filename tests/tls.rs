//! Certificate verification against a TLS sandbox with its own CA.

#![cfg(feature = "sandbox")]

mod support;

use aggcat::sandbox::{Sandbox, SandboxHandle};
use aggcat::{AggcatClient, Error};
use support::sandbox::CCBANK;

fn tls_sandbox() -> SandboxHandle {
    Sandbox::builder()
        .institutions(100)
        .tls(true)
        .start()
        .unwrap()
}

/// A client of `sandbox` that does not trust the sandbox's CA.
fn client_without_ca(sandbox: &SandboxHandle) -> aggcat::AggcatClientBuilder {
    let application = sandbox.application();
    AggcatClient::builder(
        &application.consumer_key,
        &application.consumer_secret,
        &application.saml_identity_provider_id,
        "tls-customer",
    )
    .private_key_pem(application.private_key_pem.clone())
    .base_url(&sandbox.base_url())
    .saml_url(&sandbox.saml_url())
}

#[test]
fn unknown_ca_rejected() {
    let sandbox = tls_sandbox();
    let client = client_without_ca(&sandbox).build().unwrap();

    let error = client.get_institution_details(CCBANK).unwrap_err();

    assert!(matches!(error, Error::Tls { .. }), "{error:?}");
    assert_eq!(sandbox.token_exchanges(), 0);
}

#[test]
fn configured_ca_accepted() {
    let sandbox = tls_sandbox();
    assert!(sandbox.base_url().starts_with("https://127.0.0.1:"));
    let client = sandbox.client("tls-customer").unwrap();

    let response = client.get_institution_details(CCBANK).unwrap();

    assert_eq!(response.status_code(), 200);
    assert_eq!(sandbox.token_exchanges(), 1);
}

#[test]
fn localhost_name_accepted() {
    let sandbox = tls_sandbox();
    let ca = sandbox.ca_certificate_pem().unwrap().to_string();
    let base_url = sandbox.base_url().replace("127.0.0.1", "localhost");
    let saml_url = sandbox.saml_url().replace("127.0.0.1", "localhost");
    let client = client_without_ca(&sandbox)
        .ca_certificate_pem(ca)
        .base_url(&base_url)
        .saml_url(&saml_url)
        .build()
        .unwrap();

    let response = client.get_institution_details(CCBANK).unwrap();

    assert_eq!(response.status_code(), 200);
}

#[test]
fn wrong_name_rejected_even_with_ca() {
    let sandbox = Sandbox::builder()
        .institutions(100)
        .tls(true)
        .tls_leaf_names(vec!["other.invalid".to_string()])
        .start()
        .unwrap();
    let client = sandbox.client("tls-customer").unwrap();

    let error = client.get_institution_details(CCBANK).unwrap_err();

    assert!(matches!(error, Error::Tls { .. }), "{error:?}");
}

#[test]
fn verification_off_accepts_unknown_ca() {
    let sandbox = tls_sandbox();
    let client = client_without_ca(&sandbox)
        .verify_ssl(false)
        .build()
        .unwrap();

    let response = client.get_institution_details(CCBANK).unwrap();

    assert_eq!(response.status_code(), 200);
}

#[test]
fn untrusted_api_host_after_token() {
    let token_host = tls_sandbox();
    let api_host = tls_sandbox();
    let client = token_host
        .client_builder("tls-customer")
        .base_url(&api_host.base_url())
        .build()
        .unwrap();

    client.authenticate().unwrap();
    let error = client.get_institution_details(CCBANK).unwrap_err();

    assert!(matches!(error, Error::Tls { .. }), "{error:?}");
    assert!(error.to_string().contains("certificate"), "{error}");
    assert_eq!(token_host.token_exchanges(), 1);
    assert!(api_host.requests().is_empty());
}

#[test]
fn intermediate_chain_accepted() {
    let sandbox = Sandbox::builder()
        .institutions(100)
        .tls(true)
        .tls_intermediate(true)
        .start()
        .unwrap();
    let client = sandbox.client("tls-customer").unwrap();

    let response = client.get_institution_details(CCBANK).unwrap();

    assert_eq!(response.status_code(), 200);
    assert_eq!(sandbox.token_exchanges(), 1);
}
