//! Key pairs and certificates generated at start-up: the application's signing certificate and
//! the TLS certificate authority with its leaf.

use std::net::IpAddr;

use openssl::asn1::Asn1Time;
use openssl::bn::{BigNum, MsbOption};
use openssl::error::ErrorStack;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::x509::extension::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
    SubjectKeyIdentifier,
};
use openssl::x509::{X509Builder, X509Name, X509NameBuilder, X509};

use crate::error::Error;

/// A generated private key with its certificate.
pub(crate) struct KeyAndCertificate {
    pub key: PKey<Private>,
    pub certificate: X509,
}

impl KeyAndCertificate {
    pub(crate) fn private_key_pem(&self) -> Result<String, Error> {
        let pem = self
            .key
            .private_key_to_pem_pkcs8()
            .map_err(crypto("encode a key"))?;
        Ok(String::from_utf8_lossy(&pem).into_owned())
    }

    pub(crate) fn certificate_pem(&self) -> Result<String, Error> {
        let pem = self
            .certificate
            .to_pem()
            .map_err(crypto("encode a certificate"))?;
        Ok(String::from_utf8_lossy(&pem).into_owned())
    }
}

impl std::fmt::Debug for KeyAndCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyAndCertificate").finish_non_exhaustive()
    }
}

fn crypto(operation: &'static str) -> impl Fn(ErrorStack) -> Error {
    move |source| Error::Crypto { operation, source }
}

fn name(common_name: &str) -> Result<X509Name, ErrorStack> {
    let mut builder = X509NameBuilder::new()?;
    builder.append_entry_by_text("O", "aggcat sandbox")?;
    builder.append_entry_by_text("CN", common_name)?;
    Ok(builder.build())
}

fn new_builder(subject: &X509Name, key: &PKey<Private>) -> Result<X509Builder, ErrorStack> {
    let mut builder = X509Builder::new()?;
    builder.set_version(2)?;
    let mut serial = BigNum::new()?;
    serial.rand(127, MsbOption::MAYBE_ZERO, false)?;
    let serial = serial.to_asn1_integer()?;
    builder.set_serial_number(&serial)?;
    builder.set_subject_name(subject)?;
    builder.set_pubkey(key)?;
    // Valid from a day ago, so that a clock offset or skew does not make it "not yet valid".
    let not_before =
        Asn1Time::from_unix(time::OffsetDateTime::now_utc().unix_timestamp() - 86_400)?;
    builder.set_not_before(&not_before)?;
    let not_after = Asn1Time::days_from_now(30)?;
    builder.set_not_after(&not_after)?;
    Ok(builder)
}

fn rsa_key() -> Result<PKey<Private>, ErrorStack> {
    PKey::from_rsa(Rsa::generate(2048)?)
}

/// Generates the application's 2048-bit RSA key and a self-signed certificate for it.
pub(crate) fn application_key(common_name: &str) -> Result<KeyAndCertificate, Error> {
    let build = || -> Result<KeyAndCertificate, ErrorStack> {
        let key = rsa_key()?;
        let subject = name(common_name)?;
        let mut builder = new_builder(&subject, &key)?;
        builder.set_issuer_name(&subject)?;
        builder.sign(&key, MessageDigest::sha256())?;
        Ok(KeyAndCertificate {
            key,
            certificate: builder.build(),
        })
    };
    build().map_err(crypto("generate the application key"))
}

/// Generates a self-signed root certificate authority (`CA:TRUE`).
pub(crate) fn certificate_authority() -> Result<KeyAndCertificate, Error> {
    authority("aggcat sandbox test CA", None)
        .map_err(crypto("generate the TLS certificate authority"))
}

/// Generates an intermediate certificate authority (`CA:TRUE`, path length 0) signed by `root`.
pub(crate) fn intermediate_authority(root: &KeyAndCertificate) -> Result<KeyAndCertificate, Error> {
    authority("aggcat sandbox intermediate CA", Some(root)).map_err(crypto(
        "generate the TLS intermediate certificate authority",
    ))
}

