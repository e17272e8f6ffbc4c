//! The subcommands: one client call each, printed in the chosen format.

use std::fs;
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use aggcat::search::search_institutions;
use aggcat::{AggcatClient, AggcatResponse, Challenge, IntoDate, XmlNode};

use crate::args::{self, Globals, Parsed, UsageError};
use crate::output::{shell_quote, Format, Table};
use crate::{prompt, views, Failure};

/// Whether the client's progress callback prints to stderr; only the institution download
/// sets it, and only when stderr is a terminal.
pub(crate) static SHOW_PROGRESS: AtomicBool = AtomicBool::new(false);

/// The client and settings that every subcommand uses.
pub struct Context {
    pub client: AggcatClient,
    pub globals: Globals,
    /// The program name as invoked, for the answer command lines.
    pub program: String,
}

impl Context {
    fn format(&self) -> Format {
        self.globals.format
    }
}

pub fn run(context: &Context, parsed: &Parsed, out: &mut dyn Write) -> Result<(), Failure> {
    let operand = |index: usize| parsed.operands[index].as_str();
    match parsed.spec.name {
        "institutions" => institutions(context, parsed.value("search"), out),
        "institution" => institution(context, operand(0), out),
        "fields" => fields(context, operand(0), out),
        "discover" => discover(context, operand(0), &parsed.values("field"), out),
        "answer" => answer(context, parsed, out),
        "accounts" => {
            let response = context.client.get_customer_accounts()?;
            print_response(context, &response, views::accounts, "no accounts", out)
        }
        "login-accounts" => {
            let response = context.client.get_login_accounts(operand(0))?;
            print_response(context, &response, views::accounts, "no accounts", out)
        }
        "account" => {
            let response = context.client.get_account(operand(0))?;
            print_response(context, &response, views::accounts, "no account", out)
        }
        "transactions" => transactions(context, parsed, out),
        "positions" => {
            let response = context.client.get_investment_positions(operand(0))?;
            print_response(context, &response, views::positions, "no positions", out)
        }
        "set-type" => {
            let (id, account_type) = (operand(0), operand(1));
            let response =
                context
                    .client
                    .update_account_type(id, parsed.value("category"), account_type)?;
            let done = format!("account {id} is now of type {account_type}");
            print_response(context, &response, views::accounts, &done, out)
        }
        "update-login" => update_login(context, parsed, out),
        "answer-update" => answer_update(context, parsed, out),
        "delete-account" => {
            let response = context.client.delete_account(operand(0))?;
            let done = format!("deleted account {}", operand(0));
            print_response(context, &response, views::accounts, &done, out)
        }
        "delete-customer" => {
            let response = context.client.delete_customer()?;
            print_response(
                context,
                &response,
                views::accounts,
                "deleted the customer",
                out,
            )
        }
        "files" => {
            let response = context.client.list_files()?;
            print_response(context, &response, views::files, "no files", out)
        }
        "file" => file(context, parsed, out),
        "delete-file" => {
            let response = context.client.delete_file(operand(0))?;
            let done = format!("deleted file {}", operand(0));
            print_response(context, &response, views::files, &done, out)
        }
        other => unreachable!("command {other} is in COMMANDS but has no handler"),
    }
}

/// Prints a response: its body in XML format, else `view` of its document, else (an empty
/// body) `empty_message` in table format only.
fn print_response(
    context: &Context,
    response: &AggcatResponse,
    view: fn(&XmlNode) -> Table,
    empty_message: &str,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    if context.format() == Format::Xml {
        out.write_all(response.body())?;
        return Ok(());
    }
    match response.xml() {
        Some(root) => view(root).write(context.format(), out)?,
        None if context.format() == Format::Table => writeln!(out, "{empty_message}")?,
        None => {}
    }
    Ok(())
}

