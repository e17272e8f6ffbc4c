//! Verification of the SAML 2.0 bearer assertion sent to the token endpoint: base64, XML-DSig
//! enveloped signature (exclusive c14n, SHA-1 digest, RSA-SHA1), issuer, audience and times.

use openssl::hash::{hash, MessageDigest};
use openssl::pkey::{PKey, Public};
use openssl::sign::Verifier;
use roxmltree::{Document, Node};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use super::c14n::canonicalize;

const SAML_NAMESPACE: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
const DSIG_NAMESPACE: &str = "http://www.w3.org/2000/09/xmldsig#";
const EXCLUSIVE_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
const RSA_SHA1: &str = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
const ENVELOPED_SIGNATURE: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
const SHA1: &str = "http://www.w3.org/2000/09/xmldsig#sha1";

/// Reason an assertion was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Rejection {
    /// Malformed input: HTTP 400 with this plain-text reason.
    Malformed(String),
    /// A well-formed but unacceptable assertion: HTTP 401 with this `oauth_problem`.
    Problem(&'static str),
}

/// Expected values and clock the assertion is checked against.
pub(crate) struct AssertionPolicy<'a> {
    pub identity_provider_id: &'a str,
    pub public_key: &'a PKey<Public>,
    pub now: OffsetDateTime,
    pub skew: Duration,
    pub lenient_digest: bool,
    pub strict_instants: bool,
}

/// Decodes the `saml_assertion` field.
///
/// Strict mode takes one line of standard base64 with canonical padding, nothing else. Lenient
/// mode also takes what real clients sent: line breaks, the URL-safe alphabet, missing padding.
pub(crate) fn decode_base64(text: &str, lenient: bool) -> Result<Vec<u8>, Rejection> {
    if !lenient {
        return decode_strict(text.as_bytes()).ok_or_else(|| {
            Rejection::Malformed(
                "saml_assertion is not one line of standard base64 with canonical padding"
                    .to_string(),
            )
        });
    }
    let mut normalized: Vec<u8> = text
        .bytes()
        .filter(|byte| !byte.is_ascii_whitespace())
        .map(|byte| match byte {
            b'-' => b'+',
            b'_' => b'/',
            other => other,
        })
        .collect();
    while !normalized.len().is_multiple_of(4) {
        normalized.push(b'=');
    }
    decode_strict(&normalized)
        .ok_or_else(|| Rejection::Malformed("saml_assertion is not base64".to_string()))
}

fn base64_value(byte: u8) -> Option<u32> {
    let value = match byte {
        b'A'..=b'Z' => byte - b'A',
        b'a'..=b'z' => byte - b'a' + 26,
        b'0'..=b'9' => byte - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    };
    Some(u32::from(value))
}

/// Decodes standard base64, rejecting whitespace, misplaced padding and non-zero unused bits.
fn decode_strict(input: &[u8]) -> Option<Vec<u8>> {
    if input.is_empty() || !input.len().is_multiple_of(4) {
        return None;
    }
    let mut output = Vec::with_capacity(input.len() / 4 * 3);
    let last = input.len() / 4 - 1;
    for (index, chunk) in input.chunks(4).enumerate() {
        let padding = chunk.iter().rev().take_while(|byte| **byte == b'=').count();
        if padding > 2 || (padding > 0 && index != last) {
            return None;
        }
        let mut group = 0u32;
        for byte in &chunk[..4 - padding] {
            group = (group << 6) | base64_value(*byte)?;
        }
        group <<= 6 * padding as u32;
        let bytes = group.to_be_bytes();
        match padding {
            0 => output.extend_from_slice(&bytes[1..4]),
            1 if bytes[3] == 0 => output.extend_from_slice(&bytes[1..3]),
            2 if bytes[2] == 0 && bytes[3] == 0 => output.push(bytes[1]),
            _ => return None,
        }
    }
    Some(output)
}

