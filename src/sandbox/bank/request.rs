//! Parsing of request bodies: `InstitutionLogin` and the account-type update.
//!
//! Elements are matched by namespace URI and local name. With `lenient` set, only local names
//! are compared, which accepts the unqualified answer bodies of some client test suites.

use roxmltree::{Document, Node};

use super::state::{Credentials, Kind};
use super::writer::Ns;
use crate::secret::Secret;

/// The content of an `InstitutionLogin` body.
#[derive(Debug)]
pub(crate) enum LoginBody {
    /// No body, or an `InstitutionLogin` without children.
    Empty,
    Credentials(Credentials),
    Answers(Vec<Secret>),
}

fn is(node: Node<'_, '_>, ns: Ns, name: &str, lenient: bool) -> bool {
    node.is_element()
        && node.tag_name().name() == name
        && (lenient || node.tag_name().namespace().unwrap_or("") == ns.uri())
}

fn describe(node: Node<'_, '_>) -> String {
    match node.tag_name().namespace() {
        Some(uri) => format!("{{{uri}}}{}", node.tag_name().name()),
        None => node.tag_name().name().to_string(),
    }
}

fn parse_document(body: &[u8]) -> Result<Document<'_>, String> {
    let text =
        std::str::from_utf8(body).map_err(|_| "request body is not valid UTF-8".to_string())?;
    Document::parse(text).map_err(|error| format!("request body is not well-formed XML: {error}"))
}

/// Returns `true` for a body that is absent or only whitespace.
pub(crate) fn is_blank(body: &[u8]) -> bool {
    body.iter().all(u8::is_ascii_whitespace)
}

/// Parses an `InstitutionLogin` body (a blank body is [`LoginBody::Empty`]).
pub(crate) fn parse_login(body: &[u8], lenient: bool) -> Result<LoginBody, String> {
    if is_blank(body) {
        return Ok(LoginBody::Empty);
    }
    let document = parse_document(body)?;
    let root = document.root_element();
    let ns = Ns::InstitutionLogin;
    if !is(root, ns, "InstitutionLogin", lenient) {
        return Err(format!(
            "expected an InstitutionLogin element in {}, found {}",
            ns.uri(),
            describe(root)
        ));
    }
    let children: Vec<Node<'_, '_>> = root.children().filter(Node::is_element).collect();
    match children.as_slice() {
        [] => Ok(LoginBody::Empty),
        [child] if is(*child, ns, "credentials", lenient) => {
            parse_credentials(*child, lenient).map(LoginBody::Credentials)
        }
        [child] if is(*child, ns, "challengeResponses", lenient) => {
            parse_answers(*child, lenient).map(LoginBody::Answers)
        }
        [child] => Err(format!(
            "expected credentials or challengeResponses in {}, found {}",
            ns.uri(),
            describe(*child)
        )),
        _ => Err(
            "InstitutionLogin must hold exactly one of credentials or challengeResponses".into(),
        ),
    }
}

fn parse_credentials(node: Node<'_, '_>, lenient: bool) -> Result<Credentials, String> {
    let ns = Ns::InstitutionLogin;
    let mut credentials = Vec::new();
    for credential in node.children().filter(Node::is_element) {
        if !is(credential, ns, "credential", lenient) {
            return Err(format!(
                "unexpected element {} in credentials",
                describe(credential)
            ));
        }
        let field = |name: &str| {
            credential
                .children()
                .find(|child| is(*child, ns, name, lenient))
                .map(|child| child.text().unwrap_or("").to_string())
        };
        let name = field("name").ok_or("a credential lacks its name element")?;
        let value = field("value").ok_or("a credential lacks its value element")?;
        credentials.push((name, Secret::new(value)));
    }
    if credentials.is_empty() {
        return Err("credentials holds no credential element".into());
    }
    Ok(credentials)
}

fn parse_answers(node: Node<'_, '_>, lenient: bool) -> Result<Vec<Secret>, String> {
    let mut answers = Vec::new();
    for response in node.children().filter(Node::is_element) {
        if !is(response, Ns::Challenge, "response", lenient) {
            return Err(format!(
                "expected response elements in {}, found {}",
                Ns::Challenge.uri(),
                describe(response)
            ));
        }
        answers.push(Secret::new(response.text().unwrap_or("")));
    }
    if answers.is_empty() {
        return Err("challengeResponses holds no response element".into());
    }
    Ok(answers)
}

