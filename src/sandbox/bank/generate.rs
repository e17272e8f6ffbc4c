//! Deterministic account activity: transaction lists and investment positions.
//!
//! A transaction depends only on the seed, the account id and its date, so every query over the
//! same dates returns the same transactions. Ordinary accounts have zero to three transactions a
//! day, from ten years before today up to today (later or earlier days have none). Within a list
//! the days come in a scrambled order, as the service did not sort by date.

use time::{Date, Duration, OffsetDateTime, UtcOffset};

use super::random::{hash, Rng};
use super::state::{Account, Activity, Kind};
use super::writer::{Layout, Ns, XmlWriter};

/// The offset of the service's timestamps (US Pacific daylight time, as in the captures).
pub(crate) const SERVICE_OFFSET: UtcOffset = match UtcOffset::from_hms(-7, 0, 0) {
    Ok(offset) => offset,
    Err(_) => panic!("invalid offset"),
};

/// Number of transactions of a `big_transactions` account.
pub(crate) const BIG_COUNT: usize = 20_000;

/// Days of history of a `big_transactions` account, ending today.
pub(crate) const BIG_DAYS: i64 = 90;

/// Days of history of an ordinary account, ending today.
const HISTORY_DAYS: i64 = 3650;

/// Formats a day as the service's midnight timestamp, `2013-08-11T00:00:00-07:00`.
pub(crate) fn midnight(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}T00:00:00-07:00",
        date.year(),
        date.month() as u8,
        date.day()
    )
}

/// Formats an instant at -07:00 with milliseconds, `2013-08-11T08:52:26.397-07:00`.
pub(crate) fn timestamp(instant: OffsetDateTime) -> String {
    let local = instant.to_offset(SERVICE_OFFSET);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}-07:00",
        local.year(),
        local.month() as u8,
        local.day(),
        local.hour(),
        local.minute(),
        local.second(),
        local.millisecond()
    )
}

/// Returns the service's calendar day of an instant.
pub(crate) fn service_day(instant: OffsetDateTime) -> Date {
    instant.to_offset(SERVICE_OFFSET).date()
}

/// Formats an amount in cents as exact decimal text, `-811.52`.
pub(crate) fn cents(amount: i64) -> String {
    let sign = if amount < 0 { "-" } else { "" };
    let magnitude = amount.unsigned_abs();
    format!("{sign}{}.{:02}", magnitude / 100, magnitude % 100)
}

const PAYEES: &[(&str, &str, u32, &str)] = &[
    ("Safeway", "Safeway Inc", 5411, "Groceries"),
    ("Shell Oil", "Shell", 5541, "Gas & Fuel"),
    ("Amazon.com", "Amazon.com", 5942, "Shopping"),
    ("Pacific Gas & Electric", "PG&E", 4900, "Utilities"),
    ("Starbucks", "Starbucks Coffee", 5814, "Coffee Shops"),
    ("Payroll Deposit", "Employer", 6011, "Paycheck"),
    ("Priceline.com", "Priceline.com", 4722, "Travel"),
    ("Comcast", "Comcast Cable", 4899, "Internet"),
    ("Walgreens", "Walgreens", 5912, "Pharmacy"),
    ("Home Depot", "The Home Depot", 5200, "Home Improvement"),
];

const INVESTMENT_ACTIVITY: &[(&str, &str, &str)] = &[
    ("IRA debit 222", "-8.1", "DEF"),
    ("Dividend reinvestment", "12.5", "ABC"),
    ("Buy shares", "-811.52", "XYZ"),
    ("Sell shares", "250", "DEF"),
    ("Account fee", "-25.00", "CASH"),
];

/// One generated transaction.
struct Transaction {
    id: u64,
    date: Date,
    pending: bool,
    payee: usize,
    amount_cents: i64,
    check_number: Option<u32>,
    investment: usize,
}

fn transaction(seed: u64, account: &Account, date: Date, index: u64, today: Date) -> Transaction {
    let mut rng = Rng::new(hash(&[
        seed,
        account.id,
        date.to_julian_day() as u64,
        index,
    ]));
    let payee = rng.below(PAYEES.len() as u64) as usize;
    let magnitude = 100 + rng.below(50_000) as i64;
    let amount_cents = if PAYEES[payee].0 == "Payroll Deposit" {
        magnitude * 4
    } else {
        -magnitude
    };
    Transaction {
        id: 10_000_000_000 + rng.below(89_999_999_999),
        date,
        pending: date >= today - Duration::days(1),
        payee,
        amount_cents,
        check_number: rng.chance(10).then(|| 1000 + rng.below(9000) as u32),
        investment: rng.below(INVESTMENT_ACTIVITY.len() as u64) as usize,
    }
}

