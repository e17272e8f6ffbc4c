//! A blocking client for Intuit's Customer Account Data API ("AggCat").
//!
//! The API links a person's bank, card, loan and investment logins to an application and reads
//! back their accounts, balances, transactions and positions. [`AggcatClient`] offers every call
//! under the names the Python client `python-aggcat` used:
//!
//! | Call | Request |
//! | --- | --- |
//! | [`get_institutions`](AggcatClient::get_institutions) | `GET /institutions` |
//! | [`get_institution_details`](AggcatClient::get_institution_details) | `GET /institutions/{id}` |
//! | [`get_credential_fields`](AggcatClient::get_credential_fields) | the displayed login keys of an institution |
//! | [`discover_and_add_accounts`](AggcatClient::discover_and_add_accounts) | `POST /institutions/{id}/logins` |
//! | [`confirm_challenge`](AggcatClient::confirm_challenge) | the same, with the answers to a challenge |
//! | [`get_customer_accounts`](AggcatClient::get_customer_accounts) | `GET /accounts` |
//! | [`get_login_accounts`](AggcatClient::get_login_accounts) | `GET /logins/{id}/accounts` |
//! | [`get_account`](AggcatClient::get_account) | `GET /accounts/{id}` |
//! | [`get_account_transactions`](AggcatClient::get_account_transactions) | `GET /accounts/{id}/transactions` |
//! | [`get_investment_positions`](AggcatClient::get_investment_positions) | `GET /accounts/{id}/positions` |
//! | [`update_account_type`](AggcatClient::update_account_type) | `PUT /accounts/{id}` |
//! | [`update_institution_login`](AggcatClient::update_institution_login) | `PUT /logins/{id}?refresh=true` |
//! | [`update_challenge`](AggcatClient::update_challenge) | the same, with the answers to a challenge |
//! | [`delete_account`](AggcatClient::delete_account) | `DELETE /accounts/{id}` |
//! | [`delete_customer`](AggcatClient::delete_customer) | `DELETE /customers` |
//! | [`list_files`](AggcatClient::list_files), [`get_file_data`](AggcatClient::get_file_data), [`delete_file`](AggcatClient::delete_file) | the batch export files |
//!
//! # Authentication
//!
//! Each client acts for one customer id of one application. On the first call it signs a SAML
//! 2.0 assertion with the application's RSA key ([`saml::Saml`]), exchanges it for an OAuth
//! token, and signs every request with OAuth 1.0a HMAC-SHA1 ([`oauth`]). The token is renewed
//! before its hour runs out, and once more when the service rejects it.
//!
//! # Responses
//!
//! Each call returns an [`AggcatResponse`]: the status, the headers, the body exactly as
//! received ([`AggcatResponse::to_xml`]) and, for XML bodies, an [`XmlNode`] tree whose lookups
//! accept snake_case field names (`account_id` for `accountId`). A security question from the
//! bank is a successful response whose [`challenge`](AggcatResponse::challenge) is set. Error
//! statuses become [`Error::Api`] with the fields of the service's `Status` document.
//!
//! # Sandbox
//!
//! The real service is switched off. The `sandbox` feature adds the `sandbox` module, an imitation of the
//! service and its test bank on 127.0.0.1 that checks signatures as the service did.
//!
//! # Logging
//!
//! The crate logs through the [`log`] facade: token exchanges and renewals at `info`, each API
//! call (method, path without query, status, elapsed time, `intuit_tid`) at `debug`. It never
//! logs a secret, a credential, a challenge answer, a query string or a body.
//!
//! NOTE: at `trace` level, ureq-proto 0.7 (under ureq 3) logs every request and response as
//! raw bytes, including the `Authorization` header and bodies that carry bank credentials.
//! Keep the `ureq` and `ureq_proto` targets below `trace` wherever logs are kept.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(missing_debug_implementations)]

mod body;
pub mod cache;
mod client;
mod env;
mod error;
mod key;
pub mod oauth;
mod response;
pub mod saml;
pub mod search;
mod secret;
pub mod xml;

#[cfg(feature = "sandbox")]
pub mod sandbox;

pub use client::{
    AggcatClient, AggcatClientBuilder, IntoDate, IntoOptionalDate, DEFAULT_BASE_URL,
    DEFAULT_SAML_URL,
};
pub use error::{
    ApiError, AuthenticationError, AuthenticationErrorKind, Error, KeyErrorKind, Result,
};
pub use key::PrivateKey;
pub use response::{
    AggcatResponse, Challenge, ChallengeChoice, ChallengeQuestion, Content, CredentialField,
    Progress,
};
pub use xml::XmlNode;
