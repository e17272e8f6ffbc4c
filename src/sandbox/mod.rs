//! A loopback imitation of the service and its test bank.
//!
//! Signatures here are the public contract; bodies are filled in by the sandbox work.
//! The sandbox verifies requests with its own code and never calls the client's signing or
//! assertion code, so that a mistake shared by both sides cannot pass the tests.

use std::time::Duration;

use crate::error::Result;

pub(crate) mod bank;
pub mod documents;

/// Entry point: `Sandbox::builder().start()`.
#[derive(Debug)]
pub struct Sandbox;

impl Sandbox {
    /// Returns a builder with the default settings.
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder::default()
    }
}

/// Settings of a sandbox. Every best-guess behaviour of the protocol reference is a field here.
#[derive(Debug, Clone)]
pub struct SandboxBuilder {
    pub(crate) settings: Settings,
}

/// Settings shared by the HTTP layer and the bank.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// Port to bind on 127.0.0.1; 0 picks an ephemeral port.
    pub port: u16,
    /// Serve HTTPS with a generated CA and leaf certificate.
    pub tls: bool,
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
}

impl Default for SandboxBuilder {
    fn default() -> Self {
        SandboxBuilder {
            settings: Settings {
                port: 0,
                tls: false,
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
            },
        }
    }
}

impl SandboxBuilder {
    /// Binds and starts serving.
    pub fn start(self) -> Result<SandboxHandle> {
        todo!()
    }
}

/// A running sandbox; dropping it stops the server.
#[derive(Debug)]
pub struct SandboxHandle {
    _private: (),
}
