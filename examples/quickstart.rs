//! The documented flow of the Python client, step by step, against an embedded sandbox.
//!
//! Run it with `cargo run --features sandbox --example quickstart`. It prints what each step
//! returned and exits with an error as soon as a step does not give what the documentation
//! promises.

use aggcat::sandbox::Sandbox;
use aggcat::{AggcatClient, AggcatResponse, XmlNode};
use anyhow::{bail, ensure, Context, Result};
use time::{Duration, OffsetDateTime};

const CCBANK: &str = "100000";

fn main() -> Result<()> {
    let sandbox = Sandbox::builder()
        .start()
        .context("failed to start the sandbox")?;
    println!("sandbox listening at {}", sandbox.base_url());
    let client = sandbox.client("quickstart-customer")?;

    list_institutions(&client)?;
    show_institution_details(&client)?;
    show_credential_fields(&client)?;

    let accounts = discover_direct(&client)?;
    answer_text_challenge(&client)?;
    answer_choice_challenge(&client)?;

    let login_id = list_customer_accounts(&client, accounts.len())?;
    list_login_accounts(&client, &login_id)?;
    let (banking_id, investment_id) = pick_accounts(&accounts)?;
    show_account(&client, &banking_id)?;
    list_transactions(&client, &banking_id)?;
    list_positions(&client, &investment_id)?;

    update_account_type(&client)?;
    update_login(&client, &login_id)?;
    delete_account(&client, &banking_id)?;
    delete_customer(&client)?;

    println!("\nevery step gave what the documentation promises");
    Ok(())
}

/// Prints a heading for one step of the walkthrough.
fn step(title: &str) {
    println!("\n== {title}");
}

/// Returns the objectified body of a response that must be XML.
fn document(response: &AggcatResponse) -> Result<&XmlNode> {
    response
        .xml()
        .with_context(|| format!("HTTP {} carried no XML document", response.status_code()))
}

fn list_institutions(client: &AggcatClient) -> Result<()> {
    step("get_institutions");
    let response = client.get_institutions()?;
    let institutions = document(&response)?;
    println!("{} institutions", institutions.len());
    ensure!(institutions.len() == 18_716, "expected 18,716 institutions");

    let first = institutions.get(0).context("the list is empty")?;
    let first_name = first.field("institution_name").unwrap_or_default();
    ensure!(
        first_name == "Carolina Foothills FCU Credit Card",
        "unexpected first institution {first_name:?}"
    );

    println!("\ninstitutions whose name contains \"chase\":");
    println!("{:>8}  name", "id");
    let mut matches = 0;
    for institution in institutions.children() {
        let name = institution.field("institution_name").unwrap_or_default();
        if name.to_lowercase().contains("chase") {
            let id = institution.field("institution_id").unwrap_or_default();
            println!("{id:>8}  {name}");
            matches += 1;
        }
    }
    ensure!(
        matches >= 6,
        "expected the documented Chase institutions, found {matches}"
    );
    Ok(())
}

fn show_institution_details(client: &AggcatClient) -> Result<()> {
    step("get_institution_details 13278");
    let response = client.get_institution_details("13278")?;
    let detail = document(&response)?;
    let name = detail.field("institution_name").unwrap_or_default();
    let home_url = detail.field("home_url").unwrap_or_default();
    let currency = detail.field("currency_code").unwrap_or_default();
    println!("name:     {name}\nhome URL: {home_url}\ncurrency: {currency}");
    if let Some(address) = detail.child("address") {
        let city = address.field("city").unwrap_or_default();
        let state = address.field("state").unwrap_or_default();
        println!(
            "address:  {}, {city} {state}",
            address.field("address1").unwrap_or_default()
        );
    }
    ensure!(name == "JP Morgan Chase Bank", "unexpected name {name:?}");
    ensure!(
        home_url == "https://www.chase.com/",
        "unexpected home URL {home_url:?}"
    );
    ensure!(currency == "USD", "unexpected currency {currency:?}");
    Ok(())
}

fn show_credential_fields(client: &AggcatClient) -> Result<()> {
    step("get_credential_fields 100000");
    let fields = client.get_credential_fields(CCBANK)?;
    println!(
        "{:>5}  {:<18} {:<6} instructions",
        "order", "name", "masked"
    );
    for field in &fields {
        println!(
            "{:>5}  {:<18} {:<6} {}",
            field.display_order,
            field.name,
            field.mask,
            field.instructions.as_deref().unwrap_or("")
        );
    }
    let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
    ensure!(
        names == ["Banking Userid", "Banking Password"],
        "unexpected fields {names:?}"
    );
    Ok(())
}

/// Returns the type of an account, whichever element of its kind carries it.
fn account_type(account: &XmlNode) -> &str {
    [
        "banking_account_type",
        "credit_account_type",
        "loan_type",
        "investment_account_type",
        "rewards_account_type",
    ]
    .iter()
    .find_map(|field| account.field(field))
    .unwrap_or("-")
}

/// Returns the balance of an account: `balanceAmount`, or `currentBalance` for credit
/// accounts.
fn balance(account: &XmlNode) -> &str {
    account
        .field("balance_amount")
        .or_else(|| account.field("current_balance"))
        .unwrap_or("-")
}

