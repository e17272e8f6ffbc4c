//! Every endpoint of the client against a sandbox over a real socket.

#![cfg(feature = "sandbox")]

mod support;

use aggcat::{Content, Error};
use support::sandbox::{account_ids, client, discover, sandbox, text, xml, CCBANK};
use time::{Duration, OffsetDateTime};

#[test]
fn institutions_list_and_details() {
    let sandbox = sandbox();
    let client = client(&sandbox, "endpoints-institutions");

    let list = client.get_institutions().unwrap();
    assert_eq!(list.status_code(), 200);
    assert_eq!(xml(&list).name(), "Institutions");
    assert_eq!(xml(&list).len(), 200);
    let first = xml(&list).get(0).unwrap();
    assert_eq!(text(&first, "institution_id"), "8860");
    assert_eq!(
        text(&first, "institution_name"),
        "Carolina Foothills FCU Credit Card"
    );

    let details = client.get_institution_details("13278").unwrap();
    let detail = xml(&details);
    assert_eq!(detail.name(), "InstitutionDetail");
    assert_eq!(text(detail, "institution_name"), "JP Morgan Chase Bank");
    assert_eq!(text(detail, "home_url"), "https://www.chase.com/");
    assert_eq!(text(detail, "currency_code"), "USD");
}

#[test]
fn unknown_institution_is_api_error() {
    let sandbox = sandbox();
    let client = client(&sandbox, "endpoints-unknown-institution");

    let error = client.get_institution_details("999999").unwrap_err();

    let Error::Api(api) = &error else {
        panic!("expected an API error, got {error:?}");
    };
    assert_eq!(api.status, 404);
    assert_eq!(api.error_code.as_deref(), Some("api.database.notfound"));
    assert!(api.correlation_id.as_deref().unwrap().starts_with("gw-"));
    assert!(error.to_string().contains("gw-"));
}

#[test]
fn credential_fields_of_ccbank() {
    let sandbox = sandbox();
    let client = client(&sandbox, "endpoints-fields");

    let fields = client.get_credential_fields(CCBANK).unwrap();

    let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["Banking Userid", "Banking Password"]);
    assert!(!fields[0].mask);
    assert!(fields[1].mask);
    assert_eq!(fields[0].display_order, 1);
    assert_eq!(fields[1].display_order, 2);
    assert_eq!(
        fields[0].instructions.as_deref(),
        Some("Enter banking userid (demo)")
    );
}

#[test]
fn discovery_gives_ten_accounts() {
    let sandbox = sandbox();
    let client = client(&sandbox, "endpoints-discovery");

    let accounts = discover(&client, "direct");

    assert_eq!(accounts.name(), "AccountList");
    assert_eq!(accounts.len(), 10);
    let kinds: Vec<String> = accounts.children().map(|a| a.name().to_string()).collect();
    assert_eq!(kinds.iter().filter(|k| *k == "BankingAccount").count(), 3);
    assert_eq!(kinds.iter().filter(|k| *k == "CreditAccount").count(), 2);
    assert_eq!(
        kinds.iter().filter(|k| *k == "InvestmentAccount").count(),
        3
    );
    assert_eq!(kinds.iter().filter(|k| *k == "LoanAccount").count(), 2);
    let visa = accounts
        .children()
        .find(|a| a.field("account_nickname") == Some("My Visa"))
        .unwrap();
    assert_eq!(text(&visa, "current_balance"), "-811.52");
    assert!(visa.field("balance_amount").is_none());
}

#[test]
fn customer_login_and_single_account() {
    let sandbox = sandbox();
    let client = client(&sandbox, "endpoints-accounts");
    let discovered = discover(&client, "direct");
    let first = discovered.get(0).unwrap();
    let login_id = text(&first, "institution_login_id").to_string();
    let account_id = text(&first, "account_id").to_string();

    let customer = client.get_customer_accounts().unwrap();
    let login = client.get_login_accounts(&login_id).unwrap();
    let single = client.get_account(&account_id).unwrap();

    let mut expected = account_ids(&discovered);
    expected.sort();
    let mut listed = account_ids(xml(&customer));
    listed.sort();
    assert_eq!(listed, expected);
    let mut by_login = account_ids(xml(&login));
    by_login.sort();
    assert_eq!(by_login, expected);
    assert_eq!(account_ids(xml(&single)), [account_id]);
}

