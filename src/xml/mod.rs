//! The objectified XML tree that responses become.
//!
//! [`XmlNode::parse`] reads a document with roxmltree 0.21 and its default options, so a
//! document with a DTD is rejected before any entity is expanded or any file is read. The
//! result is an owned, immutable tree behind an [`Arc`]: an [`XmlNode`] is a cheap handle to
//! one element of it, and is `Send + Sync`.
//!
//! # Names and lookups
//!
//! Each element keeps its namespace URI ([`XmlNode::namespace`]) and local name
//! ([`XmlNode::name`]), but namespaces never decide a lookup. [`XmlNode::child`],
//! [`XmlNode::field`] and the others match a child whose local name or snake_case key equals
//! the field. So `child("account_id")` and `child("accountId")` find the same element, written
//! `<accountId>` or `<ns6:accountId>`.
//!
//! The key comes from [`snake_case`]: a `_` goes before a capital that follows a lower-case
//! letter or digit, and before the last capital of a run that a lower-case letter follows.
//! Digits stay with the word before them.
//!
//! | Local name | Key |
//! | --- | --- |
//! | `accountId` | `account_id` |
//! | `aggrSuccessDate` | `aggr_success_date` |
//! | `CreditAccount` | `credit_account` |
//! | `principalPaidYTD` | `principal_paid_ytd` |
//! | `interestAmountYtd` | `interest_amount_ytd` |
//! | `URLValue` | `url_value` |
//! | `banking401KSourceType` | `banking401_k_source_type` |
//! | `inv401kSource` | `inv401k_source` |
//! | `address1` | `address1` |
//! | `account_id` | `account_id` (unchanged) |
//!
//! # Text
//!
//! - Entity references, character references and CDATA sections are decoded, and CRLF becomes
//!   LF as XML requires. Spaces inside a value are kept.
//! - An element without child elements always has a text, which is `""` when it is empty
//!   (`<contextType></contextType>` and `<contextType/>` alike), so `field` tells an empty
//!   element (`Some("")`) from a missing one (`None`).
//! - For an element with child elements, whitespace-only text between them is layout and
//!   [`XmlNode::text`] is `None`. Other text of such an element (mixed content) is the
//!   concatenation of its direct text pieces, kept as it is.
//! - Comments and processing instructions are dropped.
//!
//! # Numbers
//!
//! Fields are text. Identifiers such as `000000000001` stay strings (use [`XmlNode::field`]),
//! and amounts are exact decimal strings too: only [`XmlNode::parse_field`] with a
//! floating-point type turns one into `f64`, when the caller asks for that.
//!
//! # Examples
//!
//! ```
//! use aggcat::XmlNode;
//!
//! let root = XmlNode::parse(
//!     r#"<AccountList xmlns="http://schema.intuit.com/platform/fdatafeed/accountlist/v1">
//!          <CreditAccount><accountId>400004530271</accountId></CreditAccount>
//!        </AccountList>"#,
//! )?;
//! let account = root.child("credit_account").expect("one account");
//! assert_eq!(account.field("accountId"), Some("400004530271"));
//! assert_eq!(root.children().count(), 1);
//! # Ok::<(), aggcat::Error>(())
//! ```

mod depth;
mod names;
mod tree;
mod write;

use std::fmt;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::error::{Error, Result};

pub use names::snake_case;
#[allow(unused_imports)] // The writers of other modules use these.
pub(crate) use write::{check_xml_chars, escape_attribute, escape_text};

use tree::{Document, NO_PARENT};

/// The maximum length, in characters, of the field value that an [`Error::InvalidValue`] repeats.
const MAX_ERROR_VALUE_CHARS: usize = 64;
/// The maximum number of child names that `Debug` lists.
const MAX_DEBUG_CHILDREN: usize = 4;
/// The maximum length, in characters, of the text that `Debug` shows.
const MAX_DEBUG_TEXT_CHARS: usize = 60;

/// One element of a parsed document.
///
/// Cloning is cheap: all handles to one document share it through an [`Arc`]. Equality
/// (`==`) compares whole subtrees: namespace URIs, local names, attributes (in any order),
/// texts and children in order. Namespace prefixes and layout whitespace do not count.
#[derive(Clone)]
pub struct XmlNode {
    doc: Arc<Document>,
    index: u32,
}