/// Lists the transactions of an account between two days (both included).
fn transactions(
    seed: u64,
    account: &Account,
    start: Date,
    end: Date,
    today: Date,
) -> Vec<Transaction> {
    match account.activity {
        Activity::Single => vec![transaction(seed, account, end, 0, today)],
        Activity::Big => spread_transactions(seed, account, BIG_COUNT, start, end, today),
        Activity::Normal | Activity::CdataMemo => {
            let first = start.max(today - Duration::days(HISTORY_DAYS));
            let last = end.min(today);
            let mut days = Vec::new();
            let mut day = first;
            while day <= last {
                days.push(day);
                day = match day.next_day() {
                    Some(next) => next,
                    None => break,
                };
            }
            days.sort_by_key(|day| hash(&[seed, account.id, day.to_julian_day() as u64]));
            let mut list = Vec::with_capacity(days.len() * 2);
            for day in days {
                let count = hash(&[seed ^ 0xC0FFEE, account.id, day.to_julian_day() as u64]) % 4;
                for index in 0..count {
                    list.push(transaction(seed, account, day, index, today));
                }
            }
            list
        }
    }
}

/// Spreads `count` transactions over the `BIG_DAYS` days ending `today`, keeping those between
/// `start` and `end`.
fn spread_transactions(
    seed: u64,
    account: &Account,
    count: usize,
    start: Date,
    end: Date,
    today: Date,
) -> Vec<Transaction> {
    let mut list = Vec::with_capacity(count);
    for index in 0..count as u64 {
        let age = (index * 37) % BIG_DAYS as u64;
        let date = today - Duration::days(age as i64);
        if date < start || date > end {
            continue;
        }
        let mut entry = transaction(seed, account, date, index, today);
        entry.id = 10_000_000_000 + (account.id % 1_000_000) * 100_000 + index;
        list.push(entry);
    }
    list
}

/// Returns the element and namespace of an account kind's transactions.
fn transaction_element(kind: Kind) -> (&'static str, Ns) {
    match kind {
        Kind::Banking | Kind::Other => ("BankingTransaction", Ns::BnkTransaction),
        Kind::Credit => ("CreditCardTransaction", Ns::CcTransaction),
        Kind::Loan => ("LoanTransaction", Ns::LoanTransaction),
        Kind::Investment => ("InvestmentTransaction", Ns::InvTransaction),
        Kind::Rewards => ("RewardsTransaction", Ns::RewardsTransaction),
    }
}

/// The namespaces of a `TransactionList`, in the order of the service's documents.
const TRANSACTION_NAMESPACES: [Ns; 9] = [
    Ns::Transaction,
    Ns::BnkTransaction,
    Ns::CcTransaction,
    Ns::IbnkTransaction,
    Ns::LoanTransaction,
    Ns::InvTransaction,
    Ns::SecurityInfo,
    Ns::RewardsTransaction,
    Ns::TransactionList,
];

/// Writes the `TransactionList` of an account between two days (both included).
pub(crate) fn transactions_xml(
    seed: u64,
    account: &Account,
    start: Date,
    end: Date,
    today: Date,
) -> String {
    write_list(account, &transactions(seed, account, start, end, today))
}

/// Writes a `TransactionList` of exactly `count` transactions spread over the 90 days that end
/// `today`.
pub(crate) fn spread_transactions_xml(
    seed: u64,
    account: &Account,
    count: usize,
    today: Date,
) -> String {
    let start = today - Duration::days(BIG_DAYS);
    write_list(
        account,
        &spread_transactions(seed, account, count, start, today, today),
    )
}

fn write_list(account: &Account, list: &[Transaction]) -> String {
    let mut writer = XmlWriter::new(
        1024 + list.len() * 760,
        account.layout,
        &TRANSACTION_NAMESPACES,
    );
    writer.start(Ns::TransactionList, "TransactionList");
    for entry in list {
        write_transaction(&mut writer, account, entry);
    }
    writer.end(Ns::TransactionList, "TransactionList");
    writer.finish()
}

