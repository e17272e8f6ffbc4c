//! The HTTP layer: worker threads, the token endpoint, OAuth verification of data calls, and
//! the wrapping of the bank's replies.

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Instant;

use openssl::hash::{hash, MessageDigest};
use openssl::pkey::{PKey, Public};
use time::OffsetDateTime;

use super::bank::{ApiReply, ApiRequest, Bank};
use super::faults::{self, Faults};
use super::oauth_check::{
    hmac_sha1, parse_authorization, parse_form, percent_decode, percent_encode,
    signature_base_string, signatures_match,
};
use super::saml_check::{decode_base64, verify_assertion, AssertionPolicy, Rejection};
use super::tokens::{random_uuid, TokenStore};
use super::{RecordedRequest, SandboxApplication, Settings};

/// Path of the SAML-to-OAuth token exchange.
pub(crate) const TOKEN_PATH: &str = "/oauth/v1/get_access_token_by_saml";

/// Data base paths; both served the same routes on the real service.
const BASE_PATHS: [&str; 2] = ["/rest-war/v1", "/v1"];

/// Maximum request body size in bytes; a larger body gets a 413 reply and is not read further.
const MAX_BODY_BYTES: u64 = 16 * 1024 * 1024;

const COMMON_NAMESPACE: &str = "http://schema.intuit.com/platform/fdatafeed/common/v1";

/// A reply before it is turned into a tiny_http response.
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    fn text(status: u16, body: impl Into<String>) -> Reply {
        Reply {
            status,
            headers: vec![("Content-Type".into(), "text/plain".into())],
            body: body.into().into_bytes(),
        }
    }

    /// Builds a 401 carrying `oauth_problem` in `WWW-Authenticate` and in the body.
    fn oauth_problem(problem: &str, www_authenticate: Option<String>) -> Reply {
        let header =
            www_authenticate.unwrap_or_else(|| format!("OAuth oauth_problem=\"{problem}\""));
        let mut reply = Reply::text(401, format!("oauth_problem={problem}"));
        reply.headers.push(("WWW-Authenticate".into(), header));
        reply
    }

    /// Builds an error reply with a `Status` document in the common namespace.
    fn status_document(status: u16, error_code: &str, message: &str) -> Reply {
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
             <Status xmlns=\"{COMMON_NAMESPACE}\"><errorInfo><errorType>APP_ERROR</errorType>\
             <errorCode>{}</errorCode><errorMessage>{}</errorMessage>\
             <correlationId>gw-{}</correlationId></errorInfo></Status>",
            escape_xml(error_code),
            escape_xml(message),
            random_uuid()
        );
        Reply {
            status,
            headers: vec![("Content-Type".into(), "application/xml".into())],
            body: body.into_bytes(),
        }
    }
}

fn escape_xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A reply queued by a test for the next token exchange.
#[derive(Debug)]
pub(crate) struct CannedReply {
    pub status: u16,
    pub content_type: String,
    pub body: String,
}

/// Mutable state shared by the worker threads.
#[derive(Debug)]
pub(crate) struct State {
    pub tokens: TokenStore,
    pub recorded: VecDeque<RecordedRequest>,
    pub token_exchanges: usize,
    pub reject_tokens: bool,
    pub token_rejected_header: String,
    pub canned_token_replies: VecDeque<CannedReply>,
}

/// Everything a worker needs to handle a request.
#[derive(Debug)]
pub(crate) struct Shared {
    pub settings: Settings,
    pub application: SandboxApplication,
    pub public_key: PKey<Public>,
    pub scheme: &'static str,
    pub port: u16,
    pub state: Mutex<State>,
    pub bank: Mutex<Bank>,
    pub stopping: AtomicBool,
    pub faults: Faults,
    /// Requests being served on threads of their own.
    pub request_threads: AtomicUsize,
}

/// Locks a mutex, carrying on after a panic in another worker, so that one failed request does
/// not stop the whole sandbox.
///
/// NOTE: state that a panicking handler left half-updated stays that way.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Starts `count` worker threads that handle requests until `Shared::stopping` is set and the
/// server is unblocked once per worker.
pub(crate) fn spawn_workers(
    server: &Arc<tiny_http::Server>,
    shared: &Arc<Shared>,
    count: usize,
) -> std::io::Result<Vec<JoinHandle<()>>> {
    (0..count)
        .map(|index| {
            let server = Arc::clone(server);
            let shared = Arc::clone(shared);
            std::thread::Builder::new()
                .name(format!("sandbox-worker-{index}"))
                .spawn(move || loop {
                    match server.recv() {
                        Ok(request) => dispatch_request(&shared, request),
                        Err(_) if shared.stopping.load(Ordering::SeqCst) => break,
                        Err(error) => log::warn!("sandbox failed to accept a connection: {error}"),
                    }
                })
        })
        .collect()
}

