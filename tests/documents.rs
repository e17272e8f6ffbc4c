//! Response shapes that broke other clients: key order, hidden keys, large and indented bodies.

#![cfg(feature = "sandbox")]

mod support;

use aggcat::Error;
use support::sandbox::{client, discover, sandbox, text, xml};
use time::{Duration, OffsetDateTime};

/// The sandbox institution whose keys are listed in display order 10, 2, 1, 3 with one hidden.
const ORDERED_KEYS: &str = "100001";

/// The sandbox institution with exactly three shown keys and one hidden key.
const HIDDEN_KEY: &str = "100002";

#[test]
fn credential_fields_sorted_numerically() {
    let sandbox = sandbox();
    let client = client(&sandbox, "documents-key-order");

    let fields = client.get_credential_fields(ORDERED_KEYS).unwrap();

    let orders: Vec<u32> = fields.iter().map(|f| f.display_order).collect();
    let mut sorted = orders.clone();
    sorted.sort_unstable();
    assert_eq!(orders, sorted);
    assert!(orders.contains(&10), "{orders:?}");
    assert!(fields.iter().all(|f| f.name != "Banking Password Old"));
}

#[test]
fn hidden_key_not_required() {
    let sandbox = sandbox();
    let client = client(&sandbox, "documents-hidden-key");
    let credentials = [
        ("Banking Userid", "direct"),
        ("Banking Password", "anyvalue"),
        ("Site Key", "blue"),
    ];

    let response = client
        .discover_and_add_accounts(HIDDEN_KEY, &credentials)
        .unwrap();

    assert_eq!(response.status_code(), 201);
    let received = sandbox.last_credentials("documents-hidden-key").unwrap();
    let mut names: Vec<&str> = received.iter().map(|(name, _)| name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["Banking Password", "Banking Userid", "Site Key"]);

    let error = client
        .discover_and_add_accounts(HIDDEN_KEY, &credentials[..2])
        .unwrap_err();
    let Error::MissingCredentials { missing, .. } = &error else {
        panic!("expected MissingCredentials, got {error:?}");
    };
    assert_eq!(missing, &["Site Key".to_string()]);
    assert!(!error.to_string().contains("anyvalue"), "{error}");
}

#[test]
fn twenty_thousand_transactions() {
    let sandbox = sandbox();
    let client = client(&sandbox, "documents-big");
    let accounts = discover(&client, "big_transactions");
    let account_id = text(&accounts.get(0).unwrap(), "account_id").to_string();
    let today = OffsetDateTime::now_utc().date();

    let response = client
        .get_account_transactions(&account_id, today - Duration::days(90), today)
        .unwrap();

    assert_eq!(xml(&response).len(), 20_000);
}

#[test]
fn size_limit_is_typed_error() {
    let sandbox = sandbox();
    let client = sandbox
        .client_builder("documents-limit")
        .max_response_size(1024 * 1024)
        .build()
        .unwrap();
    let accounts = discover(&client, "big_transactions");
    let account_id = text(&accounts.get(0).unwrap(), "account_id").to_string();
    let today = OffsetDateTime::now_utc().date();

    let error = client
        .get_account_transactions(&account_id, today - Duration::days(90), today)
        .unwrap_err();

    assert!(
        matches!(
            error,
            Error::ResponseTooLarge {
                limit: 1_048_576,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("1048576"));
}

#[test]
fn indented_reply_same_tree() {
    let sandbox = sandbox();
    let compact_client = client(&sandbox, "documents-compact");
    let indented_client = client(&sandbox, "documents-indented");
    let compact = discover(&compact_client, "direct");
    let indented = discover(&indented_client, "indented");

    assert_eq!(compact.len(), indented.len());
    for (a, b) in compact.children().zip(indented.children()) {
        assert_eq!(a.name(), b.name());
        assert_eq!(a.field("account_nickname"), b.field("account_nickname"));
        assert_eq!(a.children().count(), b.children().count());
    }
}

#[test]
fn cdata_memo_decoded() {
    let sandbox = sandbox();
    let client = client(&sandbox, "documents-cdata");
    let accounts = discover(&client, "cdata_memo");
    let account_id = text(&accounts.get(0).unwrap(), "account_id").to_string();
    let today = OffsetDateTime::now_utc().date();

    let response = client
        .get_account_transactions(&account_id, today - Duration::days(90), today)
        .unwrap();

    let memos: Vec<String> = xml(&response)
        .children()
        .filter_map(|t| t.field("memo").map(str::to_string))
        .collect();
    assert!(memos.iter().any(|m| m == "Check #1042 <void>"), "{memos:?}");
}

#[test]
fn three_required_fields_by_name() {
    let sandbox = sandbox();
    let client = client(&sandbox, "documents-three-fields");

    let fields = client.get_credential_fields(HIDDEN_KEY).unwrap();

    let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["Banking Userid", "Banking Password", "Site Key"]);
    let response = client
        .discover_and_add_accounts(
            HIDDEN_KEY,
            &[
                ("Site Key", "blue"),
                ("Banking Password", "anyvalue"),
                ("Banking Userid", "direct"),
            ],
        )
        .unwrap();
    assert_eq!(response.status_code(), 201);
}

#[test]
fn leading_zero_id_kept_in_path() {
    let sandbox = sandbox();
    let client = client(&sandbox, "documents-leading-zeros");
    let accounts = discover(&client, "leading_zeros");
    let account_id = text(&accounts.get(0).unwrap(), "account_id").to_string();
    assert_eq!(account_id, "000000000001");

    let response = client.get_account(&account_id).unwrap();

    let sent = sandbox.requests().into_iter().last().unwrap();
    assert!(
        sent.target.ends_with("/accounts/000000000001"),
        "{}",
        sent.target
    );
    assert_eq!(
        text(&xml(&response).get(0).unwrap(), "account_id"),
        "000000000001"
    );
}

#[test]
fn one_transaction_still_a_list() {
    let sandbox = sandbox();
    let client = client(&sandbox, "documents-one-transaction");
    let accounts = discover(&client, "one_transaction");
    let account_id = text(&accounts.get(0).unwrap(), "account_id").to_string();
    let today = OffsetDateTime::now_utc().date();

    let response = client
        .get_account_transactions(&account_id, today - Duration::days(30), today)
        .unwrap();

    let transactions = xml(&response);
    assert_eq!(transactions.len(), 1);
    assert_eq!(transactions.children().count(), 1);
}

#[test]
fn escaped_institution_name_decoded() {
    let sandbox = sandbox();
    let client = client(&sandbox, "documents-escaped-name");

    let response = client.get_institutions().unwrap();

    let bennett = xml(&response)
        .children()
        .find(|i| i.field("institution_name") == Some("Bennett Savings Bank & Trust"));
    assert!(bennett.is_some(), "the decoded name is missing");
    assert!(response
        .to_xml()
        .contains("Bennett Savings Bank &amp; Trust"));
}
