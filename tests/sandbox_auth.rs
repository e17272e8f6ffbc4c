//! The sandbox's token endpoint and OAuth verification, driven over a real socket.
//!
//! Assertions are signed by `xmlsec1` and data calls by a small signer written here (and once by
//! the `oauth1` crate), so that nothing in these tests relies on the crate's own client code.
//! Tests that need `xmlsec1` print that they skip when it is missing, unless
//! `AGGCAT_REQUIRE_TOOLS=1` is set.

#![cfg(feature = "sandbox")]

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use aggcat::sandbox::{Sandbox, SandboxHandle};
use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::rsa::Rsa;
use openssl::sign::Signer;
use time::OffsetDateTime;

// ---------------------------------------------------------------------------------------------
// Helpers: temporary files, xmlsec1, assertions, HTTP.

fn temp_dir() -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "aggcat-sandbox-auth-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Returns whether xmlsec1 runs; fails instead when `AGGCAT_REQUIRE_TOOLS=1`.
fn xmlsec1_available(test: &str) -> bool {
    let available = Command::new("xmlsec1")
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success());
    if !available {
        assert!(
            std::env::var("AGGCAT_REQUIRE_TOOLS").as_deref() != Ok("1"),
            "xmlsec1 is missing and AGGCAT_REQUIRE_TOOLS=1 is set"
        );
        println!("skipping {test}: xmlsec1 is not installed");
    }
    available
}

fn format_instant(instant: OffsetDateTime) -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    instant
        .to_offset(time::UtcOffset::UTC)
        .format(&format)
        .unwrap()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The fields of an assertion template.
#[derive(Clone)]
struct AssertionSpec {
    issuer: String,
    audience: String,
    name_id: String,
    issue_instant: String,
    not_before: String,
    not_on_or_after: String,
    signed: bool,
}

impl AssertionSpec {
    fn valid(sandbox: &SandboxHandle, name_id: &str) -> AssertionSpec {
        let now = OffsetDateTime::now_utc();
        let provider = sandbox.application().saml_identity_provider_id.clone();
        AssertionSpec {
            issuer: provider.clone(),
            audience: provider,
            name_id: name_id.to_string(),
            issue_instant: format_instant(now),
            not_before: format_instant(now - time::Duration::minutes(5)),
            not_on_or_after: format_instant(now + time::Duration::minutes(10)),
            signed: true,
        }
    }

    fn template(&self) -> String {
        let id = "_0123456789abcdef0123456789abcdef";
        let signature = if self.signed {
            format!(
                "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:SignedInfo>\
                 <ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>\
                 <ds:SignatureMethod Algorithm=\"http://www.w3.org/2000/09/xmldsig#rsa-sha1\"/>\
                 <ds:Reference URI=\"#{id}\"><ds:Transforms>\
                 <ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>\
                 <ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>\
                 </ds:Transforms><ds:DigestMethod Algorithm=\"http://www.w3.org/2000/09/xmldsig#sha1\"/>\
                 <ds:DigestValue></ds:DigestValue></ds:Reference></ds:SignedInfo>\
                 <ds:SignatureValue></ds:SignatureValue></ds:Signature>"
            )
        } else {
            String::new()
        };
        format!(
            "<saml2:Assertion xmlns:saml2=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"{id}\" \
             IssueInstant=\"{issue}\" Version=\"2.0\"><saml2:Issuer>{issuer}</saml2:Issuer>\
             {signature}<saml2:Subject><saml2:NameID \
             Format=\"urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified\">{name_id}</saml2:NameID>\
             <saml2:SubjectConfirmation Method=\"urn:oasis:names:tc:SAML:2.0:cm:bearer\"/>\
             </saml2:Subject><saml2:Conditions NotBefore=\"{not_before}\" \
             NotOnOrAfter=\"{not_on_or_after}\"><saml2:AudienceRestriction><saml2:Audience>\
             {audience}</saml2:Audience></saml2:AudienceRestriction></saml2:Conditions>\
             <saml2:AuthnStatement AuthnInstant=\"{issue}\" SessionIndex=\"{id}\">\
             <saml2:AuthnContext><saml2:AuthnContextClassRef>\
             urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified</saml2:AuthnContextClassRef>\
             </saml2:AuthnContext></saml2:AuthnStatement></saml2:Assertion>",
            issue = self.issue_instant,
            issuer = escape(&self.issuer),
            name_id = escape(&self.name_id),
            not_before = self.not_before,
            not_on_or_after = self.not_on_or_after,
            audience = escape(&self.audience),
        )
    }

    /// Returns the assertion XML, signed by xmlsec1 with `key_pem` when `signed`.
    fn build(&self, key_pem: &str) -> String {
        let template = self.template();
        if !self.signed {
            return template;
        }
        sign_with_xmlsec1(&template, key_pem)
    }
}

fn sign_with_xmlsec1(template: &str, key_pem: &str) -> String {
    let dir = temp_dir();
    let key_path = dir.join("key.pem");
    let template_path = dir.join("template.xml");
    let output_path = dir.join("signed.xml");
    std::fs::write(&key_path, key_pem).unwrap();
    std::fs::write(&template_path, template).unwrap();

    let output = Command::new("xmlsec1")
        .arg("--sign")
        .arg("--privkey-pem")
        .arg(&key_path)
        .arg("--id-attr:ID")
        .arg("urn:oasis:names:tc:SAML:2.0:assertion:Assertion")
        .arg("--output")
        .arg(&output_path)
        .arg(&template_path)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "xmlsec1 failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let signed = std::fs::read_to_string(&output_path).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    signed
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(20)))
        .build()
        .into()
}

/// A reply read into memory.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(field, _)| field.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

fn read_answer(response: ureq::http::Response<ureq::Body>) -> Answer {
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_string(),
                value.to_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let body = response.into_body().read_to_string().unwrap();
    Answer {
        status,
        headers,
        body,
    }
}

/// RFC 3986 percent-encoding (unreserved characters stay literal).
fn encode(value: &str) -> String {
    let mut output = String::new();
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            output.push(byte as char);
        } else {
            output.push_str(&format!("%{byte:02X}"));
        }
    }
    output
}

