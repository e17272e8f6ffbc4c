//! Loading the application's RSA private key and signing with it.

use std::cell::Cell;
use std::fmt;
use std::path::Path;

use openssl::error::ErrorStack;
use openssl::hash::MessageDigest;
use openssl::pkey::{Id, PKey, Private};
use openssl::sign::Signer;
use openssl::x509::X509;

use crate::error::{Error, KeyErrorKind, Result};

/// The application's RSA private key, whose certificate is registered with Intuit.
///
/// Loads PKCS#1 and PKCS#8 keys, PEM or DER, plain or encrypted with a passphrase.
/// `Debug` shows only the key size.
#[derive(Clone)]
pub struct PrivateKey {
    pub(crate) key: PKey<Private>,
}

/// Outcome of the passphrase callback that openssl calls for an encrypted key.
///
/// Giving openssl a callback in every case also keeps it from prompting on a terminal.
#[derive(Default)]
struct PassphraseUse {
    requested: Cell<bool>,
}

impl PassphraseUse {
    /// Copies `passphrase` into openssl's buffer, or fails when there is none.
    fn supply(&self, passphrase: Option<&str>, buffer: &mut [u8]) -> Result<usize, ErrorStack> {
        self.requested.set(true);
        match passphrase {
            Some(passphrase) if passphrase.len() <= buffer.len() => {
                buffer[..passphrase.len()].copy_from_slice(passphrase.as_bytes());
                Ok(passphrase.len())
            }
            // A passphrase longer than openssl's buffer (1024 bytes) cannot be right either.
            _ => Err(ErrorStack::get()),
        }
    }

    /// Maps a failed load to `PassphraseRequired` or `WrongPassphrase` when the data was an
    /// encrypted key, and to `fallback` otherwise.
    fn failure_kind(&self, passphrase: Option<&str>, fallback: KeyErrorKind) -> KeyErrorKind {
        match (self.requested.get(), passphrase) {
            (true, None) => KeyErrorKind::PassphraseRequired,
            (true, Some(_)) => KeyErrorKind::WrongPassphrase,
            (false, _) => fallback,
        }
    }
}

fn key_error(kind: KeyErrorKind, source: Option<ErrorStack>) -> Error {
    // openssl's stack for a failed decryption only repeats what the kind already says.
    let source = match kind {
        KeyErrorKind::PassphraseRequired | KeyErrorKind::WrongPassphrase => None,
        _ => source,
    };
    Error::Key {
        kind,
        path: None,
        source,
    }
}

