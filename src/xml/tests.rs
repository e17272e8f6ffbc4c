use std::time::{Duration, Instant};

use super::*;

fn parse(text: &str) -> XmlNode {
    XmlNode::parse(text).expect("test document parses")
}

#[test]
fn escape_text_replaces_markup() {
    assert_eq!(escape_text("Tom & Jerry <3"), "Tom &amp; Jerry &lt;3");
    assert_eq!(
        escape_text("p&ss<w>\"0'rd]]>"),
        "p&amp;ss&lt;w&gt;\"0'rd]]&gt;"
    );
    assert_eq!(escape_text("line\r\nnext"), "line&#xD;\nnext");
    assert_eq!(escape_text("plain text"), "plain text");
}

#[test]
fn escape_attribute_replaces_quotes() {
    assert_eq!(
        escape_attribute("p&ss<w>\"0'rd]]>"),
        "p&amp;ss&lt;w&gt;&quot;0&apos;rd]]&gt;"
    );
    assert_eq!(escape_attribute("Tom & Jerry <3"), "Tom &amp; Jerry &lt;3");
    assert_eq!(escape_attribute("a\tb\nc"), "a&#x9;b&#xA;c");
}

#[test]
fn escaped_values_parse_back() {
    for value in ["p&ss<w>\"0'rd]]>", "Tom & Jerry <3", "tab\there\r\nCRLF"] {
        let document = format!(
            "<a b=\"{}\" c='{}'>{}</a>",
            escape_attribute(value),
            escape_attribute(value),
            escape_text(value)
        );
        let root = parse(&document);
        assert_eq!(root.attribute("b"), Some(value));
        assert_eq!(root.attribute("c"), Some(value));
        assert_eq!(root.text(), Some(value));
    }
}

#[test]
fn escape_replaces_invalid_characters() {
    assert_eq!(escape_text("a\u{1}b"), "a\u{FFFD}b");
    assert_eq!(escape_attribute("a\u{0}b\u{FFFF}"), "a\u{FFFD}b\u{FFFD}");
}

#[test]
fn check_xml_chars_rejects_controls() {
    assert!(check_xml_chars("Tom & Jerry <3\t\r\n"));
    assert!(check_xml_chars("€ 𝄞"));
    assert!(!check_xml_chars("a\u{0}"));
    assert!(!check_xml_chars("bell\u{7}"));
    assert!(!check_xml_chars("\u{1F}"));
    assert!(!check_xml_chars("\u{FFFE}"));
}

#[test]
fn empty_input_is_xml_error() {
    for text in ["", "   \r\n\t"] {
        let error = XmlNode::parse(text).unwrap_err();
        assert!(
            matches!(error, Error::Xml { .. }),
            "{text:?} gave {error:?}"
        );
    }
}

#[test]
fn truncated_input_is_xml_error() {
    let error = XmlNode::parse("<AccountList><CreditAccount><accountId>4").unwrap_err();
    assert!(matches!(error, Error::Xml { .. }), "{error:?}");
    let error = XmlNode::parse("<html><body>Bad Gateway</body>").unwrap_err();
    assert!(matches!(error, Error::Xml { .. }), "{error:?}");
}

#[test]
fn error_context_names_source() {
    let error = parse_with_context("<a>", "GET /v1/accounts").unwrap_err();
    match &error {
        Error::Xml { context, .. } => assert_eq!(context, "GET /v1/accounts"),
        other => panic!("expected Error::Xml, got {other:?}"),
    }
    assert!(error
        .to_string()
        .starts_with("invalid XML in GET /v1/accounts at "));
    let error = XmlNode::parse("<a>").unwrap_err();
    assert!(error.to_string().starts_with("invalid XML in document at "));
}

/// About 1 KB of nested entity declarations ("billion laughs").
fn nested_entities_document() -> String {
    let mut document = String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n");
    document.push_str("<!ENTITY lol0 \"lol\">\n");
    for level in 1..10 {
        let previous = format!("&lol{};", level - 1);
        document.push_str(&format!(
            "<!ENTITY lol{level} \"{}\">\n",
            previous.repeat(10)
        ));
    }
    document.push_str("]>\n<AccountList><name>&lol9;</name></AccountList>");
    document
}

