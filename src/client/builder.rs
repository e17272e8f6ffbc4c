//! The client builder: settings, their defaults, validation and the HTTP agent.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig, TlsProvider};

use crate::error::{Error, Result};
use crate::key::PrivateKey;
use crate::saml::Saml;
use crate::secret::Secret;

use super::tokens::TokenCache;
use super::ProgressCallback;
use super::{AggcatClient, Inner, DEFAULT_BASE_URL, DEFAULT_SAML_URL};
use crate::response::Progress;

/// Default connect timeout, as the Ruby client used it.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// Default read timeout, as the Ruby client used it.
const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(120);

/// Default maximum response size: 256 MiB, far above a long transaction list (20,000
/// transactions are about 14 MB) and above ureq's own 10 MB default.
const DEFAULT_MAX_RESPONSE_SIZE: u64 = 256 * 1024 * 1024;

/// Builder for [`AggcatClient`].
///
/// Start one with [`AggcatClient::builder`], change settings, and finish with
/// [`build`](Self::build). `Debug` shows no secret: the consumer secret, the passphrase, the key
/// bytes and the proxy URL (which may carry a password) are left out.
///
/// # Examples
///
/// ```no_run
/// use std::time::Duration;
///
/// let client = aggcat::AggcatClient::builder("consumer-key", "consumer-secret", "idp-id", "customer-1")
///     .private_key("app.key")
///     .read_timeout(Duration::from_secs(60))
///     .build()?;
/// # Ok::<(), aggcat::Error>(())
/// ```
pub struct AggcatClientBuilder {
    consumer_key: String,
    consumer_secret: Secret,
    saml_identity_provider_id: String,
    customer_id: String,
    objectify: bool,
    verify_ssl: bool,
    private_key: Option<KeySource>,
    passphrase: Option<Secret>,
    ca_certificates: Vec<Vec<u8>>,
    base_url: String,
    saml_url: String,
    connect_timeout: Duration,
    read_timeout: Duration,
    max_response_size: u64,
    proxy: Option<Secret>,
    progress: Option<ProgressCallback>,
}

enum KeySource {
    Path(PathBuf),
    Bytes(Vec<u8>),
}

impl AggcatClientBuilder {
    pub(crate) fn new(
        consumer_key: &str,
        consumer_secret: &str,
        saml_identity_provider_id: &str,
        customer_id: &str,
    ) -> Self {
        AggcatClientBuilder {
            consumer_key: consumer_key.to_owned(),
            consumer_secret: Secret::new(consumer_secret),
            saml_identity_provider_id: saml_identity_provider_id.to_owned(),
            customer_id: customer_id.to_owned(),
            objectify: true,
            verify_ssl: true,
            private_key: None,
            passphrase: None,
            ca_certificates: Vec::new(),
            base_url: DEFAULT_BASE_URL.to_owned(),
            saml_url: DEFAULT_SAML_URL.to_owned(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            read_timeout: DEFAULT_READ_TIMEOUT,
            max_response_size: DEFAULT_MAX_RESPONSE_SIZE,
            proxy: None,
            progress: None,
        }
    }

    /// Whether to parse XML bodies into [`Content::Xml`](crate::Content::Xml). Default: on.
    ///
    /// When off, every non-empty body is returned as [`Content::Raw`](crate::Content::Raw)
    /// without any check of its content type.
    pub fn objectify(mut self, on: bool) -> Self {
        self.objectify = on;
        self
    }

    /// Whether to verify TLS certificates and host names. Default: on.
    ///
    /// # Warning
    ///
    /// Turning verification off accepts any certificate for any host, for the token exchange
    /// and the data API alike. Anyone on the network path can then read the bank credentials,
    /// the OAuth token and every account. Use it only against a loopback test server; to trust
    /// a private or test CA, keep verification on and add the CA with
    /// [`ca_certificate_pem`](Self::ca_certificate_pem).
    pub fn verify_ssl(mut self, on: bool) -> Self {
        self.verify_ssl = on;
        self
    }

    /// Path of the application's private key file (PEM or DER). Replaces an earlier key.
    pub fn private_key(mut self, path: impl Into<PathBuf>) -> Self {
        self.private_key = Some(KeySource::Path(path.into()));
        self
    }

    /// The application's private key as PEM or DER bytes. Replaces an earlier key.
    pub fn private_key_pem(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.private_key = Some(KeySource::Bytes(bytes.into()));
        self
    }

    /// Passphrase of an encrypted private key. Default: none.
    pub fn passphrase(mut self, passphrase: &str) -> Self {
        self.passphrase = Some(Secret::new(passphrase));
        self
    }

    /// Data API base URL. Default: [`DEFAULT_BASE_URL`] (`…/rest-war/v1`).
    ///
    /// The service served the same routes under `…/v1`, so
    /// `https://financialdatafeed.platform.intuit.com/v1` works too. Batch calls use the same
    /// host with `/v1/export` when the URL ends in `/rest-war/v1`, and the URL plus `/export`
    /// otherwise.
    pub fn base_url(mut self, url: &str) -> Self {
        self.base_url = url.to_owned();
        self
    }

    /// Token exchange URL. Default: [`DEFAULT_SAML_URL`].
    pub fn saml_url(mut self, url: &str) -> Self {
        self.saml_url = url.to_owned();
        self
    }

    /// An extra trusted CA certificate (PEM, one or more certificates). May be called more
    /// than once. Default: none, so only the system's trusted roots apply.
    ///
    /// The extra certificates are trusted together with the roots in OpenSSL's default
    /// certificate file.
    pub fn ca_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.ca_certificates.push(pem.into());
        self
    }

