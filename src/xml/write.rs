//! Escaping for every XML writer of the crate, and serialization of parsed subtrees.

use super::tree::{Document, NO_NAMESPACE};

/// The namespace bound to the `xml` prefix, which is never declared.
const XML_NAMESPACE: &str = "http://www.w3.org/XML/1998/namespace";

/// Returns whether every character of `value` is allowed in an XML 1.0 document.
///
/// XML 1.0 allows tab, LF, CR, and the code points from U+0020 up except U+FFFE and U+FFFF
/// (Rust strings cannot contain surrogates). Writers call this on caller input and return
/// [`Error::InvalidInput`](crate::Error::InvalidInput) when it is false, because the escape
/// functions replace such characters instead of failing.
pub(crate) fn check_xml_chars(value: &str) -> bool {
    value.chars().all(is_xml_char)
}

fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Escapes `value` for use as element text.
///
/// `&`, `<` and `>` become entity references and CR becomes `&#xD;`, so that a parser does not
/// turn it into LF. Characters that XML 1.0 does not allow become U+FFFD, so check input with
/// [`check_xml_chars`] first.
#[allow(dead_code)] // The request writers call this.
pub(crate) fn escape_text(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len() + 8);
    push_escaped_text(&mut escaped, value);
    escaped
}

/// Escapes `value` for use inside a quoted attribute value (either quote character).
///
/// Like [`escape_text`], and also `"`, `'`, tab and LF become references, because a parser
/// would otherwise end the value or normalize the whitespace to spaces.
#[allow(dead_code)] // The request writers call this.
pub(crate) fn escape_attribute(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len() + 8);
    push_escaped_attribute(&mut escaped, value);
    escaped
}

pub(super) fn push_escaped_text(out: &mut String, value: &str) {
    if !value.contains(['&', '<', '>', '\r']) && check_xml_chars(value) {
        out.push_str(value);
        return;
    }
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#xD;"),
            c if is_xml_char(c) => out.push(c),
            _ => out.push(char::REPLACEMENT_CHARACTER),
        }
    }
}

pub(super) fn push_escaped_attribute(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#x9;"),
            '\n' => out.push_str("&#xA;"),
            '\r' => out.push_str("&#xD;"),
            c if is_xml_char(c) => out.push(c),
            _ => out.push(char::REPLACEMENT_CHARACTER),
        }
    }
}

/// The prefix chosen for each namespace that a serialized subtree uses.
struct Prefixes {
    /// Pairs of namespace index and prefix. An empty prefix binds the default namespace.
    bindings: Vec<(u32, String)>,
}

impl Prefixes {
    /// Chooses prefixes for the namespaces used in the subtree under `top`.
    ///
    /// The prefix the source document used is kept where it is free, and clashes get `nsN`. A
    /// namespace that the source used as its default namespace stays the default unless an
    /// element without a namespace or an attribute in that namespace needs it prefixed.
    fn choose(doc: &Document, top: u32) -> Prefixes {
        let mut used: Vec<u32> = Vec::new();
        let mut attribute_namespaces: Vec<u32> = Vec::new();
        let mut element_without_namespace = false;
        let mut stack = vec![top];
        while let Some(index) = stack.pop() {
            let namespace = doc.names[doc.nodes[index as usize].name as usize].namespace;
            if namespace == NO_NAMESPACE {
                element_without_namespace = true;
            } else if !used.contains(&namespace) {
                used.push(namespace);
            }
            for attribute in doc.attributes_of(index) {
                let namespace = doc.names[attribute.name as usize].namespace;
                if namespace != NO_NAMESPACE && !attribute_namespaces.contains(&namespace) {
                    attribute_namespaces.push(namespace);
                }
            }
            stack.extend(doc.child_indices(index));
        }
        for &namespace in &attribute_namespaces {
            if !used.contains(&namespace) {
                used.push(namespace);
            }
        }

        let mut bindings: Vec<(u32, String)> = Vec::with_capacity(used.len());
        let mut default_taken = element_without_namespace;
        for &namespace in &used {
            let entry = &doc.namespaces[namespace as usize];
            if entry.uri.as_ref() == XML_NAMESPACE {
                bindings.push((namespace, "xml".to_owned()));
                continue;
            }
            let wants_default =
                entry.prefix.is_none() && !attribute_namespaces.contains(&namespace);
            if wants_default && !default_taken {
                default_taken = true;
                bindings.push((namespace, String::new()));
                continue;
            }
            let original = entry.prefix.as_deref().unwrap_or("ns");
            let prefix = if is_free(&bindings, original) {
                original.to_owned()
            } else {
                let mut counter = 1;
                while !is_free(&bindings, &format!("ns{counter}")) {
                    counter += 1;
                }
                format!("ns{counter}")
            };
            bindings.push((namespace, prefix));
        }
        Prefixes { bindings }
    }

    fn prefix(&self, namespace: u32) -> &str {
        self.bindings
            .iter()
            .find(|(bound, _)| *bound == namespace)
            .map_or("", |(_, prefix)| prefix.as_str())
    }

    fn push_declarations(&self, out: &mut String, doc: &Document) {
        for (namespace, prefix) in &self.bindings {
            if prefix == "xml" {
                continue;
            }
            out.push_str(" xmlns");
            if !prefix.is_empty() {
                out.push(':');
                out.push_str(prefix);
            }
            out.push_str("=\"");
            push_escaped_attribute(out, &doc.namespaces[*namespace as usize].uri);
            out.push('"');
        }
    }

    fn push_qualified_name(&self, out: &mut String, doc: &Document, name: u32) {
        let name = &doc.names[name as usize];
        if name.namespace != NO_NAMESPACE {
            let prefix = self.prefix(name.namespace);
            if !prefix.is_empty() {
                out.push_str(prefix);
                out.push(':');
            }
        }
        out.push_str(&name.local);
    }
}

fn is_free(bindings: &[(u32, String)], prefix: &str) -> bool {
    prefix != "xml"
        && !prefix.starts_with("xmlns")
        && !bindings.iter().any(|(_, bound)| bound == prefix)
}

/// Serializes the element at `top` and its descendants as a standalone document.
///
/// The text of an element with child elements (mixed content) is written before its first
/// child, so the result parses back to an equal tree but may move text between children.
pub(super) fn subtree_to_xml(doc: &Document, top: u32) -> String {
    let prefixes = Prefixes::choose(doc, top);
    let mut out = String::with_capacity(256);
    // Each entry is a node index and whether its end tag is due.
    let mut stack: Vec<(u32, bool)> = vec![(top, false)];

    while let Some((index, closing)) = stack.pop() {
        let node = &doc.nodes[index as usize];
        if closing {
            out.push_str("</");
            prefixes.push_qualified_name(&mut out, doc, node.name);
            out.push('>');
            continue;
        }

        out.push('<');
        prefixes.push_qualified_name(&mut out, doc, node.name);
        if index == top {
            prefixes.push_declarations(&mut out, doc);
        }
        for attribute in doc.attributes_of(index) {
            out.push(' ');
            prefixes.push_qualified_name(&mut out, doc, attribute.name);
            out.push_str("=\"");
            push_escaped_attribute(
                &mut out,
                doc.slice(attribute.value_start, attribute.value_len),
            );
            out.push('"');
        }

        let text = doc.text_of(index).unwrap_or("");
        if node.child_count == 0 && text.is_empty() {
            out.push_str("/>");
            continue;
        }
        out.push('>');
        push_escaped_text(&mut out, text);
        stack.push((index, true));
        stack.extend(doc.child_indices(index).rev().map(|child| (child, false)));
    }
    out
}
