//! Token exchange, renewal and refusals, seen from the client.

#![cfg(feature = "sandbox")]

mod support;

use std::time::Duration;

use aggcat::sandbox::{RecordedRequest, Sandbox};
use aggcat::{AuthenticationErrorKind, Error};
use support::sandbox::{ccbank_login, client, discover, sandbox, text, xml, CCBANK};

fn data_calls(requests: &[RecordedRequest]) -> Vec<&RecordedRequest> {
    requests
        .iter()
        .filter(|r| !r.target.contains("get_access_token_by_saml"))
        .collect()
}

fn authentication_kind(error: &Error) -> AuthenticationErrorKind {
    match error {
        Error::Authentication(auth) => auth.kind,
        other => panic!("expected an authentication error, got {other:?}"),
    }
}

#[test]
fn token_fetched_lazily_once() {
    let sandbox = sandbox();
    let client = client(&sandbox, "auth-lazy");
    assert_eq!(sandbox.token_exchanges(), 0);

    client.get_institution_details(CCBANK).unwrap();
    client.get_institution_details(CCBANK).unwrap();

    assert_eq!(sandbox.token_exchanges(), 1);
}

#[test]
fn expired_token_renewed_once() {
    let sandbox = Sandbox::builder()
        .institutions(100)
        .token_lifetime(Duration::from_secs(1))
        .start()
        .unwrap();
    let client = client(&sandbox, "auth-expiry");
    client.get_institution_details(CCBANK).unwrap();
    std::thread::sleep(Duration::from_millis(1500));

    let response = client.get_institution_details(CCBANK).unwrap();

    assert_eq!(response.status_code(), 200);
    assert_eq!(sandbox.token_exchanges(), 2);
}

#[test]
fn revoked_token_renewed_and_post_replayed() {
    let sandbox = sandbox();
    let client = client(&sandbox, "auth-revoked");
    let challenged = client
        .discover_and_add_accounts(CCBANK, &ccbank_login("tfa_text"))
        .unwrap();
    let challenge = challenged.challenge().unwrap().unwrap();
    sandbox.revoke_tokens();
    sandbox.clear_requests();

    // The answer is a POST with no request before it, so the rejected call is the POST itself.
    let response = client
        .confirm_challenge(CCBANK, &challenge.session_id, &challenge.node_id, &["Rex"])
        .unwrap();

    assert_eq!(response.status_code(), 201);
    assert_eq!(sandbox.token_exchanges(), 2);
    let requests = sandbox.requests();
    let posts: Vec<&RecordedRequest> = data_calls(&requests)
        .into_iter()
        .filter(|r| r.method == "POST")
        .collect();
    assert_eq!(posts.len(), 2);
    assert_eq!(posts[0].status, 401);
    assert_eq!(
        posts[0].body, posts[1].body,
        "the resend carries the same body"
    );
    let authorization = |r: &RecordedRequest| {
        r.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("authorization"))
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    assert_ne!(authorization(posts[0]), authorization(posts[1]));
}

#[test]
fn rejected_every_time_stops_after_two() {
    let sandbox = sandbox();
    let client = client(&sandbox, "auth-always-rejected");
    client.authenticate().unwrap();
    sandbox.reject_tokens(true);
    sandbox.clear_requests();

    let error = client.get_customer_accounts().unwrap_err();

    assert_eq!(
        authentication_kind(&error),
        AuthenticationErrorKind::TokenRejected
    );
    let requests = sandbox.requests();
    assert_eq!(data_calls(&requests).len(), 2);
}

#[test]
fn rejection_header_variants_renew() {
    for header in [
        "OAuth oauth_problem=\"token_rejected\"",
        "OAuth realm=\"x\", oauth_problem=token_rejected",
        "oauth   OAUTH_PROBLEM = \"token_rejected\" ",
    ] {
        let sandbox = sandbox();
        let client = client(&sandbox, "auth-header-variants");
        client.authenticate().unwrap();
        sandbox.token_rejected_header(header.to_string());
        sandbox.revoke_tokens();

        let response = client.get_institution_details(CCBANK).unwrap();

        assert_eq!(response.status_code(), 200, "{header}");
        assert_eq!(sandbox.token_exchanges(), 2, "{header}");
    }
}