fn decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut output = Vec::new();
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = std::str::from_utf8(&bytes[index + 1..index + 3]).unwrap();
            output.push(u8::from_str_radix(hex, 16).unwrap());
            index += 3;
        } else {
            output.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(output).unwrap()
}

fn post_assertion(sandbox: &SandboxHandle, xml: &str) -> Answer {
    let encoded = openssl::base64::encode_block(xml.as_bytes());
    post_token_form(
        sandbox,
        Some(&sandbox.application().consumer_key),
        &format!("saml_assertion={}", encode(&encoded)),
    )
}

fn post_token_form(sandbox: &SandboxHandle, consumer_key: Option<&str>, form: &str) -> Answer {
    let mut request = agent()
        .post(sandbox.saml_url())
        .header("Content-Type", "application/x-www-form-urlencoded");
    if let Some(key) = consumer_key {
        request = request.header(
            "Authorization",
            format!("OAuth oauth_consumer_key=\"{key}\""),
        );
    }
    read_answer(request.send(form).unwrap())
}

/// An OAuth token and its secret.
struct Token {
    token: String,
    secret: String,
}

fn parse_token_reply(body: &str) -> Token {
    let pairs: HashMap<&str, String> = body
        .split('&')
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap();
            (name, decode(value))
        })
        .collect();
    Token {
        token: pairs["oauth_token"].clone(),
        secret: pairs["oauth_token_secret"].clone(),
    }
}

fn fetch_token(sandbox: &SandboxHandle, customer_id: &str) -> Token {
    let xml =
        AssertionSpec::valid(sandbox, customer_id).build(&sandbox.application().private_key_pem);
    let answer = post_assertion(sandbox, &xml);
    assert_eq!(answer.status, 200, "token exchange failed: {}", answer.body);
    parse_token_reply(&answer.body)
}

/// What varies between signed test requests.
struct Signing<'a> {
    consumer_key: &'a str,
    consumer_secret: &'a str,
    token: &'a Token,
    nonce: String,
    timestamp: i64,
    extra: Vec<(String, String)>,
}

impl<'a> Signing<'a> {
    fn new(sandbox: &'a SandboxHandle, token: &'a Token) -> Signing<'a> {
        static NONCE: AtomicUsize = AtomicUsize::new(0);
        Signing {
            consumer_key: &sandbox.application().consumer_key,
            consumer_secret: &sandbox.application().consumer_secret,
            token,
            nonce: format!(
                "nonce{}x{}",
                std::process::id(),
                NONCE.fetch_add(1, Ordering::SeqCst)
            ),
            timestamp: OffsetDateTime::now_utc().unix_timestamp(),
            extra: Vec::new(),
        }
    }

    fn oauth_parameters(&self) -> Vec<(String, String)> {
        let mut parameters = vec![
            ("oauth_consumer_key".into(), self.consumer_key.into()),
            ("oauth_nonce".into(), self.nonce.clone()),
            ("oauth_signature_method".into(), "HMAC-SHA1".into()),
            ("oauth_timestamp".into(), self.timestamp.to_string()),
            ("oauth_token".into(), self.token.token.clone()),
            ("oauth_version".into(), "1.0".into()),
        ];
        parameters.extend(self.extra.iter().cloned());
        parameters
    }

    /// Signs `method url` (query already encoded) and returns the oauth parameters including
    /// `oauth_signature`.
    fn sign(&self, method: &str, url: &str) -> Vec<(String, String)> {
        let (base_uri, query) = url.split_once('?').unwrap_or((url, ""));
        let mut parameters = self.oauth_parameters();
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            parameters.push((decode(name), decode(value)));
        }
        let mut encoded: Vec<String> = parameters
            .iter()
            .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
            .collect();
        encoded.sort();
        let base_string = format!(
            "{method}&{}&{}",
            encode(base_uri),
            encode(&encoded.join("&"))
        );
        let key = format!(
            "{}&{}",
            encode(self.consumer_secret),
            encode(&self.token.secret)
        );
        let key = PKey::hmac(key.as_bytes()).unwrap();
        let mut signer = Signer::new(MessageDigest::sha1(), &key).unwrap();
        signer.update(base_string.as_bytes()).unwrap();
        let signature = openssl::base64::encode_block(&signer.sign_to_vec().unwrap());
        let mut oauth = self.oauth_parameters();
        oauth.push(("oauth_signature".into(), signature));
        oauth
    }

    fn authorization(&self, method: &str, url: &str) -> String {
        let pairs: Vec<String> = self
            .sign(method, url)
            .iter()
            .map(|(name, value)| format!("{name}=\"{}\"", encode(value)))
            .collect();
        format!("OAuth realm=\"sandbox\", {}", pairs.join(", "))
    }
}

fn signed_get(url: &str, authorization: &str) -> Answer {
    read_answer(
        agent()
            .get(url)
            .header("Authorization", authorization)
            .call()
            .unwrap(),
    )
}

fn oauth_problem(answer: &Answer) -> Option<&str> {
    answer.header("WWW-Authenticate")
}

/// Sends raw bytes on a new connection and returns what came back before the server closed
/// it or two seconds passed.
fn raw_exchange(port: u16, request: &[u8]) -> Vec<u8> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    stream
        .set_write_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    let _ = stream.write_all(request);
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let mut reply = Vec::new();
    let _ = stream.read_to_end(&mut reply);
    reply
}

fn key_pem_other() -> String {
    let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
    String::from_utf8(key.private_key_to_pem_pkcs8().unwrap()).unwrap()
}

fn unknown_route(sandbox: &SandboxHandle) -> String {
    format!("{}/no-such-route", sandbox.base_url())
}

// ---------------------------------------------------------------------------------------------
// Token endpoint.

