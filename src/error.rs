//! The crate's error type.
//!
//! Messages are lowercase, name the failed step and the value involved, and never contain a
//! secret, a credential value, a request or response body, or a query string. Wrapped errors of
//! other crates (`ureq`, `openssl`, `roxmltree`) are reached through
//! [`std::error::Error::source`]; their types are not part of this crate's stable API.

use std::error::Error as StdError;
use std::fmt;
use std::path::PathBuf;

/// A `Result` whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in this crate.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A client or sandbox setting is invalid, for example a base URL that does not parse.
    InvalidConfig {
        /// Name of the setting, as the builder method spells it.
        setting: &'static str,
        /// The problem and how to fix it.
        reason: String,
    },
    /// An argument was rejected before any request was sent, for example an impossible date.
    InvalidInput {
        /// Name of the argument, as the method's documentation spells it.
        parameter: &'static str,
        /// The problem and the accepted forms.
        reason: String,
    },
    /// The credentials given do not cover the institution's displayed login keys.
    ///
    /// Holds field names only, never their values.
    MissingCredentials {
        /// The institution whose keys were checked.
        institution_id: String,
        /// Names of the keys the institution requires, in display order.
        required: Vec<String>,
        /// Names of the credentials the caller gave.
        given: Vec<String>,
        /// Required names that were not given.
        missing: Vec<String>,
    },
    /// The application's private key could not be loaded.
    Key {
        /// The problem with the key.
        kind: KeyErrorKind,
        /// The key file, when the key was read from one.
        path: Option<PathBuf>,
        /// The openssl error stack, when openssl reported one.
        source: Option<openssl::error::ErrorStack>,
    },
    /// A file could not be read or written.
    Io {
        /// The file involved.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// An openssl operation other than key loading failed (RSA signing, HMAC, random bytes).
    Crypto {
        /// The operation that failed.
        operation: &'static str,
        /// The openssl error stack.
        source: openssl::error::ErrorStack,
    },
    /// The token exchange failed, or the service rejected the application's authentication.
    Authentication(Box<AuthenticationError>),
    /// The service returned an error status.
    Api(Box<ApiError>),
    /// A connect or read timeout elapsed.
    Timeout {
        /// The HTTP method of the request.
        method: String,
        /// The request URL without its query string.
        url: String,
        /// The transport error.
        source: Box<ureq::Error>,
    },
    /// The TLS handshake failed: the server's certificate is not trusted (an unknown CA, a
    /// name that does not match the URL's host, an expired certificate) or the handshake
    /// broke off. Add the CA with `ca_certificate_pem` when it is a test or corporate CA.
    Tls {
        /// The HTTP method of the request.
        method: String,
        /// The request URL without its query string.
        url: String,
        /// The transport error.
        source: Box<ureq::Error>,
    },
    /// The request could not be sent or its response could not be read (connection refused,
    /// connection closed mid-body, invalid HTTP).
    Transport {
        /// The HTTP method of the request.
        method: String,
        /// The request URL without its query string.
        url: String,
        /// The transport error.
        source: Box<ureq::Error>,
    },
    /// The response body was larger than the configured maximum response size.
    ResponseTooLarge {
        /// The request URL without its query string.
        url: String,
        /// The configured limit in bytes.
        limit: u64,
    },
    /// The response was not the XML document the call expects, for example an HTML error page
    /// from a proxy.
    UnexpectedContent {
        /// The HTTP status of the response.
        status: u16,
        /// The `Content-Type` header, if any.
        content_type: Option<String>,
        /// The first characters of the body, with every secret the client has removed.
        excerpt: String,
    },
    /// A document is not well-formed XML, is cut short, uses a DTD (which stays refused), or
    /// nests elements deeper than 1,024 levels.
    Xml {
        /// The document's source, for example `GET /v1/institutions`.
        context: String,
        /// The parser's error, with its position.
        source: roxmltree::Error,
    },
    /// A document lacks an element or attribute that the operation needs.
    MissingElement {
        /// The path of the missing element, for example `InstitutionDetail/keys`.
        path: String,
    },
    /// A field's text could not be converted to the requested type.
    InvalidValue {
        /// The field name as the caller asked for it.
        field: String,
        /// The text found, shortened when long.
        value: String,
        /// The expected form.
        expected: &'static str,
    },
}

