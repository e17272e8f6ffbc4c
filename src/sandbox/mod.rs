//! A loopback imitation of the service and its test bank.
//!
//! The sandbox verifies requests with its own code and never calls the client's signing or
//! assertion code, so that a mistake shared by both sides cannot pass the tests.
//!
//! The token endpoint checks the XML-DSig signature of the SAML assertion (exclusive c14n,
//! SHA-1 digest, RSA-SHA1 against the registered certificate), its issuer, audience and
//! validity window. Every data call gets its OAuth 1.0a HMAC-SHA1 signature, timestamp and
//! nonce checked, with the base string rebuilt from the raw request as received.
//!
//! Where real clients differed and the service's own rule is unknown, the defaults are the
//! strict choice, so that the sandbox catches the client mistakes other clients shipped: the
//! assertion's base64 must be one unwrapped line (`lenient_base64`), its instants UTC with
//! three fraction digits (`strict_instants`), the digest must match (`lenient_digest`),
//! challenge answers must use their namespaces (`lenient_namespaces`) and account types must
//! be upper case (`lenient_account_type_case`). Each setting turns the strict check off.
//! Generated token secrets always contain `/+=&`, so the token reply (128 bytes) is longer
//! than the service's (120 bytes), in exchange for exercising the client's decoding.
//!
//! Beyond the service's routes, `GET /echo` (signed, under either base path) returns its
//! decoded query parameters, so tests can check what arrived.
//!
//! Each request is logged through the `log` crate at `info` as one line with the method, the
//! path without its query, the status and the elapsed milliseconds.
//!
//! ```no_run
//! # fn main() -> aggcat::Result<()> {
//! let sandbox = aggcat::sandbox::Sandbox::builder().start()?;
//! let client = sandbox.client("customer-1")?;
//! let institutions = client.get_institutions()?;
//! # let _ = institutions;
//! # Ok(())
//! # }
//! ```

use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::{AggcatClient, AggcatClientBuilder};

pub(crate) mod bank;
mod c14n;
pub mod documents;
mod faults;
mod oauth_check;
mod saml_check;
mod server;
mod tls;
mod tokens;

use bank::Bank;
pub use faults::{Fault, FaultRule};
use server::{lock, CannedReply, Shared, State};

/// Number of threads handling requests.
const WORKER_THREADS: usize = 6;

/// Entry point: `Sandbox::builder().start()`.
#[derive(Debug)]
pub struct Sandbox;

impl Sandbox {
    /// Returns a builder with the default settings.
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder::default()
    }
}

/// Settings of a sandbox. Every best-guess behaviour of the protocol reference is a setting.
#[derive(Debug, Clone)]
pub struct SandboxBuilder {
    pub(crate) settings: Settings,
    consumer_secret: Option<Secret>,
    faults: Vec<FaultRule>,
}

/// Settings shared by the HTTP layer and the bank.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// Port to bind on 127.0.0.1; 0 picks an ephemeral port.
    pub port: u16,
    /// Serve HTTPS with a generated CA and leaf certificate.
    pub tls: bool,
    /// Names in the TLS leaf certificate's subjectAltName.
    pub tls_leaf_names: Vec<String>,
    /// Sign the TLS leaf with an intermediate CA and send both in the handshake.
    pub tls_intermediate: bool,
    /// Lifetime of issued OAuth tokens.
    pub token_lifetime: Duration,
    /// Offset added to the sandbox clock, in seconds (negative: behind).
    pub clock_offset_seconds: i64,
    /// Number of generated institutions.
    pub institutions: usize,
    /// Seed of the deterministic generators.
    pub seed: u64,
    /// Maximum accounts per customer (`api.max.accounts`).
    pub max_accounts_per_customer: usize,
    /// Maximum customers (`api.max.customers`).
    pub max_customers: usize,
    /// Lifetime of a challenge session before it answers 408.
    pub challenge_session_lifetime: Duration,
    /// Skip the digest comparison of the SAML signature (a forgiving server).
    pub lenient_digest: bool,
    /// Accept lower-case account types in `update_account_type`.
    pub lenient_account_type_case: bool,
    /// Match request-body elements by local name only, ignoring their namespace URIs.
    pub lenient_namespaces: bool,
    /// HTTP status of the test bank's login errors (`Status` codes 103 and 187).
    pub login_error_status: u16,
    /// Name of CCBank (institution 100000): `CCBank-Beacon` in 2015, `CC Bank` in 2012.
    pub ccbank_name: String,
    /// Allowed clock skew for SAML conditions and OAuth timestamps.
    pub clock_skew: Duration,
    /// Reject a reused OAuth nonce.
    pub check_nonce: bool,
    /// Number of requests kept for [`SandboxHandle::requests`]; older ones are dropped.
    pub max_recorded_requests: usize,
    /// Accept wrapped, URL-safe or unpadded base64 for `saml_assertion`.
    pub lenient_base64: bool,
    /// Reject (400) assertion instants that are not UTC with three fraction digits.
    pub strict_instants: bool,
}

