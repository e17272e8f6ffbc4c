//! The imitated service behind the HTTP layer: institutions, customers, CCBank and documents.
//!
//! # Test logins
//!
//! Every institution runs the CCBank script, selected by the value of its userid key
//! (`Banking Userid` at CCBank 100000 and the test banks 100001 and 100002; the unmasked
//! displayed key with the lowest display order elsewhere). Any value not listed gives the ten
//! `direct` accounts. A password of `bad` fails every login.
//!
//! | Userid | Result of discovery |
//! |---|---|
//! | `direct`, `demo`, any other | 201, the ten accounts of the CCBank capture |
//! | `tfa_text` | 401, one text question (`Enter your first pet's name:`) |
//! | `tfa_text2` | 401, two text questions |
//! | `tfa_choice` | 401, one question with five choices; answering `loop` starts a new round |
//! | `tfa_image`, `tfa_dynamic_image` | 401, one question with a JPEG image |
//! | `bad` (or password `bad`) | 503, `Status` error code 103 |
//! | `request_error` | 500, `Status` with `SYSTEM_ERROR` |
//! | `one_account` | 201, one `BankingAccount` |
//! | `one_transaction` | 201, the ten accounts; each transaction list holds exactly one transaction, dated on the requested end date |
//! | `big_transactions` | 201, one `BankingAccount` with 20,000 transactions in the 90 days ending today |
//! | `empty` | 201, an empty `AccountList` (self-closing root) |
//! | `indented` | 201, the ten accounts; every document about them is indented with CRLF line ends |
//! | `cdata_memo` | 201, one `BankingAccount` whose transaction memos are `<![CDATA[Check #1042 <void>]]>` |
//! | `exact_password` | 201 only if the password is exactly `p&ss<w>"0'rd]]>`, else 503 / 103 |
//! | `other_account` | 201, the ten accounts plus one `OtherAccount` that `PUT /accounts/{id}` may re-type |
//! | `leading_zeros` | 201, one `BankingAccount` whose id has leading zeros (`000000000001`); its paths must use that exact form |
//!
//! Challenge answers: `fail` anywhere gives 503 with error code 187. Any other answers are
//! accepted if their number equals the number of questions, else the reply is 400.
//!
//! # Test institutions
//!
//! Besides CCBank (100000, keys as in the 2015 capture: `Banking Password` listed before
//! `Banking Userid`), two test banks check credential-key handling:
//!
//! | Id | Keys in document order (display order, shown) |
//! |---|---|
//! | 100001 | `Extra Code` (10), `Banking Password` (2), `Banking Userid` (1), `Site Key` (3), `Banking Password Old` (2, hidden) |
//! | 100002 | `Banking Userid` (1), `Banking Password` (2), `Banking Password Old` (2, hidden), `Site Key` (3) |
//!
//! Discovery requires one credential per shown key and rejects names that are not keys of the
//! institution (400). Hidden keys may be sent or left out.

use std::collections::HashMap;

use time::OffsetDateTime;

use super::Settings;

mod batch;
mod ccbank;
pub(crate) mod documents;
mod generate;
pub(crate) mod institutions;
mod logins;
mod random;
mod request;
mod routes;
pub(crate) mod state;
mod writer;

#[cfg(test)]
mod tests;

use documents::BatchFile;
use institutions::Directory;
use state::{Account, Credentials, Customer, Login};

pub(crate) use writer::Layout;

/// Builds an institution directory, for the public document generators.
pub(crate) fn institutions_directory(count: usize, seed: u64) -> Directory {
    Directory::new(count, seed)
}

/// Returns a seeded hash of an index, for the public document generators.
pub(crate) fn mix_seed(seed: u64, index: u64) -> u64 {
    random::hash(&[seed, index])
}

/// Writes a `TransactionList` of exactly `count` checking-account transactions, dated in the 90
/// days ending 2014-06-30.
pub(crate) fn transactions_document(count: usize, seed: u64) -> String {
    let today = time::macros::date!(2014 - 06 - 30);
    let discovered = today.midnight().assume_utc();
    let mut next_id = 400_000_000_001;
    let mut allocate = || {
        next_id += 1;
        next_id
    };
    let accounts = ccbank::accounts(
        ccbank::AccountSet::OneAccount,
        100_000,
        10_000_001,
        discovered,
        &mut allocate,
    );
    generate::spread_transactions_xml(seed, &accounts[0], count, today)
}

