//! Sending signed calls: URL building, OAuth signing, the token-rejected retry, reading bodies
//! and turning replies into responses or errors.
//!
//! No call is sent twice after a transport failure. ureq 3.5.2 does not retry requests itself:
//! its request loop has no retry path, also not for idempotent methods. Before reusing a pooled
//! connection it checks that the connection is still open and drops it otherwise. This module resends only after a 401 `token_rejected` reply, which the service
//! sends before it acts on a request.

use std::io::Read;
use std::time::Instant;

use ureq::http::HeaderValue;

use crate::error::{ApiError, AuthenticationError, AuthenticationErrorKind, Error, Result};
use crate::oauth::{percent_encode, OAuthSigner};
use crate::response::{header_value, parse_status, AggcatResponse, Content, Progress};
use crate::xml::{escape_text, parse_with_context};

use super::tokens::{is_token_rejected, response_oauth_problem, Token};
use super::{Inner, ProgressCallback};

/// Maximum length in characters of the body excerpt in [`Error::UnexpectedContent`].
const EXCERPT_CHARS: usize = 120;

/// Maximum length in characters of each text field taken from a server's error reply
/// (`errorMessage`, `oauth_problem`, ...), which a broken server may fill with an echo of the
/// request.
const SERVER_TEXT_CHARS: usize = 200;

/// Bytes of an unexpected body that are searched for secrets before the excerpt is cut.
const EXCERPT_SCAN_BYTES: usize = 64 * 1024;

/// The base URL that a call's path is relative to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Base {
    /// The data API base URL.
    Data,
    /// The batch export base URL.
    Batch,
}

/// The expected content of a successful reply's body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expect {
    /// An XML document (or nothing), objectified when objectify is on.
    Document,
    /// File data, returned raw.
    FileData,
}