#[test]
fn nested_entities_rejected_fast() {
    let document = nested_entities_document();
    assert!(document.len() < 1500, "{} bytes", document.len());

    let started = Instant::now();
    let error = XmlNode::parse(&document).unwrap_err();
    assert!(started.elapsed() < Duration::from_millis(500));
    match error {
        Error::Xml { source, .. } => assert_eq!(source, roxmltree::Error::DtdDetected),
        other => panic!("expected Error::Xml, got {other:?}"),
    }
}

#[test]
fn external_entity_rejected() {
    let document = "<?xml version=\"1.0\"?>\n\
        <!DOCTYPE r [<!ENTITY host SYSTEM \"file:///etc/hostname\">]>\n\
        <Institutions><name>&host;</name></Institutions>";

    let started = Instant::now();
    let error = XmlNode::parse(document).unwrap_err();
    assert!(started.elapsed() < Duration::from_millis(500));
    match error {
        Error::Xml { source, .. } => assert_eq!(source, roxmltree::Error::DtdDetected),
        other => panic!("expected Error::Xml, got {other:?}"),
    }
}

#[test]
fn parse_options_keep_dtd_off() {
    assert!(!roxmltree::ParsingOptions::default().allow_dtd);
}

#[test]
fn whitespace_between_elements_is_not_text() {
    let root = parse("<a>\r\n  <b>x</b>\r\n  <c> spaced  value </c>\r\n</a>");
    assert_eq!(root.text(), None);
    assert_eq!(root.field("b"), Some("x"));
    assert_eq!(root.field("c"), Some(" spaced  value "));
}

#[test]
fn entities_and_cdata_decode() {
    let root = parse(
        "<r><name>Bennett Savings Bank &amp; Trust</name>\
         <memo><![CDATA[Check #1042 <void>]]></memo><sign>&#x41;&#66;&lt;&gt;&quot;&apos;</sign></r>",
    );
    assert_eq!(root.field("name"), Some("Bennett Savings Bank & Trust"));
    assert_eq!(root.field("memo"), Some("Check #1042 <void>"));
    assert_eq!(root.field("sign"), Some("AB<>\"'"));
}

#[test]
fn crlf_becomes_lf_in_values() {
    let root = parse("<r><text>one\r\ntwo\rthree</text></r>");
    assert_eq!(root.field("text"), Some("one\ntwo\nthree"));
}

#[test]
fn empty_element_has_empty_text() {
    let root = parse("<r><a></a><b/><c><d/></c></r>");
    assert_eq!(root.field("a"), Some(""));
    assert_eq!(root.field("b"), Some(""));
    assert_eq!(root.field("c"), None);
    assert_eq!(root.field("missing"), None);
}

#[test]
fn mixed_content_concatenates_text() {
    let root = parse("<p>Hello <b>big</b> world<!-- note --></p>");
    assert_eq!(root.text(), Some("Hello  world"));
    assert_eq!(root.len(), 1);
}

#[test]
fn compact_and_indented_layouts_equal() {
    let compact = "<ns8:AccountList xmlns=\"urn:account\" xmlns:ns8=\"urn:list\">\
        <ns7:CreditAccount xmlns:ns7=\"urn:credit\"><accountId>1</accountId>\
        <accountNickname>My  Visa</accountNickname></ns7:CreditAccount></ns8:AccountList>";
    let indented = "<?xml version=\"1.0\"?>\r\n<list:AccountList xmlns=\"urn:account\" \
        xmlns:list=\"urn:list\">\r\n  <c:CreditAccount xmlns:c=\"urn:credit\">\r\n    \
        <accountId>1</accountId>\r\n    <accountNickname>My  Visa</accountNickname>\r\n  \
        </c:CreditAccount>\r\n</list:AccountList>\r\n";
    assert_eq!(parse(compact), parse(indented));
}

#[test]
fn equality_sees_each_difference() {
    let base = parse("<a xmlns='urn:x' k='1'><b>t</b><c/></a>");
    let differing = [
        "<a xmlns='urn:y' k='1'><b>t</b><c/></a>",
        "<a xmlns='urn:x' k='2'><b>t</b><c/></a>",
        "<a xmlns='urn:x'><b>t</b><c/></a>",
        "<a xmlns='urn:x' k='1'><b>u</b><c/></a>",
        "<a xmlns='urn:x' k='1'><b>t</b><d/></a>",
        "<a xmlns='urn:x' k='1'><c/><b>t</b></a>",
        "<a xmlns='urn:x' k='1'><b>t</b><c/><c/></a>",
        "<a xmlns='urn:x' k='1'><b>t</b><c><e/></c></a>",
        "<z xmlns='urn:x' k='1'><b>t</b><c/></z>",
    ];
    for text in differing {
        assert_ne!(base, parse(text), "{text}");
    }
    assert_eq!(
        base,
        parse("<p:a xmlns:p='urn:x' k='1'><p:b>t</p:b><p:c></p:c></p:a>")
    );
}

