//! Client behaviour over a real loopback socket: token handling, 401 kinds, error mapping,
//! timeouts and the requests as they arrive on the wire.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use aggcat::{AggcatClient, AggcatClientBuilder, AuthenticationErrorKind, Content, Error};
use support::{Reply, Request, Server};

const HIDDEN_FIELDS: &str = include_str!("fixtures/ruby-aggcat/institution_hidden_fields.xml");
const ONE_QUESTION: &str = include_str!("fixtures/python-aggcat/api_two_factor_account.xml");
const STATUS_404: &str =
    include_str!("fixtures/kstinchcombe-intuit_ids_aggcat/status_404_api_database_notfound.xml");

const CONSUMER_SECRET: &str = "cs-SECRET-7781";
const TOKEN_PATH: &str = "/oauth/v1/get_access_token_by_saml";
const ACCOUNT_LIST: &str =
    r#"<AccountList xmlns="http://schema.intuit.com/platform/fdatafeed/accountlist/v1"/>"#;

fn key_pem() -> Vec<u8> {
    static KEY: OnceLock<Vec<u8>> = OnceLock::new();
    KEY.get_or_init(|| {
        let rsa = openssl::rsa::Rsa::generate(2048).unwrap();
        openssl::pkey::PKey::from_rsa(rsa)
            .unwrap()
            .private_key_to_pem_pkcs8()
            .unwrap()
    })
    .clone()
}

fn builder(server: &Server) -> AggcatClientBuilder {
    AggcatClient::builder("ck-1", CONSUMER_SECRET, "idp-1", "customer-1")
        .private_key_pem(key_pem())
        .base_url(&format!("{}/v1", server.url))
        .saml_url(&format!("{}{TOKEN_PATH}", server.url))
}

/// Answers token requests with `tok-<n>` and secret `ts/9+k=&w-<n>`, counting them.
fn token_reply(exchanges: &AtomicUsize) -> Reply {
    let number = exchanges.fetch_add(1, Ordering::SeqCst) + 1;
    Reply::new(200)
        .header("Content-Type", "text/plain")
        .body(format!(
            "oauth_token_secret=ts%2F9%2Bk%3D%26w-{number}&oauth_token=tok-{number}"
        ))
}

/// Starts a server whose token route issues numbered tokens and whose other routes are
/// answered by `data`.
fn start(data: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> (Server, Arc<AtomicUsize>) {
    let exchanges = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&exchanges);
    let server = Server::start(move |request| {
        if request.path() == TOKEN_PATH {
            token_reply(&counter)
        } else {
            data(request)
        }
    });
    (server, exchanges)
}

fn rejected() -> Reply {
    Reply::new(401).header("WWW-Authenticate", "OAuth oauth_problem=\"token_rejected\"")
}

#[test]
fn token_exchange_request_shape() {
    let (server, exchanges) = start(|_| Reply::xml(200, ACCOUNT_LIST));
    let client = builder(&server).build().unwrap();

    client.authenticate().unwrap();
    let request = &server.requests()[0];
    let body = String::from_utf8(request.body.clone()).unwrap();

    assert_eq!(exchanges.load(Ordering::SeqCst), 1);
    assert_eq!(request.method, "POST");
    assert_eq!(
        request.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        request.header("authorization"),
        Some("OAuth oauth_consumer_key=\"ck-1\"")
    );
    assert!(body.starts_with("saml_assertion="), "{body}");
    assert_eq!(body.matches('=').count(), 1, "{body}");
    assert!(!body.contains(['+', '/', '\n']), "{body}");
}

#[test]
fn token_fetched_once_and_cached() {
    let (server, exchanges) = start(|_| Reply::xml(200, ACCOUNT_LIST));
    let client = builder(&server).build().unwrap();

    client.get_customer_accounts().unwrap();
    client.get_customer_accounts().unwrap();
    client.clone().get_customer_accounts().unwrap();

    assert_eq!(exchanges.load(Ordering::SeqCst), 1);
    assert_eq!(server.count("GET", "/v1/accounts"), 3);
}

