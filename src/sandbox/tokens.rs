//! Random identifiers and the store of issued OAuth tokens and seen nonces.

use std::collections::HashMap;

use time::{Duration, OffsetDateTime};

use crate::secret::Secret;

const ALPHANUMERIC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// Returns `count` random bytes from openssl's generator.
///
/// # Panics
///
/// Panics when openssl cannot produce random bytes, which leaves the sandbox unable to issue
/// any credential.
pub(crate) fn random_bytes(count: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; count];
    openssl::rand::rand_bytes(&mut bytes).expect("openssl failed to generate random bytes");
    bytes
}

/// Returns `length` random letters and digits.
pub(crate) fn random_alphanumeric(length: usize) -> String {
    let mut output = String::with_capacity(length);
    while output.len() < length {
        for byte in random_bytes(length) {
            // 248 is the largest multiple of 62 below 256, so every character is equally likely.
            if byte < 248 && output.len() < length {
                output.push(ALPHANUMERIC[usize::from(byte) % ALPHANUMERIC.len()] as char);
            }
        }
    }
    output
}

/// Returns `alphanumerics` random letters and digits with each of `specials` inserted at a
/// random position.
pub(crate) fn random_with_specials(alphanumerics: usize, specials: &str) -> String {
    let mut characters: Vec<char> = random_alphanumeric(alphanumerics).chars().collect();
    for special in specials.chars() {
        let position = usize::from(random_bytes(1)[0]) % (characters.len() + 1);
        characters.insert(position, special);
    }
    characters.into_iter().collect()
}

/// Returns a random version 4 UUID in its hyphenated lower-case form.
pub(crate) fn random_uuid() -> String {
    let mut bytes = random_bytes(16);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// Returns `bytes` random bytes as lower-case hex.
pub(crate) fn random_hex(bytes: usize) -> String {
    random_bytes(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// One OAuth token issued by the token endpoint.
#[derive(Debug, Clone)]
pub(crate) struct IssuedToken {
    pub secret: Secret,
    pub consumer_key: String,
    pub customer_id: String,
    pub expires_at: OffsetDateTime,
}

/// Issued tokens and the nonces seen per consumer.
#[derive(Debug, Default)]
pub(crate) struct TokenStore {
    tokens: HashMap<String, IssuedToken>,
    nonces: HashMap<(String, String), OffsetDateTime>,
}

impl TokenStore {
    /// Issues a token for the customer and returns `(token, token secret)`.
    ///
    /// The token is `qyprd` plus 43 alphanumerics (48 characters). The secret is 40 characters
    /// and always contains `/`, `+`, `=` and `&`, so that a client that skips the
    /// percent-decoding of the reply, or the percent-encoding of the HMAC key, fails.
    pub(crate) fn issue(
        &mut self,
        consumer_key: &str,
        customer_id: &str,
        expires_at: OffsetDateTime,
    ) -> (String, Secret) {
        let token = format!("qyprd{}", random_alphanumeric(43));
        let secret = Secret::new(random_with_specials(36, "/+=&"));
        self.tokens.insert(
            token.clone(),
            IssuedToken {
                secret: secret.clone(),
                consumer_key: consumer_key.to_string(),
                customer_id: customer_id.to_string(),
                expires_at,
            },
        );
        (token, secret)
    }

    /// Registers a token chosen elsewhere (a canned token-exchange reply).
    pub(crate) fn insert(
        &mut self,
        token: &str,
        secret: &str,
        consumer_key: &str,
        customer_id: &str,
        expires_at: OffsetDateTime,
    ) {
        self.tokens.insert(
            token.to_string(),
            IssuedToken {
                secret: Secret::new(secret),
                consumer_key: consumer_key.to_string(),
                customer_id: customer_id.to_string(),
                expires_at,
            },
        );
    }

    /// Returns the token if it is known, belongs to the consumer and has not expired.
    pub(crate) fn find(
        &self,
        token: &str,
        consumer_key: &str,
        now: OffsetDateTime,
    ) -> Option<&IssuedToken> {
        self.tokens
            .get(token)
            .filter(|issued| issued.consumer_key == consumer_key && now < issued.expires_at)
    }

    /// Forgets every issued token.
    pub(crate) fn revoke_all(&mut self) {
        self.tokens.clear();
    }

    /// Records a nonce and returns `false` when the consumer already used it within `window`.
    pub(crate) fn use_nonce(
        &mut self,
        consumer_key: &str,
        nonce: &str,
        now: OffsetDateTime,
        window: Duration,
    ) -> bool {
        self.nonces.retain(|_, seen| *seen + window > now);
        let key = (consumer_key.to_string(), nonce.to_string());
        if self.nonces.contains_key(&key) {
            return false;
        }
        self.nonces.insert(key, now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_token_has_documented_shape() {
        let mut store = TokenStore::default();
        let now = OffsetDateTime::now_utc();

        let (token, secret) = store.issue("qyprdkey", "customer-1", now + Duration::hours(1));

        assert_eq!(token.len(), 48);
        assert!(token.starts_with("qyprd"));
        assert_eq!(secret.expose().chars().count(), 40);
        for special in ['/', '+', '=', '&'] {
            assert!(secret.expose().contains(special), "secret lacks {special}");
        }
    }

    #[test]
    fn token_expires_and_is_bound_to_consumer() {
        let mut store = TokenStore::default();
        let now = OffsetDateTime::now_utc();
        let (token, _) = store.issue("qyprdkey", "customer-1", now + Duration::hours(1));

        assert!(store.find(&token, "qyprdkey", now).is_some());
        assert!(store.find(&token, "qyprdother", now).is_none());
        assert!(store
            .find(&token, "qyprdkey", now + Duration::hours(2))
            .is_none());

        store.revoke_all();
        assert!(store.find(&token, "qyprdkey", now).is_none());
    }

    #[test]
    fn nonce_reuse_detected_within_window() {
        let mut store = TokenStore::default();
        let now = OffsetDateTime::now_utc();
        let window = Duration::minutes(5);

        assert!(store.use_nonce("key", "n1", now, window));
        assert!(!store.use_nonce("key", "n1", now, window));
        assert!(store.use_nonce("other", "n1", now, window));
        assert!(store.use_nonce("key", "n1", now + Duration::minutes(6), window));
    }

    #[test]
    fn uuid_has_version_four_layout() {
        let uuid = random_uuid();

        assert_eq!(uuid.len(), 36);
        assert_eq!(&uuid[14..15], "4");
        assert_eq!(uuid.matches('-').count(), 4);
    }
}
