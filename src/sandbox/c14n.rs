//! Exclusive XML canonicalization without comments (W3C `xml-exc-c14n#`), over a roxmltree
//! tree.
//!
//! Element and attribute prefixes are read back from the source text, because roxmltree keeps
//! only the namespace URI of a name. The `InclusiveNamespaces PrefixList` parameter is not
//! supported: the assertions the service accepted never used it.

use std::collections::BTreeMap;

use roxmltree::{Node, NodeId, NodeType};

/// Canonicalises the subtree rooted at `root`, leaving out the subtree of `excluded` (the
/// enveloped-signature transform).
pub(crate) fn canonicalize(root: Node<'_, '_>, excluded: Option<NodeId>) -> String {
    let mut output = String::new();
    let rendered = BTreeMap::new();
    write_node(root, excluded, &rendered, &mut output);
    output
}

fn write_node(
    node: Node<'_, '_>,
    excluded: Option<NodeId>,
    rendered: &BTreeMap<String, String>,
    output: &mut String,
) {
    if Some(node.id()) == excluded {
        return;
    }
    match node.node_type() {
        NodeType::Element => write_element(node, excluded, rendered, output),
        NodeType::Text => escape_text(node.text().unwrap_or(""), output),
        NodeType::PI => {
            if let Some(pi) = node.pi() {
                output.push_str("<?");
                output.push_str(pi.target);
                if let Some(value) = pi.value {
                    output.push(' ');
                    output.push_str(value);
                }
                output.push_str("?>");
            }
        }
        NodeType::Comment | NodeType::Root => {}
    }
}

fn write_element(
    node: Node<'_, '_>,
    excluded: Option<NodeId>,
    rendered: &BTreeMap<String, String>,
    output: &mut String,
) {
    let source = node.document().input_text();
    let qualified_name = element_qualified_name(source, node);
    let element_prefix = prefix_of(qualified_name);

    // Exclusive c14n renders a namespace declaration only when the element or one of its
    // attributes uses its prefix, and no output ancestor already rendered the same binding.
    let mut utilized: Vec<&str> = vec![element_prefix];
    for attribute in node.attributes() {
        let name = &source[attribute.range_qname()];
        let prefix = prefix_of(name);
        if !prefix.is_empty() && !utilized.contains(&prefix) {
            utilized.push(prefix);
        }
    }

    let mut declarations: Vec<(String, String)> = Vec::new();
    for prefix in utilized {
        if prefix == "xml" {
            continue;
        }
        let uri = if prefix.is_empty() {
            node.default_namespace().unwrap_or("")
        } else {
            node.lookup_namespace_uri(Some(prefix)).unwrap_or("")
        };
        let previous = rendered.get(prefix).map(String::as_str).unwrap_or("");
        if previous != uri {
            declarations.push((prefix.to_string(), uri.to_string()));
        }
    }
    declarations.sort();

    let mut attributes: Vec<(&str, &str, &str, &str)> = node
        .attributes()
        .map(|attribute| {
            let name = &source[attribute.range_qname()];
            let namespace = attribute.namespace().unwrap_or("");
            (namespace, attribute.name(), name, attribute.value())
        })
        .collect();
    attributes.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));

    output.push('<');
    output.push_str(qualified_name);
    for (prefix, uri) in &declarations {
        if prefix.is_empty() {
            output.push_str(" xmlns=\"");
        } else {
            output.push_str(" xmlns:");
            output.push_str(prefix);
            output.push_str("=\"");
        }
        escape_attribute(uri, output);
        output.push('"');
    }
    for (_, _, name, value) in &attributes {
        output.push(' ');
        output.push_str(name);
        output.push_str("=\"");
        escape_attribute(value, output);
        output.push('"');
    }
    output.push('>');

    let mut inner = rendered.clone();
    for (prefix, uri) in declarations {
        inner.insert(prefix, uri);
    }
    for child in node.children() {
        write_node(child, excluded, &inner, output);
    }

    output.push_str("</");
    output.push_str(qualified_name);
    output.push('>');
}

/// Reads the element's qualified name from its start tag in the source text.
fn element_qualified_name<'input>(source: &'input str, node: Node<'_, 'input>) -> &'input str {
    let start_tag = &source[node.range().start + 1..];
    let end = start_tag
        .find(|c: char| c.is_whitespace() || c == '/' || c == '>')
        .unwrap_or(start_tag.len());
    &start_tag[..end]
}