impl Default for SandboxBuilder {
    fn default() -> Self {
        SandboxBuilder {
            settings: Settings {
                port: 0,
                tls: false,
                tls_leaf_names: vec!["127.0.0.1".to_string(), "localhost".to_string()],
                tls_intermediate: false,
                token_lifetime: Duration::from_secs(60 * 60),
                clock_offset_seconds: 0,
                institutions: 18_716,
                seed: 1,
                max_accounts_per_customer: 1_000,
                max_customers: 1_000,
                challenge_session_lifetime: Duration::from_secs(10 * 60),
                lenient_digest: false,
                lenient_account_type_case: false,
                lenient_namespaces: false,
                login_error_status: 503,
                ccbank_name: "CCBank-Beacon".to_string(),
                clock_skew: Duration::from_secs(5 * 60),
                check_nonce: true,
                max_recorded_requests: 10_000,
                lenient_base64: false,
                strict_instants: true,
            },
            consumer_secret: None,
            faults: Vec::new(),
        }
    }
}

impl SandboxBuilder {
    /// Sets the port to bind on 127.0.0.1 (default 0: an ephemeral port).
    pub fn port(mut self, port: u16) -> Self {
        self.settings.port = port;
        self
    }

    /// Serves HTTPS with a generated CA and leaf certificate (default off).
    ///
    /// The leaf's subjectAltName lists `IP:127.0.0.1` and `DNS:localhost` and its common name is
    /// `wrong.invalid`, so only clients that match names against the subjectAltName connect.
    /// The CA is available from [`SandboxHandle::ca_certificate_pem`].
    pub fn tls(mut self, on: bool) -> Self {
        self.settings.tls = on;
        self
    }

    /// Sets the subjectAltName entries of the TLS leaf certificate (default `127.0.0.1` and
    /// `localhost`); IP addresses become `IP:` entries, other names `DNS:` entries.
    pub fn tls_leaf_names(mut self, names: Vec<String>) -> Self {
        self.settings.tls_leaf_names = names;
        self
    }

    /// Signs the TLS leaf with an intermediate CA, itself signed by the CA of
    /// [`SandboxHandle::ca_certificate_pem`], and sends leaf and intermediate in the handshake
    /// (default off: the CA signs the leaf directly).
    pub fn tls_intermediate(mut self, on: bool) -> Self {
        self.settings.tls_intermediate = on;
        self
    }