#[test]
fn short_lifetime_renewed_before_use() {
    let exchanges = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&exchanges);
    let server = Server::start(move |request| {
        if request.path() == TOKEN_PATH {
            let number = counter.fetch_add(1, Ordering::SeqCst) + 1;
            Reply::new(200).body(format!(
                "oauth_token=tok-{number}&oauth_token_secret=s-{number}&oauth_expires_in=2"
            ))
        } else {
            Reply::xml(200, ACCOUNT_LIST)
        }
    });
    let client = builder(&server).build().unwrap();

    client.get_customer_accounts().unwrap();
    client.get_customer_accounts().unwrap();
    let before = exchanges.load(Ordering::SeqCst);
    std::thread::sleep(Duration::from_millis(1200));
    client.get_customer_accounts().unwrap();

    assert_eq!(before, 1);
    assert_eq!(exchanges.load(Ordering::SeqCst), 2);
}

#[test]
fn token_exchange_failure_is_typed() {
    let server = Server::start(|request| {
        if request.path() == TOKEN_PATH {
            Reply::new(401)
                .header(
                    "WWW-Authenticate",
                    "OAuth oauth_problem=\"signature_invalid\"",
                )
                .body("oauth_problem=signature_invalid")
        } else {
            Reply::xml(200, ACCOUNT_LIST)
        }
    });
    let client = builder(&server).build().unwrap();

    let error = client.get_customer_accounts().unwrap_err();
    let text = format!("{error} {error:?}");
    let assertion = String::from_utf8(server.requests()[0].body.clone()).unwrap();
    let assertion_value = assertion.trim_start_matches("saml_assertion=");

    match &error {
        Error::Authentication(auth) => {
            assert_eq!(auth.kind, AuthenticationErrorKind::TokenExchange);
            assert_eq!(auth.status, Some(401));
            assert_eq!(auth.oauth_problem.as_deref(), Some("signature_invalid"));
        }
        other => panic!("expected an authentication error, got {other:?}"),
    }
    assert!(!text.contains(CONSUMER_SECRET), "{text}");
    assert!(!text.contains(assertion_value), "{text}");
    assert_eq!(server.count("GET", "/v1/accounts"), 0);
}

#[test]
fn token_exchange_html_page_rejected() {
    let server = Server::start(|_| {
        Reply::new(200)
            .header("Content-Type", "text/html")
            .body("<html><body>Sign in</body></html>")
    });
    let client = builder(&server).build().unwrap();

    let error = client.authenticate().unwrap_err();

    assert!(
        matches!(&error, Error::Authentication(auth) if auth.kind == AuthenticationErrorKind::TokenExchange),
        "{error:?}"
    );
}

#[test]
fn rejected_token_renewed_and_retried() {
    let data_calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&data_calls);
    let (server, exchanges) = start(move |request| {
        if request.method == "GET" {
            return Reply::xml(200, HIDDEN_FIELDS);
        }
        if counter.fetch_add(1, Ordering::SeqCst) == 0 {
            Reply::new(401).header(
                "www-authenticate",
                "OAuth realm=\"x\", oauth_problem=token_rejected",
            )
        } else {
            Reply::xml(201, ACCOUNT_LIST)
        }
    });
    let client = builder(&server).build().unwrap();

    let response = client
        .discover_and_add_accounts(
            "100000",
            &[
                ("Banking Userid", "direct"),
                ("Banking Password", "a=1&b=2"),
            ],
        )
        .unwrap();
    let posts: Vec<Request> = server
        .requests()
        .into_iter()
        .filter(|request| request.method == "POST" && request.path() != TOKEN_PATH)
        .collect();

    assert_eq!(response.status_code(), 201);
    assert_eq!(exchanges.load(Ordering::SeqCst), 2);
    assert_eq!(posts.len(), 2);
    assert_eq!(posts[0].body, posts[1].body);
    assert_eq!(posts[1].header("content-type"), Some("application/xml"));
}

#[test]
fn second_rejection_is_error() {
    let (server, exchanges) = start(|_| rejected());
    let client = builder(&server).build().unwrap();

    let error = client.get_customer_accounts().unwrap_err();

    assert!(
        matches!(&error, Error::Authentication(auth) if auth.kind == AuthenticationErrorKind::TokenRejected),
        "{error:?}"
    );
    assert_eq!(exchanges.load(Ordering::SeqCst), 2);
    assert_eq!(server.count("GET", "/v1/accounts"), 2);
}