fn prefix_of(qualified_name: &str) -> &str {
    match qualified_name.split_once(':') {
        Some((prefix, _)) => prefix,
        None => "",
    }
}

fn escape_text(text: &str, output: &mut String) {
    for c in text.chars() {
        match c {
            '&' => output.push_str("&amp;"),
            '<' => output.push_str("&lt;"),
            '>' => output.push_str("&gt;"),
            '\r' => output.push_str("&#xD;"),
            _ => output.push(c),
        }
    }
}

fn escape_attribute(value: &str, output: &mut String) {
    for c in value.chars() {
        match c {
            '&' => output.push_str("&amp;"),
            '<' => output.push_str("&lt;"),
            '"' => output.push_str("&quot;"),
            '\t' => output.push_str("&#x9;"),
            '\n' => output.push_str("&#xA;"),
            '\r' => output.push_str("&#xD;"),
            _ => output.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::canonicalize;

    fn canonical(xml: &str) -> String {
        let document = roxmltree::Document::parse(xml).unwrap();
        canonicalize(document.root_element(), None)
    }

    #[test]
    fn expands_empty_elements_and_sorts_attributes() {
        let xml = r#"<a z='1' b="2"><c/></a>"#;

        assert_eq!(canonical(xml), r#"<a b="2" z="1"><c></c></a>"#);
    }

    #[test]
    fn renders_namespace_only_where_utilized() {
        let xml = r#"<p:a xmlns:p="urn:p" xmlns:q="urn:q"><p:b/><q:c/><p:d q:x="1"/></p:a>"#;

        assert_eq!(
            canonical(xml),
            r#"<p:a xmlns:p="urn:p"><p:b></p:b><q:c xmlns:q="urn:q"></q:c><p:d xmlns:q="urn:q" q:x="1"></p:d></p:a>"#
        );
    }

    #[test]
    fn renders_inherited_namespace_on_subtree_root() {
        let xml = r#"<p:a xmlns:p="urn:p" xmlns:ds="urn:ds"><ds:b><ds:c/></ds:b></p:a>"#;
        let document = roxmltree::Document::parse(xml).unwrap();
        let inner = document.root_element().first_element_child().unwrap();

        assert_eq!(
            canonicalize(inner, None),
            r#"<ds:b xmlns:ds="urn:ds"><ds:c></ds:c></ds:b>"#
        );
    }

    #[test]
    fn sorts_attributes_by_namespace_then_name() {
        let xml = r#"<a xmlns:b="urn:b" xmlns:c="urn:a" b:x="1" c:y="2" z="3"/>"#;

        assert_eq!(
            canonical(xml),
            r#"<a xmlns:b="urn:b" xmlns:c="urn:a" z="3" c:y="2" b:x="1"></a>"#
        );
    }

    #[test]
    fn escapes_text_and_attributes() {
        let xml =
            "<a t=\"&lt;&amp;&quot;&#9;&#10;&#13;>\">x &amp; &lt; &gt; &#13; <![CDATA[<y>]]></a>";

        assert_eq!(
            canonical(xml),
            "<a t=\"&lt;&amp;&quot;&#x9;&#xA;&#xD;>\">x &amp; &lt; &gt; &#xD; &lt;y&gt;</a>"
        );
    }

    #[test]
    fn drops_comments_keeps_processing_instructions() {
        let xml = "<a><!-- note --><?pi data?>text</a>";

        assert_eq!(canonical(xml), "<a><?pi data?>text</a>");
    }

    #[test]
    fn undeclares_default_namespace_when_needed() {
        let xml = r#"<a xmlns="urn:a"><b xmlns=""/></a>"#;

        assert_eq!(canonical(xml), r#"<a xmlns="urn:a"><b xmlns=""></b></a>"#);
    }

    #[test]
    fn leaves_out_excluded_subtree() {
        let xml = "<a><b>1</b><c>2</c></a>";
        let document = roxmltree::Document::parse(xml).unwrap();
        let excluded = document.root_element().first_element_child().unwrap();

        assert_eq!(
            canonicalize(document.root_element(), Some(excluded.id())),
            "<a><c>2</c></a>"
        );
    }
}
