//! Fault injection: replies that are late, cut short, malformed or hostile, for chosen routes.
//!
//! A [`FaultRule`] pairs a route pattern with a [`Fault`]. The HTTP layer looks up the first
//! rule that matches each request after reading its body. Requests that no rule matches are
//! served and verified exactly as without faults.
//!
//! Faults that damage the delivery of a real reply (a stall, a trickle, a cut body) hand the
//! request to the bank first. So its effects happen, as on a real service whose reply is lost
//! on the way. Faults that replace the reply (an HTML error page, a hostile document)
//! answer without verifying the request and without calling the bank, like a proxy in front of
//! the service.
//!
//! Closing a connection in the middle of a reply needs the socket, which tiny_http 0.12 keeps to
//! itself. So when a sandbox has a rule whose fault closes connections, clients connect to a
//! small relay (the gate) that forwards bytes to tiny_http on an internal port and closes the
//! client's connection when the handler asks for it.

use std::collections::HashMap;
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::server::{lock, Reply};
use super::{SandboxBuilder, SandboxHandle};
use crate::error::{Error, Result};

/// How long the gate waits for more bytes of a reply before it checks whether the handler asked
/// for the connection to be closed.
const GATE_POLL: Duration = Duration::from_millis(10);

/// The step in which fault delays sleep, so that stopping the sandbox does not wait for them.
const SLEEP_STEP: Duration = Duration::from_millis(10);

/// The namespace of the `Status` document of a 503 fault.
const COMMON_NAMESPACE: &str = "http://schema.intuit.com/platform/fdatafeed/common/v1";

/// A misbehaviour of the sandbox's reply.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Waits this long before handling the request, then replies normally.
    Delay(Duration),
    /// Sends the status line and headers of the real reply, waits this long, then sends the body.
    StallAfterHeaders(Duration),
    /// Sends the real reply one byte at a time, waiting this long after each byte.
    Trickle(Duration),
    /// Sends the headers and the first half of the real body, then closes the connection.
    CloseMidBody,
    /// Sends the whole real body with a `Content-Length` 100 bytes larger, then closes the
    /// connection.
    BodyCutShort,
    /// Replies with this status and an HTML error page, as a proxy does. With
    /// `echo_request_body`, the page repeats the request body, as some misconfigured proxies
    /// and debug pages do.
    HtmlError {
        /// The HTTP status, for example 500 or 502.
        status: u16,
        /// Whether the page contains the request body.
        echo_request_body: bool,
    },
    /// Replies 503 with a `Status` document (`errorCode` 503, `errorType` SYSTEM_ERROR).
    Unavailable,
    /// Replies 200 `application/xml` with a document whose text contains bytes that are not
    /// UTF-8.
    InvalidUtf8,
    /// Replies 200 `application/xml` with a DTD of nested entities that would expand to 10^9
    /// copies of a word ("billion laughs").
    NestedEntities,
    /// Replies 200 `application/xml` with a DTD that declares an external entity with this
    /// system identifier (for example `file:///etc/hostname`) and uses it.
    ExternalEntity(String),
    /// Replies 200 `application/xml` with a well-formed `AccountList` of at least this many
    /// bytes.
    LargeBody(usize),
    /// Replies normally but with this `Content-Type`.
    WrongContentType(String),
    /// Replies with this status, content type, headers and body.
    Body {
        /// The HTTP status.
        status: u16,
        /// The `Content-Type` header.
        content_type: String,
        /// More headers, for example `challengeSessionId` and `challengeNodeId` to make a 401
        /// a challenge.
        headers: Vec<(String, String)>,
        /// The body bytes, sent as they are.
        body: Vec<u8>,
    },
}