    /// Sets the lifetime of issued OAuth tokens (default one hour).
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.settings.token_lifetime = lifetime;
        self
    }

    /// Shifts the sandbox clock by `seconds` (negative: behind); default 0.
    pub fn clock_offset(mut self, seconds: i64) -> Self {
        self.settings.clock_offset_seconds = seconds;
        self
    }

    /// Sets the number of generated institutions (default 18,716).
    pub fn institutions(mut self, count: usize) -> Self {
        self.settings.institutions = count;
        self
    }

    /// Sets the seed of the deterministic data generators (default 1).
    pub fn seed(mut self, seed: u64) -> Self {
        self.settings.seed = seed;
        self
    }

    /// Sets the maximum accounts per customer, beyond which the bank replies `api.max.accounts`
    /// (default 1,000).
    pub fn max_accounts_per_customer(mut self, max: usize) -> Self {
        self.settings.max_accounts_per_customer = max;
        self
    }

    /// Sets the maximum customers, beyond which the bank replies `api.max.customers`
    /// (default 1,000).
    pub fn max_customers(mut self, max: usize) -> Self {
        self.settings.max_customers = max;
        self
    }

    /// Sets how long a challenge session stays open before it expires with a 408 (default 10
    /// minutes).
    pub fn challenge_session_lifetime(mut self, lifetime: Duration) -> Self {
        self.settings.challenge_session_lifetime = lifetime;
        self
    }

    /// Skips the comparison of the assertion's DigestValue, like a forgiving server (default
    /// off). The RSA signature over SignedInfo is still checked.
    pub fn lenient_digest(mut self, on: bool) -> Self {
        self.settings.lenient_digest = on;
        self
    }

    /// Accepts lower-case account types in `update_account_type` (default off: 400).
    pub fn lenient_account_type_case(mut self, on: bool) -> Self {
        self.settings.lenient_account_type_case = on;
        self
    }

    /// Matches request-body elements by local name only, ignoring their namespace URIs
    /// (default off: elements must be in their documented namespaces).
    pub fn lenient_namespaces(mut self, on: bool) -> Self {
        self.settings.lenient_namespaces = on;
        self
    }

    /// Sets the HTTP status of the test bank's login errors, `Status` codes 103 and 187
    /// (default 503).
    pub fn login_error_status(mut self, status: u16) -> Self {
        self.settings.login_error_status = status;
        self
    }

    /// Sets the name of CCBank, institution 100000 (default `CCBank-Beacon`, its 2015 name;
    /// `CC Bank` is the 2012 name).
    pub fn ccbank_name(mut self, name: &str) -> Self {
        self.settings.ccbank_name = name.to_string();
        self
    }

    /// Sets the allowed clock skew for SAML conditions and OAuth timestamps (default 5 minutes).
    /// It is also how long a nonce is remembered.
    pub fn clock_skew(mut self, skew: Duration) -> Self {
        self.settings.clock_skew = skew;
        self
    }

    /// Rejects a reused OAuth nonce with `nonce_used` (default on).
    pub fn check_nonce(mut self, on: bool) -> Self {
        self.settings.check_nonce = on;
        self
    }

    /// Number of requests the sandbox keeps for [`SandboxHandle::requests`], with their headers
    /// and bodies; once it is reached the oldest are dropped (default 10,000). A long-running
    /// sandbox keeps its memory bounded this way.
    pub fn max_recorded_requests(mut self, count: usize) -> Self {
        self.settings.max_recorded_requests = count;
        self
    }

    /// Accepts the base64 variants real clients sent for `saml_assertion`: line breaks, the
    /// URL-safe alphabet, missing padding (default off).
    ///
    /// The default is strict (one line of standard base64 with canonical padding, else 400)
    /// because that is the form every client should send, and strictness catches a client
    /// that wraps lines or does not percent-encode `+`.
    pub fn lenient_base64(mut self, on: bool) -> Self {
        self.settings.lenient_base64 = on;
        self
    }

    /// Rejects with a 400 the assertion instants (`IssueInstant`, `NotBefore`, `NotOnOrAfter`,
    /// `AuthnInstant`) that are not UTC with exactly three fraction digits and `Z` (default
    /// on). When off, any `xs:dateTime` is accepted.
    pub fn strict_instants(mut self, on: bool) -> Self {
        self.settings.strict_instants = on;
        self
    }

    /// Replaces the generated consumer secret.
    pub fn consumer_secret(mut self, secret: &str) -> Self {
        self.consumer_secret = Some(Secret::new(secret));
        self
    }

    /// Generates the application's credentials (and TLS certificates when enabled), binds
    /// 127.0.0.1 and starts serving.
    ///
    /// # Errors
    ///
    /// [`Error::Crypto`] when key or certificate generation fails, and
    /// [`Error::InvalidConfig`] for setting `port` when the port cannot be bound or for
    /// setting `tls` when the TLS server cannot be set up.
    pub fn start(self) -> Result<SandboxHandle> {
        faults::Faults::check_routes(&self.faults)?;
        let application = generate_application(self.consumer_secret)?;
        let public_key =
            application
                .key
                .certificate
                .public_key()
                .map_err(|source| Error::Crypto {
                    operation: "read the application's public key",
                    source,
                })?;

        let mut ca_certificate_pem = None;
        let ssl = if self.settings.tls {
            let root = tls::certificate_authority()?;
            let intermediate = if self.settings.tls_intermediate {
                Some(tls::intermediate_authority(&root)?)
            } else {
                None
            };
            let issuer = intermediate.as_ref().unwrap_or(&root);
            let leaf = tls::leaf_certificate(issuer, &self.settings.tls_leaf_names)?;
            // tiny_http sends the first certificate as the leaf and the rest as its chain.
            let mut chain = leaf.certificate_pem()?;
            if let Some(intermediate) = &intermediate {
                chain.push_str(&intermediate.certificate_pem()?);
            }
            ca_certificate_pem = Some(root.certificate_pem()?);
            Some(tiny_http::SslConfig {
                certificate: chain.into_bytes(),
                private_key: leaf.private_key_pem()?.into_bytes(),
            })
        } else {
            None
        };
        // With the gate, clients connect to its port and tiny_http listens on an internal one.
        let gate_listener = if faults::Faults::need_gate(&self.faults) {
            let listener = std::net::TcpListener::bind(("127.0.0.1", self.settings.port)).map_err(
                |error| Error::InvalidConfig {
                    setting: "port",
                    reason: format!("failed to bind 127.0.0.1:{}: {error}", self.settings.port),
                },
            )?;
            Some(listener)
        } else {
            None
        };
        let address = match gate_listener {
            Some(_) => ("127.0.0.1", 0),
            None => ("127.0.0.1", self.settings.port),
        };
        let server = match ssl {
            Some(ssl) => {
                tiny_http::Server::https(address, ssl).map_err(|error| Error::InvalidConfig {
                    setting: "tls",
                    reason: format!(
                        "failed to start the HTTPS server on port {}: {error}",
                        address.1
                    ),
                })?
            }
            None => tiny_http::Server::http(address).map_err(|error| Error::InvalidConfig {
                setting: "port",
                reason: format!("failed to bind 127.0.0.1:{}: {error}", address.1),
            })?,
        };
        let server_address = server
            .server_addr()
            .to_ip()
            .ok_or_else(|| Error::InvalidConfig {
                setting: "port",
                reason: "the server is not bound to an IP address".to_string(),
            })?;
        let (port, gate) = match gate_listener {
            Some(listener) => {
                let port = listener.local_addr().map_or(0, |address| address.port());
                let gate = faults::Gate::start(listener, server_address).map_err(|error| {
                    Error::InvalidConfig {
                        setting: "fault",
                        reason: format!("failed to start the fault gate: {error}"),
                    }
                })?;
                (port, Some(gate))
            }
            None => (server_address.port(), None),
        };
        let faults = faults::Faults::new(&self.faults, gate)?;

        let scheme = if self.settings.tls { "https" } else { "http" };
        let bank = Bank::new(&self.settings);
        let shared = Arc::new(Shared {
            settings: self.settings,
            application: application.public,
            public_key,
            scheme,
            port,
            state: Mutex::new(State {
                tokens: tokens::TokenStore::default(),
                recorded: std::collections::VecDeque::new(),
                token_exchanges: 0,
                reject_tokens: false,
                token_rejected_header: DEFAULT_TOKEN_REJECTED_HEADER.to_string(),
                canned_token_replies: VecDeque::new(),
            }),
            bank: Mutex::new(bank),
            stopping: AtomicBool::new(false),
            request_threads: std::sync::atomic::AtomicUsize::new(0),
            faults,
        });
        let server = Arc::new(server);
        let workers =
            server::spawn_workers(&server, &shared, WORKER_THREADS).map_err(|source| {
                Error::InvalidConfig {
                    setting: "port",
                    reason: format!("failed to start the worker threads: {source}"),
                }
            })?;
        log::info!("sandbox listening on {scheme}://127.0.0.1:{port}");
        Ok(SandboxHandle {
            shared,
            server,
            workers,
            ca_certificate_pem,
        })
    }
}