/// One data API call, described before it is signed.
#[derive(Debug)]
pub(crate) struct ApiCall<'a> {
    pub(crate) method: &'a str,
    pub(crate) base: Base,
    /// The path below the base URL, starting with `/`, with every segment already encoded.
    pub(crate) path: String,
    /// Query pairs, not yet encoded.
    pub(crate) query: Vec<(&'a str, String)>,
    /// An XML body, sent with `Content-Type: application/xml`.
    pub(crate) body: Option<String>,
    pub(crate) headers: Vec<(&'static str, String)>,
    /// Values that must not appear in an error excerpt (credentials, challenge answers).
    pub(crate) secrets: Vec<String>,
    pub(crate) expect: Expect,
}

impl<'a> ApiCall<'a> {
    pub(crate) fn new(method: &'a str, path: String) -> Self {
        ApiCall {
            method,
            base: Base::Data,
            path,
            query: Vec::new(),
            body: None,
            headers: Vec::new(),
            secrets: Vec::new(),
            expect: Expect::Document,
        }
    }
}

/// A reply as read from the wire.
#[derive(Debug)]
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// The maximum length of an id in a path. Real ids are at most 20 digits; far longer ones would
/// exceed the HTTP library's URI limit (64 KiB) once percent-encoded.
const MAX_ID_LENGTH: usize = 1024;

/// Percent-encodes one path segment taken from `parameter`, rejecting an empty or over-long
/// value.
pub(crate) fn path_segment(parameter: &'static str, value: &str) -> Result<String> {
    if value.is_empty() {
        return Err(Error::InvalidInput {
            parameter,
            reason: "the id is empty".to_owned(),
        });
    }
    if value.len() > MAX_ID_LENGTH {
        return Err(Error::InvalidInput {
            parameter,
            reason: format!(
                "the id is {} bytes long, more than the maximum of {MAX_ID_LENGTH}",
                value.len()
            ),
        });
    }
    Ok(percent_encode(value))
}

/// Builds `base + path + ?query`, with every query name and value percent-encoded.
pub(crate) fn build_url(base: &str, path: &str, query: &[(&str, String)]) -> String {
    let mut url = format!("{base}{path}");
    for (index, (name, value)) in query.iter().enumerate() {
        url.push(if index == 0 { '?' } else { '&' });
        url.push_str(&percent_encode(name));
        url.push('=');
        url.push_str(&percent_encode(value));
    }
    url
}

/// Returns `url` without its query string and fragment.
pub(crate) fn strip_query(url: &str) -> &str {
    let end = url.find(['?', '#']).unwrap_or(url.len());
    &url[..end]
}

/// Returns the path of `url` (without scheme, host and query).
fn url_path(url: &str) -> &str {
    let without_query = strip_query(url);
    let after_scheme = without_query
        .split_once("://")
        .map_or(without_query, |(_, rest)| rest);
    after_scheme
        .find('/')
        .map_or("/", |start| &after_scheme[start..])
}

/// Maps a ureq error to [`Error::Timeout`], [`Error::Tls`] or [`Error::Transport`].
pub(crate) fn transport_error(method: &str, url: &str, source: ureq::Error) -> Error {
    let is_timeout = match &source {
        ureq::Error::Timeout(_) => true,
        ureq::Error::Io(io) => io.kind() == std::io::ErrorKind::TimedOut,
        _ => false,
    };
    let is_tls = matches!(
        &source,
        ureq::Error::NativeTls(_) | ureq::Error::Tls(_) | ureq::Error::Der(_)
    );
    let method = method.to_owned();
    let url = strip_query(url).to_owned();
    let source = Box::new(source);
    if is_tls {
        return Error::Tls {
            method,
            url,
            source,
        };
    }
    if is_timeout {
        Error::Timeout {
            method,
            url,
            source,
        }
    } else {
        Error::Transport {
            method,
            url,
            source,
        }
    }
}

/// Reads a whole body, enforcing `limit` bytes after gzip decoding, and reports each chunk to
/// `progress`.
pub(crate) fn read_body(
    response: &mut ureq::http::Response<ureq::Body>,
    limit: u64,
    progress: Option<&ProgressCallback>,
    method: &str,
    url: &str,
) -> Result<Vec<u8>> {
    let map_error = |source: ureq::Error| {
        if is_limit_error(&source) {
            Error::ResponseTooLarge {
                url: strip_query(url).to_owned(),
                limit,
            }
        } else {
            transport_error(method, url, source)
        }
    };
    let Some(progress) = progress else {
        let body = response.body_mut().with_config().limit(limit).read_to_vec();
        return body.map_err(map_error);
    };

    let compressed = response.headers().contains_key("content-encoding");
    let total = response
        .headers()
        .get("content-length")
        .and_then(|value| value.to_str().ok()?.parse::<u64>().ok())
        .filter(|_| !compressed);
    let mut reader = response.body_mut().with_config().limit(limit).reader();
    let mut body = Vec::with_capacity(total.unwrap_or(0).min(limit) as usize);
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let read = match reader.read(&mut chunk) {
            Ok(read) => read,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(map_error(ureq::Error::Io(error))),
        };
        if read == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..read]);
        progress(Progress {
            received: body.len() as u64,
            total,
        });
    }
    progress(Progress {
        received: body.len() as u64,
        total: Some(body.len() as u64),
    });
    Ok(body)
}

fn is_limit_error(error: &ureq::Error) -> bool {
    match error {
        ureq::Error::BodyExceedsLimit(_) => true,
        ureq::Error::Io(io) => io
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<ureq::Error>())
            .is_some_and(|inner| matches!(inner, ureq::Error::BodyExceedsLimit(_))),
        _ => false,
    }
}

impl Inner {
    fn base_for(&self, base: Base) -> &str {
        match base {
            Base::Data => &self.base_url,
            Base::Batch => &self.batch_base_url,
        }
    }

    /// Sends `call`, renewing the token and resending once when the service rejects the token.
    pub(crate) fn execute(&self, call: &ApiCall<'_>) -> Result<AggcatResponse> {
        let url = build_url(self.base_for(call.base), &call.path, &call.query);

        let token = self.current_token()?;
        let mut reply = self.send_signed(call, &url, &token)?;

        if reply.status == 401 && is_token_rejected(&reply.headers) {
            let renewed = self.renew_rejected_token(token.generation)?;
            reply = self.send_signed(call, &url, &renewed)?;
            if reply.status == 401 && is_token_rejected(&reply.headers) {
                return Err(Error::Authentication(Box::new(AuthenticationError {
                    kind: AuthenticationErrorKind::TokenRejected,
                    status: Some(401),
                    oauth_problem: Some("token_rejected".to_owned()),
                    url: strip_query(&url).to_owned(),
                })));
            }
        }

        self.classify(call, &url, reply)
    }