fn authority(
    common_name: &str,
    issuer: Option<&KeyAndCertificate>,
) -> Result<KeyAndCertificate, ErrorStack> {
    let key = rsa_key()?;
    let subject = name(common_name)?;
    let mut builder = new_builder(&subject, &key)?;

    let mut constraints = BasicConstraints::new();
    constraints.critical().ca();
    match issuer {
        Some(issuer) => {
            builder.set_issuer_name(issuer.certificate.subject_name())?;
            constraints.pathlen(0);
        }
        None => builder.set_issuer_name(&subject)?,
    }
    builder.append_extension(constraints.build()?)?;
    builder.append_extension(
        KeyUsage::new()
            .critical()
            .key_cert_sign()
            .crl_sign()
            .build()?,
    )?;

    let issuer_certificate = issuer.map(|issuer| issuer.certificate.as_ref());
    let context = builder.x509v3_context(issuer_certificate, None);
    let key_id = SubjectKeyIdentifier::new().build(&context)?;
    let authority_key_id = issuer
        .map(|_| AuthorityKeyIdentifier::new().keyid(false).build(&context))
        .transpose()?;
    builder.append_extension(key_id)?;
    if let Some(authority_key_id) = authority_key_id {
        builder.append_extension(authority_key_id)?;
    }

    let signing_key = issuer.map_or(&key, |issuer| &issuer.key);
    builder.sign(signing_key, MessageDigest::sha256())?;
    Ok(KeyAndCertificate {
        key,
        certificate: builder.build(),
    })
}

/// Generates a server certificate signed by `authority` whose subjectAltName lists `names`
/// (IP addresses become `IP:` entries, the rest `DNS:`).
///
/// The common name is `wrong.invalid`, so a client passes only when it matches the
/// subjectAltName, as RFC 6125 requires.
pub(crate) fn leaf_certificate(
    authority: &KeyAndCertificate,
    names: &[String],
) -> Result<KeyAndCertificate, Error> {
    let build = || -> Result<KeyAndCertificate, ErrorStack> {
        let key = rsa_key()?;
        let subject = name("wrong.invalid")?;
        let mut builder = new_builder(&subject, &key)?;
        builder.set_issuer_name(authority.certificate.subject_name())?;
        builder.append_extension(BasicConstraints::new().build()?)?;
        builder.append_extension(
            KeyUsage::new()
                .critical()
                .digital_signature()
                .key_encipherment()
                .build()?,
        )?;
        builder.append_extension(ExtendedKeyUsage::new().server_auth().build()?)?;
        let mut alternative_names = SubjectAlternativeName::new();
        for entry in names {
            if entry.parse::<IpAddr>().is_ok() {
                alternative_names.ip(entry);
            } else {
                alternative_names.dns(entry);
            }
        }
        let context = builder.x509v3_context(Some(&authority.certificate), None);
        let alternative_names = alternative_names.build(&context)?;
        let authority_key_id = AuthorityKeyIdentifier::new().keyid(false).build(&context)?;
        builder.append_extension(alternative_names)?;
        builder.append_extension(authority_key_id)?;
        builder.sign(&authority.key, MessageDigest::sha256())?;
        Ok(KeyAndCertificate {
            key,
            certificate: builder.build(),
        })
    };
    build().map_err(crypto("generate the TLS server certificate"))
}

#[cfg(test)]
mod tests {
    use openssl::stack::Stack;
    use openssl::x509::store::X509StoreBuilder;
    use openssl::x509::X509StoreContext;

    use super::*;

    #[test]
    fn leaf_chains_to_authority_and_lists_names() {
        let authority = certificate_authority().unwrap();
        let names = vec!["127.0.0.1".to_string(), "localhost".to_string()];

        let leaf = leaf_certificate(&authority, &names).unwrap();

        let mut store = X509StoreBuilder::new().unwrap();
        store.add_cert(authority.certificate.clone()).unwrap();
        let store = store.build();
        let mut context = X509StoreContext::new().unwrap();
        let chain = Stack::new().unwrap();
        let verified = context
            .init(&store, &leaf.certificate, &chain, |context| {
                context.verify_cert()
            })
            .unwrap();
        assert!(verified);
        let alternative_names = leaf.certificate.subject_alt_names().unwrap();
        assert_eq!(alternative_names.len(), 2);
        assert_eq!(
            alternative_names.get(0).unwrap().ipaddress(),
            Some(&[127, 0, 0, 1][..])
        );
        assert_eq!(
            alternative_names.get(1).unwrap().dnsname(),
            Some("localhost")
        );
    }
}