fn institutions(
    context: &Context,
    search: Option<&str>,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    if search.is_some_and(|text| text.trim().is_empty()) {
        return Err(
            UsageError::new("--search needs a non-empty text", Some("institutions")).into(),
        );
    }

    let progress = io::stderr().is_terminal();
    if progress {
        eprint!("downloading the institution list...");
    }
    SHOW_PROGRESS.store(progress, Ordering::Relaxed);
    let response = context.client.get_institutions();
    SHOW_PROGRESS.store(false, Ordering::Relaxed);
    let response = match response {
        Ok(response) => response,
        Err(error) => {
            if progress {
                eprintln!();
            }
            return Err(error.into());
        }
    };
    let root = response.xml();
    if progress {
        let count = root.map_or(0, |root| root.children_named("institution").count());
        eprintln!(" {count} institutions");
    }

    let Some(text) = search else {
        return print_response(
            context,
            &response,
            views::institutions,
            "no institutions",
            out,
        );
    };
    let Some(root) = root else {
        return Err(Failure::Message(
            "the institution list is empty or not XML".to_owned(),
        ));
    };
    let matches = search_institutions(root, text);
    if context.format() == Format::Xml {
        write_institutions_document(root, matches.iter().map(|found| &found.node), out)?;
        return Ok(());
    }
    views::institution_matches(&matches).write(context.format(), out)?;
    Ok(())
}

/// Writes an `Institutions` document, in the namespace of `root`, holding `institutions`.
fn write_institutions_document<'a>(
    root: &XmlNode,
    institutions: impl Iterator<Item = &'a XmlNode>,
    out: &mut dyn Write,
) -> io::Result<()> {
    write!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
    )?;
    match root.namespace() {
        Some(namespace) => write!(
            out,
            "<Institutions xmlns=\"{}\">",
            escape_attribute(namespace)
        )?,
        None => write!(out, "<Institutions>")?,
    }
    for institution in institutions {
        out.write_all(institution.to_xml().as_bytes())?;
    }
    writeln!(out, "</Institutions>")
}

fn escape_attribute(value: &str) -> String {
    value
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('"', "&quot;")
}

fn institution(context: &Context, id: &str, out: &mut dyn Write) -> Result<(), Failure> {
    let response = context.client.get_institution_details(id)?;
    print_response(
        context,
        &response,
        views::institution_detail,
        "no details",
        out,
    )
}

fn fields(context: &Context, id: &str, out: &mut dyn Write) -> Result<(), Failure> {
    if context.format() == Format::Xml {
        let response = context.client.get_institution_details(id)?;
        out.write_all(response.body())?;
        return Ok(());
    }
    let fields = context.client.get_credential_fields(id)?;
    views::credential_fields(&fields).write(context.format(), out)?;
    Ok(())
}

fn discover(
    context: &Context,
    institution_id: &str,
    field_options: &[&str],
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let fields = context.client.get_credential_fields(institution_id)?;
    let mut given_pairs = Vec::new();
    for text in field_options {
        let (name, value) =
            args::split_field(text).map_err(|error| with_command(error, "discover"))?;
        if !fields.iter().any(|field| field.name == name) {
            let names: Vec<&str> = fields.iter().map(|field| field.name.as_str()).collect();
            return Err(UsageError::new(
                format!(
                    "institution {institution_id} has no login field {name:?}; its fields are {names:?}"
                ),
                Some("discover"),
            )
            .into());
        }
        if given_pairs.iter().any(|(given, _)| given == name) {
            return Err(UsageError::new(
                format!("--field {name:?} is given more than once"),
                Some("discover"),
            )
            .into());
        }
        given_pairs.push((name.to_owned(), value.to_owned()));
    }

    let interactive = io::stdin().is_terminal();
    let mut credentials: Vec<(String, String)> = Vec::new();
    let mut missing = Vec::new();
    for field in &fields {
        if let Some((_, value)) = given_pairs.iter().find(|(name, _)| *name == field.name) {
            credentials.push((field.name.clone(), value.clone()));
        } else if interactive {
            let value = prompt::ask(field).map_err(|source| Failure::Io {
                context: format!("failed to read login field {:?}", field.name),
                source,
            })?;
            credentials.push((field.name.clone(), value));
        } else {
            missing.push(field.name.as_str());
        }
    }
    if !missing.is_empty() {
        return Err(UsageError::new(
            format!(
                "missing login fields {missing:?} for institution {institution_id}; give each \
                 as --field NAME=VALUE (stdin is not a terminal, so they cannot be asked for)"
            ),
            Some("discover"),
        )
        .into());
    }

    let pairs: Vec<(&str, &str)> = credentials
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    let response = context
        .client
        .discover_and_add_accounts(institution_id, &pairs)?;
    print_login_result(context, &response, "answer", institution_id, &[], out)
}