impl XmlNode {
    /// Parses a document and returns its root element.
    ///
    /// # Errors
    ///
    /// Returns [`Error::Xml`] (with context `document`) when the text is empty, is not
    /// well-formed XML, is cut short, or contains a DTD, and [`Error::InvalidInput`] when it
    /// is 4 GiB or longer. Elements nested deeper than 1,024 levels give [`Error::Xml`] with
    /// source [`roxmltree::Error::NodesLimitReached`], found before the document is parsed.
    ///
    /// # Examples
    ///
    /// ```
    /// let root = aggcat::XmlNode::parse("<Status><errorCode>100</errorCode></Status>")?;
    /// assert_eq!(root.name(), "Status");
    /// assert_eq!(root.field("error_code"), Some("100"));
    /// # Ok::<(), aggcat::Error>(())
    /// ```
    pub fn parse(text: &str) -> Result<XmlNode> {
        parse_with_context(text, "document")
    }

    /// Reads a UTF-8 file and parses it as a document.
    ///
    /// # Errors
    ///
    /// Returns [`Error::Io`] when the file cannot be read or is not valid UTF-8 (the source
    /// error then has kind [`std::io::ErrorKind::InvalidData`]), and the errors of
    /// [`XmlNode::parse`] otherwise, with the path as context.
    pub fn parse_file(path: impl AsRef<Path>) -> Result<XmlNode> {
        let path = path.as_ref();
        let io_error = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let bytes = std::fs::read(path).map_err(io_error)?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let offset = e.utf8_error().valid_up_to();
            io_error(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("the file is not valid UTF-8: invalid byte at offset {offset}"),
            ))
        })?;
        parse_with_context(&text, &path.display().to_string())
    }

    /// Returns the local name, for example `CreditAccount` for `<ns7:CreditAccount>`.
    pub fn name(&self) -> &str {
        &self.doc.name_of(self.index).local
    }

    /// Returns the namespace URI, or `None` for an element in no namespace.
    pub fn namespace(&self) -> Option<&str> {
        self.doc
            .namespace_uri(self.doc.name_of(self.index).namespace)
    }

    /// Returns the snake_case key of the local name, for example `credit_account`.
    pub fn key(&self) -> &str {
        &self.doc.name_of(self.index).key
    }

    /// Returns the decoded text of the element.
    ///
    /// An element without child elements always has a text, possibly `""`. An element with
    /// child elements has `None` unless it contains text other than whitespace (mixed content).
    pub fn text(&self) -> Option<&str> {
        self.doc.text_of(self.index)
    }

    /// Returns the first child element whose snake_case key or local name equals `field`.
    pub fn child(&self, field: &str) -> Option<XmlNode> {
        self.find_child(field).map(|index| self.at(index))
    }

    /// Returns an iterator over the child elements in document order.
    pub fn children(&self) -> Children<'_> {
        Children {
            node: self,
            indices: self.doc.child_indices(self.index),
        }
    }

    /// Returns an iterator over the child elements whose key or local name equals `field`.
    ///
    /// It yields every match in document order, whether there are none, one or many.
    pub fn children_named<'a>(&'a self, field: &'a str) -> ChildrenNamed<'a> {
        ChildrenNamed {
            children: self.children(),
            field,
            last_name: None,
        }
    }

    /// Returns the number of child elements.
    pub fn len(&self) -> usize {
        self.doc.nodes[self.index as usize].child_count as usize
    }

    /// Returns whether the element has no child elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Returns the child element at `index` in document order.
    pub fn get(&self, index: usize) -> Option<XmlNode> {
        let index = u32::try_from(index).ok()?;
        let range = self.doc.child_indices(self.index);
        (index < range.end - range.start).then(|| self.at(range.start + index))
    }

    /// Returns the text of the first child element that [`child`](Self::child) would return.
    pub fn field(&self, field: &str) -> Option<&str> {
        self.find_child(field)
            .and_then(|index| self.doc.text_of(index))
    }

    /// Returns the value of the attribute whose local name or snake_case key equals `name`.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.doc
            .attributes_of(self.index)
            .iter()
            .find(|attribute| self.doc.names[attribute.name as usize].matches(name))
            .map(|attribute| self.doc.slice(attribute.value_start, attribute.value_len))
    }

    /// Parses the text of a field with [`FromStr`].
    ///
    /// A missing field, and a field whose text is empty or only whitespace, give `Ok(None)`.
    /// Surrounding whitespace is trimmed before parsing. Floating-point types lose the exact
    /// decimal value of amounts; [`field`](Self::field) returns the text as sent.
    ///
    /// # Errors
    ///
    /// Returns [`Error::InvalidValue`] naming the field, its text (shortened) and the type when
    /// the text does not parse.
    ///
    /// # Examples
    ///
    /// ```
    /// let key = aggcat::XmlNode::parse("<key><displayOrder>2</displayOrder></key>")?;
    /// assert_eq!(key.parse_field::<u32>("display_order")?, Some(2));
    /// assert_eq!(key.parse_field::<u32>("mask")?, None);
    /// # Ok::<(), aggcat::Error>(())
    /// ```
    pub fn parse_field<T: FromStr>(&self, field: &str) -> Result<Option<T>> {
        let Some(text) = self.typed_text(field) else {
            return Ok(None);
        };
        text.parse::<T>()
            .map(Some)
            .map_err(|_| invalid_value(field, text, std::any::type_name::<T>()))
    }

    /// Parses the text of a field as an RFC 3339 time stamp.
    ///
    /// Accepts Intuit's forms `2013-08-11T00:00:00-07:00` and `2013-08-11T08:52:26.397-07:00`,
    /// and `Z` for UTC. A missing or empty field gives `Ok(None)`, as in
    /// [`parse_field`](Self::parse_field).
    ///
    /// # Errors
    ///
    /// Returns [`Error::InvalidValue`] when the text is not an RFC 3339 time stamp, for
    /// example a date without a time or a time without an offset.
    pub fn date_time(&self, field: &str) -> Result<Option<OffsetDateTime>> {
        let Some(text) = self.typed_text(field) else {
            return Ok(None);
        };
        OffsetDateTime::parse(text, &Rfc3339)
            .map(Some)
            .map_err(|_| invalid_value(field, text, "an RFC 3339 date and time with offset"))
    }

    /// Serializes this element and its descendants as a document that parses on its own.
    ///
    /// The result declares every namespace the subtree uses on its first element, keeping the
    /// source's prefixes where they do not clash, and escapes all text and attribute values.
    /// It has no XML declaration and no layout whitespace. Parsing it gives a tree equal to
    /// this one. Mixed-content text is written before the element's first child.
    pub fn to_xml(&self) -> String {
        write::subtree_to_xml(&self.doc, self.index)
    }

    /// Returns the local names from the root to this element, joined with `/`, for error
    /// messages such as `AccountList/CreditAccount/accountId`.
    #[allow(dead_code)] // Response mapping uses this for `Error::MissingElement`.
    pub(crate) fn path(&self) -> String {
        let mut names = Vec::new();
        let mut index = self.index;
        while index != NO_PARENT {
            names.push(&*self.doc.name_of(index).local);
            index = self.doc.nodes[index as usize].parent;
        }
        names.reverse();
        names.join("/")
    }

    fn at(&self, index: u32) -> XmlNode {
        XmlNode {
            doc: Arc::clone(&self.doc),
            index,
        }
    }

    fn find_child(&self, field: &str) -> Option<u32> {
        self.doc
            .child_indices(self.index)
            .find(|&index| self.doc.name_of(index).matches(field))
    }

    fn typed_text(&self, field: &str) -> Option<&str> {
        self.field(field)
            .map(str::trim)
            .filter(|text| !text.is_empty())
    }
}