#[test]
fn token_issued_for_valid_assertion() {
    if !xmlsec1_available("token_issued_for_valid_assertion") {
        return;
    }
    let sandbox = Sandbox::builder().start().unwrap();
    let xml = AssertionSpec::valid(&sandbox, "cust&<1> Zoë")
        .build(&sandbox.application().private_key_pem);

    let answer = post_assertion(&sandbox, &xml);

    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.header("Content-Type"), Some("text/plain"));
    assert!(answer.body.starts_with("oauth_token_secret="));
    assert_eq!(answer.body.matches('&').count(), 1);
    let token = parse_token_reply(&answer.body);
    assert_eq!(token.token.len(), 48);
    assert!(token.token.starts_with("qyprd"));
    assert_eq!(token.secret.len(), 40);
    assert!(token.secret.contains('/'));
    assert!(token.secret.contains('&'));
    assert_eq!(sandbox.token_exchanges(), 1);
}

#[test]
fn token_exchange_recorded() {
    if !xmlsec1_available("token_exchange_recorded") {
        return;
    }
    let sandbox = Sandbox::builder().start().unwrap();

    fetch_token(&sandbox, "customer-1");

    let requests = sandbox.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method, "POST");
    assert_eq!(requests[0].target, "/oauth/v1/get_access_token_by_saml");
    assert_eq!(requests[0].status, 200);
    assert!(requests[0].body.starts_with(b"saml_assertion="));
    let debug = format!("{:?}", requests[0]);
    assert!(!debug.contains("saml_assertion"));
    sandbox.clear_requests();
    assert!(sandbox.requests().is_empty());
}

/// Inserts a line break and indentation between adjacent tags outside the Signature element.
fn pretty_print(template: &str) -> String {
    let start = template.find("<ds:Signature").unwrap();
    let end = template.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
    let indent = |part: &str| part.replace("><", ">\n    <");
    format!(
        "{}{}{}",
        indent(&template[..start]),
        &template[start..end],
        indent(&template[end..])
    )
}

#[test]
fn signed_variants_accepted() {
    if !xmlsec1_available("signed_variants_accepted") {
        return;
    }
    let sandbox = Sandbox::builder().start().unwrap();
    let spec = AssertionSpec::valid(&sandbox, "customer & <partner> \"1\"");
    let template = spec.template();
    let attributes = format!(
        "ID=\"_0123456789abcdef0123456789abcdef\" IssueInstant=\"{}\" Version=\"2.0\"",
        spec.issue_instant
    );
    let reordered = format!(
        "Version='2.0' IssueInstant='{}' ID='_0123456789abcdef0123456789abcdef'",
        spec.issue_instant
    );
    let variants = [
        ("pretty-printed", pretty_print(&template)),
        (
            "attributes reordered",
            template.replace(&attributes, &reordered),
        ),
        (
            "unused namespace and a comment",
            template
                .replace(
                    "<saml2:Assertion ",
                    "<saml2:Assertion xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" ",
                )
                .replace("</saml2:Issuer>", "</saml2:Issuer><!-- issuer above -->"),
        ),
        (
            "default namespace",
            template
                .replace("saml2:", "")
                .replace("xmlns:saml2=", "xmlns="),
        ),
        (
            "character references",
            template.replace(">customer &amp;", ">&#x63;ustomer &#38;"),
        ),
    ];

    for (case, variant) in variants {
        assert_ne!(
            variant, template,
            "{case}: the variant equals the plain template"
        );
        let xml = sign_with_xmlsec1(&variant, &sandbox.application().private_key_pem);

        let answer = post_assertion(&sandbox, &xml);

        assert_eq!(answer.status, 200, "{case}: {}", answer.body);
    }
}

#[test]
fn assertion_accepted_with_consumer_key_in_form() {
    if !xmlsec1_available("assertion_accepted_with_consumer_key_in_form") {
        return;
    }
    let sandbox = Sandbox::builder().start().unwrap();
    let xml =
        AssertionSpec::valid(&sandbox, "customer-1").build(&sandbox.application().private_key_pem);
    let encoded = openssl::base64::encode_block(xml.as_bytes());
    let form = format!(
        "oauth_consumer_key={}&saml_assertion={}",
        sandbox.application().consumer_key,
        encode(&encoded)
    );

    let answer = post_token_form(&sandbox, None, &form);

    assert_eq!(answer.status, 200, "{}", answer.body);
}

#[test]
fn assertion_rejections() {
    if !xmlsec1_available("assertion_rejections") {
        return;
    }
    let sandbox = Sandbox::builder().start().unwrap();
    let key = sandbox.application().private_key_pem.clone();
    let valid = AssertionSpec::valid(&sandbox, "customer-1");
    let now = OffsetDateTime::now_utc();

    let tampered = valid.build(&key).replace(">customer-1<", ">customer-2<");
    let other_key = valid.build(&key_pem_other());
    let expired = AssertionSpec {
        not_before: format_instant(now - time::Duration::minutes(30)),
        not_on_or_after: format_instant(now - time::Duration::minutes(10)),
        ..valid.clone()
    }
    .build(&key);
    let not_yet_valid = AssertionSpec {
        not_before: format_instant(now + time::Duration::minutes(10)),
        not_on_or_after: format_instant(now + time::Duration::minutes(20)),
        ..valid.clone()
    }
    .build(&key);
    let wrong_issuer = AssertionSpec {
        issuer: "other.1.intuit.ipp.prod".into(),
        ..valid.clone()
    }
    .build(&key);
    let wrong_audience = AssertionSpec {
        audience: "other.1.intuit.ipp.prod".into(),
        ..valid.clone()
    }
    .build(&key);
    let unsigned = AssertionSpec {
        signed: false,
        ..valid.clone()
    }
    .build(&key);
    let empty_name_id = AssertionSpec {
        name_id: String::new(),
        ..valid.clone()
    }
    .build(&key);

    let cases = [
        (
            "one NameID character changed",
            tampered,
            "signature_invalid",
        ),
        ("signed by another key", other_key, "signature_invalid"),
        ("expired", expired, "timestamp_refused"),
        ("not yet valid", not_yet_valid, "timestamp_refused"),
        ("wrong issuer", wrong_issuer, "parameter_rejected"),
        ("wrong audience", wrong_audience, "parameter_rejected"),
        ("unsigned", unsigned, "signature_invalid"),
        ("empty NameID", empty_name_id, "parameter_absent"),
    ];
    for (case, xml, problem) in cases {
        let answer = post_assertion(&sandbox, &xml);

        assert_eq!(answer.status, 401, "{case}: {}", answer.body);
        assert_eq!(
            answer.header("WWW-Authenticate"),
            Some(format!("OAuth oauth_problem=\"{problem}\"").as_str()),
            "{case}"
        );
        assert_eq!(answer.body, format!("oauth_problem={problem}"), "{case}");
    }
    assert_eq!(sandbox.token_exchanges(), 0);
}

