//! The signed SAML 2.0 assertion that is exchanged for an OAuth token.
//!
//! The assertion is written directly in its exclusive XML canonical form (no XML declaration,
//! double-quoted attributes in canonical order, the namespace declared on the root only,
//! explicit end tags, no whitespace between elements). The bytes that are hashed are therefore
//! the bytes that are sent, and no canonicaliser runs.

use std::fmt;

use openssl::sha::sha1;
use time::format_description::FormatItem;
use time::macros::format_description;
use time::{Duration, OffsetDateTime, UtcOffset};

use crate::error::{Error, Result};
use crate::key::PrivateKey;

const SAML_NAMESPACE: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
const DSIG_NAMESPACE: &str = "http://www.w3.org/2000/09/xmldsig#";

/// xs:dateTime in UTC with exactly three fraction digits, for example
/// `2014-02-08T09:17:39.123Z`. Digits past the millisecond are cut off, not rounded.
const INSTANT_FORMAT: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");

/// Builder of signed SAML 2.0 bearer assertions for one application and customer.
///
/// `Debug` shows the issuer, the customer id and the key size, never the key.
#[derive(Clone)]
pub struct Saml {
    private_key: PrivateKey,
    saml_identity_provider_id: String,
    customer_id: String,
}

impl Saml {
    /// Creates an assertion builder for `customer_id`, issued by `saml_identity_provider_id`.
    pub fn new(
        private_key: PrivateKey,
        saml_identity_provider_id: impl Into<String>,
        customer_id: impl Into<String>,
    ) -> Self {
        Saml {
            private_key,
            saml_identity_provider_id: saml_identity_provider_id.into(),
            customer_id: customer_id.into(),
        }
    }

    /// Builds a fresh signed assertion and returns it as one line of standard base64.
    ///
    /// Each call uses a new random `ID` and the current time.
    ///
    /// # Errors
    ///
    /// The errors of [`Saml::assertion_xml_at`], and [`Error::Crypto`] when openssl fails to
    /// produce random bytes.
    pub fn assertion(&self) -> Result<String> {
        let xml = self.assertion_xml()?;
        Ok(openssl::base64::encode_block(xml.as_bytes()))
    }

    /// Builds a fresh signed assertion and returns its XML.
    ///
    /// Each call uses a new random `ID` (`_` and 32 lowercase hex digits) and the current time.
    ///
    /// # Errors
    ///
    /// The errors of [`Saml::assertion_xml_at`], and [`Error::Crypto`] when openssl fails to
    /// produce random bytes.
    pub fn assertion_xml(&self) -> Result<String> {
        let mut random = [0u8; 16];
        openssl::rand::rand_bytes(&mut random).map_err(|source| Error::Crypto {
            operation: "generate the SAML assertion ID",
            source,
        })?;
        let id: String = std::iter::once('_'.to_string())
            .chain(random.iter().map(|byte| format!("{byte:02x}")))
            .collect();
        self.assertion_xml_at(&id, OffsetDateTime::now_utc())
    }