fn print_accounts(accounts: &XmlNode) {
    println!(
        "{:<14} {:<20} {:<18} {:<13} {:>10}",
        "id", "nickname", "kind", "type", "balance"
    );
    for account in accounts.children() {
        println!(
            "{:<14} {:<20} {:<18} {:<13} {:>10}",
            account.field("account_id").unwrap_or("-"),
            account.field("account_nickname").unwrap_or("-"),
            account.name(),
            account_type(&account),
            balance(&account)
        );
    }
}

fn discover_direct(client: &AggcatClient) -> Result<XmlNode> {
    step("discover_and_add_accounts 100000 with Banking Userid = direct");
    let response = client.discover_and_add_accounts(
        CCBANK,
        &[
            ("Banking Userid", "direct"),
            ("Banking Password", "anyvalue"),
        ],
    )?;
    ensure!(
        response.status_code() == 201,
        "expected 201, got {}",
        response.status_code()
    );
    let accounts = document(&response)?.clone();
    print_accounts(&accounts);
    ensure!(
        accounts.len() == 10,
        "expected 10 accounts, got {}",
        accounts.len()
    );
    Ok(accounts)
}

fn answer_text_challenge(client: &AggcatClient) -> Result<()> {
    step("discover_and_add_accounts with Banking Userid = tfa_text");
    let response = client.discover_and_add_accounts(
        CCBANK,
        &[
            ("Banking Userid", "tfa_text"),
            ("Banking Password", "anyvalue"),
        ],
    )?;
    let challenge = response.challenge()?.context("expected a challenge")?;
    for question in &challenge.questions {
        println!("question: {}", question.text);
    }
    ensure!(challenge.questions.len() == 1, "expected one question");

    println!("answering \"Rex\"");
    let answered =
        client.confirm_challenge(CCBANK, &challenge.session_id, &challenge.node_id, &["Rex"])?;
    ensure!(
        answered.status_code() == 201,
        "expected 201, got {}",
        answered.status_code()
    );
    println!("accepted: {} accounts", document(&answered)?.len());
    Ok(())
}

fn answer_choice_challenge(client: &AggcatClient) -> Result<()> {
    step("discover_and_add_accounts with Banking Userid = tfa_choice");
    let response = client.discover_and_add_accounts(
        CCBANK,
        &[
            ("Banking Userid", "tfa_choice"),
            ("Banking Password", "anyvalue"),
        ],
    )?;
    let challenge = response.challenge()?.context("expected a challenge")?;
    let question = challenge.questions.first().context("no question")?;
    println!("question: {}", question.text);
    for choice in &question.choices {
        println!(
            "  choice {:<12} (answer with {:?})",
            choice.text, choice.value
        );
    }
    let jefferson = question
        .choices
        .iter()
        .find(|choice| choice.text == "Jefferson")
        .context("the choice Jefferson is missing")?;

    println!("answering {:?}", jefferson.value);
    let answered = client.confirm_challenge(
        CCBANK,
        &challenge.session_id,
        &challenge.node_id,
        &[jefferson.value.as_str()],
    )?;
    ensure!(
        answered.status_code() == 201,
        "expected 201, got {}",
        answered.status_code()
    );
    println!("accepted: {} accounts", document(&answered)?.len());
    Ok(())
}

fn list_customer_accounts(client: &AggcatClient, per_login: usize) -> Result<String> {
    step("get_customer_accounts");
    let response = client.get_customer_accounts()?;
    let accounts = document(&response)?;
    println!("{} accounts over three logins", accounts.len());
    ensure!(
        accounts.len() == 3 * per_login,
        "expected {} accounts",
        3 * per_login
    );
    let first = accounts.get(0).context("no accounts")?;
    let login_id = first
        .field("institution_login_id")
        .context("the account has no institutionLoginId")?;
    Ok(login_id.to_string())
}

fn list_login_accounts(client: &AggcatClient, login_id: &str) -> Result<()> {
    step(&format!("get_login_accounts {login_id}"));
    let response = client.get_login_accounts(login_id)?;
    let accounts = document(&response)?;
    print_accounts(accounts);
    ensure!(accounts.len() == 10, "expected 10 accounts for one login");
    Ok(())
}

/// Picks the checking account and the first investment account of a discovery.
fn pick_accounts(accounts: &XmlNode) -> Result<(String, String)> {
    let checking = accounts
        .children()
        .find(|account| account.field("banking_account_type") == Some("CHECKING"))
        .context("no checking account")?;
    let investment = accounts
        .children()
        .find(|account| account.name() == "InvestmentAccount")
        .context("no investment account")?;
    let id = |account: &XmlNode| account.field("account_id").map(str::to_string);
    Ok((
        id(&checking).context("no account id")?,
        id(&investment).context("no account id")?,
    ))
}

fn show_account(client: &AggcatClient, account_id: &str) -> Result<()> {
    step(&format!("get_account {account_id}"));
    let response = client.get_account(account_id)?;
    let accounts = document(&response)?;
    print_accounts(accounts);
    ensure!(accounts.len() == 1, "expected exactly one account");
    Ok(())
}

