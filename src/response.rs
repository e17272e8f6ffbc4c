//! Responses of the data API.
//!
//! Signatures here are the public contract; bodies are filled in by the client work.

use crate::xml::XmlNode;

/// One response of the data API.
#[derive(Debug, Clone)]
pub struct AggcatResponse {
    _private: (),
}

/// The content of a response.
#[derive(Debug, Clone)]
pub enum Content {
    /// The body was empty.
    Empty,
    /// The objectified XML body.
    Xml(XmlNode),
    /// The raw body, when objectify is off or the body is not XML.
    Raw(Vec<u8>),
}

/// An institution's login field, from `InstitutionDetail/keys/key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialField {
    /// `name`: the credential name to send.
    pub name: String,
}