#[test]
fn transactions_for_date_range() {
    let sandbox = sandbox();
    let client = client(&sandbox, "endpoints-transactions");
    let accounts = discover(&client, "direct");
    let checking = accounts
        .children()
        .find(|a| a.field("banking_account_type") == Some("CHECKING"))
        .unwrap();
    let today = OffsetDateTime::now_utc().date();

    let response = client
        .get_account_transactions(
            text(&checking, "account_id"),
            today - Duration::days(30),
            today,
        )
        .unwrap();

    let transactions = xml(&response);
    assert_eq!(transactions.name(), "TransactionList");
    assert!(!transactions.is_empty());
    for transaction in transactions.children() {
        assert_eq!(transaction.name(), "BankingTransaction");
        let posted = transaction.date_time("posted_date").unwrap().unwrap();
        assert!(posted.date() >= today - Duration::days(31));
        assert!(posted.date() <= today + Duration::days(1));
    }
}

#[test]
fn transactions_without_end_date_omit_it() {
    let sandbox = sandbox();
    let client = client(&sandbox, "endpoints-no-end-date");
    let accounts = discover(&client, "direct");
    let account_id = text(&accounts.get(0).unwrap(), "account_id").to_string();

    client
        .get_account_transactions(&account_id, "2014-01-01", None)
        .unwrap();

    let requests = sandbox.requests();
    let sent = requests
        .iter()
        .rfind(|r| r.target.contains("/transactions"))
        .unwrap();
    assert!(sent.target.contains("txnStartDate=2014-01-01"));
    assert!(!sent.target.contains("txnEndDate"));
}

#[test]
fn invalid_date_sends_nothing() {
    let sandbox = sandbox();
    let client = client(&sandbox, "endpoints-invalid-date");
    client.authenticate().unwrap();
    let before = sandbox.requests().len();

    let error = client
        .get_account_transactions("400000000001", "2014-13-01", None)
        .unwrap_err();

    assert!(matches!(error, Error::InvalidInput { .. }), "{error:?}");
    assert_eq!(sandbox.requests().len(), before);
}

#[test]
fn positions_of_investment_account() {
    let sandbox = sandbox();
    let client = client(&sandbox, "endpoints-positions");
    let accounts = discover(&client, "direct");
    let banking = accounts
        .children()
        .find(|a| a.name() == "BankingAccount")
        .unwrap();

    let empty = client
        .get_investment_positions(text(&banking, "account_id"))
        .unwrap();

    assert_eq!(xml(&empty).name(), "InvestmentPositions");
    assert_eq!(xml(&empty).len(), 0);
}

#[test]
fn account_type_update_retypes_other_account() {
    let sandbox = sandbox();
    let client = client(&sandbox, "endpoints-account-type");
    let accounts = discover(&client, "other_account");
    let other = accounts
        .children()
        .find(|a| a.name() == "OtherAccount")
        .unwrap();
    let account_id = text(&other, "account_id").to_string();

    let response = client
        .update_account_type(&account_id, Some("banking"), "checking")
        .unwrap();

    assert_eq!(response.status_code(), 200);
    assert!(matches!(response.content(), Content::Empty));
    let sent = sandbox
        .requests()
        .into_iter()
        .rfind(|r| r.method == "PUT")
        .unwrap();
    let body = String::from_utf8(sent.body).unwrap();
    assert!(body.contains("CHECKING"), "{body}");
    assert!(body.contains("http://schema.intuit.com/platform/fdatafeed/bankingaccount/v1"));
    let account = client.get_account(&account_id).unwrap();
    let account = xml(&account).get(0).unwrap();
    assert_eq!(account.name(), "BankingAccount");
    assert_eq!(text(&account, "banking_account_type"), "CHECKING");
}

#[test]
fn ambiguous_account_type_sends_nothing() {
    let sandbox = sandbox();
    let client = client(&sandbox, "endpoints-ambiguous-type");
    client.authenticate().unwrap();
    let before = sandbox.requests().len();

    let error = client
        .update_account_type("400000000001", None, "OTHER")
        .unwrap_err();

    assert!(matches!(error, Error::InvalidInput { .. }), "{error:?}");
    assert_eq!(sandbox.requests().len(), before);
}

#[test]
fn login_update_sends_refresh_true() {
    let sandbox = sandbox();
    let client = client(&sandbox, "endpoints-login-update");
    let accounts = discover(&client, "direct");
    let login_id = text(&accounts.get(0).unwrap(), "institution_login_id").to_string();

    let response = client
        .update_institution_login(
            CCBANK,
            &login_id,
            true,
            &support::sandbox::ccbank_login("direct"),
        )
        .unwrap();

    assert_eq!(response.status_code(), 200);
    assert!(response.body().is_empty());
    let sent = sandbox
        .requests()
        .into_iter()
        .rfind(|r| r.method == "PUT")
        .unwrap();
    assert!(sent
        .target
        .ends_with(&format!("/logins/{login_id}?refresh=true")));
}