/// The body variants of the account-type update: root element, its namespace, the accepted type
/// element names, and the family they select.
const TYPE_BODIES: &[(&str, Ns, &[&str], Kind)] = &[
    (
        "BankingAccount",
        Ns::BankingAccount,
        &["bankingAccountType"],
        Kind::Banking,
    ),
    (
        "CreditAccount",
        Ns::CreditAccount,
        &["creditAccountType"],
        Kind::Credit,
    ),
    (
        "LoanAccount",
        Ns::LoanAccount,
        &["loanType", "loanAccountType"],
        Kind::Loan,
    ),
    ("Loan", Ns::Loan, &["loanType", "loan"], Kind::Loan),
    (
        "InvestmentAccount",
        Ns::InvestmentAccount,
        &["investmentAccountType"],
        Kind::Investment,
    ),
    (
        "RewardsAccount",
        Ns::RewardsAccount,
        &["rewardsAccountType"],
        Kind::Rewards,
    ),
    (
        "RewardAccount",
        Ns::RewardsAccount,
        &["rewardAccountType", "rewardsAccountType"],
        Kind::Rewards,
    ),
];

/// Returns the allowed type values of a family, upper case.
fn allowed_types(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Banking => &[
            "CHECKING",
            "SAVINGS",
            "MONEYMRKT",
            "RECURRINGDEPOSIT",
            "CD",
            "CASHMANAGEMENT",
            "OVERDRAFT",
        ],
        Kind::Credit => &["CREDITCARD", "LINEOFCREDIT", "OTHER"],
        Kind::Loan => &[
            "LOAN",
            "AUTO",
            "COMMERCIAL",
            "CONSTR",
            "CONSUMER",
            "HOMEEQUITY",
            "MILITARY",
            "MORTGAGE",
            "SMB",
            "STUDENT",
        ],
        Kind::Investment => &[
            "TAXABLE",
            "401K",
            "BROKERAGE",
            "IRA",
            "403B",
            "KEOGH",
            "TRUST",
            "TDA",
            "SIMPLE",
            "NORMAL",
            "SARSEP",
            "UGMA",
            "OTHER",
        ],
        Kind::Rewards => &["AFFINITY", "AIRLINE", "AUTO", "HOTEL", "SHOPPING", "OTHER"],
        Kind::Other => &[],
    }
}

