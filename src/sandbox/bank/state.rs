//! Per-customer state: logins, accounts and open challenge sessions.

use std::collections::HashMap;

use time::OffsetDateTime;

use super::ccbank::ChallengeKind;
use super::writer::{Layout, Ns};
use crate::secret::Secret;

/// Credentials as the bank parsed them: `(name, value)` in document order.
pub(crate) type Credentials = Vec<(String, Secret)>;

/// The account families of the `AccountList` schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Banking,
    Credit,
    Loan,
    Investment,
    Rewards,
    Other,
}

impl Kind {
    /// Returns the element name in an `AccountList`.
    pub(crate) fn element(self) -> &'static str {
        match self {
            Kind::Banking => "BankingAccount",
            Kind::Credit => "CreditAccount",
            Kind::Loan => "LoanAccount",
            Kind::Investment => "InvestmentAccount",
            Kind::Rewards => "RewardsAccount",
            Kind::Other => "OtherAccount",
        }
    }

    /// Returns the namespace of the element and its type-specific fields.
    pub(crate) fn ns(self) -> Ns {
        match self {
            Kind::Banking => Ns::BankingAccount,
            Kind::Credit => Ns::CreditAccount,
            Kind::Loan => Ns::LoanAccount,
            Kind::Investment => Ns::InvestmentAccount,
            Kind::Rewards => Ns::RewardsAccount,
            Kind::Other => Ns::OtherAccount,
        }
    }

    /// Returns the name of the type element (`None` for `OtherAccount`, which has none).
    pub(crate) fn type_element(self) -> Option<&'static str> {
        match self {
            Kind::Banking => Some("bankingAccountType"),
            Kind::Credit => Some("creditAccountType"),
            Kind::Loan => Some("loanType"),
            Kind::Investment => Some("investmentAccountType"),
            Kind::Rewards => Some("rewardsAccountType"),
            Kind::Other => None,
        }
    }
}

/// Type-specific fields beyond the type element, as CCBank sends them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Extras {
    /// Only the type element (and `currentBalance` for credit and investment accounts).
    Plain,
    /// A credit card with `statementEndDate` and `statementCloseBalance`.
    CreditStatement,
    /// The loan fields of the CCBank capture.
    LoanDetails,
}

/// The generator of an account's transaction history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Activity {
    /// A few transactions per day.
    Normal,
    /// Exactly one transaction, dated on the requested end date.
    Single,
    /// 20,000 transactions spread over the 90 days that end today.
    Big,
    /// Normal activity whose memos are written as CDATA sections.
    CdataMemo,
}

/// One aggregated account.
#[derive(Debug, Clone)]
pub(crate) struct Account {
    pub id: u64,
    pub login_id: u64,
    pub institution_id: u64,
    pub kind: Kind,
    /// The type enum value (`CHECKING`, `401K`, …); `None` for an `OtherAccount`.
    pub account_type: Option<String>,
    pub number: String,
    pub nickname: Option<String>,
    pub display_position: Option<u32>,
    pub currency: &'static str,
    pub description: Option<String>,
    pub discovered: OffsetDateTime,
    pub extras: Extras,
    pub activity: Activity,
    pub layout: Layout,
    /// Whether the id is written with leading zeros to 12 digits (`000000000001`).
    pub padded_id: bool,
}

impl Account {
    /// Returns the id as the service writes it, which is also the form a path must use.
    pub(crate) fn id_text(&self) -> String {
        if self.padded_id {
            format!("{:012}", self.id)
        } else {
            self.id.to_string()
        }
    }
}

/// One institution login of a customer.
#[derive(Debug, Clone)]
pub(crate) struct Login {
    pub id: u64,
    pub institution_id: u64,
    pub credentials: Credentials,
}

/// The operation that a challenge session continues.
#[derive(Debug, Clone)]
pub(crate) enum Purpose {
    /// A discovery at an institution; the login is created once the answers are accepted.
    Discover {
        institution_id: u64,
        credentials: Credentials,
    },
    /// An update of an existing login; `credentials` replace the stored ones on success.
    Update {
        login_id: u64,
        credentials: Option<Credentials>,
    },
}

/// An open challenge session, keyed by its `challengeSessionId`.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub node_id: String,
    pub created: OffsetDateTime,
    pub challenge: ChallengeKind,
    pub purpose: Purpose,
}

/// Everything the service stores for one customer id.
#[derive(Debug, Default)]
pub(crate) struct Customer {
    pub logins: Vec<Login>,
    /// Accounts in discovery order.
    pub accounts: Vec<Account>,
    pub sessions: HashMap<String, Session>,
    /// Credentials of the last `InstitutionLogin` that carried any, accepted or not.
    pub last_credentials: Option<Credentials>,
    /// Answers of the last `InstitutionLogin` that carried `challengeResponses`.
    pub last_answers: Option<Vec<Secret>>,
}

impl Customer {
    /// Finds an account by its id exactly as written, so `000000000001` and `1` differ.
    pub(crate) fn account(&self, id_text: &str) -> Option<&Account> {
        self.accounts
            .iter()
            .find(|account| account.id_text() == id_text)
    }

    pub(crate) fn login(&self, id: u64) -> Option<&Login> {
        self.logins.iter().find(|login| login.id == id)
    }
}