#[test]
fn login_update_without_credentials_sends_empty_login() {
    let sandbox = sandbox();
    let client = client(&sandbox, "endpoints-empty-login");
    let accounts = discover(&client, "direct");
    let login_id = text(&accounts.get(0).unwrap(), "institution_login_id").to_string();

    let response = client
        .update_institution_login(CCBANK, &login_id, true, &[])
        .unwrap();

    assert_eq!(response.status_code(), 200);
    let sent = sandbox
        .requests()
        .into_iter()
        .rfind(|r| r.method == "PUT")
        .unwrap();
    let body = String::from_utf8(sent.body).unwrap();
    assert!(body.contains("InstitutionLogin"), "{body}");
    assert!(!body.contains("credential"), "{body}");
}

#[test]
fn delete_account_then_unknown() {
    let sandbox = sandbox();
    let client = client(&sandbox, "endpoints-delete-account");
    let accounts = discover(&client, "direct");
    let account_id = text(&accounts.get(0).unwrap(), "account_id").to_string();

    let deleted = client.delete_account(&account_id).unwrap();

    assert_eq!(deleted.status_code(), 200);
    assert!(matches!(deleted.content(), Content::Empty));
    let error = client.get_account(&account_id).unwrap_err();
    assert_eq!(error.status(), Some(404));
    let remaining = client.get_customer_accounts().unwrap();
    assert_eq!(xml(&remaining).len(), 9);
}

#[test]
fn delete_customer_wipes_accounts() {
    let sandbox = sandbox();
    let client = client(&sandbox, "endpoints-delete-customer");
    discover(&client, "direct");

    let deleted = client.delete_customer().unwrap();

    assert_eq!(deleted.status_code(), 200);
    let accounts = client.get_customer_accounts().unwrap();
    assert_eq!(xml(&accounts).len(), 0);
}

#[test]
fn batch_files_list_read_delete() {
    let sandbox = sandbox();
    let client = client(&sandbox, "endpoints-files");

    let files = client.list_files().unwrap();
    let first = xml(&files).get(0).expect("the sandbox lists batch files");
    let name = text(&first, "name").to_string();
    let size: u64 = first.parse_field("size").unwrap().unwrap();

    let whole = client.get_file_data(&name, None).unwrap();
    assert_eq!(whole.status_code(), 200);
    assert_eq!(whole.body().len() as u64, size);
    let range = client.get_file_data(&name, Some((0, 9))).unwrap();
    assert_eq!(range.status_code(), 206);
    assert_eq!(range.body(), &whole.body()[..10]);

    let deleted = client.delete_file(&name).unwrap();
    assert_eq!(deleted.status_code(), 200);
    let files = client.list_files().unwrap();
    assert!(xml(&files)
        .children()
        .all(|file| file.field("name") != Some(name.as_str())));
}

#[test]
fn both_base_paths_answer() {
    let sandbox = sandbox();
    for base_url in [sandbox.base_url(), sandbox.rest_war_base_url()] {
        let client = sandbox
            .client_builder("endpoints-base-paths")
            .base_url(&base_url)
            .build()
            .unwrap();

        let details = client.get_institution_details(CCBANK).unwrap();

        assert_eq!(details.status_code(), 200, "{base_url}");
    }
}

#[test]
fn objectify_off_gives_raw_body() {
    let sandbox = sandbox();
    let client = sandbox
        .client_builder("endpoints-raw")
        .objectify(false)
        .build()
        .unwrap();

    let response = client.get_institution_details(CCBANK).unwrap();

    let Content::Raw(bytes) = response.content() else {
        panic!("expected raw content");
    };
    assert!(bytes.starts_with(b"<?xml"));
    assert_eq!(response.to_xml().as_bytes(), bytes.as_slice());
}

#[test]
fn gzip_reply_is_decoded() {
    let sandbox = sandbox();
    let client = client(&sandbox, "endpoints-gzip");

    let response = client.get_institutions().unwrap();

    assert_eq!(xml(&response).len(), 200);
    let sent = sandbox
        .requests()
        .into_iter()
        .rfind(|r| r.target.ends_with("/institutions"))
        .unwrap();
    let accept = sent
        .headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("accept-encoding"))
        .map(|(_, value)| value.clone())
        .unwrap_or_default();
    assert!(accept.contains("gzip"), "accept-encoding {accept:?}");
}