fn write_transaction(writer: &mut XmlWriter, account: &Account, entry: &Transaction) {
    let (element, ns) = transaction_element(account.kind);
    let (payee, merchant, sic, category) = PAYEES[entry.payee];
    let base = Ns::Transaction;
    let posted = midnight(entry.date);
    let amount = if account.kind == Kind::Investment {
        INVESTMENT_ACTIVITY[entry.investment].1.to_string()
    } else {
        cents(entry.amount_cents)
    };
    let id = entry.id.to_string();

    writer.start(ns, element);
    writer.leaf(base, "id", &id);
    writer.leaf(base, "currencyType", account.currency);
    writer.leaf(base, "institutionTransactionId", &format!("INTUIT-{id}"));
    if let Some(number) = entry.check_number {
        writer.leaf(base, "checkNumber", &number.to_string());
    }
    writer.leaf(base, "payeeName", payee);
    if account.activity == Activity::CdataMemo {
        writer.leaf_cdata(base, "memo", "Check #1042 <void>");
    } else if entry.check_number.is_some() {
        writer.leaf(base, "memo", "Check & deposit slip <scanned>");
    }
    writer.leaf(base, "postedDate", &posted);
    writer.leaf(base, "userDate", &posted);
    writer.leaf(base, "amount", &amount);
    writer.leaf(
        base,
        "pending",
        if entry.pending { "true" } else { "false" },
    );
    writer.start(base, "categorization");
    writer.start(base, "common");
    writer.leaf(base, "normalizedPayeeName", payee);
    writer.leaf(base, "merchant", merchant);
    writer.leaf(base, "sic", &sic.to_string());
    writer.end(base, "common");
    writer.start(base, "context");
    writer.leaf(base, "source", "CAT");
    writer.leaf(base, "categoryName", category);
    writer.leaf(base, "contextType", "");
    writer.end(base, "context");
    writer.end(base, "categorization");
    match account.kind {
        Kind::Loan => {
            let principal = entry.amount_cents * 4 / 5;
            writer.leaf(ns, "principalAmount", &cents(principal));
            writer.leaf(ns, "interestAmount", &cents(entry.amount_cents - principal));
        }
        Kind::Investment => write_investment_fields(writer, entry, &posted),
        _ => {}
    }
    writer.end(ns, element);
}

fn write_investment_fields(writer: &mut XmlWriter, entry: &Transaction, posted: &str) {
    let ns = Ns::InvTransaction;
    let (description, total, ticker) = INVESTMENT_ACTIVITY[entry.investment];
    writer.leaf(ns, "description", description);
    writer.leaf(ns, "symbol", ticker);
    writer.leaf(ns, "tradeDate", posted);
    writer.leaf(ns, "settleDate", posted);
    writer.leaf(ns, "totalAmount", total);
    writer.leaf(ns, "unitPrice", "8.29");
    writer.leaf(ns, "units", "1");
    writer.leaf(ns, "invSecurityType", "OTHERINFO");
    writer.start(ns, "otherInfo");
    writer.leaf(Ns::SecurityInfo, "ticker", ticker);
    writer.leaf(Ns::SecurityInfo, "unitPrice", "8.29");
    writer.end(ns, "otherInfo");
}

/// Writes the `InvestmentPositions` of an account: two positions for an investment account,
/// none for any other.
pub(crate) fn positions_xml(account: &Account) -> String {
    let ns = Ns::InvPosition;
    let mut writer = XmlWriter::new(2048, account.layout, &[Ns::InvPosition, Ns::SecurityInfo]);
    writer.start(ns, "InvestmentPositions");
    if account.kind == Kind::Investment {
        let positions = [
            ("2.5", "1629", "629", "229", "STOCK", "1629", "200", "DEF"),
            ("5", "829", "429", "429", "BOND", "829", "100", "ABC"),
        ];
        for (index, row) in positions.iter().enumerate() {
            let (change, cost, pretax, matched, hold, market, units, ticker) = *row;
            writer.start(ns, "position");
            let id = account.id * 10 + index as u64 + 1;
            writer.leaf(ns, "investmentPositionId", &id.to_string());
            writer.leaf(ns, "changePercent", change);
            writer.leaf(ns, "costBasis", cost);
            writer.leaf(ns, "currencyCode", account.currency);
            writer.leaf(ns, "unitPrice", "8.29");
            writer.leaf(ns, "dailyChange", change);
            writer.leaf(ns, "empPretaxContribAmount", pretax);
            writer.leaf(ns, "empMatchAmount", matched);
            writer.leaf(ns, "holdType", hold);
            writer.leaf(ns, "marketValue", market);
            writer.leaf(ns, "units", units);
            writer.leaf(ns, "reinvestmentCapGains", "false");
            writer.leaf(ns, "reinvestmentDividend", "false");
            writer.leaf(ns, "invSecurityType", "OTHERINFO");
            writer.start(ns, "otherInfo");
            writer.leaf(Ns::SecurityInfo, "ticker", ticker);
            writer.leaf(Ns::SecurityInfo, "unitPrice", "8.29");
            writer.end(ns, "otherInfo");
            writer.end(ns, "position");
        }
    }
    writer.end(ns, "InvestmentPositions");
    writer.finish()
}

/// Makes an indented layout choice explicit for callers outside this module.
pub(crate) fn layout_of(accounts: &[&Account]) -> Layout {
    if !accounts.is_empty()
        && accounts
            .iter()
            .all(|account| account.layout == Layout::IndentedCrlf)
    {
        Layout::IndentedCrlf
    } else {
        Layout::Compact
    }
}
