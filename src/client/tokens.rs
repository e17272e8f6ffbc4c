//! The SAML-to-OAuth token exchange and the shared token cache.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::error::{AuthenticationError, AuthenticationErrorKind, Error, Result};
use crate::oauth::percent_encode;
use crate::response::header_value;
use crate::secret::Secret;

use super::transport::{read_body, strip_query, transport_error};
use super::Inner;

/// Age after which a token is renewed before use. Tokens issued by SAML live one hour.
const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(50 * 60);

/// Time subtracted from an `oauth_expires_in` lifetime, so a token is renewed before it expires.
const EXPIRY_MARGIN: Duration = Duration::from_secs(5 * 60);

/// An OAuth access token and its secret, issued for the client's customer.
#[derive(Debug)]
pub(crate) struct Token {
    pub(crate) token: Secret,
    pub(crate) secret: Secret,
    /// Counter value of this token; a later token has a larger one.
    pub(crate) generation: u64,
    obtained: Instant,
    renew_after: Duration,
}

impl Token {
    fn is_fresh(&self) -> bool {
        self.obtained.elapsed() < self.renew_after
    }
}

/// The token cache that every clone of a client shares.
#[derive(Debug, Default)]
pub(crate) struct TokenCache {
    state: Mutex<TokenState>,
}

#[derive(Debug, Default)]
struct TokenState {
    current: Option<Arc<Token>>,
    generation: u64,
}

impl TokenCache {
    fn lock(&self) -> MutexGuard<'_, TokenState> {
        // A panic in another thread cannot leave the state half-written: it is replaced whole.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Inner {
    /// Returns the cached token, or fetches a new one when there is none or it is too old.
    ///
    /// The lock is held during the exchange, so threads that need a token at the same time
    /// wait for one exchange and share its result.
    pub(crate) fn current_token(&self) -> Result<Arc<Token>> {
        let mut state = self.tokens.lock();
        if let Some(token) = &state.current {
            if token.is_fresh() {
                return Ok(Arc::clone(token));
            }
            log::info!("renewing the OAuth token before it expires");
        }
        self.replace_token(&mut state)
    }

    /// Fetches a new token after the service rejected the token of generation `rejected`.
    ///
    /// When another thread already replaced that token, its replacement is returned and no
    /// exchange happens.
    pub(crate) fn renew_rejected_token(&self, rejected: u64) -> Result<Arc<Token>> {
        let mut state = self.tokens.lock();
        if let Some(token) = &state.current {
            if token.generation != rejected {
                return Ok(Arc::clone(token));
            }
        }
        log::info!("the service rejected the OAuth token; fetching a new one");
        self.replace_token(&mut state)
    }

    /// Returns the cached token without fetching one.
    pub(crate) fn peek_token(&self) -> Option<Arc<Token>> {
        self.tokens.lock().current.clone()
    }

    /// Forces a token exchange now.
    pub(crate) fn force_new_token(&self) -> Result<()> {
        let mut state = self.tokens.lock();
        self.replace_token(&mut state).map(drop)
    }

    fn replace_token(&self, state: &mut TokenState) -> Result<Arc<Token>> {
        let reply = self.exchange_assertion()?;
        state.generation += 1;
        let renew_after = reply.expires_in.map_or(DEFAULT_TOKEN_LIFETIME, renewal_age);
        let token = Arc::new(Token {
            token: reply.token,
            secret: reply.secret,
            generation: state.generation,
            obtained: Instant::now(),
            renew_after,
        });
        state.current = Some(Arc::clone(&token));
        Ok(token)
    }