#[test]
fn progress_reports_each_chunk() {
    let sandbox = aggcat::sandbox::Sandbox::builder()
        .institutions(2_000)
        .start()
        .unwrap();
    let reports = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = reports.clone();
    let client = sandbox
        .client_builder("endpoints-progress")
        .progress(move |progress| sink.lock().unwrap().push(progress))
        .build()
        .unwrap();

    let response = client.get_institutions().unwrap();

    let reports = reports.lock().unwrap();
    let body_len = response.body().len() as u64;
    assert!(reports.len() >= 3, "{} reports", reports.len());
    assert!(reports
        .windows(2)
        .all(|pair| pair[0].received <= pair[1].received));
    let last = reports.last().unwrap();
    assert_eq!(last.received, body_len);
    assert_eq!(last.total, Some(body_len));
}

#[test]
fn progress_keeps_size_limit() {
    let sandbox = sandbox();
    let client = sandbox
        .client_builder("endpoints-progress-limit")
        .max_response_size(16 * 1024)
        .progress(|_| {})
        .build()
        .unwrap();

    let error = client.get_institutions().unwrap_err();

    assert!(
        matches!(error, Error::ResponseTooLarge { limit: 16_384, .. }),
        "{error:?}"
    );
}

#[test]
fn saved_reply_parses_to_same_tree() {
    let sandbox = sandbox();
    let client = client(&sandbox, "endpoints-save");
    let response = client.get_institutions().unwrap();
    let path = std::env::temp_dir().join(format!("aggcat-save-{}.xml", std::process::id()));

    response.save(&path).unwrap();
    let loaded = aggcat::XmlNode::parse_file(&path).unwrap();
    std::fs::remove_file(&path).unwrap();

    assert_eq!(&loaded, xml(&response));
    assert_eq!(loaded.len(), 200);
}

#[test]
fn save_to_missing_folder_is_io_error() {
    let sandbox = sandbox();
    let client = client(&sandbox, "endpoints-save-error");
    let response = client.get_institution_details(CCBANK).unwrap();

    let error = response
        .save("/nonexistent-folder/aggcat/details.xml")
        .unwrap_err();

    assert!(matches!(error, Error::Io { .. }), "{error:?}");
}

#[test]
fn request_record_keeps_newest() {
    let sandbox = aggcat::sandbox::Sandbox::builder()
        .institutions(20)
        .max_recorded_requests(3)
        .start()
        .unwrap();
    let client = client(&sandbox, "endpoints-record-cap");

    for _ in 0..5 {
        client.get_institution_details(CCBANK).unwrap();
    }
    client.get_institution_details("13278").unwrap();

    let requests = sandbox.requests();
    assert_eq!(requests.len(), 3);
    assert!(requests[2].target.ends_with("/institutions/13278"));
}

#[test]
fn status_document_fields_under_404_and_500() {
    let document = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
        <Status xmlns=\"http://schema.intuit.com/platform/fdatafeed/common/v1\"><errorInfo>\
        <errorType>USER_ERROR</errorType><errorCode>100</errorCode>\
        <errorMessage>Invalid institution id</errorMessage>\
        <correlationId>gw-1234</correlationId></errorInfo></Status>";
    for status in [404, 500] {
        let sandbox = aggcat::sandbox::Sandbox::builder()
            .institutions(20)
            .fault(
                "GET /v1/institutions/999999",
                aggcat::sandbox::Fault::Body {
                    status,
                    content_type: "application/xml".to_string(),
                    headers: Vec::new(),
                    body: document.as_bytes().to_vec(),
                },
            )
            .start()
            .unwrap();
        let client = client(&sandbox, "endpoints-status-document");

        let error = client.get_institution_details("999999").unwrap_err();

        let api = error.api_error().expect("an API error");
        assert_eq!(api.status, status);
        assert_eq!(api.error_type.as_deref(), Some("USER_ERROR"));
        assert_eq!(api.error_code.as_deref(), Some("100"));
        assert_eq!(api.error_message.as_deref(), Some("Invalid institution id"));
        assert_eq!(api.correlation_id.as_deref(), Some("gw-1234"));
        let printed = error.to_string();
        assert!(printed.contains("error code 100"), "{printed}");
        assert!(printed.contains("gw-1234"), "{printed}");
        let secret = &sandbox.application().consumer_secret;
        assert!(!printed.contains(secret.as_str()), "{printed}");
    }
}