/// Parses `text`, naming `context` (for example `GET /v1/accounts`) in any error.
pub(crate) fn parse_with_context(text: &str, context: &str) -> Result<XmlNode> {
    if u32::try_from(text.len()).is_err() {
        return Err(Error::InvalidInput {
            parameter: "text",
            reason: format!(
                "{context} is {} bytes, but documents must be smaller than 4 GiB",
                text.len()
            ),
        });
    }
    if depth::find_excess_depth(text).is_some() {
        return Err(Error::Xml {
            context: format!(
                "{context} (elements nested deeper than {} levels)",
                depth::MAX_DEPTH
            ),
            source: roxmltree::Error::NodesLimitReached,
        });
    }
    // Default options keep `allow_dtd` false, so DTDs and their entities are rejected.
    let options = roxmltree::ParsingOptions::default();
    let parsed =
        roxmltree::Document::parse_with_options(text, options).map_err(|source| Error::Xml {
            context: context.to_owned(),
            source,
        })?;
    Ok(XmlNode {
        doc: Arc::new(Document::build(&parsed)),
        index: 0,
    })
}

fn invalid_value(field: &str, text: &str, expected: &'static str) -> Error {
    let mut value: String = text.chars().take(MAX_ERROR_VALUE_CHARS).collect();
    if value.len() < text.len() {
        value.push('…');
    }
    Error::InvalidValue {
        field: field.to_owned(),
        value,
        expected,
    }
}

/// An iterator over the child elements of an [`XmlNode`], from [`XmlNode::children`].
#[derive(Debug, Clone)]
pub struct Children<'a> {
    node: &'a XmlNode,
    indices: std::ops::Range<u32>,
}

