//! OAuth 1.0a HMAC-SHA1 verification (RFC 5849), written independently of the client's signer.

use openssl::hash::MessageDigest;
use openssl::memcmp;
use openssl::pkey::PKey;
use openssl::sign::Signer;

/// Percent-encodes per RFC 5849 section 3.6: only `A-Z a-z 0-9 - . _ ~` stay literal.
pub(crate) fn percent_encode(value: &str) -> String {
    let mut output = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            output.push(byte as char);
        } else {
            output.push_str(&format!("%{byte:02X}"));
        }
    }
    output
}

/// Decodes `%XX` escapes, and `+` as a space when `plus_is_space` (form encoding).
///
/// Returns `None` for a malformed escape or bytes that are not UTF-8.
pub(crate) fn percent_decode(value: &str, plus_is_space: bool) -> Option<String> {
    let bytes = value.as_bytes();
    let mut output = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'%' => {
                let hex = bytes.get(index + 1..index + 3)?;
                let hex = std::str::from_utf8(hex).ok()?;
                output.push(u8::from_str_radix(hex, 16).ok()?);
                index += 3;
            }
            b'+' if plus_is_space => {
                output.push(b' ');
                index += 1;
            }
            byte => {
                output.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8(output).ok()
}

/// Splits `a=1&b=2` and decodes each name and value as a form would.
///
/// Returns `None` when a name or value has a malformed escape.
pub(crate) fn parse_form(text: &str) -> Option<Vec<(String, String)>> {
    let mut pairs = Vec::new();
    for pair in text.split('&').filter(|pair| !pair.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        pairs.push((percent_decode(name, true)?, percent_decode(value, true)?));
    }
    Some(pairs)
}

/// Parses `OAuth k="v", k2="v2"` into decoded pairs; quotes are optional.
///
/// Returns `None` when the scheme is not `OAuth` or a value is malformed.
pub(crate) fn parse_authorization(header: &str) -> Option<Vec<(String, String)>> {
    let header = header.trim_start();
    let (scheme, rest) = header.split_at(header.find(char::is_whitespace).unwrap_or(header.len()));
    if !scheme.eq_ignore_ascii_case("OAuth") {
        return None;
    }
    let mut pairs = Vec::new();
    for item in rest.split(',') {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        let (name, value) = item.split_once('=')?;
        let value = value.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|inner| inner.strip_suffix('"'))
            .unwrap_or(value);
        pairs.push((
            percent_decode(name.trim(), false)?,
            percent_decode(value, false)?,
        ));
    }
    Some(pairs)
}

/// Builds the signature base string of RFC 5849 section 3.4.1.
///
/// `parameters` are decoded pairs: every query and form parameter, and the oauth parameters
/// other than `oauth_signature` and `realm`.
pub(crate) fn signature_base_string(
    method: &str,
    base_uri: &str,
    parameters: &[(String, String)],
) -> String {
    let mut encoded: Vec<(String, String)> = parameters
        .iter()
        .map(|(name, value)| (percent_encode(name), percent_encode(value)))
        .collect();
    encoded.sort();
    let normalized: Vec<String> = encoded
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect();
    format!(
        "{}&{}&{}",
        percent_encode(&method.to_ascii_uppercase()),
        percent_encode(base_uri),
        percent_encode(&normalized.join("&"))
    )
}

/// Computes base64(HMAC-SHA1(encode(consumer secret) & encode(token secret), base string)).
pub(crate) fn hmac_sha1(
    base_string: &str,
    consumer_secret: &str,
    token_secret: &str,
) -> Result<String, openssl::error::ErrorStack> {
    let key = format!(
        "{}&{}",
        percent_encode(consumer_secret),
        percent_encode(token_secret)
    );
    let key = PKey::hmac(key.as_bytes())?;
    let mut signer = Signer::new(MessageDigest::sha1(), &key)?;
    signer.update(base_string.as_bytes())?;
    Ok(openssl::base64::encode_block(&signer.sign_to_vec()?))
}