const DEFAULT_TOKEN_REJECTED_HEADER: &str = "OAuth oauth_problem=\"token_rejected\"";

struct GeneratedApplication {
    public: SandboxApplication,
    key: tls::KeyAndCertificate,
}

/// Generates the consumer key and secret, the SAML identity provider id, and the RSA key pair
/// with the certificate registered for the application.
fn generate_application(consumer_secret: Option<Secret>) -> Result<GeneratedApplication> {
    let consumer_key = format!("qyprd{}", tokens::random_alphanumeric(20));
    // The generated secret always contains `+/=&%`, so every signed call exercises the
    // percent-encoding of the HMAC key.
    let consumer_secret =
        consumer_secret.unwrap_or_else(|| Secret::new(tokens::random_with_specials(35, "+/=&%")));
    let saml_identity_provider_id = format!("sandbox.{}.intuit.ipp.prod", tokens::random_hex(6));
    let key = tls::application_key(&saml_identity_provider_id)?;
    let public = SandboxApplication {
        consumer_key,
        consumer_secret: consumer_secret.expose().to_string(),
        saml_identity_provider_id,
        private_key_pem: key.private_key_pem()?,
        certificate_pem: key.certificate_pem()?,
    };
    Ok(GeneratedApplication { public, key })
}

/// The application registered with a sandbox: what a developer dashboard would hand out.
#[derive(Clone)]
pub struct SandboxApplication {
    /// The OAuth consumer key (`qyprd` and 20 letters and digits).
    pub consumer_key: String,
    /// The OAuth consumer secret: 40 characters including `+/=&%`, unless replaced with
    /// [`SandboxBuilder::consumer_secret`].
    pub consumer_secret: String,
    /// The SAML identity provider id, expected as Issuer and Audience of assertions.
    pub saml_identity_provider_id: String,
    /// The application's private RSA key (2048 bits), PKCS#8 PEM.
    pub private_key_pem: String,
    /// The self-signed certificate of the application's public key, PEM.
    pub certificate_pem: String,
}

