//! The `aggcat` binary, run as a subprocess against a sandbox on 127.0.0.1.
//!
//! One sandbox serves every test; each test acts for its own customer, so tests that add or
//! delete accounts do not disturb each other.

use std::fs;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use aggcat::sandbox::{Sandbox, SandboxHandle};
use aggcat::XmlNode;

const CCBANK: &str = "100000";

struct Fixture {
    sandbox: SandboxHandle,
    key_path: PathBuf,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let sandbox = Sandbox::builder()
            .institutions(300)
            .start()
            .expect("sandbox starts");
        let directory = std::env::temp_dir().join(format!("aggcat-cli-{}", std::process::id()));
        fs::create_dir_all(&directory).unwrap();
        let key_path = directory.join("app.key");
        fs::write(&key_path, &sandbox.application().private_key_pem).unwrap();
        Fixture { sandbox, key_path }
    })
}

/// The outcome of one run of the binary.
#[derive(Debug)]
struct Run {
    code: Option<i32>,
    /// Stdout decoded as UTF-8, with invalid bytes replaced.
    stdout: String,
    stdout_bytes: Vec<u8>,
    stderr: String,
}

impl Run {
    fn assert_success(&self) -> &Self {
        assert_eq!(
            self.code,
            Some(0),
            "stderr: {}\nstdout: {}",
            self.stderr,
            self.stdout
        );
        self
    }

    fn lines(&self) -> Vec<&str> {
        self.stdout.lines().collect()
    }

    /// Returns the TSV rows after the header, split into cells.
    fn tsv_rows(&self) -> Vec<Vec<&str>> {
        self.stdout
            .lines()
            .skip(1)
            .map(|line| line.split('\t').collect())
            .collect()
    }
}

/// Returns the binary with the sandbox's application in the `AGGCAT_*` variables, acting
/// for `customer`, with stdin closed (not a terminal).
fn aggcat(customer: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_aggcat"));
    set_sandbox_environment(&mut command, customer);
    command.stdin(Stdio::null());
    command
}

/// Replaces the environment of `command` with `PATH` and the `AGGCAT_*` variables of the
/// sandbox's application, acting for `customer`.
fn set_sandbox_environment(command: &mut Command, customer: &str) {
    let fixture = fixture();
    let application = fixture.sandbox.application();
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("AGGCAT_CONSUMER_KEY", &application.consumer_key)
        .env("AGGCAT_CONSUMER_SECRET", &application.consumer_secret)
        .env(
            "AGGCAT_SAML_IDENTITY_PROVIDER_ID",
            &application.saml_identity_provider_id,
        )
        .env("AGGCAT_CUSTOMER_ID", customer)
        .env("AGGCAT_PRIVATE_KEY", &fixture.key_path)
        .env("AGGCAT_BASE_URL", fixture.sandbox.base_url())
        .env("AGGCAT_SAML_URL", fixture.sandbox.saml_url());
}

fn run(command: &mut Command, args: &[&str]) -> Run {
    let output = command.args(args).output().expect("the binary runs");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stdout_bytes: output.stdout,
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}

fn run_as(customer: &str, args: &[&str]) -> Run {
    run(&mut aggcat(customer), args)
}

/// Links CCBank's `direct` login for `customer` through the library and returns the
/// `AccountList` it created.
fn link_direct(customer: &str) -> XmlNode {
    let client = fixture().sandbox.client(customer).unwrap();
    let response = client
        .discover_and_add_accounts(
            CCBANK,
            &[
                ("Banking Userid", "direct"),
                ("Banking Password", "anyvalue"),
            ],
        )
        .unwrap();
    response.xml().expect("an AccountList").clone()
}

fn first_account_of_kind(accounts: &XmlNode, element: &str) -> XmlNode {
    accounts
        .children()
        .find(|account| account.name() == element)
        .unwrap_or_else(|| panic!("no {element}"))
}

/// Splits a printed command line into words; the tests' command lines need no unquoting.
fn words(line: &str) -> Vec<String> {
    line.split_whitespace().map(str::to_owned).collect()
}

