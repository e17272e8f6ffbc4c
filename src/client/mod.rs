//! The blocking API client.
//!
//! The client is a cheap handle (`Arc` inside) over one HTTP agent, which reuses connections,
//! and one OAuth token cache shared by every clone.

use std::fmt;
use std::path::PathBuf;

use crate::error::{Error, Result};
use crate::response::AggcatResponse;
use crate::saml::Saml;
use crate::secret::Secret;

mod builder;
mod dates;
mod endpoints;
mod tokens;
mod transport;

pub use builder::AggcatClientBuilder;
pub use dates::{IntoDate, IntoOptionalDate};

use transport::ApiCall;

/// The default data API base URL, as the Python client used it.
///
/// The service served the same routes under `https://financialdatafeed.platform.intuit.com/v1`.
pub const DEFAULT_BASE_URL: &str = "https://financialdatafeed.platform.intuit.com/rest-war/v1";

/// The default SAML-to-OAuth token exchange URL.
pub const DEFAULT_SAML_URL: &str = "https://oauth.intuit.com/oauth/v1/get_access_token_by_saml";

/// A blocking client for one customer of one application.
///
/// The client exchanges a signed SAML assertion for an OAuth token on the first call and
/// caches the token. It renews the token after 50 minutes (or earlier when the token reply
/// gives a shorter lifetime), and when the service replies 401 with
/// `oauth_problem="token_rejected"`. The rejected request is then signed afresh and sent once
/// more. Clones share the token, and threads that need a new token at the same time wait for a
/// single exchange.
///
/// # Errors common to every call
///
/// Every call returns [`AggcatResponse`] for a 2xx reply and for a 401 challenge, and these
/// errors otherwise:
///
/// - [`Error::Api`] for any other error status, with the `Status` document's fields when the
///   body is one.
/// - [`Error::Authentication`] when the token exchange fails, when the service rejects a fresh
///   token again, or for a 401 that is neither a challenge nor a rejected token.
/// - [`Error::Timeout`], [`Error::Tls`] and [`Error::Transport`] for network failures. Nothing is resent
///   after them.
/// - [`Error::ResponseTooLarge`] above the maximum response size.
/// - [`Error::UnexpectedContent`] for a 2xx body that is not XML, such as an HTML page, and
///   [`Error::Xml`] for XML that is not well-formed or is cut short.
///
/// Calls that link a bank login can answer with a multi-factor [`Challenge`](crate::Challenge):
/// the response has status 401 and [`AggcatResponse::challenge`] returns the questions.
///
/// # Logging
///
/// Through the `log` crate: token exchanges and renewals at `info`, and each API call at
/// `debug` (method, path without query, status, elapsed milliseconds, `intuit_tid`). The
/// client logs no secret, credential, answer, assertion, query string or body. ureq and
/// ureq-proto log raw request bytes, credentials included, at `trace`: keep their level at
/// `debug` or lower in production.
///
/// # Examples
///
/// ```no_run
/// use aggcat::AggcatClient;
///
/// let client = AggcatClient::new(
///     "consumer-key",
///     "consumer-secret",
///     "saml-identity-provider-id",
///     "customer-1",
///     "/path/to/app.key",
/// )?;
///
/// let response = client.discover_and_add_accounts(
///     "100000",
///     &[("Banking Userid", "tfa_text"), ("Banking Password", "go")],
/// )?;
/// if let Some(challenge) = response.challenge()? {
///     for question in &challenge.questions {
///         println!("{}", question.text);
///     }
///     let accounts = client.confirm_challenge(
///         "100000",
///         &challenge.session_id,
///         &challenge.node_id,
///         &["Rex"],
///     )?;
///     println!("HTTP {}", accounts.status_code());
/// }
/// # Ok::<(), aggcat::Error>(())
/// ```
#[derive(Clone)]
pub struct AggcatClient {
    inner: std::sync::Arc<Inner>,
}

/// The callback set with [`AggcatClientBuilder::progress`].
type ProgressCallback = std::sync::Arc<dyn Fn(crate::Progress) + Send + Sync>;

/// The shared state of a client and its clones.
struct Inner {
    consumer_key: String,
    consumer_secret: Secret,
    customer_id: String,
    saml: Saml,
    /// The data API base URL, without a trailing `/`.
    base_url: String,
    /// The batch export base URL, without a trailing `/`.
    batch_base_url: String,
    saml_url: String,
    objectify: bool,
    max_response_size: u64,
    progress: Option<ProgressCallback>,
    agent: ureq::Agent,
    tokens: tokens::TokenCache,
}