impl Fault {
    /// Returns the variant's name, for the log. It leaves out the fields, because a
    /// [`Fault::Body`] may contain anything.
    fn name(&self) -> &'static str {
        match self {
            Fault::Delay(_) => "Delay",
            Fault::StallAfterHeaders(_) => "StallAfterHeaders",
            Fault::Trickle(_) => "Trickle",
            Fault::CloseMidBody => "CloseMidBody",
            Fault::BodyCutShort => "BodyCutShort",
            Fault::HtmlError { .. } => "HtmlError",
            Fault::Unavailable => "Unavailable",
            Fault::InvalidUtf8 => "InvalidUtf8",
            Fault::NestedEntities => "NestedEntities",
            Fault::ExternalEntity(_) => "ExternalEntity",
            Fault::LargeBody(_) => "LargeBody",
            Fault::WrongContentType(_) => "WrongContentType",
            Fault::Body { .. } => "Body",
        }
    }

    /// Returns whether the fault closes the client's connection, which needs the gate.
    fn closes_connection(&self) -> bool {
        matches!(self, Fault::CloseMidBody | Fault::BodyCutShort)
    }

    /// Returns whether the fault writes the reply itself through the raw connection.
    fn writes_raw(&self) -> bool {
        matches!(
            self,
            Fault::StallAfterHeaders(_)
                | Fault::Trickle(_)
                | Fault::CloseMidBody
                | Fault::BodyCutShort
        )
    }
}

/// A fault and the requests it applies to.
///
/// The route is `*` for every request, a path prefix such as `/v1/accounts`, or a method and a
/// pattern such as `POST /v1/institutions/*/logins`. Patterns compare whole path segments, `*`
/// matches any one segment, and a pattern matches the paths it is a prefix of, so
/// `/v1/accounts` also matches `/v1/accounts/400004530271/transactions`. The path is the raw
/// request path without its query. The token exchange path
/// `/oauth/v1/get_access_token_by_saml` can be faulted too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRule {
    route: String,
    fault: Fault,
    times: Option<usize>,
}

impl FaultRule {
    /// Creates a rule that applies `fault` to every request matching `route`.
    pub fn new(route: &str, fault: Fault) -> FaultRule {
        FaultRule {
            route: route.to_string(),
            fault,
            times: None,
        }
    }

    /// Limits the rule to the first `times` matching requests. Later ones are served normally.
    pub fn times(mut self, times: usize) -> FaultRule {
        self.times = Some(times);
        self
    }

    /// Returns the route pattern.
    pub fn route(&self) -> &str {
        &self.route
    }

    /// Returns the fault.
    pub fn fault(&self) -> &Fault {
        &self.fault
    }
}

impl SandboxBuilder {
    /// Adds a fault for the requests that match `route` (see [`FaultRule`] for the patterns).
    ///
    /// Rules are checked in the order added and the first match applies. A sandbox whose rules
    /// include [`Fault::CloseMidBody`] or [`Fault::BodyCutShort`] relays connections through
    /// a gate that can close them, which [`SandboxBuilder::start`] reports as
    /// [`Error::InvalidConfig`] for setting `fault` when it cannot start. An invalid route is
    /// reported the same way.
    pub fn fault(self, route: &str, fault: Fault) -> Self {
        self.fault_rule(FaultRule::new(route, fault))
    }

    /// Adds a fault rule, for example one limited with [`FaultRule::times`].
    pub fn fault_rule(mut self, rule: FaultRule) -> Self {
        self.faults.push(rule);
        self
    }
}

impl SandboxHandle {
    /// Replaces the fault rules of the running sandbox. With an empty list, every request is
    /// served normally.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidConfig`] for setting `fault` when a route is invalid, or when a rule
    /// closes connections but the sandbox was started without such a rule (and so without
    /// the gate). The rules stay unchanged then.
    pub fn set_faults(&self, rules: &[FaultRule]) -> Result<()> {
        self.shared.faults.replace(rules)
    }
}

/// A parsed route pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Route {
    method: Option<String>,
    /// Path segments after the leading `/`, or `None` to match every path.
    segments: Option<Vec<String>>,
}