    /// Builds the signed assertion with the given `ID` and time, for reproducible output.
    ///
    /// `now` may carry any offset and is converted to UTC. IssueInstant and AuthnInstant are
    /// `now`, NotBefore is 5 minutes earlier and NotOnOrAfter 10 minutes later, all with
    /// millisecond precision.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when `id` is not an XML name (a letter or `_`, then letters,
    /// digits, `-`, `_` or `.`), when the issuer or customer id is empty or contains a character
    /// that XML 1.0 forbids, or when `now` is out of the range of `time`. [`Error::Crypto`]
    /// when signing fails.
    pub fn assertion_xml_at(&self, id: &str, now: OffsetDateTime) -> Result<String> {
        let unsigned = self.canonical_assertion(id, now)?;
        let digest = openssl::base64::encode_block(&sha1(unsigned.body.as_bytes()));

        let signed_info = canonical_signed_info(id, &digest);
        let signature = self.private_key.sign_rsa_sha1(signed_info.as_bytes())?;
        let signature = openssl::base64::encode_block(&signature);

        // Inside `ds:Signature` the `xmlns:ds` of SignedInfo is inherited, so it is not
        // repeated. Exclusive C14N renders it again on SignedInfo, giving the signed bytes.
        let signed_info_in_place = signed_info.replacen(
            &format!(r#"<ds:SignedInfo xmlns:ds="{DSIG_NAMESPACE}">"#),
            "<ds:SignedInfo>",
            1,
        );
        let signature_element = format!(
            r#"<ds:Signature xmlns:ds="{DSIG_NAMESPACE}">{signed_info_in_place}<ds:SignatureValue>{signature}</ds:SignatureValue></ds:Signature>"#
        );

        let mut xml = unsigned.body;
        xml.insert_str(unsigned.signature_position, &signature_element);
        Ok(xml)
    }

    /// Builds the canonical assertion without its Signature, and where the Signature goes.
    pub(crate) fn canonical_assertion(
        &self,
        id: &str,
        now: OffsetDateTime,
    ) -> Result<UnsignedAssertion> {
        check_id(id)?;
        check_text("saml_identity_provider_id", &self.saml_identity_provider_id)?;
        check_text("customer_id", &self.customer_id)?;

        let now = now.to_offset(UtcOffset::UTC);
        let out_of_range = || Error::InvalidInput {
            parameter: "now",
            reason: "the assertion validity window falls outside the supported dates".to_owned(),
        };
        let not_before = now
            .checked_sub(Duration::minutes(5))
            .ok_or_else(out_of_range)?;
        let not_on_or_after = now
            .checked_add(Duration::minutes(10))
            .ok_or_else(out_of_range)?;
        let instant = format_instant(now)?;
        let not_before = format_instant(not_before)?;
        let not_on_or_after = format_instant(not_on_or_after)?;

        let id = escape_attribute(id);
        let issuer = escape_text(&self.saml_identity_provider_id);
        let customer_id = escape_text(&self.customer_id);

        let head = format!(
            r#"<saml2:Assertion xmlns:saml2="{SAML_NAMESPACE}" ID="{id}" IssueInstant="{instant}" Version="2.0"><saml2:Issuer>{issuer}</saml2:Issuer>"#
        );
        let tail = format!(
            concat!(
                r#"<saml2:Subject>"#,
                r#"<saml2:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified">{customer_id}</saml2:NameID>"#,
                r#"<saml2:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"></saml2:SubjectConfirmation>"#,
                r#"</saml2:Subject>"#,
                r#"<saml2:Conditions NotBefore="{not_before}" NotOnOrAfter="{not_on_or_after}">"#,
                r#"<saml2:AudienceRestriction><saml2:Audience>{issuer}</saml2:Audience></saml2:AudienceRestriction>"#,
                r#"</saml2:Conditions>"#,
                r#"<saml2:AuthnStatement AuthnInstant="{instant}" SessionIndex="{id}">"#,
                r#"<saml2:AuthnContext><saml2:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified</saml2:AuthnContextClassRef></saml2:AuthnContext>"#,
                r#"</saml2:AuthnStatement>"#,
                r#"</saml2:Assertion>"#,
            ),
            customer_id = customer_id,
            not_before = not_before,
            not_on_or_after = not_on_or_after,
            issuer = issuer,
            instant = instant,
            id = id,
        );
        Ok(UnsignedAssertion {
            signature_position: head.len(),
            body: head + &tail,
        })
    }
}

/// The canonical assertion without Signature, which is what DigestValue covers.
pub(crate) struct UnsignedAssertion {
    /// The canonical bytes.
    pub(crate) body: String,
    /// The byte offset just after `</saml2:Issuer>`, where the Signature is inserted.
    pub(crate) signature_position: usize,
}

/// Builds the canonical standalone SignedInfo for a reference to `#id` with `digest`.
pub(crate) fn canonical_signed_info(id: &str, digest: &str) -> String {
    let uri = escape_attribute(&format!("#{id}"));
    format!(
        concat!(
            r#"<ds:SignedInfo xmlns:ds="{ns}">"#,
            r#"<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"></ds:CanonicalizationMethod>"#,
            r#"<ds:SignatureMethod Algorithm="http://www.w3.org/2000/09/xmldsig#rsa-sha1"></ds:SignatureMethod>"#,
            r#"<ds:Reference URI="{uri}">"#,
            r#"<ds:Transforms>"#,
            r#"<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"></ds:Transform>"#,
            r#"<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"></ds:Transform>"#,
            r#"</ds:Transforms>"#,
            r#"<ds:DigestMethod Algorithm="http://www.w3.org/2000/09/xmldsig#sha1"></ds:DigestMethod>"#,
            r#"<ds:DigestValue>{digest}</ds:DigestValue>"#,
            r#"</ds:Reference>"#,
            r#"</ds:SignedInfo>"#,
        ),
        ns = DSIG_NAMESPACE,
        uri = uri,
        digest = escape_text(digest),
    )
}

fn format_instant(instant: OffsetDateTime) -> Result<String> {
    instant
        .format(INSTANT_FORMAT)
        .map_err(|error| Error::InvalidInput {
            parameter: "now",
            reason: format!("the time cannot be written as xs:dateTime: {error}"),
        })
}

fn check_id(id: &str) -> Result<()> {
    let mut chars = id.chars();
    let valid_start = chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_');
    let valid_rest = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if valid_start && valid_rest {
        Ok(())
    } else {
        Err(Error::InvalidInput {
            parameter: "id",
            reason: format!(
                "{id:?} is not an XML ID; start with a letter or `_` and use only letters, \
                 digits, `-`, `_` and `.`"
            ),
        })
    }
}

/// Rejects values that cannot be XML 1.0 character data at all (empty or control characters).
fn check_text(parameter: &'static str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(Error::InvalidInput {
            parameter,
            reason: "the value is empty".to_owned(),
        });
    }
    let forbidden = value.chars().find(|&c| {
        matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}')
    });
    match forbidden {
        Some(c) => Err(Error::InvalidInput {
            parameter,
            reason: format!(
                "the value holds the character U+{:04X}, which XML 1.0 does not allow",
                u32::from(c)
            ),
        }),
        None => Ok(()),
    }
}