    /// Signs `call` afresh with `token` (new nonce and timestamp) and sends it once.
    fn send_signed(&self, call: &ApiCall<'_>, url: &str, token: &Token) -> Result<Reply> {
        let signer = OAuthSigner::new(
            &self.consumer_key,
            self.consumer_secret.expose(),
            token.token.expose(),
            token.secret.expose(),
        );
        let mut authorization = HeaderValue::try_from(
            signer.authorization_header(call.method, url)?,
        )
        .map_err(|_| Error::InvalidInput {
            parameter: "consumer_key",
            reason: "the Authorization header it produces is not valid ASCII".to_owned(),
        })?;
        authorization.set_sensitive(true);

        let mut request = ureq::http::Request::builder()
            .method(call.method)
            .uri(url)
            .header("Authorization", authorization)
            .header("Accept", "application/xml");
        for (name, value) in &call.headers {
            request = request.header(*name, value.as_str());
        }
        if call.body.is_some() {
            request = request.header("Content-Type", "application/xml");
        }

        let started = Instant::now();
        let sent = match &call.body {
            Some(body) => request
                .body(body.as_bytes())
                .map(|request| self.agent.run(request)),
            None => request.body(()).map(|request| self.agent.run(request)),
        };
        let sent = sent.map_err(|_| Error::InvalidInput {
            parameter: "path",
            reason: format!(
                "{} {} is not a valid HTTP request line or header set",
                call.method,
                strip_query(url)
            ),
        })?;
        let mut response = sent.map_err(|source| transport_error(call.method, url, source))?;

        let status = response.status().as_u16();
        let headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .filter_map(|(name, value)| {
                Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned()))
            })
            .collect();
        let body = read_body(
            &mut response,
            self.max_response_size,
            self.progress.as_ref(),
            call.method,
            url,
        )?;

        log::debug!(
            "{} {} returned {status} in {} ms (intuit_tid {})",
            call.method,
            url_path(url),
            started.elapsed().as_millis(),
            header_value(&headers, "intuit_tid").unwrap_or("-"),
        );
        Ok(Reply {
            status,
            headers,
            body,
        })
    }

    /// Turns a final reply into a response or a typed error.
    fn classify(&self, call: &ApiCall<'_>, url: &str, reply: Reply) -> Result<AggcatResponse> {
        let Reply {
            status,
            headers,
            body,
        } = reply;
        let is_challenge = status == 401 && header_value(&headers, "challengeSessionId").is_some();

        let clean = |text: Option<String>| text.map(|text| self.server_text(call, &text));
        if status == 401 && !is_challenge {
            return Err(Error::Authentication(Box::new(AuthenticationError {
                kind: AuthenticationErrorKind::Unauthorized,
                status: Some(status),
                oauth_problem: clean(response_oauth_problem(&headers, &body)),
                url: strip_query(url).to_owned(),
            })));
        }
        if !(200..300).contains(&status) && !is_challenge {
            let excerpt = (parse_status(&body).is_none() && !body.is_empty())
                .then(|| self.excerpt(call, &body));
            return Err(api_error(
                call.method,
                url,
                status,
                &headers,
                &body,
                excerpt,
                clean,
            ));
        }

        let raw = call.expect == Expect::FileData || (!self.objectify && !body.is_empty());
        if raw {
            // The raw content is the body, so the response keeps no second copy.
            return Ok(AggcatResponse::new(
                status,
                headers,
                Content::Raw(body),
                Vec::new(),
            ));
        }
        let content = if body.is_empty() {
            Content::Empty
        } else {
            self.objectify_body(call, url, status, &headers, &body)?
        };
        Ok(AggcatResponse::new(status, headers, content, body))
    }

    fn objectify_body(
        &self,
        call: &ApiCall<'_>,
        url: &str,
        status: u16,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Result<Content> {
        let content_type = header_value(headers, "content-type");
        let text = match std::str::from_utf8(body) {
            Ok(text) if looks_like_xml(text, content_type) => text,
            _ => {
                return Err(Error::UnexpectedContent {
                    status,
                    content_type: content_type.map(str::to_owned),
                    excerpt: self.excerpt(call, body),
                })
            }
        };
        let context = format!("{} {}", call.method, url_path(url));
        parse_with_context(text, &context).map(Content::Xml)
    }

    /// Returns the start of `body` with every secret of this call replaced by `<redacted>`.
    fn excerpt(&self, call: &ApiCall<'_>, body: &[u8]) -> String {
        let scanned = &body[..body.len().min(EXCERPT_SCAN_BYTES)];
        let text = String::from_utf8_lossy(scanned);
        shorten(&self.scrub(call, &text), EXCERPT_CHARS)
    }

    /// Returns a text field of a server's error reply, scrubbed and shortened.
    pub(crate) fn server_text(&self, call: &ApiCall<'_>, text: &str) -> String {
        shorten(&self.scrub(call, text), SERVER_TEXT_CHARS)
    }

    /// Replaces every secret of this call (the consumer secret, the current token and its
    /// secret, the credential values and answers sent) in `text` by `<redacted>`.
    fn scrub(&self, call: &ApiCall<'_>, text: &str) -> String {
        let mut text = text.to_owned();
        if let Some(token) = self.peek_token() {
            text = redact(&text, token.secret.expose());
            text = redact(&text, token.token.expose());
        }
        text = redact(&text, self.consumer_secret.expose());
        for secret in &call.secrets {
            text = redact(&text, secret);
        }
        text
    }
}

