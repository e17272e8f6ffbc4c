//! `aggcat`: the command-line client. Run `aggcat --help` for the commands.

mod args;
mod commands;
mod help;
mod output;
mod prompt;
mod views;

use std::error::Error as _;
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;
use std::sync::atomic::Ordering;

use aggcat::sandbox::{Sandbox, SandboxHandle};
use aggcat::{AggcatClient, AggcatClientBuilder, Error};

use args::{Invocation, UsageError};
use commands::Context;

/// The test bank of the service, which `--sandbox` links.
const CCBANK_ID: &str = "100000";

/// The customer `--sandbox` acts for when `--customer` is not given.
const SANDBOX_CUSTOMER: &str = "sandbox-customer";

/// A failed run. Each kind has its own exit status.
#[derive(Debug)]
pub enum Failure {
    Usage(UsageError),
    Client(Error),
    Io {
        context: String,
        source: io::Error,
    },
    /// A write to stdout failed.
    Output(io::Error),
    Message(String),
}

impl From<UsageError> for Failure {
    fn from(error: UsageError) -> Self {
        Failure::Usage(error)
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure::Client(error)
    }
}

impl From<io::Error> for Failure {
    fn from(error: io::Error) -> Self {
        Failure::Output(error)
    }
}

fn main() -> ExitCode {
    let mut arguments = std::env::args_os();
    let program = arguments
        .next()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "aggcat".to_owned());

    let result = match args::parse(arguments) {
        Ok(Invocation::Help(None)) => print_text(&help::overview()),
        Ok(Invocation::Help(Some(spec))) => print_text(&help::command(spec)),
        Ok(Invocation::Version) => print_text(&format!("aggcat {}\n", env!("CARGO_PKG_VERSION"))),
        Ok(Invocation::Run(globals, parsed)) => run(program, globals, &parsed),
        Err(error) => Err(Failure::Usage(error)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => report(&failure),
    }
}

fn print_text(text: &str) -> Result<(), Failure> {
    io::stdout().lock().write_all(text.as_bytes())?;
    Ok(())
}

fn run(program: String, globals: args::Globals, parsed: &args::Parsed) -> Result<(), Failure> {
    // Declared before the context so that the client is dropped before the sandbox stops.
    let sandbox;
    let client = if globals.sandbox {
        sandbox = start_sandbox()?;
        let customer = globals.customer.as_deref().unwrap_or(SANDBOX_CUSTOMER);
        let client = with_progress(sandbox.client_builder(customer)).build()?;
        if parsed.spec.needs_sandbox_login {
            link_sandbox_bank(&client, customer)?;
        }
        client
    } else {
        let builder = match &globals.customer {
            Some(customer) => AggcatClient::builder_from_env_for_customer(customer)?,
            None => AggcatClient::builder_from_env()?,
        };
        with_progress(builder).build()?
    };

    let context = Context {
        client,
        globals,
        program,
    };
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    commands::run(&context, parsed, &mut out)?;
    out.flush()?;
    Ok(())
}

/// Shows download progress on stderr while a command sets [`commands::SHOW_PROGRESS`].
fn with_progress(builder: AggcatClientBuilder) -> AggcatClientBuilder {
    builder.progress(|progress| {
        if commands::SHOW_PROGRESS.load(Ordering::Relaxed) {
            eprint!(
                "\rdownloading the institution list... {} KiB",
                progress.received / 1024
            );
        }
    })
}

fn start_sandbox() -> Result<SandboxHandle, Failure> {
    Ok(Sandbox::builder().start()?)
}

/// Adds CCBank's `direct` login, whose ten accounts the read commands then show.
fn link_sandbox_bank(client: &AggcatClient, customer: &str) -> Result<(), Failure> {
    let fields = client.get_credential_fields(CCBANK_ID)?;
    // CCBank picks its behaviour from the unmasked user id and ignores the password.
    let credentials: Vec<(&str, &str)> = fields
        .iter()
        .map(|field| {
            let value = if field.mask { "anyvalue" } else { "direct" };
            (field.name.as_str(), value)
        })
        .collect();
    let response = client.discover_and_add_accounts(CCBANK_ID, &credentials)?;
    if response.is_challenge() {
        return Err(Failure::Message(
            "the sandbox answered CCBank's `direct` login with a challenge".to_owned(),
        ));
    }
    let count = response.xml().map_or(0, |root| root.children().count());
    eprintln!("aggcat: --sandbox linked CCBank's `direct` login ({count} accounts) for customer {customer}");
    Ok(())
}

/// Prints the failure to stderr and returns its exit status.
fn report(failure: &Failure) -> ExitCode {
    let code = match failure {
        Failure::Usage(error) => {
            eprintln!("aggcat: {}", error.message);
            match error.command {
                Some(name) => eprintln!("Run `aggcat {name} --help` for its usage."),
                None => eprintln!("Run `aggcat --help` for usage."),
            }
            2
        }
        Failure::Client(error) => {
            eprintln!("aggcat: {}", message_with_causes(error));
            if let Some(id) = error.correlation_id() {
                if !error.to_string().contains(id) {
                    eprintln!("aggcat: correlation id {id}");
                }
            }
            exit_status(error)
        }
        Failure::Io { context, source } => {
            eprintln!("aggcat: {context}: {source}");
            1
        }
        // A reader such as `head` that closes the pipe early is not a failure.
        Failure::Output(error) if error.kind() == io::ErrorKind::BrokenPipe => 0,
        Failure::Output(error) => {
            eprintln!("aggcat: failed to write the output: {error}");
            1
        }
        Failure::Message(message) => {
            eprintln!("aggcat: {message}");
            1
        }
    };
    ExitCode::from(code)
}

/// Returns the message followed by the messages of its sources, joined with `: `.
fn message_with_causes(error: &Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

fn exit_status(error: &Error) -> u8 {
    match error {
        Error::Api(_) => 3,
        Error::Timeout { .. } | Error::Tls { .. } | Error::Transport { .. } => 4,
        Error::Authentication(_) => 5,
        Error::InvalidInput { .. } | Error::MissingCredentials { .. } => 2,
        _ => 1,
    }
}