    /// Connect timeout, covering name resolution, TCP connect and the TLS handshake.
    /// Default: 15 s.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Read timeout. Default: 120 s.
    ///
    /// It bounds the wait for the response headers after the request was sent, and each
    /// single read or write on the connection, so a server that stalls in the middle of a
    /// body fails after this long. A large body that keeps arriving is not cut off.
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// Maximum response body size in bytes, after gzip decoding. Default: 256 MiB.
    ///
    /// A larger body fails with [`Error::ResponseTooLarge`].
    pub fn max_response_size(mut self, bytes: u64) -> Self {
        self.max_response_size = bytes;
        self
    }

    /// A callback that receives how much of each data response body has arrived, for example to show
    /// the progress of the institution list (about 5 MB). Default: none.
    ///
    /// It runs on the calling thread after each chunk of at most 64 KiB and once when the body
    /// is complete, so it should return quickly.
    ///
    /// ```
    /// # let builder = aggcat::AggcatClient::builder("key", "secret", "provider", "customer");
    /// let builder = builder.progress(|progress: aggcat::Progress| {
    ///     eprint!("\r{} bytes", progress.received);
    /// });
    /// ```
    pub fn progress(mut self, callback: impl Fn(Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(callback));
        self
    }

    /// HTTP proxy URL, for example `http://proxy.example:3128`. Default: none; the
    /// environment's proxy variables are not read.
    pub fn proxy(mut self, url: &str) -> Self {
        self.proxy = Some(Secret::new(url));
        self
    }