#[test]
fn attribute_order_does_not_matter() {
    assert_eq!(parse("<a x='1' y='2'/>"), parse("<a y='2' x='1'/>"));
    assert_ne!(parse("<a x='1' y='2'/>"), parse("<a x='1' z='2'/>"));
}

#[test]
fn attributes_stay_on_their_element() {
    // The first subtree is built before the second element, so its attributes are added
    // before those of elements with lower indices.
    let root = parse(
        "<r id='r'><a id='a'><a1 id='a1' n='1'><a2 id='a2'/></a1></a><b id='b'>\
         <b1 id='b1'/></b><c/></r>",
    );
    let a = root.child("a").expect("a");
    let a1 = a.child("a1").expect("a1");
    let b = root.child("b").expect("b");
    assert_eq!(root.attribute("id"), Some("r"));
    assert_eq!(a.attribute("id"), Some("a"));
    assert_eq!(a1.attribute("id"), Some("a1"));
    assert_eq!(a1.attribute("n"), Some("1"));
    assert_eq!(
        a1.child("a2")
            .and_then(|a2| a2.attribute("id").map(str::to_owned)),
        Some("a2".into())
    );
    assert_eq!(b.attribute("id"), Some("b"));
    assert_eq!(
        b.child("b1")
            .and_then(|b1| b1.attribute("id").map(str::to_owned)),
        Some("b1".into())
    );
    assert_eq!(root.child("c").expect("c").attribute("id"), None);
    assert_eq!(parse(&root.to_xml()), root);
}

#[test]
fn mixed_records_keep_their_names() {
    // Two record types alternate, one child name exists in two namespaces at the same
    // position, and one record leaves out a child, so name guesses from earlier records
    // are sometimes wrong.
    let root = parse(
        "<list xmlns='urn:list' xmlns:b='urn:b' xmlns:c='urn:c'>\
         <b:rec><id>1</id><b:kind>x</b:kind><amount>1</amount></b:rec>\
         <c:rec><id>2</id><c:kind>y</c:kind><amount>2</amount></c:rec>\
         <b:rec><id>3</id><amount>3</amount></b:rec>\
         <c:rec><id>4</id><c:kind>z</c:kind><amount>4</amount></c:rec>\
         </list>",
    );
    let expected = [
        (
            "urn:b",
            vec![
                ("id", "urn:list"),
                ("kind", "urn:b"),
                ("amount", "urn:list"),
            ],
        ),
        (
            "urn:c",
            vec![
                ("id", "urn:list"),
                ("kind", "urn:c"),
                ("amount", "urn:list"),
            ],
        ),
        ("urn:b", vec![("id", "urn:list"), ("amount", "urn:list")]),
        (
            "urn:c",
            vec![
                ("id", "urn:list"),
                ("kind", "urn:c"),
                ("amount", "urn:list"),
            ],
        ),
    ];
    assert_eq!(root.len(), expected.len());
    for (record, (namespace, children)) in root.children().zip(expected) {
        assert_eq!(record.name(), "rec");
        assert_eq!(record.namespace(), Some(namespace));
        let found: Vec<(String, Option<String>)> = record
            .children()
            .map(|child| {
                (
                    child.name().to_owned(),
                    child.namespace().map(str::to_owned),
                )
            })
            .collect();
        let wanted: Vec<(String, Option<String>)> = children
            .iter()
            .map(|&(name, uri)| (name.to_owned(), Some(uri.to_owned())))
            .collect();
        assert_eq!(found, wanted, "children of record {:?}", record.field("id"));
    }
}

#[test]
fn lookup_by_key_or_local_name() {
    let root = parse(
        "<l:AccountList xmlns:l='urn:list' xmlns='urn:account'>\
         <c:CreditAccount xmlns:c='urn:credit'><accountId>4</accountId></c:CreditAccount>\
         </l:AccountList>",
    );
    let account = root.child("credit_account").expect("by key");
    assert_eq!(account, root.child("CreditAccount").expect("by local name"));
    assert_eq!(account.name(), "CreditAccount");
    assert_eq!(account.key(), "credit_account");
    assert_eq!(account.namespace(), Some("urn:credit"));
    assert_eq!(account.field("account_id"), Some("4"));
    assert_eq!(account.field("accountId"), Some("4"));
    assert_eq!(account.field("AccountId"), None);
    assert_eq!(root.namespace(), Some("urn:list"));
}