/// Requests served on threads of their own at most at once; past that a worker serves the
/// request itself.
const MAX_REQUEST_THREADS: usize = 256;

/// Serves `request` on a thread of its own, so that a client that stalls while sending its
/// body (tiny_http has no read timeout) holds only that thread and not a worker.
fn dispatch_request(shared: &Arc<Shared>, request: tiny_http::Request) {
    if shared.request_threads.fetch_add(1, Ordering::SeqCst) >= MAX_REQUEST_THREADS {
        shared.request_threads.fetch_sub(1, Ordering::SeqCst);
        serve(shared, request);
        return;
    }
    let thread_shared = Arc::clone(shared);
    let spawned = std::thread::Builder::new()
        .name("sandbox-request".to_string())
        .spawn(move || {
            serve(&thread_shared, request);
            thread_shared.request_threads.fetch_sub(1, Ordering::SeqCst);
        });
    if let Err(error) = spawned {
        // The request moved into the closure that failed to start, so it is lost; its client
        // sees the connection close.
        shared.request_threads.fetch_sub(1, Ordering::SeqCst);
        log::warn!("sandbox failed to start a request thread: {error}");
    }
}

fn serve(shared: &Shared, mut request: tiny_http::Request) {
    let started = Instant::now();
    let method = request.method().as_str().to_string();
    let target = request.url().to_string();
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|header| (header.field.to_string(), header.value.to_string()))
        .collect();

    let fault = shared.faults.take(&method, path_of(&target));
    let mut body = Vec::new();
    let read = request
        .as_reader()
        .take(MAX_BODY_BYTES + 1)
        .read_to_end(&mut body);
    let reply = match read {
        Err(error) => {
            log::warn!(
                "sandbox failed to read the body of {method} {}: {error}",
                path_of(&target)
            );
            Reply::text(400, "the request body could not be read")
        }
        Ok(_) if body.len() as u64 > MAX_BODY_BYTES => Reply::text(
            413,
            format!("the request body exceeds {MAX_BODY_BYTES} bytes"),
        ),
        Ok(_) => {
            let replaced = fault
                .as_ref()
                .and_then(|fault| faults::before_dispatch(fault, &body, &shared.stopping));
            let answer = catch_unwind(AssertUnwindSafe(|| {
                replaced.unwrap_or_else(|| shared.dispatch(&method, &target, &headers, &body))
            }));
            answer.unwrap_or_else(|_| {
                log::error!("sandbox handler panicked on {method} {}", path_of(&target));
                Reply::text(500, "the sandbox failed while handling the request")
            })
        }
    };

    let reply = match &fault {
        Some(fault) => faults::after_dispatch(fault, reply),
        None => reply,
    };

    let status = reply.status;
    let raw_reply = fault
        .as_ref()
        .and_then(|fault| faults::raw_delivery(fault, &reply));
    let response = finish_reply(reply, &headers);
    let mut state = lock(&shared.state);
    state.recorded.push_back(RecordedRequest {
        method: method.clone(),
        target: target.clone(),
        headers,
        body,
        status,
    });
    while state.recorded.len() > shared.settings.max_recorded_requests {
        state.recorded.pop_front();
    }
    drop(state);
    // Logged before sending, so the line exists once the client has the reply. The elapsed
    // time therefore leaves out the transfer of the reply.
    log::info!(
        "{method} {} {status} {}ms",
        path_of(&target),
        started.elapsed().as_millis()
    );
    if let (Some(fault), Some(raw_reply)) = (&fault, raw_reply) {
        faults::deliver(&shared.faults, fault, request, &raw_reply, &shared.stopping);
        return;
    }
    if let Err(error) = request.respond(response) {
        log::warn!(
            "sandbox failed to send the reply to {method} {}: {error}",
            path_of(&target)
        );
    }
}

fn path_of(target: &str) -> &str {
    target.split_once('?').map_or(target, |(path, _)| path)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(field, _)| field.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.as_str())
}