    /// Exchanges a fresh SAML assertion for an OAuth token at the token URL.
    fn exchange_assertion(&self) -> Result<TokenReply> {
        let assertion = Secret::new(self.saml.assertion()?);
        let form = format!("saml_assertion={}", percent_encode(assertion.expose()));
        let authorization = format!(
            "OAuth oauth_consumer_key=\"{}\"",
            percent_encode(&self.consumer_key)
        );
        let url = strip_query(&self.saml_url).to_owned();
        let started = Instant::now();

        let mut response = self
            .agent
            .post(&self.saml_url)
            .header("Authorization", &authorization)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Accept", "text/plain")
            .send(form.as_bytes())
            .map_err(|source| transport_error("POST", &url, source))?;
        let status = response.status().as_u16();
        let www_authenticate: Vec<String> = response
            .headers()
            .get_all("www-authenticate")
            .iter()
            .filter_map(|value| value.to_str().ok().map(str::to_owned))
            .collect();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let body = read_body(&mut response, self.max_response_size, None, "POST", &url)?;

        log::info!(
            "token exchange: POST {url} returned {status} in {} ms",
            started.elapsed().as_millis()
        );
        let reply = parse_token_reply(status, content_type.as_deref(), &www_authenticate, &body);
        reply.map_err(|problem| {
            Error::Authentication(Box::new(AuthenticationError {
                kind: AuthenticationErrorKind::TokenExchange,
                status: Some(status),
                oauth_problem: problem,
                url,
            }))
        })
    }
}

/// Returns the age at which a token with `lifetime` is renewed: the lifetime minus a margin
/// of five minutes, or half of a lifetime shorter than ten minutes, and never later than
/// 50 minutes.
fn renewal_age(lifetime: Duration) -> Duration {
    let age = if lifetime > 2 * EXPIRY_MARGIN {
        lifetime - EXPIRY_MARGIN
    } else {
        lifetime / 2
    };
    age.min(DEFAULT_TOKEN_LIFETIME)
}

/// The parts of a successful token exchange reply.
#[derive(Debug)]
pub(crate) struct TokenReply {
    pub(crate) token: Secret,
    pub(crate) secret: Secret,
    pub(crate) expires_in: Option<Duration>,
}

/// Parses a token exchange reply, or returns the `oauth_problem` it reports (if any).
///
/// A 200 reply is accepted only when its form body contains both `oauth_token` and
/// `oauth_token_secret`, so an HTML page with status 200 is an error too.
pub(crate) fn parse_token_reply(
    status: u16,
    content_type: Option<&str>,
    www_authenticate: &[String],
    body: &[u8],
) -> std::result::Result<TokenReply, Option<String>> {
    let text = String::from_utf8_lossy(body);
    let is_html = content_type.is_some_and(|value| value.to_ascii_lowercase().contains("html"));
    let pairs = if is_html {
        Vec::new()
    } else {
        parse_form(text.trim())
    };
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    };

    if status == 200 {
        if let (Some(token), Some(secret)) = (field("oauth_token"), field("oauth_token_secret")) {
            if !token.is_empty() && !secret.is_empty() {
                let expires_in = field("oauth_expires_in")
                    .and_then(|value| value.trim().parse::<u64>().ok())
                    .map(Duration::from_secs);
                return Ok(TokenReply {
                    token: Secret::new(token),
                    secret: Secret::new(secret),
                    expires_in,
                });
            }
        }
    }

    let problem = www_authenticate
        .iter()
        .find_map(|header| oauth_problem(header))
        .or_else(|| field("oauth_problem"))
        .map(|problem| plausible_problem(&problem));
    Err(problem)
}

/// Splits an `application/x-www-form-urlencoded` body into decoded pairs.
///
/// The body is split on `&` and `=` first, then each part is decoded, so an encoded `&` or `=`
/// inside a value stays part of the value. `+` decodes to a space, as the form encoding
/// defines; a literal plus sign arrives as `%2B`.
pub(crate) fn parse_form(body: &str) -> Vec<(String, String)> {
    body.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (form_decode(name), form_decode(value))
        })
        .collect()
}

fn form_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'+' => decoded.push(b' '),
            b'%' if index + 2 < bytes.len() => match hex_pair(bytes[index + 1], bytes[index + 2]) {
                Some(byte) => {
                    decoded.push(byte);
                    index += 2;
                }
                None => decoded.push(b'%'),
            },
            byte => decoded.push(byte),
        }
        index += 1;
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