/// Returns the line after `Answer with:`, trimmed.
fn answer_line(stdout: &str) -> &str {
    let mut lines = stdout.lines();
    lines
        .find(|line| line.starts_with("Answer with:"))
        .expect("an `Answer with:` line");
    lines.next().expect("a command line").trim()
}

/// Runs a printed answer command with `answers` in place of the placeholders.
fn run_printed(customer: &str, line: &str, answers: &[&str]) -> Run {
    let mut words = words(line);
    let program = words.remove(0);
    assert_eq!(program, env!("CARGO_BIN_EXE_aggcat"));
    let placeholders = words.iter().filter(|w| w.starts_with("ANSWER")).count();
    assert_eq!(placeholders, answers.len(), "{line}");
    let mut answers = answers.iter();
    let args: Vec<String> = words
        .into_iter()
        .map(|word| match word.starts_with("ANSWER") {
            true => answers.next().unwrap().to_string(),
            false => word,
        })
        .collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run_as(customer, &args)
}

// Institutions in every output format.

#[test]
fn institutions_table_aligns_columns() {
    let result = run_as("cli-institutions-table", &["institutions"]);

    result.assert_success();
    let lines = result.lines();
    assert!(lines[0].starts_with("ID "), "{}", lines[0]);
    assert!(lines[0].contains("NAME"));
    assert!(lines[0].ends_with("HOME URL"));
    assert_eq!(lines.len(), 301, "a header and 300 institutions");
    let name_column = lines[0].find("NAME").unwrap();
    let ccbank = lines
        .iter()
        .find(|line| line.starts_with("100000 "))
        .unwrap();
    assert!(ccbank[name_column..].starts_with("CCBank"), "{ccbank}");
}

#[test]
fn institutions_tsv_has_header_and_rows() {
    let result = run_as("cli-institutions-tsv", &["--format", "tsv", "institutions"]);

    result.assert_success();
    assert_eq!(result.lines()[0], "id\tname\thome_url");
    let rows = result.tsv_rows();
    assert_eq!(rows.len(), 300);
    assert!(rows.iter().all(|row| row.len() == 3));
    assert!(rows
        .iter()
        .any(|row| row[..] == ["13278", "JP Morgan Chase Bank", "https://www.chase.com/"]));
}

#[test]
fn institutions_csv_has_header_and_rows() {
    let result = run_as("cli-institutions-csv", &["institutions", "--format", "csv"]);

    result.assert_success();
    let lines = result.lines();
    assert_eq!(lines[0], "id,name,home_url");
    assert!(lines.contains(&"13278,JP Morgan Chase Bank,https://www.chase.com/"));
    assert_eq!(lines.len(), 301);
}

#[test]
fn institutions_xml_is_body_as_received() {
    let client = fixture().sandbox.client("cli-institutions-xml").unwrap();
    let body = client.get_institutions().unwrap().to_xml().to_owned();

    let result = run_as("cli-institutions-xml", &["--format", "xml", "institutions"]);

    result.assert_success();
    assert_eq!(result.stdout, body);
}

#[test]
fn institutions_search_ranks_names_first() {
    let result = run_as(
        "cli-search",
        &["--format", "tsv", "institutions", "--search", "Chase"],
    );

    result.assert_success();
    assert_eq!(result.lines()[0], "id\tname\thome_url\tmatched_field");
    let rows = result.tsv_rows();
    let ids: Vec<&str> = rows.iter().map(|row| row[0]).collect();
    for id in ["13278", "14554", "14910", "13718", "14484", "14777"] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    let first_other = rows
        .iter()
        .position(|row| row[3] != "institution_name")
        .expect("a match outside the name");
    assert!(rows[first_other..]
        .iter()
        .all(|row| row[3] != "institution_name"));
}

#[test]
fn institutions_search_xml_holds_matches() {
    let result = run_as(
        "cli-search-xml",
        &["--format", "xml", "institutions", "--search", "fox chase"],
    );

    result.assert_success();
    let root = XmlNode::parse(&result.stdout).unwrap();
    assert_eq!(root.name(), "Institutions");
    let ids: Vec<String> = root
        .children_named("institution")
        .map(|i| i.field("institution_id").unwrap().to_owned())
        .collect();
    assert_eq!(ids, ["13718", "14777"]);
}

