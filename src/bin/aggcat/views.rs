//! Tables built from response documents. Values are copied as received, never reformatted.

use aggcat::search::InstitutionMatch;
use aggcat::{CredentialField, XmlNode};

use crate::output::Table;

fn text(node: &XmlNode, field: &str) -> String {
    node.field(field).unwrap_or("").to_owned()
}

/// Returns the first of `fields` that `node` has with non-empty text.
fn first_text(node: &XmlNode, fields: &[&str]) -> String {
    fields
        .iter()
        .filter_map(|field| node.field(field))
        .find(|value| !value.is_empty())
        .unwrap_or("")
        .to_owned()
}

pub fn institutions(root: &XmlNode) -> Table {
    let mut table = Table::new(&["id", "name", "home_url"]);
    for institution in root.children_named("institution") {
        table.push(vec![
            text(&institution, "institution_id"),
            text(&institution, "institution_name"),
            text(&institution, "home_url"),
        ]);
    }
    table
}

pub fn institution_matches(matches: &[InstitutionMatch]) -> Table {
    let mut table = Table::new(&["id", "name", "home_url", "matched_field"]);
    for found in matches {
        table.push(vec![
            found.institution_id.clone(),
            found.institution_name.clone(),
            text(&found.node, "home_url"),
            found.matched_field.clone(),
        ]);
    }
    table
}

/// Lists every field of an `InstitutionDetail` except the login keys, which `fields` shows.
/// Nested elements such as `address` become `address.city`.
pub fn institution_detail(root: &XmlNode) -> Table {
    let mut table = Table::new(&["field", "value"]);
    push_fields(&mut table, root, "");
    table
}

fn push_fields(table: &mut Table, node: &XmlNode, prefix: &str) {
    for child in node.children() {
        if prefix.is_empty() && child.key() == "keys" {
            continue;
        }
        let name = format!("{prefix}{}", child.key());
        match child.text() {
            Some(value) if child.is_empty() => table.push(vec![name, value.to_owned()]),
            _ => push_fields(table, &child, &format!("{name}.")),
        }
    }
}

pub fn credential_fields(fields: &[CredentialField]) -> Table {
    let mut table = Table::new(&["order", "name", "masked", "instructions"]);
    for field in fields {
        table.push(vec![
            field.display_order.to_string(),
            field.name.clone(),
            if field.mask { "yes" } else { "no" }.to_owned(),
            field
                .instructions
                .clone()
                .or_else(|| field.description.clone())
                .unwrap_or_default(),
        ]);
    }
    table
}

pub fn accounts(root: &XmlNode) -> Table {
    let mut table = Table::new(&[
        "id",
        "kind",
        "nickname",
        "number",
        "type",
        "balance",
        "currency",
        "institution_id",
        "login_id",
    ]);
    for account in root.children() {
        table.push(vec![
            text(&account, "account_id"),
            account_kind(account.name()),
            text(&account, "account_nickname"),
            text(&account, "account_number"),
            first_text(
                &account,
                &[
                    "banking_account_type",
                    "credit_account_type",
                    "loan_type",
                    "investment_account_type",
                    "rewards_account_type",
                ],
            ),
            first_text(&account, &["balance_amount", "current_balance"]),
            text(&account, "currency_code"),
            text(&account, "institution_id"),
            text(&account, "institution_login_id"),
        ]);
    }
    table
}

/// Returns `banking` for `BankingAccount`, and the element name in lower case for names
/// without the `Account` suffix.
fn account_kind(element: &str) -> String {
    element
        .strip_suffix("Account")
        .unwrap_or(element)
        .to_lowercase()
}

pub fn transactions(root: &XmlNode) -> Table {
    let mut table = Table::new(&["id", "posted_date", "description", "amount", "currency"]);
    for transaction in root.children() {
        let mut description = first_text(&transaction, &["payee_name", "description", "memo"]);
        if description.is_empty() {
            if let Some(common) = transaction
                .child("categorization")
                .and_then(|categorization| categorization.child("common"))
            {
                description = text(&common, "normalized_payee_name");
            }
        }
        table.push(vec![
            text(&transaction, "id"),
            text(&transaction, "posted_date"),
            description,
            first_text(&transaction, &["amount", "total_amount"]),
            text(&transaction, "currency_type"),
        ]);
    }
    table
}