/// The problem with a private key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyErrorKind {
    /// The bytes are neither a PEM nor a DER private key.
    Malformed,
    /// The key is a valid private key, but not RSA (for example EC P-256).
    NotRsa,
    /// The data is a certificate, not a private key.
    Certificate,
    /// The key is encrypted and no passphrase was given.
    PassphraseRequired,
    /// The passphrase did not decrypt the key.
    WrongPassphrase,
}

impl fmt::Display for KeyErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KeyErrorKind::Malformed => "not a PEM or DER private key",
            KeyErrorKind::NotRsa => "the key is not an RSA key; the service signs with RSA-SHA1",
            KeyErrorKind::Certificate => {
                "a certificate was given where the private key is expected"
            }
            KeyErrorKind::PassphraseRequired => {
                "the key is encrypted; give its passphrase with `passphrase`"
            }
            KeyErrorKind::WrongPassphrase => "the passphrase does not decrypt the key",
        })
    }
}

/// The authentication step that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthenticationErrorKind {
    /// The SAML assertion was not exchanged for an OAuth token (non-200 reply, or a reply
    /// lacking `oauth_token` or `oauth_token_secret`).
    TokenExchange,
    /// The service rejected the OAuth token again after a fresh token was fetched.
    TokenRejected,
    /// A data call was answered 401 without a challenge and without `token_rejected`, for
    /// example a bad signature or a `Status` document.
    Unauthorized,
}

/// Details of an [`Error::Authentication`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthenticationError {
    /// The step that failed.
    pub kind: AuthenticationErrorKind,
    /// The HTTP status, when a reply arrived.
    pub status: Option<u16>,
    /// The `oauth_problem` value from `WWW-Authenticate` or the body, if any.
    pub oauth_problem: Option<String>,
    /// The request URL without its query string.
    pub url: String,
}

/// Details of an [`Error::Api`]: an error status and the `Status` document, if the body was one.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    /// The HTTP status.
    pub status: u16,
    /// The HTTP method of the request.
    pub method: String,
    /// The request path without its query string.
    pub path: String,
    /// `errorInfo/errorType`, for example `APP_ERROR`.
    pub error_type: Option<String>,
    /// `errorInfo/errorCode`, for example `api.database.notfound` or `103`.
    pub error_code: Option<String>,
    /// `errorInfo/errorMessage`.
    pub error_message: Option<String>,
    /// `errorInfo/correlationId`, which Intuit support requests.
    pub correlation_id: Option<String>,
    /// The `intuit_tid` response header.
    pub intuit_tid: Option<String>,
    /// The first characters of a body that is not a `Status` document (a proxy's HTML page,
    /// for example), with every secret the client has removed. `None` for a `Status`
    /// document or an empty body.
    pub excerpt: Option<String>,
}