#[test]
fn institutions_empty_search_is_usage_error() {
    let result = run_as("cli-search-empty", &["institutions", "--search", " "]);

    assert_eq!(result.code, Some(2), "{result:?}");
}

// Institution detail and fields.

#[test]
fn institution_detail_lists_fields() {
    let result = run_as(
        "cli-institution",
        &["--format", "tsv", "institution", CCBANK],
    );

    result.assert_success();
    let rows = result.tsv_rows();
    assert!(rows.contains(&vec!["institution_id", CCBANK]), "{rows:?}");
    assert!(
        rows.iter().any(|row| row[0] == "address.country"),
        "{rows:?}"
    );
    assert!(!rows.iter().any(|row| row[0].starts_with("keys")));
}

#[test]
fn institution_xml_is_body_as_received() {
    let client = fixture().sandbox.client("cli-institution-xml").unwrap();
    let body = client
        .get_institution_details(CCBANK)
        .unwrap()
        .to_xml()
        .to_owned();

    let result = run_as(
        "cli-institution-xml",
        &["institution", CCBANK, "--format=xml"],
    );

    result.assert_success();
    assert_eq!(result.stdout, body);
}

#[test]
fn fields_lists_display_order() {
    let result = run_as("cli-fields", &["--format", "tsv", "fields", CCBANK]);

    result.assert_success();
    assert_eq!(result.lines()[0], "order\tname\tmasked\tinstructions");
    let rows = result.tsv_rows();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0][..3], ["1", "Banking Userid", "no"]);
    assert_eq!(rows[1][..3], ["2", "Banking Password", "yes"]);
}

#[test]
fn unknown_institution_is_api_error() {
    let result = run_as("cli-unknown", &["institution", "999999"]);

    assert_eq!(result.code, Some(3), "{result:?}");
    assert!(result.stderr.starts_with("aggcat: "), "{}", result.stderr);
    assert!(result.stderr.contains("404"), "{}", result.stderr);
    assert!(
        result.stderr.contains("gw-"),
        "correlation id: {}",
        result.stderr
    );
    assert!(result.stdout.is_empty());
}

// Discovery and challenges.

#[test]
fn discover_direct_prints_accounts() {
    let result = run_as(
        "cli-discover",
        &[
            "--format",
            "tsv",
            "discover",
            CCBANK,
            "--field",
            "Banking Userid=direct",
            "--field",
            "Banking Password=anyvalue",
        ],
    );

    result.assert_success();
    assert!(result.lines()[0].starts_with("id\tkind\tnickname\tnumber\t"));
    assert_eq!(result.tsv_rows().len(), 10);
}

#[test]
fn discover_missing_field_without_terminal() {
    let result = run_as(
        "cli-discover-missing",
        &["discover", CCBANK, "--field", "Banking Userid=direct"],
    );

    assert_eq!(result.code, Some(2), "{result:?}");
    assert!(
        result.stderr.contains("Banking Password"),
        "{}",
        result.stderr
    );
}

#[test]
fn discover_unknown_field_is_usage_error() {
    let result = run_as(
        "cli-discover-unknown",
        &["discover", CCBANK, "--field", "Userid=direct"],
    );

    assert_eq!(result.code, Some(2), "{result:?}");
    assert!(
        result.stderr.contains("Banking Userid"),
        "{}",
        result.stderr
    );
}

#[test]
fn discover_repeated_field_is_usage_error() {
    let result = run_as(
        "cli-discover-repeated",
        &[
            "discover",
            CCBANK,
            "--field",
            "Banking Userid=direct",
            "--field",
            "Banking Userid=tfa_text",
            "--field",
            "Banking Password=anyvalue",
        ],
    );

    assert_eq!(result.code, Some(2), "{result:?}");
    assert!(
        result.stderr.contains("more than once"),
        "{}",
        result.stderr
    );
}

