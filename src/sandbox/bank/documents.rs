//! Builders of the service's response documents, in the element order of its schema.

use time::OffsetDateTime;

use super::generate::{midnight, service_day, timestamp};
use super::institutions::Institution;
use super::random::uuid_v4;
use super::state::{Account, Extras, Kind};
use super::writer::{Layout, Ns, XmlWriter};

/// Writes a `Status` error document with a fresh `gw-` correlation id.
pub(crate) fn status_xml(error_type: &str, error_code: &str, message: &str) -> String {
    let ns = Ns::Common;
    let mut writer = XmlWriter::new(512, Layout::Compact, &[Ns::Common]);
    writer.start(ns, "Status");
    writer.start(ns, "errorInfo");
    writer.leaf(ns, "errorType", error_type);
    writer.leaf(ns, "errorCode", error_code);
    writer.leaf(ns, "errorMessage", message);
    writer.leaf(ns, "correlationId", &format!("gw-{}", uuid_v4()));
    writer.end(ns, "errorInfo");
    writer.end(ns, "Status");
    writer.finish()
}

/// Writes the `Institutions` list.
pub(crate) fn institutions_xml(list: &[Institution]) -> String {
    let ns = Ns::Institution;
    let mut writer = XmlWriter::new(
        256 + list.len() * 230,
        Layout::Compact,
        &[Ns::Institution, Ns::Common],
    );
    writer.start(ns, "Institutions");
    for institution in list {
        writer.start(ns, "institution");
        writer.leaf(ns, "institutionId", &institution.id.to_string());
        writer.leaf(ns, "institutionName", &institution.name);
        writer.leaf_opt(ns, "homeUrl", institution.home_url.as_deref());
        writer.leaf_opt(ns, "phoneNumber", institution.phone.as_deref());
        writer.leaf(ns, "virtual", bool_text(institution.is_virtual));
        writer.end(ns, "institution");
    }
    writer.end(ns, "Institutions");
    writer.finish()
}

fn bool_text(value: bool) -> &'static str {
    if value {
        "true"
    } else {
        "false"
    }
}

/// Writes an `InstitutionDetail`; like the captures it carries neither `virtual` nor `status`.
pub(crate) fn institution_detail_xml(institution: &Institution) -> String {
    let ns = Ns::Institution;
    let common = Ns::Common;
    let mut writer = XmlWriter::new(2048, Layout::Compact, &[Ns::Institution, Ns::Common]);
    writer.start(ns, "InstitutionDetail");
    writer.leaf(ns, "institutionId", &institution.id.to_string());
    writer.leaf(ns, "institutionName", &institution.name);
    writer.leaf_opt(ns, "homeUrl", institution.home_url.as_deref());
    writer.leaf_opt(ns, "phoneNumber", institution.phone.as_deref());
    writer.start(ns, "address");
    let address = &institution.address;
    writer.leaf_opt(common, "address1", address.address1.as_deref());
    writer.leaf_opt(common, "address2", address.address2.as_deref());
    writer.leaf_opt(common, "city", address.city.as_deref());
    writer.leaf_opt(common, "state", address.state.as_deref());
    writer.leaf_opt(common, "postalCode", address.postal_code.as_deref());
    writer.leaf_opt(common, "country", address.country.as_deref());
    writer.end(ns, "address");
    writer.leaf_opt(ns, "emailAddress", institution.email.as_deref());
    writer.leaf_opt(ns, "specialText", institution.special_text.as_deref());
    writer.leaf(ns, "currencyCode", institution.currency);
    writer.start(ns, "keys");
    for key in &institution.keys {
        writer.start(ns, "key");
        writer.leaf(ns, "name", &key.name);
        writer.leaf(ns, "status", "Active");
        if let Some((min, max)) = key.value_length {
            writer.leaf(ns, "valueLengthMin", &min.to_string());
            writer.leaf(ns, "valueLengthMax", &max.to_string());
        }
        writer.leaf(ns, "displayFlag", bool_text(key.display_flag));
        writer.leaf(ns, "displayOrder", &key.display_order.to_string());
        writer.leaf(ns, "mask", bool_text(key.mask));
        writer.leaf_opt(ns, "instructions", key.instructions.as_deref());
        writer.leaf_opt(ns, "description", key.description.as_deref());
        writer.end(ns, "key");
    }
    writer.end(ns, "keys");
    writer.end(ns, "InstitutionDetail");
    writer.finish()
}

/// The namespaces of an `AccountList`, in the order of the CCBank capture.
const ACCOUNT_NAMESPACES: [Ns; 8] = [
    Ns::Account,
    Ns::LoanAccount,
    Ns::OtherAccount,
    Ns::RewardsAccount,
    Ns::InvestmentAccount,
    Ns::BankingAccount,
    Ns::CreditAccount,
    Ns::AccountList,
];

/// The balance every CCBank account reports, in cents.
const BALANCE: &str = "811.52";

