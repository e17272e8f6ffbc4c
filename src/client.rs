//! The blocking API client.
//!
//! Signatures here are the public contract; bodies are filled in by the client work.

use std::path::PathBuf;
use std::time::Duration;

use crate::error::Result;
use crate::response::{AggcatResponse, CredentialField};

/// The default data API base URL, as the Python client used it.
pub const DEFAULT_BASE_URL: &str = "https://financialdatafeed.platform.intuit.com/rest-war/v1";

/// The default SAML-to-OAuth token exchange URL.
pub const DEFAULT_SAML_URL: &str = "https://oauth.intuit.com/oauth/v1/get_access_token_by_saml";

/// A blocking client for one customer of one application.
#[derive(Clone)]
pub struct AggcatClient {
    _private: (),
}

/// Builder for [`AggcatClient`].
pub struct AggcatClientBuilder {
    _private: (),
}

/// A transaction date: a [`time::Date`] or a `YYYY-MM-DD` string.
pub trait IntoDate {
    /// Converts to a date, rejecting impossible dates.
    fn into_date(self) -> Result<time::Date>;
}

/// An optional end date: anything [`IntoDate`] accepts, or `None`.
pub trait IntoOptionalDate {
    /// Converts to an optional date.
    fn into_optional_date(self) -> Result<Option<time::Date>>;
}

impl AggcatClient {
    /// Creates a client with the Python client's defaults.
    pub fn new(
        consumer_key: &str,
        consumer_secret: &str,
        saml_identity_provider_id: &str,
        customer_id: &str,
        private_key: impl Into<PathBuf>,
    ) -> Result<Self> {
        let _ = (consumer_key, consumer_secret, saml_identity_provider_id, customer_id, private_key.into());
        todo!()
    }

    /// Starts a builder.
    pub fn builder(
        consumer_key: &str,
        consumer_secret: &str,
        saml_identity_provider_id: &str,
        customer_id: &str,
    ) -> AggcatClientBuilder {
        let _ = (consumer_key, consumer_secret, saml_identity_provider_id, customer_id);
        todo!()
    }