#[test]
fn text_challenge_answer_command_works() {
    let customer = "cli-challenge-text";
    let result = run_as(
        customer,
        &[
            "discover",
            CCBANK,
            "--field",
            "Banking Userid=tfa_text",
            "--field",
            "Banking Password=go",
        ],
    );

    result.assert_success();
    assert!(result.stdout.contains("Question 1: "), "{}", result.stdout);
    let line = answer_line(&result.stdout);
    assert!(
        line.contains(&format!(" answer {CCBANK} --session ")),
        "{line}"
    );

    let answered = run_printed(customer, line, &["Rex"]);

    answered.assert_success();
    assert!(
        answered.lines()[0].starts_with("ID "),
        "{}",
        answered.stdout
    );
    assert_eq!(answered.lines().len(), 11, "a header and ten accounts");
}

#[test]
fn choice_challenge_lists_values() {
    let customer = "cli-challenge-choice";
    let result = run_as(
        customer,
        &[
            "discover",
            CCBANK,
            "--field",
            "Banking Userid=tfa_choice",
            "--field",
            "Banking Password=go",
        ],
    );

    result.assert_success();
    assert!(result.stdout.contains("Fail: fail"), "{}", result.stdout);
    assert!(result.stdout.contains("Washington: Washington"));

    let answered = run_printed(customer, answer_line(&result.stdout), &["Jefferson"]);

    answered.assert_success();
}

#[test]
fn two_question_challenge_takes_two_answers() {
    let customer = "cli-challenge-two";
    let result = run_as(
        customer,
        &[
            "discover",
            CCBANK,
            "--field",
            "Banking Userid=tfa_text2",
            "--field",
            "Banking Password=go",
        ],
    );

    result.assert_success();
    assert!(result.stdout.contains("Question 2: "), "{}", result.stdout);
    let line = answer_line(&result.stdout);
    assert!(line.ends_with("-- ANSWER1 ANSWER2"), "{line}");

    run_printed(customer, line, &["Black Cat", "Meow"]).assert_success();
}

#[test]
fn image_challenge_saves_image() {
    let result = run_as(
        "cli-challenge-image",
        &[
            "discover",
            CCBANK,
            "--field",
            "Banking Userid=tfa_image",
            "--field",
            "Banking Password=go",
        ],
    );

    result.assert_success();
    let image_line = result
        .lines()
        .into_iter()
        .find(|line| line.trim_start().starts_with("Image: "))
        .expect("an image line");
    let path = image_line.trim_start().trim_start_matches("Image: ");
    let bytes = fs::read(path).unwrap();
    assert_eq!(&bytes[..2], [0xFF, 0xD8], "a JPEG");
}

#[test]
fn challenge_tsv_carries_session_and_node() {
    let result = run_as(
        "cli-challenge-tsv",
        &[
            "--format",
            "tsv",
            "discover",
            CCBANK,
            "--field",
            "Banking Userid=tfa_choice",
            "--field",
            "Banking Password=go",
        ],
    );

    result.assert_success();
    assert_eq!(
        result.lines()[0],
        "session_id\tnode_id\tquestion\ttext\tchoice_text\tchoice_value\timage_file"
    );
    let rows = result.tsv_rows();
    assert_eq!(rows.len(), 5, "one row per choice");
    assert!(rows.iter().any(|row| row[4] == "Fail" && row[5] == "fail"));
    assert!(result.stderr.contains("--session "), "{}", result.stderr);
}