fn hex_pair(high: u8, low: u8) -> Option<u8> {
    let digit = |c: u8| (c as char).to_digit(16);
    Some((digit(high)? * 16 + digit(low)?) as u8)
}

/// Returns the `oauth_problem` parameter of a `WWW-Authenticate` header value.
///
/// Accepts any spacing and case, quoted or bare values, other parameters such as `realm`,
/// and a missing `OAuth` scheme. The value is percent-decoded.
pub(crate) fn oauth_problem(header: &str) -> Option<String> {
    let mut parameters = header.trim();
    if let Some((scheme, rest)) = parameters.split_once(char::is_whitespace) {
        if !scheme.contains('=') {
            parameters = rest;
        }
    }
    parameters.split(',').find_map(|parameter| {
        let (name, value) = parameter.split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("oauth_problem") {
            return None;
        }
        let value = value.trim().trim_matches('"').trim();
        Some(form_decode(value))
    })
}

/// Returns whether a 401 response reports `oauth_problem=token_rejected`.
pub(crate) fn is_token_rejected(headers: &[(String, String)]) -> bool {
    headers
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case("www-authenticate"))
        .filter_map(|(_, value)| oauth_problem(value))
        .any(|problem| problem.eq_ignore_ascii_case("token_rejected"))
}

/// Returns an `oauth_problem` value as received when it looks like one (OAuth problem names
/// such as `signature_invalid` are short words joined by `_`), and a placeholder otherwise.
///
/// A broken server may put an echo of the request there, for example the base64 assertion,
/// and the value reaches error messages.
fn plausible_problem(value: &str) -> String {
    let plausible = !value.is_empty()
        && value.len() <= 64
        && value
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'-' | b'.'));
    if plausible {
        value.to_owned()
    } else {
        format!("(an unrecognized value of {} bytes)", value.len())
    }
}

/// Returns the `oauth_problem` of the first `WWW-Authenticate` header that has one.
pub(crate) fn response_oauth_problem(headers: &[(String, String)], body: &[u8]) -> Option<String> {
    let problem = headers
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case("www-authenticate"))
        .find_map(|(_, value)| oauth_problem(value))
        .or_else(|| {
            let text = std::str::from_utf8(body).ok()?;
            parse_form(text.trim())
                .into_iter()
                .find(|(name, _)| name == "oauth_problem")
                .map(|(_, value)| value)
        })
        .or_else(|| header_value(headers, "oauth_problem").map(str::to_owned));
    problem.map(|problem| plausible_problem(&problem))
}

#[cfg(test)]
mod tests {
    use super::*;

    const RUBY_TOKEN: &str = include_str!("../../tests/fixtures/ruby-aggcat/oauth_token.txt");

    #[test]
    fn token_reply_decodes_after_split() {
        let body =
            b"oauth_token_secret=ts%2F9%2Bk%3D%26w&oauth_token=tok-AbC123&oauth_expires_in=3600";

        let reply = parse_token_reply(200, Some("text/plain"), &[], body).unwrap();

        assert_eq!(reply.secret.expose(), "ts/9+k=&w");
        assert_eq!(reply.token.expose(), "tok-AbC123");
        assert_eq!(reply.expires_in, Some(Duration::from_secs(3600)));
    }

    #[test]
    fn token_reply_fixture_with_newline() {
        let reply = parse_token_reply(200, None, &[], RUBY_TOKEN.as_bytes()).unwrap();

        assert_eq!(reply.secret.expose().len(), 40);
        assert_eq!(reply.token.expose().len(), 48);
        assert!(reply.token.expose().starts_with("qyprd"));
        assert_eq!(reply.expires_in, None);
    }

    #[test]
    fn token_reply_plus_is_space() {
        let reply =
            parse_token_reply(200, None, &[], b"oauth_token=a+b&oauth_token_secret=c%2Bd").unwrap();

        assert_eq!(reply.token.expose(), "a b");
        assert_eq!(reply.secret.expose(), "c+d");
    }

