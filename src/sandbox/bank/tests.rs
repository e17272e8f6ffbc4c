//! Tests that drive [`Bank::handle`] with constructed requests.

use std::time::Duration as StdDuration;

use roxmltree::{Document, Node};
use time::{Duration, OffsetDateTime};

use super::{ApiReply, ApiRequest, Bank};
use crate::sandbox::{SandboxBuilder, Settings};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/");
const LOGIN_NS: &str = "http://schema.intuit.com/platform/fdatafeed/institutionlogin/v1";
const CHALLENGE_NS: &str = "http://schema.intuit.com/platform/fdatafeed/challenge/v1";
const CUSTOMER: &str = "customer-1";

fn fixture(path: &str) -> String {
    std::fs::read_to_string(format!("{FIXTURES}{path}")).unwrap()
}

fn settings() -> Settings {
    let mut settings = SandboxBuilder::default().settings;
    settings.institutions = 200;
    settings
}

fn start_time() -> OffsetDateTime {
    time::macros::datetime!(2014-06-15 16:52:26.397 UTC)
}

/// A bank plus a clock that the tests advance.
struct Harness {
    bank: Bank,
    now: OffsetDateTime,
}

/// One request to send; the builder methods fill in the parts a test needs.
struct Call<'a> {
    method: &'a str,
    path: &'a str,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: String,
    customer: &'a str,
}

fn call<'a>(method: &'a str, path: &'a str) -> Call<'a> {
    Call {
        method,
        path,
        query: Vec::new(),
        headers: Vec::new(),
        body: String::new(),
        customer: CUSTOMER,
    }
}

impl<'a> Call<'a> {
    fn query(mut self, name: &str, value: &str) -> Self {
        self.query.push((name.to_string(), value.to_string()));
        self
    }

    fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_lowercase(), value.to_string()));
        self
    }

    fn xml(mut self, body: &str) -> Self {
        self.body = body.to_string();
        self.header("Content-Type", "application/xml")
    }

    fn customer(mut self, customer: &'a str) -> Self {
        self.customer = customer;
        self
    }
}

impl Harness {
    fn new() -> Harness {
        Harness::with(settings())
    }

    fn with(settings: Settings) -> Harness {
        Harness {
            bank: Bank::new(&settings),
            now: start_time(),
        }
    }

    fn send(&mut self, call: Call<'_>) -> ApiReply {
        let request = ApiRequest {
            method: call.method,
            path: call.path,
            query: &call.query,
            headers: &call.headers,
            body: call.body.as_bytes(),
            customer_id: call.customer,
            now: self.now,
        };
        self.bank.handle(&request)
    }

    /// Discovers accounts at an institution with a userid and password.
    fn discover_at(&mut self, institution: u64, userid: &str, password: &str) -> ApiReply {
        let path = format!("/institutions/{institution}/logins");
        self.send(call("POST", &path).xml(&credentials_body(userid, password)))
    }

    fn discover(&mut self, userid: &str) -> ApiReply {
        self.discover_at(100_000, userid, "anyvalue")
    }

    fn account_ids(&mut self, customer: &str) -> Vec<String> {
        let reply = self.send(call("GET", "/accounts").customer(customer));
        let text = body(&reply);
        let document = Document::parse(&text).unwrap();
        document
            .root_element()
            .children()
            .filter(Node::is_element)
            .map(|account| child_text(account, "accountId").unwrap().to_string())
            .collect()
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn credentials_body(userid: &str, password: &str) -> String {
    format!(
        "<InstitutionLogin xmlns=\"{LOGIN_NS}\"><credentials><credential><name>Banking Userid</name><value>{}</value></credential><credential><name>Banking Password</name><value>{}</value></credential></credentials></InstitutionLogin>",
        escape(userid),
        escape(password)
    )
}

fn answers_body(answers: &[&str]) -> String {
    let responses: String = answers
        .iter()
        .map(|answer| {
            format!(
                "<response xmlns=\"{CHALLENGE_NS}\">{}</response>",
                escape(answer)
            )
        })
        .collect();
    format!("<InstitutionLogin xmlns=\"{LOGIN_NS}\"><challengeResponses>{responses}</challengeResponses></InstitutionLogin>")
}

fn body(reply: &ApiReply) -> String {
    String::from_utf8(reply.body.clone()).unwrap()
}

fn header<'a>(reply: &'a ApiReply, name: &str) -> Option<&'a str> {
    reply
        .headers
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.as_str())
}

fn child_text<'a>(node: Node<'a, '_>, name: &str) -> Option<&'a str> {
    node.children()
        .find(|child| child.is_element() && child.tag_name().name() == name)
        .and_then(|child| child.text())
}

/// Returns the `errorCode` of a `Status` reply.
fn error_code(reply: &ApiReply) -> String {
    let text = body(reply);
    let document = Document::parse(&text).unwrap();
    let root = document.root_element();
    assert_eq!(root.tag_name().name(), "Status", "{text}");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://schema.intuit.com/platform/fdatafeed/common/v1")
    );
    let info = root.first_element_child().unwrap();
    let correlation = child_text(info, "correlationId").unwrap();
    assert!(correlation.starts_with("gw-"), "{correlation}");
    assert_eq!(correlation.len(), 39, "{correlation}");
    child_text(info, "errorCode").unwrap().to_string()
}

fn root_name(reply: &ApiReply) -> (String, String) {
    let text = body(reply);
    let document = Document::parse(&text).unwrap();
    let root = document.root_element();
    (
        root.tag_name().name().to_string(),
        root.tag_name().namespace().unwrap_or("").to_string(),
    )
}

fn element_children<'a, 'input>(node: Node<'a, 'input>) -> Vec<Node<'a, 'input>> {
    node.children().filter(Node::is_element).collect()
}

/// Returns the challenge headers of a 401 reply.
fn session_of(reply: &ApiReply) -> (String, String) {
    assert_eq!(reply.status, 401, "{}", body(reply));
    (
        header(reply, "challengeSessionId").unwrap().to_string(),
        header(reply, "challengeNodeId").unwrap().to_string(),
    )
}

fn answer<'a>(
    path: &'a str,
    method: &'a str,
    session: &(String, String),
    answers: &[&str],
) -> Call<'a> {
    call(method, path)
        .xml(&answers_body(answers))
        .header("challengeSessionId", &session.0)
        .header("challengeNodeId", &session.1)
}

const LOGINS: &str = "/institutions/100000/logins";

// Institutions.

