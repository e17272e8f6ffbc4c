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
/// The list always contains the sandbox's fixed institutions (CCBank 100000, its test variants and a
/// few public entries such as 13278), so a `count` below 13 still gives 13 entries.
///
/// # Examples
///
/// ```
/// let xml = aggcat::sandbox::documents::institutions_xml(18_716, 1);
/// assert_eq!(xml.matches("<institution>").count(), 18_716);
/// ```
pub fn institutions_xml(count: usize, seed: u64) -> String {
    let directory = super::bank::institutions_directory(count, seed);
    super::bank::documents::institutions_xml(&directory.list)
}

/// Returns a `TransactionList` with exactly `count` banking transactions generated from `seed`.
///
/// The transactions are spread over the 90 days that end on 2014-06-30.
///
/// # Examples
///
/// ```
/// let xml = aggcat::sandbox::documents::transactions_xml(20_000, 1);
/// assert_eq!(xml.matches("<ns2:BankingTransaction>").count(), 20_000);
/// ```
pub fn transactions_xml(count: usize, seed: u64) -> String {
    super::bank::transactions_document(count, seed)
}

/// Returns an `AccountList` with `count` accounts cycling through the banking, credit, loan and
/// investment families, generated from `seed`.
///
/// # Examples
///
/// ```
/// let xml = aggcat::sandbox::documents::accounts_xml(4, 1);
/// assert!(xml.contains("<ns5:InvestmentAccount>"));
/// ```
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
                padded_id: false,
            }
        })
        .collect();
    let listed: Vec<&Account> = accounts.iter().collect();
    account_list_xml(&listed, Layout::Compact)
}

#[cfg(test)]
mod tests {
    use roxmltree::Document;

    use super::{accounts_xml, institutions_xml, transactions_xml};

    #[test]
    fn generators_give_requested_counts() {
        let institutions = institutions_xml(18_716, 3);
        let transactions = transactions_xml(20_000, 3);
        let accounts = accounts_xml(25, 3);

        for (text, count) in [
            (&institutions, 18_716),
            (&transactions, 20_000),
            (&accounts, 25),
        ] {
            let document = Document::parse(text).unwrap();
            let children = document
                .root_element()
                .children()
                .filter(|node| node.is_element());
            assert_eq!(children.count(), count);
        }
    }

    #[test]
    fn generators_are_deterministic() {
        assert_eq!(transactions_xml(50, 9), transactions_xml(50, 9));
        assert_ne!(transactions_xml(50, 9), transactions_xml(50, 10));
        assert_eq!(accounts_xml(8, 9), accounts_xml(8, 9));
        assert_eq!(institutions_xml(100, 9), institutions_xml(100, 9));
    }
}
