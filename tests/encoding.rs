//! What the client writes on the wire: query encoding, signed URLs and escaped bodies.

#![cfg(feature = "sandbox")]

mod support;

use support::sandbox::{client, discover, sandbox, text, xml, CCBANK};

#[test]
fn echo_returns_query_values_intact() {
    let sandbox = sandbox();
    let client = client(&sandbox, "encoding-echo");
    let values = [
        "2014-01-01T00:00:00+05:30",
        "a space and *~!'()",
        "Zürich",
        "a+b/c=",
        "percent % and & ampersand",
    ];
    let query: Vec<(&str, &str)> = values.iter().map(|v| ("value", *v)).collect();

    let response = client.request("GET", "/echo", &query, None).unwrap();

    let echoed: Vec<String> = xml(&response)
        .children()
        .map(|param| param.text().unwrap_or_default().to_string())
        .collect();
    assert_eq!(echoed, values);
    let sent = sandbox.requests().into_iter().last().unwrap();
    assert!(sent.target.contains("%2B05%3A30"), "{}", sent.target);
    assert!(sent.target.contains("a%20space"), "{}", sent.target);
    assert!(sent.target.contains("%2A~"), "{}", sent.target);
    assert!(!sent.target.contains('+'), "{}", sent.target);
}

#[test]
fn password_with_markup_arrives_intact() {
    let sandbox = sandbox();
    let client = client(&sandbox, "encoding-password");
    let password = "p&ss<w>\"0'rd]]>";

    let response = client
        .discover_and_add_accounts(
            CCBANK,
            &[
                ("Banking Userid", "exact_password"),
                ("Banking Password", password),
            ],
        )
        .unwrap();

    assert_eq!(response.status_code(), 201);
    let parsed = sandbox.last_credentials("encoding-password").unwrap();
    assert!(parsed.contains(&("Banking Password".to_string(), password.to_string())));
}

#[test]
fn form_like_password_stays_in_body() {
    let sandbox = sandbox();
    let client = client(&sandbox, "encoding-form-like");

    let response = client
        .discover_and_add_accounts(
            CCBANK,
            &[
                ("Banking Userid", "direct"),
                ("Banking Password", "a=1&b=2"),
            ],
        )
        .unwrap();

    assert_eq!(response.status_code(), 201);
    let sent = sandbox
        .requests()
        .into_iter()
        .rfind(|r| r.method == "POST")
        .unwrap();
    let content_type = sent
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| v.clone())
        .unwrap();
    assert!(
        content_type.starts_with("application/xml"),
        "{content_type}"
    );
    let body = String::from_utf8(sent.body).unwrap();
    assert!(body.contains("<value>a=1&amp;b=2</value>"), "{body}");
    let parsed = sandbox.last_credentials("encoding-form-like").unwrap();
    assert!(parsed.contains(&("Banking Password".to_string(), "a=1&b=2".to_string())));
}

#[test]
fn challenge_answer_with_markup() {
    let sandbox = sandbox();
    let client = client(&sandbox, "encoding-answer");
    let response = client
        .discover_and_add_accounts(CCBANK, &support::sandbox::ccbank_login("tfa_text"))
        .unwrap();
    let challenge = response.challenge().unwrap().unwrap();

    let answered = client
        .confirm_challenge(
            CCBANK,
            &challenge.session_id,
            &challenge.node_id,
            &["Tom & Jerry <3"],
        )
        .unwrap();

    assert_eq!(answered.status_code(), 201);
    let sent = sandbox
        .requests()
        .into_iter()
        .rfind(|r| r.method == "POST")
        .unwrap();
    let body = String::from_utf8(sent.body).unwrap();
    assert!(body.contains("Tom &amp; Jerry &lt;3"), "{body}");
    let parsed = sandbox.last_answers("encoding-answer").unwrap();
    assert_eq!(parsed, ["Tom & Jerry <3"]);
}

#[test]
fn account_ids_used_as_received() {
    let sandbox = sandbox();
    let client = client(&sandbox, "encoding-ids");
    let accounts = discover(&client, "direct");

    for account in accounts.children() {
        let account_id = text(&account, "account_id");

        let response = client.get_account(account_id).unwrap();

        let sent = sandbox.requests().into_iter().last().unwrap();
        assert!(sent.target.ends_with(&format!("/accounts/{account_id}")));
        assert_eq!(
            text(&xml(&response).get(0).unwrap(), "account_id"),
            account_id
        );
    }
}

#[test]
fn path_ids_are_percent_encoded() {
    let sandbox = sandbox();
    let client = client(&sandbox, "encoding-path");

    let error = client.get_account("12/../34?x=1").unwrap_err();

    let sent = sandbox.requests().into_iter().last().unwrap();
    assert!(
        sent.target.ends_with("/accounts/12%2F..%2F34%3Fx%3D1"),
        "{}",
        sent.target
    );
    assert_eq!(error.status(), Some(400), "{error:?}");
}

#[test]
fn raw_request_rejects_query_in_path() {
    let sandbox = sandbox();
    let client = client(&sandbox, "encoding-raw-query");

    let error = client
        .request("GET", "/echo?value=1", &[("value", "2")], None)
        .unwrap_err();

    assert!(
        matches!(
            error,
            aggcat::Error::InvalidInput {
                parameter: "path",
                ..
            }
        ),
        "{error:?}"
    );
    assert!(sandbox.requests().is_empty());
}