#[test]
fn threads_share_one_exchange() {
    let exchanges = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&exchanges);
    let server = Server::start(move |request| {
        if request.path() == TOKEN_PATH {
            std::thread::sleep(Duration::from_millis(300));
            token_reply(&counter)
        } else {
            Reply::xml(200, ACCOUNT_LIST)
        }
    });
    let client = builder(&server).build().unwrap();

    let threads: Vec<_> = (0..4)
        .map(|_| {
            let client = client.clone();
            std::thread::spawn(move || client.get_customer_accounts().map(|_| ()))
        })
        .collect();
    for thread in threads {
        thread.join().unwrap().unwrap();
    }

    assert_eq!(exchanges.load(Ordering::SeqCst), 1);
    assert_eq!(server.count("GET", "/v1/accounts"), 4);
}

#[test]
fn threads_share_one_renewal() {
    let exchanges = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&exchanges);
    let server = Server::start(move |request| {
        if request.path() == TOKEN_PATH {
            std::thread::sleep(Duration::from_millis(200));
            return token_reply(&counter);
        }
        let authorization = request.header("authorization").unwrap_or_default();
        if authorization.contains("oauth_token=\"tok-1\"") {
            // Hold the rejections so that every thread holds token 1 when it is rejected.
            std::thread::sleep(Duration::from_millis(200));
            rejected()
        } else {
            Reply::xml(200, ACCOUNT_LIST)
        }
    });
    let client = builder(&server).build().unwrap();

    let threads: Vec<_> = (0..4)
        .map(|_| {
            let client = client.clone();
            std::thread::spawn(move || client.get_customer_accounts().map(|_| ()))
        })
        .collect();
    for thread in threads {
        thread.join().unwrap().unwrap();
    }

    assert_eq!(exchanges.load(Ordering::SeqCst), 2);
    assert_eq!(server.count("GET", "/v1/accounts"), 8);
}

#[test]
fn challenge_returned_without_refresh() {
    let (server, exchanges) = start(|request| {
        if request.method == "GET" {
            return Reply::xml(200, HIDDEN_FIELDS);
        }
        Reply::xml(401, ONE_QUESTION)
            .header("challengeSessionId", "c0ffee00-1111-2222-3333-444455556666")
            .header("challengeNodeId", "10.1.2.3")
    });
    let client = builder(&server).build().unwrap();

    let response = client
        .discover_and_add_accounts(
            "100000",
            &[("Banking Userid", "tfa_text"), ("Banking Password", "any")],
        )
        .unwrap();
    let challenge = response.challenge().unwrap().unwrap();

    assert_eq!(response.status_code(), 401);
    assert!(matches!(response.content(), Content::Xml(_)));
    assert_eq!(challenge.session_id, "c0ffee00-1111-2222-3333-444455556666");
    assert_eq!(challenge.node_id, "10.1.2.3");
    assert_eq!(challenge.questions.len(), 1);
    assert_eq!(exchanges.load(Ordering::SeqCst), 1);
}

#[test]
fn confirm_challenge_sends_headers() {
    let (server, _) = start(|_| Reply::xml(201, ACCOUNT_LIST));
    let client = builder(&server).build().unwrap();

    client
        .confirm_challenge("100000", "c0ffee00-1111", "10.1.2.3", &["Tom & Jerry <3"])
        .unwrap();
    let request = server.requests().pop().unwrap();
    let body = String::from_utf8(request.body.clone()).unwrap();

    assert_eq!(request.method, "POST");
    assert_eq!(request.target, "/v1/institutions/100000/logins");
    assert_eq!(request.header("challengeSessionId"), Some("c0ffee00-1111"));
    assert_eq!(request.header("challengeNodeId"), Some("10.1.2.3"));
    assert!(body.contains(">Tom &amp; Jerry &lt;3</response>"), "{body}");
}

#[test]
fn unauthorized_401_carries_problem() {
    let (server, exchanges) = start(|_| {
        Reply::new(401).header(
            "WWW-Authenticate",
            "OAuth oauth_problem=\"signature_invalid\"",
        )
    });
    let client = builder(&server).build().unwrap();

    let error = client.get_account("000000000001").unwrap_err();

    match &error {
        Error::Authentication(auth) => {
            assert_eq!(auth.kind, AuthenticationErrorKind::Unauthorized);
            assert_eq!(auth.oauth_problem.as_deref(), Some("signature_invalid"));
        }
        other => panic!("expected an authentication error, got {other:?}"),
    }
    assert_eq!(exchanges.load(Ordering::SeqCst), 1);
}