/// Decodes a base64 value inside the XML, where line breaks are allowed.
fn decode_xml_base64(text: &str) -> Option<Vec<u8>> {
    let compact: Vec<u8> = text
        .bytes()
        .filter(|byte| !byte.is_ascii_whitespace())
        .collect();
    decode_strict(&compact)
}

fn malformed(reason: impl Into<String>) -> Rejection {
    Rejection::Malformed(reason.into())
}

fn child<'a, 'input>(
    parent: Node<'a, 'input>,
    namespace: &str,
    name: &str,
) -> Option<Node<'a, 'input>> {
    parent
        .children()
        .find(|node| node.is_element() && node.has_tag_name((namespace, name)))
}

fn algorithm<'a>(node: Option<Node<'a, '_>>) -> Option<&'a str> {
    node?.attribute("Algorithm")
}

/// Verifies the decoded assertion and returns its NameID (the customer id).
pub(crate) fn verify_assertion(
    decoded: &[u8],
    policy: &AssertionPolicy<'_>,
) -> Result<String, Rejection> {
    let xml = std::str::from_utf8(decoded)
        .map_err(|_| malformed("the decoded assertion is not UTF-8"))?;
    let document = Document::parse(xml).map_err(|error| {
        malformed(format!(
            "the decoded assertion is not well-formed XML: {error}"
        ))
    })?;
    let assertion = document.root_element();
    if !assertion.has_tag_name((SAML_NAMESPACE, "Assertion")) {
        return Err(malformed(format!(
            "the root element must be Assertion in namespace {SAML_NAMESPACE}"
        )));
    }
    let id = assertion
        .attribute("ID")
        .ok_or_else(|| malformed("the Assertion has no ID attribute"))?;

    check_instant_shapes(assertion, policy.strict_instants)?;
    verify_signature(&document, assertion, id, policy)?;
    check_issuer_and_audience(assertion, policy.identity_provider_id)?;
    check_conditions(assertion, policy)?;

    let name_id = child(assertion, SAML_NAMESPACE, "Subject")
        .and_then(|subject| child(subject, SAML_NAMESPACE, "NameID"))
        .and_then(|name_id| name_id.text())
        .unwrap_or("");
    if name_id.is_empty() {
        return Err(Rejection::Problem("parameter_absent"));
    }
    Ok(name_id.to_string())
}

fn verify_signature(
    document: &Document<'_>,
    assertion: Node<'_, '_>,
    id: &str,
    policy: &AssertionPolicy<'_>,
) -> Result<(), Rejection> {
    let signature = child(assertion, DSIG_NAMESPACE, "Signature")
        .ok_or(Rejection::Problem("signature_invalid"))?;
    let signed_info = child(signature, DSIG_NAMESPACE, "SignedInfo")
        .ok_or(Rejection::Problem("signature_invalid"))?;

    let canonicalization = algorithm(child(signed_info, DSIG_NAMESPACE, "CanonicalizationMethod"));
    let signature_method = algorithm(child(signed_info, DSIG_NAMESPACE, "SignatureMethod"));
    if canonicalization != Some(EXCLUSIVE_C14N) || signature_method != Some(RSA_SHA1) {
        return Err(Rejection::Problem("signature_method_rejected"));
    }

    let references: Vec<Node<'_, '_>> = signed_info
        .children()
        .filter(|node| node.has_tag_name((DSIG_NAMESPACE, "Reference")))
        .collect();
    let [reference] = references[..] else {
        return Err(Rejection::Problem("signature_invalid"));
    };
    if reference.attribute("URI") != Some(format!("#{id}").as_str()) {
        return Err(Rejection::Problem("signature_invalid"));
    }
    // A second element carrying the same ID could make the reference point elsewhere.
    let same_id = document
        .descendants()
        .filter(|node| node.attribute("ID") == Some(id))
        .count();
    if same_id != 1 {
        return Err(Rejection::Problem("signature_invalid"));
    }

    let transforms: Vec<Option<&str>> = child(reference, DSIG_NAMESPACE, "Transforms")
        .map(|transforms| {
            transforms
                .children()
                .filter(|node| node.has_tag_name((DSIG_NAMESPACE, "Transform")))
                .map(|node| node.attribute("Algorithm"))
                .collect()
        })
        .unwrap_or_default();
    let digest_method = algorithm(child(reference, DSIG_NAMESPACE, "DigestMethod"));
    if transforms != [Some(ENVELOPED_SIGNATURE), Some(EXCLUSIVE_C14N)]
        || digest_method != Some(SHA1)
    {
        return Err(Rejection::Problem("signature_method_rejected"));
    }

    if !policy.lenient_digest {
        let expected = child(reference, DSIG_NAMESPACE, "DigestValue")
            .and_then(|node| node.text())
            .and_then(decode_xml_base64)
            .ok_or(Rejection::Problem("signature_invalid"))?;
        let canonical = canonicalize(assertion, Some(signature.id()));
        let digest = hash(MessageDigest::sha1(), canonical.as_bytes())
            .map_err(|_| Rejection::Problem("signature_invalid"))?;
        if digest.as_ref() != expected.as_slice() {
            return Err(Rejection::Problem("signature_invalid"));
        }
    }

    let signature_value = child(signature, DSIG_NAMESPACE, "SignatureValue")
        .and_then(|node| node.text())
        .and_then(decode_xml_base64)
        .ok_or(Rejection::Problem("signature_invalid"))?;
    let canonical_signed_info = canonicalize(signed_info, None);
    let verified = Verifier::new(MessageDigest::sha1(), policy.public_key)
        .and_then(|mut verifier| {
            verifier.update(canonical_signed_info.as_bytes())?;
            verifier.verify(&signature_value)
        })
        .unwrap_or(false);
    if !verified {
        return Err(Rejection::Problem("signature_invalid"));
    }
    Ok(())
}