/// Runs the binary under `script` (util-linux), which gives it a pseudo-terminal as stdin,
/// stdout and stderr, and types each reply once its prompt appears. Returns the terminal
/// output, or `None` when `script` is missing and `AGGCAT_REQUIRE_TOOLS` is not `1`.
fn run_on_terminal(customer: &str, args: &[&str], replies: &[(&str, &str)]) -> Option<String> {
    let mut line = env!("CARGO_BIN_EXE_aggcat").to_owned();
    for arg in args {
        line.push_str(&format!(" '{}'", arg.replace('\'', "'\\''")));
    }
    let mut command = Command::new("script");
    set_sandbox_environment(&mut command, customer);
    command
        .args(["-qec", &line, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped());
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(error) if std::env::var("AGGCAT_REQUIRE_TOOLS").as_deref() != Ok("1") => {
            eprintln!("skipping: `script` (util-linux) is not available: {error}");
            return None;
        }
        Err(error) => panic!("`script` is required: {error}"),
    };

    let mut stdout = child.stdout.take().unwrap();
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut buffer = [0u8; 4096];
        while let Ok(count) = std::io::Read::read(&mut stdout, &mut buffer) {
            if count == 0 || sender.send(buffer[..count].to_vec()).is_err() {
                break;
            }
        }
    });

    let limit = std::time::Duration::from_secs(30);
    let mut output = Vec::new();
    let mut stdin = child.stdin.take().unwrap();
    for (prompt, reply) in replies {
        while !String::from_utf8_lossy(&output).contains(prompt) {
            let chunk = receiver
                .recv_timeout(limit)
                .unwrap_or_else(|_| panic!("no prompt {prompt:?} within 30 s: {output:?}"));
            output.extend(chunk);
        }
        // The prompt is printed just before echo goes off, so wait for `stty -echo` to run.
        std::thread::sleep(std::time::Duration::from_millis(500));
        std::io::Write::write_all(&mut stdin, format!("{reply}\n").as_bytes()).unwrap();
    }
    while let Ok(chunk) = receiver.recv_timeout(limit) {
        output.extend(chunk);
    }
    drop(stdin);
    let status = child.wait().unwrap();
    let output = String::from_utf8_lossy(&output).into_owned();
    assert!(status.success(), "{status}: {output}");
    Some(output)
}

#[test]
fn discover_prompts_on_terminal_without_echo() {
    let replies = [
        ("Banking Userid", "direct"),
        ("Banking Password", "hunter2-SECRET"),
    ];
    let args = ["--format", "tsv", "discover", CCBANK];
    let Some(output) = run_on_terminal("cli-prompt", &args, &replies) else {
        return;
    };

    assert!(
        output.contains("Banking Userid - Enter banking userid (demo): direct"),
        "{output}"
    );
    assert!(output.contains("Banking Password - Enter banking password (go): "));
    assert!(!output.contains("hunter2-SECRET"), "echoed: {output}");
    assert!(output.contains("id\tkind\tnickname"), "{output}");
}

#[test]
fn institutions_progress_on_terminal() {
    let args = ["--format", "tsv", "institutions"];
    let Some(output) = run_on_terminal("cli-progress", &args, &[]) else {
        return;
    };

    assert!(
        output.contains("downloading the institution list..."),
        "{output}"
    );
    assert!(output.contains(" KiB"), "no byte progress: {output}");
    assert!(output.contains(" 300 institutions"), "{output}");
}

// Accounts.

#[test]
fn accounts_tsv_prints_amounts_as_received() {
    let customer = "cli-accounts-tsv";
    let linked = link_direct(customer);

    let result = run_as(customer, &["accounts", "--format", "tsv"]);

    result.assert_success();
    assert_eq!(
        result.lines()[0],
        "id\tkind\tnickname\tnumber\ttype\tbalance\tcurrency\tinstitution_id\tlogin_id"
    );
    let rows = result.tsv_rows();
    assert_eq!(rows.len(), 10);
    let checking = first_account_of_kind(&linked, "BankingAccount");
    let id = checking.field("account_id").unwrap();
    let row = rows.iter().find(|row| row[0] == id).unwrap();
    assert_eq!(row[1], "banking");
    assert_eq!(row[3], checking.field("account_number").unwrap());
    assert_eq!(row[5], checking.field("balance_amount").unwrap());
    assert_eq!(row[6], checking.field("currency_code").unwrap());
    let credit = first_account_of_kind(&linked, "CreditAccount");
    let credit_row = rows
        .iter()
        .find(|row| row[0] == credit.field("account_id").unwrap())
        .unwrap();
    assert_eq!(credit_row[5], credit.field("current_balance").unwrap());
}

#[test]
fn accounts_csv_has_header() {
    let customer = "cli-accounts-csv";
    link_direct(customer);

    let result = run_as(customer, &["--format", "csv", "accounts"]);

    result.assert_success();
    assert!(result.lines()[0].starts_with("id,kind,nickname,number,type,balance,currency"));
    assert_eq!(result.lines().len(), 11);
}

#[test]
fn accounts_xml_is_body_as_received() {
    let customer = "cli-accounts-xml";
    link_direct(customer);
    let client = fixture().sandbox.client(customer).unwrap();
    let body = client.get_customer_accounts().unwrap().to_xml().to_owned();

    let result = run_as(customer, &["--format", "xml", "accounts"]);

    result.assert_success();
    assert_eq!(result.stdout, body);
}