/// Compares a received base64 signature with the expected one in constant time.
pub(crate) fn signatures_match(expected: &str, received: &str) -> bool {
    expected.len() == received.len() && memcmp::eq(expected.as_bytes(), received.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect()
    }

    #[test]
    fn percent_encode_keeps_unreserved_only() {
        assert_eq!(percent_encode("abcXYZ019-._~"), "abcXYZ019-._~");
        assert_eq!(percent_encode("a b+c*"), "a%20b%2Bc%2A");
        assert_eq!(percent_encode("Zürich"), "Z%C3%BCrich");
        assert_eq!(percent_encode("!'()/=&%"), "%21%27%28%29%2F%3D%26%25");
    }

    #[test]
    fn percent_decode_rejects_malformed_escape() {
        assert_eq!(percent_decode("a%2", false), None);
        assert_eq!(percent_decode("a%zz", false), None);
        assert_eq!(percent_decode("%FF", false), None);
        assert_eq!(percent_decode("a+b%2B", true).as_deref(), Some("a b+"));
        assert_eq!(percent_decode("a+b", false).as_deref(), Some("a+b"));
    }

    #[test]
    fn authorization_header_parses_quoted_and_bare() {
        let parsed = parse_authorization(
            r#"OAuth realm="Photos", oauth_consumer_key="dpf43f3p2l4k3l03",oauth_nonce=abc%2Bd"#,
        )
        .unwrap();

        assert_eq!(
            parsed,
            pairs(&[
                ("realm", "Photos"),
                ("oauth_consumer_key", "dpf43f3p2l4k3l03"),
                ("oauth_nonce", "abc+d"),
            ])
        );
        assert!(parse_authorization("Basic dXNlcjpwdw==").is_none());
    }

    // RFC 5849 section 1.2: the photos.example.net request for the resource
    // `GET http://photos.example.net/photos?file=vacation.jpg&size=original`.
    #[test]
    fn rfc5849_worked_example_verifies() {
        let parameters = pairs(&[
            ("file", "vacation.jpg"),
            ("size", "original"),
            ("oauth_consumer_key", "dpf43f3p2l4k3l03"),
            ("oauth_token", "nnch734d00sl2jdk"),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", "137131202"),
            ("oauth_nonce", "chapoH"),
        ]);

        let base_string =
            signature_base_string("GET", "http://photos.example.net/photos", &parameters);
        let signature = hmac_sha1(&base_string, "kd94hf93k423kf44", "pfkkdhi9sl3r4s00").unwrap();

        assert_eq!(
            base_string,
            "GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation.jpg%26\
             oauth_consumer_key%3Ddpf43f3p2l4k3l03%26oauth_nonce%3DchapoH%26\
             oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131202%26\
             oauth_token%3Dnnch734d00sl2jdk%26size%3Doriginal"
        );
        assert_eq!(signature, "MdpQcU8iPSUjWoN/UDMsK2sui9I=");
    }

    // RFC 5849 section 3.4.1.1: the base string of the POST example with repeated and
    // encoded parameters.
    #[test]
    fn rfc5849_section_3_4_1_base_string() {
        let parameters = pairs(&[
            ("b5", "=%3D"),
            ("a3", "a"),
            ("c@", ""),
            ("a2", "r b"),
            ("oauth_consumer_key", "9djdj82h48djs9d2"),
            ("oauth_token", "kkk9d7dh3k39sjv7"),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", "137131201"),
            ("oauth_nonce", "7d8f3e4a"),
            ("c2", ""),
            ("a3", "2 q"),
        ]);

        let base_string = signature_base_string("POST", "http://example.com/request", &parameters);

        assert_eq!(
            base_string,
            "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q\
             %26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_\
             key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_m\
             ethod%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk\
             9d7dh3k39sjv7"
        );
    }

    #[test]
    fn hmac_key_encodes_both_secrets() {
        let plain = hmac_sha1("base", "cs+7/q=x&y%z", "ts/9+k=&w").unwrap();
        let pre_encoded = {
            let key = PKey::hmac(b"cs%2B7%2Fq%3Dx%26y%25z&ts%2F9%2Bk%3D%26w").unwrap();
            let mut signer = Signer::new(MessageDigest::sha1(), &key).unwrap();
            signer.update(b"base").unwrap();
            openssl::base64::encode_block(&signer.sign_to_vec().unwrap())
        };

        assert_eq!(plain, pre_encoded);
    }
}