pub fn positions(root: &XmlNode) -> Table {
    let mut table = Table::new(&[
        "id",
        "ticker",
        "hold_type",
        "units",
        "unit_price",
        "market_value",
        "currency",
    ]);
    for position in root.children_named("position") {
        let security = [
            "other_info",
            "stock_info",
            "mf_info",
            "option_info",
            "debt_info",
        ]
        .iter()
        .find_map(|field| position.child(field));
        let ticker = security
            .map(|security| first_text(&security, &["ticker", "name"]))
            .unwrap_or_default();
        table.push(vec![
            text(&position, "investment_position_id"),
            ticker,
            text(&position, "hold_type"),
            text(&position, "units"),
            text(&position, "unit_price"),
            text(&position, "market_value"),
            first_text(&position, &["currency_code", "currency_type"]),
        ]);
    }
    table
}

pub fn files(root: &XmlNode) -> Table {
    let mut table = Table::new(&["name", "size", "modified"]);
    for file in root.children_named("file") {
        table.push(vec![
            text(&file, "name"),
            text(&file, "size"),
            text(&file, "modified_ts"),
        ]);
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_read_kind_type_and_balance() {
        let root = XmlNode::parse(
            "<AccountList>\
               <CreditAccount><accountId>7</accountId><accountNumber>4100007777</accountNumber>\
                 <accountNickname>My Visa</accountNickname><currencyCode>USD</currencyCode>\
                 <institutionLoginId>82</institutionLoginId>\
                 <creditAccountType>CREDITCARD</creditAccountType>\
                 <currentBalance>-811.52</currentBalance></CreditAccount>\
               <BankingAccount><accountId>8</accountId><balanceAmount>811.520</balanceAmount>\
                 <bankingAccountType>CHECKING</bankingAccountType></BankingAccount>\
             </AccountList>",
        )
        .unwrap();

        let table = accounts(&root);

        assert_eq!(
            table.rows[0],
            [
                "7",
                "credit",
                "My Visa",
                "4100007777",
                "CREDITCARD",
                "-811.52",
                "USD",
                "",
                "82"
            ]
        );
        assert_eq!(table.rows[1][1], "banking");
        assert_eq!(table.rows[1][5], "811.520");
    }

    #[test]
    fn detail_flattens_address_and_skips_keys() {
        let root = XmlNode::parse(
            "<InstitutionDetail><institutionId>100000</institutionId>\
               <address><country>USA</country></address>\
               <keys><key><name>Banking Userid</name></key></keys>\
             </InstitutionDetail>",
        )
        .unwrap();

        let table = institution_detail(&root);

        assert_eq!(
            table.rows,
            [["institution_id", "100000"], ["address.country", "USA"]]
        );
    }

    #[test]
    fn transaction_description_falls_back() {
        let root = XmlNode::parse(
            "<TransactionList>\
               <BankingTransaction><id>1</id><payeeName>Shop</payeeName>\
                 <postedDate>2026-12-01T00:00:00-08:00</postedDate><amount>-8.10</amount>\
                 <currencyType>USD</currencyType></BankingTransaction>\
               <InvestmentTransaction><id>2</id><description>IRA debit 222</description>\
                 <totalAmount>-8.1</totalAmount></InvestmentTransaction>\
             </TransactionList>",
        )
        .unwrap();

        let table = transactions(&root);

        assert_eq!(
            table.rows[0],
            ["1", "2026-12-01T00:00:00-08:00", "Shop", "-8.10", "USD"]
        );
        assert_eq!(table.rows[1][2], "IRA debit 222");
        assert_eq!(table.rows[1][3], "-8.1");
    }
}