#[test]
fn login_accounts_lists_login() {
    let customer = "cli-login-accounts";
    let linked = link_direct(customer);
    let login_id = linked
        .get(0)
        .unwrap()
        .field("institution_login_id")
        .unwrap()
        .to_owned();

    let result = run_as(customer, &["--format", "tsv", "login-accounts", &login_id]);

    result.assert_success();
    let rows = result.tsv_rows();
    assert_eq!(rows.len(), 10);
    assert!(rows.iter().all(|row| row[8] == login_id));
}

#[test]
fn account_shows_one_account() {
    let customer = "cli-account";
    let linked = link_direct(customer);
    let id = linked
        .get(0)
        .unwrap()
        .field("account_id")
        .unwrap()
        .to_owned();

    let result = run_as(customer, &["--format", "tsv", "account", &id]);

    result.assert_success();
    let rows = result.tsv_rows();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][0], id);
}

#[test]
fn transactions_lists_rows() {
    let customer = "cli-transactions";
    let linked = link_direct(customer);
    let checking = first_account_of_kind(&linked, "BankingAccount");
    let id = checking.field("account_id").unwrap();
    let from = (time::OffsetDateTime::now_utc().date() - time::Duration::days(90)).to_string();

    let result = run_as(
        customer,
        &["--format", "tsv", "transactions", id, "--from", &from],
    );

    result.assert_success();
    assert_eq!(
        result.lines()[0],
        "id\tposted_date\tdescription\tamount\tcurrency"
    );
    let rows = result.tsv_rows();
    assert!(!rows.is_empty(), "CCBank synthesises activity");
    assert!(rows
        .iter()
        .all(|row| !row[0].is_empty() && !row[3].is_empty()));
}

#[test]
fn transactions_invalid_date_is_usage_error() {
    let customer = "cli-transactions-date";
    let linked = link_direct(customer);
    let id = linked
        .get(0)
        .unwrap()
        .field("account_id")
        .unwrap()
        .to_owned();

    let result = run_as(customer, &["transactions", &id, "--from", "2026-02-30"]);

    assert_eq!(result.code, Some(2), "{result:?}");
    assert!(
        result.stderr.contains("invalid --from"),
        "{}",
        result.stderr
    );
    let missing = run_as(customer, &["transactions", &id]);
    assert_eq!(missing.code, Some(2), "{missing:?}");
    assert!(missing.stderr.contains("--from"), "{}", missing.stderr);
}

#[test]
fn positions_prints_header() {
    let customer = "cli-positions";
    let linked = link_direct(customer);
    let investment = first_account_of_kind(&linked, "InvestmentAccount");

    let result = run_as(
        customer,
        &[
            "--format",
            "tsv",
            "positions",
            investment.field("account_id").unwrap(),
        ],
    );

    result.assert_success();
    assert_eq!(
        result.lines()[0],
        "id\tticker\thold_type\tunits\tunit_price\tmarket_value\tcurrency"
    );
}

#[test]
fn set_type_of_banking_account_is_api_error() {
    let customer = "cli-set-type";
    let linked = link_direct(customer);
    let checking = first_account_of_kind(&linked, "BankingAccount");

    let result = run_as(
        customer,
        &[
            "set-type",
            checking.field("account_id").unwrap(),
            "--category",
            "banking",
            "SAVINGS",
        ],
    );

    assert_eq!(result.code, Some(3), "{result:?}");
}

#[test]
fn update_login_refreshes() {
    let customer = "cli-update-login";
    let linked = link_direct(customer);
    let login_id = linked
        .get(0)
        .unwrap()
        .field("institution_login_id")
        .unwrap()
        .to_owned();

    let result = run_as(
        customer,
        &[
            "update-login",
            CCBANK,
            &login_id,
            "--field",
            "Banking Userid=direct",
            "--field",
            "Banking Password=anyvalue",
        ],
    );

    result.assert_success();
    assert_eq!(result.stdout, "login updated\n");
}