#[test]
fn status_document_becomes_api_error() {
    let (server, _) = start(|_| Reply::xml(404, STATUS_404).header("intuit_tid", "tid-42"));
    let client = builder(&server).build().unwrap();

    let error = client.get_institution_details("999999").unwrap_err();
    let api = error.api_error().unwrap();

    assert_eq!(api.status, 404);
    assert_eq!(api.method, "GET");
    assert_eq!(api.path, "/v1/institutions/999999");
    assert_eq!(api.error_code.as_deref(), Some("api.database.notfound"));
    assert_eq!(api.intuit_tid.as_deref(), Some("tid-42"));
    assert!(error.correlation_id().unwrap().starts_with("gw-"));
}

#[test]
fn html_502_is_api_error() {
    let (server, _) = start(|_| {
        Reply::new(502)
            .header("Content-Type", "text/html")
            .body("<html><body><h1>502 Bad Gateway</h1></body></html>")
    });
    let client = builder(&server).build().unwrap();

    let error = client.get_customer_accounts().unwrap_err();
    let api = error.api_error().unwrap();

    assert_eq!(api.status, 502);
    assert_eq!(api.error_code, None);
}

#[test]
fn html_200_is_unexpected_content() {
    let echo = format!(
        "<html><body>Proxy echo: secret={CONSUMER_SECRET} password=hunter2&amp;&lt;x&gt; {}</body></html>",
        "x".repeat(500)
    );
    let (server, _) = start(move |request| {
        if request.method == "GET" {
            Reply::xml(200, HIDDEN_FIELDS)
        } else {
            Reply::new(200)
                .header("Content-Type", "text/html")
                .body(&echo)
        }
    });
    let client = builder(&server).build().unwrap();

    let error = client
        .discover_and_add_accounts(
            "100000",
            &[("Banking Userid", "u"), ("Banking Password", "hunter2&<x>")],
        )
        .unwrap_err();
    let text = format!("{error} {error:?}");

    match &error {
        Error::UnexpectedContent {
            status,
            content_type,
            excerpt,
        } => {
            assert_eq!(*status, 200);
            assert_eq!(content_type.as_deref(), Some("text/html"));
            assert!(excerpt.chars().count() <= 121, "{excerpt}");
            assert!(excerpt.contains("<redacted>"), "{excerpt}");
        }
        other => panic!("expected UnexpectedContent, got {other:?}"),
    }
    assert!(!text.contains(CONSUMER_SECRET), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
}

#[test]
fn redirect_not_followed() {
    let (server, _) = start(|_| Reply::new(302).header("Location", "/elsewhere"));
    let client = builder(&server).build().unwrap();

    let error = client.get_customer_accounts().unwrap_err();

    assert_eq!(error.status(), Some(302), "{error:?}");
    assert_eq!(server.count("GET", "/elsewhere"), 0);
}

#[test]
fn truncated_xml_is_xml_error() {
    let body = include_str!("fixtures/ruby-aggcat/max_customers_reached.xml");
    let (server, _) = start(move |_| Reply::xml(200, &body[..100]));
    let client = builder(&server).build().unwrap();

    let error = client.get_customer_accounts().unwrap_err();

    assert!(matches!(error, Error::Xml { .. }), "{error:?}");
}

#[test]
fn empty_body_is_empty_content() {
    let (server, _) = start(|_| Reply::new(200));
    let client = builder(&server).build().unwrap();

    let response = client.delete_account("000000000001").unwrap();
    let request = server.requests().pop().unwrap();

    assert!(matches!(response.content(), Content::Empty));
    assert_eq!(response.to_xml(), "");
    assert_eq!(request.method, "DELETE");
    assert_eq!(request.target, "/v1/accounts/000000000001");
}

#[test]
fn objectify_off_returns_raw() {
    let (server, _) = start(|_| Reply::xml(200, ACCOUNT_LIST));
    let client = builder(&server).objectify(false).build().unwrap();

    let response = client.get_customer_accounts().unwrap();

    assert!(matches!(response.content(), Content::Raw(_)));
    assert_eq!(response.to_xml(), ACCOUNT_LIST);
}

#[test]
fn xml_body_returned_exactly() {
    let (server, _) = start(|_| Reply::xml(200, ONE_QUESTION));
    let client = builder(&server).build().unwrap();

    let response = client.get_customer_accounts().unwrap();

    assert!(response.xml().is_some());
    assert_eq!(response.to_xml(), ONE_QUESTION);
    assert_eq!(response.body(), ONE_QUESTION.as_bytes());
}

#[test]
fn response_too_large_names_limit() {
    let big = format!("<AccountList>{}</AccountList>", " ".repeat(8192));
    let (server, _) = start(move |_| Reply::xml(200, &big));
    let client = builder(&server).max_response_size(1024).build().unwrap();

    let error = client.get_customer_accounts().unwrap_err();

    assert!(
        matches!(&error, Error::ResponseTooLarge { limit: 1024, url } if !url.contains('?')),
        "{error:?}"
    );
}

#[test]
fn slow_post_times_out_once() {
    let (server, _) = start(|request| {
        if request.method == "GET" {
            Reply::xml(200, HIDDEN_FIELDS)
        } else {
            Reply::xml(201, ACCOUNT_LIST).delay(Duration::from_secs(5))
        }
    });
    let client = builder(&server)
        .read_timeout(Duration::from_secs(1))
        .build()
        .unwrap();

    let started = Instant::now();
    let error = client
        .discover_and_add_accounts(
            "100000",
            &[("Banking Userid", "direct"), ("Banking Password", "go")],
        )
        .unwrap_err();
    let elapsed = started.elapsed();

    assert!(error.is_timeout(), "{error:?}");
    assert!(elapsed < Duration::from_secs(2), "took {elapsed:?}");
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(server.count("POST", "/v1/institutions/100000/logins"), 1);
}

#[test]
fn stalled_body_times_out() {
    let (server, _) = start(|_| {
        Reply::xml(
            200,
            &format!("<AccountList>{}</AccountList>", " ".repeat(1000)),
        )
        .stall_after(20, Duration::from_secs(5))
    });
    let client = builder(&server)
        .read_timeout(Duration::from_secs(1))
        .build()
        .unwrap();

    let started = Instant::now();
    let error = client.get_customer_accounts().unwrap_err();
    let elapsed = started.elapsed();

    assert!(error.is_timeout(), "{error:?}");
    assert!(elapsed < Duration::from_secs(2), "took {elapsed:?}");
    assert_eq!(server.count("GET", "/v1/accounts"), 1);
}

#[test]
fn transactions_query_on_wire() {
    let (server, _) = start(|_| Reply::xml(200, ACCOUNT_LIST));
    let client = builder(&server).build().unwrap();

    client
        .get_account_transactions("000000000001", "2014-01-01", None)
        .unwrap();
    client
        .get_account_transactions("400000000123", "2014-01-01", "2014-01-31")
        .unwrap();
    let targets: Vec<String> = server
        .requests()
        .into_iter()
        .filter(|request| request.method == "GET")
        .map(|request| request.target)
        .collect();

    assert_eq!(
        targets,
        [
            "/v1/accounts/000000000001/transactions?txnStartDate=2014-01-01",
            "/v1/accounts/400000000123/transactions?txnStartDate=2014-01-01&txnEndDate=2014-01-31",
        ]
    );
}

#[test]
fn invalid_input_sends_nothing() {
    let (server, exchanges) = start(|_| Reply::xml(200, ACCOUNT_LIST));
    let client = builder(&server).build().unwrap();

    let bad_date = client.get_account_transactions("1", "2014-13-01", None);
    let reversed = client.get_account_transactions("1", "2014-02-01", "2014-01-01");
    let ambiguous = client.update_account_type("1", None, "OTHER");
    let empty_id = client.get_account("");

    assert!(matches!(
        bad_date,
        Err(Error::InvalidInput {
            parameter: "start_date",
            ..
        })
    ));
    assert!(matches!(reversed, Err(Error::InvalidInput { .. })));
    assert!(matches!(
        ambiguous,
        Err(Error::InvalidInput {
            parameter: "account_name",
            ..
        })
    ));
    assert!(matches!(empty_id, Err(Error::InvalidInput { .. })));
    assert!(server.requests().is_empty());
    assert_eq!(exchanges.load(Ordering::SeqCst), 0);
}

#[test]
fn missing_credentials_sends_no_post() {
    let (server, _) = start(|_| Reply::xml(200, HIDDEN_FIELDS));
    let client = builder(&server).build().unwrap();

    let error = client
        .discover_and_add_accounts("100000", &[("Banking Userid", "direct")])
        .unwrap_err();

    assert!(
        matches!(&error, Error::MissingCredentials { missing, .. } if missing == &["Banking Password"]),
        "{error:?}"
    );
    assert_eq!(server.count("POST", "/v1/"), 0);
}

#[test]
fn refresh_login_sends_empty_body() {
    let (server, _) = start(|_| Reply::new(200));
    let client = builder(&server).build().unwrap();

    client
        .update_institution_login("100000", "7001", true, &[])
        .unwrap();
    let request = server.requests().pop().unwrap();

    assert_eq!(request.method, "PUT");
    assert_eq!(request.target, "/v1/logins/7001?refresh=true");
    assert_eq!(request.header("content-type"), Some("application/xml"));
    assert_eq!(
        request.body,
        b"<InstitutionLogin xmlns=\"http://schema.intuit.com/platform/fdatafeed/institutionlogin/v1\"/>"
    );
}

#[test]
fn update_challenge_uses_put() {
    let (server, _) = start(|_| Reply::new(200));
    let client = builder(&server).build().unwrap();

    client
        .update_challenge("7001", "s-1", "10.0.0.1", &["Rex", "fail"], false)
        .unwrap();
    let request = server.requests().pop().unwrap();

    assert_eq!(request.method, "PUT");
    assert_eq!(request.target, "/v1/logins/7001?refresh=false");
    assert_eq!(request.header("challengeNodeId"), Some("10.0.0.1"));
}

#[test]
fn account_type_update_body() {
    let (server, _) = start(|_| Reply::new(200));
    let client = builder(&server).build().unwrap();

    client
        .update_account_type("000000000001", Some("banking"), "checking")
        .unwrap();
    let request = server.requests().pop().unwrap();
    let body = String::from_utf8(request.body).unwrap();

    assert_eq!(request.method, "PUT");
    assert_eq!(request.target, "/v1/accounts/000000000001");
    assert!(
        body.contains("<bankingAccountType>CHECKING</bankingAccountType>"),
        "{body}"
    );
}

#[test]
fn batch_calls_use_export_root() {
    let (server, _) = start(|request| {
        if request.header("range").is_some() {
            Reply::new(206)
                .header("Content-Type", "application/octet-stream")
                .body([0x1f, 0x8b, 0x08, 0x00])
        } else {
            Reply::new(200)
        }
    });
    let client = builder(&server)
        .base_url(&format!("{}/rest-war/v1", server.url))
        .build()
        .unwrap();

    let data = client.get_file_data("export 1.gz", Some((0, 3))).unwrap();
    client.list_files().unwrap();
    client.delete_file("export 1.gz").unwrap();
    let requests: Vec<Request> = server
        .requests()
        .into_iter()
        .filter(|request| request.path() != TOKEN_PATH)
        .collect();

    assert_eq!(data.status_code(), 206);
    assert!(matches!(data.content(), Content::Raw(bytes) if bytes == &[0x1f, 0x8b, 0x08, 0x00]));
    assert_eq!(requests[0].target, "/v1/export/files/export%201.gz");
    assert_eq!(requests[0].header("range"), Some("0-3"));
    assert_eq!(requests[1].target, "/v1/export/files");
    assert_eq!(requests[2].method, "DELETE");
    assert_eq!(requests[2].target, "/v1/export/files/export%201.gz");
}

#[test]
fn request_encodes_query() {
    let (server, _) = start(|_| Reply::new(200));
    let client = builder(&server).build().unwrap();

    client
        .request("GET", "/echo", &[("value", "a b*~+Zürich")], None)
        .unwrap();
    let request = server.requests().pop().unwrap();

    assert_eq!(request.target, "/v1/echo?value=a%20b%2A~%2BZ%C3%BCrich");
    assert_eq!(request.header("accept"), Some("application/xml"));
    assert!(
        request
            .header("accept-encoding")
            .is_some_and(|value| value.contains("gzip")),
        "{request:?}"
    );
}

#[test]
fn connection_refused_is_transport_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = AggcatClient::builder("ck-1", CONSUMER_SECRET, "idp-1", "customer-1")
        .private_key_pem(key_pem())
        .base_url(&format!("{url}/v1"))
        .saml_url(&format!("{url}{TOKEN_PATH}"))
        .build()
        .unwrap();

    let error = client.authenticate().unwrap_err();

    assert!(
        matches!(&error, Error::Transport { method, url: failed, .. } if method == "POST" && failed.ends_with(TOKEN_PATH)),
        "{error:?}"
    );
}