#[test]
fn repeated_children_always_iterate() {
    let one = parse("<Challenges><challenge><text>a</text></challenge></Challenges>");
    let two = parse("<Challenges><challenge/><other/><challenge/></Challenges>");
    assert_eq!(one.children_named("challenge").count(), 1);
    assert_eq!(two.children_named("challenge").count(), 2);
    assert_eq!(two.children().count(), 3);
    assert_eq!(two.len(), 3);
    let names: Vec<String> = two.children().map(|c| c.name().to_owned()).collect();
    assert_eq!(names, ["challenge", "other", "challenge"]);
    assert_eq!(
        two.get(1).map(|c| c.name().to_owned()),
        Some("other".into())
    );
    assert!(two.get(3).is_none());
    assert!(parse("<none/>").children().next().is_none());
}

#[test]
fn parse_field_reports_type() {
    let root = parse("<r><n>12</n><bad>twelve</bad><empty/><amount>-811.52</amount></r>");
    assert_eq!(root.parse_field::<u32>("n").unwrap(), Some(12));
    assert_eq!(root.parse_field::<u32>("missing").unwrap(), None);
    assert_eq!(root.parse_field::<u32>("empty").unwrap(), None);
    assert_eq!(root.parse_field::<f64>("amount").unwrap(), Some(-811.52));
    match root.parse_field::<u32>("bad").unwrap_err() {
        Error::InvalidValue {
            field,
            value,
            expected,
        } => {
            assert_eq!(field, "bad");
            assert_eq!(value, "twelve");
            assert_eq!(expected, "u32");
        }
        other => panic!("expected InvalidValue, got {other:?}"),
    }
}

#[test]
fn invalid_value_is_shortened() {
    let long = "x".repeat(500);
    let root = parse(&format!("<r><n>{long}</n></r>"));
    match root.parse_field::<i64>("n").unwrap_err() {
        Error::InvalidValue { value, .. } => assert!(value.chars().count() <= 65, "{value}"),
        other => panic!("expected InvalidValue, got {other:?}"),
    }
}

#[test]
fn date_time_accepts_intuit_forms() {
    let root = parse(
        "<r><a>2013-08-11T00:00:00-07:00</a><b>2013-08-11T08:52:26.397-07:00</b>\
         <c>2008-06-21T04:30:00.000Z</c><bad>2013-08-11</bad><bad2>2013-13-11T00:00:00Z</bad2></r>",
    );
    let a = root.date_time("a").unwrap().unwrap();
    assert_eq!(a.unix_timestamp(), 1_376_204_400);
    let b = root.date_time("b").unwrap().unwrap();
    assert_eq!(b.millisecond(), 397);
    assert_eq!(b.offset().whole_hours(), -7);
    let c = root.date_time("c").unwrap().unwrap();
    assert!(c.offset().is_utc());
    assert_eq!(root.date_time("missing").unwrap(), None);
    for field in ["bad", "bad2"] {
        let error = root.date_time(field).unwrap_err();
        assert!(
            matches!(error, Error::InvalidValue { .. }),
            "{field}: {error:?}"
        );
    }
}

#[test]
fn to_xml_declares_namespaces() {
    let root = parse(
        "<l:AccountList xmlns:l='urn:list' xmlns='urn:account' xmlns:c='urn:credit'>\
         <c:CreditAccount><accountId>4</accountId><memo>a &amp; b &lt;c&gt;</memo>\
         </c:CreditAccount></l:AccountList>",
    );
    let account = root.child("CreditAccount").unwrap();
    let xml = account.to_xml();
    assert_eq!(
        xml,
        "<c:CreditAccount xmlns:c=\"urn:credit\" xmlns=\"urn:account\"><accountId>4</accountId>\
         <memo>a &amp; b &lt;c&gt;</memo></c:CreditAccount>"
    );
    assert_eq!(parse(&xml), account);
    assert_eq!(parse(&root.to_xml()), root);
}