#[test]
fn institutions_default_count() {
    let mut harness = Harness::with(SandboxBuilder::default().settings);

    let reply = harness.send(call("GET", "/institutions"));

    assert_eq!(reply.status, 200);
    assert_eq!(header(&reply, "Content-Type"), Some("application/xml"));
    let text = body(&reply);
    assert!(text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><Institutions xmlns=\"http://schema.intuit.com/platform/fdatafeed/institution/v1\" xmlns:ns2=\"http://schema.intuit.com/platform/fdatafeed/common/v1\"><institution><institutionId>8860</institutionId><institutionName>Carolina Foothills FCU Credit Card</institutionName>"));
    let document = Document::parse(&text).unwrap();
    let list = element_children(document.root_element());
    assert_eq!(list.len(), 18_716);
    let names: Vec<(&str, &str)> = list
        .iter()
        .map(|node| {
            (
                child_text(*node, "institutionId").unwrap(),
                child_text(*node, "institutionName").unwrap(),
            )
        })
        .collect();
    for (id, name) in [
        ("100000", "CCBank-Beacon"),
        ("13278", "JP Morgan Chase Bank"),
        ("13640", "Quicken Visa"),
        ("14554", "Chase Bank Credit Card (Amazon.com)"),
        ("14910", "Chase e-Funds Card"),
        ("14777", "Fox Chase Bank - Business Banking"),
        ("13718", "Fox Chase Bank"),
        ("14484", "Chevy Chase Bank - Web Cash Manager"),
        ("14007", "Bank of America"),
    ] {
        assert!(names.contains(&(id, name)), "{id} {name}");
    }
    assert!(names.iter().any(|(_, name)| name.contains('&')));
    assert!(text.contains("<institutionName>Bennett Savings Bank &amp; Trust</institutionName>"));
    assert!(list
        .iter()
        .any(|node| child_text(*node, "homeUrl").is_none()));
    assert!(list
        .iter()
        .any(|node| child_text(*node, "phoneNumber").is_none()));
    let chase_elsewhere = list.iter().any(|node| {
        !child_text(*node, "institutionName")
            .unwrap()
            .contains("Chase")
            && child_text(*node, "homeUrl").is_some_and(|url| url.contains("chase"))
    });
    assert!(chase_elsewhere);
}

#[test]
fn institution_details_match_captures() {
    let mut harness = Harness::new();

    let chase = harness.send(call("GET", "/institutions/13278"));
    let carolina = harness.send(call("GET", "/institutions/8860"));

    assert_eq!(
        body(&chase),
        fixture("python-aggcat/docs_institution_detail_13278.xml").trim_end()
    );
    assert_eq!(
        body(&carolina),
        fixture("kstinchcombe-intuit_ids_aggcat/institution_detail_8860.xml").trim_end()
    );
}

/// Returns (element name, text) pairs of a subtree in document order, whitespace text ignored.
fn flatten(node: Node<'_, '_>) -> Vec<(String, String)> {
    node.descendants()
        .filter(Node::is_element)
        .map(|element| {
            let text = element
                .children()
                .filter(Node::is_text)
                .filter_map(|child| child.text())
                .collect::<String>();
            let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            (element.tag_name().name().to_string(), text)
        })
        .collect()
}

#[test]
fn ccbank_detail_matches_capture() {
    let mut harness = Harness::new();

    let reply = harness.send(call("GET", "/institutions/100000"));

    let text = body(&reply);
    let ours = Document::parse(&text).unwrap();
    let captured_text = fixture("nibbledebt-java/institution_detail_100000_ccbank_beacon.xml");
    let captured = Document::parse(&captured_text).unwrap();
    let mut expected = flatten(captured.root_element());
    // The 2015 capture lacks the email address that the CCBank tests of 2013 read.
    let email = (
        "emailAddress".to_string(),
        "CustomerCentralBank@intuit.com".to_string(),
    );
    let position = expected
        .iter()
        .position(|(name, _)| name == "specialText")
        .unwrap();
    expected.insert(position, email);
    assert_eq!(flatten(ours.root_element()), expected);
}