/// Cuts `text` to `max` characters, marking a cut with `…`.
fn shorten(text: &str, max: usize) -> String {
    let mut short: String = text.chars().take(max).collect();
    if text.chars().nth(max).is_some() {
        short.push('…');
    }
    short
}

/// Replaces `secret` in `text`, also in its XML-escaped and percent-encoded spellings.
fn redact(text: &str, secret: &str) -> String {
    if secret.is_empty() {
        return text.to_owned();
    }
    let mut redacted = text.replace(secret, "<redacted>");
    for variant in [escape_text(secret).to_string(), percent_encode(secret)] {
        if variant != secret {
            redacted = redacted.replace(&variant, "<redacted>");
        }
    }
    redacted
}

/// Returns whether a 2xx body should be parsed as XML: it starts with `<` (after a byte order
/// mark and whitespace), is not an HTML page, and its content type is not HTML.
fn looks_like_xml(text: &str, content_type: Option<&str>) -> bool {
    if content_type.is_some_and(|value| value.to_ascii_lowercase().contains("html")) {
        return false;
    }
    let start = text.trim_start_matches('\u{feff}').trim_start();
    if !start.starts_with('<') {
        return false;
    }
    let head: String = start
        .chars()
        .take(15)
        .collect::<String>()
        .to_ascii_lowercase();
    !(head.starts_with("<!doctype html") || head.starts_with("<html"))
}

