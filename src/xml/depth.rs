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
///
/// The scan reads the input in blocks of 64 bytes, marks the bytes `<`, `>`, `"` and `'` of
/// each block in a bit mask, and steps through the marked bytes only. Building the mask is a
/// loop without branches that the compiler turns into vector compares. On the machine of
/// BENCHMARKS.md this scans about 3 GB/s, where roxmltree parses about 0.2 GB/s.
pub(crate) fn find_excess_depth(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut state = ScanState::Text;
    let mut block_start = 0;
    'blocks: while block_start < bytes.len() {
        let block_end = (block_start + BLOCK).min(bytes.len());
        let mut marked = markup_mask(&bytes[block_start..block_end]);
        while marked != 0 {
            let at = block_start + marked.trailing_zeros() as usize;
            marked &= marked - 1;
            let byte = bytes[at];
            state = match (state, byte) {
                (ScanState::Text, b'<') => match bytes.get(at + 1) {
                    Some(b'/') => {
                        depth = depth.saturating_sub(1);
                        ScanState::EndTag
                    }
                    // Processing instructions, comments and CDATA sections are skipped with
                    // a substring search, and the scan goes on after them.
                    Some(b'?') => {
                        block_start = at + 1 + text[at + 1..].find("?>")? + 2;
                        continue 'blocks;
                    }
                    Some(b'!') => {
                        let rest = &text[at + 1..];
                        block_start = if let Some(comment) = rest.strip_prefix("!--") {
                            at + 4 + comment.find("-->")? + 3
                        } else if let Some(data) = rest.strip_prefix("![CDATA[") {
                            at + 9 + data.find("]]>")? + 3
                        } else {
                            return None;
                        };
                        continue 'blocks;
                    }
                    _ => ScanState::StartTag(at),
                },
                (ScanState::StartTag(start), b'>') => {
                    if bytes[at - 1] != b'/' {
                        depth += 1;
                        if depth > MAX_DEPTH {
                            return Some(start);
                        }
                    }
                    ScanState::Text
                }
                (ScanState::StartTag(start), b'"' | b'\'') => ScanState::Quoted(start, byte),
                (ScanState::Quoted(start, quote), _) if byte == quote => ScanState::StartTag(start),
                (ScanState::EndTag, b'>') => ScanState::Text,
                (unchanged, _) => unchanged,
            };
        }
        block_start = block_end;
    }
    None
}

/// The length of the blocks that [`markup_mask`] marks, one bit per byte.
const BLOCK: usize = 64;

/// The part of the document that the scan is in.
#[derive(Clone, Copy)]
enum ScanState {
    /// Character data, where only `<` starts markup.
    Text,
    /// Inside the start tag that begins at this offset.
    StartTag(usize),
    /// Inside a quoted attribute value of the start tag that begins at this offset.
    Quoted(usize, u8),
    /// Inside an end tag.
    EndTag,
}

/// Returns a mask of the bytes of `block` (at most [`BLOCK`] long) that are `<`, `>`, `"` or
/// `'`. Bit `k` is set when `block[k]` is one of them.
fn markup_mask(block: &[u8]) -> u64 {
    let mut flags = [0u8; BLOCK];
    let is_markup = |byte: u8| (byte == b'<') | (byte == b'>') | (byte == b'"') | (byte == b'\'');
    if let Ok(full) = <&[u8; BLOCK]>::try_from(block) {
        // The fixed length lets the compiler vectorize this loop.
        for (flag, &byte) in flags.iter_mut().zip(full) {
            *flag = u8::from(is_markup(byte));
        }
    } else {
        for (flag, &byte) in flags.iter_mut().zip(block) {
            *flag = u8::from(is_markup(byte));
        }
    }
    let mut mask = 0;
    for (group, eight) in flags.chunks_exact(8).enumerate() {
        // Each byte is 0 or 1, and the product moves byte k to bit 56 + k. The partial
        // products land on distinct bits, so no carry disturbs the top byte.
        let word = u64::from_le_bytes(eight.try_into().expect("chunks_exact gives 8 bytes"));
        let packed = word.wrapping_mul(0x0102_0408_1020_4080) >> 56;
        mask |= packed << (8 * group);
    }
    mask
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first, direct version of the scan: `find` from one `<` to the next.
    fn reference_scan(text: &str) -> Option<usize> {
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
                let end = start + 1 + reference_end_of_start_tag(rest.as_bytes())?;
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
    fn reference_end_of_start_tag(tag: &[u8]) -> Option<usize> {
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

    #[test]
    fn block_scan_matches_reference() {
        let record = "<ns2:rec id='7' note=\"a > b\"><id>1</id><memo><![CDATA[<x>]]></memo>\
                      <!-- <y> --><?pi <z> ?><empty/><é>ü</é></ns2:rec>";
        let document = format!(
            "<?xml version=\"1.0\"?><list xmlns:ns2='urn:b'>{}</list>",
            record.repeat(12)
        );
        let mut inputs = vec![
            document.clone(),
            nested(MAX_DEPTH),
            nested(MAX_DEPTH + 1),
            format!("{}{document}", "<d>".repeat(MAX_DEPTH - 2)),
        ];
        let fragments = [
            "<?>",
            "<>",
            "<",
            "</",
            "<!",
            "<!-",
            "<!--",
            "<![CDATA[",
            "<a",
            "<a'",
            "<a '>'",
            "<a/>",
            "</>",
            "<?x?>",
            "<a \"b'\" c='d\"'>",
            "-->",
            "]]>",
            "?>",
            "'",
            "\"",
        ];
        for fragment in fragments {
            inputs.push(fragment.to_owned());
            inputs.push(fragment.repeat(MAX_DEPTH + 10));
            inputs.push(format!(
                "{}{}",
                "<a>".repeat(MAX_DEPTH - 4),
                fragment.repeat(8)
            ));
        }
        // Insert one markup byte at a pseudo-random offset, and cut the document there.
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let markup = b"<>/?!-'\"[]=";
        for _ in 0..400 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let mut offset = (state as usize) % document.len();
            while !document.is_char_boundary(offset) {
                offset -= 1;
            }
            let byte = markup[(state >> 40) as usize % markup.len()] as char;
            let mut changed = document.clone();
            changed.insert(offset, byte);
            inputs.push(format!("{}{changed}", "<d>".repeat(MAX_DEPTH - 2)));
            inputs.push(changed);
            inputs.push(document[..offset].to_owned());
        }
        for input in &inputs {
            let start_of_input: String = input.chars().take(60).collect();
            assert_eq!(
                find_excess_depth(input),
                reference_scan(input),
                "{} bytes starting {start_of_input:?}",
                input.len()
            );
        }
    }
}