    /// Validates the settings, loads the private key and builds the client.
    ///
    /// No request is sent; the first call (or [`AggcatClient::authenticate`]) fetches the
    /// OAuth token.
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidConfig`] naming the setting when the consumer key, identity provider
    ///   id or customer id is empty, or no private key was given (`private_key`).
    /// - The same error when a URL does not parse or is not `http`/`https`, a timeout or the
    ///   maximum response size is zero, a CA certificate is not PEM, or the proxy URL is
    ///   invalid.
    /// - [`Error::Key`] or [`Error::Io`] when the private key cannot be read or loaded.
    pub fn build(self) -> Result<AggcatClient> {
        require_non_empty("consumer_key", &self.consumer_key)?;
        require_non_empty("saml_identity_provider_id", &self.saml_identity_provider_id)?;
        require_non_empty("customer_id", &self.customer_id)?;
        let base_url = validate_url("base_url", &self.base_url)?;
        let saml_url = validate_url("saml_url", &self.saml_url)?;
        require_timeout("connect_timeout", self.connect_timeout)?;
        require_timeout("read_timeout", self.read_timeout)?;
        if self.max_response_size == 0 {
            return Err(Error::InvalidConfig {
                setting: "max_response_size",
                reason: "the maximum response size must be at least 1 byte".to_owned(),
            });
        }

        let passphrase = self.passphrase.as_ref().map(Secret::expose);
        let private_key = match &self.private_key {
            None => {
                return Err(Error::InvalidConfig {
                    setting: "private_key",
                    reason: "no private key was given; set `private_key` (a path) or \
                             `private_key_pem` (the key bytes)"
                        .to_owned(),
                })
            }
            Some(KeySource::Path(path)) => PrivateKey::from_path(path, passphrase)?,
            Some(KeySource::Bytes(bytes)) => PrivateKey::from_bytes(bytes, passphrase)?,
        };

        if !self.verify_ssl {
            log::warn!("TLS certificate verification is off for {base_url} and {saml_url}");
        }
        let agent = self.build_agent()?;
        let batch_base_url = batch_base_url(&base_url);
        let saml = Saml::new(
            private_key,
            self.saml_identity_provider_id.as_str(),
            self.customer_id.as_str(),
        );

        Ok(AggcatClient {
            inner: Arc::new(Inner {
                consumer_key: self.consumer_key,
                consumer_secret: self.consumer_secret,
                customer_id: self.customer_id,
                saml,
                base_url,
                batch_base_url,
                saml_url,
                objectify: self.objectify,
                max_response_size: self.max_response_size,
                progress: self.progress,
                agent,
                tokens: TokenCache::default(),
            }),
        })
    }

    fn build_agent(&self) -> Result<ureq::Agent> {
        let tls = TlsConfig::builder()
            .provider(TlsProvider::NativeTls)
            .root_certs(self.root_certs()?)
            .disable_verification(!self.verify_ssl)
            .build();
        let proxy = match &self.proxy {
            None => None,
            Some(url) => Some(ureq::Proxy::new(url.expose()).map_err(|_| {
                Error::InvalidConfig {
                    setting: "proxy",
                    reason: "the proxy URL does not parse; expected for example \
                         `http://proxy.example:3128`"
                        .to_owned(),
                }
            })?),
        };

        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            // A redirect would need a new signature for the new URL, so it is returned as an
            // error status instead of being followed.
            .max_redirects(0)
            .max_redirects_will_error(false)
            .user_agent(concat!("aggcat-rs/", env!("CARGO_PKG_VERSION")))
            .tls_config(tls)
            .proxy(proxy)
            .timeout_resolve(Some(self.connect_timeout))
            .timeout_connect(Some(self.connect_timeout))
            .timeout_recv_response(Some(self.read_timeout))
            .timeout_per_read(Some(self.read_timeout))
            .timeout_per_write(Some(self.read_timeout))
            // NOTE: ureq keeps 3 idle connections per host, so 8 threads sharing a client open
            // new connections often. Raising it to 16 starved the sandbox: tiny_http 0.12
            // serves each connection on one thread of a pool that can queue a new connection
            // behind kept-alive ones, and those never closed, so queued calls timed out.
            .build();
        Ok(ureq::Agent::new_with_config(config))
    }

    /// Returns the system roots, plus the extra CA certificates when there are any.
    fn root_certs(&self) -> Result<RootCerts> {
        if self.ca_certificates.is_empty() {
            return Ok(RootCerts::PlatformVerifier);
        }

        let mut roots = system_roots();
        for pem in &self.ca_certificates {
            let before = roots.len();
            for item in ureq::tls::parse_pem(pem) {
                match item {
                    Ok(PemItem::Certificate(certificate)) => roots.push(certificate),
                    Ok(_) => {}
                    Err(_) => return Err(invalid_ca()),
                }
            }
            if roots.len() == before {
                return Err(invalid_ca());
            }
        }
        Ok(RootCerts::new_with_certs(&roots))
    }
}