#[test]
fn consumer_key_rejections() {
    if !xmlsec1_available("consumer_key_rejections") {
        return;
    }
    let sandbox = Sandbox::builder().start().unwrap();
    let xml =
        AssertionSpec::valid(&sandbox, "customer-1").build(&sandbox.application().private_key_pem);
    let form = format!(
        "saml_assertion={}",
        encode(&openssl::base64::encode_block(xml.as_bytes()))
    );

    let unknown = post_token_form(&sandbox, Some("qyprdunknown"), &form);
    let absent = post_token_form(&sandbox, None, &form);
    let no_assertion = post_token_form(&sandbox, Some(&sandbox.application().consumer_key), "");

    assert_eq!(unknown.status, 401);
    assert_eq!(unknown.body, "oauth_problem=consumer_key_unknown");
    assert_eq!(absent.status, 401);
    assert_eq!(absent.body, "oauth_problem=parameter_absent");
    assert_eq!(no_assertion.status, 401);
    assert_eq!(no_assertion.body, "oauth_problem=parameter_absent");
}

#[test]
fn wrapped_base64_rejected_by_default() {
    if !xmlsec1_available("wrapped_base64_rejected_by_default") {
        return;
    }
    let strict = Sandbox::builder().start().unwrap();
    let lenient = Sandbox::builder().lenient_base64(true).start().unwrap();
    for (sandbox, expected) in [(&strict, 400), (&lenient, 200)] {
        let xml = AssertionSpec::valid(sandbox, "customer-1")
            .build(&sandbox.application().private_key_pem);
        let encoded = openssl::base64::encode_block(xml.as_bytes());
        let wrapped: Vec<String> = encoded
            .as_bytes()
            .chunks(76)
            .map(|line| String::from_utf8(line.to_vec()).unwrap())
            .collect();
        let form = format!("saml_assertion={}", encode(&(wrapped.join("\n") + "\n")));

        let answer = post_token_form(sandbox, Some(&sandbox.application().consumer_key), &form);

        assert_eq!(answer.status, expected, "{}", answer.body);
    }
}

#[test]
fn unescaped_plus_in_form_rejected() {
    if !xmlsec1_available("unescaped_plus_in_form_rejected") {
        return;
    }
    let sandbox = Sandbox::builder().start().unwrap();
    // Find a customer id whose assertion base64 contains `+`, then send it without
    // percent-encoding, so `+` arrives as a space.
    let key = sandbox.application().private_key_pem.clone();
    let encoded = (0..50)
        .map(|n| {
            let xml = AssertionSpec::valid(&sandbox, &format!("customer-{n}?>")).build(&key);
            openssl::base64::encode_block(xml.as_bytes())
        })
        .find(|encoded| encoded.contains('+'))
        .expect("no assertion with + in its base64");

    let answer = post_token_form(
        &sandbox,
        Some(&sandbox.application().consumer_key),
        &format!("saml_assertion={encoded}"),
    );

    assert_eq!(answer.status, 400, "{}", answer.body);
}

#[test]
fn instant_shapes_checked() {
    if !xmlsec1_available("instant_shapes_checked") {
        return;
    }
    let strict = Sandbox::builder().start().unwrap();
    let relaxed = Sandbox::builder().strict_instants(false).start().unwrap();
    let now = OffsetDateTime::now_utc();
    let offset = time::UtcOffset::from_hms(-7, 0, 0).unwrap();
    let local = |instant: OffsetDateTime| {
        let format = time::macros::format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory]:[offset_minute]"
        );
        instant.to_offset(offset).format(&format).unwrap()
    };
    for (sandbox, expected) in [(&strict, 400), (&relaxed, 200)] {
        let spec = AssertionSpec {
            issue_instant: local(now),
            not_before: local(now - time::Duration::minutes(5)),
            not_on_or_after: local(now + time::Duration::minutes(10)),
            ..AssertionSpec::valid(sandbox, "customer-1")
        };

        let answer = post_assertion(sandbox, &spec.build(&sandbox.application().private_key_pem));

        assert_eq!(answer.status, expected, "{}", answer.body);
    }
}

#[test]
fn clock_offset_moves_validity_window() {
    if !xmlsec1_available("clock_offset_moves_validity_window") {
        return;
    }
    let sandbox = Sandbox::builder().clock_offset(3600).start().unwrap();
    let xml =
        AssertionSpec::valid(&sandbox, "customer-1").build(&sandbox.application().private_key_pem);

    let answer = post_assertion(&sandbox, &xml);

    assert_eq!(answer.status, 401);
    assert_eq!(answer.body, "oauth_problem=timestamp_refused");
}

#[test]
fn canned_token_reply_served_and_usable() {
    if !xmlsec1_available("canned_token_reply_served_and_usable") {
        return;
    }
    let sandbox = Sandbox::builder().start().unwrap();
    sandbox.push_token_reply(
        200,
        "text/plain",
        "oauth_token_secret=ts%2F9%2Bk%3D%26w&oauth_token=tok-AbC123&oauth_expires_in=3600",
    );
    sandbox.push_token_reply(401, "text/plain", "oauth_problem=signature_invalid");

    let first = fetch_token(&sandbox, "customer-1");
    let xml =
        AssertionSpec::valid(&sandbox, "customer-1").build(&sandbox.application().private_key_pem);
    let second = post_assertion(&sandbox, &xml);

    assert_eq!(first.token, "tok-AbC123");
    assert_eq!(first.secret, "ts/9+k=&w");
    assert_eq!(second.status, 401);
    assert_eq!(second.body, "oauth_problem=signature_invalid");
    let url = unknown_route(&sandbox);
    let answer = signed_get(
        &url,
        &Signing::new(&sandbox, &first).authorization("GET", &url),
    );
    assert_eq!(answer.status, 404, "{}", answer.body);
}

