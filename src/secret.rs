//! A wrapper that keeps secret strings out of `Debug` output.

use std::fmt;

/// A secret value (consumer secret, token secret, passphrase, credential value).
///
/// `Debug` prints a placeholder and there is no `Display`, so a secret cannot reach a log line or
/// an error message by accident. The crate reads the value through [`Secret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(String);

impl Secret {
    pub(crate) fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// Returns the secret value; callers must not log or format it.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::Secret;

    #[test]
    fn debug_hides_value() {
        let secret = Secret::new("cs-SECRET-7781");

        let printed = format!("{secret:?}");

        assert!(!printed.contains("cs-SECRET-7781"));
        assert_eq!(secret.expose(), "cs-SECRET-7781");
    }
}