impl fmt::Debug for SandboxApplication {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxApplication")
            .field("consumer_key", &self.consumer_key)
            .field("saml_identity_provider_id", &self.saml_identity_provider_id)
            .finish_non_exhaustive()
    }
}

/// One request the sandbox received, with the status it answered.
#[derive(Clone)]
pub struct RecordedRequest {
    /// The HTTP method.
    pub method: String,
    /// The raw request target: path and query exactly as received.
    pub target: String,
    /// The request headers with their names as received.
    pub headers: Vec<(String, String)>,
    /// The raw request body.
    pub body: Vec<u8>,
    /// The status of the sandbox's reply.
    pub status: u16,
}

impl RecordedRequest {
    /// Returns the path of the request target, without the query.
    pub fn path(&self) -> &str {
        self.target
            .split_once('?')
            .map_or(self.target.as_str(), |(path, _)| path)
    }

    /// Returns the value of the first header with this name, compared without regard to case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(field, _)| field.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

impl fmt::Debug for RecordedRequest {
    // Headers, query and body can carry tokens, signatures, assertions and credentials.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordedRequest")
            .field("method", &self.method)
            .field("path", &self.path())
            .field("status", &self.status)
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

/// A running sandbox; dropping it stops the server and joins its threads.
pub struct SandboxHandle {
    shared: Arc<Shared>,
    server: Arc<tiny_http::Server>,
    workers: Vec<JoinHandle<()>>,
    ca_certificate_pem: Option<String>,
}

impl fmt::Debug for SandboxHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxHandle")
            .field("origin", &self.origin())
            .field("application", &self.shared.application)
            .finish_non_exhaustive()
    }
}