impl Route {
    fn parse(route: &str) -> Result<Route> {
        let invalid = |reason: &str| Error::InvalidConfig {
            setting: "fault",
            reason: format!("invalid fault route {route:?}: {reason}"),
        };
        let (method, pattern) = match route.split_once(' ') {
            Some((method, pattern)) => (Some(method), pattern.trim()),
            None => (None, route.trim()),
        };
        if let Some(method) = method {
            if method.is_empty() || !method.bytes().all(|byte| byte.is_ascii_uppercase()) {
                return Err(invalid("the method must be upper-case letters, like POST"));
            }
        }
        let segments = if pattern == "*" {
            None
        } else if let Some(path) = pattern.strip_prefix('/') {
            let path = path.strip_suffix('/').unwrap_or(path);
            Some(path.split('/').map(str::to_string).collect())
        } else {
            return Err(invalid("expected `*` or a path starting with `/`"));
        };
        Ok(Route {
            method: method.map(str::to_string),
            segments,
        })
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        if self
            .method
            .as_deref()
            .is_some_and(|wanted| wanted != method)
        {
            return false;
        }
        let Some(pattern) = &self.segments else {
            return true;
        };
        let path = path.strip_prefix('/').unwrap_or(path);
        let mut segments = path.split('/');
        pattern.iter().all(|expected| {
            segments
                .next()
                .is_some_and(|segment| expected == "*" || expected == segment)
        })
    }
}

/// A rule with its parsed route and the number of uses left.
#[derive(Debug)]
struct ActiveRule {
    route: Route,
    fault: Fault,
    remaining: Option<usize>,
}

/// The fault rules of a running sandbox and its gate, if it has one.
#[derive(Debug)]
pub(crate) struct Faults {
    rules: Mutex<Vec<ActiveRule>>,
    gate: Option<Arc<Gate>>,
}

impl Faults {
    /// Checks the route of every rule.
    pub(crate) fn check_routes(rules: &[FaultRule]) -> Result<()> {
        rules
            .iter()
            .try_for_each(|rule| Route::parse(&rule.route).map(drop))
    }

    /// Returns whether any of `rules` needs the gate.
    pub(crate) fn need_gate(rules: &[FaultRule]) -> bool {
        rules.iter().any(|rule| rule.fault.closes_connection())
    }

    /// Parses `rules`. The caller passes a `gate` when [`Faults::need_gate`] is true.
    pub(crate) fn new(rules: &[FaultRule], gate: Option<Arc<Gate>>) -> Result<Faults> {
        let faults = Faults {
            rules: Mutex::new(Vec::new()),
            gate,
        };
        faults.replace(rules)?;
        Ok(faults)
    }

    /// Replaces every rule.
    pub(crate) fn replace(&self, rules: &[FaultRule]) -> Result<()> {
        if self.gate.is_none() && Faults::need_gate(rules) {
            return Err(Error::InvalidConfig {
                setting: "fault",
                reason: "CloseMidBody and BodyCutShort need a sandbox started with a rule that \
                         closes connections, because only then do clients connect through the \
                         relay that can close them"
                    .to_string(),
            });
        }
        let mut active = Vec::with_capacity(rules.len());
        for rule in rules {
            active.push(ActiveRule {
                route: Route::parse(&rule.route)?,
                fault: rule.fault.clone(),
                remaining: rule.times,
            });
        }
        *lock(&self.rules) = active;
        Ok(())
    }

    /// Returns the fault of the first matching rule with uses left, and uses it up.
    pub(crate) fn take(&self, method: &str, path: &str) -> Option<Fault> {
        let mut rules = lock(&self.rules);
        let rule = rules
            .iter_mut()
            .find(|rule| rule.remaining != Some(0) && rule.route.matches(method, path))?;
        if let Some(remaining) = &mut rule.remaining {
            *remaining -= 1;
        }
        log::info!(
            "sandbox applies fault {} to {method} {path}",
            rule.fault.name()
        );
        Some(rule.fault.clone())
    }

    /// Stops the gate, closing every connection through it.
    pub(crate) fn stop(&self) {
        if let Some(gate) = &self.gate {
            gate.stop();
        }
    }
}

