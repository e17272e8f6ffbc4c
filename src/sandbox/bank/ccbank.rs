//! The CCBank login script: which `Banking Userid` values give accounts, challenges or errors.
//!
//! Every institution of the sandbox runs this script, keyed on the value of its userid key. That
//! is the unmasked displayed key with the lowest display order, `Banking Userid` at CCBank. The
//! password (the first masked displayed key) is ignored except as listed.

use time::OffsetDateTime;

use super::state::{Account, Activity, Extras, Kind};
use super::writer::{Layout, Ns, XmlWriter};

/// The CCBank challenge image (a 95×60 JPEG), base64 as the service sent it.
const IMAGE_BASE64: &str = include_str!("ccbank_image.b64");

/// The password that the `exact_password` login requires.
pub(crate) const EXACT_PASSWORD: &str = "p&ss<w>\"0'rd]]>";

/// The challenge a login answers with before its accounts are released.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChallengeKind {
    Text,
    TwoTexts,
    Choice,
    Image,
    DynamicImage,
}

impl ChallengeKind {
    /// Returns the number of questions, which is also the number of answers required.
    pub(crate) fn questions(self) -> usize {
        match self {
            ChallengeKind::TwoTexts => 2,
            _ => 1,
        }
    }
}

/// The set of accounts that a successful login gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AccountSet {
    /// The ten accounts of the CCBank `direct` capture.
    Direct,
    /// One checking account.
    OneAccount,
    /// The ten accounts, each with exactly one transaction.
    OneTransaction,
    /// One checking account with 20,000 transactions.
    BigTransactions,
    /// No accounts at all.
    Empty,
    /// The ten accounts, whose documents are indented with CRLF line ends.
    Indented,
    /// One checking account whose transaction memos are CDATA sections.
    CdataMemo,
    /// The ten accounts plus one `OtherAccount` that may be re-typed.
    WithOtherAccount,
    /// One checking account whose id has leading zeros (`000000000001`).
    LeadingZeros,
}

/// The result of running the script on a set of credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LoginOutcome {
    Accounts(AccountSet),
    Challenge(ChallengeKind),
    /// 503 with error code 103: the institution rejected the credentials.
    BadCredentials,
    /// 500 with a `SYSTEM_ERROR` status.
    RequestError,
}

/// Runs the script for a userid and password value.
pub(crate) fn evaluate(userid: &str, password: &str) -> LoginOutcome {
    if password == "bad" {
        return LoginOutcome::BadCredentials;
    }
    match userid {
        "bad" => LoginOutcome::BadCredentials,
        "request_error" => LoginOutcome::RequestError,
        "tfa_text" => LoginOutcome::Challenge(ChallengeKind::Text),
        "tfa_text2" => LoginOutcome::Challenge(ChallengeKind::TwoTexts),
        "tfa_choice" => LoginOutcome::Challenge(ChallengeKind::Choice),
        "tfa_image" => LoginOutcome::Challenge(ChallengeKind::Image),
        "tfa_dynamic_image" => LoginOutcome::Challenge(ChallengeKind::DynamicImage),
        "exact_password" if password != EXACT_PASSWORD => LoginOutcome::BadCredentials,
        "one_account" => LoginOutcome::Accounts(AccountSet::OneAccount),
        "one_transaction" => LoginOutcome::Accounts(AccountSet::OneTransaction),
        "big_transactions" => LoginOutcome::Accounts(AccountSet::BigTransactions),
        "empty" => LoginOutcome::Accounts(AccountSet::Empty),
        "indented" => LoginOutcome::Accounts(AccountSet::Indented),
        "cdata_memo" => LoginOutcome::Accounts(AccountSet::CdataMemo),
        "other_account" => LoginOutcome::Accounts(AccountSet::WithOtherAccount),
        "leading_zeros" => LoginOutcome::Accounts(AccountSet::LeadingZeros),
        _ => LoginOutcome::Accounts(AccountSet::Direct),
    }
}

/// The result of checking challenge answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AnswerOutcome {
    Accepted,
    /// 503 with error code 187: an answer was `fail`.
    Wrong,
    /// A new challenge round with the same question (the `loop` choice).
    Again,
}