/// Returns the decoded parameters of an `Authorization: OAuth …` header.
fn oauth_params(header: &str) -> Vec<(String, String)> {
    let decode = |text: &str| {
        let bytes = text.as_bytes();
        let mut out = Vec::new();
        let mut index = 0;
        while index < bytes.len() {
            if bytes[index] == b'%' {
                out.push(u8::from_str_radix(&text[index + 1..index + 3], 16).unwrap());
                index += 3;
            } else {
                out.push(bytes[index]);
                index += 1;
            }
        }
        String::from_utf8(out).unwrap()
    };
    header
        .trim_start_matches("OAuth ")
        .split(',')
        .map(|pair| {
            let (name, value) = pair.trim().split_once('=').unwrap();
            (name.to_owned(), decode(value.trim_matches('"')))
        })
        .collect()
}

/// Checks the HMAC-SHA1 signature of `request` as received on `server_url`.
fn signature_valid(server_url: &str, request: &Request, token_secret: &str) -> bool {
    let params = oauth_params(request.header("authorization").unwrap_or_default());
    let Some((_, signature)) = params.iter().find(|(name, _)| name == "oauth_signature") else {
        return false;
    };
    let url = format!("{server_url}{}", request.target);
    let base = aggcat::oauth::signature_base_string(&request.method, &url, &params).unwrap();
    let expected = aggcat::oauth::hmac_sha1_signature(&base, "cs+7/q=x&y%z", token_secret).unwrap();
    &expected == signature
}