// ---------------------------------------------------------------------------------------------
// Data calls.

#[test]
fn signed_call_passes_on_both_base_paths() {
    if !xmlsec1_available("signed_call_passes_on_both_base_paths") {
        return;
    }
    let sandbox = Sandbox::builder().start().unwrap();
    let token = fetch_token(&sandbox, "customer-1");

    for base in [sandbox.base_url(), sandbox.rest_war_base_url()] {
        let url = format!(
            "{base}/no-such-route/?txnStartDate=2014-01-01T00%3A00%3A00%2B05%3A30&memo=a%20b%2A~"
        );
        let answer = signed_get(
            &url,
            &Signing::new(&sandbox, &token).authorization("GET", &url),
        );

        // 404 from the route table proves the signature passed: a failed check replies 401.
        assert_eq!(answer.status, 404, "{base}: {}", answer.body);
        assert_eq!(answer.header("Content-Type"), Some("application/xml"));
        assert!(answer
            .body
            .contains("<Status xmlns=\"http://schema.intuit.com/platform/fdatafeed/common/v1\">"));
        assert!(answer.body.contains("<correlationId>gw-"));
        assert_eq!(answer.header("intuit_tid").map(str::len), Some(36));
    }
    let recorded = sandbox.requests();
    assert!(recorded
        .last()
        .unwrap()
        .target
        .ends_with("?txnStartDate=2014-01-01T00%3A00%3A00%2B05%3A30&memo=a%20b%2A~"));
}

#[test]
fn signed_call_reaches_bank() {
    if !xmlsec1_available("signed_call_reaches_bank") {
        return;
    }
    let sandbox = Sandbox::builder().institutions(20).start().unwrap();
    let token = fetch_token(&sandbox, "customer-1");
    let url = format!("{}/institutions", sandbox.base_url());

    let answer = signed_get(
        &url,
        &Signing::new(&sandbox, &token).authorization("GET", &url),
    );

    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(answer.body.contains("Institutions"));
}

#[test]
fn oauth_parameters_accepted_in_query() {
    if !xmlsec1_available("oauth_parameters_accepted_in_query") {
        return;
    }
    let sandbox = Sandbox::builder().start().unwrap();
    let token = fetch_token(&sandbox, "customer-1");
    let url = format!("{}?refresh=true", unknown_route(&sandbox));
    let signing = Signing::new(&sandbox, &token);
    let query: Vec<String> = signing
        .sign("GET", &url)
        .iter()
        .map(|(name, value)| format!("{name}={}", encode(value)))
        .collect();
    let signed_url = format!("{url}&{}", query.join("&"));

    let answer = read_answer(agent().get(&signed_url).call().unwrap());

    assert_eq!(answer.status, 404, "{}", answer.body);
}

#[test]
fn oauth1_crate_signature_accepted() {
    if !xmlsec1_available("oauth1_crate_signature_accepted") {
        return;
    }
    let sandbox = Sandbox::builder().start().unwrap();
    let token = fetch_token(&sandbox, "customer-1");
    let base_uri = unknown_route(&sandbox);
    let consumer = oauth1::Token::new(
        sandbox.application().consumer_key.as_str(),
        sandbox.application().consumer_secret.as_str(),
    );
    let access = oauth1::Token::new(token.token.as_str(), token.secret.as_str());
    let mut parameters = HashMap::new();
    parameters.insert("refresh", Cow::from("true"));

    let header = oauth1::authorize("GET", &base_uri, &consumer, Some(&access), Some(parameters));
    let answer = signed_get(&format!("{base_uri}?refresh=true"), &header);

    assert_eq!(answer.status, 404, "{}", answer.body);
}

#[test]
fn wrong_consumer_secret_rejected() {
    if !xmlsec1_available("wrong_consumer_secret_rejected") {
        return;
    }
    let sandbox = Sandbox::builder().start().unwrap();
    let token = fetch_token(&sandbox, "customer-1");
    let url = unknown_route(&sandbox);
    let signing = Signing {
        consumer_secret: "not-the-secret",
        ..Signing::new(&sandbox, &token)
    };

    let answer = signed_get(&url, &signing.authorization("GET", &url));

    assert_eq!(answer.status, 401);
    assert_eq!(
        oauth_problem(&answer),
        Some("OAuth oauth_problem=\"signature_invalid\"")
    );
    assert_eq!(answer.body, "oauth_problem=signature_invalid");
}

#[test]
fn unsigned_query_parameter_rejected() {
    if !xmlsec1_available("unsigned_query_parameter_rejected") {
        return;
    }
    let sandbox = Sandbox::builder().start().unwrap();
    let token = fetch_token(&sandbox, "customer-1");
    let url = unknown_route(&sandbox);
    let authorization = Signing::new(&sandbox, &token).authorization("PUT", &url);

    let answer = read_answer(
        agent()
            .put(format!("{url}?refresh=true"))
            .header("Authorization", authorization)
            .send("")
            .unwrap(),
    );

    assert_eq!(answer.status, 401);
    assert_eq!(answer.body, "oauth_problem=signature_invalid");
}