#[test]
fn test_institution_key_order() {
    let mut harness = Harness::new();

    let reply = harness.send(call("GET", "/institutions/100001"));

    let text = body(&reply);
    let document = Document::parse(&text).unwrap();
    let keys = document
        .descendants()
        .find(|node| node.tag_name().name() == "keys")
        .unwrap();
    let listed: Vec<(&str, &str, &str)> = element_children(keys)
        .iter()
        .map(|key| {
            (
                child_text(*key, "name").unwrap(),
                child_text(*key, "displayOrder").unwrap(),
                child_text(*key, "displayFlag").unwrap(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        vec![
            ("Extra Code", "10", "true"),
            ("Banking Password", "2", "true"),
            ("Banking Userid", "1", "true"),
            ("Site Key", "3", "true"),
            ("Banking Password Old", "2", "false"),
        ]
    );
}

#[test]
fn institution_errors() {
    let mut harness = Harness::new();

    let unknown = harness.send(call("GET", "/institutions/999999"));
    let malformed = harness.send(call("GET", "/institutions/abc"));

    assert_eq!(unknown.status, 404);
    assert_eq!(error_code(&unknown), "api.database.notfound");
    assert_eq!(malformed.status, 400);
    assert_eq!(error_code(&malformed), "api.invalid.request");
}

#[test]
fn every_institution_has_details() {
    let mut harness = Harness::new();
    let ids: Vec<u64> = harness
        .bank
        .directory
        .list
        .iter()
        .map(|entry| entry.id)
        .collect();

    for id in ids {
        let reply = harness.send(call("GET", &format!("/institutions/{id}")));
        assert_eq!(reply.status, 200, "{id}");
        let text = body(&reply);
        let document = Document::parse(&text).unwrap();
        let root = document.root_element();
        assert!(child_text(root, "currencyCode").is_some(), "{id}");
        let keys = root
            .children()
            .find(|node| node.tag_name().name() == "keys")
            .unwrap();
        assert!(element_children(keys).len() >= 2, "{id}");
    }
}

// Discovery.

#[test]
fn direct_matches_capture_structure() {
    let mut harness = Harness::new();

    let reply = harness.discover("direct");

    assert_eq!(reply.status, 201);
    assert_eq!(header(&reply, "Content-Type"), Some("application/xml"));
    let text = body(&reply);
    let captured_text = fixture("python-aggcat/api_discover_and_add_accounts.xml");
    let prefix = &captured_text[..captured_text.find("><ns7:CreditAccount>").unwrap()];
    assert!(text.starts_with(prefix), "{}", &text[..700]);
    let ours = Document::parse(&text).unwrap();
    let captured = Document::parse(&captured_text).unwrap();
    let shape = |document: &Document<'_>| -> Vec<Vec<(String, String)>> {
        element_children(document.root_element())
            .iter()
            .map(|account| {
                account
                    .descendants()
                    .filter(Node::is_element)
                    .map(|node| {
                        let name = node.tag_name();
                        (
                            name.namespace().unwrap_or("").to_string(),
                            name.name().to_string(),
                        )
                    })
                    .collect()
            })
            .collect()
    };
    assert_eq!(shape(&ours), shape(&captured));
    let values = |document: &Document<'_>| -> Vec<(String, String)> {
        flatten(document.root_element())
            .into_iter()
            .filter(|(name, _)| {
                !matches!(
                    name.as_str(),
                    "accountId"
                        | "institutionLoginId"
                        | "balanceDate"
                        | "aggrSuccessDate"
                        | "aggrAttemptDate"
                )
            })
            .collect()
    };
    assert_eq!(values(&ours), values(&captured));
    assert!(text.contains("<balanceDate>2014-06-15T00:00:00-07:00</balanceDate>"));
    assert!(text.contains("<aggrSuccessDate>2014-06-15T09:52:26.397-07:00</aggrSuccessDate>"));
}

#[test]
fn discovery_ids_and_logins() {
    let mut harness = Harness::new();

    let first = harness.discover_at(100_000, "demo", "a=1&b=2");
    let second = harness.discover("direct");

    assert_eq!(first.status, 201);
    assert_eq!(second.status, 201);
    let logins = harness.bank.logins(CUSTOMER);
    assert_eq!(logins.len(), 2);
    assert_ne!(logins[0].id, logins[1].id);
    assert_eq!(logins[0].id.to_string().len(), 8);
    assert_eq!(logins[0].credentials[1].0, "Banking Password");
    assert_eq!(logins[0].credentials[1].1.expose(), "a=1&b=2");
    let accounts = harness.bank.accounts(CUSTOMER);
    assert_eq!(accounts.len(), 20);
    assert!(accounts
        .iter()
        .all(|account| account.id.to_string().len() == 12));
    let mut ids: Vec<u64> = accounts.iter().map(|account| account.id).collect();
    ids.dedup();
    assert_eq!(ids.len(), 20);
    let text = body(&second);
    assert!(text.contains(&format!(
        "<institutionLoginId>{}</institutionLoginId>",
        logins[1].id
    )));
}

#[test]
fn exact_password_escaping() {
    let mut harness = Harness::new();
    let password = "p&ss<w>\"0'rd]]>";

    let wrong = harness.discover_at(100_000, "exact_password", "p&ss<w>");
    let right = harness.discover_at(100_000, "exact_password", password);

    assert_eq!(wrong.status, 503);
    assert_eq!(error_code(&wrong), "103");
    assert_eq!(right.status, 201);
    let logins = harness.bank.logins(CUSTOMER);
    assert_eq!(logins.len(), 1);
    assert_eq!(logins[0].credentials[1].1.expose(), password);
    let last = harness.bank.last_credentials(CUSTOMER).unwrap();
    assert_eq!(last[1].1.expose(), password);
}

#[test]
fn login_errors() {
    let mut harness = Harness::new();

    let bad_user = harness.discover("bad");
    let bad_password = harness.discover_at(100_000, "direct", "bad");
    let request_error = harness.discover("request_error");

    assert_eq!(bad_user.status, 503);
    assert_eq!(error_code(&bad_user), "103");
    assert_eq!(bad_password.status, 503);
    assert_eq!(error_code(&bad_password), "103");
    assert_eq!(request_error.status, 500);
    assert!(body(&request_error).contains("<errorType>SYSTEM_ERROR</errorType>"));
    assert!(harness.bank.logins(CUSTOMER).is_empty());
}

#[test]
fn discovery_body_checks() {
    let mut harness = Harness::new();
    let valid = credentials_body("direct", "x");

    let form_type = harness.send(
        call("POST", LOGINS)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .xml_without_type(&valid),
    );
    let no_type = harness.send(call("POST", LOGINS).xml_without_type(&valid));
    let charset = harness.send(
        call("POST", LOGINS)
            .header("Content-Type", "application/xml; charset=utf-8")
            .xml_without_type(&valid),
    );
    let malformed = harness.send(call("POST", LOGINS).xml("<InstitutionLogin><credentials>"));
    let empty = harness.send(call("POST", LOGINS).xml(""));
    let missing_key = harness.send(call("POST", LOGINS).xml(&format!(
        "<InstitutionLogin xmlns=\"{LOGIN_NS}\"><credentials><credential><name>Banking Userid</name><value>direct</value></credential></credentials></InstitutionLogin>"
    )));
    let wrong_namespace =
        harness.send(call("POST", LOGINS).xml(&valid.replace("institutionlogin", "login")));

    assert_eq!(form_type.status, 400);
    assert_eq!(no_type.status, 400);
    assert_eq!(charset.status, 201);
    assert_eq!(malformed.status, 400);
    assert_eq!(empty.status, 400);
    assert_eq!(missing_key.status, 400);
    assert_eq!(wrong_namespace.status, 400);
    assert_eq!(error_code(&wrong_namespace), "api.invalid.request");
}

impl Call<'_> {
    fn xml_without_type(mut self, body: &str) -> Self {
        self.body = body.to_string();
        self
    }
}

#[test]
fn hidden_keys_optional() {
    let mut harness = Harness::new();
    let credential = |name: &str, value: &str| {
        format!("<credential><name>{name}</name><value>{value}</value></credential>")
    };
    let body = |credentials: String| {
        format!("<InstitutionLogin xmlns=\"{LOGIN_NS}\"><credentials>{credentials}</credentials></InstitutionLogin>")
    };
    let three = credential("Banking Userid", "direct")
        + &credential("Banking Password", "x")
        + &credential("Site Key", "k");
    let two = credential("Banking Userid", "direct") + &credential("Banking Password", "x");

    let complete = harness.send(call("POST", "/institutions/100002/logins").xml(&body(three)));
    let incomplete = harness.send(call("POST", "/institutions/100002/logins").xml(&body(two)));

    assert_eq!(complete.status, 201);
    assert_eq!(incomplete.status, 400);
}

#[test]
fn generated_institution_behaves_like_ccbank() {
    let mut harness = Harness::new();
    let institution = harness
        .bank
        .directory
        .list
        .iter()
        .find(|entry| entry.id < 8000 && entry.keys.len() == 2)
        .unwrap()
        .clone();
    let user = institution.userid_key().unwrap().to_string();
    let password = institution.password_key().unwrap().to_string();
    let login = |userid: &str| {
        format!(
            "<InstitutionLogin xmlns=\"{LOGIN_NS}\"><credentials><credential><name>{user}</name><value>{userid}</value></credential><credential><name>{password}</name><value>pw</value></credential></credentials></InstitutionLogin>"
        )
    };
    let path = format!("/institutions/{}/logins", institution.id);

    let accounts = harness.send(call("POST", &path).xml(&login("someone")));
    let challenge = harness.send(call("POST", &path).xml(&login("tfa_text")));

    assert_eq!(accounts.status, 201);
    assert!(body(&accounts).contains(&format!(
        "<institutionId>{}</institutionId>",
        institution.id
    )));
    assert_eq!(challenge.status, 401);
}

