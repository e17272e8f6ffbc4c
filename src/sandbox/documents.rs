//! Generators of large service documents, for benchmarks and parser tests.
//!
//! Each function returns a complete document in the service's compact style, exactly as the
//! sandbox serves it, and is deterministic for a given count and seed.

use time::{Duration, OffsetDateTime};

use super::bank::documents::account_list_xml;
use super::bank::state::{Account, Activity, Extras, Kind};
use super::bank::Layout;

/// Returns an `Institutions` document with `count` institutions generated from `seed`.
///
/// The list always holds the sandbox's fixed institutions (CCBank 100000, its test variants and a
/// few public entries such as 13278), so a `count` below 12 still gives 12 entries.
pub fn institutions_xml(count: usize, seed: u64) -> String {
    let directory = super::bank::institutions_directory(count, seed);
    super::bank::documents::institutions_xml(&directory.list)
}

/// Returns a `TransactionList` with exactly `count` banking transactions generated from `seed`.
///
/// The transactions are spread over the 90 days that end on 2014-06-30.
pub fn transactions_xml(count: usize, seed: u64) -> String {
    super::bank::transactions_document(count, seed)
}

/// Returns an `AccountList` with `count` accounts cycling through the banking, credit, loan and
/// investment families, generated from `seed`.
pub fn accounts_xml(count: usize, seed: u64) -> String {
    let discovered = OffsetDateTime::UNIX_EPOCH + Duration::days(16_252);
    let kinds = [
        (Kind::Banking, "CHECKING", Extras::Plain),
        (Kind::Credit, "CREDITCARD", Extras::CreditStatement),
        (Kind::Loan, "MORTGAGE", Extras::LoanDetails),
        (Kind::Investment, "401K", Extras::Plain),
    ];
    let accounts: Vec<Account> = (0..count)
        .map(|index| {
            let (kind, account_type, extras) = kinds[index % kinds.len()];
            let number = super::bank::mix_seed(seed, index as u64) % 10_000_000_000;
            Account {
                id: 400_000_000_000 + index as u64,
                login_id: 10_000_000 + (index / 10) as u64,
                institution_id: 100_000,
                kind,
                account_type: Some(account_type.to_string()),
                number: format!("{number:010}"),
                nickname: Some(format!("Account {}", index + 1)),
                display_position: Some((index % 10) as u32 + 1),
                currency: "USD",
                description: (kind == Kind::Loan).then(|| "Description".to_string()),
                discovered,
                extras,
                activity: Activity::Normal,
                layout: Layout::Compact,
            }
        })
        .collect();
    let listed: Vec<&Account> = accounts.iter().collect();
    account_list_xml(&listed, Layout::Compact)
}