impl PrivateKey {
    /// Reads a key file (PEM or DER) from `path`.
    ///
    /// The format is detected as in [`PrivateKey::from_bytes`].
    ///
    /// # Errors
    ///
    /// [`Error::Io`](crate::Error::Io) when the file cannot be read, and the errors of
    /// [`PrivateKey::from_bytes`].
    pub fn from_path(path: impl AsRef<Path>, passphrase: Option<&str>) -> Result<Self> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| Error::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::from_bytes(&bytes, passphrase).map_err(|error| match error {
            Error::Key { kind, source, .. } => Error::Key {
                kind,
                path: Some(path.to_owned()),
                source,
            },
            other => other,
        })
    }

    /// Parses a key from PEM or DER bytes, choosing PEM when the bytes contain a
    /// `-----BEGIN ` line.
    ///
    /// # Errors
    ///
    /// The errors of [`PrivateKey::from_pem`] or [`PrivateKey::from_der`].
    pub fn from_bytes(bytes: &[u8], passphrase: Option<&str>) -> Result<Self> {
        if contains(bytes, b"-----BEGIN ") {
            Self::from_pem(bytes, passphrase)
        } else {
            Self::from_der(bytes, passphrase)
        }
    }

    /// Parses a PEM key: PKCS#1 (`BEGIN RSA PRIVATE KEY`, plain or with `Proc-Type` and
    /// `DEK-Info` encryption headers) or PKCS#8 (`BEGIN PRIVATE KEY` or
    /// `BEGIN ENCRYPTED PRIVATE KEY`). CRLF line ends are accepted.
    ///
    /// `passphrase` is used only when the key is encrypted. openssl is never left to prompt
    /// for one on the terminal.
    ///
    /// # Errors
    ///
    /// [`Error::Key`](crate::Error::Key) with [`KeyErrorKind::PassphraseRequired`] or
    /// [`KeyErrorKind::WrongPassphrase`] for an encrypted key, [`KeyErrorKind::NotRsa`] for a
    /// private key of another type, [`KeyErrorKind::Certificate`] when the PEM contains a
    /// certificate but no key, and [`KeyErrorKind::Malformed`] otherwise.
    pub fn from_pem(bytes: &[u8], passphrase: Option<&str>) -> Result<Self> {
        let use_of_passphrase = PassphraseUse::default();
        let loaded = PKey::private_key_from_pem_callback(bytes, |buffer| {
            use_of_passphrase.supply(passphrase, buffer)
        });
        match loaded {
            Ok(key) => Self::from_pkey(key),
            Err(source) => {
                let fallback = if contains(bytes, b"-----BEGIN CERTIFICATE-----")
                    || contains(bytes, b"-----BEGIN TRUSTED CERTIFICATE-----")
                {
                    KeyErrorKind::Certificate
                } else {
                    KeyErrorKind::Malformed
                };
                let kind = use_of_passphrase.failure_kind(passphrase, fallback);
                Err(key_error(kind, Some(source)))
            }
        }
    }

    /// Parses a DER key: PKCS#1 `RSAPrivateKey`, PKCS#8 `PrivateKeyInfo`, or encrypted PKCS#8
    /// `EncryptedPrivateKeyInfo` (which needs `passphrase`).
    ///
    /// # Errors
    ///
    /// [`Error::Key`](crate::Error::Key) with [`KeyErrorKind::PassphraseRequired`] or
    /// [`KeyErrorKind::WrongPassphrase`] for an encrypted key, [`KeyErrorKind::NotRsa`] for a
    /// private key of another type, [`KeyErrorKind::Certificate`] for a DER certificate, and
    /// [`KeyErrorKind::Malformed`] otherwise.
    pub fn from_der(bytes: &[u8], passphrase: Option<&str>) -> Result<Self> {
        // Encrypted PKCS#8 goes first: openssl calls the callback only after the bytes parse as
        // `EncryptedPrivateKeyInfo`, so a call proves that the key is encrypted.
        let use_of_passphrase = PassphraseUse::default();
        let encrypted = PKey::private_key_from_pkcs8_callback(bytes, |buffer| {
            use_of_passphrase.supply(passphrase, buffer)
        });
        match encrypted {
            Ok(key) => return Self::from_pkey(key),
            Err(source) if use_of_passphrase.requested.get() => {
                let kind = use_of_passphrase.failure_kind(passphrase, KeyErrorKind::Malformed);
                return Err(key_error(kind, Some(source)));
            }
            Err(_) => {}
        }

        match PKey::private_key_from_der(bytes) {
            Ok(key) => Self::from_pkey(key),
            Err(source) => {
                let kind = if X509::from_der(bytes).is_ok() {
                    KeyErrorKind::Certificate
                } else {
                    KeyErrorKind::Malformed
                };
                Err(key_error(kind, Some(source)))
            }
        }
    }

    fn from_pkey(key: PKey<Private>) -> Result<Self> {
        if key.id() == Id::RSA {
            Ok(PrivateKey { key })
        } else {
            Err(key_error(KeyErrorKind::NotRsa, None))
        }
    }

    /// Returns the size of the RSA modulus in bits.
    pub fn bits(&self) -> u32 {
        self.key.bits()
    }

    /// Signs `data` with RSASSA-PKCS1-v1_5 over SHA-1 (the XML-DSig `rsa-sha1` algorithm).
    ///
    /// `data` is hashed once, here. The result equals the output of
    /// `openssl dgst -sha1 -sign key.pem` over the same bytes.
    ///
    /// # Errors
    ///
    /// [`Error::Crypto`](crate::Error::Crypto) when openssl fails.
    pub fn sign_rsa_sha1(&self, data: &[u8]) -> Result<Vec<u8>> {
        let crypto = |source| Error::Crypto {
            operation: "sign with RSA-SHA1",
            source,
        };
        let mut signer = Signer::new(MessageDigest::sha1(), &self.key).map_err(crypto)?;
        signer.sign_oneshot_to_vec(data).map_err(crypto)
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("bits", &self.key.bits())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;

    use openssl::asn1::Asn1Time;
    use openssl::ec::{EcGroup, EcKey};
    use openssl::nid::Nid;
    use openssl::rsa::Rsa;
    use openssl::symm::Cipher;
    use openssl::x509::X509NameBuilder;

    use super::*;

    const PASSPHRASE: &str = "pw-Test!";

    fn rsa() -> &'static Rsa<Private> {
        static KEY: OnceLock<Rsa<Private>> = OnceLock::new();
        KEY.get_or_init(|| Rsa::generate(2048).unwrap())
    }

    fn pkey() -> PKey<Private> {
        PKey::from_rsa(rsa().clone()).unwrap()
    }

    fn key_kind(result: Result<PrivateKey>) -> KeyErrorKind {
        match result {
            Err(Error::Key { kind, .. }) => kind,
            other => panic!("expected a key error, got {other:?}"),
        }
    }

    fn crlf(pem: &[u8]) -> Vec<u8> {
        String::from_utf8(pem.to_vec())
            .unwrap()
            .replace('\n', "\r\n")
            .into_bytes()
    }

    fn certificate() -> X509 {
        let mut name = X509NameBuilder::new().unwrap();
        name.append_entry_by_text("CN", "aggcat test").unwrap();
        let name = name.build();
        let mut builder = X509::builder().unwrap();
        builder.set_version(2).unwrap();
        builder.set_subject_name(&name).unwrap();
        builder.set_issuer_name(&name).unwrap();
        builder.set_pubkey(&pkey()).unwrap();
        builder
            .set_not_before(&Asn1Time::days_from_now(0).unwrap())
            .unwrap();
        builder
            .set_not_after(&Asn1Time::days_from_now(1).unwrap())
            .unwrap();
        builder.sign(&pkey(), MessageDigest::sha256()).unwrap();
        builder.build()
    }

    #[test]
    fn every_rsa_form_signs_identically() {
        let cipher = Cipher::aes_256_cbc();
        let pkcs1_pem = rsa().private_key_to_pem().unwrap();
        let pkcs8_pem = pkey().private_key_to_pem_pkcs8().unwrap();
        let encrypted_pkcs8_pem = pkey()
            .private_key_to_pem_pkcs8_passphrase(cipher, PASSPHRASE.as_bytes())
            .unwrap();
        let legacy_pem = rsa()
            .private_key_to_pem_passphrase(Cipher::aes_128_cbc(), PASSPHRASE.as_bytes())
            .unwrap();
        let pkcs1_der = rsa().private_key_to_der().unwrap();
        let pkcs8_der = pkey().private_key_to_pkcs8().unwrap();
        let encrypted_pkcs8_der = pkey()
            .private_key_to_pkcs8_passphrase(cipher, PASSPHRASE.as_bytes())
            .unwrap();
        assert!(contains(&pkcs1_pem, b"BEGIN RSA PRIVATE KEY"));
        assert!(contains(&pkcs8_pem, b"BEGIN PRIVATE KEY"));
        assert!(contains(
            &encrypted_pkcs8_pem,
            b"BEGIN ENCRYPTED PRIVATE KEY"
        ));
        assert!(contains(&legacy_pem, b"Proc-Type: 4,ENCRYPTED"));

        let data = b"<ds:SignedInfo>fixed</ds:SignedInfo>";
        let expected = PrivateKey::from_pem(&pkcs1_pem, None)
            .unwrap()
            .sign_rsa_sha1(data)
            .unwrap();
        let forms: Vec<(&str, Result<PrivateKey>)> = vec![
            ("PKCS#1 PEM", PrivateKey::from_pem(&pkcs1_pem, None)),
            ("PKCS#8 PEM", PrivateKey::from_pem(&pkcs8_pem, None)),
            (
                "encrypted PKCS#8 PEM",
                PrivateKey::from_pem(&encrypted_pkcs8_pem, Some(PASSPHRASE)),
            ),
            (
                "legacy encrypted PEM",
                PrivateKey::from_pem(&legacy_pem, Some(PASSPHRASE)),
            ),
            (
                "PKCS#1 PEM, CRLF",
                PrivateKey::from_pem(&crlf(&pkcs1_pem), None),
            ),
            (
                "PKCS#8 PEM, CRLF",
                PrivateKey::from_bytes(&crlf(&pkcs8_pem), None),
            ),
            (
                "legacy encrypted PEM, CRLF",
                PrivateKey::from_bytes(&crlf(&legacy_pem), Some(PASSPHRASE)),
            ),
            ("PKCS#1 DER", PrivateKey::from_der(&pkcs1_der, None)),
            ("PKCS#8 DER", PrivateKey::from_bytes(&pkcs8_der, None)),
            (
                "encrypted PKCS#8 DER",
                PrivateKey::from_bytes(&encrypted_pkcs8_der, Some(PASSPHRASE)),
            ),
            (
                "plain PKCS#8 PEM with an unused passphrase",
                PrivateKey::from_pem(&pkcs8_pem, Some(PASSPHRASE)),
            ),
        ];
        for (form, loaded) in forms {
            let key = loaded.unwrap_or_else(|error| panic!("{form}: {error:?}"));
            assert_eq!(key.bits(), 2048, "{form}");
            assert_eq!(key.sign_rsa_sha1(data).unwrap(), expected, "{form}");
        }
    }

    /// Returns the test key encrypted with [`PASSPHRASE`] as PKCS#8 PEM, legacy PEM and PKCS#8
    /// DER.
    fn encrypted_forms() -> [Vec<u8>; 3] {
        let cipher = Cipher::aes_256_cbc();
        [
            pkey()
                .private_key_to_pem_pkcs8_passphrase(cipher, PASSPHRASE.as_bytes())
                .unwrap(),
            rsa()
                .private_key_to_pem_passphrase(cipher, PASSPHRASE.as_bytes())
                .unwrap(),
            pkey()
                .private_key_to_pkcs8_passphrase(cipher, PASSPHRASE.as_bytes())
                .unwrap(),
        ]
    }

    #[test]
    fn encrypted_key_without_passphrase_needs_one() {
        for bytes in &encrypted_forms() {
            assert_eq!(
                key_kind(PrivateKey::from_bytes(bytes, None)),
                KeyErrorKind::PassphraseRequired
            );
        }
    }

    #[test]
    fn encrypted_key_with_wrong_passphrase_rejected() {
        for bytes in &encrypted_forms() {
            let error = PrivateKey::from_bytes(bytes, Some("pw-Wrong?")).unwrap_err();
            assert!(
                matches!(
                    error,
                    Error::Key {
                        kind: KeyErrorKind::WrongPassphrase,
                        ..
                    }
                ),
                "{error:?}"
            );
            let printed = format!("{error} {error:?}");
            assert!(!printed.contains("pw-Wrong?"), "{printed}");
            assert!(!printed.contains(PASSPHRASE), "{printed}");
        }
    }

    #[test]
    fn ec_key_is_not_rsa() {
        let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
        let ec = PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap();

        let pem = ec.private_key_to_pem_pkcs8().unwrap();
        let der = ec.private_key_to_der().unwrap();

        assert_eq!(
            key_kind(PrivateKey::from_pem(&pem, None)),
            KeyErrorKind::NotRsa
        );
        assert_eq!(
            key_kind(PrivateKey::from_der(&der, None)),
            KeyErrorKind::NotRsa
        );
    }

    #[test]
    fn certificate_is_not_a_key() {
        let certificate = certificate();

        let pem = certificate.to_pem().unwrap();
        let der = certificate.to_der().unwrap();

        assert_eq!(
            key_kind(PrivateKey::from_bytes(&pem, None)),
            KeyErrorKind::Certificate
        );
        assert_eq!(
            key_kind(PrivateKey::from_bytes(&der, None)),
            KeyErrorKind::Certificate
        );
    }

    #[test]
    fn garbage_is_malformed() {
        let cases: [&[u8]; 5] = [
            b"",
            b"not a key at all",
            b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
            b"\x30\x82\x01\x00\x02\x01",
            b"-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----\n",
        ];
        for bytes in cases {
            assert_eq!(
                key_kind(PrivateKey::from_bytes(bytes, None)),
                KeyErrorKind::Malformed,
                "{bytes:?}"
            );
        }
    }

    #[test]
    fn key_file_missing_is_io_error() {
        let error = PrivateKey::from_path("/nonexistent/aggcat/key.pem", None).unwrap_err();

        assert!(matches!(error, Error::Io { .. }), "{error:?}");
    }

    #[test]
    fn key_file_error_names_path() {
        let encrypted = pkey()
            .private_key_to_pem_pkcs8_passphrase(Cipher::aes_256_cbc(), PASSPHRASE.as_bytes())
            .unwrap();
        let path = std::env::temp_dir().join(format!("aggcat-key-{}.pem", std::process::id()));
        std::fs::write(&path, encrypted).unwrap();

        let error = PrivateKey::from_path(&path, None).unwrap_err();
        std::fs::remove_file(&path).unwrap();

        let Error::Key {
            kind,
            path: Some(named),
            source,
        } = &error
        else {
            panic!("expected a key error naming the file, got {error:?}");
        };
        assert_eq!(*kind, KeyErrorKind::PassphraseRequired);
        assert_eq!(named, &path);
        assert!(source.is_none());
        assert!(error.to_string().contains(&path.display().to_string()));
    }

    #[test]
    fn key_debug_shows_only_bits() {
        let key = PrivateKey::from_pem(&rsa().private_key_to_pem().unwrap(), None).unwrap();
        let modulus_hex = rsa().n().to_hex_str().unwrap().to_string();

        let printed = format!("{key:?}");

        assert_eq!(printed, "PrivateKey { bits: 2048, .. }");
        assert!(!printed.contains(&modulus_hex[..16]));
    }
}
