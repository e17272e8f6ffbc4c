//! OAuth 1.0a HMAC-SHA1 request signing (RFC 5849, section 3.4).
//!
//! XML bodies never enter the signature base string; every query parameter does.
//!
//! # Examples
//!
//! ```
//! use aggcat::oauth::OAuthSigner;
//!
//! let signer = OAuthSigner::new("consumer-key", "consumer-secret", "token", "token-secret");
//! let header = signer.authorization_header_at(
//!     "GET",
//!     "https://127.0.0.1:18443/v1/institutions?limit=10",
//!     "4e6f6e63654e6f6e63654e6f6e63650a",
//!     1_400_000_000,
//! )?;
//! assert!(header.starts_with("OAuth oauth_consumer_key=\"consumer-key\", "));
//! # Ok::<(), aggcat::Error>(())
//! ```

use std::fmt;

use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::sign::Signer;

use crate::error::{Error, Result};
use crate::secret::Secret;

/// Percent-encodes `value` as RFC 5849 section 3.6 requires.
///
/// Only the RFC 3986 unreserved characters (`A`–`Z`, `a`–`z`, `0`–`9`, `-`, `.`, `_`, `~`) stay
/// literal. Every other byte of the UTF-8 form becomes `%XX` with upper-case hex, so a space is
/// `%20` (never `+`) and `ü` is `%C3%BC`.
///
/// ```
/// assert_eq!(aggcat::oauth::percent_encode("a b+c*~"), "a%20b%2Bc%2A~");
/// ```
pub fn percent_encode(value: &str) -> String {
    percent_encode_bytes(value.as_bytes())
}

fn percent_encode_bytes(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut encoded = String::with_capacity(bytes.len());
    for &byte in bytes {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push('%');
            encoded.push(char::from(HEX[usize::from(byte >> 4)]));
            encoded.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
    }
    encoded
}

/// Decodes one name or value of a query string as it travels on the wire.
///
/// `%XX` sequences become bytes and `+` becomes a space, because RFC 5849 section 3.4.1.3.1
/// parses the query as `application/x-www-form-urlencoded`. A literal plus therefore has to be
/// sent as `%2B`, which is what [`percent_encode`] produces.
fn form_decode(component: &str) -> std::result::Result<Vec<u8>, String> {
    let bytes = component.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'+' => {
                decoded.push(b' ');
                index += 1;
            }
            b'%' => {
                let high = bytes
                    .get(index + 1)
                    .and_then(|b| char::from(*b).to_digit(16));
                let low = bytes
                    .get(index + 2)
                    .and_then(|b| char::from(*b).to_digit(16));
                let (Some(high), Some(low)) = (high, low) else {
                    return Err(format!(
                        "the query holds `%` at byte {index} without two hex digits after it; \
                         send a literal `%` as `%25`"
                    ));
                };
                // Both digits are below 16, so the byte fits.
                decoded.push((high * 16 + low) as u8);
                index += 3;
            }
            other => {
                decoded.push(other);
                index += 1;
            }
        }
    }
    Ok(decoded)
}

fn invalid_url(reason: impl Into<String>) -> Error {
    Error::InvalidInput {
        parameter: "url",
        reason: reason.into(),
    }
}

/// The parts of a request URL that the signature needs.
struct SplitUrl<'a> {
    scheme: &'a str,
    authority: &'a str,
    path: &'a str,
    query: Option<&'a str>,
}

fn split_url(url: &str) -> Result<SplitUrl<'_>> {
    let without_fragment = url.split_once('#').map_or(url, |(before, _)| before);
    let (scheme, rest) = without_fragment
        .split_once("://")
        .ok_or_else(|| invalid_url("expected an absolute URL such as `https://host/path`"))?;
    let (before_query, query) = match rest.split_once('?') {
        Some((before, query)) => (before, Some(query)),
        None => (rest, None),
    };
    let (authority, path) = match before_query.find('/') {
        Some(slash) => before_query.split_at(slash),
        None => (before_query, ""),
    };
    Ok(SplitUrl {
        scheme,
        authority,
        path,
        query,
    })
}

