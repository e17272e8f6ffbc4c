//! A streaming XML writer that produces the service's JAXB output style.
//!
//! Every document starts with `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` directly
//! followed by the root element. The first namespace given to [`XmlWriter::new`] becomes the
//! default namespace and the others get the prefixes `ns2`, `ns3`, … in the order given, all
//! declared on the root. An element that gets no content is written self-closing, so an empty
//! list comes out as `<Root xmlns="…"/>`.

/// The service's namespaces, all of the form `http://schema.intuit.com/platform/fdatafeed/<name>/v1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ns {
    Account,
    AccountList,
    BankingAccount,
    CreditAccount,
    LoanAccount,
    InvestmentAccount,
    RewardsAccount,
    OtherAccount,
    Loan,
    TransactionList,
    Transaction,
    BnkTransaction,
    CcTransaction,
    IbnkTransaction,
    LoanTransaction,
    InvTransaction,
    RewardsTransaction,
    SecurityInfo,
    InvPosition,
    Challenge,
    Institution,
    InstitutionLogin,
    Common,
    Files,
    /// No namespace (the sandbox's own `Echo` document).
    None,
}

const NS_COUNT: usize = 25;

impl Ns {
    /// Returns the namespace URI (empty for [`Ns::None`]).
    pub(crate) fn uri(self) -> &'static str {
        match self {
            Ns::Account => "http://schema.intuit.com/platform/fdatafeed/account/v1",
            Ns::AccountList => "http://schema.intuit.com/platform/fdatafeed/accountlist/v1",
            Ns::BankingAccount => "http://schema.intuit.com/platform/fdatafeed/bankingaccount/v1",
            Ns::CreditAccount => "http://schema.intuit.com/platform/fdatafeed/creditaccount/v1",
            Ns::LoanAccount => "http://schema.intuit.com/platform/fdatafeed/loanaccount/v1",
            Ns::InvestmentAccount => {
                "http://schema.intuit.com/platform/fdatafeed/investmentaccount/v1"
            }
            Ns::RewardsAccount => "http://schema.intuit.com/platform/fdatafeed/rewardsaccount/v1",
            Ns::OtherAccount => "http://schema.intuit.com/platform/fdatafeed/otheraccount/v1",
            Ns::Loan => "http://schema.intuit.com/platform/fdatafeed/loan/v1",
            Ns::TransactionList => "http://schema.intuit.com/platform/fdatafeed/transactionlist/v1",
            Ns::Transaction => "http://schema.intuit.com/platform/fdatafeed/transaction/v1",
            Ns::BnkTransaction => "http://schema.intuit.com/platform/fdatafeed/bnktransaction/v1",
            Ns::CcTransaction => "http://schema.intuit.com/platform/fdatafeed/cctransaction/v1",
            Ns::IbnkTransaction => "http://schema.intuit.com/platform/fdatafeed/ibnktransaction/v1",
            Ns::LoanTransaction => "http://schema.intuit.com/platform/fdatafeed/loantransaction/v1",
            Ns::InvTransaction => "http://schema.intuit.com/platform/fdatafeed/invtransaction/v1",
            Ns::RewardsTransaction => {
                "http://schema.intuit.com/platform/fdatafeed/rewardstransaction/v1"
            }
            Ns::SecurityInfo => "http://schema.intuit.com/platform/fdatafeed/securityinfo/v1",
            Ns::InvPosition => "http://schema.intuit.com/platform/fdatafeed/invposition/v1",
            Ns::Challenge => "http://schema.intuit.com/platform/fdatafeed/challenge/v1",
            Ns::Institution => "http://schema.intuit.com/platform/fdatafeed/institution/v1",
            Ns::InstitutionLogin => {
                "http://schema.intuit.com/platform/fdatafeed/institutionlogin/v1"
            }
            Ns::Common => "http://schema.intuit.com/platform/fdatafeed/common/v1",
            Ns::Files => "http://schema.intuit.com/platform/fdatafeed/files/v1",
            Ns::None => "",
        }
    }
}

