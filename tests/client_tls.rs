//! TLS verification against a loopback HTTPS responder with a test CA.

mod support;

use std::sync::OnceLock;

use aggcat::{AggcatClient, Error};
use openssl::asn1::Asn1Time;
use openssl::bn::{BigNum, MsbOption};
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::x509::extension::{
    BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
};
use openssl::x509::{X509NameBuilder, X509};
use support::{Reply, Server};

const TOKEN_PATH: &str = "/oauth/token";

/// A test CA and two leaves it signed. The first is for `IP:127.0.0.1` and `DNS:localhost`
/// with the subject CN `wrong.invalid`, so only a subjectAltName match passes. The second is
/// for `DNS:other.invalid` only.
struct Pki {
    ca_pem: Vec<u8>,
    leaf_pem: Vec<u8>,
    other_leaf_pem: Vec<u8>,
    leaf_key_pem: Vec<u8>,
}

fn new_key() -> PKey<Private> {
    PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap()
}

fn certificate(
    common_name: &str,
    key: &PKey<Private>,
    issuer: Option<(&X509, &PKey<Private>, bool)>,
) -> X509 {
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", common_name).unwrap();
    let name = name.build();

    let mut builder = X509::builder().unwrap();
    builder.set_version(2).unwrap();
    let mut serial = BigNum::new().unwrap();
    serial.rand(64, MsbOption::MAYBE_ZERO, false).unwrap();
    builder
        .set_serial_number(&serial.to_asn1_integer().unwrap())
        .unwrap();
    builder.set_subject_name(&name).unwrap();
    builder.set_pubkey(key).unwrap();
    builder
        .set_not_before(&Asn1Time::days_from_now(0).unwrap())
        .unwrap();
    builder
        .set_not_after(&Asn1Time::days_from_now(2).unwrap())
        .unwrap();

    match issuer {
        None => {
            builder.set_issuer_name(&name).unwrap();
            builder
                .append_extension(BasicConstraints::new().critical().ca().build().unwrap())
                .unwrap();
            builder
                .append_extension(KeyUsage::new().key_cert_sign().crl_sign().build().unwrap())
                .unwrap();
            builder.sign(key, MessageDigest::sha256()).unwrap();
        }
        Some((ca, ca_key, for_loopback)) => {
            builder.set_issuer_name(ca.subject_name()).unwrap();
            let mut san = SubjectAlternativeName::new();
            if for_loopback {
                san.ip("127.0.0.1").dns("localhost");
            } else {
                san.dns("other.invalid");
            }
            let san = san.build(&builder.x509v3_context(Some(ca), None)).unwrap();
            builder.append_extension(san).unwrap();
            builder
                .append_extension(ExtendedKeyUsage::new().server_auth().build().unwrap())
                .unwrap();
            builder.sign(ca_key, MessageDigest::sha256()).unwrap();
        }
    }
    builder.build()
}

fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| {
        let ca_key = new_key();
        let ca = certificate("aggcat test CA", &ca_key, None);
        let leaf_key = new_key();
        let leaf = certificate("wrong.invalid", &leaf_key, Some((&ca, &ca_key, true)));
        let other_leaf = certificate("other.invalid", &leaf_key, Some((&ca, &ca_key, false)));
        Pki {
            ca_pem: ca.to_pem().unwrap(),
            leaf_pem: leaf.to_pem().unwrap(),
            other_leaf_pem: other_leaf.to_pem().unwrap(),
            leaf_key_pem: leaf_key.private_key_to_pem_pkcs8().unwrap(),
        }
    })
}

fn start() -> Server {
    let pki = pki();
    Server::start_tls(&pki.leaf_pem, &pki.leaf_key_pem, |request| {
        if request.path() == TOKEN_PATH {
            Reply::new(200).body("oauth_token=tok-1&oauth_token_secret=ts-1")
        } else {
            Reply::xml(200, "<AccountList/>")
        }
    })
}

fn builder(server: &Server) -> aggcat::AggcatClientBuilder {
    AggcatClient::builder("ck-1", "cs-1", "idp-1", "customer-1")
        .private_key_pem(new_key().private_key_to_pem_pkcs8().unwrap())
        .base_url(&format!("{}/v1", server.url))
        .saml_url(&format!("{}{TOKEN_PATH}", server.url))
}

#[test]
fn configured_ca_is_trusted() {
    let server = start();
    let client = builder(&server)
        .ca_certificate_pem(pki().ca_pem.clone())
        .build()
        .unwrap();

    let response = client.get_customer_accounts().unwrap();

    assert_eq!(response.status_code(), 200);
    assert_eq!(server.count("GET", "/v1/accounts"), 1);
}

#[test]
fn unknown_ca_is_rejected() {
    let server = start();
    let client = builder(&server).build().unwrap();

    let error = client.authenticate().unwrap_err();

    assert!(matches!(error, Error::Tls { .. }), "{error:?}");
    assert!(server.requests().is_empty());
}

#[test]
fn wrong_host_name_is_rejected() {
    let pki = pki();
    let server = Server::start_tls(&pki.other_leaf_pem, &pki.leaf_key_pem, |_| Reply::new(200));
    let client = builder(&server)
        .ca_certificate_pem(pki.ca_pem.clone())
        .build()
        .unwrap();

    let error = client.authenticate().unwrap_err();

    assert!(matches!(error, Error::Tls { .. }), "{error:?}");
    assert!(server.requests().is_empty());
}

#[test]
fn disabled_verification_accepts_any_certificate() {
    let server = start();
    let client = builder(&server).verify_ssl(false).build().unwrap();

    client.authenticate().unwrap();

    assert_eq!(server.count("POST", TOKEN_PATH), 1);
}
