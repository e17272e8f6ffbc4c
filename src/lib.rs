//! A blocking client for Intuit's Customer Account Data API ("AggCat").

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(missing_debug_implementations)]

mod body;
mod client;
mod error;
mod key;
pub mod oauth;
mod response;
pub mod saml;
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
};
pub use xml::XmlNode;