/// Applies the part of `fault` that comes before the bank: waits for [`Fault::Delay`], and
/// returns the reply of a fault that replaces the real one.
pub(crate) fn before_dispatch(fault: &Fault, body: &[u8], stopping: &AtomicBool) -> Option<Reply> {
    match fault {
        Fault::Delay(delay) => {
            sleep(*delay, stopping);
            None
        }
        Fault::HtmlError {
            status,
            echo_request_body,
        } => Some(html_error(*status, echo_request_body.then_some(body))),
        Fault::Unavailable => Some(xml_reply(503, unavailable_document().into_bytes())),
        Fault::InvalidUtf8 => Some(xml_reply(200, invalid_utf8_document())),
        Fault::NestedEntities => Some(xml_reply(200, nested_entities_document().into_bytes())),
        Fault::ExternalEntity(system_id) => Some(xml_reply(
            200,
            external_entity_document(system_id).into_bytes(),
        )),
        Fault::LargeBody(size) => Some(xml_reply(200, large_document(*size).into_bytes())),
        Fault::Body {
            status,
            content_type,
            headers,
            body,
        } => {
            let mut all_headers = vec![("Content-Type".to_string(), content_type.clone())];
            all_headers.extend(headers.iter().cloned());
            Some(Reply {
                status: *status,
                headers: all_headers,
                body: body.clone(),
            })
        }
        _ => None,
    }
}

/// Applies the part of `fault` that changes the real reply's headers.
pub(crate) fn after_dispatch(fault: &Fault, mut reply: Reply) -> Reply {
    if let Fault::WrongContentType(content_type) = fault {
        reply
            .headers
            .retain(|(name, _)| !name.eq_ignore_ascii_case("Content-Type"));
        reply
            .headers
            .push(("Content-Type".into(), content_type.clone()));
    }
    reply
}

/// Returns a copy of `reply` to write through the raw connection when `fault` damages its
/// delivery, and `None` when the normal response path sends it.
pub(crate) fn raw_delivery(fault: &Fault, reply: &Reply) -> Option<Reply> {
    fault.writes_raw().then(|| Reply {
        status: reply.status,
        headers: reply.headers.clone(),
        body: reply.body.clone(),
    })
}

/// Writes `reply` through the raw connection of `request` as `fault` prescribes.
pub(crate) fn deliver(
    faults: &Faults,
    fault: &Fault,
    request: tiny_http::Request,
    reply: &Reply,
    stopping: &AtomicBool,
) {
    let peer = request.remote_addr().copied();
    let mut writer = request.into_writer();
    let head = response_head(reply, fault);
    let body = &reply.body;
    let written = match fault {
        Fault::StallAfterHeaders(stall) => write_flushed(&mut writer, &head).and_then(|()| {
            sleep(*stall, stopping);
            write_flushed(&mut writer, body)
        }),
        Fault::Trickle(interval) => {
            let mut all = head;
            all.extend_from_slice(body);
            trickle(&mut writer, &all, *interval, stopping)
        }
        Fault::CloseMidBody => {
            let mut all = head;
            all.extend_from_slice(&body[..body.len() / 2]);
            write_flushed(&mut writer, &all)
        }
        Fault::BodyCutShort => {
            let mut all = head;
            all.extend_from_slice(body);
            write_flushed(&mut writer, &all)
        }
        _ => Ok(()),
    };
    if let Err(error) = written {
        log::debug!("sandbox fault {} stopped writing: {error}", fault.name());
    }
    drop(writer);
    if fault.closes_connection() {
        match (&faults.gate, peer) {
            (Some(gate), Some(peer)) => gate.close(peer),
            _ => log::warn!(
                "sandbox fault {} cannot close the connection without the gate",
                fault.name()
            ),
        }
    }
}