impl AggcatClient {
    /// Creates a client with the default settings: objectify on, TLS verification on, the
    /// default URLs and timeouts, and the private key read from `private_key`.
    ///
    /// # Errors
    ///
    /// The errors of [`AggcatClientBuilder::build`].
    pub fn new(
        consumer_key: &str,
        consumer_secret: &str,
        saml_identity_provider_id: &str,
        customer_id: &str,
        private_key: impl Into<PathBuf>,
    ) -> Result<Self> {
        Self::builder(
            consumer_key,
            consumer_secret,
            saml_identity_provider_id,
            customer_id,
        )
        .private_key(private_key)
        .build()
    }

    /// Starts a builder with the default settings and no private key.
    pub fn builder(
        consumer_key: &str,
        consumer_secret: &str,
        saml_identity_provider_id: &str,
        customer_id: &str,
    ) -> AggcatClientBuilder {
        AggcatClientBuilder::new(
            consumer_key,
            consumer_secret,
            saml_identity_provider_id,
            customer_id,
        )
    }

    /// Returns the customer id the client acts for.
    pub fn customer_id(&self) -> &str {
        &self.inner.customer_id
    }

    /// Returns the data API base URL, without a trailing `/`.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// Fetches a new OAuth token now, replacing a cached one.
    ///
    /// Calls fetch a token when they need one, so this is only needed to check the
    /// credentials early.
    ///
    /// # Errors
    ///
    /// - [`Error::Authentication`] with kind
    ///   [`TokenExchange`](crate::AuthenticationErrorKind::TokenExchange) when the token URL
    ///   replies with anything other than 200 and both token values.
    /// - [`Error::Timeout`] or [`Error::Transport`] when the token URL cannot be reached.
    /// - [`Error::Crypto`] when signing the assertion fails.
    pub fn authenticate(&self) -> Result<()> {
        self.inner.force_new_token()
    }

    /// Sends a signed request that this crate does not wrap.
    ///
    /// `method` is an HTTP method such as `GET`. `path` is relative to the base URL, starts
    /// with `/`, and is sent as given, so its segments must already be percent-encoded (see
    /// [`oauth::percent_encode`](crate::oauth::percent_encode)). Query names and values are
    /// percent-encoded here. A body is sent as `application/xml`.
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidInput`] for a path that does not start with `/`, or a method or path
    ///   that is not valid in an HTTP request.
    /// - The errors of the wrapped calls: [`Error::Api`] for an error status,
    ///   [`Error::Authentication`], [`Error::Timeout`], [`Error::Transport`],
    ///   [`Error::ResponseTooLarge`], and [`Error::UnexpectedContent`] or [`Error::Xml`] for a
    ///   2xx body that is not XML.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&str>,
    ) -> Result<AggcatResponse> {
        if !path.starts_with('/') {
            return Err(Error::InvalidInput {
                parameter: "path",
                reason: format!("{path:?} must start with `/`"),
            });
        }
        if path.contains(['?', '#']) {
            return Err(Error::InvalidInput {
                parameter: "path",
                reason: "the path must not contain `?` or `#`; pass query parameters in `query`"
                    .to_owned(),
            });
        }
        let mut call = ApiCall::new(method, path.to_owned());
        call.query = query
            .iter()
            .map(|(name, value)| (*name, (*value).to_owned()))
            .collect();
        call.body = body.map(str::to_owned);
        self.inner.execute(&call)
    }
}

