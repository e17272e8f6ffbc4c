//! Client settings from environment variables, for scripts and command-line tools.
//!
//! [`AggcatClient::builder_from_env`] lists the variables.

use std::path::PathBuf;

use crate::error::{Error, Result};
use crate::{AggcatClient, AggcatClientBuilder};

const CONSUMER_KEY: &str = "AGGCAT_CONSUMER_KEY";
const CONSUMER_SECRET: &str = "AGGCAT_CONSUMER_SECRET";
const SAML_IDENTITY_PROVIDER_ID: &str = "AGGCAT_SAML_IDENTITY_PROVIDER_ID";
const CUSTOMER_ID: &str = "AGGCAT_CUSTOMER_ID";
const PRIVATE_KEY: &str = "AGGCAT_PRIVATE_KEY";
const PRIVATE_KEY_PASSPHRASE: &str = "AGGCAT_PRIVATE_KEY_PASSPHRASE";
const BASE_URL: &str = "AGGCAT_BASE_URL";
const SAML_URL: &str = "AGGCAT_SAML_URL";
const CA_CERT: &str = "AGGCAT_CA_CERT";

impl AggcatClient {
    /// Builds a client from the `AGGCAT_*` environment variables that
    /// [`builder_from_env`](Self::builder_from_env) lists.
    ///
    /// # Errors
    ///
    /// The errors of [`builder_from_env`](Self::builder_from_env) and of
    /// [`AggcatClientBuilder::build`].
    ///
    /// # Examples
    ///
    /// ```no_run
    /// // AGGCAT_CONSUMER_KEY=... AGGCAT_CONSUMER_SECRET=... AGGCAT_PRIVATE_KEY=app.key ...
    /// let client = aggcat::AggcatClient::from_env()?;
    /// let accounts = client.get_customer_accounts()?;
    /// # let _ = accounts;
    /// # Ok::<(), aggcat::Error>(())
    /// ```
    pub fn from_env() -> Result<Self> {
        Self::builder_from_env()?.build()
    }