/// Builds the status line and headers, with the `Content-Length` the fault announces.
fn response_head(reply: &Reply, fault: &Fault) -> Vec<u8> {
    let reason = tiny_http::StatusCode(reply.status).default_reason_phrase();
    let mut head = format!("HTTP/1.1 {} {reason}\r\n", reply.status);
    for (name, value) in &reply.headers {
        let framing = name.eq_ignore_ascii_case("Content-Length")
            || name.eq_ignore_ascii_case("Transfer-Encoding")
            || name.eq_ignore_ascii_case("Content-Encoding");
        if !framing {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    let announced = match fault {
        Fault::BodyCutShort => reply.body.len() + 100,
        _ => reply.body.len(),
    };
    head.push_str(&format!("Content-Length: {announced}\r\n\r\n"));
    head.into_bytes()
}

fn write_flushed(writer: &mut dyn Write, bytes: &[u8]) -> std::io::Result<()> {
    writer.write_all(bytes)?;
    writer.flush()
}

fn trickle(
    writer: &mut dyn Write,
    bytes: &[u8],
    interval: Duration,
    stopping: &AtomicBool,
) -> std::io::Result<()> {
    for byte in bytes {
        write_flushed(writer, std::slice::from_ref(byte))?;
        sleep(interval, stopping);
        if stopping.load(Ordering::SeqCst) {
            break;
        }
    }
    Ok(())
}

/// Sleeps for `duration`, or less when the sandbox stops.
fn sleep(duration: Duration, stopping: &AtomicBool) {
    let deadline = Instant::now() + duration;
    loop {
        let now = Instant::now();
        if now >= deadline || stopping.load(Ordering::SeqCst) {
            return;
        }
        std::thread::sleep(SLEEP_STEP.min(deadline - now));
    }
}

fn xml_reply(status: u16, body: Vec<u8>) -> Reply {
    Reply {
        status,
        headers: vec![("Content-Type".into(), "application/xml".into())],
        body,
    }
}

fn html_error(status: u16, echoed: Option<&[u8]>) -> Reply {
    let reason = tiny_http::StatusCode(status).default_reason_phrase();
    let mut page = format!(
        "<!DOCTYPE html>\n<html><head><title>{status} {reason}</title></head>\n<body>\
         <h1>{status} {reason}</h1><p>The proxy server received an invalid response from an \
         upstream server.</p>"
    );
    if let Some(body) = echoed {
        // Echoed as received, without escaping, as the pages this imitates do.
        page.push_str("<pre>");
        page.push_str(&String::from_utf8_lossy(body));
        page.push_str("</pre>");
    }
    page.push_str("<hr><address>gateway</address></body></html>\n");
    Reply {
        status,
        headers: vec![("Content-Type".into(), "text/html; charset=utf-8".into())],
        body: page.into_bytes(),
    }
}

fn unavailable_document() -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
         <Status xmlns=\"{COMMON_NAMESPACE}\"><errorInfo><errorType>SYSTEM_ERROR</errorType>\
         <errorCode>503</errorCode><errorMessage>Service Unavailable</errorMessage>\
         <correlationId>gw-fault-503</correlationId></errorInfo></Status>"
    )
}

fn invalid_utf8_document() -> Vec<u8> {
    let mut body = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
        <AccountList><BankingAccount><accountId>400004530271</accountId><accountNickname>"
        .to_vec();
    // A lone continuation byte, a truncated two-byte sequence and 0xFF, which UTF-8 never uses.
    body.extend_from_slice(b"Caf\x80 \xC3 \xFF");
    body.extend_from_slice(b"</accountNickname></BankingAccount></AccountList>");
    body
}