#[test]
fn replayed_nonce_rejected() {
    if !xmlsec1_available("replayed_nonce_rejected") {
        return;
    }
    let sandbox = Sandbox::builder().start().unwrap();
    let unchecked = Sandbox::builder().check_nonce(false).start().unwrap();
    let token = fetch_token(&sandbox, "customer-1");
    let unchecked_token = fetch_token(&unchecked, "customer-1");

    let url = unknown_route(&sandbox);
    let authorization = Signing::new(&sandbox, &token).authorization("GET", &url);
    let first = signed_get(&url, &authorization);
    let replay = signed_get(&url, &authorization);
    let unchecked_url = unknown_route(&unchecked);
    let unchecked_authorization =
        Signing::new(&unchecked, &unchecked_token).authorization("GET", &unchecked_url);
    let unchecked_first = signed_get(&unchecked_url, &unchecked_authorization);
    let unchecked_replay = signed_get(&unchecked_url, &unchecked_authorization);

    assert_eq!(first.status, 404);
    assert_eq!(replay.status, 401);
    assert_eq!(
        oauth_problem(&replay),
        Some("OAuth oauth_problem=\"nonce_used\"")
    );
    assert_eq!(unchecked_first.status, 404);
    assert_eq!(unchecked_replay.status, 404);
}

#[test]
fn stale_timestamp_rejected() {
    if !xmlsec1_available("stale_timestamp_rejected") {
        return;
    }
    let sandbox = Sandbox::builder().start().unwrap();
    let token = fetch_token(&sandbox, "customer-1");
    let url = unknown_route(&sandbox);
    let now = OffsetDateTime::now_utc().unix_timestamp();

    for timestamp in [now - 600, now + 600] {
        let signing = Signing {
            timestamp,
            ..Signing::new(&sandbox, &token)
        };

        let answer = signed_get(&url, &signing.authorization("GET", &url));

        assert_eq!(answer.status, 401);
        assert_eq!(
            oauth_problem(&answer),
            Some("OAuth oauth_problem=\"timestamp_refused\"")
        );
    }
}

#[test]
fn unknown_and_revoked_tokens_rejected() {
    if !xmlsec1_available("unknown_and_revoked_tokens_rejected") {
        return;
    }
    let sandbox = Sandbox::builder().start().unwrap();
    let token = fetch_token(&sandbox, "customer-1");
    let unknown = Token {
        token: "qyprdunknown".into(),
        secret: token.secret.clone(),
    };
    let url = unknown_route(&sandbox);

    let unknown_answer = signed_get(
        &url,
        &Signing::new(&sandbox, &unknown).authorization("GET", &url),
    );
    sandbox.revoke_tokens();
    let revoked_answer = signed_get(
        &url,
        &Signing::new(&sandbox, &token).authorization("GET", &url),
    );

    for answer in [unknown_answer, revoked_answer] {
        assert_eq!(answer.status, 401);
        assert_eq!(
            oauth_problem(&answer),
            Some("OAuth oauth_problem=\"token_rejected\"")
        );
        assert_eq!(answer.body, "oauth_problem=token_rejected");
    }
}

#[test]
fn expired_token_rejected() {
    if !xmlsec1_available("expired_token_rejected") {
        return;
    }
    let sandbox = Sandbox::builder()
        .token_lifetime(Duration::from_secs(0))
        .start()
        .unwrap();
    let token = fetch_token(&sandbox, "customer-1");
    let url = unknown_route(&sandbox);

    let answer = signed_get(
        &url,
        &Signing::new(&sandbox, &token).authorization("GET", &url),
    );

    assert_eq!(answer.status, 401);
    assert_eq!(answer.body, "oauth_problem=token_rejected");
}

#[test]
fn scripted_token_rejection_header() {
    if !xmlsec1_available("scripted_token_rejection_header") {
        return;
    }
    let sandbox = Sandbox::builder().start().unwrap();
    let token = fetch_token(&sandbox, "customer-1");
    let url = unknown_route(&sandbox);
    sandbox.reject_tokens(true);
    sandbox.token_rejected_header("OAuth realm=\"x\", oauth_problem=token_rejected".into());

    let rejected = signed_get(
        &url,
        &Signing::new(&sandbox, &token).authorization("GET", &url),
    );
    sandbox.reject_tokens(false);
    let accepted = signed_get(
        &url,
        &Signing::new(&sandbox, &token).authorization("GET", &url),
    );

    assert_eq!(rejected.status, 401);
    assert_eq!(
        oauth_problem(&rejected),
        Some("OAuth realm=\"x\", oauth_problem=token_rejected")
    );
    assert_eq!(accepted.status, 404);
}

#[test]
fn body_hash_checked_when_sent() {
    if !xmlsec1_available("body_hash_checked_when_sent") {
        return;
    }
    let sandbox = Sandbox::builder().start().unwrap();
    let token = fetch_token(&sandbox, "customer-1");
    let url = unknown_route(&sandbox);
    let body = "<InstitutionLogin>a=1&amp;b=2</InstitutionLogin>";
    let body_hash = |text: &str| {
        let digest = openssl::hash::hash(MessageDigest::sha1(), text.as_bytes()).unwrap();
        openssl::base64::encode_block(&digest)
    };

    let mut answers = Vec::new();
    for hashed in [body, "<other/>"] {
        let signing = Signing {
            extra: vec![("oauth_body_hash".into(), body_hash(hashed))],
            ..Signing::new(&sandbox, &token)
        };
        let answer = agent()
            .post(&url)
            .header("Authorization", signing.authorization("POST", &url))
            .header("Content-Type", "application/xml")
            .send(body)
            .unwrap();
        answers.push(read_answer(answer));
    }

    assert_eq!(answers[0].status, 404, "{}", answers[0].body);
    assert_eq!(answers[1].status, 401);
    assert_eq!(answers[1].body, "oauth_problem=signature_invalid");
}

#[test]
fn lenient_digest_skips_digest_only() {
    if !xmlsec1_available("lenient_digest_skips_digest_only") {
        return;
    }
    let sandbox = Sandbox::builder().lenient_digest(true).start().unwrap();
    let valid = AssertionSpec::valid(&sandbox, "customer-1");
    let tampered = valid
        .build(&sandbox.application().private_key_pem)
        .replace(">customer-1<", ">customer-2<");
    let other_key = valid.build(&key_pem_other());

    let tampered_answer = post_assertion(&sandbox, &tampered);
    let other_key_answer = post_assertion(&sandbox, &other_key);

    assert_eq!(tampered_answer.status, 200, "{}", tampered_answer.body);
    assert_eq!(other_key_answer.status, 401);
    assert_eq!(other_key_answer.body, "oauth_problem=signature_invalid");
}