impl SandboxHandle {
    fn origin(&self) -> String {
        format!("{}://127.0.0.1:{}", self.shared.scheme, self.shared.port)
    }

    /// Returns the data base URL `http[s]://127.0.0.1:PORT/v1`.
    pub fn base_url(&self) -> String {
        format!("{}/v1", self.origin())
    }

    /// Returns the alias base URL `http[s]://127.0.0.1:PORT/rest-war/v1`.
    pub fn rest_war_base_url(&self) -> String {
        format!("{}/rest-war/v1", self.origin())
    }

    /// Returns the token exchange URL `http[s]://127.0.0.1:PORT/oauth/v1/get_access_token_by_saml`.
    pub fn saml_url(&self) -> String {
        format!("{}{}", self.origin(), server::TOKEN_PATH)
    }

    /// Returns the bound port.
    pub fn port(&self) -> u16 {
        self.shared.port
    }

    /// Returns the registered application.
    pub fn application(&self) -> &SandboxApplication {
        &self.shared.application
    }

    /// Returns the PEM of the CA that signed the TLS certificate, when TLS is on.
    pub fn ca_certificate_pem(&self) -> Option<&str> {
        self.ca_certificate_pem.as_deref()
    }

    /// Returns a client builder set up with the application, the sandbox URLs, the private key
    /// and, with TLS, the CA certificate.
    pub fn client_builder(&self, customer_id: &str) -> AggcatClientBuilder {
        let application = self.application();
        let mut builder = AggcatClient::builder(
            &application.consumer_key,
            &application.consumer_secret,
            &application.saml_identity_provider_id,
            customer_id,
        )
        .private_key_pem(application.private_key_pem.clone().into_bytes())
        .base_url(&self.base_url())
        .saml_url(&self.saml_url());
        if let Some(pem) = &self.ca_certificate_pem {
            builder = builder.ca_certificate_pem(pem.clone().into_bytes());
        }
        builder
    }

    /// Builds a client for `customer_id` with [`SandboxHandle::client_builder`].
    ///
    /// # Errors
    ///
    /// The errors of [`AggcatClientBuilder::build`].
    pub fn client(&self, customer_id: &str) -> Result<AggcatClient> {
        self.client_builder(customer_id).build()
    }

    /// Returns the requests received so far (token exchanges included), oldest first: all of
    /// them, or the newest [`max_recorded_requests`](SandboxBuilder::max_recorded_requests).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.state).recorded.iter().cloned().collect()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        lock(&self.shared.state).recorded.clear();
    }

    /// Returns the number of token exchanges that issued a token.
    pub fn token_exchanges(&self) -> usize {
        lock(&self.shared.state).token_exchanges
    }

    /// Makes every token issued so far unknown, so the next data call gets `token_rejected`.
    pub fn revoke_tokens(&self) {
        lock(&self.shared.state).tokens.revoke_all();
    }

    /// When on, every data call is answered 401 `token_rejected`, whatever its token.
    pub fn reject_tokens(&self, on: bool) {
        lock(&self.shared.state).reject_tokens = on;
    }

    /// Sets the exact `WWW-Authenticate` value of `token_rejected` replies (default
    /// `OAuth oauth_problem="token_rejected"`).
    pub fn token_rejected_header(&self, value: String) {
        lock(&self.shared.state).token_rejected_header = value;
    }

    /// Queues a canned reply for the next token exchange.
    ///
    /// The assertion is still verified. When the canned status is 200 and its form body contains
    /// `oauth_token` and `oauth_token_secret`, that token becomes valid for the assertion's
    /// customer.
    pub fn push_token_reply(&self, status: u16, content_type: &str, body: &str) {
        lock(&self.shared.state)
            .canned_token_replies
            .push_back(CannedReply {
                status,
                content_type: content_type.to_string(),
                body: body.to_string(),
            });
    }

    /// Returns the ids of the customers the sandbox stores, sorted: each is the NameID of an
    /// assertion exactly as the sandbox parsed it.
    pub fn customer_ids(&self) -> Vec<String> {
        let mut ids = self.with_bank(|bank| bank.customer_ids());
        ids.sort();
        ids
    }

    /// Returns the ids of a customer's accounts in discovery order.
    pub fn account_ids(&self, customer_id: &str) -> Vec<String> {
        self.with_bank(|bank| {
            bank.accounts(customer_id)
                .iter()
                .map(|account| account.id_text())
                .collect()
        })
    }

    /// Returns the credentials (name and value) of the customer's last login body that carried
    /// any, exactly as the sandbox parsed them, so tests can check what arrived.
    pub fn last_credentials(&self, customer_id: &str) -> Option<Vec<(String, String)>> {
        let credentials = self.with_bank(|bank| bank.last_credentials(customer_id))?;
        Some(
            credentials
                .into_iter()
                .map(|(name, value)| (name, value.expose().to_string()))
                .collect(),
        )
    }

    /// Returns the customer's last challenge answers, exactly as the sandbox parsed them.
    pub fn last_answers(&self, customer_id: &str) -> Option<Vec<String>> {
        self.with_bank(|bank| bank.last_answers(customer_id))
    }

    /// Runs `f` with exclusive access to the bank.
    pub(crate) fn with_bank<R>(&self, f: impl FnOnce(&mut Bank) -> R) -> R {
        f(&mut lock(&self.shared.bank))
    }
}