fn list_transactions(client: &AggcatClient, account_id: &str) -> Result<()> {
    let today = OffsetDateTime::now_utc().date();
    let start = today - Duration::days(30);
    step(&format!(
        "get_account_transactions {account_id} from {start} to {today}"
    ));
    let response = client.get_account_transactions(account_id, start, today)?;
    let transactions = document(&response)?;
    println!(
        "{:<14} {:<32} {:>10} currency",
        "id", "description", "amount"
    );
    for transaction in transactions.children().take(10) {
        let description = transaction
            .field("payee_name")
            .or_else(|| transaction.field("description"))
            .or_else(|| transaction.field("memo"))
            .unwrap_or("-");
        let amount = transaction
            .field("amount")
            .or_else(|| transaction.field("total_amount"))
            .unwrap_or("-");
        println!(
            "{:<14} {:<32} {:>10} {}",
            transaction.field("id").unwrap_or("-"),
            description,
            amount,
            transaction.field("currency_type").unwrap_or("-")
        );
    }
    if transactions.len() > 10 {
        println!("... {} transactions in all", transactions.len());
    }
    ensure!(
        !transactions.is_empty(),
        "expected transactions in the last 30 days"
    );
    Ok(())
}

fn list_positions(client: &AggcatClient, account_id: &str) -> Result<()> {
    step(&format!("get_investment_positions {account_id}"));
    let response = client.get_investment_positions(account_id)?;
    let positions = document(&response)?;
    println!(
        "{:<8} {:<8} {:>10} {:>12}",
        "ticker", "type", "units", "market value"
    );
    for position in positions.children() {
        let ticker = [
            "other_info",
            "stock_info",
            "mf_info",
            "debt_info",
            "option_info",
        ]
        .iter()
        .find_map(|info| position.child(info))
        .and_then(|info| info.field("ticker").map(str::to_string))
        .unwrap_or_else(|| "-".to_string());
        println!(
            "{:<8} {:<8} {:>10} {:>12}",
            ticker,
            position.field("hold_type").unwrap_or("-"),
            position.field("units").unwrap_or("-"),
            position.field("market_value").unwrap_or("-")
        );
    }
    ensure!(
        positions.name() == "InvestmentPositions",
        "expected InvestmentPositions"
    );
    Ok(())
}

fn update_account_type(client: &AggcatClient) -> Result<()> {
    step("update_account_type of an unclassified account to banking/checking");
    let response = client.discover_and_add_accounts(
        CCBANK,
        &[
            ("Banking Userid", "other_account"),
            ("Banking Password", "anyvalue"),
        ],
    )?;
    let accounts = document(&response)?;
    let other = accounts
        .children()
        .find(|account| account.name() == "OtherAccount")
        .context("the login other_account gave no OtherAccount")?;
    let account_id = other.field("account_id").context("no account id")?;
    println!("account {account_id} is an OtherAccount");

    let updated = client.update_account_type(account_id, Some("banking"), "checking")?;
    ensure!(
        updated.status_code() == 200,
        "expected 200, got {}",
        updated.status_code()
    );

    let response = client.get_account(account_id)?;
    let account = document(&response)?.get(0).context("account missing")?;
    println!(
        "account {account_id} is now a {} of type {}",
        account.name(),
        account_type(&account)
    );
    ensure!(
        account.name() == "BankingAccount",
        "the account was not re-typed"
    );
    Ok(())
}

fn update_login(client: &AggcatClient, login_id: &str) -> Result<()> {
    step(&format!("update_institution_login {login_id} with refresh"));
    let response = client.update_institution_login(
        CCBANK,
        login_id,
        true,
        &[
            ("Banking Userid", "direct"),
            ("Banking Password", "anyvalue"),
        ],
    )?;
    println!(
        "HTTP {}, {} body bytes",
        response.status_code(),
        response.body().len()
    );
    ensure!(response.status_code() == 200, "expected 200");
    ensure!(response.body().is_empty(), "expected an empty body");
    Ok(())
}

fn delete_account(client: &AggcatClient, account_id: &str) -> Result<()> {
    step(&format!("delete_account {account_id}"));
    let response = client.delete_account(account_id)?;
    println!("HTTP {}", response.status_code());
    ensure!(response.status_code() == 200, "expected 200");
    match client.get_account(account_id) {
        Err(error) if error.status() == Some(404) => {
            println!("the account is gone: {error}");
            Ok(())
        }
        Err(error) => Err(error.into()),
        Ok(response) => bail!(
            "the deleted account still returns HTTP {}",
            response.status_code()
        ),
    }
}

fn delete_customer(client: &AggcatClient) -> Result<()> {
    step("delete_customer");
    let response = client.delete_customer()?;
    println!("HTTP {}", response.status_code());
    ensure!(response.status_code() == 200, "expected 200");
    let accounts = client.get_customer_accounts()?;
    let remaining = document(&accounts)?.len();
    println!("{remaining} accounts remain");
    ensure!(
        remaining == 0,
        "expected no accounts after deleting the customer"
    );
    Ok(())
}