// Challenges.

#[test]
fn text_challenge_flow() {
    let mut harness = Harness::new();

    let challenge = harness.discover("tfa_text");
    let session = session_of(&challenge);
    let accepted = harness.send(answer(LOGINS, "POST", &session, &["Tom & Jerry <3"]));

    assert_eq!(
        body(&challenge),
        fixture("python-aggcat/api_two_factor_account.xml").trim_end()
    );
    assert_eq!(session.0.len(), 36);
    assert_eq!(session.1.split('.').count(), 4);
    assert_eq!(accepted.status, 201);
    assert_eq!(element_count(&accepted), 10);
    assert_eq!(
        harness.bank.last_answers(CUSTOMER).unwrap(),
        vec!["Tom & Jerry <3"]
    );
    let reused = harness.send(answer(LOGINS, "POST", &session, &["again"]));
    assert_eq!(reused.status, 408);
}

fn element_count(reply: &ApiReply) -> usize {
    let text = body(reply);
    let document = Document::parse(&text).unwrap();
    element_children(document.root_element()).len()
}

#[test]
fn challenge_answer_outcomes() {
    let mut harness = Harness::new();

    let two = session_of(&harness.discover("tfa_text2"));
    let too_few = harness.send(answer(LOGINS, "POST", &two, &["Rex"]));
    let two_answers = harness.send(answer(LOGINS, "POST", &two, &["Rex", "Lincoln High"]));
    let choice = session_of(&harness.discover("tfa_choice"));
    let looped = harness.send(answer(LOGINS, "POST", &choice, &["loop"]));
    let looped_session = session_of(&looped);
    let failed = harness.send(answer(LOGINS, "POST", &looped_session, &["fail"]));
    let image = harness.discover("tfa_image");
    let dynamic = harness.discover("tfa_dynamic_image");

    assert_eq!(too_few.status, 400);
    assert_eq!(two_answers.status, 201);
    assert_ne!(looped_session.0, choice.0);
    assert_eq!(
        body(&looped),
        fixture("python-aggcat/api_two_factor_choice_account.xml").trim_end()
    );
    assert_eq!(failed.status, 503);
    assert_eq!(error_code(&failed), "187");
    assert!(body(&failed).contains("Incorrect answer to Challenge Question"));
    assert_eq!(
        body(&image),
        fixture("python-aggcat/api_two_factor_image_account.xml").trim_end()
    );
    assert_eq!(
        body(&dynamic),
        fixture("python-aggcat/api_two_factor_dynamic_image_account.xml").trim_end()
    );
}

#[test]
fn challenge_session_expiry() {
    let mut settings = settings();
    settings.challenge_session_lifetime = StdDuration::from_secs(30);
    let mut harness = Harness::with(settings);

    let session = session_of(&harness.discover("tfa_text"));
    harness.now += Duration::seconds(31);
    let expired = harness.send(answer(LOGINS, "POST", &session, &["Rex"]));
    let unknown = harness.send(answer(
        LOGINS,
        "POST",
        &(
            "00000000-0000-4000-8000-000000000000".to_string(),
            "10.0.0.1".to_string(),
        ),
        &["Rex"],
    ));
    let fresh = session_of(&harness.discover("tfa_text"));
    let wrong_node = harness.send(answer(
        LOGINS,
        "POST",
        &(fresh.0.clone(), "10.9.9.9".to_string()),
        &["Rex"],
    ));

    assert_eq!(expired.status, 408);
    assert_eq!(error_code(&expired), "api.challenge.session.expired");
    assert_eq!(unknown.status, 408);
    assert_eq!(wrong_node.status, 408);
}

#[test]
fn answer_namespace_strictness() {
    let unqualified = format!(
        "<v1:InstitutionLogin xmlns:v1=\"{LOGIN_NS}\" xmlns:v11=\"{CHALLENGE_NS}\"><v1:challengeResponses><v1:response>Rex</v1:response></v1:challengeResponses></v1:InstitutionLogin>"
    );
    let mut strict = Harness::new();
    let mut lenient_settings = settings();
    lenient_settings.lenient_namespaces = true;
    let mut lenient = Harness::with(lenient_settings);

    let strict_session = session_of(&strict.discover("tfa_text"));
    let strict_reply = strict.send(
        call("POST", LOGINS)
            .xml(&unqualified)
            .header("challengeSessionId", &strict_session.0)
            .header("challengeNodeId", &strict_session.1),
    );
    let lenient_session = session_of(&lenient.discover("tfa_text"));
    let lenient_reply = lenient.send(
        call("POST", LOGINS)
            .xml(&unqualified)
            .header("challengeSessionId", &lenient_session.0)
            .header("challengeNodeId", &lenient_session.1),
    );

    assert_eq!(strict_reply.status, 400);
    assert_eq!(lenient_reply.status, 201);
}

#[test]
fn answers_need_headers() {
    let mut harness = Harness::new();
    harness.discover("tfa_text");

    let reply = harness.send(call("POST", LOGINS).xml(&answers_body(&["Rex"])));

    assert_eq!(reply.status, 400);
}

// Accounts.

#[test]
fn account_routes() {
    let mut harness = Harness::new();
    let discovered = harness.discover("direct");
    let login_id = harness.bank.logins(CUSTOMER)[0].id;
    let first = harness.bank.accounts(CUSTOMER)[0].id;

    let all = harness.send(call("GET", "/accounts"));
    let by_login = harness.send(call("GET", &format!("/logins/{login_id}/accounts")));
    let one = harness.send(call("GET", &format!("/accounts/{first}")));
    let unknown_login = harness.send(call("GET", "/logins/99999999/accounts"));
    let unknown = harness.send(call("GET", "/accounts/999999999999"));
    let leading_zeros = harness.send(call("GET", "/accounts/000000000001"));
    let malformed = harness.send(call("GET", "/accounts/something_made_up"));

    assert_eq!(all.status, 200);
    assert_eq!(body(&all), body(&discovered));
    assert_eq!(body(&by_login), body(&discovered));
    assert_eq!(one.status, 200);
    assert_eq!(element_count(&one), 1);
    assert_eq!(
        root_name(&one),
        (
            "AccountList".to_string(),
            "http://schema.intuit.com/platform/fdatafeed/accountlist/v1".to_string()
        )
    );
    assert_eq!(unknown_login.status, 404);
    assert_eq!(unknown.status, 404);
    assert_eq!(error_code(&unknown), "api.database.account.notfound");
    assert_eq!(leading_zeros.status, 404);
    assert_eq!(malformed.status, 400);
}