    #[test]
    fn token_reply_401_carries_problem() {
        let headers = vec!["OAuth oauth_problem=\"signature_invalid\"".to_owned()];

        let problem = parse_token_reply(401, None, &headers, b"").unwrap_err();

        assert_eq!(problem.as_deref(), Some("signature_invalid"));
    }

    #[test]
    fn token_reply_problem_from_body() {
        let problem =
            parse_token_reply(401, None, &[], b"oauth_problem=timestamp_refused").unwrap_err();

        assert_eq!(problem.as_deref(), Some("timestamp_refused"));
    }

    #[test]
    fn token_reply_html_200_rejected() {
        let body = b"<html><body>oauth_token=x&oauth_token_secret=y</body></html>";

        assert!(parse_token_reply(200, Some("text/html; charset=utf-8"), &[], body).is_err());
        assert!(parse_token_reply(200, None, &[], b"<html>Sign in</html>").is_err());
    }

    #[test]
    fn token_reply_missing_secret_rejected() {
        assert!(parse_token_reply(200, None, &[], b"oauth_token=tok").is_err());
        assert!(parse_token_reply(200, None, &[], b"oauth_token=&oauth_token_secret=s").is_err());
    }

    #[test]
    fn renewal_age_leaves_margin() {
        assert_eq!(
            renewal_age(Duration::from_secs(3600)),
            Duration::from_secs(3000)
        );
        assert_eq!(
            renewal_age(Duration::from_secs(1800)),
            Duration::from_secs(1500)
        );
        assert_eq!(
            renewal_age(Duration::from_secs(120)),
            Duration::from_secs(60)
        );
        assert_eq!(
            renewal_age(Duration::from_secs(7200)),
            DEFAULT_TOKEN_LIFETIME
        );
    }

    #[test]
    fn form_decode_keeps_invalid_escapes() {
        assert_eq!(form_decode("100%"), "100%");
        assert_eq!(form_decode("%zz"), "%zz");
        assert_eq!(form_decode("%41%42"), "AB");
        assert_eq!(form_decode("Z%C3%BCrich"), "Zürich");
    }

    #[test]
    fn implausible_problem_replaced() {
        let echoed = "PHNhbWwyOkFzc2VydGlvbiB4bWxucz0i+/==";

        let problem =
            parse_token_reply(401, None, &[], format!("oauth_problem={echoed}").as_bytes())
                .unwrap_err()
                .unwrap();

        assert!(!problem.contains("PHNhbWwy"), "{problem}");
        assert_eq!(plausible_problem("signature_invalid"), "signature_invalid");
    }

    #[test]
    fn oauth_problem_header_variants() {
        let cases = [
            "OAuth oauth_problem=\"token_rejected\"",
            "OAuth realm=\"x\", oauth_problem=token_rejected",
            "oauth   OAUTH_PROBLEM = \"token_rejected\" ",
            "OAuth oauth_problem=\"token_rejected\", realm=\"y\"",
            "oauth_problem=token_rejected",
        ];
        for header in cases {
            assert_eq!(
                oauth_problem(header).as_deref(),
                Some("token_rejected"),
                "header {header:?}"
            );
        }
        assert_eq!(oauth_problem("OAuth realm=\"x\""), None);
        assert_eq!(oauth_problem("Basic"), None);
    }

    #[test]
    fn token_rejected_any_header_case() {
        let rejected = vec![(
            "www-authenticate".to_owned(),
            "OAuth oauth_problem=\"TOKEN_REJECTED\"".to_owned(),
        )];
        let other = vec![(
            "WWW-Authenticate".to_owned(),
            "OAuth oauth_problem=\"signature_invalid\"".to_owned(),
        )];

        assert!(is_token_rejected(&rejected));
        assert!(!is_token_rejected(&other));
        assert!(!is_token_rejected(&[]));
        assert_eq!(
            response_oauth_problem(&other, b"").as_deref(),
            Some("signature_invalid")
        );
    }
}