#[test]
fn to_xml_keeps_no_namespace_elements() {
    let root = parse("<a xmlns='urn:x'><b xmlns=''><c/></b><d/></a>");
    let xml = root.to_xml();
    assert_eq!(parse(&xml), root);
    let b = root.child("b").unwrap();
    assert_eq!(b.namespace(), None);
    assert_eq!(b.to_xml(), "<b><c/></b>");
}

#[test]
fn to_xml_resolves_prefix_clashes() {
    let root = parse(
        "<p:a xmlns:p='urn:one'><p:b xmlns:p='urn:two' p:attr='v'/><q:c xmlns:q='urn:one' \
         xml:lang='en'/></p:a>",
    );
    let xml = root.to_xml();
    let reparsed = parse(&xml);
    assert_eq!(reparsed, root, "{xml}");
    let b = reparsed.child("b").unwrap();
    assert_eq!(b.namespace(), Some("urn:two"));
    assert_eq!(b.attribute("attr"), Some("v"));
    assert_eq!(reparsed.child("c").unwrap().attribute("lang"), Some("en"));
}

#[test]
fn to_xml_round_trips_special_text() {
    let root = parse("<r a='x&quot;y&#9;z'><t>one&#xD;two\n\tthree ]]&gt;</t><e></e></r>");
    assert_eq!(
        root.child("t").unwrap().text(),
        Some("one\rtwo\n\tthree ]]>")
    );
    assert_eq!(parse(&root.to_xml()), root);
}

#[test]
fn deep_nesting_has_no_recursion() {
    let depth = super::depth::MAX_DEPTH;
    let document = format!("{}{}", "<a>".repeat(depth), "</a>".repeat(depth));
    let root = parse(&document);
    let copy = parse(&document);
    assert_eq!(root, copy);
    assert_eq!(parse(&root.to_xml()), root);
}

#[test]
fn nesting_past_limit_rejected() {
    let depth = super::depth::MAX_DEPTH + 1;
    let document = format!("{}{}", "<a>".repeat(depth), "</a>".repeat(depth));
    match XmlNode::parse(&document).unwrap_err() {
        Error::Xml { context, source } => {
            assert_eq!(source, roxmltree::Error::NodesLimitReached);
            assert_eq!(
                context,
                "document (elements nested deeper than 1024 levels)"
            );
        }
        other => panic!("expected Error::Xml, got {other:?}"),
    }
}

#[test]
fn debug_shows_leaf_text() {
    let root = parse("<r><accountId>400004530271</accountId></r>");
    let leaf = root.child("account_id").unwrap();
    assert_eq!(format!("{leaf:?}"), "XmlNode(accountId = \"400004530271\")");
}

#[test]
fn debug_caps_children_and_text() {
    let children = "<CreditAccount/><BankingAccount/>".repeat(5);
    let root = parse(&format!("<AccountList>{children}</AccountList>"));
    assert_eq!(
        format!("{root:?}"),
        "XmlNode(AccountList [CreditAccount, BankingAccount, CreditAccount, BankingAccount, \
         ... 10 children])"
    );

    let long = "y".repeat(10_000);
    let leaf = parse(&format!("<image>{long}</image>"));
    let shown = format!("{leaf:?}");
    assert!(shown.len() < 120, "{shown}");
    assert!(shown.ends_with("… (10000 bytes))"), "{shown}");
}

#[test]
fn path_names_ancestors() {
    let root = parse("<a><b><c/></b></a>");
    let c = root.child("b").unwrap().child("c").unwrap();
    assert_eq!(c.path(), "a/b/c");
    assert_eq!(root.path(), "a");
}

#[test]
fn node_is_send_sync_clone() {
    fn assert_traits<T: Send + Sync + Clone + 'static>() {}
    assert_traits::<XmlNode>();
}

#[test]
fn parse_file_reports_io_and_utf8() {
    let missing = XmlNode::parse_file("/nonexistent/dir/file.xml").unwrap_err();
    assert!(matches!(missing, Error::Io { .. }), "{missing:?}");

    let path = std::env::temp_dir().join(format!("aggcat-xml-{}.xml", std::process::id()));
    std::fs::write(&path, b"<a>\xff</a>").unwrap();
    let error = XmlNode::parse_file(&path).unwrap_err();
    std::fs::remove_file(&path).unwrap();
    match error {
        Error::Io { source, .. } => assert_eq!(source.kind(), std::io::ErrorKind::InvalidData),
        other => panic!("expected Error::Io, got {other:?}"),
    }
}