/// Checks answers whose count already matches the question count. An answer `fail` fails, `loop`
/// on the choice question starts a new round, and anything else is accepted.
pub(crate) fn check_answers(kind: ChallengeKind, answers: &[&str]) -> AnswerOutcome {
    if answers.contains(&"fail") {
        AnswerOutcome::Wrong
    } else if kind == ChallengeKind::Choice && answers.contains(&"loop") {
        AnswerOutcome::Again
    } else {
        AnswerOutcome::Accepted
    }
}

/// Writes the `Challenges` document of a challenge, byte-identical to the CCBank captures.
pub(crate) fn challenges_xml(kind: ChallengeKind) -> String {
    let mut writer = XmlWriter::new(IMAGE_BASE64.len() + 512, Layout::Compact, &[Ns::Challenge]);
    writer.start(Ns::Challenge, "Challenges");
    let question = |writer: &mut XmlWriter, text: &str| {
        writer.start(Ns::Challenge, "challenge");
        writer.leaf(Ns::Challenge, "text", text);
    };
    match kind {
        ChallengeKind::Text => question(&mut writer, "Enter your first pet's name:"),
        ChallengeKind::TwoTexts => {
            question(&mut writer, "Enter your first pet's name:");
            writer.end(Ns::Challenge, "challenge");
            question(&mut writer, "Enter your high school's name:");
        }
        ChallengeKind::Choice => {
            question(&mut writer, "Which high school did you attend?");
            let choices = [
                ("Washington", "Washington"),
                ("Jefferson", "Jefferson"),
                ("Wilson", "Wilson"),
                ("loop", "loop"),
                ("Fail", "fail"),
            ];
            for (text, value) in choices {
                writer.start(Ns::Challenge, "choice");
                writer.leaf(Ns::Challenge, "text", text);
                writer.leaf(Ns::Challenge, "val", value);
                writer.end(Ns::Challenge, "choice");
            }
        }
        ChallengeKind::Image => {
            question(&mut writer, "Enter the word in the image below");
            writer.leaf(Ns::Challenge, "image", IMAGE_BASE64.trim());
        }
        ChallengeKind::DynamicImage => {
            question(&mut writer, "Enter the word in the dynamic image below");
            writer.leaf(Ns::Challenge, "image", IMAGE_BASE64.trim());
        }
    }
    writer.end(Ns::Challenge, "challenge");
    writer.end(Ns::Challenge, "Challenges");
    writer.finish()
}

/// One row of the `direct` capture: element, type, number, nickname, position, currency, extras.
struct Template {
    kind: Kind,
    account_type: &'static str,
    number: &'static str,
    nickname: &'static str,
    display_position: u32,
    currency: &'static str,
    extras: Extras,
}

const fn row(
    kind: Kind,
    account_type: &'static str,
    number: &'static str,
    nickname: &'static str,
    display_position: u32,
    currency: &'static str,
    extras: Extras,
) -> Template {
    Template {
        kind,
        account_type,
        number,
        nickname,
        display_position,
        currency,
        extras,
    }
}

/// The ten accounts of the `direct` login, in the order of the capture.
const DIRECT: [Template; 10] = [
    row(
        Kind::Credit,
        "CREDITCARD",
        "4100007777",
        "My Visa",
        2,
        "USD",
        Extras::CreditStatement,
    ),
    row(
        Kind::Banking,
        "CD",
        "2000005555",
        "My CD",
        8,
        "INR",
        Extras::Plain,
    ),
    row(
        Kind::Credit,
        "LINEOFCREDIT",
        "8000006666",
        "My Line of Credit",
        4,
        "INR",
        Extras::Plain,
    ),
    row(
        Kind::Investment,
        "TAXABLE",
        "2000004444",
        "My Roth IRA",
        3,
        "USD",
        Extras::Plain,
    ),
    row(
        Kind::Loan,
        "LOAN",
        "8000008888",
        "My Auto Loan",
        1,
        "USD",
        Extras::LoanDetails,
    ),
    row(
        Kind::Banking,
        "CHECKING",
        "1000001111",
        "My Checking",
        6,
        "BND",
        Extras::Plain,
    ),
    row(
        Kind::Banking,
        "SAVINGS",
        "1000002222",
        "My Savings",
        7,
        "INR",
        Extras::Plain,
    ),
    row(
        Kind::Investment,
        "401K",
        "0000000001",
        "My Retirement",
        10,
        "INR",
        Extras::Plain,
    ),
    row(
        Kind::Investment,
        "TAXABLE",
        "0000000000",
        "My Brokerage",
        9,
        "INR",
        Extras::Plain,
    ),
    row(
        Kind::Loan,
        "MORTGAGE",
        "1000000001",
        "My Mortgage",
        5,
        "BND",
        Extras::LoanDetails,
    ),
];