/// Builds the base string URI of RFC 5849 section 3.4.1.2 from a request URL.
///
/// Scheme and host become lower case, the path keeps its case and its encoding, the default
/// port (`:80` for `http`, `:443` for `https`) is dropped and any other port kept. Query and
/// fragment are left out, and an empty path becomes `/`.
///
/// ```
/// use aggcat::oauth::base_string_uri;
///
/// assert_eq!(
///     base_string_uri("HTTP://LocalHost:18443/Rest-War/v1?x=1")?,
///     "http://localhost:18443/Rest-War/v1"
/// );
/// # Ok::<(), aggcat::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::InvalidInput`] with parameter `url` when the URL is not an absolute `http` or
/// `https` URL with a host, carries user information, or has a port that is not a number.
pub fn base_string_uri(url: &str) -> Result<String> {
    let parts = split_url(url)?;

    let scheme = parts.scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "http" => "80",
        "https" => "443",
        _ => return Err(invalid_url("the scheme must be `http` or `https`")),
    };
    if parts.authority.contains('@') {
        return Err(invalid_url(
            "user information in the URL is not supported; remove the `user@` part",
        ));
    }

    // The port follows the last `:` unless that colon sits inside an IPv6 literal `[…]`.
    let (host, port) = match parts.authority.rfind(':') {
        Some(colon) if !parts.authority[colon..].contains(']') => {
            (&parts.authority[..colon], &parts.authority[colon + 1..])
        }
        _ => (parts.authority, ""),
    };
    if host.is_empty() {
        return Err(invalid_url("the URL has no host"));
    }
    if !port.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid_url(format!(
            "the port `{port}` is not a decimal number"
        )));
    }
    let port = port.trim_start_matches('0');

    let mut uri = format!("{scheme}://{}", host.to_ascii_lowercase());
    if !port.is_empty() && port != default_port {
        uri.push(':');
        uri.push_str(port);
    }
    uri.push_str(if parts.path.is_empty() {
        "/"
    } else {
        parts.path
    });
    Ok(uri)
}

/// Builds the signature base string of RFC 5849 section 3.4.1.
///
/// `url_with_query` is the URL exactly as it goes on the wire, with its query already
/// percent-encoded. Each query pair is decoded and joins `oauth_params` in the parameter list.
/// A `+` in the query decodes to a space, because RFC 5849 section 3.4.1.3.1 parses the query
/// as `application/x-www-form-urlencoded`, so a literal plus must be sent as `%2B` (as
/// [`percent_encode`] writes it). A query pair without `=` has an empty value. `oauth_signature` is left out wherever it appears and `realm` is left
/// out of `oauth_params`. The list is sorted by encoded name, then encoded value. The method is
/// upper-cased.
///
/// # Errors
///
/// [`Error::InvalidInput`] with parameter `url` when [`base_string_uri`] rejects the URL or the
/// query contains a `%` not followed by two hex digits.
pub fn signature_base_string(
    method: &str,
    url_with_query: &str,
    oauth_params: &[(String, String)],
) -> Result<String> {
    let uri = base_string_uri(url_with_query)?;
    let query = split_url(url_with_query)?.query.unwrap_or("");

    let mut pairs: Vec<(String, String)> = Vec::new();
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let name = percent_encode_bytes(&form_decode(name).map_err(invalid_url)?);
        let value = percent_encode_bytes(&form_decode(value).map_err(invalid_url)?);
        pairs.push((name, value));
    }
    for (name, value) in oauth_params {
        if name == "realm" {
            continue;
        }
        pairs.push((percent_encode(name), percent_encode(value)));
    }
    pairs.retain(|(name, _)| name != "oauth_signature");
    pairs.sort();

    let normalized = pairs
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join("&");

    Ok(format!(
        "{}&{}&{}",
        percent_encode(&method.to_ascii_uppercase()),
        percent_encode(&uri),
        percent_encode(&normalized)
    ))
}