fn check_issuer_and_audience(assertion: Node<'_, '_>, provider_id: &str) -> Result<(), Rejection> {
    let issuer = child(assertion, SAML_NAMESPACE, "Issuer").and_then(|node| node.text());
    if issuer != Some(provider_id) {
        return Err(Rejection::Problem("parameter_rejected"));
    }
    let audience_matches = child(assertion, SAML_NAMESPACE, "Conditions")
        .into_iter()
        .flat_map(|conditions| conditions.children())
        .filter(|node| node.has_tag_name((SAML_NAMESPACE, "AudienceRestriction")))
        .flat_map(|restriction| restriction.children())
        .filter(|node| node.has_tag_name((SAML_NAMESPACE, "Audience")))
        .any(|audience| audience.text() == Some(provider_id));
    if !audience_matches {
        return Err(Rejection::Problem("parameter_rejected"));
    }
    Ok(())
}

fn check_conditions(
    assertion: Node<'_, '_>,
    policy: &AssertionPolicy<'_>,
) -> Result<(), Rejection> {
    let conditions = child(assertion, SAML_NAMESPACE, "Conditions")
        .ok_or_else(|| malformed("the Assertion has no Conditions element"))?;
    let not_before = conditions
        .attribute("NotBefore")
        .ok_or_else(|| malformed("Conditions has no NotBefore attribute"))?;
    let not_on_or_after = conditions
        .attribute("NotOnOrAfter")
        .ok_or_else(|| malformed("Conditions has no NotOnOrAfter attribute"))?;
    let not_before =
        parse_date_time(not_before).ok_or_else(|| malformed("NotBefore is not an xs:dateTime"))?;
    let not_on_or_after = parse_date_time(not_on_or_after)
        .ok_or_else(|| malformed("NotOnOrAfter is not an xs:dateTime"))?;

    if not_before - policy.skew > policy.now || policy.now >= not_on_or_after + policy.skew {
        return Err(Rejection::Problem("timestamp_refused"));
    }
    Ok(())
}