fn answer(context: &Context, parsed: &Parsed, out: &mut dyn Write) -> Result<(), Failure> {
    let institution_id = parsed.operands[0].as_str();
    let answers: Vec<&str> = parsed.operands[1..].iter().map(String::as_str).collect();
    let response = context.client.confirm_challenge(
        institution_id,
        parsed.required("session")?,
        parsed.required("node")?,
        &answers,
    )?;
    print_login_result(context, &response, "answer", institution_id, &[], out)
}

fn update_login(context: &Context, parsed: &Parsed, out: &mut dyn Write) -> Result<(), Failure> {
    let (institution_id, login_id) = (parsed.operands[0].as_str(), parsed.operands[1].as_str());
    let refresh = !parsed.flag("no-refresh");
    let mut credentials = Vec::new();
    for text in parsed.values("field") {
        credentials
            .push(args::split_field(text).map_err(|error| with_command(error, "update-login"))?);
    }
    let response =
        context
            .client
            .update_institution_login(institution_id, login_id, refresh, &credentials)?;
    let extra: &[&str] = if refresh { &[] } else { &["--no-refresh"] };
    print_login_result(context, &response, "answer-update", login_id, extra, out)
}

fn answer_update(context: &Context, parsed: &Parsed, out: &mut dyn Write) -> Result<(), Failure> {
    let login_id = parsed.operands[0].as_str();
    let answers: Vec<&str> = parsed.operands[1..].iter().map(String::as_str).collect();
    let refresh = !parsed.flag("no-refresh");
    let response = context.client.update_challenge(
        login_id,
        parsed.required("session")?,
        parsed.required("node")?,
        &answers,
        refresh,
    )?;
    let extra: &[&str] = if refresh { &[] } else { &["--no-refresh"] };
    print_login_result(context, &response, "answer-update", login_id, extra, out)
}

/// Prints the result of a login call: a challenge with the command that answers it, the
/// accounts, or a confirmation for an empty body.
fn print_login_result(
    context: &Context,
    response: &AggcatResponse,
    answer_command: &str,
    id: &str,
    extra: &[&str],
    out: &mut dyn Write,
) -> Result<(), Failure> {
    match response.challenge()? {
        Some(challenge) => {
            let command = answer_command_line(context, answer_command, id, extra, &challenge);
            print_challenge(context, response, &challenge, &command, out)
        }
        None => print_response(context, response, views::accounts, "login updated", out),
    }
}

/// Returns the shell command line that answers `challenge`, with `ANSWER` placeholders.
fn answer_command_line(
    context: &Context,
    subcommand: &str,
    id: &str,
    extra: &[&str],
    challenge: &Challenge,
) -> String {
    let mut words = vec![shell_quote(&context.program)];
    if let Some(customer) = &context.globals.customer {
        words.push("--customer".to_owned());
        words.push(shell_quote(customer));
    }
    if context.format() != Format::Table {
        words.push("--format".to_owned());
        words.push(context.format().name().to_owned());
    }
    if context.globals.sandbox {
        words.push("--sandbox".to_owned());
    }
    words.push(subcommand.to_owned());
    words.push(shell_quote(id));
    words.push("--session".to_owned());
    words.push(shell_quote(&challenge.session_id));
    words.push("--node".to_owned());
    words.push(shell_quote(&challenge.node_id));
    words.extend(extra.iter().map(|word| (*word).to_owned()));
    words.push("--".to_owned());
    match challenge.questions.len() {
        0 | 1 => words.push("ANSWER".to_owned()),
        count => words.extend((1..=count).map(|number| format!("ANSWER{number}"))),
    }
    words.join(" ")
}