fn api_error(
    method: &str,
    url: &str,
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
    excerpt: Option<String>,
    clean: impl Fn(Option<String>) -> Option<String>,
) -> Error {
    let fields = parse_status(body).unwrap_or_default();
    Error::Api(Box::new(ApiError {
        status,
        method: method.to_owned(),
        path: url_path(url).to_owned(),
        error_type: clean(fields.error_type),
        error_code: clean(fields.error_code),
        error_message: clean(fields.error_message),
        correlation_id: clean(fields.correlation_id),
        intuit_tid: clean(header_value(headers, "intuit_tid").map(str::to_owned)),
        excerpt,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATUS_404: &str = include_str!(
        "../../tests/fixtures/kstinchcombe-intuit_ids_aggcat/status_404_api_database_notfound.xml"
    );

    #[test]
    fn url_keeps_port_and_encodes_query() {
        let url = build_url(
            "http://127.0.0.1:18443/rest-war/v1",
            "/accounts/000000000001/transactions",
            &[
                ("txnStartDate", "2014-01-01T00:00:00+05:30".to_owned()),
                ("memo", "a b*~!'()".to_owned()),
            ],
        );

        assert_eq!(
            url,
            "http://127.0.0.1:18443/rest-war/v1/accounts/000000000001/transactions\
             ?txnStartDate=2014-01-01T00%3A00%3A00%2B05%3A30&memo=a%20b%2A~%21%27%28%29"
        );
    }

    #[test]
    fn path_segment_encodes_and_rejects_empty() {
        assert_eq!(
            path_segment("account_id", "000000000001").unwrap(),
            "000000000001"
        );
        assert_eq!(path_segment("file_name", "a/b c").unwrap(), "a%2Fb%20c");
        assert_eq!(path_segment("login_id", "Zürich").unwrap(), "Z%C3%BCrich");
        assert!(matches!(
            path_segment("account_id", ""),
            Err(Error::InvalidInput {
                parameter: "account_id",
                ..
            })
        ));
    }

    #[test]
    fn path_segment_rejects_long_id() {
        let long = "1".repeat(100_000);

        let error = path_segment("account_id", &long).unwrap_err();

        assert!(matches!(
            error,
            Error::InvalidInput {
                parameter: "account_id",
                ..
            }
        ));
        assert!(error.to_string().len() < 200, "{error}");
    }

    #[test]
    fn strip_query_and_path() {
        let url = "https://Host:8443/v1/logins/7?refresh=true#x";

        assert_eq!(strip_query(url), "https://Host:8443/v1/logins/7");
        assert_eq!(url_path(url), "/v1/logins/7");
        assert_eq!(url_path("http://host"), "/");
    }

    #[test]
    fn xml_sniffing() {
        assert!(looks_like_xml(
            "<?xml version=\"1.0\"?><a/>",
            Some("application/xml")
        ));
        assert!(looks_like_xml("\u{feff}  <AccountList/>", None));
        assert!(!looks_like_xml("<!DOCTYPE html><html></html>", None));
        assert!(!looks_like_xml("<HTML><body>502</body></HTML>", None));
        assert!(!looks_like_xml("<p>oops</p>", Some("text/html")));
        assert!(!looks_like_xml("Bad gateway", Some("text/plain")));
    }

    #[test]
    fn redact_covers_encoded_spellings() {
        let text = "pw=hunter2&<x> esc=hunter2&amp;&lt;x&gt; pct=hunter2%26%3Cx%3E";

        let redacted = redact(text, "hunter2&<x>");

        assert!(!redacted.contains("hunter2"), "{redacted}");
        assert_eq!(redact("abc", ""), "abc");
    }

    #[test]
    fn api_error_reads_status_document() {
        let headers = vec![("Intuit_TID".to_owned(), "tid-1".to_owned())];

        let error = api_error(
            "GET",
            "http://127.0.0.1:9/v1/institutions/999999?x=1",
            404,
            &headers,
            STATUS_404.as_bytes(),
            None,
            |text| text,
        );
        let api = error.api_error().unwrap();

        assert_eq!(api.status, 404);
        assert_eq!(api.path, "/v1/institutions/999999");
        assert_eq!(api.error_type.as_deref(), Some("APP_ERROR"));
        assert_eq!(api.error_code.as_deref(), Some("api.database.notfound"));
        assert!(api
            .correlation_id
            .as_deref()
            .unwrap()
            .starts_with("gw-9d1c4220"));
        assert_eq!(api.intuit_tid.as_deref(), Some("tid-1"));
    }

    #[test]
    fn api_error_from_html_has_no_fields() {
        let error = api_error(
            "GET",
            "http://h/v1/accounts",
            502,
            &[],
            b"<html>Bad gateway</html>",
            Some("<html>Bad gateway</html>".to_owned()),
            |text| text,
        );
        let api = error.api_error().unwrap();

        assert_eq!(api.status, 502);
        assert_eq!(api.error_code, None);
        assert_eq!(api.error_message, None);
        assert_eq!(
            error.to_string(),
            "GET /v1/accounts returned HTTP 502: \"<html>Bad gateway</html>\""
        );
    }
}