impl Drop for SandboxHandle {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        // Each unblock releases exactly one thread waiting in `recv`.
        for _ in &self.workers {
            self.server.unblock();
        }
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
        self.shared.faults.stop();
        log::info!("sandbox on port {} stopped", self.shared.port);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_application_has_documented_shape() {
        let application = generate_application(None).unwrap().public;

        assert!(application.consumer_key.starts_with("qyprd"));
        assert_eq!(application.consumer_key.len(), 25);
        assert_eq!(application.consumer_secret.len(), 40);
        for special in ['+', '/', '=', '&', '%'] {
            assert!(application.consumer_secret.contains(special));
        }
        assert!(application
            .saml_identity_provider_id
            .starts_with("sandbox."));
        assert!(application
            .saml_identity_provider_id
            .ends_with(".intuit.ipp.prod"));
        assert!(application.private_key_pem.contains("BEGIN PRIVATE KEY"));
        assert!(application.certificate_pem.contains("BEGIN CERTIFICATE"));
    }

    #[test]
    fn application_debug_hides_secret_and_key() {
        let application = generate_application(Some(Secret::new("cs-SECRET-7781")))
            .unwrap()
            .public;

        let printed = format!("{application:?}");

        assert!(!printed.contains("cs-SECRET-7781"));
        assert!(!printed.contains("PRIVATE KEY"));
        assert!(printed.contains(&application.consumer_key));
    }

    #[test]
    fn bank_starts_without_customers() {
        let sandbox = Sandbox::builder().institutions(5).start().unwrap();

        let customers = sandbox.with_bank(|bank| bank.customer_count());

        assert_eq!(customers, 0);
    }

    #[test]
    fn handle_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}

        assert_send_sync::<SandboxHandle>();
    }

    #[test]
    fn handle_reports_urls_and_stops_on_drop() {
        let sandbox = Sandbox::builder().start().unwrap();
        let port = sandbox.port();

        assert_eq!(sandbox.base_url(), format!("http://127.0.0.1:{port}/v1"));
        assert_eq!(
            sandbox.rest_war_base_url(),
            format!("http://127.0.0.1:{port}/rest-war/v1")
        );
        assert_eq!(
            sandbox.saml_url(),
            format!("http://127.0.0.1:{port}/oauth/v1/get_access_token_by_saml")
        );
        assert!(sandbox.ca_certificate_pem().is_none());

        drop(sandbox);
        // The listener closes when tiny_http's accept thread notices the shutdown, shortly after
        // the drop returns.
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            assert!(
                std::time::Instant::now() < deadline,
                "port {port} still accepts"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}