/// Parses an account-type update body into the new family and its upper-case type value.
pub(crate) fn parse_account_type(
    body: &[u8],
    lenient_namespaces: bool,
    lenient_case: bool,
) -> Result<(Kind, String), String> {
    let document = parse_document(body)?;
    let root = document.root_element();
    let (_, ns, type_names, kind) = TYPE_BODIES
        .iter()
        .find(|(name, ns, _, _)| is(root, *ns, name, lenient_namespaces))
        .ok_or_else(|| format!("{} is not an account element with a type", describe(root)))?;
    let type_node = root
        .children()
        .find(|child| {
            type_names
                .iter()
                .any(|name| is(*child, *ns, name, lenient_namespaces))
        })
        .ok_or_else(|| format!("{} lacks its {} element", describe(root), type_names[0]))?;
    let value = type_node.text().unwrap_or("").trim();
    if value.is_empty() {
        return Err(format!("{} is empty", describe(type_node)));
    }
    let allowed = allowed_types(*kind);
    let matched = allowed.iter().find(|candidate| {
        if lenient_case {
            candidate.eq_ignore_ascii_case(value)
        } else {
            **candidate == value
        }
    });
    match matched {
        Some(value) => Ok((*kind, (*value).to_string())),
        None => Err(format!(
            "{value:?} is not a {} value; expected one of {}",
            type_names[0],
            allowed.join(", ")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::{parse_account_type, parse_login, LoginBody};
    use crate::sandbox::bank::state::Kind;

    const LOGIN_NS: &str = "http://schema.intuit.com/platform/fdatafeed/institutionlogin/v1";
    const CHALLENGE_NS: &str = "http://schema.intuit.com/platform/fdatafeed/challenge/v1";

    #[test]
    fn credentials_are_decoded() {
        let body = format!(
            r#"<InstitutionLogin xmlns="{LOGIN_NS}"><credentials><credential><name>Banking Password</name><value>p&amp;ss&lt;w&gt;"0'rd]]&gt;</value></credential></credentials></InstitutionLogin>"#
        );

        let parsed = parse_login(body.as_bytes(), false).unwrap();

        let LoginBody::Credentials(credentials) = parsed else {
            panic!("expected credentials");
        };
        assert_eq!(credentials[0].0, "Banking Password");
        assert_eq!(credentials[0].1.expose(), "p&ss<w>\"0'rd]]>");
    }

    #[test]
    fn answers_need_challenge_namespace() {
        let qualified = format!(
            r#"<InstitutionLogin xmlns="{LOGIN_NS}"><challengeResponses><v11:response xmlns:v11="{CHALLENGE_NS}">Rex</v11:response></challengeResponses></InstitutionLogin>"#
        );
        let unqualified = format!(
            r#"<v1:InstitutionLogin xmlns:v1="{LOGIN_NS}"><v1:challengeResponses><v1:response>Rex</v1:response></v1:challengeResponses></v1:InstitutionLogin>"#
        );

        assert!(matches!(
            parse_login(qualified.as_bytes(), false),
            Ok(LoginBody::Answers(answers)) if answers[0].expose() == "Rex"
        ));
        assert!(parse_login(unqualified.as_bytes(), false).is_err());
        assert!(matches!(
            parse_login(unqualified.as_bytes(), true),
            Ok(LoginBody::Answers(_))
        ));
    }

    #[test]
    fn empty_login_variants() {
        let self_closing = format!(r#"<InstitutionLogin xmlns="{LOGIN_NS}"/>"#);

        assert!(matches!(parse_login(b"", false), Ok(LoginBody::Empty)));
        assert!(matches!(
            parse_login(self_closing.as_bytes(), false),
            Ok(LoginBody::Empty)
        ));
        assert!(parse_login(b"<InstitutionLogin", false).is_err());
        assert!(parse_login(b"a=1&b=2", false).is_err());
    }

    #[test]
    fn account_type_variants() {
        let cases = [
            (
                r#"<ns4:BankingAccount xmlns:ns4="http://schema.intuit.com/platform/fdatafeed/bankingaccount/v1"><ns4:bankingAccountType>CHECKING</ns4:bankingAccountType></ns4:BankingAccount>"#,
                Kind::Banking,
                "CHECKING",
            ),
            (
                r#"<LoanAccount xmlns="http://schema.intuit.com/platform/fdatafeed/loanaccount/v1"><loanType>AUTO</loanType></LoanAccount>"#,
                Kind::Loan,
                "AUTO",
            ),
            (
                r#"<LoanAccount xmlns="http://schema.intuit.com/platform/fdatafeed/loanaccount/v1"><loanAccountType>AUTO</loanAccountType></LoanAccount>"#,
                Kind::Loan,
                "AUTO",
            ),
            (
                r#"<Loan xmlns="http://schema.intuit.com/platform/fdatafeed/loan/v1"><loanType>STUDENT</loanType></Loan>"#,
                Kind::Loan,
                "STUDENT",
            ),
            (
                r#"<Loan xmlns="http://schema.intuit.com/platform/fdatafeed/loan/v1"><loan>MORTGAGE</loan></Loan>"#,
                Kind::Loan,
                "MORTGAGE",
            ),
            (
                r#"<RewardAccount xmlns="http://schema.intuit.com/platform/fdatafeed/rewardsaccount/v1"><rewardAccountType>HOTEL</rewardAccountType></RewardAccount>"#,
                Kind::Rewards,
                "HOTEL",
            ),
            (
                r#"<ns4:InvestmentAccount xmlns:ns4="http://schema.intuit.com/platform/fdatafeed/investmentaccount/v1"><ns4:investmentAccountType>403B</ns4:investmentAccountType></ns4:InvestmentAccount>"#,
                Kind::Investment,
                "403B",
            ),
        ];
        for (body, kind, value) in cases {
            let parsed = parse_account_type(body.as_bytes(), false, false).unwrap();
            assert_eq!(parsed, (kind, value.to_string()), "{body}");
        }
    }

    #[test]
    fn lower_case_type_needs_lenient_setting() {
        let body = include_str!("../../../tests/fixtures/python-aggcat/helper_account_type.xml");

        assert!(parse_account_type(body.as_bytes(), false, false).is_err());
        assert_eq!(
            parse_account_type(body.as_bytes(), false, true).unwrap(),
            (Kind::Banking, "CHECKING".to_string())
        );
    }

    #[test]
    fn missing_or_unknown_type_rejected() {
        let empty = r#"<RewardAccount xmlns="http://schema.intuit.com/platform/fdatafeed/rewardsaccount/v1"><rewardAccountType></rewardAccountType></RewardAccount>"#;
        let unknown = r#"<CreditAccount xmlns="http://schema.intuit.com/platform/fdatafeed/creditaccount/v1"><creditAccountType>PLATINUM</creditAccountType></CreditAccount>"#;
        let other = r#"<OtherAccount xmlns="http://schema.intuit.com/platform/fdatafeed/otheraccount/v1"/>"#;

        assert!(parse_account_type(empty.as_bytes(), false, false).is_err());
        assert!(parse_account_type(unknown.as_bytes(), false, false).is_err());
        assert!(parse_account_type(other.as_bytes(), false, false).is_err());
    }
}