    /// Starts a builder set up from environment variables, for settings the environment does
    /// not cover (timeouts, proxy).
    ///
    /// | Variable | Required | Meaning |
    /// | --- | --- | --- |
    /// | `AGGCAT_CONSUMER_KEY` | yes | the OAuth consumer key of the application |
    /// | `AGGCAT_CONSUMER_SECRET` | yes | the OAuth consumer secret of the application |
    /// | `AGGCAT_SAML_IDENTITY_PROVIDER_ID` | yes | the SAML identity provider id |
    /// | `AGGCAT_CUSTOMER_ID` | yes | the customer the client acts for |
    /// | `AGGCAT_PRIVATE_KEY` | yes | path of the application's RSA private key (PEM or DER) |
    /// | `AGGCAT_PRIVATE_KEY_PASSPHRASE` | no | passphrase of an encrypted private key |
    /// | `AGGCAT_BASE_URL` | no | data API base URL |
    /// | `AGGCAT_SAML_URL` | no | token exchange URL |
    /// | `AGGCAT_CA_CERT` | no | path of a PEM file with an extra trusted CA certificate |
    ///
    /// An optional variable that is set but empty counts as unset. The private key is read
    /// when the builder builds; the CA certificate is read here.
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidConfig`] whose setting is the variable's name, when a required
    ///   variable is unset, empty or not valid Unicode. The message never contains a value.
    /// - [`Error::Io`] with the path when `AGGCAT_CA_CERT` names a file that cannot be read.
    pub fn builder_from_env() -> Result<AggcatClientBuilder> {
        builder_from_lookup(env_lookup, None)
    }

    /// Starts a builder like [`builder_from_env`](Self::builder_from_env), but for
    /// `customer_id`, so `AGGCAT_CUSTOMER_ID` is neither needed nor read.
    ///
    /// # Errors
    ///
    /// The errors of [`builder_from_env`](Self::builder_from_env).
    pub fn builder_from_env_for_customer(customer_id: &str) -> Result<AggcatClientBuilder> {
        builder_from_lookup(env_lookup, Some(customer_id))
    }
}

fn env_lookup(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Starts a builder from the variables that `lookup` returns; `customer_id` replaces
/// `AGGCAT_CUSTOMER_ID` when given.
pub(crate) fn builder_from_lookup(
    lookup: impl Fn(&str) -> Option<String>,
    customer_id: Option<&str>,
) -> Result<AggcatClientBuilder> {
    let required = |name: &'static str, meaning: &str| {
        non_empty(&lookup, name).ok_or_else(|| Error::InvalidConfig {
            setting: name,
            reason: format!(
                "the environment variable is not set, empty or not valid Unicode; \
                 set it to {meaning}"
            ),
        })
    };

    let consumer_key = required(CONSUMER_KEY, "the application's OAuth consumer key")?;
    let consumer_secret = required(CONSUMER_SECRET, "the application's OAuth consumer secret")?;
    let identity_provider = required(
        SAML_IDENTITY_PROVIDER_ID,
        "the application's SAML identity provider id",
    )?;
    let customer_id = match customer_id {
        Some(id) => id.to_owned(),
        None => required(CUSTOMER_ID, "the id of the customer to act for")?,
    };
    let private_key = required(
        PRIVATE_KEY,
        "the path of the application's RSA private key file",
    )?;

    let mut builder = AggcatClient::builder(
        &consumer_key,
        &consumer_secret,
        &identity_provider,
        &customer_id,
    )
    .private_key(PathBuf::from(private_key));
    if let Some(passphrase) = non_empty(&lookup, PRIVATE_KEY_PASSPHRASE) {
        builder = builder.passphrase(&passphrase);
    }
    if let Some(url) = non_empty(&lookup, BASE_URL) {
        builder = builder.base_url(&url);
    }
    if let Some(url) = non_empty(&lookup, SAML_URL) {
        builder = builder.saml_url(&url);
    }
    if let Some(path) = non_empty(&lookup, CA_CERT) {
        let path = PathBuf::from(path);
        let pem = std::fs::read(&path).map_err(|source| Error::Io { path, source })?;
        builder = builder.ca_certificate_pem(pem);
    }
    Ok(builder)
}

fn non_empty(lookup: &impl Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    lookup(name).filter(|value| !value.is_empty())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    const SECRET: &str = "cs-SECRET-7781";

    fn complete() -> HashMap<&'static str, String> {
        HashMap::from([
            (CONSUMER_KEY, "qyprd-key".to_owned()),
            (CONSUMER_SECRET, SECRET.to_owned()),
            (SAML_IDENTITY_PROVIDER_ID, "idp.example".to_owned()),
            (CUSTOMER_ID, "customer-1".to_owned()),
            (PRIVATE_KEY, "/nonexistent/app.key".to_owned()),
        ])
    }

    fn lookup_in(vars: HashMap<&'static str, String>) -> impl Fn(&str) -> Option<String> {
        move |name| vars.get(name).cloned()
    }

    fn missing_setting(vars: HashMap<&'static str, String>) -> Option<&'static str> {
        match builder_from_lookup(lookup_in(vars), None) {
            Err(Error::InvalidConfig { setting, .. }) => Some(setting),
            _ => None,
        }
    }

    #[test]
    fn complete_environment_starts_builder() {
        assert!(builder_from_lookup(lookup_in(complete()), None).is_ok());
    }

    #[test]
    fn missing_variable_is_named() {
        for name in [
            CONSUMER_KEY,
            CONSUMER_SECRET,
            SAML_IDENTITY_PROVIDER_ID,
            CUSTOMER_ID,
            PRIVATE_KEY,
        ] {
            let mut vars = complete();
            vars.remove(name);
            assert_eq!(missing_setting(vars), Some(name), "{name} removed");
        }
    }

    #[test]
    fn empty_variable_counts_as_missing() {
        let mut vars = complete();
        vars.insert(CONSUMER_SECRET, String::new());

        assert_eq!(missing_setting(vars), Some(CONSUMER_SECRET));
    }

    #[test]
    fn customer_argument_replaces_variable() {
        let mut vars = complete();
        vars.remove(CUSTOMER_ID);

        assert!(builder_from_lookup(lookup_in(vars), Some("customer-2")).is_ok());
    }

    #[test]
    fn private_key_is_read_at_build() {
        let builder = builder_from_lookup(lookup_in(complete()), None).unwrap();

        let error = builder.build().unwrap_err();

        assert!(
            matches!(error, Error::Io { .. } | Error::Key { .. }),
            "{error:?}"
        );
    }

    #[test]
    fn unreadable_ca_certificate_is_io_error() {
        let mut vars = complete();
        vars.insert(CA_CERT, "/nonexistent/ca.pem".to_owned());

        let error = builder_from_lookup(lookup_in(vars), None).unwrap_err();

        assert!(
            matches!(&error, Error::Io { path, .. } if path == std::path::Path::new("/nonexistent/ca.pem")),
            "{error:?}"
        );
    }

    #[test]
    fn errors_never_show_secret() {
        let mut vars = complete();
        vars.remove(PRIVATE_KEY);

        let error = builder_from_lookup(lookup_in(vars), None).unwrap_err();

        assert!(!error.to_string().contains(SECRET));
        assert!(!format!("{error:?}").contains(SECRET));
    }
}