#[test]
fn customers_are_isolated() {
    let mut harness = Harness::new();
    harness.discover("direct");
    let foreign = harness.bank.accounts(CUSTOMER)[0].id;
    let login_id = harness.bank.logins(CUSTOMER)[0].id;

    let other_list = harness.send(call("GET", "/accounts").customer("customer-2"));
    let other_get =
        harness.send(call("GET", &format!("/accounts/{foreign}")).customer("customer-2"));
    let other_delete =
        harness.send(call("DELETE", &format!("/accounts/{foreign}")).customer("customer-2"));
    let other_login =
        harness.send(call("GET", &format!("/logins/{login_id}/accounts")).customer("customer-2"));
    let unknown = harness.send(call("GET", "/accounts/999999999999").customer("customer-2"));

    assert_eq!(element_count(&other_list), 0);
    assert_eq!(other_get.status, 404);
    assert_eq!(other_get.body.len(), unknown.body.len());
    assert_eq!(error_code(&other_get), error_code(&unknown));
    assert_eq!(other_delete.status, 404);
    assert_eq!(other_login.status, 404);
    assert_eq!(harness.bank.accounts(CUSTOMER).len(), 10);
}

#[test]
fn empty_and_single_account_lists() {
    let mut harness = Harness::new();

    let none = harness.send(call("GET", "/accounts"));
    let empty = harness.discover("empty");
    let one = harness.discover("one_account");

    assert!(body(&none)
        .ends_with("xmlns:ns8=\"http://schema.intuit.com/platform/fdatafeed/accountlist/v1\"/>"));
    assert_eq!(empty.status, 201);
    assert_eq!(element_count(&empty), 0);
    assert_eq!(element_count(&one), 1);
    assert!(body(&one).contains("<ns6:BankingAccount>"));
}

#[test]
fn limits_reject_with_403() {
    let mut settings = settings();
    settings.max_customers = 1;
    settings.max_accounts_per_customer = 10;
    let mut harness = Harness::with(settings);

    let first = harness.discover("direct");
    let second = harness.discover("one_account");
    let other_customer = harness.send(call("GET", "/institutions/100000").customer("customer-2"));

    assert_eq!(first.status, 201);
    assert_eq!(second.status, 403);
    assert_eq!(error_code(&second), "api.max.accounts");
    assert_eq!(other_customer.status, 403);
    assert_eq!(error_code(&other_customer), "api.max.customers");
    assert_eq!(harness.bank.customer_count(), 1);
}

#[test]
fn delete_account_and_customer() {
    let mut harness = Harness::new();
    harness.discover("direct");
    let ids = harness.account_ids(CUSTOMER);

    let deleted = harness.send(call("DELETE", &format!("/accounts/{}", ids[0])));
    let gone = harness.send(call("GET", &format!("/accounts/{}", ids[0])));
    let remaining = harness.account_ids(CUSTOMER);
    let wiped = harness.send(call("DELETE", "/customers"));
    let after = harness.account_ids(CUSTOMER);

    assert_eq!(deleted.status, 200);
    assert!(deleted.body.is_empty());
    assert_eq!(gone.status, 404);
    assert_eq!(remaining.len(), 9);
    assert_eq!(wiped.status, 200);
    assert!(wiped.body.is_empty());
    assert!(after.is_empty());
    assert_eq!(harness.bank.customer_count(), 1);
}

// Account type updates.

fn type_body(element: &str, ns: &str, field: &str, value: &str) -> String {
    format!(
        "<ns4:{element} xmlns:ns4=\"http://schema.intuit.com/platform/fdatafeed/{ns}/v1\"><ns4:{field}>{value}</ns4:{field}></ns4:{element}>"
    )
}

#[test]
fn account_type_update_rules() {
    let mut harness = Harness::new();
    harness.discover("other_account");
    let accounts = harness.bank.accounts(CUSTOMER);
    let banking = accounts
        .iter()
        .find(|account| account.kind == super::state::Kind::Banking)
        .unwrap()
        .id;
    let other = accounts
        .iter()
        .find(|account| account.kind == super::state::Kind::Other)
        .unwrap()
        .id;
    let checking = type_body(
        "BankingAccount",
        "bankingaccount",
        "bankingAccountType",
        "CHECKING",
    );

    let not_other = harness.send(call("PUT", &format!("/accounts/{banking}")).xml(&checking));
    let lower = harness.send(
        call("PUT", &format!("/accounts/{other}")).xml(&checking.replace("CHECKING", "checking")),
    );
    let missing = harness.send(call("PUT", &format!("/accounts/{other}")).xml(&type_body(
        "BankingAccount",
        "bankingaccount",
        "bankingAccountType",
        "",
    )));
    let unknown = harness.send(call("PUT", "/accounts/999999999999").xml(&checking));
    let retyped = harness.send(
        call("PUT", &format!("/accounts/{other}")).xml(&type_body("Loan", "loan", "loan", "AUTO")),
    );
    let listed = harness.send(call("GET", &format!("/accounts/{other}")));

    assert_eq!(not_other.status, 403);
    assert_eq!(lower.status, 400);
    assert_eq!(missing.status, 400);
    assert_eq!(unknown.status, 404);
    assert_eq!(retyped.status, 200);
    assert!(retyped.body.is_empty());
    let text = body(&listed);
    assert!(text.contains("<ns2:LoanAccount>"), "{text}");
    assert!(text.contains("<ns2:loanType>AUTO</ns2:loanType>"), "{text}");
}

#[test]
fn lenient_account_type_case() {
    let mut settings = settings();
    settings.lenient_account_type_case = true;
    let mut harness = Harness::with(settings);
    harness.discover("other_account");
    let other = harness.bank.accounts(CUSTOMER).last().unwrap().id;
    let lower = fixture("python-aggcat/helper_account_type.xml");

    let reply = harness.send(call("PUT", &format!("/accounts/{other}")).xml(&lower));

    assert_eq!(reply.status, 200);
    assert_eq!(
        harness
            .bank
            .accounts(CUSTOMER)
            .last()
            .unwrap()
            .account_type
            .as_deref(),
        Some("CHECKING")
    );
}

// Transactions and positions.

fn transactions(harness: &mut Harness, account: u64, start: &str, end: Option<&str>) -> ApiReply {
    let path = format!("/accounts/{account}/transactions");
    let mut request = call("GET", &path).query("txnStartDate", start);
    if let Some(end) = end {
        request = request.query("txnEndDate", end);
    }
    harness.send(request)
}