/// Element prefixes by position in the namespace list: the default namespace, then `ns2`, ….
const PREFIXES: [&str; 12] = [
    "", "ns2:", "ns3:", "ns4:", "ns5:", "ns6:", "ns7:", "ns8:", "ns9:", "ns10:", "ns11:", "ns12:",
];

/// Line layout of a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Layout {
    /// Everything on one line after the declaration, as the service sent it.
    Compact,
    /// Two-space indentation with CRLF line ends (the same tree, laid out for reading).
    IndentedCrlf,
}

/// Writes one document into a single pre-allocated `String`.
#[derive(Debug)]
pub(crate) struct XmlWriter {
    out: String,
    /// Prefix (with its colon) per [`Ns`] discriminant; `None` for undeclared namespaces.
    prefixes: [Option<&'static str>; NS_COUNT],
    declarations: Vec<Ns>,
    root_written: bool,
    layout: Layout,
    /// `true` while the last start tag still lacks its closing `>`.
    tag_open: bool,
    /// Per open element: whether it has element children (for indentation of its end tag).
    has_children: Vec<bool>,
}

impl XmlWriter {
    /// Starts a document; `namespaces[0]` is the default namespace.
    ///
    /// # Panics
    ///
    /// Panics if more than 12 namespaces are given (no document of the service has more than 9).
    pub(crate) fn new(capacity: usize, layout: Layout, namespaces: &[Ns]) -> XmlWriter {
        assert!(namespaces.len() <= PREFIXES.len(), "too many namespaces");
        let mut prefixes = [None; NS_COUNT];
        for (index, ns) in namespaces.iter().enumerate() {
            prefixes[*ns as usize] = Some(PREFIXES[index]);
        }
        let mut out = String::with_capacity(capacity.max(128));
        out.push_str(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#);
        XmlWriter {
            out,
            prefixes,
            declarations: namespaces.to_vec(),
            root_written: false,
            layout,
            tag_open: false,
            has_children: Vec::with_capacity(8),
        }
    }

    fn prefix(&self, ns: Ns) -> &'static str {
        // An undeclared namespace is a bug in a document builder. The element is then written
        // unprefixed, which keeps the output well-formed, and the tests catch the wrong URI.
        self.prefixes[ns as usize].unwrap_or("")
    }

    /// Closes a pending start tag and moves to the line of a new child element.
    fn before_child(&mut self) {
        if self.tag_open {
            self.out.push('>');
            self.tag_open = false;
        }
        if let Some(flag) = self.has_children.last_mut() {
            *flag = true;
        }
        if self.layout == Layout::IndentedCrlf {
            self.out.push_str("\r\n");
            for _ in 0..self.has_children.len() {
                self.out.push_str("  ");
            }
        }
    }

    /// Writes a start tag; the root element also gets the namespace declarations.
    pub(crate) fn start(&mut self, ns: Ns, name: &str) {
        let is_root = !self.root_written;
        self.root_written = true;
        if is_root {
            if self.layout == Layout::IndentedCrlf {
                self.out.push_str("\r\n");
            }
        } else {
            self.before_child();
        }
        self.out.push('<');
        self.out.push_str(self.prefix(ns));
        self.out.push_str(name);
        if is_root {
            let declarations = std::mem::take(&mut self.declarations);
            for (index, declared) in declarations.iter().enumerate() {
                if *declared == Ns::None {
                    continue;
                }
                if index == 0 {
                    self.out.push_str(" xmlns=\"");
                } else {
                    self.out.push_str(" xmlns:");
                    self.out.push_str(PREFIXES[index].trim_end_matches(':'));
                    self.out.push_str("=\"");
                }
                self.out.push_str(declared.uri());
                self.out.push('"');
            }
        }
        self.tag_open = true;
        self.has_children.push(false);
    }

