//! A scan that bounds element nesting before the document is parsed.
//!
//! roxmltree 0.21 accepts any nesting depth, and parsing takes time and memory in proportion to
//! the input, so a document of millions of nested start tags costs seconds before it could be
//! refused. The scan stops at the first start tag past [`MAX_DEPTH`], so such a document is
//! rejected after reading a few kilobytes. The limit also protects callers that walk an
//! [`XmlNode`](super::XmlNode) tree recursively. AggCat documents nest fewer than 10 levels.

/// The maximum number of nested elements, the root included.
pub(crate) const MAX_DEPTH: usize = 1024;

/// Returns the byte offset of the first start tag nested deeper than [`MAX_DEPTH`], or `None`.
///
/// The scan understands start and end tags (with quoted attribute values that may contain
/// `>`), comments, processing instructions and CDATA sections. It stops with `None` at a DTD,
/// at any other `<!` markup and at a construct that is not closed, because the parser rejects
/// those documents itself. It never flags a well-formed document of at most [`MAX_DEPTH`]
/// levels, and on malformed input it may count wrongly, which at worst replaces one typed
/// error with another.
pub(crate) fn find_excess_depth(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut at = 0;
    while let Some(found) = text[at..].find('<') {
        let start = at + found;
        let rest = &text[start + 1..];
        at = if rest.starts_with('/') {
            depth = depth.saturating_sub(1);
            start + 1 + rest.find('>')? + 1
        } else if rest.starts_with('?') {
            start + 1 + rest.find("?>")? + 2
        } else if let Some(comment) = rest.strip_prefix("!--") {
            start + 4 + comment.find("-->")? + 3
        } else if let Some(data) = rest.strip_prefix("![CDATA[") {
            start + 9 + data.find("]]>")? + 3
        } else if rest.starts_with('!') {
            return None;
        } else {
            let end = start + 1 + end_of_start_tag(rest.as_bytes())?;
            if text.as_bytes()[end - 1] != b'/' {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some(start);
                }
            }
            end + 1
        };
    }
    None
}

/// Returns the offset of the `>` that ends a start tag, skipping quoted attribute values.
fn end_of_start_tag(tag: &[u8]) -> Option<usize> {
    let mut quote = None;
    for (offset, &byte) in tag.iter().enumerate() {
        match (quote, byte) {
            (None, b'>') => return Some(offset),
            (None, b'"' | b'\'') => quote = Some(byte),
            (Some(open), _) if byte == open => quote = None,
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(depth: usize) -> String {
        format!("{}{}", "<a>".repeat(depth), "</a>".repeat(depth))
    }

    #[test]
    fn limit_depth_passes() {
        assert_eq!(find_excess_depth(&nested(MAX_DEPTH)), None);
    }

    #[test]
    fn one_level_more_is_found() {
        let document = nested(MAX_DEPTH + 1);
        assert_eq!(find_excess_depth(&document), Some(3 * MAX_DEPTH));
    }

    #[test]
    fn siblings_do_not_add_up() {
        let document = format!("<r>{}</r>", "<a><b/></a>".repeat(5 * MAX_DEPTH));
        assert_eq!(find_excess_depth(&document), None);
    }

    #[test]
    fn markup_inside_other_constructs_is_skipped() {
        let inner = "<a x='>' y=\"/>\"><!-- <a> --><?pi <a> ?><![CDATA[<a>]]>text > more";
        let document = format!(
            "<?xml version=\"1.0\"?>{}{}",
            inner.repeat(MAX_DEPTH),
            "</a>".repeat(MAX_DEPTH)
        );
        assert_eq!(find_excess_depth(&document), None);
        assert!(find_excess_depth(&format!("<a>{document}</a>")).is_some());
    }

    #[test]
    fn dtd_and_unclosed_constructs_stop_the_scan() {
        let deep = "<a>".repeat(MAX_DEPTH + 1);
        assert_eq!(find_excess_depth(&format!("<!DOCTYPE a>{deep}")), None);
        assert_eq!(find_excess_depth(&format!("<!-- {deep}")), None);
        assert_eq!(find_excess_depth(&format!("<a b='{deep}")), None);
    }
}
