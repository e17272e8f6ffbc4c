//! Compact storage of a parsed document, built from a `roxmltree` tree.

use std::collections::HashMap;
use std::ops::Range;

use super::names::snake_case;

/// The namespace index of a name that has no namespace.
pub(super) const NO_NAMESPACE: u32 = u32::MAX;
/// The parent index of the root element.
pub(super) const NO_PARENT: u32 = u32::MAX;
/// The text length of an element that has no text.
const NO_TEXT: u32 = u32::MAX;

/// A parsed document: every element, attribute and text of one input.
///
/// The root element has index 0, and the children of each element occupy one contiguous index
/// range after their parent's index. All text and attribute values are copied into one `String`, and each
/// distinct (namespace, local name) pair is stored once with its snake_case key.
pub(super) struct Document {
    pub(super) nodes: Vec<NodeRecord>,
    pub(super) attributes: Vec<AttributeRecord>,
    pub(super) names: Vec<Name>,
    pub(super) namespaces: Vec<Namespace>,
    pub(super) text: String,
}

/// One element.
#[derive(Clone, Copy)]
pub(super) struct NodeRecord {
    pub(super) name: u32,
    pub(super) parent: u32,
    pub(super) first_child: u32,
    pub(super) child_count: u32,
    text_start: u32,
    text_len: u32,
}

/// One attribute. The list is sorted by the index of the element it belongs to, and keeps
/// document order within one element.
#[derive(Clone, Copy)]
pub(super) struct AttributeRecord {
    pub(super) node: u32,
    pub(super) name: u32,
    pub(super) value_start: u32,
    pub(super) value_len: u32,
}

/// A distinct element or attribute name.
pub(super) struct Name {
    pub(super) namespace: u32,
    pub(super) local: Box<str>,
    pub(super) key: Box<str>,
}

impl Name {
    /// Returns whether a lookup by `field` (snake_case key or local name) selects this name.
    pub(super) fn matches(&self, field: &str) -> bool {
        *self.key == *field || *self.local == *field
    }
}

/// A distinct namespace URI, with the prefix it had where the document first used it.
pub(super) struct Namespace {
    pub(super) uri: Box<str>,
    pub(super) prefix: Option<Box<str>>,
}

impl Document {
    pub(super) fn slice(&self, start: u32, len: u32) -> &str {
        &self.text[start as usize..(start + len) as usize]
    }

    pub(super) fn text_of(&self, index: u32) -> Option<&str> {
        let node = &self.nodes[index as usize];
        if node.text_len == NO_TEXT {
            None
        } else {
            Some(self.slice(node.text_start, node.text_len))
        }
    }

    pub(super) fn child_indices(&self, index: u32) -> Range<u32> {
        let node = &self.nodes[index as usize];
        node.first_child..node.first_child + node.child_count
    }

    pub(super) fn name_of(&self, index: u32) -> &Name {
        &self.names[self.nodes[index as usize].name as usize]
    }

    pub(super) fn namespace_uri(&self, namespace: u32) -> Option<&str> {
        if namespace == NO_NAMESPACE {
            None
        } else {
            Some(&self.namespaces[namespace as usize].uri)
        }
    }

    pub(super) fn attributes_of(&self, index: u32) -> &[AttributeRecord] {
        if self.attributes.is_empty() {
            return &[];
        }
        let start = self.attributes.partition_point(|a| a.node < index);
        let end = start + self.attributes[start..].partition_point(|a| a.node == index);
        &self.attributes[start..end]
    }

    /// Builds the storage from a parsed tree.
    ///
    /// The caller checks that the input is shorter than `u32::MAX` bytes, which bounds every
    /// text offset, and roxmltree's own node ids bound the element count to `u32`.
    pub(super) fn build(source: &roxmltree::Document<'_>) -> Document {
        let mut builder = Builder::default();
        let root = source.root_element();
        let root_name = builder.intern(root, NO_NAME);
        builder.nodes.push(NodeRecord {
            name: root_name,
            parent: NO_PARENT,
            first_child: 0,
            child_count: 0,
            text_start: 0,
            text_len: NO_TEXT,
        });
        // Elements whose children are still to be added, with their indices. An entry is 8
        // bytes where a `roxmltree::Node` is 24, which matters for large lists.
        let mut pending = vec![(root.id(), 0u32)];

        // Taking the last pending element first visits elements in document order, the order
        // roxmltree stores them in, so a large document is read once from front to back.
        // Visiting level by level instead re-reads all of it once per level, mostly from
        // main memory rather than cache.
        while let Some((id, index)) = pending.pop() {
            let element = source
                .get_node(id)
                .expect("ids in `pending` come from `source`");
            builder.add_attributes(element, index);

            let first_child = builder.nodes.len() as u32;
            let first_pending = pending.len();
            let text_start = builder.text.len();
            let element_name = builder.nodes[index as usize].name as usize;
            let mut previous_name = NO_NAME;
            for child in element.children() {
                if child.is_element() {
                    let predicted = match previous_name {
                        NO_NAME => builder.hints[element_name].first_child,
                        previous => builder.hints[previous as usize].next_sibling,
                    };
                    let name = builder.intern(child, predicted);
                    match previous_name {
                        NO_NAME => builder.hints[element_name].first_child = name,
                        previous => builder.hints[previous as usize].next_sibling = name,
                    }
                    previous_name = name;
                    builder.nodes.push(NodeRecord {
                        name,
                        parent: index,
                        first_child: 0,
                        child_count: 0,
                        text_start: 0,
                        text_len: NO_TEXT,
                    });
                    pending.push((child.id(), builder.nodes.len() as u32 - 1));
                } else if child.is_text() {
                    builder.text.push_str(child.text().unwrap_or(""));
                }
            }

            let child_count = builder.nodes.len() as u32 - first_child;
            let text = &builder.text[text_start..];
            let record = &mut builder.nodes[index as usize];
            record.first_child = first_child;
            record.child_count = child_count;
            // Whitespace between child elements is layout, not a value.
            if child_count > 0 && text.bytes().all(|b| b.is_ascii_whitespace()) {
                builder.text.truncate(text_start);
            } else {
                record.text_start = text_start as u32;
                record.text_len = (builder.text.len() - text_start) as u32;
            }

            // Reversed, so that the first child is popped next.
            pending[first_pending..].reverse();
        }
        builder.finish()
    }
}