    /// Writes an attribute on the start tag just written.
    pub(crate) fn attribute(&mut self, name: &str, value: &str) {
        debug_assert!(self.tag_open, "attribute after content");
        self.out.push(' ');
        self.out.push_str(name);
        self.out.push_str("=\"");
        escape_into(&mut self.out, value, true);
        self.out.push('"');
    }

    /// Writes the end tag of the innermost open element (self-closing if it got no content).
    pub(crate) fn end(&mut self, ns: Ns, name: &str) {
        let had_children = self.has_children.pop().unwrap_or(false);
        if self.tag_open {
            self.out.push_str("/>");
            self.tag_open = false;
            return;
        }
        if had_children && self.layout == Layout::IndentedCrlf {
            self.out.push_str("\r\n");
            for _ in 0..self.has_children.len() {
                self.out.push_str("  ");
            }
        }
        self.out.push_str("</");
        self.out.push_str(self.prefix(ns));
        self.out.push_str(name);
        self.out.push('>');
    }

    /// Writes `<name>text</name>` with the text escaped (an empty text gives `<name></name>`).
    pub(crate) fn leaf(&mut self, ns: Ns, name: &str, text: &str) {
        self.before_child();
        let prefix = self.prefix(ns);
        self.out.push('<');
        self.out.push_str(prefix);
        self.out.push_str(name);
        self.out.push('>');
        escape_into(&mut self.out, text, false);
        self.out.push_str("</");
        self.out.push_str(prefix);
        self.out.push_str(name);
        self.out.push('>');
    }

    /// Writes escaped text into the innermost open element (nothing for an empty text).
    pub(crate) fn text(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        if self.tag_open {
            self.out.push('>');
            self.tag_open = false;
        }
        escape_into(&mut self.out, text, false);
    }

    /// Writes a leaf element only when a value is present.
    pub(crate) fn leaf_opt(&mut self, ns: Ns, name: &str, text: Option<&str>) {
        if let Some(text) = text {
            self.leaf(ns, name, text);
        }
    }

    /// Writes a leaf element whose text is a CDATA section (a `]]>` inside is split safely).
    pub(crate) fn leaf_cdata(&mut self, ns: Ns, name: &str, text: &str) {
        self.before_child();
        let prefix = self.prefix(ns);
        self.out.push('<');
        self.out.push_str(prefix);
        self.out.push_str(name);
        self.out.push_str("><![CDATA[");
        self.out.push_str(&text.replace("]]>", "]]]]><![CDATA[>"));
        self.out.push_str("]]></");
        self.out.push_str(prefix);
        self.out.push_str(name);
        self.out.push('>');
    }