/// Writes an `AccountList` holding the given accounts in the given order.
pub(crate) fn account_list_xml(accounts: &[&Account], layout: Layout) -> String {
    let mut writer = XmlWriter::new(512 + accounts.len() * 1100, layout, &ACCOUNT_NAMESPACES);
    writer.start(Ns::AccountList, "AccountList");
    for account in accounts {
        write_account(&mut writer, account);
    }
    writer.end(Ns::AccountList, "AccountList");
    writer.finish()
}

fn write_account(writer: &mut XmlWriter, account: &Account) {
    let base = Ns::Account;
    let ns = account.kind.ns();
    let element = account.kind.element();
    let balance_date = midnight(service_day(account.discovered));
    let aggregated = timestamp(account.discovered);

    writer.start(ns, element);
    writer.leaf(base, "accountId", &account.id_text());
    writer.leaf(base, "status", "ACTIVE");
    writer.leaf(base, "accountNumber", &account.number);
    writer.leaf_opt(base, "accountNickname", account.nickname.as_deref());
    if let Some(position) = account.display_position {
        writer.leaf(base, "displayPosition", &position.to_string());
    }
    writer.leaf(base, "institutionId", &account.institution_id.to_string());
    writer.leaf_opt(base, "description", account.description.as_deref());
    if account.kind != Kind::Credit {
        writer.leaf(base, "balanceAmount", BALANCE);
    }
    writer.leaf(base, "balanceDate", &balance_date);
    writer.leaf(base, "aggrSuccessDate", &aggregated);
    writer.leaf(base, "aggrAttemptDate", &aggregated);
    writer.leaf(base, "aggrStatusCode", "0");
    writer.leaf(base, "currencyCode", account.currency);
    writer.leaf(base, "institutionLoginId", &account.login_id.to_string());
    if let (Some(type_element), Some(value)) = (account.kind.type_element(), &account.account_type)
    {
        writer.leaf(ns, type_element, value);
    }
    match (account.kind, account.extras) {
        (Kind::Credit, extras) => {
            writer.leaf(ns, "currentBalance", "-811.52");
            if extras == Extras::CreditStatement {
                writer.leaf(ns, "statementEndDate", "2020-03-01T00:00:00-08:00");
                writer.leaf(ns, "statementCloseBalance", "-811.52");
            }
        }
        (Kind::Investment, _) => writer.leaf(ns, "currentBalance", BALANCE),
        (Kind::Loan, Extras::LoanDetails) => write_loan_details(writer, ns),
        _ => {}
    }
    writer.end(ns, element);
}

fn write_loan_details(writer: &mut XmlWriter, ns: Ns) {
    let fields = [
        ("nextPayment", BALANCE),
        ("nextPaymentDate", "2020-04-01T00:00:00-07:00"),
        ("autopayEnrolled", "true"),
        ("collateral", BALANCE),
        ("currentSchool", "Cur School"),
        ("firstPaymentDate", "2020-04-01T00:00:00-07:00"),
        ("guarantor", "Guarantor"),
        ("firstMortgage", "false"),
        ("loanPaymentFreq", "MONTHLY"),
        ("paymentMinAmount", BALANCE),
        ("originalSchool", "Orig School"),
        ("recurringPaymentAmount", BALANCE),
        ("lender", "Lender"),
    ];
    for (name, value) in fields {
        writer.leaf(ns, name, value);
    }
}

/// One batch file as listed by `GET /export/files`.
#[derive(Debug, Clone)]
pub(crate) struct BatchFile {
    pub name: String,
    pub data: Vec<u8>,
    pub modified: OffsetDateTime,
    pub deleted: bool,
}

/// Writes the `Files` list of the files that are not deleted.
pub(crate) fn files_xml(files: &[BatchFile]) -> String {
    // NOTE: no capture of this document exists. The child elements are placed in the `files`
    // namespace of the root because the SDK's schema is the only source.
    let ns = Ns::Files;
    let mut writer = XmlWriter::new(1024, Layout::Compact, &[Ns::Files]);
    writer.start(ns, "Files");
    for file in files.iter().filter(|file| !file.deleted) {
        writer.start(ns, "file");
        writer.leaf(ns, "name", &file.name);
        writer.leaf(ns, "size", &file.data.len().to_string());
        writer.leaf(ns, "modifiedTs", &timestamp(file.modified));
        writer.end(ns, "file");
    }
    writer.end(ns, "Files");
    writer.finish()
}

/// Writes the sandbox's `Echo` document: `<Echo><param name="…">value</param>…</Echo>`.
pub(crate) fn echo_xml(query: &[(String, String)]) -> String {
    let mut writer = XmlWriter::new(256, Layout::Compact, &[Ns::None]);
    writer.start(Ns::None, "Echo");
    for (name, value) in query {
        writer.start(Ns::None, "param");
        writer.attribute("name", name);
        writer.text(value);
        writer.end(Ns::None, "param");
    }
    writer.end(Ns::None, "Echo");
    writer.finish()
}