/// Builds the HMAC-SHA1 key `encode(consumer_secret)&encode(token_secret)`.
///
/// The `&` is present even when the token secret is empty.
fn hmac_key(consumer_secret: &str, token_secret: &str) -> String {
    format!(
        "{}&{}",
        percent_encode(consumer_secret),
        percent_encode(token_secret)
    )
}

/// Signs `base_string` with HMAC-SHA1 (RFC 5849 section 3.4.2) and returns the standard base64
/// of the MAC.
///
/// The key is `percent_encode(consumer_secret) & percent_encode(token_secret)`, with the `&`
/// present even when `token_secret` is empty.
///
/// # Errors
///
/// [`Error::Crypto`] when openssl fails to compute the MAC.
pub fn hmac_sha1_signature(
    base_string: &str,
    consumer_secret: &str,
    token_secret: &str,
) -> Result<String> {
    let crypto = |source| Error::Crypto {
        operation: "compute the HMAC-SHA1 request signature",
        source,
    };
    let key = PKey::hmac(hmac_key(consumer_secret, token_secret).as_bytes()).map_err(crypto)?;
    let mut signer = Signer::new(MessageDigest::sha1(), &key).map_err(crypto)?;
    let mac = signer
        .sign_oneshot_to_vec(base_string.as_bytes())
        .map_err(crypto)?;
    Ok(openssl::base64::encode_block(&mac))
}

/// Signer of data calls with the consumer credentials and the token from the SAML exchange.
///
/// `Debug` shows only the consumer key.
#[derive(Clone)]
pub struct OAuthSigner {
    consumer_key: String,
    consumer_secret: Secret,
    token: Secret,
    token_secret: Secret,
}

impl OAuthSigner {
    /// Creates a signer from the consumer key and secret and an OAuth token and its secret.
    pub fn new(
        consumer_key: impl Into<String>,
        consumer_secret: impl Into<String>,
        token: impl Into<String>,
        token_secret: impl Into<String>,
    ) -> Self {
        OAuthSigner {
            consumer_key: consumer_key.into(),
            consumer_secret: Secret::new(consumer_secret),
            token: Secret::new(token),
            token_secret: Secret::new(token_secret),
        }
    }

    /// Builds the `Authorization` header value for one request, with a fresh nonce (16 random
    /// bytes as hex) and the current Unix time.
    ///
    /// `url_with_query` must be exactly the URL sent, query included.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when the URL is rejected (see [`signature_base_string`]), and
    /// [`Error::Crypto`] when openssl fails to produce random bytes or the MAC.
    pub fn authorization_header(&self, method: &str, url_with_query: &str) -> Result<String> {
        let mut random = [0u8; 16];
        openssl::rand::rand_bytes(&mut random).map_err(|source| Error::Crypto {
            operation: "generate the OAuth nonce",
            source,
        })?;
        let nonce: String = random.iter().map(|byte| format!("{byte:02x}")).collect();
        // A clock set before 1970 gives timestamp 0, which the server rejects visibly.
        let timestamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_secs());
        self.authorization_header_at(method, url_with_query, &nonce, timestamp)
    }

    /// Builds the `Authorization` header value with the given nonce and Unix timestamp
    /// (seconds).
    ///
    /// The header lists `oauth_consumer_key`, `oauth_nonce`, `oauth_signature`,
    /// `oauth_signature_method` (`HMAC-SHA1`), `oauth_timestamp`, `oauth_token` and
    /// `oauth_version` (`1.0`) in that order, each value percent-encoded and double-quoted.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when the URL is rejected (see [`signature_base_string`]), and
    /// [`Error::Crypto`] when openssl fails to compute the MAC.
    pub fn authorization_header_at(
        &self,
        method: &str,
        url_with_query: &str,
        nonce: &str,
        timestamp: u64,
    ) -> Result<String> {
        let mut params = vec![
            ("oauth_consumer_key".to_owned(), self.consumer_key.clone()),
            ("oauth_nonce".to_owned(), nonce.to_owned()),
            ("oauth_signature_method".to_owned(), "HMAC-SHA1".to_owned()),
            ("oauth_timestamp".to_owned(), timestamp.to_string()),
            ("oauth_token".to_owned(), self.token.expose().to_owned()),
            ("oauth_version".to_owned(), "1.0".to_owned()),
        ];
        let base_string = signature_base_string(method, url_with_query, &params)?;
        let signature = hmac_sha1_signature(
            &base_string,
            self.consumer_secret.expose(),
            self.token_secret.expose(),
        )?;
        params.insert(2, ("oauth_signature".to_owned(), signature));

        let fields = params
            .iter()
            .map(|(name, value)| format!("{name}=\"{}\"", percent_encode(value)))
            .collect::<Vec<_>>()
            .join(", ");
        Ok(format!("OAuth {fields}"))
    }
}

