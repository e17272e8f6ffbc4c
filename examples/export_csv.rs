//! Writes the last 90 days of transactions of every account as CSV on standard output.
//!
//! `cargo run --features sandbox --example export_csv > transactions.csv` links CCBank's
//! `direct` login in an embedded sandbox first. Amounts are written exactly as the service sent
//! them, never through floating point.

use std::io::{self, Write};

use aggcat::sandbox::Sandbox;
use aggcat::XmlNode;
use anyhow::{Context, Result};
use time::{Duration, OffsetDateTime};

fn main() -> Result<()> {
    let sandbox = Sandbox::builder().start()?;
    let client = sandbox.client("export-example")?;
    client.discover_and_add_accounts(
        "100000",
        &[("Banking Userid", "direct"), ("Banking Password", "go")],
    )?;

    let today = OffsetDateTime::now_utc().date();
    let start = today - Duration::days(90);
    let accounts = client.get_customer_accounts()?;
    let accounts = accounts
        .xml()
        .context("the reply carried no account list")?;

    let stdout = io::stdout();
    let mut out = stdout.lock();
    writeln!(
        out,
        "account_id,transaction_id,kind,posted_date,description,amount,currency"
    )?;
    for account in accounts.children() {
        let account_id = account
            .field("account_id")
            .context("an account has no id")?;
        let response = client.get_account_transactions(account_id, start, today)?;
        let Some(transactions) = response.xml() else {
            continue;
        };
        for transaction in transactions.children() {
            write_row(&mut out, account_id, &transaction)?;
        }
    }
    Ok(())
}

fn write_row(out: &mut impl Write, account_id: &str, transaction: &XmlNode) -> Result<()> {
    let description = transaction
        .field("payee_name")
        .or_else(|| transaction.field("description"))
        .or_else(|| transaction.field("memo"))
        .unwrap_or("");
    let amount = transaction
        .field("amount")
        .or_else(|| transaction.field("total_amount"))
        .unwrap_or("");
    let fields = [
        account_id,
        transaction.field("id").unwrap_or(""),
        transaction.name(),
        transaction.field("posted_date").unwrap_or(""),
        description,
        amount,
        transaction.field("currency_type").unwrap_or(""),
    ];
    let row: Vec<String> = fields.iter().map(|field| quote(field)).collect();
    writeln!(out, "{}", row.join(","))?;
    Ok(())
}

/// Quotes a CSV field when it holds a comma, a quote or a line break (RFC 4180).
fn quote(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}