const CHECKING: Template = row(
    Kind::Banking,
    "CHECKING",
    "1000001111",
    "My Checking",
    1,
    "USD",
    Extras::Plain,
);

/// Builds the accounts of a set; `next_id` hands out fresh account ids.
pub(crate) fn accounts(
    set: AccountSet,
    institution_id: u64,
    login_id: u64,
    now: OffsetDateTime,
    next_id: &mut dyn FnMut() -> u64,
) -> Vec<Account> {
    let (templates, activity, layout): (&[Template], Activity, Layout) = match set {
        AccountSet::Direct | AccountSet::WithOtherAccount => {
            (&DIRECT, Activity::Normal, Layout::Compact)
        }
        AccountSet::OneAccount | AccountSet::LeadingZeros => (
            std::slice::from_ref(&CHECKING),
            Activity::Normal,
            Layout::Compact,
        ),
        AccountSet::OneTransaction => (&DIRECT, Activity::Single, Layout::Compact),
        AccountSet::BigTransactions => (
            std::slice::from_ref(&CHECKING),
            Activity::Big,
            Layout::Compact,
        ),
        AccountSet::Empty => (&[], Activity::Normal, Layout::Compact),
        AccountSet::Indented => (&DIRECT, Activity::Normal, Layout::IndentedCrlf),
        AccountSet::CdataMemo => (
            std::slice::from_ref(&CHECKING),
            Activity::CdataMemo,
            Layout::Compact,
        ),
    };
    let mut list: Vec<Account> = templates
        .iter()
        .map(|template| Account {
            id: next_id(),
            login_id,
            institution_id,
            kind: template.kind,
            account_type: Some(template.account_type.to_string()),
            number: template.number.to_string(),
            nickname: Some(template.nickname.to_string()),
            display_position: Some(template.display_position),
            currency: template.currency,
            description: (template.kind == Kind::Loan).then(|| "Description".to_string()),
            discovered: now,
            extras: template.extras,
            activity,
            layout,
            padded_id: set == AccountSet::LeadingZeros,
        })
        .collect();
    if set == AccountSet::WithOtherAccount {
        list.push(Account {
            id: next_id(),
            login_id,
            institution_id,
            kind: Kind::Other,
            account_type: None,
            number: "9000003333".to_string(),
            nickname: Some("My Unclassified Account".to_string()),
            display_position: Some(11),
            currency: "USD",
            description: None,
            discovered: now,
            extras: Extras::Plain,
            activity,
            layout,
            padded_id: false,
        });
    }
    list
}

#[cfg(test)]
mod tests {
    use super::{challenges_xml, evaluate, ChallengeKind, LoginOutcome, EXACT_PASSWORD};

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/python-aggcat/");

    fn fixture(name: &str) -> String {
        std::fs::read_to_string(format!("{FIXTURES}{name}")).unwrap()
    }

    #[test]
    fn challenges_match_captures() {
        let cases = [
            (ChallengeKind::Text, "api_two_factor_account.xml"),
            (ChallengeKind::TwoTexts, "api_two_factor2_account.xml"),
            (ChallengeKind::Choice, "api_two_factor_choice_account.xml"),
            (ChallengeKind::Image, "api_two_factor_image_account.xml"),
            (
                ChallengeKind::DynamicImage,
                "api_two_factor_dynamic_image_account.xml",
            ),
        ];
        for (kind, name) in cases {
            assert_eq!(challenges_xml(kind), fixture(name).trim_end(), "{name}");
        }
    }

    #[test]
    fn script_outcomes() {
        assert_eq!(evaluate("bad", "x"), LoginOutcome::BadCredentials);
        assert_eq!(evaluate("demo", "bad"), LoginOutcome::BadCredentials);
        assert_eq!(evaluate("request_error", "x"), LoginOutcome::RequestError);
        assert_eq!(
            evaluate("exact_password", "p&ss"),
            LoginOutcome::BadCredentials
        );
        assert!(matches!(
            evaluate("exact_password", EXACT_PASSWORD),
            LoginOutcome::Accounts(_)
        ));
        assert_eq!(
            evaluate("tfa_choice", "x"),
            LoginOutcome::Challenge(ChallengeKind::Choice)
        );
    }
}