impl Iterator for Children<'_> {
    type Item = XmlNode;

    fn next(&mut self) -> Option<XmlNode> {
        self.indices.next().map(|index| self.node.at(index))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.indices.size_hint()
    }
}

impl DoubleEndedIterator for Children<'_> {
    fn next_back(&mut self) -> Option<XmlNode> {
        self.indices.next_back().map(|index| self.node.at(index))
    }
}

impl ExactSizeIterator for Children<'_> {}

/// An iterator over the child elements with one name, from [`XmlNode::children_named`].
#[derive(Debug, Clone)]
pub struct ChildrenNamed<'a> {
    children: Children<'a>,
    field: &'a str,
    /// The name index checked last and whether it matched, so that a run of same-named
    /// children compares the strings once.
    last_name: Option<(u32, bool)>,
}

impl Iterator for ChildrenNamed<'_> {
    type Item = XmlNode;

    fn next(&mut self) -> Option<XmlNode> {
        let doc = &self.children.node.doc;
        for index in self.children.indices.by_ref() {
            let name = doc.nodes[index as usize].name;
            let matches = match self.last_name {
                Some((last, matched)) if last == name => matched,
                _ => {
                    let matched = doc.names[name as usize].matches(self.field);
                    self.last_name = Some((name, matched));
                    matched
                }
            };
            if matches {
                return Some(self.children.node.at(index));
            }
        }
        None
    }
}

impl PartialEq for XmlNode {
    fn eq(&self, other: &XmlNode) -> bool {
        let (a, b) = (&*self.doc, &*other.doc);
        let mut pending = vec![(self.index, other.index)];
        while let Some((left, right)) = pending.pop() {
            if !same_element(a, left, b, right) {
                return false;
            }
            pending.extend(a.child_indices(left).zip(b.child_indices(right)));
        }
        true
    }
}

impl Eq for XmlNode {}

/// Compares two elements without their descendants, child counts included.
fn same_element(a: &Document, left: u32, b: &Document, right: u32) -> bool {
    let (left_name, right_name) = (a.name_of(left), b.name_of(right));
    if left_name.local != right_name.local
        || a.namespace_uri(left_name.namespace) != b.namespace_uri(right_name.namespace)
        || a.text_of(left) != b.text_of(right)
        || a.nodes[left as usize].child_count != b.nodes[right as usize].child_count
    {
        return false;
    }
    let (left_attributes, right_attributes) = (a.attributes_of(left), b.attributes_of(right));
    if left_attributes.len() != right_attributes.len() {
        return false;
    }
    // Attribute order carries no meaning in XML, so compare the sorted lists.
    let mut left_sorted = attribute_triples(a, left_attributes);
    let mut right_sorted = attribute_triples(b, right_attributes);
    left_sorted.sort_unstable();
    right_sorted.sort_unstable();
    left_sorted == right_sorted
}

/// Lists (namespace URI, local name, value) of each attribute.
fn attribute_triples<'a>(
    doc: &'a Document,
    attributes: &[tree::AttributeRecord],
) -> Vec<(Option<&'a str>, &'a str, &'a str)> {
    attributes
        .iter()
        .map(|attribute| {
            let name = &doc.names[attribute.name as usize];
            (
                doc.namespace_uri(name.namespace),
                &*name.local,
                doc.slice(attribute.value_start, attribute.value_len),
            )
        })
        .collect()
}

/// Shows the element's name and either its text or its first few children, never the whole
/// subtree: `XmlNode(accountId = "400004530271")` or
/// `XmlNode(AccountList [CreditAccount, CreditAccount, BankingAccount, ... 10 children])`.
impl fmt::Debug for XmlNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "XmlNode({}", self.name())?;
        let count = self.len();
        if count == 0 {
            let text = self.text().unwrap_or("");
            let shown: String = text.chars().take(MAX_DEBUG_TEXT_CHARS).collect();
            write!(f, " = {shown:?}")?;
            if shown.len() < text.len() {
                write!(f, "… ({} bytes)", text.len())?;
            }
        } else {
            f.write_str(" [")?;
            for (position, child) in self.children().take(MAX_DEBUG_CHILDREN).enumerate() {
                if position > 0 {
                    f.write_str(", ")?;
                }
                f.write_str(child.name())?;
            }
            if count > MAX_DEBUG_CHILDREN {
                write!(f, ", ... {count} children")?;
            }
            f.write_str("]")?;
        }
        f.write_str(")")
    }
}

#[cfg(test)]
mod tests;
