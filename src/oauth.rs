//! OAuth 1.0a HMAC-SHA1 request signing (RFC 5849, section 3.4).
//!
//! XML bodies never enter the signature base string; every query parameter does.

// Placeholder API, replaced by the full signing implementation.

use crate::error::Result;

/// Percent-encodes `value` per RFC 3986: only `A-Z a-z 0-9 - . _ ~` stay literal.
pub fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// OAuth 1.0a HMAC-SHA1 signer for one consumer and token.
#[derive(Debug)]
pub struct OAuthSigner {
    consumer_key: String,
}

impl OAuthSigner {
    /// Creates a signer.
    pub fn new(consumer_key: &str, consumer_secret: &str, token: &str, token_secret: &str) -> Self {
        let _ = (consumer_secret, token, token_secret);
        OAuthSigner {
            consumer_key: consumer_key.to_owned(),
        }
    }

    /// Builds the `Authorization` header value for a request.
    ///
    /// # Errors
    ///
    /// None in this placeholder.
    pub fn authorization_header(&self, method: &str, url_with_query: &str) -> Result<String> {
        let _ = (method, url_with_query);
        Ok(format!(
            "OAuth oauth_consumer_key=\"{}\"",
            percent_encode(&self.consumer_key)
        ))
    }
}