fn accepts_gzip(headers: &[(String, String)]) -> bool {
    header(headers, "Accept-Encoding").is_some_and(|value| {
        value.split(',').any(|coding| {
            let mut parts = coding.split(';');
            let name = parts.next().unwrap_or("").trim();
            let refused = parts.any(|parameter| {
                let parameter = parameter.trim().replace(' ', "");
                parameter == "q=0" || parameter == "q=0.0" || parameter == "q=0.00"
            });
            name.eq_ignore_ascii_case("gzip") && !refused
        })
    })
}

/// Adds `intuit_tid`, compresses the body when the client accepts gzip, and builds the
/// response with a `Content-Length` (never chunked).
///
/// Partial content (206, or a `Content-Range` header) stays uncompressed because its range
/// refers to the uncompressed bytes, and so does a body that already has a `Content-Encoding`. `Content-Length` and `Transfer-Encoding` headers in the
/// bank's reply are replaced, since tiny_http derives both from the final body.
fn finish_reply(
    reply: Reply,
    request_headers: &[(String, String)],
) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    let mut headers: Vec<(String, String)> = reply
        .headers
        .into_iter()
        .filter(|(name, _)| {
            !name.eq_ignore_ascii_case("Content-Length")
                && !name.eq_ignore_ascii_case("Transfer-Encoding")
        })
        .collect();
    let mut body = reply.body;
    headers.push(("intuit_tid".into(), random_uuid()));

    let compressible = reply.status != 206
        && header(&headers, "Content-Range").is_none()
        && header(&headers, "Content-Encoding").is_none();
    if !body.is_empty() && compressible && accepts_gzip(request_headers) {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        let compressed = encoder.write_all(&body).and_then(|()| encoder.finish());
        match compressed {
            Ok(compressed) => {
                body = compressed;
                headers.push(("Content-Encoding".into(), "gzip".into()));
            }
            Err(error) => {
                log::warn!("sandbox failed to compress a reply, sending it plain: {error}")
            }
        }
    }

    let length = body.len();
    let headers = headers
        .iter()
        .filter_map(|(name, value)| {
            let parsed = tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes());
            if parsed.is_err() {
                log::warn!("sandbox dropped an invalid reply header named {name:?}");
            }
            parsed.ok()
        })
        .collect();
    tiny_http::Response::new(
        tiny_http::StatusCode(reply.status),
        headers,
        std::io::Cursor::new(body),
        Some(length),
        None,
    )
    .with_chunked_threshold(usize::MAX)
}

/// The parts of a data call that its OAuth signature covers.
struct SignedRequest<'a> {
    method: &'a str,
    /// The path exactly as received, before any decoding.
    raw_path: &'a str,
    /// Decoded query parameters in the order received.
    query: &'a [(String, String)],
    headers: &'a [(String, String)],
    body: &'a [u8],
}

/// Returns the oauth parameters of the Authorization header without `realm`, or none when the
/// header is absent.
fn header_oauth_parameters(
    request: &SignedRequest<'_>,
) -> Result<Vec<(String, String)>, AuthFailure> {
    let Some(value) = header(request.headers, "Authorization") else {
        return Ok(Vec::new());
    };
    let mut parameters = parse_authorization(value).ok_or_else(|| {
        AuthFailure::Malformed("the Authorization header is not a valid OAuth header".into())
    })?;
    parameters.retain(|(name, _)| name != "realm");
    let query_has_oauth = request
        .query
        .iter()
        .any(|(name, _)| name.starts_with("oauth_"));
    if !parameters.is_empty() && query_has_oauth {
        return Err(AuthFailure::Malformed(
            "OAuth parameters must be in the Authorization header or the query string, not in both"
                .into(),
        ));
    }
    Ok(parameters)
}

/// An authentication failure of a data call.
enum AuthFailure {
    /// HTTP 400 with a plain-text reason.
    Malformed(String),
    /// HTTP 401 with this `oauth_problem`.
    Problem(&'static str),
    /// HTTP 401 `token_rejected` with the configured `WWW-Authenticate` value.
    TokenRejected,
}

impl Shared {
    pub(crate) fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc() + time::Duration::seconds(self.settings.clock_offset_seconds)
    }

    fn skew(&self) -> time::Duration {
        time::Duration::try_from(self.settings.clock_skew).unwrap_or(time::Duration::MAX)
    }