    /// Returns the finished document.
    pub(crate) fn finish(self) -> String {
        debug_assert!(self.has_children.is_empty(), "unclosed elements");
        self.out
    }
}

/// Appends `text` with `&`, `<`, `>` (and in attributes `"`, `'`, tab and line feed) replaced by
/// references. A carriage return becomes `&#13;` so that it survives end-of-line normalisation.
/// Other control characters cannot appear in XML 1.0 at all and become U+FFFD.
pub(crate) fn escape_into(out: &mut String, text: &str, attribute: bool) {
    let needs_escape = |byte: u8| {
        matches!(byte, b'&' | b'<' | b'>' | b'\r')
            || (byte < 0x20 && !matches!(byte, b'\t' | b'\n'))
            || (attribute && matches!(byte, b'"' | b'\'' | b'\t' | b'\n'))
    };
    if !text.bytes().any(needs_escape) {
        out.push_str(text);
        return;
    }
    for character in text.chars() {
        match character {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            '"' if attribute => out.push_str("&quot;"),
            '\'' if attribute => out.push_str("&apos;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\t' | '\n' => out.push(character),
            control if (control as u32) < 0x20 => out.push('\u{FFFD}'),
            other => out.push(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Layout, Ns, XmlWriter};

    #[test]
    fn empty_root_is_self_closing() {
        let mut writer = XmlWriter::new(0, Layout::Compact, &[Ns::InvPosition, Ns::SecurityInfo]);
        writer.start(Ns::InvPosition, "InvestmentPositions");
        writer.end(Ns::InvPosition, "InvestmentPositions");

        assert_eq!(
            writer.finish(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><InvestmentPositions \
             xmlns=\"http://schema.intuit.com/platform/fdatafeed/invposition/v1\" \
             xmlns:ns2=\"http://schema.intuit.com/platform/fdatafeed/securityinfo/v1\"/>"
        );
    }

    #[test]
    fn prefixes_follow_declaration_order() {
        let mut writer = XmlWriter::new(0, Layout::Compact, &[Ns::Institution, Ns::Common]);
        writer.start(Ns::Institution, "InstitutionDetail");
        writer.start(Ns::Institution, "address");
        writer.leaf(Ns::Common, "country", "USA");
        writer.end(Ns::Institution, "address");
        writer.end(Ns::Institution, "InstitutionDetail");
        let text = writer.finish();

        assert!(text.contains("<address><ns2:country>USA</ns2:country></address>"));
        assert!(text.ends_with("</InstitutionDetail>"));
    }

    #[test]
    fn text_and_attributes_are_escaped() {
        let mut writer = XmlWriter::new(0, Layout::Compact, &[Ns::None]);
        writer.start(Ns::None, "Echo");
        writer.start(Ns::None, "param");
        writer.attribute("name", "a\"b'<&>");
        writer.end(Ns::None, "param");
        writer.leaf(Ns::None, "v", "p&ss<w>\"0'rd]]>");
        writer.end(Ns::None, "Echo");
        let text = writer.finish();

        assert!(text.contains(r#"<param name="a&quot;b&apos;&lt;&amp;&gt;"/>"#));
        assert!(text.contains("<v>p&amp;ss&lt;w&gt;\"0'rd]]&gt;</v>"));
        assert!(roxmltree::Document::parse(&text).is_ok());
    }

    #[test]
    fn whitespace_and_controls_round_trip() {
        let mut writer = XmlWriter::new(0, Layout::Compact, &[Ns::None]);
        writer.start(Ns::None, "Echo");
        writer.start(Ns::None, "param");
        writer.attribute("name", "a\tb\nc\rd");
        writer.text("x\r\ny\u{1}z");
        writer.end(Ns::None, "param");
        writer.end(Ns::None, "Echo");
        let text = writer.finish();

        let document = roxmltree::Document::parse(&text).unwrap();
        let param = document.root_element().first_element_child().unwrap();
        assert_eq!(param.attribute("name"), Some("a\tb\nc\rd"));
        assert_eq!(param.text(), Some("x\r\ny\u{FFFD}z"));
    }

    #[test]
    fn cdata_survives_terminator() {
        let mut writer = XmlWriter::new(0, Layout::Compact, &[Ns::Transaction]);
        writer.start(Ns::Transaction, "t");
        writer.leaf_cdata(Ns::Transaction, "memo", "a]]>b <void>");
        writer.end(Ns::Transaction, "t");
        let text = writer.finish();

        let document = roxmltree::Document::parse(&text).unwrap();
        let memo = document.root_element().first_element_child().unwrap();
        assert_eq!(memo.text(), Some("a]]>b <void>"));
    }

    #[test]
    fn indented_layout_uses_crlf() {
        let mut writer = XmlWriter::new(0, Layout::IndentedCrlf, &[Ns::Common]);
        writer.start(Ns::Common, "Status");
        writer.start(Ns::Common, "errorInfo");
        writer.leaf(Ns::Common, "errorCode", "1");
        writer.end(Ns::Common, "errorInfo");
        writer.end(Ns::Common, "Status");
        let text = writer.finish();

        assert!(text.contains("\r\n<Status"));
        assert!(text.contains(
            ">\r\n  <errorInfo>\r\n    <errorCode>1</errorCode>\r\n  </errorInfo>\r\n</Status>"
        ));
    }
}