/// Escapes text content as exclusive C14N writes it: `&`, `<`, `>` and CR.
fn escape_text(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '\r' => escaped.push_str("&#xD;"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// Escapes an attribute value as exclusive C14N writes it: `&`, `<`, `"`, tab, LF and CR.
/// C14N leaves `>` literal in attributes.
fn escape_attribute(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '"' => escaped.push_str("&quot;"),
            '\t' => escaped.push_str("&#x9;"),
            '\n' => escaped.push_str("&#xA;"),
            '\r' => escaped.push_str("&#xD;"),
            other => escaped.push(other),
        }
    }
    escaped
}

impl fmt::Debug for Saml {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Saml")
            .field("saml_identity_provider_id", &self.saml_identity_provider_id)
            .field("customer_id", &self.customer_id)
            .field("private_key", &self.private_key)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;

    use openssl::rsa::Rsa;
    use time::macros::datetime;

    use super::*;

    const FIXTURE: &str =
        include_str!("../tests/fixtures/cheqbook-intuit_ids_aggcat/saml_assertion_expected.xml");
    const SIGNED_INFO_FIXTURE: &str =
        include_str!("../tests/fixtures/cheqbook-intuit_ids_aggcat/saml_signed_info_expected.xml");
    const FIXTURE_ID: &str = "_6bf0554689ee4ec18cf7e90c438cb147";

    fn key() -> PrivateKey {
        static KEY: OnceLock<PrivateKey> = OnceLock::new();
        KEY.get_or_init(|| {
            let pem = Rsa::generate(2048).unwrap().private_key_to_pem().unwrap();
            PrivateKey::from_pem(&pem, None).unwrap()
        })
        .clone()
    }

    /// Rewrites every `<name attrs/>` as `<name attrs></name>`.
    fn expand_empty_elements(xml: &str) -> String {
        let mut expanded = String::with_capacity(xml.len());
        let mut rest = xml;
        while let Some(end) = rest.find("/>") {
            let start = rest[..end].rfind('<').unwrap();
            let name = rest[start + 1..end].split(' ').next().unwrap();
            expanded.push_str(&rest[..end]);
            expanded.push_str(&format!("></{name}>"));
            rest = &rest[end + 2..];
        }
        expanded.push_str(rest);
        expanded
    }

    fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
        let from = text.find(start).unwrap() + start.len();
        let to = from + text[from..].find(end).unwrap();
        &text[from..to]
    }

    fn remove_signature(xml: &str) -> String {
        let start = xml.find("<ds:Signature").unwrap();
        let end = xml.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
        format!("{}{}", &xml[..start], &xml[end..])
    }

    #[test]
    fn fixture_canonical_form_matches() {
        let saml = Saml::new(key(), "rails_test_id", "test");
        let ours = saml
            .canonical_assertion(FIXTURE_ID, datetime!(2008-06-21 04:30:00 UTC))
            .unwrap();

        // The fixture starts with an XML declaration, ends with a newline and self-closes
        // SubjectConfirmation. Exclusive C14N drops the first two and expands the third.
        let declaration = r#"<?xml version="1.0" encoding="UTF-8"?>"#;
        assert!(FIXTURE.starts_with(declaration));
        assert!(FIXTURE.ends_with("</saml2:Assertion>\n"));
        let fixture_body = FIXTURE[declaration.len()..].trim_end_matches('\n');
        let fixture_canonical = expand_empty_elements(&remove_signature(fixture_body));

        assert_eq!(ours.body, fixture_canonical);
    }

    #[test]
    fn fixture_digest_value_matches() {
        let saml = Saml::new(key(), "rails_test_id", "test");
        let ours = saml
            .canonical_assertion(FIXTURE_ID, datetime!(2008-06-21 04:30:00 UTC))
            .unwrap();

        let digest = openssl::base64::encode_block(&sha1(ours.body.as_bytes()));

        assert_eq!(digest, "nzk4auzjFeqgAeWIKFAvtjxHKqc=");
        assert_eq!(
            digest,
            between(FIXTURE, "<ds:DigestValue>", "</ds:DigestValue>")
        );
    }

    #[test]
    fn fixture_signed_info_matches() {
        let ours = canonical_signed_info("123", "test");

        assert_eq!(ours, expand_empty_elements(SIGNED_INFO_FIXTURE.trim_end()));
    }

    #[test]
    fn fixture_assertion_signed_info_matches() {
        let in_place = between(FIXTURE, "<ds:SignedInfo>", "</ds:SignedInfo>");
        let fixture = format!(
            r#"<ds:SignedInfo xmlns:ds="{DSIG_NAMESPACE}">{}</ds:SignedInfo>"#,
            expand_empty_elements(in_place)
        );

        let ours = canonical_signed_info(FIXTURE_ID, "nzk4auzjFeqgAeWIKFAvtjxHKqc=");

        assert_eq!(ours, fixture);
    }

    #[test]
    fn signature_inserted_after_issuer() {
        let saml = Saml::new(key(), "issuer.example", "cust-1");
        let xml = saml
            .assertion_xml_at("_abc", datetime!(2014-02-08 09:17:39 UTC))
            .unwrap();

        let issuer_end = xml.find("</saml2:Issuer>").unwrap() + "</saml2:Issuer>".len();
        assert!(xml[issuer_end..].starts_with(&format!(
            r#"<ds:Signature xmlns:ds="{DSIG_NAMESPACE}"><ds:SignedInfo><ds:CanonicalizationMethod"#
        )));
        assert!(xml[issuer_end..].contains("</ds:Signature><saml2:Subject>"));
        assert!(!xml.contains("/>"), "{xml}");
        assert!(!xml.starts_with("<?xml"));
    }

    #[test]
    fn signature_value_verifies_over_signed_info() {
        let key = key();
        let saml = Saml::new(key.clone(), "issuer.example", "cust-1");
        let xml = saml
            .assertion_xml_at("_abc", datetime!(2014-02-08 09:17:39 UTC))
            .unwrap();
        let digest = between(&xml, "<ds:DigestValue>", "</ds:DigestValue>");
        let signature = between(&xml, "<ds:SignatureValue>", "</ds:SignatureValue>");

        let signed_info = canonical_signed_info("_abc", digest);
        let signature = openssl::base64::decode_block(signature).unwrap();
        let mut verifier =
            openssl::sign::Verifier::new(openssl::hash::MessageDigest::sha1(), &key.key).unwrap();

        assert!(verifier
            .verify_oneshot(&signature, signed_info.as_bytes())
            .unwrap());
    }

    #[test]
    fn instants_have_three_fraction_digits() {
        let saml = Saml::new(key(), "issuer.example", "cust-1");

        let whole = saml
            .assertion_xml_at("_a", datetime!(2014-02-08 09:17:39.000000 UTC))
            .unwrap();
        let fraction = saml
            .assertion_xml_at("_a", datetime!(2014-02-08 09:17:39.123456 UTC))
            .unwrap();

        assert!(whole.contains(r#"IssueInstant="2014-02-08T09:17:39.000Z""#));
        assert!(whole.contains(r#"AuthnInstant="2014-02-08T09:17:39.000Z""#));
        assert!(whole.contains(r#"NotBefore="2014-02-08T09:12:39.000Z""#));
        assert!(whole.contains(r#"NotOnOrAfter="2014-02-08T09:27:39.000Z""#));
        assert!(fraction.contains(r#"IssueInstant="2014-02-08T09:17:39.123Z""#));
        assert!(fraction.contains(r#"AuthnInstant="2014-02-08T09:17:39.123Z""#));
        assert!(fraction.contains(r#"NotBefore="2014-02-08T09:12:39.123Z""#));
        assert!(fraction.contains(r#"NotOnOrAfter="2014-02-08T09:27:39.123Z""#));
    }

    #[test]
    fn instants_converted_to_utc() {
        let saml = Saml::new(key(), "issuer.example", "cust-1");

        let xml = saml
            .assertion_xml_at("_a", datetime!(2014-02-08 02:17:39.5 -07:00))
            .unwrap();

        assert!(
            xml.contains(r#"IssueInstant="2014-02-08T09:17:39.500Z""#),
            "{xml}"
        );
    }

    #[test]
    fn values_escaped_for_c14n() {
        let saml = Saml::new(key(), "iss&<\">", "cust&<1>\r\"'\t\n");
        let unsigned = saml
            .canonical_assertion("_a", datetime!(2014-02-08 09:17:39 UTC))
            .unwrap();

        assert!(unsigned
            .body
            .contains("<saml2:Issuer>iss&amp;&lt;\"&gt;</saml2:Issuer>"));
        assert!(unsigned
            .body
            .contains(">cust&amp;&lt;1&gt;&#xD;\"'\t\n</saml2:NameID>"));
    }

    #[test]
    fn attribute_escape_follows_c14n() {
        assert_eq!(
            escape_attribute("a&<>\"\t\n\r'"),
            "a&amp;&lt;>&quot;&#x9;&#xA;&#xD;'"
        );
    }

    #[test]
    fn bad_values_rejected() {
        let now = datetime!(2014-02-08 09:17:39 UTC);
        let cases = [
            (
                "id",
                Saml::new(key(), "iss", "c").assertion_xml_at("1abc", now),
            ),
            (
                "id",
                Saml::new(key(), "iss", "c").assertion_xml_at("_a\"b", now),
            ),
            ("id", Saml::new(key(), "iss", "c").assertion_xml_at("", now)),
            (
                "customer_id",
                Saml::new(key(), "iss", "").assertion_xml_at("_a", now),
            ),
            (
                "customer_id",
                Saml::new(key(), "iss", "a\u{1}").assertion_xml_at("_a", now),
            ),
            (
                "saml_identity_provider_id",
                Saml::new(key(), "", "c").assertion_xml_at("_a", now),
            ),
        ];
        for (expected, result) in cases {
            match result {
                Err(Error::InvalidInput { parameter, .. }) => assert_eq!(parameter, expected),
                other => panic!("expected InvalidInput for {expected}, got {other:?}"),
            }
        }
    }

    #[test]
    fn fresh_id_and_one_line_base64() {
        let saml = Saml::new(key(), "issuer.example", "cust-1");

        let first = saml.assertion_xml().unwrap();
        let second = saml.assertion_xml().unwrap();
        let encoded = saml.assertion().unwrap();

        let id = between(&first, r#" ID=""#, "\"");
        assert_eq!(id.len(), 33);
        assert!(id.starts_with('_'));
        assert!(id[1..]
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
        assert_ne!(id, between(&second, r#" ID=""#, "\""));
        assert_eq!(between(&first, r#"SessionIndex=""#, "\""), id);
        assert!(!encoded.contains('\n'));
        assert!(!encoded.contains('\r'));
        let decoded = openssl::base64::decode_block(&encoded).unwrap();
        assert!(String::from_utf8(decoded)
            .unwrap()
            .starts_with("<saml2:Assertion "));
    }

    #[test]
    fn saml_debug_hides_key() {
        let saml = Saml::new(key(), "issuer.example", "cust-1");

        let printed = format!("{saml:?}");

        assert_eq!(
            printed,
            "Saml { saml_identity_provider_id: \"issuer.example\", customer_id: \"cust-1\", \
             private_key: PrivateKey { bits: 2048, .. } }"
        );
    }
}
