//! The objectified XML tree that responses become.

use std::sync::Arc;

use crate::error::{Error, Result};

/// One element of a parsed document.
#[derive(Debug, Clone, PartialEq)]
pub struct XmlNode {
    text: Arc<String>,
}

impl XmlNode {
    /// Parses a document and returns its root element.
    ///
    /// # Errors
    ///
    /// [`Error::Xml`] for a document that is not well-formed.
    pub fn parse(text: &str) -> Result<XmlNode> {
        roxmltree::Document::parse(text).map_err(|source| Error::Xml {
            context: "document".to_owned(),
            source,
        })?;
        Ok(XmlNode {
            text: Arc::new(text.to_owned()),
        })
    }
}

pub(crate) fn escape_text(value: &str) -> String {
    value
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[allow(dead_code)]
pub(crate) fn escape_attribute(value: &str) -> String {
    escape_text(value).replace('"', "&quot;")
}