#[test]
fn token_reply_decoded_after_split() {
    let sandbox = sandbox();
    let client = client(&sandbox, "auth-token-reply");
    sandbox.push_token_reply(
        200,
        "text/plain",
        "oauth_token_secret=ts%2F9%2Bk%3D%26w&oauth_token=tok-AbC123&oauth_expires_in=3600",
    );

    let response = client.get_institution_details(CCBANK).unwrap();

    assert_eq!(response.status_code(), 200);
}

#[test]
fn token_exchange_failures_are_typed() {
    let secret = "cs-SECRET-7781";
    let sandbox = Sandbox::builder()
        .institutions(100)
        .consumer_secret(secret)
        .start()
        .unwrap();
    for (status, content_type, body, problem) in [
        (
            401,
            "text/plain",
            "oauth_problem=signature_invalid",
            Some("signature_invalid"),
        ),
        (
            200,
            "text/html",
            "<html><body>maintenance</body></html>",
            None,
        ),
    ] {
        let client = client(&sandbox, "auth-exchange-failure");
        sandbox.push_token_reply(status, content_type, body);

        let error = client.get_institution_details(CCBANK).unwrap_err();

        let Error::Authentication(auth) = &error else {
            panic!("expected an authentication error, got {error:?}");
        };
        assert_eq!(auth.kind, AuthenticationErrorKind::TokenExchange);
        assert_eq!(auth.oauth_problem.as_deref(), problem);
        let printed = format!("{error} {error:?}");
        assert!(!printed.contains(secret), "{printed}");
        assert!(
            !printed.contains("PHNhbWwy"),
            "the assertion leaked: {printed}"
        );
    }
}

#[test]
fn wrong_consumer_secret_is_unauthorized() {
    let sandbox = sandbox();
    let application = sandbox.application();
    let client = aggcat::AggcatClient::builder(
        &application.consumer_key,
        "not-the-secret",
        &application.saml_identity_provider_id,
        "auth-wrong-secret",
    )
    .private_key_pem(application.private_key_pem.clone())
    .base_url(&sandbox.base_url())
    .saml_url(&sandbox.saml_url())
    .build()
    .unwrap();

    let error = client.get_institution_details(CCBANK).unwrap_err();

    assert_eq!(
        authentication_kind(&error),
        AuthenticationErrorKind::Unauthorized
    );
    let Error::Authentication(auth) = &error else {
        unreachable!()
    };
    assert_eq!(auth.oauth_problem.as_deref(), Some("signature_invalid"));
    assert!(!error.to_string().contains(&application.consumer_secret));
}

#[test]
fn other_customers_account_is_unknown() {
    let sandbox = sandbox();
    let alice = client(&sandbox, "auth-alice");
    let bob = client(&sandbox, "auth-bob");
    let accounts = discover(&alice, "direct");
    let alice_account = text(&accounts.get(0).unwrap(), "account_id").to_string();

    let error = bob.get_account(&alice_account).unwrap_err();
    let unknown = bob.get_account("499999999999").unwrap_err();

    assert_eq!(error.status(), Some(404));
    assert_eq!(
        error.api_error().unwrap().error_code,
        unknown.api_error().unwrap().error_code
    );
    assert_eq!(xml(&bob.get_customer_accounts().unwrap()).len(), 0);
}