impl Error {
    /// Returns the HTTP status of the reply that caused this error, if a reply arrived.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(api) => Some(api.status),
            Error::Authentication(auth) => auth.status,
            Error::UnexpectedContent { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Returns the API error details, if this is an [`Error::Api`].
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Error::Api(api) => Some(api),
            _ => None,
        }
    }

    /// Returns the `Status` document's correlation id, if the service sent one.
    pub fn correlation_id(&self) -> Option<&str> {
        self.api_error()?.correlation_id.as_deref()
    }

    /// Returns whether a connect or read timeout caused this error.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout { .. })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidConfig { setting, reason } => {
                write!(f, "invalid setting `{setting}`: {reason}")
            }
            Error::InvalidInput { parameter, reason } => {
                write!(f, "invalid argument `{parameter}`: {reason}")
            }
            Error::MissingCredentials {
                institution_id,
                required,
                given,
                missing,
            } => write!(
                f,
                "missing credential fields {missing:?} for institution {institution_id}: \
                 it requires {required:?}, the call gave {given:?}"
            ),
            Error::Key {
                kind,
                path: Some(path),
                ..
            } => write!(
                f,
                "failed to load the private key {}: {kind}",
                path.display()
            ),
            Error::Key { kind, .. } => write!(f, "failed to load the private key: {kind}"),
            Error::Io { path, .. } => write!(f, "failed to access file {}", path.display()),
            Error::Crypto { operation, .. } => write!(f, "openssl failed to {operation}"),
            Error::Authentication(auth) => fmt::Display::fmt(auth, f),
            Error::Api(api) => fmt::Display::fmt(api, f),
            Error::Timeout { method, url, .. } => write!(f, "{method} {url} timed out"),
            Error::Tls { method, url, .. } => write!(
                f,
                "TLS handshake for {method} {url} failed; is the server's certificate trusted?"
            ),
            Error::Transport { method, url, .. } => write!(f, "{method} {url} failed"),
            Error::ResponseTooLarge { url, limit } => write!(
                f,
                "response from {url} is larger than the maximum response size of {limit} bytes; \
                 raise it with `max_response_size`"
            ),
            Error::UnexpectedContent {
                status,
                content_type,
                excerpt,
            } => write!(
                f,
                "expected an XML document, got HTTP {status} with content type {}: {excerpt:?}",
                content_type.as_deref().unwrap_or("(none)")
            ),
            Error::Xml { context, source } => {
                write!(f, "invalid XML in {context} at {}", source.pos())
            }
            Error::MissingElement { path } => write!(f, "missing element `{path}`"),
            Error::InvalidValue {
                field,
                value,
                expected,
            } => write!(f, "field `{field}` contains {value:?}, expected {expected}"),
        }
    }
}

impl fmt::Display for AuthenticationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let step = match self.kind {
            AuthenticationErrorKind::TokenExchange => "token exchange failed",
            AuthenticationErrorKind::TokenRejected => "the service rejected a fresh OAuth token",
            AuthenticationErrorKind::Unauthorized => {
                "the service refused the request as unauthorized"
            }
        };
        write!(f, "{step} at {}", self.url)?;
        if let Some(status) = self.status {
            write!(f, " (HTTP {status})")?;
        }
        if let Some(problem) = &self.oauth_problem {
            write!(f, ": oauth_problem={problem}")?;
        }
        Ok(())
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} returned HTTP {}",
            self.method, self.path, self.status
        )?;
        if let Some(code) = &self.error_code {
            write!(f, ", error code {code}")?;
        }
        if let Some(error_type) = &self.error_type {
            write!(f, " ({error_type})")?;
        }
        if let Some(message) = &self.error_message {
            write!(f, ": {message}")?;
        }
        if let Some(id) = &self.correlation_id {
            write!(f, " [correlation id {id}]")?;
        }
        if let Some(excerpt) = &self.excerpt {
            write!(f, ": {excerpt:?}")?;
        }
        Ok(())
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Error::Key { source, .. } => source.as_ref().map(|e| e as _),
            Error::Io { source, .. } => Some(source),
            Error::Crypto { source, .. } => Some(source),
            Error::Timeout { source, .. }
            | Error::Tls { source, .. }
            | Error::Transport { source, .. } => Some(&**source),
            Error::Xml { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl StdError for AuthenticationError {}

impl StdError for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_stays_small() {
        assert!(std::mem::size_of::<Error>() <= 128);
    }

    #[test]
    fn api_error_display_names_code_and_correlation_id() {
        let error = Error::Api(Box::new(ApiError {
            status: 404,
            method: "GET".into(),
            path: "/v1/institutions/999999".into(),
            error_type: Some("USER_ERROR".into()),
            error_code: Some("100".into()),
            error_message: Some("Invalid institution id".into()),
            correlation_id: Some("gw-1234".into()),
            intuit_tid: None,
            excerpt: None,
        }));

        assert_eq!(
            error.to_string(),
            "GET /v1/institutions/999999 returned HTTP 404, error code 100 (USER_ERROR): \
             Invalid institution id [correlation id gw-1234]"
        );
        assert_eq!(error.status(), Some(404));
        assert_eq!(error.correlation_id(), Some("gw-1234"));
    }
}