/// Rejects, in strict mode, instants that are not UTC with exactly three fraction digits, the
/// shape every strict parser agrees on (`2014-02-08T09:17:39.000Z`).
fn check_instant_shapes(assertion: Node<'_, '_>, strict: bool) -> Result<(), Rejection> {
    let conditions = child(assertion, SAML_NAMESPACE, "Conditions");
    let authn_statement = child(assertion, SAML_NAMESPACE, "AuthnStatement");
    let instants = [
        ("IssueInstant", Some(assertion)),
        ("NotBefore", conditions),
        ("NotOnOrAfter", conditions),
        ("AuthnInstant", authn_statement),
    ];
    for (attribute, element) in instants {
        let Some(value) = element.and_then(|element| element.attribute(attribute)) else {
            continue;
        };
        let parsed = parse_date_time(value);
        if parsed.is_none() {
            return Err(malformed(format!(
                "{attribute} {value:?} is not an xs:dateTime"
            )));
        }
        if strict && !is_utc_milliseconds(value) {
            return Err(malformed(format!(
                "{attribute} {value:?} must be UTC with three fraction digits, \
                 like 2014-02-08T09:17:39.000Z"
            )));
        }
    }
    Ok(())
}

fn is_utc_milliseconds(value: &str) -> bool {
    let pattern = b"dddd-dd-ddTdd:dd:dd.dddZ";
    value.len() == pattern.len()
        && value
            .bytes()
            .zip(pattern)
            .all(|(byte, expected)| match expected {
                b'd' => byte.is_ascii_digit(),
                other => byte == *other,
            })
}