#[test]
fn transaction_lists_by_kind() {
    let mut harness = Harness::new();
    harness.discover("direct");
    let accounts = harness.bank.accounts(CUSTOMER);

    for account in &accounts {
        let reply = transactions(&mut harness, account.id, "2014-03-17", None);
        assert_eq!(reply.status, 200);
        let text = body(&reply);
        let document = Document::parse(&text).unwrap();
        let root = document.root_element();
        assert_eq!(root.tag_name().name(), "TransactionList");
        let list = element_children(root);
        assert!(list.len() > 30, "{} has {}", account.id, list.len());
        let expected = match account.kind {
            super::state::Kind::Banking => "BankingTransaction",
            super::state::Kind::Credit => "CreditCardTransaction",
            super::state::Kind::Loan => "LoanTransaction",
            super::state::Kind::Investment => "InvestmentTransaction",
            _ => unreachable!(),
        };
        assert!(list.iter().all(|node| node.tag_name().name() == expected));
        let first = list[0];
        assert!(child_text(first, "pending").is_some());
        assert!(first
            .children()
            .any(|node| node.tag_name().name() == "categorization"));
        let dates: Vec<&str> = list
            .iter()
            .map(|node| child_text(*node, "postedDate").unwrap())
            .collect();
        let mut sorted = dates.clone();
        sorted.sort();
        assert_ne!(dates, sorted, "dates come in date order");
        if account.kind == super::state::Kind::Investment {
            assert!(list
                .iter()
                .any(|node| child_text(*node, "description") == Some("IRA debit 222")));
            assert!(list
                .iter()
                .any(|node| child_text(*node, "totalAmount") == Some("-8.1")));
        }
    }
}

#[test]
fn transaction_range_and_determinism() {
    let mut harness = Harness::new();
    harness.discover("direct");
    let account = harness.bank.accounts(CUSTOMER)[5].id;

    let wide = body(&transactions(
        &mut harness,
        account,
        "2014-05-01",
        Some("2014-05-31"),
    ));
    let again = body(&transactions(
        &mut harness,
        account,
        "2014-05-01",
        Some("2014-05-31"),
    ));
    let day = body(&transactions(
        &mut harness,
        account,
        "2014-05-10",
        Some("2014-05-10"),
    ));
    let with_unknown = harness.send(
        call("GET", &format!("/accounts/{account}/transactions"))
            .query("txnStartDate", "2014-05-10")
            .query("tnxEndDate", "2014-05-11")
            .query("txnEndDate", "2014-05-10"),
    );

    assert_eq!(wide, again);
    let day_document = Document::parse(&day).unwrap();
    let day_list = element_children(day_document.root_element());
    assert!(day_list
        .iter()
        .all(|node| child_text(*node, "postedDate") == Some("2014-05-10T00:00:00-07:00")));
    for node in &day_list {
        let id = child_text(*node, "id").unwrap();
        assert!(wide.contains(&format!("<id>{id}</id>")));
    }
    assert_eq!(body(&with_unknown), day);
}

#[test]
fn transaction_date_errors() {
    let mut harness = Harness::new();
    harness.discover("direct");
    let account = harness.bank.accounts(CUSTOMER)[0].id;

    let bad = transactions(&mut harness, account, "some_bad_date", None);
    let month = transactions(&mut harness, account, "2014-13-01", None);
    let missing = harness.send(call("GET", &format!("/accounts/{account}/transactions")));
    let reversed = transactions(&mut harness, account, "2014-05-02", Some("2014-05-01"));
    let unknown = transactions(&mut harness, 999_999_999_999, "2014-05-01", None);
    let malformed = harness.send(
        call("GET", "/accounts/some_bad_account_id/transactions")
            .query("txnStartDate", "2014-05-01"),
    );

    assert_eq!(bad.status, 400);
    assert_eq!(month.status, 400);
    assert_eq!(missing.status, 400);
    assert_eq!(reversed.status, 400);
    assert_eq!(unknown.status, 404);
    assert_eq!(malformed.status, 400);
}

#[test]
fn special_transaction_logins() {
    let mut harness = Harness::new();
    harness.discover("one_transaction");
    let single = harness.bank.accounts(CUSTOMER)[0].id;
    harness.discover("cdata_memo");
    let cdata = harness.bank.accounts(CUSTOMER).last().unwrap().id;

    let one = transactions(&mut harness, single, "2014-01-01", Some("2014-02-01"));
    let memo = transactions(&mut harness, cdata, "2014-06-01", None);

    assert_eq!(element_count(&one), 1);
    let text = body(&memo);
    assert!(text.contains("<memo><![CDATA[Check #1042 <void>]]></memo>"));
    let document = Document::parse(&text).unwrap();
    let memos: Vec<&str> = document
        .descendants()
        .filter(|node| node.tag_name().name() == "memo")
        .filter_map(|node| node.text())
        .collect();
    assert!(memos.iter().all(|memo| *memo == "Check #1042 <void>"));
    assert!(!memos.is_empty());
}

#[test]
fn big_transactions_count() {
    let mut harness = Harness::new();
    harness.discover("big_transactions");
    let account = harness.bank.accounts(CUSTOMER)[0].id;

    let started = std::time::Instant::now();
    let reply = transactions(&mut harness, account, "2014-03-01", None);
    let elapsed = started.elapsed();

    let text = body(&reply);
    let document = Document::parse(&text).unwrap();
    assert_eq!(element_children(document.root_element()).len(), 20_000);
    assert!(elapsed < StdDuration::from_secs(20), "took {elapsed:?}");
    let partial = transactions(&mut harness, account, "2014-06-15", None);
    assert!(element_count(&partial) < 20_000);
}

#[test]
fn positions_by_account_kind() {
    let mut harness = Harness::new();
    harness.discover("direct");
    let accounts = harness.bank.accounts(CUSTOMER);
    let investment = accounts
        .iter()
        .find(|account| account.kind == super::state::Kind::Investment)
        .unwrap()
        .id;

    let empty = harness.send(call(
        "GET",
        &format!("/accounts/{}/positions", accounts[0].id),
    ));
    let held = harness.send(call("GET", &format!("/accounts/{investment}/positions")));
    let unknown = harness.send(call("GET", "/accounts/999999999999/positions"));

    assert_eq!(empty.status, 200);
    assert_eq!(
        body(&empty),
        fixture("python-aggcat/api_get_investment_positions.xml").trim_end()
    );
    let text = body(&held);
    let document = Document::parse(&text).unwrap();
    let positions = element_children(document.root_element());
    assert_eq!(positions.len(), 2);
    let ticker = positions[0]
        .descendants()
        .find(|node| node.tag_name().name() == "ticker")
        .unwrap();
    assert_eq!(
        ticker.tag_name().namespace(),
        Some("http://schema.intuit.com/platform/fdatafeed/securityinfo/v1")
    );
    assert_eq!(unknown.status, 404);
}