/// One verified data request, as the HTTP layer hands it over.
#[derive(Debug)]
pub(crate) struct ApiRequest<'a> {
    /// `GET`, `POST`, `PUT` or `DELETE`.
    pub method: &'a str,
    /// Path relative to the base (`/v1` or `/rest-war/v1`), one trailing slash removed,
    /// percent-decoded segments, for example `/institutions/100000/logins` or `/export/files`.
    pub path: &'a str,
    /// Decoded query parameters in the order received.
    pub query: &'a [(String, String)],
    /// Request headers, names lower-cased.
    pub headers: &'a [(String, String)],
    /// The raw body.
    pub body: &'a [u8],
    /// The customer the token belongs to (the assertion's NameID).
    pub customer_id: &'a str,
    /// The sandbox clock.
    pub now: OffsetDateTime,
}

impl ApiRequest<'_> {
    /// Returns the first header with this lower-case name.
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// Returns the first query parameter with this name.
    fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// The bank's reply; the HTTP layer adds `intuit_tid`, gzip and the access log.
#[derive(Debug)]
pub(crate) struct ApiReply {
    pub status: u16,
    /// Extra headers (`challengeSessionId`, `Content-Range`, ...), including `Content-Type`.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// All state of the imitated service.
pub(crate) struct Bank {
    settings: Settings,
    directory: Directory,
    /// The `Institutions` document, built on first use (about 4 MB for the default count).
    institutions_xml: Option<String>,
    customers: HashMap<String, Customer>,
    /// Next 8-digit login id; shared by all customers of the sandbox.
    next_login_id: u64,
    /// Next 12-digit account id; shared by all customers, so ids are never reused.
    next_account_id: u64,
    /// Next id of an account written with leading zeros; shared by all customers.
    next_padded_account_id: u64,
    files: Vec<BatchFile>,
}

impl Bank {
    pub(crate) fn new(settings: &Settings) -> Bank {
        let mut directory = Directory::new(settings.institutions, settings.seed);
        directory.rename(institutions::CCBANK_ID, &settings.ccbank_name);
        Bank {
            settings: settings.clone(),
            directory,
            institutions_xml: None,
            customers: HashMap::new(),
            next_login_id: 82_440_124,
            next_account_id: 400_004_530_271,
            next_padded_account_id: 1,
            files: batch::generate_files(settings.seed),
        }
    }

    pub(crate) fn handle(&mut self, request: &ApiRequest<'_>) -> ApiReply {
        routes::handle(self, request)
    }
}

impl std::fmt::Debug for Bank {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bank")
            .field("institutions", &self.directory.list.len())
            .field("customers", &self.customers.len())
            .field("next_login_id", &self.next_login_id)
            .field("next_account_id", &self.next_account_id)
            .finish_non_exhaustive()
    }
}

// Inspection for tests and for the sandbox handle; not every build uses all of them.
#[cfg_attr(not(test), allow(dead_code))]
impl Bank {
    /// Returns the logins of a customer with their credentials as parsed.
    pub(crate) fn logins(&self, customer_id: &str) -> Vec<Login> {
        self.customers
            .get(customer_id)
            .map(|customer| customer.logins.clone())
            .unwrap_or_default()
    }

    /// Returns the accounts of a customer in discovery order.
    pub(crate) fn accounts(&self, customer_id: &str) -> Vec<Account> {
        self.customers
            .get(customer_id)
            .map(|customer| customer.accounts.clone())
            .unwrap_or_default()
    }

    /// Returns the credentials of the customer's last login body that carried any, accepted or
    /// rejected.
    pub(crate) fn last_credentials(&self, customer_id: &str) -> Option<Credentials> {
        self.customers.get(customer_id)?.last_credentials.clone()
    }

    /// Returns the customer's last challenge answers as parsed.
    pub(crate) fn last_answers(&self, customer_id: &str) -> Option<Vec<String>> {
        let answers = self.customers.get(customer_id)?.last_answers.as_ref()?;
        Some(
            answers
                .iter()
                .map(|answer| answer.expose().to_string())
                .collect(),
        )
    }

    /// Returns the ids of the customers the service stores, in no particular order.
    pub(crate) fn customer_ids(&self) -> Vec<String> {
        self.customers.keys().cloned().collect()
    }

    /// Returns the number of customers the service stores.
    pub(crate) fn customer_count(&self) -> usize {
        self.customers.len()
    }
}
