//! Parses the captured responses under `tests/fixtures/` and checks the values their README
//! lists.

use std::path::{Path, PathBuf};

use aggcat::XmlNode;

const ACCOUNT_LIST_NS: &str = "http://schema.intuit.com/platform/fdatafeed/accountlist/v1";
const OTHER_ACCOUNT_NS: &str = "http://schema.intuit.com/platform/fdatafeed/otheraccount/v1";

fn fixture_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn fixture(name: &str) -> XmlNode {
    XmlNode::parse_file(fixture_path(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn xml_fixtures() -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut folders = vec![fixture_path("")];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).expect("fixture folder is readable") {
            let path = entry.expect("fixture entry is readable").path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "xml") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// Collects every element of the subtree in document order, starting with `node` itself.
fn elements(node: &XmlNode) -> Vec<XmlNode> {
    let mut all = Vec::new();
    let mut pending = vec![node.clone()];
    while let Some(next) = pending.pop() {
        pending.extend(next.children().rev());
        all.push(next);
    }
    all
}

#[test]
fn every_xml_fixture_parses() {
    let paths = xml_fixtures();
    assert!(paths.len() >= 30, "found only {} XML fixtures", paths.len());
    for path in &paths {
        let result = XmlNode::parse_file(path);
        assert!(result.is_ok(), "{}: {:?}", path.display(), result.err());
    }
}

#[test]
fn text_fixtures_are_not_xml() {
    for name in [
        "ruby-aggcat/oauth_token.txt",
        "phpaggcat/token_exchange_response.txt",
        "python-aggcat/docs_challenge_401_headers.txt",
    ] {
        let result = XmlNode::parse_file(fixture_path(name));
        assert!(
            matches!(result, Err(aggcat::Error::Xml { .. })),
            "{name}: {result:?}"
        );
    }
}

#[test]
fn every_fixture_round_trips() {
    for path in xml_fixtures() {
        let root = XmlNode::parse_file(&path).unwrap();
        let again = XmlNode::parse(&root.to_xml()).unwrap();
        assert_eq!(again, root, "{}", path.display());
    }
}

#[test]
fn every_subtree_round_trips() {
    for path in xml_fixtures() {
        let root = XmlNode::parse_file(&path).unwrap();
        for element in elements(&root) {
            let xml = element.to_xml();
            let again =
                XmlNode::parse(&xml).unwrap_or_else(|e| panic!("{}: {e} in {xml}", path.display()));
            assert_eq!(again, element, "{}: {xml}", path.display());
        }
    }
}

#[test]
fn discovered_accounts_first_account() {
    let root = fixture("python-aggcat/api_discover_and_add_accounts.xml");
    assert_eq!(root.name(), "AccountList");
    assert_eq!(root.namespace(), Some(ACCOUNT_LIST_NS));
    assert_eq!(root.len(), 10);

    let first = root.get(0).unwrap();
    assert_eq!(first.name(), "CreditAccount");
    assert_eq!(first.field("account_id"), Some("400004530271"));
    assert_eq!(first.field("accountNickname"), Some("My Visa"));
    assert_eq!(first.field("current_balance"), Some("-811.52"));
    assert_eq!(first.field("balance_amount"), None);
    assert!(first.child("balanceAmount").is_none());
}

#[test]
fn discovered_accounts_kinds_and_ids() {
    let root = fixture("python-aggcat/api_discover_and_add_accounts.xml");
    let count = |field: &str| root.children_named(field).count();
    assert_eq!(count("credit_account"), 2);
    assert_eq!(count("BankingAccount"), 3);
    assert_eq!(count("investment_account"), 3);
    assert_eq!(count("LoanAccount"), 2);

    let ids: Vec<String> = (0..root.len())
        .map(|i| root.get(i).unwrap())
        .map(|account| account.field("account_id").unwrap().to_owned())
        .collect();
    let expected: Vec<String> = (400004530271u64..=400004530280)
        .map(|id| id.to_string())
        .collect();
    assert_eq!(ids, expected);

    for account in root.children() {
        assert_eq!(account.field("institution_id"), Some("100000"));
        assert_eq!(account.field("institution_login_id"), Some("82440124"));
        assert_eq!(account.field("status"), Some("ACTIVE"));
        assert_eq!(
            account.parse_field::<i32>("aggr_status_code").unwrap(),
            Some(0)
        );
    }
}

#[test]
fn discovered_accounts_dates_parse() {
    let root = fixture("python-aggcat/api_discover_and_add_accounts.xml");
    let mut stamps = Vec::new();
    for account in root.children() {
        for element in account.children() {
            let text = element.text().unwrap_or("");
            if !text.starts_with("2013-") {
                continue;
            }
            let parsed = account.date_time(element.name());
            assert!(matches!(parsed, Ok(Some(_))), "{text}: {parsed:?}");
            stamps.push((text.to_owned(), parsed.unwrap().unwrap()));
        }
    }

    let with_millis = stamps
        .iter()
        .find(|(text, _)| text == "2013-08-11T08:52:26.397-07:00")
        .expect("a stamp with milliseconds");
    assert_eq!(with_millis.1.millisecond(), 397);
    let without_millis = stamps
        .iter()
        .find(|(text, _)| text == "2013-08-11T00:00:00-07:00")
        .expect("a stamp without milliseconds");
    assert_eq!(without_millis.1.unix_timestamp(), 1_376_204_400);
}

#[test]
fn date_time_on_both_stamp_forms() {
    let root = fixture("cheqbook-intuit_ids_aggcat/account_list_no_namespaces.xml");
    let account = root.get(0).unwrap();
    assert_eq!(root.namespace(), None);
    assert_eq!(account.namespace(), None);
    let last_txn = account.field("last_txn_date").unwrap();
    assert!(!last_txn.contains('.'), "{last_txn}");
    let aggr_success = account.field("aggr_success_date").unwrap();
    assert!(aggr_success.contains('.'), "{aggr_success}");
    assert!(account.date_time("last_txn_date").unwrap().is_some());
    assert!(account.date_time("aggrSuccessDate").unwrap().is_some());
    assert_eq!(account.field("account_id"), Some("400000000001"));
}

#[test]
fn loan_booleans_parse() {
    let root = fixture("python-aggcat/api_discover_and_add_accounts.xml");
    let loan = root.children_named("loan_account").next().unwrap();
    assert_eq!(
        loan.parse_field::<bool>("autopay_enrolled").unwrap(),
        Some(true)
    );
    assert_eq!(
        loan.parse_field::<bool>("first_mortgage").unwrap(),
        Some(false)
    );
    assert_eq!(loan.field("collateral"), Some("811.52"));
}

#[test]
fn choice_challenge_values() {
    let root = fixture("python-aggcat/api_two_factor_choice_account.xml");
    assert_eq!(root.children_named("challenge").count(), 1);
    let challenge = root.child("challenge").unwrap();
    assert_eq!(
        challenge.field("text"),
        Some("Which high school did you attend?")
    );
    let choices: Vec<(String, String)> = challenge
        .children_named("choice")
        .map(|c| {
            (
                c.field("text").unwrap().into(),
                c.field("val").unwrap().into(),
            )
        })
        .collect();
    let expected = [
        ("Washington", "Washington"),
        ("Jefferson", "Jefferson"),
        ("Wilson", "Wilson"),
        ("loop", "loop"),
        ("Fail", "fail"),
    ];
    assert_eq!(choices.len(), 5);
    for ((text, val), (expected_text, expected_val)) in choices.iter().zip(expected) {
        assert_eq!(text, expected_text);
        assert_eq!(val, expected_val);
    }
}

#[test]
fn one_and_two_challenges_iterate() {
    let one = fixture("python-aggcat/api_two_factor_account.xml");
    let two = fixture("python-aggcat/api_two_factor2_account.xml");
    let texts = |root: &XmlNode| -> Vec<String> {
        root.children_named("challenge")
            .map(|c| c.field("text").unwrap().to_owned())
            .collect()
    };
    assert_eq!(texts(&one), ["Enter your first pet's name:"]);
    assert_eq!(
        texts(&two),
        [
            "Enter your first pet's name:",
            "Enter your high school's name:"
        ]
    );
}

#[test]
fn image_challenge_base64_length() {
    for name in [
        "python-aggcat/api_two_factor_image_account.xml",
        "python-aggcat/api_two_factor_dynamic_image_account.xml",
    ] {
        let challenge = fixture(name).child("challenge").unwrap();
        let image = challenge.field("image").unwrap();
        assert_eq!(image.len(), 2956, "{name}");
        assert!(!image.contains('\n'), "{name}");
    }
}

#[test]
fn empty_positions_have_no_children() {
    let root = fixture("python-aggcat/api_get_investment_positions.xml");
    assert_eq!(root.name(), "InvestmentPositions");
    assert_eq!(root.len(), 0);
    assert!(root.is_empty());
    assert_eq!(root.children().count(), 0);
    assert_eq!(root.children_named("position").count(), 0);
}

#[test]
fn positions_nested_namespaces() {
    let root = fixture("ruby-aggcat/positions.xml");
    let positions: Vec<XmlNode> = root.children_named("position").collect();
    assert_eq!(positions.len(), 2);
    assert_eq!(
        positions[0].field("investment_position_id"),
        Some("000000000001")
    );
    assert_eq!(positions[0].field("hold_type"), Some("STOCK"));
    assert_eq!(positions[1].field("hold_type"), Some("BOND"));
    let other_info = positions[0].child("other_info").unwrap();
    assert_eq!(other_info.field("ticker"), Some("DEF"));
    assert_eq!(
        other_info.child("ticker").unwrap().namespace(),
        Some("http://schema.intuit.com/platform/fdatafeed/securityinfo/v1")
    );
    assert_eq!(other_info.field("unit_price"), Some("8.29"));
}

#[test]
fn status_documents_fields() {
    let status = fixture("ruby-aggcat/max_customers_reached.xml");
    let info = status.child("error_info").unwrap();
    assert_eq!(info.field("error_type"), Some("APP_ERROR"));
    assert_eq!(info.field("error_code"), Some("api.max.customers"));
    assert_eq!(
        info.field("error_message"),
        Some("The offering has reached the maximum number of customers allowed.")
    );
    assert!(info.field("correlation_id").unwrap().starts_with("gw-"));

    let status = fixture("kstinchcombe-intuit_ids_aggcat/status_404_api_database_notfound.xml");
    let info = status.child("errorInfo").unwrap();
    assert_eq!(info.field("errorType"), Some("APP_ERROR"));
    assert_eq!(info.field("error_code"), Some("api.database.notfound"));
    assert_eq!(
        info.field("error_message"),
        Some("internal api error while processing request")
    );
    assert_eq!(
        info.field("correlation_id"),
        Some("gw-9d1c4220-8046-46c2-a5be-2aeddb05f929")
    );
}

#[test]
fn institution_detail_decodes_entities() {
    let detail = fixture("python-aggcat/docs_institution_detail_13278.xml");
    assert_eq!(detail.field("institution_id"), Some("13278"));
    assert_eq!(
        detail.field("email_address"),
        Some("http://www.chase.com/cm/cs?pagename=Chase/Href&urlname=chase/cc/contactus/email")
    );
    let address = detail.child("address").unwrap();
    assert_eq!(address.field("postal_code"), Some("40233"));
    assert_eq!(
        address.child("postalCode").unwrap().namespace(),
        Some("http://schema.intuit.com/platform/fdatafeed/common/v1")
    );
    let orders: Vec<Option<u32>> = detail
        .child("keys")
        .unwrap()
        .children_named("key")
        .map(|key| key.parse_field::<u32>("display_order").unwrap())
        .collect();
    assert_eq!(orders, [Some(2), Some(1)]);
}

#[test]
fn ruby_accounts_count_and_first() {
    let root = fixture("ruby-aggcat/accounts.xml");
    assert_eq!(root.len(), 27);
    let count = |field: &str| root.children_named(field).count();
    assert_eq!(count("banking_account"), 4);
    assert_eq!(count("credit_account"), 2);
    assert_eq!(count("loan_account"), 8);
    assert_eq!(count("investment_account"), 11);
    assert_eq!(count("other_account"), 2);
    let first = root.get(0).unwrap();
    assert_eq!(first.name(), "BankingAccount");
    assert_eq!(first.field("account_id"), Some("75000033002"));
    assert_eq!(first.field("institution_id"), Some("11111"));
    assert_eq!(first.field("status"), None);
}

#[test]
fn misbound_account_found_by_local_name() {
    let root = fixture("ruby-aggcat/account.xml");
    let account = root.child("banking_account").unwrap();
    assert_eq!(account.name(), "BankingAccount");
    assert_eq!(account.namespace(), Some(OTHER_ACCOUNT_NS));
    assert_eq!(account.field("account_id"), Some("000000000001"));
    assert_eq!(account.field("banking_account_type"), Some("CHECKING"));
}

#[test]
fn institutions_excerpt_count() {
    let root = fixture("vinhboy-intuit_ids_aggcat/institutions_excerpt.xml");
    let institutions: Vec<XmlNode> = root.children_named("institution").collect();
    assert_eq!(institutions.len(), 42);
    assert_eq!(institutions[0].field("institution_id"), Some("8860"));
    assert_eq!(
        institutions[0].field("institution_name"),
        Some("Carolina Foothills FCU Credit Card")
    );
    let ccbank = institutions
        .iter()
        .find(|i| i.field("institution_id") == Some("100000"))
        .unwrap();
    assert_eq!(ccbank.field("home_url"), Some("http://www.intuit.com"));
    assert_eq!(ccbank.field("phone_number"), None);
}

#[test]
fn institutions_two_with_blank_line() {
    let root = fixture("nibbledebt-java/institutions_two.xml");
    let ids: Vec<String> = root
        .children()
        .map(|i| i.field("institution_id").unwrap().to_owned())
        .collect();
    assert_eq!(ids, ["8860", "8844"]);
    assert_eq!(root.text(), None);
}

#[test]
fn helper_request_without_declaration() {
    let root = fixture("python-aggcat/helper_account_type.xml");
    assert_eq!(root.name(), "BankingAccount");
    assert_eq!(root.field("banking_account_type"), Some("checking"));
}

#[test]
fn transaction_empty_context_type() {
    let root = fixture("ruby-aggcat/transactions.xml");
    assert_eq!(root.name(), "TransactionList");
    let transactions: Vec<XmlNode> = root.children_named("credit_card_transaction").collect();
    assert_eq!(transactions.len(), 1);
    let transaction = &transactions[0];
    assert_eq!(transaction.field("id"), Some("75000088503"));
    assert_eq!(transaction.field("amount"), Some("111.22"));
    assert_eq!(
        transaction.parse_field::<bool>("pending").unwrap(),
        Some(false)
    );

    let categorization = transaction.child("categorization").unwrap();
    assert_eq!(
        categorization.child("common").unwrap().field("sic"),
        Some("9995")
    );
    let context = categorization.child("context").unwrap();
    assert_eq!(context.field("source"), Some("CAT"));
    assert_eq!(context.field("context_type"), Some(""));
    assert_eq!(context.field("missing_field"), None);
}

#[test]
fn compact_and_crlf_indented_equal() {
    let compact = std::fs::read_to_string(fixture_path(
        "python-aggcat/api_discover_and_add_accounts.xml",
    ))
    .unwrap();
    let root = XmlNode::parse(&compact).unwrap();

    // Put every tag of the one-line document on its own indented line ending in CRLF.
    let indented = compact
        .replace("><", ">\r\n    <")
        .replace("?>\r\n    <", "?>\r\n<");
    assert!(indented.contains("\r\n    <"));
    let reparsed = XmlNode::parse(&indented).unwrap();
    assert_eq!(reparsed, root);
}

#[test]
fn entities_and_cdata_in_documents() {
    let document =
        "<Institutions xmlns=\"http://schema.intuit.com/platform/fdatafeed/institution/v1\">\
        <institution><institutionName>Bennett Savings Bank &amp; Trust</institutionName>\
        <memo><![CDATA[Check #1042 <void>]]></memo></institution></Institutions>";
    let institution = XmlNode::parse(document)
        .unwrap()
        .child("institution")
        .unwrap();
    assert_eq!(
        institution.field("institution_name"),
        Some("Bennett Savings Bank & Trust")
    );
    assert_eq!(institution.field("memo"), Some("Check #1042 <void>"));
}

#[test]
fn single_account_list_iterates() {
    let one = XmlNode::parse(
        "<AccountList><BankingAccount><accountId>1</accountId></BankingAccount></AccountList>",
    )
    .unwrap();
    let two = XmlNode::parse(
        "<AccountList><BankingAccount><accountId>1</accountId></BankingAccount>\
         <BankingAccount><accountId>2</accountId></BankingAccount></AccountList>",
    )
    .unwrap();
    let ids = |root: &XmlNode| -> Vec<String> {
        root.children_named("banking_account")
            .map(|a| a.field("account_id").unwrap().to_owned())
            .collect()
    };
    assert_eq!(ids(&one), ["1"]);
    assert_eq!(ids(&two), ["1", "2"]);
    assert_eq!(one.len(), 1);
}