#[test]
fn update_login_challenge_answer_command_works() {
    let customer = "cli-update-challenge";
    let linked = link_direct(customer);
    let login_id = linked
        .get(0)
        .unwrap()
        .field("institution_login_id")
        .unwrap()
        .to_owned();

    let result = run_as(
        customer,
        &[
            "update-login",
            CCBANK,
            &login_id,
            "--field",
            "Banking Userid=tfa_text",
            "--field",
            "Banking Password=go",
        ],
    );

    result.assert_success();
    let line = answer_line(&result.stdout);
    assert!(
        line.contains(&format!(" answer-update {login_id} --session ")),
        "{line}"
    );

    run_printed(customer, line, &["Rex"]).assert_success();
}

#[test]
fn delete_account_removes_it() {
    let customer = "cli-delete-account";
    let linked = link_direct(customer);
    let id = linked
        .get(0)
        .unwrap()
        .field("account_id")
        .unwrap()
        .to_owned();

    let result = run_as(customer, &["delete-account", &id]);

    result.assert_success();
    assert_eq!(result.stdout, format!("deleted account {id}\n"));
    let remaining = run_as(customer, &["--format", "tsv", "accounts"]);
    assert_eq!(remaining.tsv_rows().len(), 9);
}

#[test]
fn delete_customer_removes_accounts() {
    let customer = "cli-delete-customer";
    link_direct(customer);

    let result = run_as(customer, &["delete-customer"]);

    result.assert_success();
    let remaining = run_as(customer, &["--format", "tsv", "accounts"]);
    remaining.assert_success();
    assert!(remaining.tsv_rows().is_empty(), "{}", remaining.stdout);
}

#[test]
fn customer_option_overrides_environment() {
    let customer = "cli-customer-option";
    link_direct(customer);

    let mut command = aggcat("cli-someone-else");
    command.env_remove("AGGCAT_CUSTOMER_ID");
    let result = run(
        &mut command,
        &["--format", "tsv", "accounts", "--customer", customer],
    );

    result.assert_success();
    assert_eq!(result.tsv_rows().len(), 10);
}

// Batch files.

#[test]
fn files_prints_header() {
    let result = run_as("cli-files", &["--format", "tsv", "files"]);

    result.assert_success();
    assert_eq!(result.lines()[0], "name\tsize\tmodified");
}

#[test]
fn file_and_delete_file_round_trip() {
    let customer = "cli-file";
    let listed = run_as(customer, &["--format", "tsv", "files"]);
    listed.assert_success();
    let rows = listed.tsv_rows();
    let Some(first) = rows.first() else {
        panic!("the sandbox lists no export file: {}", listed.stdout);
    };
    let name = first[0].to_owned();
    let output = std::env::temp_dir().join(format!("aggcat-cli-{}-file", std::process::id()));

    let whole = run_as(customer, &["file", &name]);
    let ranged = run_as(
        customer,
        &[
            "file",
            &name,
            "--range",
            "0-9",
            "--output",
            output.to_str().unwrap(),
        ],
    );

    whole.assert_success();
    ranged.assert_success();
    let client = fixture().sandbox.client(customer).unwrap();
    let data = client.get_file_data(&name, None).unwrap();
    assert_eq!(whole.stdout_bytes, data.body());
    assert_eq!(whole.stdout_bytes[..2], [0x1F, 0x8B], "a gzip file");
    assert!(ranged.stdout_bytes.is_empty());
    let part = fs::read(&output).unwrap();
    assert_eq!(part, whole.stdout_bytes[..10]);
    let deleted = run_as(customer, &["delete-file", &name]);
    deleted.assert_success();
    assert_eq!(deleted.stdout, format!("deleted file {name}\n"));
}

// Usage, configuration and transport failures.

#[test]
fn unknown_command_is_usage_error() {
    let result = run_as("cli-usage", &["balances"]);

    assert_eq!(result.code, Some(2), "{result:?}");
    assert!(
        result.stderr.contains("unknown command"),
        "{}",
        result.stderr
    );
    assert!(result.stdout.is_empty());
}

#[test]
fn missing_operand_is_usage_error() {
    let result = run_as("cli-usage-operand", &["account"]);

    assert_eq!(result.code, Some(2), "{result:?}");
    assert!(
        result.stderr.contains("aggcat account --help"),
        "{}",
        result.stderr
    );
}