impl fmt::Debug for OAuthSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthSigner")
            .field("consumer_key", &self.consumer_key)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect()
    }

    #[test]
    fn percent_encode_follows_rfc_5849_table() {
        let cases = [
            ("a b", "a%20b"),
            ("*", "%2A"),
            ("~", "~"),
            ("+", "%2B"),
            ("Zürich", "Z%C3%BCrich"),
            ("-._", "-._"),
            ("!'()", "%21%27%28%29"),
            (
                "2014-01-01T00:00:00+05:30",
                "2014-01-01T00%3A00%3A00%2B05%3A30",
            ),
            ("a+b/c=", "a%2Bb%2Fc%3D"),
            ("%", "%25"),
            ("\u{7f}\n", "%7F%0A"),
            ("AZaz09", "AZaz09"),
            ("", ""),
        ];
        for (input, expected) in cases {
            assert_eq!(percent_encode(input), expected, "encoding {input:?}");
        }
    }

    #[test]
    fn percent_encode_uses_upper_case_hex() {
        assert_eq!(percent_encode("\u{ff}"), "%C3%BF");
        assert_eq!(percent_encode(":/?#[]@"), "%3A%2F%3F%23%5B%5D%40");
    }

    #[test]
    fn base_string_uri_lowercases_scheme_and_host() {
        assert_eq!(
            base_string_uri("HTTP://LocalHost:18443/Rest-War/v1").unwrap(),
            "http://localhost:18443/Rest-War/v1"
        );
    }

    #[test]
    fn base_string_uri_drops_default_ports() {
        assert_eq!(
            base_string_uri("https://127.0.0.1:443/v1").unwrap(),
            "https://127.0.0.1/v1"
        );
        assert_eq!(
            base_string_uri("http://example.com:80/r").unwrap(),
            "http://example.com/r"
        );
    }

    #[test]
    fn base_string_uri_keeps_other_ports() {
        assert_eq!(
            base_string_uri("http://example.com:443/r").unwrap(),
            "http://example.com:443/r"
        );
        assert_eq!(
            base_string_uri("https://example.com:80/r").unwrap(),
            "https://example.com:80/r"
        );
        assert_eq!(
            base_string_uri("http://[::1]:8080/v1").unwrap(),
            "http://[::1]:8080/v1"
        );
        assert_eq!(
            base_string_uri("http://[::1]/v1").unwrap(),
            "http://[::1]/v1"
        );
    }

    #[test]
    fn base_string_uri_drops_query_and_fragment() {
        assert_eq!(
            base_string_uri("https://Example.COM/A/b%2Fc?x=1&y=2#frag").unwrap(),
            "https://example.com/A/b%2Fc"
        );
        assert_eq!(
            base_string_uri("https://example.com?x=1").unwrap(),
            "https://example.com/"
        );
    }

    #[test]
    fn base_string_uri_rejects_bad_urls() {
        for url in [
            "ftp://example.com/",
            "example.com/v1",
            "https:///v1",
            "https://user@example.com/",
            "https://example.com:x1/",
        ] {
            let error = base_string_uri(url).unwrap_err();
            assert!(
                matches!(
                    error,
                    Error::InvalidInput {
                        parameter: "url",
                        ..
                    }
                ),
                "{url}: {error:?}"
            );
        }
    }

    #[test]
    fn hmac_key_encodes_both_secrets() {
        assert_eq!(
            hmac_key("cs+7/q=x&y%z", "ts/9+k=&w"),
            "cs%2B7%2Fq%3Dx%26y%25z&ts%2F9%2Bk%3D%26w"
        );
    }

    #[test]
    fn hmac_key_keeps_ampersand_without_token_secret() {
        assert_eq!(hmac_key("cs+7/q=x&y%z", ""), "cs%2B7%2Fq%3Dx%26y%25z&");
    }

    #[test]
    fn hmac_sha1_signature_uses_encoded_key() {
        // `openssl dgst -sha1 -hmac 'cs%2B7%2Fq%3Dx%26y%25z&ts%2F9%2Bk%3D%26w' -binary | base64`
        // over the bytes `GET&x&y` gives this value.
        let signature = hmac_sha1_signature("GET&x&y", "cs+7/q=x&y%z", "ts/9+k=&w").unwrap();

        assert_eq!(signature, "YUHl6ibUTU5IjsGWSp0DPldBYyM=");
    }

    /// RFC 5849 section 1.2: the photos.example.net request.
    #[test]
    fn rfc5849_photos_example_signature() {
        let oauth = params(&[
            ("oauth_consumer_key", "dpf43f3p2l4k3l03"),
            ("oauth_token", "nnch734d00sl2jdk"),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", "137131202"),
            ("oauth_nonce", "chapoH"),
        ]);
        let base = signature_base_string(
            "GET",
            "http://photos.example.net/photos?file=vacation.jpg&size=original",
            &oauth,
        )
        .unwrap();
        assert_eq!(
            base,
            "GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation.jpg%26\
             oauth_consumer_key%3Ddpf43f3p2l4k3l03%26oauth_nonce%3DchapoH%26\
             oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131202%26\
             oauth_token%3Dnnch734d00sl2jdk%26size%3Doriginal"
        );
        let signature = hmac_sha1_signature(&base, "kd94hf93k423kf44", "pfkkdhi9sl3r4s00").unwrap();
        assert_eq!(signature, "MdpQcU8iPSUjWoN/UDMsK2sui9I=");
    }

    /// RFC 5849 section 3.4.1.1, with the form body pairs `c2&a3=2+q` moved into the query,
    /// which gives the same parameter list because `+` decodes to a space.
    #[test]
    fn rfc5849_base_string_example() {
        let oauth = params(&[
            ("realm", "Example"),
            ("oauth_consumer_key", "9djdj82h48djs9d2"),
            ("oauth_token", "kkk9d7dh3k39sjv7"),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", "137131201"),
            ("oauth_nonce", "7d8f3e4a"),
            ("oauth_signature", "bYT5CMsGcbgUdFHObYMEfcx6bsw="),
        ]);
        let base = signature_base_string(
            "post",
            "http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b&c2&a3=2+q",
            &oauth,
        )
        .unwrap();
        assert_eq!(
            base,
            "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q\
             %26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_\
             key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_m\
             ethod%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk\
             9d7dh3k39sjv7"
        );
    }

    #[test]
    fn query_plus_decodes_to_space() {
        let plus = signature_base_string("GET", "http://h/p?q=a+b", &[]).unwrap();
        let space = signature_base_string("GET", "http://h/p?q=a%20b", &[]).unwrap();
        let literal_plus = signature_base_string("GET", "http://h/p?q=a%2Bb", &[]).unwrap();

        assert_eq!(plus, space);
        assert!(space.ends_with("&q%3Da%2520b"), "{space}");
        assert!(literal_plus.ends_with("&q%3Da%252Bb"), "{literal_plus}");
    }

    #[test]
    fn query_values_encoded_twice_in_base_string() {
        let base = signature_base_string(
            "GET",
            "http://h/p?txnStartDate=2014-01-01T00%3A00%3A00%2B05%3A30&n=a%2Bb%2Fc%3D",
            &[],
        )
        .unwrap();
        assert!(base.contains("%252B05%253A30"), "{base}");
        assert!(base.contains("n%3Da%252Bb%252Fc%253D"), "{base}");
    }

    #[test]
    fn query_oauth_signature_left_out() {
        let base =
            signature_base_string("GET", "http://h/p?oauth_signature=x&realm=r", &[]).unwrap();
        assert_eq!(base, "GET&http%3A%2F%2Fh%2Fp&realm%3Dr");
    }

    #[test]
    fn query_with_bad_percent_rejected() {
        for url in ["http://h/p?a=%zz", "http://h/p?a=%4", "http://h/p?a%"] {
            let error = signature_base_string("GET", url, &[]).unwrap_err();
            assert!(
                matches!(
                    error,
                    Error::InvalidInput {
                        parameter: "url",
                        ..
                    }
                ),
                "{url}"
            );
        }
    }

    #[test]
    fn query_sorted_by_name_then_value() {
        let base = signature_base_string("GET", "http://h/p?b=2&a=3&a=1&a1=0&a-b=9", &[]).unwrap();
        assert_eq!(
            base,
            "GET&http%3A%2F%2Fh%2Fp&a%3D1%26a%3D3%26a-b%3D9%26a1%3D0%26b%3D2"
        );
    }

    /// OAuth Core 1.0 appendix A.5: the same request with `oauth_version`.
    #[test]
    fn authorization_header_matches_oauth_core_example() {
        let signer = OAuthSigner::new(
            "dpf43f3p2l4k3l03",
            "kd94hf93k423kf44",
            "nnch734d00sl2jdk",
            "pfkkdhi9sl3r4s00",
        );
        let header = signer
            .authorization_header_at(
                "GET",
                "http://photos.example.net/photos?file=vacation.jpg&size=original",
                "kllo9940pd9333jh",
                1_191_242_096,
            )
            .unwrap();
        assert_eq!(
            header,
            "OAuth oauth_consumer_key=\"dpf43f3p2l4k3l03\", oauth_nonce=\"kllo9940pd9333jh\", \
             oauth_signature=\"tR3%2BTy81lMeYAr%2FFid0kMTYa%2FWM%3D\", \
             oauth_signature_method=\"HMAC-SHA1\", oauth_timestamp=\"1191242096\", \
             oauth_token=\"nnch734d00sl2jdk\", oauth_version=\"1.0\""
        );
    }

    #[test]
    fn authorization_header_encodes_values() {
        let signer = OAuthSigner::new("key /+", "cs", "tok=1", "ts");
        let header = signer
            .authorization_header_at("GET", "http://h/p", "a+b/c=", 1)
            .unwrap();
        assert!(
            header.contains("oauth_consumer_key=\"key%20%2F%2B\""),
            "{header}"
        );
        assert!(header.contains("oauth_nonce=\"a%2Bb%2Fc%3D\""), "{header}");
        assert!(header.contains("oauth_token=\"tok%3D1\""), "{header}");
    }

    #[test]
    fn authorization_header_nonce_is_fresh_hex() {
        let signer = OAuthSigner::new("ck", "cs", "tok", "ts");
        let first = signer.authorization_header("GET", "http://h/p").unwrap();
        let second = signer.authorization_header("GET", "http://h/p").unwrap();
        let nonce = |header: &str| {
            let start = header.find("oauth_nonce=\"").unwrap() + "oauth_nonce=\"".len();
            header[start..start + 33].to_owned()
        };

        let first_nonce = nonce(&first);
        assert_eq!(first_nonce.len(), 33);
        assert!(first_nonce.ends_with('"'), "{first_nonce}");
        assert!(first_nonce[..32]
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
        assert_ne!(first_nonce, nonce(&second));
    }

    #[test]
    fn signer_debug_hides_secrets() {
        let signer = OAuthSigner::new("ck-visible", "cs-SECRET-1", "tok-SECRET-2", "ts-SECRET-3");

        let printed = format!("{signer:?}");

        assert!(printed.contains("ck-visible"), "{printed}");
        assert!(!printed.contains("cs-SECRET-1"), "{printed}");
        assert!(!printed.contains("tok-SECRET-2"), "{printed}");
        assert!(!printed.contains("ts-SECRET-3"), "{printed}");
    }
}