    fn dispatch(
        &self,
        method: &str,
        target: &str,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Reply {
        let (raw_path, raw_query) = target.split_once('?').unwrap_or((target, ""));
        let trimmed = raw_path.strip_suffix('/').unwrap_or(raw_path);
        if trimmed == TOKEN_PATH {
            if method != "POST" {
                return Reply::text(405, "the token exchange takes POST only");
            }
            return self.exchange_token(headers, body);
        }

        let Some(relative) = BASE_PATHS.iter().find_map(|base| {
            let rest = trimmed.strip_prefix(base)?;
            (rest.is_empty() || rest.starts_with('/')).then_some(rest)
        }) else {
            return Reply::status_document(404, "api.resource.notfound", "no such resource");
        };
        if !matches!(method, "GET" | "POST" | "PUT" | "DELETE") {
            return Reply::status_document(405, "api.method.notallowed", "method not allowed");
        }
        let Some(query) = parse_form(raw_query) else {
            return Reply::text(400, "the query string has a malformed percent-escape");
        };

        let signed_request = SignedRequest {
            method,
            raw_path,
            query: &query,
            headers,
            body,
        };
        let customer_id = match self.authenticate(&signed_request) {
            Ok(customer_id) => customer_id,
            Err(AuthFailure::Malformed(reason)) => return Reply::text(400, reason),
            Err(AuthFailure::Problem(problem)) => return Reply::oauth_problem(problem, None),
            Err(AuthFailure::TokenRejected) => {
                let header = lock(&self.state).token_rejected_header.clone();
                return Reply::oauth_problem("token_rejected", Some(header));
            }
        };

        let Some(path) = decode_path(relative) else {
            return Reply::text(400, "the path has a malformed percent-escape");
        };
        let lower_headers: Vec<(String, String)> = headers
            .iter()
            .map(|(name, value)| (name.to_ascii_lowercase(), value.clone()))
            .collect();
        let api_request = ApiRequest {
            method,
            path: &path,
            query: &query,
            headers: &lower_headers,
            body,
            customer_id: &customer_id,
            now: self.now(),
        };
        let ApiReply {
            status,
            headers,
            body,
        } = lock(&self.bank).handle(&api_request);
        Reply {
            status,
            headers,
            body,
        }
    }

    /// Verifies the OAuth 1.0a HMAC-SHA1 signature and returns the token's customer id.
    fn authenticate(&self, request: &SignedRequest<'_>) -> Result<String, AuthFailure> {
        let header_parameters = header_oauth_parameters(request)?;
        let oauth: &[(String, String)] = if header_parameters.is_empty() {
            request.query
        } else {
            &header_parameters
        };
        let find = |name: &str| {
            oauth
                .iter()
                .find(|(field, _)| field == name)
                .map(|(_, value)| value.as_str())
        };
        let (Some(consumer_key), Some(token), Some(timestamp), Some(nonce), Some(signature)) = (
            find("oauth_consumer_key"),
            find("oauth_token"),
            find("oauth_timestamp"),
            find("oauth_nonce"),
            find("oauth_signature"),
        ) else {
            return Err(AuthFailure::Problem("parameter_absent"));
        };
        if find("oauth_signature_method") != Some("HMAC-SHA1") {
            return Err(AuthFailure::Problem("signature_method_rejected"));
        }
        if find("oauth_version").is_some_and(|version| version != "1.0") {
            return Err(AuthFailure::Problem("version_rejected"));
        }
        if consumer_key != self.application.consumer_key {
            return Err(AuthFailure::Problem("consumer_key_unknown"));
        }

        let now = self.now();
        let (token_secret, customer_id) = {
            let state = lock(&self.state);
            if state.reject_tokens {
                return Err(AuthFailure::TokenRejected);
            }
            let issued = state
                .tokens
                .find(token, consumer_key, now)
                .ok_or(AuthFailure::TokenRejected)?;
            (issued.secret.clone(), issued.customer_id.clone())
        };

        let timestamp: i64 = timestamp
            .parse()
            .map_err(|_| AuthFailure::Problem("timestamp_refused"))?;
        let age = (now.unix_timestamp() - timestamp).unsigned_abs();
        if age > self.settings.clock_skew.as_secs() {
            return Err(AuthFailure::Problem("timestamp_refused"));
        }

        let expected =
            self.expected_signature(request, &header_parameters, token_secret.expose())?;
        if !signatures_match(&expected, signature) {
            return Err(AuthFailure::Problem("signature_invalid"));
        }
        if let Some(body_hash) = find("oauth_body_hash") {
            let digest = hash(MessageDigest::sha1(), request.body)
                .map_err(|_| AuthFailure::Problem("signature_invalid"))?;
            if openssl::base64::encode_block(&digest) != body_hash {
                return Err(AuthFailure::Problem("signature_invalid"));
            }
        }

        if self.settings.check_nonce
            && !lock(&self.state)
                .tokens
                .use_nonce(consumer_key, nonce, now, self.skew())
        {
            return Err(AuthFailure::Problem("nonce_used"));
        }
        Ok(customer_id)
    }

    /// Computes the signature the request should carry: every query parameter, the header's
    /// oauth parameters, and the body's parameters when it is form-encoded (RFC 5849 3.4.1.3).
    fn expected_signature(
        &self,
        request: &SignedRequest<'_>,
        header_parameters: &[(String, String)],
        token_secret: &str,
    ) -> Result<String, AuthFailure> {
        let mut parameters: Vec<(String, String)> = request.query.to_vec();
        parameters.extend(header_parameters.iter().cloned());
        let is_form = header(request.headers, "Content-Type").is_some_and(|value| {
            value.split(';').next().is_some_and(|mime| {
                mime.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            })
        });
        if is_form {
            let form = std::str::from_utf8(request.body)
                .ok()
                .and_then(parse_form)
                .ok_or_else(|| {
                    AuthFailure::Malformed("the form body is not valid form encoding".into())
                })?;
            parameters.extend(form);
        }
        parameters.retain(|(name, _)| name != "oauth_signature");

        let base_uri = self.base_string_uri(request.raw_path, request.headers);
        let base_string = signature_base_string(request.method, &base_uri, &parameters);
        hmac_sha1(
            &base_string,
            &self.application.consumer_secret,
            token_secret,
        )
        .map_err(|_| AuthFailure::Problem("signature_invalid"))
    }

    /// Rebuilds the base-string URI from the request as received: the Host header's host, the
    /// real port (left out when it is the scheme's default) and the raw path.
    fn base_string_uri(&self, raw_path: &str, headers: &[(String, String)]) -> String {
        let host_header = header(headers, "Host").unwrap_or("127.0.0.1");
        let host = if host_header.starts_with('[') {
            host_header
                .find(']')
                .map_or(host_header, |end| &host_header[..=end])
        } else {
            host_header.split(':').next().unwrap_or(host_header)
        };
        let host = if host.is_empty() { "127.0.0.1" } else { host };
        let default_port = matches!((self.scheme, self.port), ("http", 80) | ("https", 443));
        let port = if default_port {
            String::new()
        } else {
            format!(":{}", self.port)
        };
        format!(
            "{}://{}{port}{raw_path}",
            self.scheme,
            host.to_ascii_lowercase()
        )
    }

    /// Handles `POST /oauth/v1/get_access_token_by_saml`: verifies the request and issues a token.
    fn exchange_token(&self, headers: &[(String, String)], body: &[u8]) -> Reply {
        let canned = lock(&self.state).canned_token_replies.pop_front();
        let outcome = self.verify_token_request(headers, body);

        if let Some(canned) = canned {
            // A canned 200 carrying both tokens makes them valid for the verified customer, so
            // a test can check that the client decodes the reply by making a signed call.
            if let (Ok((consumer_key, customer_id)), 200) = (&outcome, canned.status) {
                let pairs = parse_form(&canned.body).unwrap_or_default();
                let find = |name: &str| {
                    pairs
                        .iter()
                        .find(|(field, _)| field == name)
                        .map(|(_, value)| value.clone())
                };
                if let (Some(token), Some(secret)) =
                    (find("oauth_token"), find("oauth_token_secret"))
                {
                    let expires_at = self.token_expiry();
                    let mut state = lock(&self.state);
                    state
                        .tokens
                        .insert(&token, &secret, consumer_key, customer_id, expires_at);
                    state.token_exchanges += 1;
                }
            }
            return Reply {
                status: canned.status,
                headers: vec![("Content-Type".into(), canned.content_type)],
                body: canned.body.into_bytes(),
            };
        }

        match outcome {
            Ok((consumer_key, customer_id)) => {
                let expires_at = self.token_expiry();
                let mut state = lock(&self.state);
                let (token, secret) = state.tokens.issue(&consumer_key, &customer_id, expires_at);
                state.token_exchanges += 1;
                Reply::text(
                    200,
                    format!(
                        "oauth_token_secret={}&oauth_token={}",
                        percent_encode(secret.expose()),
                        percent_encode(&token)
                    ),
                )
            }
            Err(Rejection::Malformed(reason)) => Reply::text(400, reason),
            Err(Rejection::Problem(problem)) => Reply::oauth_problem(problem, None),
        }
    }

    fn token_expiry(&self) -> OffsetDateTime {
        let lifetime =
            time::Duration::try_from(self.settings.token_lifetime).unwrap_or(time::Duration::MAX);
        let now = self.now();
        now.checked_add(lifetime)
            .unwrap_or(now + time::Duration::days(36_500))
    }

    /// Checks the consumer key and the assertion; returns `(consumer key, customer id)`.
    fn verify_token_request(
        &self,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Result<(String, String), Rejection> {
        let text = std::str::from_utf8(body)
            .map_err(|_| Rejection::Malformed("the form body is not UTF-8".into()))?;
        let form = parse_form(text).ok_or_else(|| {
            Rejection::Malformed("the form body has a malformed percent-escape".into())
        })?;
        let form_value = |name: &str| {
            form.iter()
                .find(|(field, _)| field == name)
                .map(|(_, value)| value.clone())
        };

        let header_key = match header(headers, "Authorization") {
            Some(value) => parse_authorization(value)
                .ok_or_else(|| {
                    Rejection::Malformed(
                        "the Authorization header is not a valid OAuth header".into(),
                    )
                })?
                .into_iter()
                .find(|(name, _)| name == "oauth_consumer_key")
                .map(|(_, value)| value),
            None => None,
        };
        let consumer_key = header_key
            .or_else(|| form_value("oauth_consumer_key"))
            .ok_or(Rejection::Problem("parameter_absent"))?;
        if consumer_key != self.application.consumer_key {
            return Err(Rejection::Problem("consumer_key_unknown"));
        }

        let assertion =
            form_value("saml_assertion").ok_or(Rejection::Problem("parameter_absent"))?;
        let decoded = decode_base64(&assertion, self.settings.lenient_base64)?;
        let policy = AssertionPolicy {
            identity_provider_id: &self.application.saml_identity_provider_id,
            public_key: &self.public_key,
            now: self.now(),
            skew: self.skew(),
            lenient_digest: self.settings.lenient_digest,
            strict_instants: self.settings.strict_instants,
        };
        let customer_id = verify_assertion(&decoded, &policy)?;
        Ok((consumer_key, customer_id))
    }
}

/// Percent-decodes each path segment; `+` stays a plus sign in paths.
///
/// A `/` that arrived encoded as `%2F` stays `%2F`, so an id holding a slash remains one segment
/// (and is then rejected as an invalid id) instead of changing the route.
fn decode_path(relative: &str) -> Option<String> {
    let segments: Option<Vec<String>> = relative
        .split('/')
        .map(|segment| Some(percent_decode(segment, false)?.replace('/', "%2F")))
        .collect();
    Some(segments?.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect()
    }

    #[test]
    fn gzip_acceptance_reads_qvalues() {
        assert!(accepts_gzip(&headers(&[("Accept-Encoding", "gzip")])));
        assert!(accepts_gzip(&headers(&[(
            "accept-encoding",
            "deflate, GZIP;q=0.5"
        )])));
        assert!(!accepts_gzip(&headers(&[("Accept-Encoding", "gzip;q=0")])));
        assert!(!accepts_gzip(&headers(&[("Accept-Encoding", "identity")])));
        assert!(!accepts_gzip(&[]));
    }

    #[test]
    fn path_segments_are_decoded() {
        assert_eq!(
            decode_path("/export/files/a%20b+c.gz").as_deref(),
            Some("/export/files/a b+c.gz")
        );
        assert_eq!(decode_path("/bad%2"), None);
    }

    #[test]
    fn status_document_escapes_and_correlates() {
        let reply = Reply::status_document(404, "code<&>", "no such resource");
        let body = String::from_utf8(reply.body).unwrap();

        assert!(body.contains("<errorCode>code&lt;&amp;&gt;</errorCode>"));
        assert!(body.contains("<correlationId>gw-"));
        assert!(roxmltree::Document::parse(&body).is_ok());
    }
}
