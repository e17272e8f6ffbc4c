//! Request bodies the client sends: login credentials, challenge answers and account types.
//!
//! Bodies are compact XML without a declaration. Every value passes through the XML escape
//! functions, and values holding characters that XML 1.0 forbids are rejected before sending.

use crate::error::{Error, Result};
use crate::xml::escape_text;

const INSTITUTION_LOGIN_NS: &str =
    "http://schema.intuit.com/platform/fdatafeed/institutionlogin/v1";
const CHALLENGE_NS: &str = "http://schema.intuit.com/platform/fdatafeed/challenge/v1";
const SCHEMA_PREFIX: &str = "http://schema.intuit.com/platform/fdatafeed/";

/// Builds the `InstitutionLogin` credentials body of discovery and login updates.
pub(crate) fn credentials_body(credentials: &[(&str, &str)]) -> Result<String> {
    let mut body = format!("<InstitutionLogin xmlns=\"{INSTITUTION_LOGIN_NS}\"><credentials>");
    for (name, value) in credentials {
        check_xml_chars("credentials", name)?;
        check_xml_chars("credentials", value)?;
        body.push_str("<credential><name>");
        body.push_str(&escape_text(name));
        body.push_str("</name><value>");
        body.push_str(&escape_text(value));
        body.push_str("</value></credential>");
    }
    body.push_str("</credentials></InstitutionLogin>");
    Ok(body)
}

/// Builds the empty `InstitutionLogin` that asks the service to refresh with stored credentials.
pub(crate) fn empty_login_body() -> String {
    format!("<InstitutionLogin xmlns=\"{INSTITUTION_LOGIN_NS}\"/>")
}

/// Builds the challenge answers body: `InstitutionLogin` and `challengeResponses` in the
/// institutionlogin namespace, one `response` per answer in the challenge namespace, in order.
pub(crate) fn challenge_responses_body(responses: &[&str]) -> Result<String> {
    let mut body =
        format!("<InstitutionLogin xmlns=\"{INSTITUTION_LOGIN_NS}\"><challengeResponses>");
    for response in responses {
        check_xml_chars("responses", response)?;
        body.push_str("<response xmlns=\"");
        body.push_str(CHALLENGE_NS);
        body.push_str("\">");
        body.push_str(&escape_text(response));
        body.push_str("</response>");
    }
    body.push_str("</challengeResponses></InstitutionLogin>");
    Ok(body)
}

/// Builds the account type update body, for example
/// `<BankingAccount xmlns="…/bankingaccount/v1"><bankingAccountType>CHECKING</bankingAccountType></BankingAccount>`.
pub(crate) fn account_type_body(category: AccountCategory, account_type: &str) -> String {
    let element = category.element();
    let type_element = category.type_element();
    format!(
        "<{element} xmlns=\"{SCHEMA_PREFIX}{}/v1\"><{type_element}>{}</{type_element}></{element}>",
        category.namespace_name(),
        escape_text(account_type),
    )
}

/// Rejects a value holding a character outside the XML 1.0 `Char` production (control
/// characters other than tab, line feed and carriage return, and U+FFFE and U+FFFF).
///
/// The error names the parameter, never the value, because values are credentials.
pub(crate) fn check_xml_chars(parameter: &'static str, value: &str) -> Result<()> {
    let forbidden = value.chars().find(|&c| {
        let code = u32::from(c);
        (code < 0x20 && !matches!(c, '\t' | '\n' | '\r')) || code == 0xFFFE || code == 0xFFFF
    });
    match forbidden {
        None => Ok(()),
        Some(c) => Err(Error::InvalidInput {
            parameter,
            reason: format!(
                "a value contains the character U+{:04X}, which XML 1.0 does not allow",
                u32::from(c)
            ),
        }),
    }
}

/// An account category of the account type update, with its element names and type table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AccountCategory {
    Banking,
    Credit,
    Loan,
    Investment,
    Rewards,
}