impl fmt::Debug for AggcatClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        f.debug_struct("AggcatClient")
            .field("consumer_key", &inner.consumer_key)
            .field("customer_id", &inner.customer_id)
            .field("base_url", &inner.base_url)
            .field("saml_url", &inner.saml_url)
            .field("objectify", &inner.objectify)
            .field("max_response_size", &inner.max_response_size)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn test_key_pem() -> Vec<u8> {
        let rsa = openssl::rsa::Rsa::generate(2048).unwrap();
        let key = openssl::pkey::PKey::from_rsa(rsa).unwrap();
        key.private_key_to_pem_pkcs8().unwrap()
    }

    fn builder() -> AggcatClientBuilder {
        AggcatClient::builder("ck-1", "cs-SECRET-7781", "idp-1", "customer-1")
    }

    #[test]
    fn client_is_send_sync_clone() {
        fn assert_traits<T: Send + Sync + Clone + fmt::Debug>() {}
        assert_traits::<AggcatClient>();
    }

    #[test]
    fn debug_hides_secrets() {
        let pem = test_key_pem();
        let pem_marker = String::from_utf8_lossy(&pem[40..80]).into_owned();
        let builder = builder()
            .private_key_pem(pem)
            .passphrase("pw-PASSPHRASE-55")
            .proxy("http://user:proxy-PASSWORD@127.0.0.1:3128");
        let builder_text = format!("{builder:?}");
        let client = builder.build().unwrap();
        let client_text = format!("{client:?}");

        for text in [&builder_text, &client_text] {
            assert!(!text.contains("cs-SECRET-7781"), "{text}");
            assert!(!text.contains("pw-PASSPHRASE-55"), "{text}");
            assert!(!text.contains("proxy-PASSWORD"), "{text}");
            assert!(!text.contains(&pem_marker), "{text}");
        }
        assert!(client_text.contains("customer-1"), "{client_text}");
    }

    #[test]
    fn build_requires_key() {
        let error = builder().build().unwrap_err();

        assert!(matches!(
            error,
            Error::InvalidConfig {
                setting: "private_key",
                ..
            }
        ));
    }

    #[test]
    fn build_rejects_bad_key_bytes() {
        let error = builder()
            .private_key_pem(b"not a key".to_vec())
            .build()
            .unwrap_err();

        assert!(matches!(error, Error::Key { .. }), "{error:?}");
    }

    #[test]
    fn build_rejects_missing_key_file() {
        let error = builder()
            .private_key("/nonexistent/aggcat/app.key")
            .build()
            .unwrap_err();

        assert!(matches!(error, Error::Io { .. }), "{error:?}");
    }

    #[test]
    fn build_validates_settings() {
        let pem = test_key_pem();
        let cases: Vec<(&str, AggcatClientBuilder)> = vec![
            ("consumer_key", AggcatClient::builder("", "s", "idp", "c")),
            (
                "saml_identity_provider_id",
                AggcatClient::builder("k", "s", " ", "c"),
            ),
            ("customer_id", AggcatClient::builder("k", "s", "idp", "")),
            ("base_url", builder().base_url("ftp://example.invalid/v1")),
            ("saml_url", builder().saml_url("localhost:8080/token")),
            ("connect_timeout", builder().connect_timeout(Duration::ZERO)),
            ("read_timeout", builder().read_timeout(Duration::ZERO)),
            ("max_response_size", builder().max_response_size(0)),
            (
                "ca_certificate_pem",
                builder().ca_certificate_pem(b"junk".to_vec()),
            ),
            ("proxy", builder().proxy("::not a proxy::")),
        ];
        for (expected, builder) in cases {
            let error = builder.private_key_pem(pem.clone()).build().unwrap_err();
            assert!(
                matches!(error, Error::InvalidConfig { setting, .. } if setting == expected),
                "setting {expected}: {error:?}"
            );
        }
    }

    #[test]
    fn build_accepts_extra_ca() {
        let rsa = openssl::rsa::Rsa::generate(2048).unwrap();
        let key = openssl::pkey::PKey::from_rsa(rsa).unwrap();
        let mut name = openssl::x509::X509NameBuilder::new().unwrap();
        name.append_entry_by_text("CN", "aggcat test CA").unwrap();
        let name = name.build();
        let mut certificate = openssl::x509::X509::builder().unwrap();
        certificate.set_subject_name(&name).unwrap();
        certificate.set_issuer_name(&name).unwrap();
        certificate.set_pubkey(&key).unwrap();
        let not_before = openssl::asn1::Asn1Time::days_from_now(0).unwrap();
        let not_after = openssl::asn1::Asn1Time::days_from_now(1).unwrap();
        certificate.set_not_before(&not_before).unwrap();
        certificate.set_not_after(&not_after).unwrap();
        certificate
            .sign(&key, openssl::hash::MessageDigest::sha256())
            .unwrap();
        let pem = certificate.build().to_pem().unwrap();

        let client = builder()
            .private_key_pem(test_key_pem())
            .ca_certificate_pem(pem.clone())
            .ca_certificate_pem(pem)
            .build();

        assert!(client.is_ok(), "{client:?}");
    }

    #[test]
    fn getters_return_settings() {
        let client = builder()
            .private_key_pem(test_key_pem())
            .base_url("http://127.0.0.1:9/v1/")
            .build()
            .unwrap();

        assert_eq!(client.customer_id(), "customer-1");
        assert_eq!(client.base_url(), "http://127.0.0.1:9/v1");
    }

    #[test]
    fn request_rejects_relative_path() {
        let client = builder().private_key_pem(test_key_pem()).build().unwrap();

        let error = client.request("GET", "echo", &[], None).unwrap_err();

        assert!(matches!(
            error,
            Error::InvalidInput {
                parameter: "path",
                ..
            }
        ));
    }

    use std::time::Duration;
}