fn print_challenge(
    context: &Context,
    response: &AggcatResponse,
    challenge: &Challenge,
    command: &str,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let images = save_images(challenge)?;
    match context.format() {
        Format::Xml => {
            out.write_all(response.body())?;
            eprintln!(
                "aggcat: the institution asks a security question; answer with:\n  {command}"
            );
        }
        Format::Tsv | Format::Csv => {
            let mut table = Table::new(&[
                "session_id",
                "node_id",
                "question",
                "text",
                "choice_text",
                "choice_value",
                "image_file",
            ]);
            for (index, question) in challenge.questions.iter().enumerate() {
                let row = |choice_text: &str, choice_value: &str| {
                    vec![
                        challenge.session_id.clone(),
                        challenge.node_id.clone(),
                        (index + 1).to_string(),
                        question.text.clone(),
                        choice_text.to_owned(),
                        choice_value.to_owned(),
                        images[index].clone().unwrap_or_default(),
                    ]
                };
                if question.choices.is_empty() {
                    table.push(row("", ""));
                }
                for choice in &question.choices {
                    table.push(row(&choice.text, &choice.value));
                }
            }
            table.write(context.format(), out)?;
            eprintln!(
                "aggcat: the institution asks a security question; answer with:\n  {command}"
            );
        }
        Format::Table => {
            writeln!(
                out,
                "The institution asks {} before it continues.",
                match challenge.questions.len() {
                    1 => "a security question".to_owned(),
                    count => format!("{count} security questions"),
                }
            )?;
            for (index, question) in challenge.questions.iter().enumerate() {
                writeln!(out, "\nQuestion {}: {}", index + 1, question.text)?;
                if !question.choices.is_empty() {
                    writeln!(out, "  Choices (text: value to type):")?;
                    for choice in &question.choices {
                        writeln!(out, "    {}: {}", choice.text, choice.value)?;
                    }
                }
                if let Some(path) = &images[index] {
                    writeln!(out, "  Image: {path}")?;
                }
            }
            writeln!(out, "\nAnswer with:\n  {command}")?;
            if context.globals.sandbox {
                writeln!(
                    out,
                    "(Under --sandbox this fails: each invocation starts a new sandbox, which \
                     does not know this challenge.)"
                )?;
            }
        }
    }
    Ok(())
}

/// Writes each question's image to the temporary directory; returns the paths by question.
fn save_images(challenge: &Challenge) -> Result<Vec<Option<String>>, Failure> {
    let session: String = challenge
        .session_id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    let mut paths = Vec::new();
    for (index, question) in challenge.questions.iter().enumerate() {
        let Some(image) = &question.image else {
            paths.push(None);
            continue;
        };
        let path =
            std::env::temp_dir().join(format!("aggcat-challenge-{session}-{}.jpg", index + 1));
        fs::write(&path, image).map_err(|source| Failure::Io {
            context: format!("failed to write the challenge image {}", path.display()),
            source,
        })?;
        paths.push(Some(path.display().to_string()));
    }
    Ok(paths)
}

fn transactions(context: &Context, parsed: &Parsed, out: &mut dyn Write) -> Result<(), Failure> {
    let from = parse_date("from", parsed.required("from")?)?;
    let to = parsed
        .value("to")
        .map(|text| parse_date("to", text))
        .transpose()?;
    let response = context
        .client
        .get_account_transactions(&parsed.operands[0], from, to)?;
    print_response(
        context,
        &response,
        views::transactions,
        "no transactions",
        out,
    )
}

/// Parses the value of `--{option}`, naming the option in the error.
fn parse_date(option: &str, text: &str) -> Result<time::Date, UsageError> {
    text.into_date().map_err(|error| {
        let reason = match error {
            aggcat::Error::InvalidInput { reason, .. } => reason,
            other => other.to_string(),
        };
        UsageError::new(
            format!("invalid --{option}: {reason}"),
            Some("transactions"),
        )
    })
}

fn file(context: &Context, parsed: &Parsed, out: &mut dyn Write) -> Result<(), Failure> {
    let range = parsed.value("range").map(args::parse_range).transpose()?;
    let response = context.client.get_file_data(&parsed.operands[0], range)?;
    match parsed.value("output") {
        Some(path) => {
            let path = PathBuf::from(path);
            fs::write(&path, response.body()).map_err(|source| Failure::Io {
                context: format!("failed to write {}", path.display()),
                source,
            })?;
        }
        None => out.write_all(response.body())?,
    }
    Ok(())
}

fn with_command(mut error: UsageError, command: &'static str) -> UsageError {
    error.command = Some(command);
    error
}