#[test]
fn missing_variable_is_named() {
    let mut command = aggcat("cli-missing-variable");
    command.env_remove("AGGCAT_CONSUMER_SECRET");

    let result = run(&mut command, &["accounts"]);

    assert_eq!(result.code, Some(1), "{result:?}");
    assert!(
        result.stderr.contains("AGGCAT_CONSUMER_SECRET"),
        "{}",
        result.stderr
    );
    assert!(!result
        .stderr
        .contains(fixture().sandbox.application().consumer_key.as_str()));
}

#[test]
fn closed_port_is_transport_error() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let mut command = aggcat("cli-closed-port");
    command
        .env("AGGCAT_BASE_URL", format!("http://127.0.0.1:{port}/v1"))
        .env(
            "AGGCAT_SAML_URL",
            format!("http://127.0.0.1:{port}/oauth/v1/get_access_token_by_saml"),
        );

    let result = run(&mut command, &["accounts"]);

    assert_eq!(result.code, Some(4), "{result:?}");
    assert!(
        result.stderr.contains(&port.to_string()),
        "{}",
        result.stderr
    );
}

#[test]
fn wrong_consumer_secret_is_authentication_error() {
    let mut command = aggcat("cli-wrong-secret");
    command.env("AGGCAT_CONSUMER_SECRET", "not-the-secret");

    let result = run(&mut command, &["accounts"]);

    assert_eq!(result.code, Some(5), "{result:?}");
    assert!(
        !result.stderr.contains("not-the-secret"),
        "{}",
        result.stderr
    );
}

#[test]
fn help_documents_exit_status() {
    let result = run_as("cli-help", &["--help"]);

    result.assert_success();
    assert!(result.stdout.contains("Exit status:"));
    for code in ["0", "1", "2", "3", "4", "5"] {
        assert!(
            result
                .stdout
                .lines()
                .any(|line| line.starts_with(&format!("  {code}  "))),
            "exit status {code} undocumented"
        );
    }
}

#[test]
fn command_help_shows_options() {
    let result = run_as("cli-help-command", &["transactions", "--help"]);

    result.assert_success();
    assert!(result.stdout.contains("--from DATE"), "{}", result.stdout);
    assert!(result.stdout.contains("--to DATE"));
}

#[test]
fn version_prints_package_version() {
    let result = run_as("cli-version", &["--version"]);

    result.assert_success();
    assert_eq!(
        result.stdout,
        format!("aggcat {}\n", env!("CARGO_PKG_VERSION"))
    );
}

// The embedded sandbox.

/// Runs the binary with `--sandbox` and an empty environment.
fn run_sandboxed(args: &[&str]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_aggcat"));
    command.env_clear().arg("--sandbox").stdin(Stdio::null());
    run(&mut command, args)
}

#[test]
fn sandbox_option_needs_no_environment() {
    let result = run_sandboxed(&["--format", "tsv", "accounts"]);

    result.assert_success();
    let rows = result.tsv_rows();
    assert_eq!(rows.len(), 10, "{}", result.stdout);
    assert!(rows.iter().all(|row| row[7] == CCBANK));
    assert!(result.stderr.contains("`direct`"), "{}", result.stderr);
}

#[test]
fn sandbox_ids_work_in_next_invocation() {
    let listed = run_sandboxed(&["--format", "tsv", "accounts"]);
    listed.assert_success();
    let rows = listed.tsv_rows();
    let checking = rows.iter().find(|row| row[4] == "CHECKING").unwrap();
    let from = (time::OffsetDateTime::now_utc().date() - time::Duration::days(90)).to_string();

    let result = run_sandboxed(&[
        "--format",
        "tsv",
        "transactions",
        checking[0],
        "--from",
        &from,
    ]);

    result.assert_success();
    assert!(!result.tsv_rows().is_empty(), "{}", result.stdout);
}

#[test]
fn sandbox_search_finds_chase() {
    let result = run_sandboxed(&["institutions", "--search", "chase", "--format", "csv"]);

    result.assert_success();
    assert!(result
        .lines()
        .contains(&"13278,JP Morgan Chase Bank,https://www.chase.com/,institution_name"));
}