/// Parses an `xs:dateTime`; a value without a time zone is taken as UTC.
pub(crate) fn parse_date_time(value: &str) -> Option<OffsetDateTime> {
    let has_zone = value.ends_with('Z')
        || value
            .get(19..)
            .is_some_and(|tail| tail.contains('+') || tail.contains('-'));
    if has_zone {
        OffsetDateTime::parse(value, &Rfc3339).ok()
    } else {
        OffsetDateTime::parse(&format!("{value}Z"), &Rfc3339).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURE: &str =
        include_str!("../../tests/fixtures/cheqbook-intuit_ids_aggcat/saml_assertion_expected.xml");
    const SIGNED_INFO_FIXTURE: &str = include_str!(
        "../../tests/fixtures/cheqbook-intuit_ids_aggcat/saml_signed_info_expected.xml"
    );

    #[test]
    fn fixture_digest_matches_known_value() {
        let document = Document::parse(FIXTURE).unwrap();
        let assertion = document.root_element();
        let signature = child(assertion, DSIG_NAMESPACE, "Signature").unwrap();

        let canonical = canonicalize(assertion, Some(signature.id()));
        let digest = hash(MessageDigest::sha1(), canonical.as_bytes()).unwrap();

        assert_eq!(
            openssl::base64::encode_block(&digest),
            "nzk4auzjFeqgAeWIKFAvtjxHKqc="
        );
        assert!(canonical.starts_with("<saml2:Assertion xmlns:saml2="));
        assert!(canonical.contains("<saml2:SubjectConfirmation Method=\"urn:oasis:names:tc:SAML:2.0:cm:bearer\"></saml2:SubjectConfirmation>"));
    }

    #[test]
    fn fixture_signed_info_canonical_form() {
        let document = Document::parse(FIXTURE).unwrap();
        let signature = child(document.root_element(), DSIG_NAMESPACE, "Signature").unwrap();
        let signed_info = child(signature, DSIG_NAMESPACE, "SignedInfo").unwrap();
        let expected_document = Document::parse(SIGNED_INFO_FIXTURE.trim_end()).unwrap();

        let canonical = canonicalize(signed_info, None)
            .replace("#_6bf0554689ee4ec18cf7e90c438cb147", "#123")
            .replace("nzk4auzjFeqgAeWIKFAvtjxHKqc=", "test");
        let expected = canonicalize(expected_document.root_element(), None);

        assert_eq!(canonical, expected);
        assert!(expected.contains("<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"></ds:CanonicalizationMethod>"));
        assert!(
            expected.starts_with("<ds:SignedInfo xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">")
        );
    }

    fn check(xml: &str) -> Result<String, Rejection> {
        let key = openssl::rsa::Rsa::generate(1024).unwrap();
        let public_key = PKey::public_key_from_pem(&key.public_key_to_pem().unwrap()).unwrap();
        let policy = AssertionPolicy {
            identity_provider_id: "rails_test_id",
            public_key: &public_key,
            now: parse_date_time("2008-06-21T04:30:00.000Z").unwrap(),
            skew: Duration::minutes(5),
            lenient_digest: false,
            strict_instants: true,
        };
        verify_assertion(xml.as_bytes(), &policy)
    }

    #[test]
    fn fixture_rejected_with_other_key() {
        assert_eq!(check(FIXTURE), Err(Rejection::Problem("signature_invalid")));
    }

    #[test]
    fn malformed_documents_rejected_as_400() {
        let cases = [
            ("not XML", "<saml2:Assertion".to_string()),
            ("wrong root", "<Assertion/>".to_string()),
            (
                "document type declaration",
                format!(
                    "<!DOCTYPE a [<!ENTITY e \"x\">]>{}",
                    FIXTURE.trim_start_matches("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
                ),
            ),
            (
                "instant without fraction",
                FIXTURE.replace("2008-06-21T04:30:00.000Z", "2008-06-21T04:30:00Z"),
            ),
        ];

        for (case, xml) in cases {
            assert!(
                matches!(check(&xml), Err(Rejection::Malformed(_))),
                "{case}: {:?}",
                check(&xml)
            );
        }
    }

    #[test]
    fn wrapped_reference_rejected() {
        let duplicate_id = FIXTURE.replace(
            "<saml2:Subject>",
            "<saml2:Subject ID=\"_6bf0554689ee4ec18cf7e90c438cb147\">",
        );
        let other_reference = FIXTURE.replace("URI=\"#_6bf", "URI=\"#_7bf");
        let sha256 = FIXTURE.replace("xmldsig#sha1", "xmlenc#sha256");

        assert_eq!(
            check(&duplicate_id),
            Err(Rejection::Problem("signature_invalid"))
        );
        assert_eq!(
            check(&other_reference),
            Err(Rejection::Problem("signature_invalid"))
        );
        assert_eq!(
            check(&sha256),
            Err(Rejection::Problem("signature_method_rejected"))
        );
    }

    #[test]
    fn strict_base64_rejects_variants() {
        assert_eq!(decode_base64("aGk=", false).unwrap(), b"hi");
        assert!(decode_base64("aGk", false).is_err());
        assert!(decode_base64("aG\nk=", false).is_err());
        assert!(decode_base64("aGl=", false).is_err());
        assert!(decode_base64("a-_=", false).is_err());
        assert!(decode_base64("", false).is_err());
    }

    #[test]
    fn lenient_base64_accepts_client_variants() {
        assert_eq!(decode_base64("aGk", true).unwrap(), b"hi");
        assert_eq!(decode_base64("aG\nk=\n", true).unwrap(), b"hi");
        assert_eq!(decode_base64("-_8=", true).unwrap(), [0xfb, 0xff]);
    }

    #[test]
    fn instant_shape_check() {
        assert!(is_utc_milliseconds("2014-02-08T09:17:39.000Z"));
        assert!(!is_utc_milliseconds("2014-02-08T09:17:39Z"));
        assert!(!is_utc_milliseconds("2014-02-08T09:17:39.123456Z"));
        assert!(!is_utc_milliseconds("2014-02-08T09:17:39.000+00:00"));
    }

    #[test]
    fn date_time_accepts_any_xs_shape() {
        let expected = parse_date_time("2014-02-08T09:17:39Z").unwrap();

        assert_eq!(parse_date_time("2014-02-08T09:17:39.000Z"), Some(expected));
        assert_eq!(parse_date_time("2014-02-08T02:17:39-07:00"), Some(expected));
        assert_eq!(parse_date_time("2014-02-08T09:17:39"), Some(expected));
        assert!(parse_date_time("2014-02-30T09:17:39Z").is_none());
    }
}
