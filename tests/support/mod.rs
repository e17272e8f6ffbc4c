//! A loopback HTTP/1.1 responder for client tests.
//!
//! It listens on `127.0.0.1:0`, replies to every request with the reply a test's handler builds,
//! and records each request as received. Each reply closes its connection. Dropping the
//! server fails the test when the handler panicked.

#![allow(dead_code)] // Each test binary uses a different part of this module.

pub mod alloc;
#[cfg(feature = "sandbox")]
pub mod sandbox;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// One request as the server received it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// The request target: path and query, exactly as sent.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// Returns the target without its query string.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }

    /// Returns the first value of header `name`, compared without regard to case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// A canned reply.
#[derive(Debug, Clone)]
pub struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    delay: Duration,
    /// Send only this many body bytes, then wait this long before closing.
    stall: Option<(usize, Duration)>,
}

impl Reply {
    pub fn new(status: u16) -> Self {
        Reply {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            delay: Duration::ZERO,
            stall: None,
        }
    }

    pub fn xml(status: u16, body: &str) -> Self {
        Reply::new(status)
            .header("Content-Type", "application/xml")
            .body(body)
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn body(mut self, body: impl AsRef<[u8]>) -> Self {
        self.body = body.as_ref().to_vec();
        self
    }

    /// Waits `delay` before sending anything.
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// Sends the headers (with the full `Content-Length`) and `sent` body bytes, then waits
    /// `wait` and closes the connection.
    pub fn stall_after(mut self, sent: usize, wait: Duration) -> Self {
        self.stall = Some((sent, wait));
        self
    }
}

type Handler = dyn Fn(&Request) -> Reply + Send + Sync;

/// A running responder. It keeps running until the test process ends.
pub struct Server {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    requests: Arc<Mutex<Vec<Request>>>,
    handler_panicked: Arc<AtomicBool>,
}

impl Server {
    pub fn start(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> Server {
        Server::start_with(None, handler)
    }

    /// Starts an HTTPS server that presents `certificate` (PEM) with its `key` (PEM).
    pub fn start_tls(
        certificate: &[u8],
        key: &[u8],
        handler: impl Fn(&Request) -> Reply + Send + Sync + 'static,
    ) -> Server {
        use openssl::ssl::{SslAcceptor, SslMethod};

        let certificate = openssl::x509::X509::from_pem(certificate).unwrap();
        let key = openssl::pkey::PKey::private_key_from_pem(key).unwrap();
        let mut acceptor = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls()).unwrap();
        acceptor.set_certificate(&certificate).unwrap();
        acceptor.set_private_key(&key).unwrap();
        let mut server = Server::start_with(Some(Arc::new(acceptor.build())), handler);
        server.url = server.url.replacen("http://", "https://", 1);
        server
    }

    fn start_with(
        acceptor: Option<Arc<openssl::ssl::SslAcceptor>>,
        handler: impl Fn(&Request) -> Reply + Send + Sync + 'static,
    ) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let handler_panicked = Arc::new(AtomicBool::new(false));
        let handler: Arc<Handler> = Arc::new(handler);

        let recorded = Arc::clone(&requests);
        let panicked = Arc::clone(&handler_panicked);
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let handler = Arc::clone(&handler);
                let recorded = Arc::clone(&recorded);
                let panicked = Arc::clone(&panicked);
                let acceptor = acceptor.clone();
                thread::spawn(move || {
                    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        match acceptor {
                            None => serve(stream, &*handler, &recorded),
                            // A client that rejects the certificate ends the handshake.
                            Some(acceptor) => {
                                if let Ok(stream) = acceptor.accept(stream) {
                                    serve(stream, &*handler, &recorded);
                                }
                            }
                        }
                    }));
                    if outcome.is_err() {
                        panicked.store(true, Ordering::SeqCst);
                    }
                });
            }
        });

        Server {
            url,
            requests,
            handler_panicked,
        }
    }

    /// Returns every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }

    /// Counts the requests with `method` whose path starts with `path_prefix`.
    pub fn count(&self, method: &str, path_prefix: &str) -> usize {
        self.requests()
            .iter()
            .filter(|request| request.method == method && request.path().starts_with(path_prefix))
            .count()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.handler_panicked.load(Ordering::SeqCst) && !thread::panicking() {
            panic!("the loopback server's handler panicked");
        }
    }
}

fn serve<S: Read + Write>(stream: S, handler: &Handler, recorded: &Mutex<Vec<Request>>) {
    let mut reader = BufReader::new(stream);
    let Some(request) = read_request(&mut reader) else {
        return;
    };
    recorded.lock().unwrap().push(request.clone());
    let reply = handler(&request);
    write_reply(reader.get_mut(), &reply);
}

fn read_request<S: Read>(reader: &mut BufReader<S>) -> Option<Request> {
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let target = parts.next()?.to_owned();

    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).ok()?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':')?;
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }

    let length = headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;

    Some(Request {
        method,
        target,
        headers,
        body,
    })
}

fn write_reply<S: Write>(stream: &mut S, reply: &Reply) {
    thread::sleep(reply.delay);

    let mut head = format!("HTTP/1.1 {} Canned\r\n", reply.status);
    for (name, value) in &reply.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n", reply.body.len()));
    head.push_str("Connection: close\r\n\r\n");

    let sent = reply.stall.map_or(reply.body.len(), |(sent, _)| sent);
    // The client may hang up early (timeouts, size limits); write errors are expected then.
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&reply.body[..sent.min(reply.body.len())]);
    let _ = stream.flush();
    if let Some((_, wait)) = reply.stall {
        thread::sleep(wait);
    }
}
