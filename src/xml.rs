//! The objectified XML tree that responses become.

/// One element of a parsed document.
#[derive(Debug, Clone, PartialEq)]
pub struct XmlNode {
    _private: (),
}