    /// Fetches a token now.
    pub fn authenticate(&self) -> Result<()> { todo!() }
    /// `GET /institutions`.
    pub fn get_institutions(&self) -> Result<AggcatResponse> { todo!() }
    /// `GET /institutions/{id}`.
    pub fn get_institution_details(&self, institution_id: &str) -> Result<AggcatResponse> { let _ = institution_id; todo!() }
    /// Displayed keys, sorted numerically by display order.
    pub fn get_credential_fields(&self, institution_id: &str) -> Result<Vec<CredentialField>> { let _ = institution_id; todo!() }
    /// `POST /institutions/{id}/logins` with credentials.
    pub fn discover_and_add_accounts(&self, institution_id: &str, credentials: &[(&str, &str)]) -> Result<AggcatResponse> { let _ = (institution_id, credentials); todo!() }
    /// `POST /institutions/{id}/logins` with challenge answers.
    pub fn confirm_challenge(&self, institution_id: &str, challenge_session_id: &str, challenge_node_id: &str, responses: &[&str]) -> Result<AggcatResponse> { let _ = (institution_id, challenge_session_id, challenge_node_id, responses); todo!() }
    /// `GET /accounts`.
    pub fn get_customer_accounts(&self) -> Result<AggcatResponse> { todo!() }
    /// `GET /logins/{id}/accounts`.
    pub fn get_login_accounts(&self, login_id: &str) -> Result<AggcatResponse> { let _ = login_id; todo!() }
    /// `GET /accounts/{id}`.
    pub fn get_account(&self, account_id: &str) -> Result<AggcatResponse> { let _ = account_id; todo!() }
    /// `GET /accounts/{id}/transactions`.
    pub fn get_account_transactions(&self, account_id: &str, start_date: impl IntoDate, end_date: impl IntoOptionalDate) -> Result<AggcatResponse> { let _ = (account_id, start_date, end_date); todo!() }
    /// `GET /accounts/{id}/positions`.
    pub fn get_investment_positions(&self, account_id: &str) -> Result<AggcatResponse> { let _ = account_id; todo!() }
    /// `PUT /accounts/{id}`; `account_name` is the category (`banking`, `credit`, `loan`,
    /// `investment`, `rewards`), or `None` to infer it from an unambiguous type.
    pub fn update_account_type(&self, account_id: &str, account_name: Option<&str>, account_type: &str) -> Result<AggcatResponse> { let _ = (account_id, account_name, account_type); todo!() }
    /// `PUT /logins/{id}?refresh=true` with credentials (none: an empty `InstitutionLogin`).
    pub fn update_institution_login(&self, institution_id: &str, login_id: &str, refresh: bool, credentials: &[(&str, &str)]) -> Result<AggcatResponse> { let _ = (institution_id, login_id, refresh, credentials); todo!() }
    /// `PUT /logins/{id}?refresh=true` with challenge answers.
    pub fn update_challenge(&self, login_id: &str, challenge_session_id: &str, challenge_node_id: &str, responses: &[&str], refresh: bool) -> Result<AggcatResponse> { let _ = (login_id, challenge_session_id, challenge_node_id, responses, refresh); todo!() }
    /// `DELETE /accounts/{id}`.
    pub fn delete_account(&self, account_id: &str) -> Result<AggcatResponse> { let _ = account_id; todo!() }
    /// `DELETE /customers`.
    pub fn delete_customer(&self) -> Result<AggcatResponse> { todo!() }
    /// `GET /export/files`.
    pub fn list_files(&self) -> Result<AggcatResponse> { todo!() }
    /// `GET /export/files/{name}`, optionally a byte range (inclusive bounds).
    pub fn get_file_data(&self, file_name: &str, range: Option<(u64, u64)>) -> Result<AggcatResponse> { let _ = (file_name, range); todo!() }
    /// `DELETE /export/files/{name}`.
    pub fn delete_file(&self, file_name: &str) -> Result<AggcatResponse> { let _ = file_name; todo!() }
}

impl AggcatClientBuilder {
    /// Whether to objectify XML bodies. Default: on.
    pub fn objectify(self, on: bool) -> Self { let _ = on; self }
    /// Whether to verify TLS certificates. Default: on.
    pub fn verify_ssl(self, on: bool) -> Self { let _ = on; self }
    /// Path of the private key file.
    pub fn private_key(self, path: impl Into<PathBuf>) -> Self { let _ = path.into(); self }
    /// The private key as PEM or DER bytes.
    pub fn private_key_pem(self, bytes: impl Into<Vec<u8>>) -> Self { let _ = bytes.into(); self }
    /// Passphrase of an encrypted key.
    pub fn passphrase(self, passphrase: &str) -> Self { let _ = passphrase; self }
    /// Data API base URL.
    pub fn base_url(self, url: &str) -> Self { let _ = url; self }
    /// Token exchange URL.
    pub fn saml_url(self, url: &str) -> Self { let _ = url; self }
    /// An extra trusted CA certificate (PEM).
    pub fn ca_certificate_pem(self, pem: impl Into<Vec<u8>>) -> Self { let _ = pem.into(); self }
    /// Connect timeout. Default 15 s.
    pub fn connect_timeout(self, timeout: Duration) -> Self { let _ = timeout; self }
    /// Read timeout. Default 120 s.
    pub fn read_timeout(self, timeout: Duration) -> Self { let _ = timeout; self }
    /// Maximum response size in bytes. Default 256 MiB.
    pub fn max_response_size(self, bytes: u64) -> Self { let _ = bytes; self }
    /// HTTP proxy URL.
    pub fn proxy(self, url: &str) -> Self { let _ = url; self }
    /// Validates the settings and builds the client.
    pub fn build(self) -> Result<AggcatClient> { todo!() }
}
