//! A TCP forwarder that counts the bytes and connections passing through it.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

/// Byte and connection counts of a [`Forwarder`], since it started.
#[derive(Default)]
pub struct Counts {
    /// Bytes from the client to the server: request lines, headers and bodies.
    pub to_server: AtomicUsize,
    /// Bytes from the server to the client: status lines, headers and bodies as sent.
    pub to_client: AtomicUsize,
    /// Accepted client connections.
    pub connections: AtomicUsize,
}

impl Counts {
    /// Returns (bytes to the server, bytes to the client, connections).
    pub fn snapshot(&self) -> (usize, usize, usize) {
        (
            self.to_server.load(Ordering::SeqCst),
            self.to_client.load(Ordering::SeqCst),
            self.connections.load(Ordering::SeqCst),
        )
    }
}

/// A running forwarder. Its threads run until the process exits.
pub struct Forwarder {
    /// The address it listens on.
    pub address: SocketAddr,
    pub counts: Arc<Counts>,
}

/// Maximum time to connect to the upstream server.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Listens on `listen` and forwards each accepted connection to `upstream`.
pub fn start(listen: SocketAddr, upstream: SocketAddr) -> std::io::Result<Forwarder> {
    let listener = TcpListener::bind(listen)?;
    let address = listener.local_addr()?;
    let counts = Arc::new(Counts::default());
    let shared = Arc::clone(&counts);
    thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(client) = client else { continue };
            shared.connections.fetch_add(1, Ordering::SeqCst);
            let counts = Arc::clone(&shared);
            // Connecting in the connection's own thread keeps the accept loop free.
            thread::spawn(move || forward(client, upstream, &counts));
        }
    });
    Ok(Forwarder { address, counts })
}

/// Connects to `upstream` and copies both directions until either side closes.
fn forward(client: TcpStream, upstream: SocketAddr, counts: &Counts) {
    let Ok(server) = TcpStream::connect_timeout(&upstream, CONNECT_TIMEOUT) else {
        let _ = client.shutdown(Shutdown::Both);
        return;
    };
    let _ = (client.set_nodelay(true), server.set_nodelay(true));
    let (Ok(client_reader), Ok(server_reader)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    thread::scope(|scope| {
        scope.spawn(|| copy(client_reader, &server, &counts.to_server));
        copy(server_reader, &client, &counts.to_client);
    });
}

/// Copies from `from` to `to` until end of stream or an error, then closes both connections.
/// HTTP/1.1 has no use for a half-closed connection, and closing unblocks the other direction.
fn copy(mut from: TcpStream, mut to: &TcpStream, counter: &AtomicUsize) {
    let mut buffer = vec![0; 64 * 1024];
    loop {
        let count = match from.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(count) => count,
        };
        // Counted before writing, so the count is complete once the other end has the bytes.
        counter.fetch_add(count, Ordering::SeqCst);
        if to.write_all(&buffer[..count]).is_err() {
            break;
        }
    }
    let _ = from.shutdown(Shutdown::Both);
    let _ = to.shutdown(Shutdown::Both);
}