fn invalid_ca() -> Error {
    Error::InvalidConfig {
        setting: "ca_certificate_pem",
        reason: "expected one or more PEM `CERTIFICATE` blocks".to_owned(),
    }
}

/// Loads the certificates of OpenSSL's default certificate file (and directory).
///
/// Needed because giving ureq specific roots replaces the system roots instead of adding to
/// them.
// NOTE: certificates in a hashed certificate directory are looked up lazily by OpenSSL, so
// only those of the default certificate file are listed here.
fn system_roots() -> Vec<Certificate<'static>> {
    let Ok(mut builder) = openssl::x509::store::X509StoreBuilder::new() else {
        return Vec::new();
    };
    if builder.set_default_paths().is_err() {
        return Vec::new();
    }
    let store = builder.build();
    store
        .all_certificates()
        .iter()
        .filter_map(|certificate| certificate.to_der().ok())
        .map(|der| Certificate::from_der(&der).to_owned())
        .collect()
}

fn require_non_empty(setting: &'static str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::InvalidConfig {
            setting,
            reason: "the value is empty".to_owned(),
        });
    }
    Ok(())
}

/// The longest accepted timeout. ureq adds timeouts to `Instant`s, which overflows (and
/// panics) for values near `Duration::MAX`.
const MAX_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);

fn require_timeout(setting: &'static str, timeout: Duration) -> Result<()> {
    if timeout.is_zero() {
        return Err(Error::InvalidConfig {
            setting,
            reason: "the timeout must be longer than zero".to_owned(),
        });
    }
    if timeout > MAX_TIMEOUT {
        return Err(Error::InvalidConfig {
            setting,
            reason: format!(
                "the timeout of {} s is longer than the maximum of 24 hours",
                timeout.as_secs()
            ),
        });
    }
    Ok(())
}

/// Returns `url` with any `user:password@` part replaced by `***@`, for `Debug` output.
fn without_userinfo(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://***{}", &rest[at..]),
        None => url.to_owned(),
    }
}

/// Checks that `url` is an absolute `http` or `https` URL without query or fragment, and
/// returns it without a trailing `/`.
fn validate_url(setting: &'static str, url: &str) -> Result<String> {
    // A user name and password in the URL would reach logs and error messages, which print
    // URLs, so such a URL is rejected without being echoed.
    let authority = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = authority.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err(Error::InvalidConfig {
            setting,
            reason: "the URL contains a user name or password, which the service never used; \
                     remove the part before `@`"
                .to_owned(),
        });
    }
    let invalid = |reason: &str| Error::InvalidConfig {
        setting,
        reason: format!("{url:?} {reason}"),
    };
    let uri: ureq::http::Uri = url.parse().map_err(|_| invalid("is not a valid URL"))?;
    let scheme = uri.scheme_str().unwrap_or_default().to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return Err(invalid("must start with http:// or https://"));
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(invalid("has no host"));
    }
    if url.contains(['?', '#']) {
        return Err(invalid("must not have a query string or fragment"));
    }
    Ok(url.trim_end_matches('/').to_owned())
}

/// Returns the batch export base for a data base URL: the same host with `/v1/export` when the
/// data URL ends in `/rest-war/v1`, and the data URL plus `/export` otherwise.
pub(crate) fn batch_base_url(base_url: &str) -> String {
    let suffix = "/rest-war/v1";
    let split = base_url.len().checked_sub(suffix.len());
    match split
        .filter(|&at| base_url.is_char_boundary(at) && base_url[at..].eq_ignore_ascii_case(suffix))
    {
        Some(at) => format!("{}/v1/export", &base_url[..at]),
        None => format!("{base_url}/export"),
    }
}