#[test]
fn signatures_match_wire_requests() {
    let url_cell: Arc<OnceLock<String>> = Arc::new(OnceLock::new());
    let server_url = Arc::clone(&url_cell);
    let (server, _) = start(move |request| {
        let url = server_url.get().unwrap();
        if signature_valid(url, request, "ts/9+k=&w-1") {
            Reply::new(200)
        } else {
            Reply::new(401).header(
                "WWW-Authenticate",
                "OAuth oauth_problem=\"signature_invalid\"",
            )
        }
    });
    url_cell.set(server.url.clone()).unwrap();
    let client = AggcatClient::builder("ck-1", "cs+7/q=x&y%z", "idp-1", "customer-1")
        .private_key_pem(key_pem())
        .base_url(&format!("{}/v1", server.url))
        .saml_url(&format!("{}{TOKEN_PATH}", server.url))
        .build()
        .unwrap();

    client
        .get_account_transactions("000000000001", "2014-01-01", "2014-02-01")
        .unwrap();
    client
        .update_institution_login("100000", "7001", true, &[])
        .unwrap();
    client.delete_account("000000000001").unwrap();
    client
        .request(
            "GET",
            "/echo",
            &[
                ("value", "2014-01-01T00:00:00+05:30"),
                ("other", "a b*~!'()Zürich"),
            ],
            None,
        )
        .unwrap();

    assert_eq!(server.count("PUT", "/v1/logins/7001"), 1);
}

#[test]
fn retry_signed_with_new_token() {
    let data_calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&data_calls);
    let (server, _) = start(move |_| {
        if counter.fetch_add(1, Ordering::SeqCst) == 0 {
            rejected()
        } else {
            Reply::xml(200, ACCOUNT_LIST)
        }
    });
    let client = builder(&server).build().unwrap();

    client.get_customer_accounts().unwrap();
    let calls: Vec<Vec<(String, String)>> = server
        .requests()
        .iter()
        .filter(|request| request.path() == "/v1/accounts")
        .map(|request| oauth_params(request.header("authorization").unwrap()))
        .collect();
    let param = |call: &[(String, String)], name: &str| {
        call.iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
            .unwrap()
    };

    assert_eq!(calls.len(), 2);
    assert_eq!(param(&calls[0], "oauth_token"), "tok-1");
    assert_eq!(param(&calls[1], "oauth_token"), "tok-2");
    assert_ne!(
        param(&calls[0], "oauth_nonce"),
        param(&calls[1], "oauth_nonce")
    );
}