#[test]
fn access_log_leaves_out_query_and_credentials() {
    if !xmlsec1_available("access_log_leaves_out_query_and_credentials") {
        return;
    }
    install_logger();
    let sandbox = Sandbox::builder().start().unwrap();
    let token = fetch_token(&sandbox, "customer-1");
    let path = format!("/v1/logged-route-{}", sandbox.port());
    let url = format!(
        "http://127.0.0.1:{}{path}?txnStartDate=2014-01-01",
        sandbox.port()
    );

    signed_get(
        &url,
        &Signing::new(&sandbox, &token).authorization("GET", &url),
    );

    let lines = LOG_LINES.lock().unwrap().clone();
    let ours: Vec<&String> = lines.iter().filter(|line| line.contains(&path)).collect();
    assert_eq!(ours.len(), 1, "{lines:?}");
    assert!(
        ours[0].starts_with(&format!("GET {path} 404 ")),
        "{}",
        ours[0]
    );
    assert!(ours[0].ends_with("ms"));
    for line in &lines {
        assert!(!line.contains("txnStartDate"), "{line}");
        assert!(!line.contains(&token.token), "{line}");
        assert!(
            !line.contains(&sandbox.application().consumer_secret),
            "{line}"
        );
    }
}

static LOG_LINES: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

struct CapturingLogger;

impl log::Log for CapturingLogger {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        // ureq's own trace output shows raw requests; only the sandbox's lines are checked.
        if !record.target().starts_with("aggcat") {
            return;
        }
        LOG_LINES.lock().unwrap().push(record.args().to_string());
    }

    fn flush(&self) {}
}

fn install_logger() {
    static LOGGER: CapturingLogger = CapturingLogger;
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(log::LevelFilter::Trace);
    }
}

#[test]
fn missing_oauth_parameters_rejected() {
    let sandbox = Sandbox::builder().start().unwrap();
    let url = unknown_route(&sandbox);

    let answer = read_answer(agent().get(&url).call().unwrap());

    assert_eq!(answer.status, 401);
    assert_eq!(answer.body, "oauth_problem=parameter_absent");
}

// ---------------------------------------------------------------------------------------------
// Routing, compression, robustness.

#[test]
fn unknown_base_path_gets_status_document() {
    let sandbox = Sandbox::builder().start().unwrap();

    let answer = read_answer(
        agent()
            .get(format!(
                "http://127.0.0.1:{}/v2/institutions",
                sandbox.port()
            ))
            .call()
            .unwrap(),
    );

    assert_eq!(answer.status, 404);
    assert!(answer
        .body
        .contains("<errorCode>api.resource.notfound</errorCode>"));
    assert!(answer.body.contains("<correlationId>gw-"));
}

#[test]
fn unsupported_method_gets_405() {
    let sandbox = Sandbox::builder().start().unwrap();
    let url = format!("{}/institutions", sandbox.base_url());

    let patch = read_answer(agent().patch(&url).send("").unwrap());
    let token_get = read_answer(agent().get(sandbox.saml_url()).call().unwrap());

    assert_eq!(patch.status, 405);
    assert!(patch
        .body
        .contains("<errorCode>api.method.notallowed</errorCode>"));
    assert_eq!(token_get.status, 405);
}

#[test]
fn gzip_reply_when_requested() {
    let sandbox = Sandbox::builder().start().unwrap();
    let request = "GET /v2/none HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Encoding: gzip\r\n\
                   Connection: close\r\n\r\n";
    let plain_request = "GET /v2/none HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";

    let reply = raw_exchange(sandbox.port(), request.as_bytes());
    let plain = raw_exchange(sandbox.port(), plain_request.as_bytes());

    let split = reply
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .unwrap();
    let head = String::from_utf8_lossy(&reply[..split]).to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 404"), "{head}");
    assert!(head.contains("content-encoding: gzip"), "{head}");
    let mut body = String::new();
    flate2::read::GzDecoder::new(&reply[split + 4..])
        .read_to_string(&mut body)
        .unwrap();
    assert!(body.contains("<Status "));
    assert!(head.contains(&format!("content-length: {}", reply.len() - split - 4)));
    let plain_head = String::from_utf8_lossy(&plain).to_ascii_lowercase();
    assert!(!plain_head.contains("content-encoding"));
}

#[test]
fn large_reply_has_content_length() {
    let sandbox = Sandbox::builder().start().unwrap();
    let body = "x".repeat(100_000);
    sandbox.push_token_reply(200, "text/plain", &body);
    let request = "POST /oauth/v1/get_access_token_by_saml HTTP/1.1\r\nHost: 127.0.0.1\r\n\
                   Content-Length: 0\r\nConnection: close\r\n\r\n";

    let reply = raw_exchange(sandbox.port(), request.as_bytes());

    let split = reply
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .unwrap();
    let head = String::from_utf8_lossy(&reply[..split]).to_ascii_lowercase();
    assert!(head.contains("content-length: 100000"), "{head}");
    assert!(!head.contains("transfer-encoding"), "{head}");
    assert_eq!(reply.len() - split - 4, 100_000);
}

#[test]
fn malformed_flood_leaves_server_answering() {
    let sandbox = Sandbox::builder().start().unwrap();
    let huge_header = format!(
        "GET /v1/institutions HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: {}\r\n\r\n",
        "a".repeat(256 * 1024)
    );
    let many_headers = format!(
        "GET /v1/institutions HTTP/1.1\r\nHost: 127.0.0.1\r\n{}\r\n",
        "X-Many: b\r\n".repeat(20_000)
    );
    let garbage: Vec<u8> = (0..4096u32).map(|n| (n * 7919 % 251) as u8).collect();
    let payloads: Vec<Vec<u8>> = vec![
        garbage,
        b"\r\n\r\n\r\n".to_vec(),
        b"GET\r\n\r\n".to_vec(),
        b"POST /oauth/v1/get_access_token_by_saml HTTP/1.1\r\nContent-Length: 99999\r\n\r\nshort"
            .to_vec(),
        b"GET /v1/%ZZ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".to_vec(),
        huge_header.into_bytes(),
        many_headers.into_bytes(),
    ];

    for round in 0..200 {
        raw_exchange(sandbox.port(), &payloads[round % payloads.len()]);
    }
    let answer = read_answer(agent().get(unknown_route(&sandbox)).call().unwrap());

    assert_eq!(answer.status, 401);
    assert_eq!(answer.body, "oauth_problem=parameter_absent");
}