/// The name index that means no name.
const NO_NAME: u32 = u32::MAX;

/// The number of namespace URI addresses that [`Builder::intern_namespace`] compares before
/// hashing a URI.
const MAX_NAMESPACE_ADDRESSES: usize = 16;

/// The names that followed a name last time, used to guess the next name without hashing.
///
/// Lists of records repeat one sequence of child names, so the guess is usually right, and a
/// wrong guess costs one string comparison before the hash map lookup.
#[derive(Clone, Copy)]
struct NameHints {
    /// The name of the first child of the last element with this name.
    first_child: u32,
    /// The name of the element that followed the last element with this name.
    next_sibling: u32,
}

#[derive(Default)]
struct Builder<'input> {
    nodes: Vec<NodeRecord>,
    hints: Vec<NameHints>,
    attributes: Vec<AttributeRecord>,
    names: Vec<Name>,
    namespaces: Vec<Namespace>,
    text: String,
    name_ids: HashMap<(u32, &'input str), u32>,
    namespace_ids: HashMap<Box<str>, u32>,
    /// Address, length and index of the namespace URI seen last (zero length before the first
    /// one, which no URI matches). roxmltree 0.21 stores each distinct (prefix, URI)
    /// declaration once, so elements of one namespace usually repeat the same address, and this
    /// skips hashing the URI.
    last_namespace: (usize, usize, u32),
    /// Address, length and index of the first [`MAX_NAMESPACE_ADDRESSES`] namespace URIs, for
    /// records whose elements alternate between namespaces (such as account lists).
    namespace_addresses: Vec<(usize, usize, u32)>,
}

impl<'input> Builder<'input> {
    /// Returns the index of the element's name, checking the `predicted` index first.
    fn intern(&mut self, element: roxmltree::Node<'_, 'input>, predicted: u32) -> u32 {
        let tag = element.tag_name();
        let namespace = self.intern_namespace(tag.namespace(), |uri| element.lookup_prefix(uri));
        if let Some(name) = self.names.get(predicted as usize) {
            if name.namespace == namespace && *name.local == *tag.name() {
                return predicted;
            }
        }
        self.intern_name(namespace, tag.name())
    }

    fn intern_name(&mut self, namespace: u32, local: &'input str) -> u32 {
        if let Some(&id) = self.name_ids.get(&(namespace, local)) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(Name {
            namespace,
            local: local.into(),
            key: snake_case(local).into(),
        });
        self.hints.push(NameHints {
            first_child: NO_NAME,
            next_sibling: NO_NAME,
        });
        self.name_ids.insert((namespace, local), id);
        id
    }

    fn intern_namespace(
        &mut self,
        uri: Option<&str>,
        prefix_of: impl FnOnce(&str) -> Option<&'input str>,
    ) -> u32 {
        // roxmltree reports `xmlns=""` as an empty URI, which means no namespace.
        let Some(uri) = uri.filter(|uri| !uri.is_empty()) else {
            return NO_NAMESPACE;
        };
        let address = (uri.as_ptr() as usize, uri.len());
        let (last_address, last_len, last_id) = self.last_namespace;
        if (last_address, last_len) == address {
            return last_id;
        }
        let known = self
            .namespace_addresses
            .iter()
            .find(|&&(start, len, _)| (start, len) == address)
            .map(|&(_, _, id)| id);
        let id = match known.or_else(|| self.namespace_ids.get(uri).copied()) {
            Some(id) => id,
            None => {
                let id = self.namespaces.len() as u32;
                self.namespaces.push(Namespace {
                    uri: uri.into(),
                    prefix: prefix_of(uri).map(Into::into),
                });
                self.namespace_ids.insert(uri.into(), id);
                id
            }
        };
        // Documents with more declarations than the list holds hash the other URIs.
        if known.is_none() && self.namespace_addresses.len() < MAX_NAMESPACE_ADDRESSES {
            self.namespace_addresses.push((address.0, address.1, id));
        }
        self.last_namespace = (address.0, address.1, id);
        id
    }

    fn add_attributes(&mut self, element: roxmltree::Node<'_, 'input>, index: u32) {
        for attribute in element.attributes() {
            let namespace =
                self.intern_namespace(attribute.namespace(), |uri| element.lookup_prefix(uri));
            let name = self.intern_name(namespace, attribute.name());
            let value_start = self.text.len() as u32;
            self.text.push_str(attribute.value());
            self.attributes.push(AttributeRecord {
                node: index,
                name,
                value_start,
                value_len: self.text.len() as u32 - value_start,
            });
        }
    }

    fn finish(mut self) -> Document {
        // Elements get their attributes in document order, which is not index order. The
        // sort is stable, so each element's attributes stay in document order.
        self.attributes.sort_by_key(|attribute| attribute.node);
        self.nodes.shrink_to_fit();
        self.attributes.shrink_to_fit();
        self.text.shrink_to_fit();
        Document {
            nodes: self.nodes,
            attributes: self.attributes,
            names: self.names,
            namespaces: self.namespaces,
            text: self.text,
        }
    }
}