impl fmt::Debug for AggcatClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let key = match &self.private_key {
            None => "none".to_owned(),
            Some(KeySource::Path(path)) => format!("path {}", path.display()),
            Some(KeySource::Bytes(bytes)) => format!("{} bytes", bytes.len()),
        };
        f.debug_struct("AggcatClientBuilder")
            .field("consumer_key", &self.consumer_key)
            .field("saml_identity_provider_id", &self.saml_identity_provider_id)
            .field("customer_id", &self.customer_id)
            .field("objectify", &self.objectify)
            .field("verify_ssl", &self.verify_ssl)
            .field("private_key", &key)
            .field("passphrase_set", &self.passphrase.is_some())
            .field("ca_certificates", &self.ca_certificates.len())
            .field("base_url", &without_userinfo(&self.base_url))
            .field("saml_url", &without_userinfo(&self.saml_url))
            .field("connect_timeout", &self.connect_timeout)
            .field("read_timeout", &self.read_timeout)
            .field("max_response_size", &self.max_response_size)
            .field("proxy_set", &self.proxy.is_some())
            .field("progress_set", &self.progress.is_some())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_base_from_rest_war() {
        assert_eq!(
            batch_base_url("https://financialdatafeed.platform.intuit.com/rest-war/v1"),
            "https://financialdatafeed.platform.intuit.com/v1/export"
        );
        assert_eq!(
            batch_base_url("http://127.0.0.1:8080/v1"),
            "http://127.0.0.1:8080/v1/export"
        );
        assert_eq!(
            batch_base_url("HTTP://LocalHost:18443/Rest-War/v1"),
            "HTTP://LocalHost:18443/v1/export"
        );
    }

    #[test]
    fn url_validation() {
        assert_eq!(
            validate_url("base_url", "HTTP://LocalHost:18443/Rest-War/v1/").unwrap(),
            "HTTP://LocalHost:18443/Rest-War/v1"
        );
        for bad in [
            "ftp://host/v1",
            "not a url",
            "/v1",
            "http:///v1",
            "http://h/v1?x=1",
        ] {
            assert!(
                matches!(
                    validate_url("base_url", bad),
                    Err(Error::InvalidConfig {
                        setting: "base_url",
                        ..
                    })
                ),
                "url {bad:?}"
            );
        }
    }

    #[test]
    fn url_with_password_rejected_unechoed() {
        for url in [
            "http://user:hunter2-SECRET@127.0.0.1:8080/v1",
            "https://hunter2-SECRET@host/v1",
        ] {
            let error = validate_url("saml_url", url).unwrap_err();

            assert!(matches!(
                error,
                Error::InvalidConfig {
                    setting: "saml_url",
                    ..
                }
            ));
            assert!(!error.to_string().contains("hunter2-SECRET"), "{error}");
        }
        assert!(validate_url("base_url", "http://host/v1/a@b").is_ok());
    }

    #[test]
    fn builder_debug_masks_url_password() {
        let builder = AggcatClientBuilder::new("key", "secret", "provider", "customer")
            .saml_url("http://user:hunter2-SECRET@127.0.0.1/token");

        let printed = format!("{builder:?}");

        assert!(!printed.contains("hunter2-SECRET"), "{printed}");
        assert!(printed.contains("http://***@127.0.0.1/token"), "{printed}");
    }

    #[test]
    fn huge_timeouts_rejected() {
        for setting in ["connect_timeout", "read_timeout"] {
            let error = require_timeout(setting, Duration::MAX).unwrap_err();

            assert!(matches!(error, Error::InvalidConfig { .. }), "{setting}");
        }
        assert!(require_timeout("read_timeout", MAX_TIMEOUT).is_ok());
        let built = AggcatClientBuilder::new("key", "secret", "provider", "customer")
            .connect_timeout(Duration::MAX)
            .build();
        assert!(matches!(
            built,
            Err(Error::InvalidConfig {
                setting: "connect_timeout",
                ..
            })
        ));
    }
}