#[test]
fn debug_output_hides_secrets() {
    let sandbox = Sandbox::builder()
        .consumer_secret("cs-SECRET-7781")
        .start()
        .unwrap();

    let printed = format!("{sandbox:?}");

    assert!(!printed.contains("cs-SECRET-7781"));
    assert!(!printed.contains("PRIVATE KEY"));
    assert_eq!(sandbox.application().consumer_secret, "cs-SECRET-7781");
}

// ---------------------------------------------------------------------------------------------
// TLS.

fn tls_agent(ca_pem: &str) -> ureq::Agent {
    let certificate = ureq::tls::Certificate::from_pem(ca_pem.as_bytes()).unwrap();
    let tls = ureq::tls::TlsConfig::builder()
        .provider(ureq::tls::TlsProvider::NativeTls)
        .root_certs(ureq::tls::RootCerts::new_with_certs(&[certificate]))
        .build();
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(20)))
        .tls_config(tls)
        .build()
        .into()
}

#[test]
fn tls_verified_through_subject_alt_name() {
    let sandbox = Sandbox::builder().tls(true).start().unwrap();
    let agent = tls_agent(sandbox.ca_certificate_pem().unwrap());

    let by_ip = agent.get(unknown_route(&sandbox)).call().map(read_answer);
    let by_name = agent
        .get(format!("https://localhost:{}/v1/x", sandbox.port()))
        .call()
        .map(read_answer);
    let other = Sandbox::builder().tls(true).start().unwrap();
    let untrusted = tls_agent(other.ca_certificate_pem().unwrap())
        .get(unknown_route(&sandbox))
        .call();

    assert!(sandbox.base_url().starts_with("https://127.0.0.1:"));
    assert_eq!(by_ip.unwrap().status, 401);
    assert_eq!(by_name.unwrap().status, 401);
    assert!(untrusted.is_err());
}

#[test]
fn tls_chain_with_intermediate_verified() {
    let sandbox = Sandbox::builder()
        .tls(true)
        .tls_intermediate(true)
        .start()
        .unwrap();
    let agent = tls_agent(sandbox.ca_certificate_pem().unwrap());

    let answer = agent.get(unknown_route(&sandbox)).call().map(read_answer);

    assert_eq!(answer.unwrap().status, 401);
}

#[test]
fn tls_wrong_name_leaf_rejected() {
    let sandbox = Sandbox::builder()
        .tls(true)
        .tls_leaf_names(vec!["other.invalid".into()])
        .start()
        .unwrap();
    let agent = tls_agent(sandbox.ca_certificate_pem().unwrap());

    let result = agent.get(unknown_route(&sandbox)).call();

    assert!(result.is_err());
}

#[test]
fn tls_token_exchange_succeeds() {
    if !xmlsec1_available("tls_token_exchange_succeeds") {
        return;
    }
    let sandbox = Sandbox::builder().tls(true).start().unwrap();
    let agent = tls_agent(sandbox.ca_certificate_pem().unwrap());
    let xml =
        AssertionSpec::valid(&sandbox, "customer-1").build(&sandbox.application().private_key_pem);
    let form = format!(
        "saml_assertion={}",
        encode(&openssl::base64::encode_block(xml.as_bytes()))
    );

    let answer = read_answer(
        agent
            .post(sandbox.saml_url())
            .header(
                "Authorization",
                format!(
                    "OAuth oauth_consumer_key=\"{}\"",
                    sandbox.application().consumer_key
                ),
            )
            .send(form.as_str())
            .unwrap(),
    );

    assert_eq!(answer.status, 200, "{}", answer.body);
}

// ---------------------------------------------------------------------------------------------
// Interoperation with the crate's own client, which signs independently of the sandbox.

#[test]
fn crate_client_authenticates_and_signs() {
    for tls in [false, true] {
        let sandbox = Sandbox::builder()
            .tls(tls)
            .institutions(50)
            .start()
            .unwrap();
        let client = sandbox.client("cust&<1> Zoë").unwrap();

        client.authenticate().unwrap();
        let query = [
            ("txnStartDate", "2014-01-01T00:00:00+05:30"),
            ("memo", "a b*~!'()"),
        ];
        let get = client.request("GET", "/no-such-route", &query, None);
        let put = client.request(
            "PUT",
            "/no-such-route/7001",
            &[("refresh", "true")],
            Some("<InstitutionLogin/>"),
        );

        // A 404 Status document from the route table means the signature passed.
        assert_eq!(sandbox.token_exchanges(), 1, "tls {tls}");
        for result in [get, put] {
            let error = result.unwrap_err();
            assert_eq!(error.status(), Some(404), "tls {tls}: {error}");
            assert!(error
                .correlation_id()
                .is_some_and(|id| id.starts_with("gw-")));
        }
        let echoed = client
            .request(
                "GET",
                "/echo",
                &[("value", "2014-01-01T00:00:00+05:30 *~!'() Zürich")],
                None,
            )
            .unwrap();
        let param = echoed.xml().unwrap().child("param").unwrap();
        assert_eq!(
            param.text(),
            Some("2014-01-01T00:00:00+05:30 *~!'() Zürich")
        );
        let institutions = client.get_institutions().unwrap();
        assert_eq!(institutions.status_code(), 200);
        assert_eq!(institutions.xml().unwrap().len(), 50);

        let targets: Vec<String> = sandbox
            .requests()
            .iter()
            .map(|request| request.target.clone())
            .collect();
        assert!(
            targets.contains(&"/v1/no-such-route/7001?refresh=true".to_string()),
            "{targets:?}"
        );
    }
}