fn nested_entities_document() -> String {
    let mut document = String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE AccountList [\n");
    document.push_str("<!ENTITY lol0 \"lol\">\n");
    for level in 1..10 {
        let reference = format!("&lol{};", level - 1);
        document.push_str(&format!(
            "<!ENTITY lol{level} \"{}\">\n",
            reference.repeat(10)
        ));
    }
    document.push_str("]>\n<AccountList><accountNickname>&lol9;</accountNickname></AccountList>");
    document
}

fn external_entity_document(system_id: &str) -> String {
    let quoted = system_id.replace('"', "%22");
    format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE AccountList [<!ENTITY file SYSTEM \"{quoted}\">]>\n\
         <AccountList><accountNickname>&file;</accountNickname></AccountList>"
    )
}

fn large_document(size: usize) -> String {
    const ACCOUNT: &str = "<BankingAccount><accountId>400004530271</accountId>\
        <accountNickname>Large reply padding</accountNickname></BankingAccount>";
    let mut document = String::with_capacity(size + ACCOUNT.len() + 64);
    document.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?><AccountList>");
    while document.len() < size {
        document.push_str(ACCOUNT);
    }
    document.push_str("</AccountList>");
    document
}

/// A relay between clients and tiny_http that can close a client's connection on request.
///
/// Each client connection gets an upstream connection to tiny_http and two threads that copy
/// bytes. tiny_http reports the upstream connection's local address as the peer, which is how
/// [`Gate::close`] finds the client connection.
#[derive(Debug)]
pub(crate) struct Gate {
    address: SocketAddr,
    links: Mutex<HashMap<SocketAddr, Link>>,
    stopping: AtomicBool,
    acceptor: Mutex<Option<JoinHandle<()>>>,
}

#[derive(Debug)]
struct Link {
    client: TcpStream,
    close: Arc<AtomicBool>,
}

impl Gate {
    /// Starts relaying connections accepted on `listener` to `upstream`.
    pub(crate) fn start(listener: TcpListener, upstream: SocketAddr) -> std::io::Result<Arc<Gate>> {
        let gate = Arc::new(Gate {
            address: listener.local_addr()?,
            links: Mutex::new(HashMap::new()),
            stopping: AtomicBool::new(false),
            acceptor: Mutex::new(None),
        });
        let accepting = Arc::clone(&gate);
        let acceptor = std::thread::Builder::new()
            .name("sandbox-gate".into())
            .spawn(move || accepting.accept_loop(&listener, upstream))?;
        *lock(&gate.acceptor) = Some(acceptor);
        Ok(gate)
    }

    fn accept_loop(self: &Arc<Gate>, listener: &TcpListener, upstream: SocketAddr) {
        for client in listener.incoming() {
            if self.stopping.load(Ordering::SeqCst) {
                break;
            }
            match client {
                Ok(client) => {
                    if let Err(error) = self.relay(client, upstream) {
                        log::warn!("sandbox gate failed to relay a connection: {error}");
                    }
                }
                Err(error) => log::warn!("sandbox gate failed to accept a connection: {error}"),
            }
        }
    }

    fn relay(self: &Arc<Gate>, client: TcpStream, upstream: SocketAddr) -> std::io::Result<()> {
        let server = TcpStream::connect(upstream)?;
        let _ = server.set_nodelay(true);
        let _ = client.set_nodelay(true);
        let key = server.local_addr()?;
        let close = Arc::new(AtomicBool::new(false));
        lock(&self.links).insert(
            key,
            Link {
                client: client.try_clone()?,
                close: Arc::clone(&close),
            },
        );

        let (mut client_reader, mut server_writer) = (client.try_clone()?, server.try_clone()?);
        std::thread::Builder::new()
            .name("sandbox-gate-up".into())
            .spawn(move || {
                let _ = std::io::copy(&mut client_reader, &mut server_writer);
                let _ = server_writer.shutdown(Shutdown::Write);
            })?;

        let gate = Arc::clone(self);
        std::thread::Builder::new()
            .name("sandbox-gate-down".into())
            .spawn(move || {
                gate.copy_down(server, client, &close);
                lock(&gate.links).remove(&key);
            })?;
        Ok(())
    }

    /// Copies tiny_http's bytes to the client until either side closes, or until the handler
    /// asked to close and every byte it wrote has been passed on.
    fn copy_down(&self, mut server: TcpStream, mut client: TcpStream, close: &AtomicBool) {
        let _ = server.set_read_timeout(Some(GATE_POLL));
        let mut buffer = vec![0; 16 * 1024];
        loop {
            match server.read(&mut buffer) {
                Ok(0) => break,
                Ok(count) => {
                    if client.write_all(&buffer[..count]).is_err() {
                        break;
                    }
                }
                Err(error)
                    if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) =>
                {
                    if close.load(Ordering::SeqCst) || self.stopping.load(Ordering::SeqCst) {
                        break;
                    }
                }
                Err(error) if error.kind() == ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        let _ = client.shutdown(Shutdown::Both);
        let _ = server.shutdown(Shutdown::Both);
    }

    /// Closes the client connection whose upstream connection has local address `peer`, once
    /// the bytes already written to it have been passed on.
    fn close(&self, peer: SocketAddr) {
        match lock(&self.links).get(&peer) {
            Some(link) => link.close.store(true, Ordering::SeqCst),
            None => log::warn!("sandbox gate has no connection from {peer} to close"),
        }
    }

    fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        // A connection wakes the accept loop, which then reads `stopping`.
        let _ = TcpStream::connect(self.address);
        if let Some(acceptor) = lock(&self.acceptor).take() {
            let _ = acceptor.join();
        }
        for link in lock(&self.links).values() {
            let _ = link.client.shutdown(Shutdown::Both);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(pattern: &str) -> Route {
        Route::parse(pattern).unwrap()
    }

    #[test]
    fn star_matches_every_request() {
        assert!(route("*").matches("GET", "/v1/institutions"));
        assert!(route("*").matches("POST", "/oauth/v1/get_access_token_by_saml"));
    }

    #[test]
    fn prefix_compares_whole_segments() {
        let accounts = route("/v1/accounts");

        assert!(accounts.matches("GET", "/v1/accounts"));
        assert!(accounts.matches("DELETE", "/v1/accounts/400004530271"));
        assert!(!accounts.matches("GET", "/v1/accountsx"));
        assert!(!accounts.matches("GET", "/v1/institutions"));
    }

    #[test]
    fn method_and_wildcard_select() {
        let logins = route("POST /v1/institutions/*/logins");

        assert!(logins.matches("POST", "/v1/institutions/100000/logins"));
        assert!(!logins.matches("GET", "/v1/institutions/100000/logins"));
        assert!(!logins.matches("POST", "/v1/institutions/100000"));
        assert!(route("PUT *").matches("PUT", "/v1/logins/1"));
        assert!(!route("PUT *").matches("GET", "/v1/logins/1"));
    }

    #[test]
    fn invalid_routes_rejected() {
        for pattern in ["", "v1/accounts", "post /v1", "GET v1"] {
            assert!(Route::parse(pattern).is_err(), "{pattern:?}");
        }
    }

    #[test]
    fn limited_rule_runs_out() {
        let rules = [FaultRule::new("/v1/accounts", Fault::Unavailable).times(2)];
        let faults = Faults::new(&rules, None).unwrap();

        assert_eq!(faults.take("GET", "/v1/accounts"), Some(Fault::Unavailable));
        assert_eq!(faults.take("GET", "/v1/institutions"), None);
        assert_eq!(
            faults.take("GET", "/v1/accounts/1"),
            Some(Fault::Unavailable)
        );
        assert_eq!(faults.take("GET", "/v1/accounts"), None);
    }

    #[test]
    fn closing_faults_need_gate() {
        let rules = [FaultRule::new("*", Fault::CloseMidBody)];

        assert!(Faults::need_gate(&rules));
        assert!(Faults::new(&rules, None).is_err());
    }

    #[test]
    fn hostile_documents_are_rejected_by_parser() {
        for body in [
            nested_entities_document(),
            external_entity_document("file:///etc/hostname"),
        ] {
            assert!(crate::XmlNode::parse(&body).is_err());
        }
        assert!(std::str::from_utf8(&invalid_utf8_document()).is_err());
        assert!(crate::XmlNode::parse(&unavailable_document()).is_ok());
        assert!(crate::XmlNode::parse(&large_document(10_000)).is_ok());
    }

    #[test]
    fn cut_short_head_announces_more() {
        let reply = xml_reply(200, b"<a/>".to_vec());
        let head = String::from_utf8(response_head(&reply, &Fault::BodyCutShort)).unwrap();

        assert!(head.starts_with("HTTP/1.1 200 OK\r\n"));
        assert!(head.contains("Content-Length: 104\r\n"));
        assert!(head.ends_with("\r\n\r\n"));
    }
}