impl AccountCategory {
    const ALL: [AccountCategory; 5] = [
        AccountCategory::Banking,
        AccountCategory::Credit,
        AccountCategory::Loan,
        AccountCategory::Investment,
        AccountCategory::Rewards,
    ];

    /// Parses a category name (`banking`, `credit`, `loan`, `investment`, `rewards`) without
    /// regard to case.
    pub(crate) fn from_name(name: &str) -> Option<AccountCategory> {
        Self::ALL
            .into_iter()
            .find(|category| category.name().eq_ignore_ascii_case(name.trim()))
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            AccountCategory::Banking => "banking",
            AccountCategory::Credit => "credit",
            AccountCategory::Loan => "loan",
            AccountCategory::Investment => "investment",
            AccountCategory::Rewards => "rewards",
        }
    }

    fn element(self) -> &'static str {
        match self {
            AccountCategory::Banking => "BankingAccount",
            AccountCategory::Credit => "CreditAccount",
            AccountCategory::Loan => "LoanAccount",
            AccountCategory::Investment => "InvestmentAccount",
            AccountCategory::Rewards => "RewardsAccount",
        }
    }

    fn namespace_name(self) -> &'static str {
        match self {
            AccountCategory::Banking => "bankingaccount",
            AccountCategory::Credit => "creditaccount",
            AccountCategory::Loan => "loanaccount",
            AccountCategory::Investment => "investmentaccount",
            AccountCategory::Rewards => "rewardsaccount",
        }
    }

    fn type_element(self) -> &'static str {
        match self {
            AccountCategory::Banking => "bankingAccountType",
            AccountCategory::Credit => "creditAccountType",
            AccountCategory::Loan => "loanType",
            AccountCategory::Investment => "investmentAccountType",
            AccountCategory::Rewards => "rewardsAccountType",
        }
    }

    /// Returns the account types the service accepts for this category, in upper case.
    pub(crate) fn types(self) -> &'static [&'static str] {
        match self {
            AccountCategory::Banking => &[
                "CHECKING",
                "SAVINGS",
                "MONEYMRKT",
                "RECURRINGDEPOSIT",
                "CD",
                "CASHMANAGEMENT",
                "OVERDRAFT",
            ],
            AccountCategory::Credit => &["CREDITCARD", "LINEOFCREDIT", "OTHER"],
            AccountCategory::Loan => &[
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
            AccountCategory::Investment => &[
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
            AccountCategory::Rewards => {
                &["AFFINITY", "AIRLINE", "AUTO", "HOTEL", "SHOPPING", "OTHER"]
            }
        }
    }
}

/// Resolves the category and the upper-case wire value of an account type update.
///
/// With `category` `None`, the category is inferred only when exactly one category lists the
/// type, so `OTHER` and `AUTO` need an explicit category.
pub(crate) fn resolve_account_type(
    category: Option<&str>,
    account_type: &str,
) -> Result<(AccountCategory, String)> {
    let wire_value = account_type.trim().to_ascii_uppercase();

    let category = match category {
        Some(name) => AccountCategory::from_name(name).ok_or_else(|| Error::InvalidInput {
            parameter: "account_name",
            reason: format!(
                "unknown account category {name:?}; use banking, credit, loan, investment or \
                 rewards"
            ),
        })?,
        None => {
            let matching: Vec<AccountCategory> = AccountCategory::ALL
                .into_iter()
                .filter(|category| category.types().contains(&wire_value.as_str()))
                .collect();
            match matching.as_slice() {
                [only] => *only,
                [] => {
                    return Err(Error::InvalidInput {
                        parameter: "account_type",
                        reason: format!("unknown account type {account_type:?}"),
                    })
                }
                several => {
                    let names: Vec<&str> = several.iter().map(|c| c.name()).collect();
                    return Err(Error::InvalidInput {
                        parameter: "account_name",
                        reason: format!(
                            "account type {wire_value} exists in the categories {}; \
                             give the category",
                            names.join(", ")
                        ),
                    });
                }
            }
        }
    };

    if !category.types().contains(&wire_value.as_str()) {
        return Err(Error::InvalidInput {
            parameter: "account_type",
            reason: format!(
                "account type {account_type:?} is not a {} account type; expected one of {}",
                category.name(),
                category.types().join(", ")
            ),
        });
    }
    Ok((category, wire_value))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOGIN_NS: &str = INSTITUTION_LOGIN_NS;

    #[test]
    fn credentials_body_exact_bytes() {
        let body =
            credentials_body(&[("Banking Userid", "direct"), ("Banking Password", "go")]).unwrap();

        assert_eq!(
            body,
            "<InstitutionLogin xmlns=\"http://schema.intuit.com/platform/fdatafeed/institutionlogin/v1\">\
             <credentials>\
             <credential><name>Banking Userid</name><value>direct</value></credential>\
             <credential><name>Banking Password</name><value>go</value></credential>\
             </credentials></InstitutionLogin>"
        );
    }

    #[test]
    fn challenge_body_exact_bytes() {
        let body = challenge_responses_body(&["Rex", "Lincoln High"]).unwrap();

        assert_eq!(
            body,
            "<InstitutionLogin xmlns=\"http://schema.intuit.com/platform/fdatafeed/institutionlogin/v1\">\
             <challengeResponses>\
             <response xmlns=\"http://schema.intuit.com/platform/fdatafeed/challenge/v1\">Rex</response>\
             <response xmlns=\"http://schema.intuit.com/platform/fdatafeed/challenge/v1\">Lincoln High</response>\
             </challengeResponses></InstitutionLogin>"
        );
    }

    #[test]
    fn challenge_body_namespaces_and_order() {
        let body = challenge_responses_body(&["Rex", "fail"]).unwrap();
        let document = roxmltree::Document::parse(&body).unwrap();
        let root = document.root_element();
        let list = root.first_element_child().unwrap();
        let responses: Vec<_> = list.children().filter(|n| n.is_element()).collect();

        assert_eq!(root.tag_name().namespace(), Some(LOGIN_NS));
        assert_eq!(list.tag_name().name(), "challengeResponses");
        assert_eq!(list.tag_name().namespace(), Some(LOGIN_NS));
        assert_eq!(responses.len(), 2);
        assert_eq!(responses[0].tag_name().namespace(), Some(CHALLENGE_NS));
        assert_eq!(responses[0].text(), Some("Rex"));
        assert_eq!(responses[1].text(), Some("fail"));
    }

    #[test]
    fn empty_login_exact_bytes() {
        assert_eq!(
            empty_login_body(),
            "<InstitutionLogin xmlns=\"http://schema.intuit.com/platform/fdatafeed/institutionlogin/v1\"/>"
        );
    }

    #[test]
    fn special_values_round_trip() {
        let values = ["p&ss<w>\"0'rd]]>", "Tom & Jerry <3", "a=1&b=2"];
        for value in values {
            let body = credentials_body(&[("Banking Password", value)]).unwrap();
            let document = roxmltree::Document::parse(&body).unwrap();
            let found = document
                .descendants()
                .find(|node| node.has_tag_name("value"))
                .and_then(|node| node.text());
            assert_eq!(found, Some(value), "credential {value:?}");

            let body = challenge_responses_body(&[value]).unwrap();
            let document = roxmltree::Document::parse(&body).unwrap();
            let found = document
                .descendants()
                .find(|node| node.has_tag_name("response"))
                .and_then(|node| node.text());
            assert_eq!(found, Some(value), "answer {value:?}");
        }
    }

    #[test]
    fn credential_name_with_space_round_trips() {
        let body = credentials_body(&[("Banking <Userid>", "x")]).unwrap();
        let document = roxmltree::Document::parse(&body).unwrap();
        let name = document
            .descendants()
            .find(|node| node.has_tag_name("name"))
            .and_then(|node| node.text());

        assert_eq!(name, Some("Banking <Userid>"));
    }

    #[test]
    fn forbidden_character_names_parameter_only() {
        let error = credentials_body(&[("Banking Password", "pw\u{1}SECRET")]).unwrap_err();
        let message = error.to_string();

        assert!(matches!(
            error,
            Error::InvalidInput {
                parameter: "credentials",
                ..
            }
        ));
        assert!(!message.contains("SECRET"), "{message}");
        assert!(challenge_responses_body(&["\u{FFFF}"]).is_err());
        assert!(challenge_responses_body(&["tab\tand\nline"]).is_ok());
    }

    #[test]
    fn account_type_body_per_category() {
        let cases = [
            (
                AccountCategory::Banking,
                "CHECKING",
                "<BankingAccount xmlns=\"http://schema.intuit.com/platform/fdatafeed/bankingaccount/v1\"><bankingAccountType>CHECKING</bankingAccountType></BankingAccount>",
            ),
            (
                AccountCategory::Credit,
                "CREDITCARD",
                "<CreditAccount xmlns=\"http://schema.intuit.com/platform/fdatafeed/creditaccount/v1\"><creditAccountType>CREDITCARD</creditAccountType></CreditAccount>",
            ),
            (
                AccountCategory::Loan,
                "MORTGAGE",
                "<LoanAccount xmlns=\"http://schema.intuit.com/platform/fdatafeed/loanaccount/v1\"><loanType>MORTGAGE</loanType></LoanAccount>",
            ),
            (
                AccountCategory::Investment,
                "403B",
                "<InvestmentAccount xmlns=\"http://schema.intuit.com/platform/fdatafeed/investmentaccount/v1\"><investmentAccountType>403B</investmentAccountType></InvestmentAccount>",
            ),
            (
                AccountCategory::Rewards,
                "AIRLINE",
                "<RewardsAccount xmlns=\"http://schema.intuit.com/platform/fdatafeed/rewardsaccount/v1\"><rewardsAccountType>AIRLINE</rewardsAccountType></RewardsAccount>",
            ),
        ];
        for (category, value, expected) in cases {
            assert_eq!(account_type_body(category, value), expected);
        }
    }

    #[test]
    fn account_type_upper_cased() {
        let (category, value) = resolve_account_type(Some("Banking"), "checking").unwrap();

        assert_eq!(category, AccountCategory::Banking);
        assert_eq!(value, "CHECKING");
    }

    #[test]
    fn account_type_inferred_when_unambiguous() {
        let cases = [
            ("savings", AccountCategory::Banking),
            ("creditcard", AccountCategory::Credit),
            ("student", AccountCategory::Loan),
            ("401k", AccountCategory::Investment),
            ("hotel", AccountCategory::Rewards),
        ];
        for (value, expected) in cases {
            let (category, _) = resolve_account_type(None, value).unwrap();
            assert_eq!(category, expected, "type {value}");
        }
    }

    #[test]
    fn account_type_ambiguous_needs_category() {
        for value in ["OTHER", "auto"] {
            let error = resolve_account_type(None, value).unwrap_err();
            assert!(
                matches!(
                    error,
                    Error::InvalidInput {
                        parameter: "account_name",
                        ..
                    }
                ),
                "type {value}"
            );
        }
        assert_eq!(
            resolve_account_type(Some("rewards"), "auto").unwrap().0,
            AccountCategory::Rewards
        );
        assert_eq!(
            resolve_account_type(Some("credit"), "other").unwrap().0,
            AccountCategory::Credit
        );
    }

    #[test]
    fn account_type_wrong_category_rejected() {
        let error = resolve_account_type(Some("banking"), "CREDITCARD").unwrap_err();

        assert!(matches!(
            error,
            Error::InvalidInput {
                parameter: "account_type",
                ..
            }
        ));
        assert!(resolve_account_type(Some("savings"), "CHECKING").is_err());
        assert!(resolve_account_type(None, "PIGGYBANK").is_err());
    }
}