#[test]
fn indented_login_same_tree() {
    let mut harness = Harness::new();

    let indented = harness.discover("indented");
    let compact = harness.discover("direct");

    let indented_text = body(&indented);
    assert!(indented_text.contains("\r\n  <ns7:CreditAccount>\r\n    <accountId>"));
    let indented_document = Document::parse(&indented_text).unwrap();
    let compact_text = body(&compact);
    let compact_document = Document::parse(&compact_text).unwrap();
    let strip = |document: &Document<'_>| {
        flatten(document.root_element())
            .into_iter()
            .filter(|(name, _)| !matches!(name.as_str(), "accountId" | "institutionLoginId"))
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(&indented_document), strip(&compact_document));
    let account = harness.bank.accounts(CUSTOMER)[0].id;
    let list = transactions(&mut harness, account, "2014-06-01", None);
    assert!(body(&list).contains("\r\n"));
}

// Login updates.

#[test]
fn update_login_flows() {
    let mut harness = Harness::new();
    harness.discover("direct");
    let login_id = harness.bank.logins(CUSTOMER)[0].id;
    let path = format!("/logins/{login_id}");

    let refreshed = harness.send(
        call("PUT", &path)
            .query("refresh", "true")
            .xml(&credentials_body("anyvalue", "x")),
    );
    let empty_body = harness.send(call("PUT", &path).query("refresh", "True"));
    let empty_login = harness.send(
        call("PUT", &path)
            .query("refresh", "true")
            .xml(&format!("<InstitutionLogin xmlns=\"{LOGIN_NS}\"/>")),
    );
    let no_refresh = harness.send(call("PUT", &path).xml(&credentials_body("tfa_text", "x")));
    let challenge = harness.send(call("PUT", &path).query("refresh", "true"));
    let session = session_of(&challenge);
    let answered = harness.send(answer(&path, "PUT", &session, &["Rex"]).query("refresh", "true"));
    let empty_credentials = harness.send(
        call("PUT", &path)
            .query("refresh", "true")
            .xml(&credentials_body("", "")),
    );
    let bad = harness.send(
        call("PUT", &path)
            .query("refresh", "true")
            .xml(&credentials_body("bad", "x")),
    );
    let unknown = harness.send(call("PUT", "/logins/99999999").query("refresh", "true"));
    let post = harness.send(call("POST", &path).xml(&answers_body(&["Rex"])));
    let bad_refresh = harness.send(call("PUT", &path).query("refresh", "yes"));

    for reply in [
        &refreshed,
        &empty_body,
        &empty_login,
        &no_refresh,
        &answered,
    ] {
        assert_eq!(reply.status, 200, "{}", body(reply));
        assert!(reply.body.is_empty());
    }
    assert_eq!(empty_credentials.status, 400);
    assert_eq!(bad.status, 503);
    assert_eq!(unknown.status, 404);
    assert_eq!(post.status, 405);
    assert_eq!(bad_refresh.status, 400);
    let stored = &harness.bank.logins(CUSTOMER)[0].credentials;
    assert_eq!(stored[0].1.expose(), "tfa_text");
}

#[test]
fn update_login_new_credentials_challenge() {
    let mut harness = Harness::new();
    harness.discover("direct");
    let login_id = harness.bank.logins(CUSTOMER)[0].id;
    let path = format!("/logins/{login_id}");

    let challenge = harness.send(
        call("PUT", &path)
            .query("refresh", "true")
            .xml(&credentials_body("tfa_choice", "x")),
    );
    let session = session_of(&challenge);
    let on_discovery_route = harness.send(answer(LOGINS, "POST", &session, &["Wilson"]));
    let challenge = harness.send(
        call("PUT", &path)
            .query("refresh", "true")
            .xml(&credentials_body("tfa_choice", "x")),
    );
    let session = session_of(&challenge);
    let accepted =
        harness.send(answer(&path, "PUT", &session, &["Wilson"]).query("refresh", "true"));

    assert_eq!(on_discovery_route.status, 408);
    assert_eq!(accepted.status, 200);
    assert_eq!(
        harness.bank.logins(CUSTOMER)[0].credentials[0].1.expose(),
        "tfa_choice"
    );
}

// Batch files, echo and routing.

#[test]
fn batch_file_routes() {
    let mut harness = Harness::new();

    let listed = harness.send(call("GET", "/export/files"));
    let text = body(&listed);
    let document = Document::parse(&text).unwrap();
    let files = element_children(document.root_element());
    let name = child_text(files[0], "name").unwrap().to_string();
    let size: usize = child_text(files[0], "size").unwrap().parse().unwrap();
    let path = format!("/export/files/{name}");
    let whole = harness.send(call("GET", &path));
    let plain_range = harness.send(call("GET", &path).header("Range", "0-9"));
    let bytes_range = harness.send(call("GET", &path).header("Range", "bytes=10-19"));
    let beyond = harness.send(call("GET", &path).header("Range", &format!("{size}-{}", size + 5)));
    let deleted = harness.send(call("DELETE", &path));
    let relisted = harness.send(call("GET", "/export/files"));
    let deleted_again = harness.send(call("DELETE", &path));
    let unknown = harness.send(call("GET", "/export/files/nothing.gz"));

    assert_eq!(files.len(), 3);
    assert_eq!(
        root_name(&listed).1,
        "http://schema.intuit.com/platform/fdatafeed/files/v1"
    );
    assert_eq!(whole.status, 200);
    assert_eq!(
        header(&whole, "Content-Type"),
        Some("application/octet-stream")
    );
    assert_eq!(whole.body.len(), size);
    assert_eq!(&whole.body[..2], &[0x1f, 0x8b]);
    assert_eq!(plain_range.status, 206);
    assert_eq!(plain_range.body, whole.body[0..10]);
    assert_eq!(
        header(&plain_range, "Content-Range"),
        Some(format!("bytes 0-9/{size}").as_str())
    );
    assert_eq!(bytes_range.body, whole.body[10..20]);
    assert_eq!(beyond.status, 416);
    assert_eq!(deleted.status, 200);
    assert!(deleted.body.is_empty());
    assert!(!body(&relisted).contains(&name));
    assert_eq!(deleted_again.status, 404);
    assert_eq!(unknown.status, 404);
}

