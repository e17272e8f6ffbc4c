//! Signing checked against independent tools: the `openssl` and `xmlsec1` command-line
//! programs and the `oauth1` crate.
//!
//! A test that needs a missing program prints that it skips, unless `AGGCAT_REQUIRE_TOOLS=1`
//! is set, in which case it fails.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use aggcat::oauth::{self, OAuthSigner};
use aggcat::saml::Saml;
use aggcat::{Error, KeyErrorKind, PrivateKey};
use time::macros::datetime;

const PASSPHRASE: &str = "pw-Test!";

/// A directory under the system temp directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let path =
            std::env::temp_dir().join(format!("aggcat-signing-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    fn path(&self, file: &str) -> PathBuf {
        self.0.join(file)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Returns whether `program` runs. When it does not, this prints a skip notice or, with
/// `AGGCAT_REQUIRE_TOOLS=1`, fails the test.
fn tool_available(program: &str) -> bool {
    let runs = Command::new(program)
        .arg("version")
        .output()
        .or_else(|_| Command::new(program).arg("--version").output())
        .is_ok();
    if runs {
        return true;
    }
    if std::env::var("AGGCAT_REQUIRE_TOOLS").as_deref() == Ok("1") {
        panic!("`{program}` is not installed and AGGCAT_REQUIRE_TOOLS=1 is set");
    }
    eprintln!("skipping: `{program}` is not installed");
    false
}

/// Runs `openssl` with `args` and fails the test when it exits with an error.
fn openssl(args: &[&str]) -> Output {
    let output = Command::new("openssl").args(args).output().unwrap();
    assert!(
        output.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Writes a 2048-bit RSA key (PKCS#8 PEM) and a self-signed certificate for it.
fn generate_key_and_certificate(dir: &TempDir) -> (PathBuf, PathBuf) {
    let key = dir.path("key.pem");
    let certificate = dir.path("cert.pem");
    openssl(&[
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:2048",
        "-out",
        path_str(&key),
    ]);
    openssl(&[
        "req",
        "-x509",
        "-new",
        "-key",
        path_str(&key),
        "-subj",
        "/CN=aggcat-signing-test",
        "-days",
        "1",
        "-out",
        path_str(&certificate),
    ]);
    (key, certificate)
}

fn key_kind(result: aggcat::Result<PrivateKey>) -> KeyErrorKind {
    match result {
        Err(Error::Key { kind, .. }) => kind,
        other => panic!("expected a key error, got {other:?}"),
    }
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text.find(start).unwrap() + start.len();
    let to = from + text[from..].find(end).unwrap();
    &text[from..to]
}

#[test]
fn rsa_sha1_equals_openssl_cli() {
    if !tool_available("openssl") {
        return;
    }
    let dir = TempDir::new("rsa-sha1");
    let (key_path, certificate) = generate_key_and_certificate(&dir);
    let data = br#"<ds:SignedInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">x</ds:SignedInfo>"#;
    let data_path = dir.path("data.bin");
    let signature_path = dir.path("sig.bin");
    std::fs::write(&data_path, data).unwrap();
    openssl(&[
        "dgst",
        "-sha1",
        "-sign",
        path_str(&key_path),
        "-out",
        path_str(&signature_path),
        path_str(&data_path),
    ]);
    let expected = std::fs::read(&signature_path).unwrap();

    let key = PrivateKey::from_path(&key_path, None).unwrap();
    let signature = key.sign_rsa_sha1(data).unwrap();

    assert_eq!(signature.len(), 256);
    assert_eq!(signature, expected);

    let public_key = dir.path("pub.pem");
    let ours_path = dir.path("ours.bin");
    std::fs::write(&ours_path, &signature).unwrap();
    let public = openssl(&["x509", "-in", path_str(&certificate), "-pubkey", "-noout"]);
    std::fs::write(&public_key, public.stdout).unwrap();
    openssl(&[
        "dgst",
        "-sha1",
        "-verify",
        path_str(&public_key),
        "-signature",
        path_str(&ours_path),
        path_str(&data_path),
    ]);
}

#[test]
fn every_cli_key_form_signs_identically() {
    if !tool_available("openssl") {
        return;
    }
    let dir = TempDir::new("forms");
    let (pkcs8_pem, certificate) = generate_key_and_certificate(&dir);
    let key = path_str(&pkcs8_pem);
    let pass = format!("pass:{PASSPHRASE}");
    let forms = [
        ("pkcs1.pem", vec!["rsa", "-in", key, "-traditional"]),
        (
            "legacy.pem",
            vec![
                "rsa",
                "-in",
                key,
                "-traditional",
                "-aes128",
                "-passout",
                &pass,
            ],
        ),
        (
            "encrypted8.pem",
            vec![
                "pkcs8",
                "-topk8",
                "-in",
                key,
                "-v2",
                "aes-256-cbc",
                "-passout",
                &pass,
            ],
        ),
        (
            "pkcs1.der",
            vec!["rsa", "-in", key, "-traditional", "-outform", "DER"],
        ),
        (
            "pkcs8.der",
            vec!["pkcs8", "-topk8", "-nocrypt", "-in", key, "-outform", "DER"],
        ),
        (
            "encrypted8.der",
            vec![
                "pkcs8",
                "-topk8",
                "-in",
                key,
                "-v2",
                "aes-256-cbc",
                "-passout",
                &pass,
                "-outform",
                "DER",
            ],
        ),
    ];
    for (file, args) in &forms {
        let out = dir.path(file);
        let mut args = args.clone();
        args.extend(["-out", path_str(&out)]);
        openssl(&args);
    }
    let legacy = std::fs::read_to_string(dir.path("legacy.pem")).unwrap();
    assert!(legacy.contains("Proc-Type: 4,ENCRYPTED"), "{legacy}");
    assert!(legacy.contains("DEK-Info: AES-128-CBC"), "{legacy}");
    for crlf_copy in ["pkcs1.pem", "legacy.pem", "encrypted8.pem"] {
        let text = std::fs::read_to_string(dir.path(crlf_copy)).unwrap();
        std::fs::write(
            dir.path(&format!("crlf-{crlf_copy}")),
            text.replace('\n', "\r\n"),
        )
        .unwrap();
    }

    let data = b"fixed bytes to sign";
    let expected = PrivateKey::from_path(&pkcs8_pem, None)
        .unwrap()
        .sign_rsa_sha1(data)
        .unwrap();
    let cases = [
        ("pkcs1.pem", None),
        ("legacy.pem", Some(PASSPHRASE)),
        ("encrypted8.pem", Some(PASSPHRASE)),
        ("pkcs1.der", None),
        ("pkcs8.der", None),
        ("encrypted8.der", Some(PASSPHRASE)),
        ("crlf-pkcs1.pem", None),
        ("crlf-legacy.pem", Some(PASSPHRASE)),
        ("crlf-encrypted8.pem", Some(PASSPHRASE)),
    ];
    for (file, passphrase) in cases {
        let key = PrivateKey::from_path(dir.path(file), passphrase)
            .unwrap_or_else(|error| panic!("{file}: {error:?}"));
        assert_eq!(key.sign_rsa_sha1(data).unwrap(), expected, "{file}");

        let bytes = std::fs::read(dir.path(file)).unwrap();
        let from_bytes = PrivateKey::from_bytes(&bytes, passphrase).unwrap();
        assert_eq!(
            from_bytes.sign_rsa_sha1(data).unwrap(),
            expected,
            "{file} as bytes"
        );
    }

    assert_eq!(
        key_kind(PrivateKey::from_path(&certificate, None)),
        KeyErrorKind::Certificate
    );
}

#[test]
fn cli_key_errors_have_own_kinds() {
    if !tool_available("openssl") {
        return;
    }
    let dir = TempDir::new("errors");
    let (key, _) = generate_key_and_certificate(&dir);
    let pass = format!("pass:{PASSPHRASE}");
    let encrypted = dir.path("encrypted8.pem");
    let legacy = dir.path("legacy.pem");
    let ec = dir.path("ec.pem");
    let ec_traditional = dir.path("ec-traditional.pem");
    openssl(&[
        "pkcs8",
        "-topk8",
        "-in",
        path_str(&key),
        "-v2",
        "aes-256-cbc",
        "-passout",
        &pass,
        "-out",
        path_str(&encrypted),
    ]);
    openssl(&[
        "rsa",
        "-in",
        path_str(&key),
        "-traditional",
        "-des3",
        "-passout",
        &pass,
        "-out",
        path_str(&legacy),
    ]);
    openssl(&[
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-out",
        path_str(&ec),
    ]);
    openssl(&[
        "ec",
        "-in",
        path_str(&ec),
        "-out",
        path_str(&ec_traditional),
    ]);

    let key_text = std::fs::read_to_string(&key).unwrap();
    let key_lines: Vec<&str> = key_text
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect();
    let cases = [
        (&encrypted, None, KeyErrorKind::PassphraseRequired),
        (&legacy, None, KeyErrorKind::PassphraseRequired),
        (&encrypted, Some("pw-Wrong?"), KeyErrorKind::WrongPassphrase),
        (&legacy, Some("pw-Wrong?"), KeyErrorKind::WrongPassphrase),
        (&ec, None, KeyErrorKind::NotRsa),
        (&ec_traditional, None, KeyErrorKind::NotRsa),
    ];
    for (path, passphrase, expected) in cases {
        let error = PrivateKey::from_path(path, passphrase).unwrap_err();
        assert!(
            matches!(&error, Error::Key { kind, .. } if *kind == expected),
            "{}: {error:?}",
            path.display()
        );

        let printed = format!("{error} | {error:?} | {error:#?}");
        assert!(!printed.contains(PASSPHRASE), "{printed}");
        assert!(!printed.contains("pw-Wrong?"), "{printed}");
        for line in &key_lines {
            assert!(!printed.contains(line), "{printed}");
        }
    }

    let missing = PrivateKey::from_path(dir.path("absent.pem"), None).unwrap_err();
    assert!(matches!(missing, Error::Io { .. }), "{missing:?}");
}

/// Runs `xmlsec1 --verify` on `xml` with the public key of `certificate`.
fn xmlsec1_verify(dir: &TempDir, certificate: &Path, xml: &str) -> Output {
    let file = dir.path("assertion.xml");
    std::fs::write(&file, xml).unwrap();
    Command::new("xmlsec1")
        .args([
            "--verify",
            "--pubkey-cert-pem",
            path_str(certificate),
            "--id-attr:ID",
            "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
            path_str(&file),
        ])
        .output()
        .unwrap()
}

fn change_last_digit(text: &str) -> String {
    let position = text.rfind(|c: char| c.is_ascii_digit()).unwrap();
    let digit = text.as_bytes()[position];
    let changed = if digit == b'9' {
        '0'
    } else {
        char::from(digit + 1)
    };
    format!("{}{changed}{}", &text[..position], &text[position + 1..])
}

#[test]
fn xmlsec1_verifies_assertion() {
    if !tool_available("openssl") || !tool_available("xmlsec1") {
        return;
    }
    let dir = TempDir::new("xmlsec1");
    let (key, certificate) = generate_key_and_certificate(&dir);
    let key = PrivateKey::from_path(&key, None).unwrap();

    for customer_id in ["cust-42", "cust&<1>", "Zoë-7", "tab\tquote\"cr\r9"] {
        let saml = Saml::new(key.clone(), "issuer.example.ipp.prod", customer_id);
        let xml = saml.assertion_xml().unwrap();

        let verified = xmlsec1_verify(&dir, &certificate, &xml);
        assert!(
            verified.status.success(),
            "{customer_id}: {}\n{xml}",
            String::from_utf8_lossy(&verified.stderr)
        );
        let report = String::from_utf8_lossy(&verified.stderr);
        assert!(
            report.contains("SignedInfo References (ok/all): 1/1"),
            "{report}"
        );

        // Every customer id here ends in a digit, which stays valid XML when changed.
        let name_id = between(&xml, "nameid-format:unspecified\">", "</saml2:NameID>");
        let tampered_name_id = change_last_digit(name_id);
        assert_ne!(name_id, tampered_name_id);
        let tampered = xml.replacen(name_id, &tampered_name_id, 1);
        let rejected = xmlsec1_verify(&dir, &certificate, &tampered);
        assert!(
            !rejected.status.success(),
            "{customer_id}: xmlsec1 accepted a changed NameID"
        );
    }
}

#[test]
fn assertion_deterministic_and_digest_matches_sent_bytes() {
    if !tool_available("openssl") {
        return;
    }
    let dir = TempDir::new("golden");
    let (key, _) = generate_key_and_certificate(&dir);
    let saml = Saml::new(
        PrivateKey::from_path(&key, None).unwrap(),
        "issuer.example.ipp.prod",
        "cust&<1>",
    );
    let now = datetime!(2014-02-08 09:17:39.123456 UTC);

    let first = saml
        .assertion_xml_at("_0123456789abcdef0123456789abcdef", now)
        .unwrap();
    let second = saml
        .assertion_xml_at("_0123456789abcdef0123456789abcdef", now)
        .unwrap();
    assert_eq!(first, second);

    let start = first.find("<ds:Signature").unwrap();
    let end = first.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
    let without_signature = format!("{}{}", &first[..start], &first[end..]);
    let digest = openssl::base64::encode_block(&openssl::sha::sha1(without_signature.as_bytes()));
    assert_eq!(
        digest,
        between(&first, "<ds:DigestValue>", "</ds:DigestValue>")
    );
    assert!(
        first.contains(">cust&amp;&lt;1&gt;</saml2:NameID>"),
        "{first}"
    );
}

const TIME_ZONE_CHILD_DIR: &str = "AGGCAT_TEST_TIME_ZONE_DIR";

/// Writes the assertion for a fixed instant. The parent test runs this in a child process
/// with `TZ=America/Denver`. Run directly, it does nothing.
#[test]
fn time_zone_child_writes_assertion() {
    let Some(dir) = std::env::var_os(TIME_ZONE_CHILD_DIR) else {
        return;
    };
    let dir = PathBuf::from(dir);
    let key = PrivateKey::from_path(dir.join("key.pem"), None).unwrap();
    let saml = Saml::new(key, "issuer.example.ipp.prod", "cust-42");

    let fixed = saml
        .assertion_xml_at("_a", datetime!(2014-02-08 09:17:39.000000 UTC))
        .unwrap();
    let fresh = saml.assertion_xml().unwrap();

    std::fs::write(dir.join("fixed.xml"), fixed).unwrap();
    std::fs::write(dir.join("fresh.xml"), fresh).unwrap();
}

#[test]
fn time_zone_changes_nothing() {
    if !tool_available("openssl") {
        return;
    }
    let dir = TempDir::new("time-zone");
    let (key, _) = generate_key_and_certificate(&dir);
    let saml = Saml::new(
        PrivateKey::from_path(&key, None).unwrap(),
        "issuer.example.ipp.prod",
        "cust-42",
    );
    let expected = saml
        .assertion_xml_at("_a", datetime!(2014-02-08 09:17:39.000000 UTC))
        .unwrap();

    let child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "time_zone_child_writes_assertion",
            "--test-threads=1",
        ])
        .env("TZ", "America/Denver")
        .env(TIME_ZONE_CHILD_DIR, &dir.0)
        .output()
        .unwrap();
    assert!(
        child.status.success(),
        "{}",
        String::from_utf8_lossy(&child.stdout)
    );

    let fixed = std::fs::read_to_string(dir.path("fixed.xml")).unwrap();
    assert_eq!(fixed, expected);
    assert!(fixed.contains(r#"IssueInstant="2014-02-08T09:17:39.000Z""#));

    // America/Denver is 6 or 7 hours behind UTC, so local time would miss this window.
    let fresh = std::fs::read_to_string(dir.path("fresh.xml")).unwrap();
    let issued = between(&fresh, "IssueInstant=\"", "\"");
    let issued =
        time::OffsetDateTime::parse(issued, &time::format_description::well_known::Rfc3339)
            .unwrap();
    let offset = (time::OffsetDateTime::now_utc() - issued).abs();
    assert!(
        offset < time::Duration::minutes(30),
        "IssueInstant {issued}"
    );
}

/// A xorshift64 generator, so that each run checks the same parameter sets.
struct Xorshift(u64);

impl Xorshift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }

    fn string(&mut self, max_len: usize) -> String {
        const PIECES: &[&str] = &[
            "a", "Z", "0", "9", "-", ".", "_", "~", " ", "+", "%", "&", "=", "?", "/", ":", "#",
            "[", "]", "@", "!", "$", "'", "(", ")", "*", ",", ";", "\"", "<", ">", "\\", "^", "`",
            "{", "|", "}", "ü", "Zürich", "日本", "€", "😀", "%20", "%2B", "\t",
        ];
        let len = self.below(max_len + 1);
        (0..len).map(|_| PIECES[self.below(PIECES.len())]).collect()
    }
}

const OAUTH_NAMES: [&str; 6] = [
    "oauth_consumer_key",
    "oauth_nonce",
    "oauth_signature_method",
    "oauth_timestamp",
    "oauth_token",
    "oauth_version",
];

/// Checks that no encoded name is a proper prefix of another. Only then does the `oauth1`
/// crate's sort of whole `name=value` strings agree with RFC 5849 ordering (name, then value).
fn prefix_free(names: &[String]) -> bool {
    let encoded: Vec<String> = names
        .iter()
        .map(|name| oauth::percent_encode(name))
        .chain(OAUTH_NAMES.iter().map(|name| name.to_string()))
        .collect();
    encoded.iter().enumerate().all(|(i, a)| {
        encoded
            .iter()
            .enumerate()
            .all(|(j, b)| i == j || !b.starts_with(a.as_str()))
    })
}

fn header_field<'a>(header: &'a str, name: &str) -> &'a str {
    between(header, &format!("{name}=\""), "\"")
}

#[test]
fn oauth_header_matches_oauth1_crate() {
    let mut random = Xorshift(0x9e37_79b9_7f4a_7c15);
    let methods = ["GET", "POST", "PUT", "DELETE"];
    let base_uri = "http://127.0.0.1:18443/v1/accounts/000000000001";
    let mut compared = 0;

    // `oauth1` takes a HashMap, so repeated names cannot be compared here. The unit tests of
    // `aggcat::oauth` cover them with the RFC 5849 example.

    while compared < 300 {
        let count = random.below(6);
        let names: Vec<String> = (0..count).map(|_| random.string(4)).collect();
        let distinct: std::collections::HashSet<&String> = names.iter().collect();
        if names
            .iter()
            .any(|name| name.is_empty() || name.starts_with("oauth_"))
            || distinct.len() != names.len()
            || !prefix_free(&names)
        {
            continue;
        }
        let values: Vec<String> = (0..count).map(|_| random.string(5)).collect();
        let method = methods[random.below(methods.len())];
        let consumer_secret = random.string(6);
        let token_secret = random.string(6);

        let consumer = oauth1::Token::new("ck-Äb", consumer_secret.as_str());
        let token = oauth1::Token::new("tok/1+=", token_secret.as_str());
        let params: HashMap<&str, Cow<str>> = names
            .iter()
            .zip(&values)
            .map(|(name, value)| (name.as_str(), Cow::Borrowed(value.as_str())))
            .collect();
        let theirs = oauth1::authorize(method, base_uri, &consumer, Some(&token), Some(params));

        let query: Vec<String> = names
            .iter()
            .zip(&values)
            .map(|(name, value)| {
                format!(
                    "{}={}",
                    oauth::percent_encode(name),
                    oauth::percent_encode(value)
                )
            })
            .collect();
        let url = if query.is_empty() {
            base_uri.to_owned()
        } else {
            format!("{base_uri}?{}", query.join("&"))
        };
        let nonce = header_field(&theirs, "oauth_nonce");
        let timestamp: u64 = header_field(&theirs, "oauth_timestamp").parse().unwrap();
        let signer = OAuthSigner::new("ck-Äb", &consumer_secret, "tok/1+=", &token_secret);
        let ours = signer
            .authorization_header_at(method, &url, nonce, timestamp)
            .unwrap();

        assert_eq!(
            header_field(&ours, "oauth_signature"),
            header_field(&theirs, "oauth_signature"),
            "{method} {url}"
        );
        assert_eq!(ours, theirs, "{method} {url}");
        compared += 1;
    }
}