#[test]
fn threads_share_one_renewal() {
    let sandbox = sandbox();
    let client = client(&sandbox, "auth-threads");
    client.authenticate().unwrap();
    sandbox.revoke_tokens();

    std::thread::scope(|scope| {
        for _ in 0..8 {
            let client = client.clone();
            scope.spawn(move || {
                client.get_institution_details(CCBANK).unwrap();
            });
        }
    });

    assert_eq!(sandbox.token_exchanges(), 2);
}

#[test]
fn customer_ids_needing_escapes() {
    let sandbox = sandbox();
    for customer_id in ["cust&<1>", "Zoë-7", "quote\"and'apostrophe"] {
        let client = client(&sandbox, customer_id);

        let accounts = discover(&client, "one_account");

        assert_eq!(accounts.len(), 1, "{customer_id}");
        assert!(
            sandbox.customer_ids().iter().any(|id| id == customer_id),
            "the sandbox saw a different NameID than {customer_id:?}"
        );
    }
}

#[test]
fn every_key_form_authenticates() {
    use openssl::pkey::PKey;
    use openssl::rsa::Rsa;
    use openssl::symm::Cipher;

    let sandbox = sandbox();
    let application = sandbox.application();
    let key = PKey::private_key_from_pem(application.private_key_pem.as_bytes()).unwrap();
    let rsa = Rsa::private_key_from_pem(application.private_key_pem.as_bytes()).unwrap();
    let passphrase = b"pw-Test!";
    let forms: Vec<(&str, Vec<u8>, Option<&str>)> = vec![
        ("PKCS#1 PEM", rsa.private_key_to_pem().unwrap(), None),
        ("PKCS#8 PEM", key.private_key_to_pem_pkcs8().unwrap(), None),
        (
            "encrypted PKCS#8 PEM",
            key.private_key_to_pem_pkcs8_passphrase(Cipher::aes_256_cbc(), passphrase)
                .unwrap(),
            Some("pw-Test!"),
        ),
        (
            "legacy encrypted PEM",
            rsa.private_key_to_pem_passphrase(Cipher::aes_128_cbc(), passphrase)
                .unwrap(),
            Some("pw-Test!"),
        ),
        ("PKCS#1 DER", rsa.private_key_to_der().unwrap(), None),
        (
            "CRLF PEM",
            String::from_utf8(key.private_key_to_pem_pkcs8().unwrap())
                .unwrap()
                .replace('\n', "\r\n")
                .into_bytes(),
            None,
        ),
    ];

    for (form, bytes, passphrase) in forms {
        let mut builder = aggcat::AggcatClient::builder(
            &application.consumer_key,
            &application.consumer_secret,
            &application.saml_identity_provider_id,
            "auth-key-forms",
        )
        .private_key_pem(bytes)
        .base_url(&sandbox.base_url())
        .saml_url(&sandbox.saml_url());
        if let Some(passphrase) = passphrase {
            builder = builder.passphrase(passphrase);
        }
        let client = builder.build().unwrap_or_else(|e| panic!("{form}: {e}"));

        client
            .authenticate()
            .unwrap_or_else(|e| panic!("{form}: {e}"));
    }
}

#[test]
fn unregistered_key_is_refused() {
    let sandbox = sandbox();
    let application = sandbox.application();
    let other = openssl::rsa::Rsa::generate(2048).unwrap();
    let client = aggcat::AggcatClient::builder(
        &application.consumer_key,
        &application.consumer_secret,
        &application.saml_identity_provider_id,
        "auth-other-key",
    )
    .private_key_pem(other.private_key_to_pem().unwrap())
    .base_url(&sandbox.base_url())
    .saml_url(&sandbox.saml_url())
    .build()
    .unwrap();

    let error = client.authenticate().unwrap_err();

    assert_eq!(
        authentication_kind(&error),
        AuthenticationErrorKind::TokenExchange
    );
    let Error::Authentication(auth) = &error else {
        unreachable!()
    };
    assert_eq!(auth.oauth_problem.as_deref(), Some("signature_invalid"));
    assert_eq!(sandbox.token_exchanges(), 0);
}