#[test]
fn echo_returns_decoded_query() {
    let mut harness = Harness::new();

    let reply = harness.send(
        call("GET", "/echo")
            .query("when", "2014-01-01T00:00:00+05:30")
            .query("odd", "a b*~!'()&<>\"")
            .query("city", "Zürich"),
    );

    let text = body(&reply);
    let document = Document::parse(&text).unwrap();
    let params: Vec<(&str, &str)> = element_children(document.root_element())
        .iter()
        .map(|node| (node.attribute("name").unwrap(), node.text().unwrap_or("")))
        .collect();
    assert_eq!(
        params,
        vec![
            ("when", "2014-01-01T00:00:00+05:30"),
            ("odd", "a b*~!'()&<>\""),
            ("city", "Zürich"),
        ]
    );
}

#[test]
fn unknown_routes_and_methods() {
    let mut harness = Harness::new();

    let unknown = harness.send(call("GET", "/nothing/here"));
    let wrong_method = harness.send(call("DELETE", "/institutions"));
    let post_login = harness.send(call("POST", "/logins/12345678"));
    let get_customers = harness.send(call("GET", "/customers"));

    assert_eq!(unknown.status, 404);
    assert_eq!(error_code(&unknown), "api.resource.notfound");
    assert_eq!(wrong_method.status, 405);
    assert_eq!(header(&wrong_method, "Allow"), Some("GET"));
    assert_eq!(post_login.status, 405);
    assert_eq!(get_customers.status, 405);
}

#[test]
fn bank_debug_hides_credentials() {
    let mut harness = Harness::new();
    harness.discover_at(100_000, "direct", "hunter2&<x>");

    let printed = format!("{:?}", harness.bank.logins(CUSTOMER));

    assert!(!printed.contains("hunter2"));
}

#[test]
fn malformed_ids_every_route() {
    let mut harness = Harness::new();
    let checking = type_body(
        "BankingAccount",
        "bankingaccount",
        "bankingAccountType",
        "CHECKING",
    );
    let cases = [
        call("GET", "/institutions/x1"),
        call("POST", "/institutions/x1/logins").xml(&credentials_body("direct", "x")),
        call("GET", "/logins/x1/accounts"),
        call("PUT", "/logins/x1").query("refresh", "true"),
        call("GET", "/accounts/x1"),
        call("GET", "/accounts/x1/transactions").query("txnStartDate", "2014-01-01"),
        call("GET", "/accounts/x1/positions"),
        call("PUT", "/accounts/x1").xml(&checking),
        call("DELETE", "/accounts/x1"),
        call("GET", "/accounts/-1"),
        call("GET", "/accounts/99999999999999999999"),
    ];

    for case in cases {
        let label = format!("{} {}", case.method, case.path);
        let reply = harness.send(case);
        assert_eq!(reply.status, 400, "{label}");
        assert_eq!(error_code(&reply), "api.invalid.request", "{label}");
    }
}

#[test]
fn unknown_numeric_ids_every_route() {
    let mut harness = Harness::new();
    let checking = type_body(
        "BankingAccount",
        "bankingaccount",
        "bankingAccountType",
        "CHECKING",
    );
    let cases = [
        (call("GET", "/institutions/7"), "api.database.notfound"),
        (
            call("POST", "/institutions/7/logins").xml(&credentials_body("direct", "x")),
            "api.database.notfound",
        ),
        (
            call("GET", "/logins/7/accounts"),
            "api.database.login.notfound",
        ),
        (
            call("PUT", "/logins/7").query("refresh", "true"),
            "api.database.login.notfound",
        ),
        (call("GET", "/accounts/7"), "api.database.account.notfound"),
        (
            call("GET", "/accounts/7/transactions").query("txnStartDate", "2014-01-01"),
            "api.database.account.notfound",
        ),
        (
            call("GET", "/accounts/7/positions"),
            "api.database.account.notfound",
        ),
        (
            call("PUT", "/accounts/7").xml(&checking),
            "api.database.account.notfound",
        ),
        (
            call("DELETE", "/accounts/7"),
            "api.database.account.notfound",
        ),
    ];

    for (case, code) in cases {
        let label = format!("{} {}", case.method, case.path);
        let reply = harness.send(case);
        assert_eq!(reply.status, 404, "{label}");
        assert_eq!(error_code(&reply), code, "{label}");
    }
}

#[test]
fn wrong_methods_every_route() {
    let mut harness = Harness::new();
    let cases = [
        ("POST", "/institutions", "GET"),
        ("PUT", "/institutions/100000", "GET"),
        ("GET", "/institutions/100000/logins", "POST"),
        ("POST", "/accounts", "GET"),
        ("POST", "/accounts/1", "GET, PUT, DELETE"),
        ("DELETE", "/accounts/1/transactions", "GET"),
        ("PUT", "/accounts/1/positions", "GET"),
        ("GET", "/logins/1", "PUT"),
        ("DELETE", "/logins/1/accounts", "GET"),
        ("POST", "/export/files", "GET"),
        ("PUT", "/export/files/a.gz", "GET, DELETE"),
        ("POST", "/echo", "GET"),
    ];

    for (method, path, allowed) in cases {
        let reply = harness.send(call(method, path));
        assert_eq!(reply.status, 405, "{method} {path}");
        assert_eq!(header(&reply, "Allow"), Some(allowed), "{method} {path}");
    }
}

#[test]
fn leading_zero_ids_kept() {
    let mut harness = Harness::new();

    let discovered = harness.discover("leading_zeros");
    let other = harness.send(
        call("POST", LOGINS)
            .xml(&credentials_body("leading_zeros", "x"))
            .customer("customer-2"),
    );
    let exact = harness.send(call("GET", "/accounts/000000000001"));
    let stripped = harness.send(call("GET", "/accounts/1"));
    let history = transactions(&mut harness, 1, "2014-06-01", None);
    let padded_history = harness.send(
        call("GET", "/accounts/000000000001/transactions").query("txnStartDate", "2014-06-01"),
    );

    assert!(body(&discovered).contains("<accountId>000000000001</accountId>"));
    assert!(body(&other).contains("<accountId>000000000002</accountId>"));
    assert_eq!(exact.status, 200);
    assert_eq!(stripped.status, 404);
    assert_eq!(history.status, 404);
    assert_eq!(padded_history.status, 200);
}

#[test]
fn login_error_settings() {
    let mut settings = settings();
    settings.login_error_status = 400;
    settings.ccbank_name = "CC Bank".to_string();
    let mut harness = Harness::with(settings);

    let bad = harness.discover("bad");
    let detail = harness.send(call("GET", "/institutions/100000"));

    assert_eq!(bad.status, 400);
    assert_eq!(error_code(&bad), "103");
    assert!(body(&detail).contains("<institutionName>CC Bank</institutionName>"));
}
