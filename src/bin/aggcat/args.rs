//! Command-line parsing: global options, the subcommand, its options and operands.
//!
//! Global options may stand before or after the subcommand. Each subcommand declares its
//! options in [`COMMANDS`], so one parser serves all of them.

use std::ffi::OsString;

use lexopt::prelude::*;

use crate::help;
use crate::output::Format;

/// A failure to understand the command line; the program exits with status 2.
#[derive(Debug)]
pub struct UsageError {
    pub message: String,
    /// The subcommand whose `--help` to point at, if one was recognised.
    pub command: Option<&'static str>,
}

impl UsageError {
    pub fn new(message: impl Into<String>, command: Option<&'static str>) -> Self {
        UsageError {
            message: message.into(),
            command,
        }
    }
}

impl From<lexopt::Error> for UsageError {
    fn from(error: lexopt::Error) -> Self {
        UsageError::new(error.to_string(), None)
    }
}

/// Options that apply to every subcommand.
#[derive(Debug, Clone, Default)]
pub struct Globals {
    pub customer: Option<String>,
    pub format: Format,
    pub sandbox: bool,
}

/// The action that the command line requests.
#[derive(Debug)]
pub enum Invocation {
    /// Print the general help, or one subcommand's help.
    Help(Option<&'static CommandSpec>),
    Version,
    Run(Globals, Parsed),
}

/// A subcommand with its options and operands, checked against its [`CommandSpec`].
#[derive(Debug)]
pub struct Parsed {
    pub spec: &'static CommandSpec,
    options: Vec<(&'static str, String)>,
    flags: Vec<&'static str>,
    pub operands: Vec<String>,
}

impl Parsed {
    /// Returns the value of a single-valued option.
    pub fn value(&self, long: &str) -> Option<&str> {
        self.options
            .iter()
            .find(|(name, _)| *name == long)
            .map(|(_, value)| value.as_str())
    }

    /// Returns every value of a repeatable option, in command-line order.
    pub fn values(&self, long: &str) -> Vec<&str> {
        self.options
            .iter()
            .filter(|(name, _)| *name == long)
            .map(|(_, value)| value.as_str())
            .collect()
    }

    pub fn flag(&self, long: &str) -> bool {
        self.flags.contains(&long)
    }

    /// Returns the value of an option the subcommand requires.
    pub fn required(&self, long: &str) -> Result<&str, UsageError> {
        self.value(long).ok_or_else(|| {
            UsageError::new(
                format!("missing option --{long} for `{}`", self.spec.name),
                Some(self.spec.name),
            )
        })
    }
}

/// One option of a subcommand.
#[derive(Debug)]
pub struct OptionSpec {
    pub long: &'static str,
    /// The placeholder of the option's value in help text; `None` for a flag.
    pub value: Option<&'static str>,
    pub repeatable: bool,
    pub help: &'static str,
}

/// A subcommand: its name, operands and options.
#[derive(Debug)]
pub struct CommandSpec {
    pub name: &'static str,
    /// The operands as shown in the usage line, for example `ID --from DATE [--to DATE]`.
    pub usage: &'static str,
    pub summary: &'static str,
    pub min_operands: usize,
    /// `None` for any number of operands.
    pub max_operands: Option<usize>,
    pub options: &'static [OptionSpec],
    /// Extra paragraphs for `--help`.
    pub details: &'static str,
    /// Whether `--sandbox` links CCBank's `direct` login before running it.
    pub needs_sandbox_login: bool,
}

const fn value_option(long: &'static str, value: &'static str, help: &'static str) -> OptionSpec {
    OptionSpec {
        long,
        value: Some(value),
        repeatable: false,
        help,
    }
}

const FIELD_OPTION: OptionSpec = OptionSpec {
    long: "field",
    value: Some("NAME=VALUE"),
    repeatable: true,
    help: "a login field, by the name `aggcat fields` shows; repeat for each field",
};

const SESSION_OPTION: OptionSpec = value_option(
    "session",
    "S",
    "the challenge session id that the challenge output shows",
);

const NODE_OPTION: OptionSpec = value_option(
    "node",
    "N",
    "the challenge node id that the challenge output shows",
);

const NO_REFRESH_OPTION: OptionSpec = OptionSpec {
    long: "no-refresh",
    value: None,
    repeatable: false,
    help: "do not ask the service to refresh the accounts from the institution now",
};

/// Every subcommand, in the order the help lists them.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "institutions",
        usage: "[--search TEXT]",
        summary: "list the institutions, or those whose fields contain TEXT",
        min_operands: 0,
        max_operands: Some(0),
        options: &[value_option(
            "search",
            "TEXT",
            "show only institutions whose name, home URL, phone number or other field \
             contains TEXT (case ignored); name matches come first",
        )],
        details: help::INSTITUTIONS,
        needs_sandbox_login: false,
    },
    CommandSpec {
        name: "institution",
        usage: "ID",
        summary: "show one institution's details",
        min_operands: 1,
        max_operands: Some(1),
        options: &[],
        details: "",
        needs_sandbox_login: false,
    },
    CommandSpec {
        name: "fields",
        usage: "ID",
        summary: "list the login fields of an institution",
        min_operands: 1,
        max_operands: Some(1),
        options: &[],
        details: help::FIELDS,
        needs_sandbox_login: false,
    },
    CommandSpec {
        name: "discover",
        usage: "ID [--field NAME=VALUE ...]",
        summary: "log in to an institution and add the accounts found",
        min_operands: 1,
        max_operands: Some(1),
        options: &[FIELD_OPTION],
        details: help::DISCOVER,
        needs_sandbox_login: false,
    },
    CommandSpec {
        name: "answer",
        usage: "ID --session S --node N ANSWER...",
        summary: "answer the challenge that `discover` printed",
        min_operands: 2,
        max_operands: None,
        options: &[SESSION_OPTION, NODE_OPTION],
        details: help::ANSWER,
        needs_sandbox_login: false,
    },
    CommandSpec {
        name: "accounts",
        usage: "",
        summary: "list every account of the customer",
        min_operands: 0,
        max_operands: Some(0),
        options: &[],
        details: help::ACCOUNTS,
        needs_sandbox_login: true,
    },
    CommandSpec {
        name: "login-accounts",
        usage: "LOGIN_ID",
        summary: "list the accounts of one institution login",
        min_operands: 1,
        max_operands: Some(1),
        options: &[],
        details: help::ACCOUNTS,
        needs_sandbox_login: true,
    },
    CommandSpec {
        name: "account",
        usage: "ID",
        summary: "show one account",
        min_operands: 1,
        max_operands: Some(1),
        options: &[],
        details: help::ACCOUNTS,
        needs_sandbox_login: true,
    },
    CommandSpec {
        name: "transactions",
        usage: "ID --from DATE [--to DATE]",
        summary: "list an account's transactions between two dates",
        min_operands: 1,
        max_operands: Some(1),
        options: &[
            value_option("from", "DATE", "the first day, as YYYY-MM-DD"),
            value_option("to", "DATE", "the last day, as YYYY-MM-DD (default: today)"),
        ],
        details: help::TRANSACTIONS,
        needs_sandbox_login: true,
    },
    CommandSpec {
        name: "positions",
        usage: "ID",
        summary: "list an investment account's positions",
        min_operands: 1,
        max_operands: Some(1),
        options: &[],
        details: "",
        needs_sandbox_login: true,
    },
    CommandSpec {
        name: "set-type",
        usage: "ID [--category C] TYPE",
        summary: "set the type of an account the service could not classify",
        min_operands: 2,
        max_operands: Some(2),
        options: &[value_option(
            "category",
            "C",
            "banking, credit, loan, investment or rewards (default: inferred from TYPE)",
        )],
        details: help::SET_TYPE,
        needs_sandbox_login: true,
    },
    CommandSpec {
        name: "update-login",
        usage: "INSTITUTION_ID LOGIN_ID [--no-refresh] [--field NAME=VALUE ...]",
        summary: "send new login fields for a login, or refresh it",
        min_operands: 2,
        max_operands: Some(2),
        options: &[NO_REFRESH_OPTION, FIELD_OPTION],
        details: help::UPDATE_LOGIN,
        needs_sandbox_login: true,
    },
    CommandSpec {
        name: "answer-update",
        usage: "LOGIN_ID --session S --node N [--no-refresh] ANSWER...",
        summary: "answer the challenge that `update-login` printed",
        min_operands: 2,
        max_operands: None,
        options: &[SESSION_OPTION, NODE_OPTION, NO_REFRESH_OPTION],
        details: help::ANSWER,
        needs_sandbox_login: true,
    },
    CommandSpec {
        name: "delete-account",
        usage: "ID",
        summary: "delete one account",
        min_operands: 1,
        max_operands: Some(1),
        options: &[],
        details: "",
        needs_sandbox_login: true,
    },
    CommandSpec {
        name: "delete-customer",
        usage: "",
        summary: "delete the customer with all its logins and accounts",
        min_operands: 0,
        max_operands: Some(0),
        options: &[],
        details: "",
        needs_sandbox_login: true,
    },
    CommandSpec {
        name: "files",
        usage: "",
        summary: "list the batch export files",
        min_operands: 0,
        max_operands: Some(0),
        options: &[],
        details: "",
        needs_sandbox_login: false,
    },
    CommandSpec {
        name: "file",
        usage: "NAME [--range A-B] [--output PATH]",
        summary: "download a batch export file",
        min_operands: 1,
        max_operands: Some(1),
        options: &[
            value_option(
                "range",
                "A-B",
                "only bytes A to B of the file, both included, counted from 0",
            ),
            value_option("output", "PATH", "write the data to PATH (default: stdout)"),
        ],
        details: help::FILE,
        needs_sandbox_login: false,
    },
    CommandSpec {
        name: "delete-file",
        usage: "NAME",
        summary: "delete a batch export file",
        min_operands: 1,
        max_operands: Some(1),
        options: &[],
        details: "",
        needs_sandbox_login: false,
    },
];

pub fn find_command(name: &str) -> Option<&'static CommandSpec> {
    COMMANDS.iter().find(|spec| spec.name == name)
}

/// Parses the arguments after the program name.
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Invocation, UsageError> {
    let mut parser = lexopt::Parser::from_args(args);
    let mut globals = Globals::default();
    let mut command: Option<&'static CommandSpec> = None;
    let mut help_requested = false;
    let mut help_topic: Option<String> = None;
    let mut options = Vec::new();
    let mut flags = Vec::new();
    let mut operands = Vec::new();

    while let Some(arg) = parser.next()? {
        match arg {
            Short('h') | Long("help") => help_requested = true,
            Short('V') | Long("version") => return Ok(Invocation::Version),
            Long("customer") => globals.customer = Some(parser.value()?.string()?),
            Long("format") => {
                let value = parser.value()?.string()?;
                globals.format = Format::from_name(&value).ok_or_else(|| {
                    UsageError::new(
                        format!("invalid --format {value:?}: expected table, tsv, csv or xml"),
                        command.map(|spec| spec.name),
                    )
                })?;
            }
            Long("sandbox") => globals.sandbox = true,
            Long(name) => {
                let name = name.to_owned();
                let Some(spec) = command else {
                    return Err(UsageError::new(
                        format!("unknown option --{name}; give the subcommand first"),
                        None,
                    ));
                };
                let Some(option) = spec.options.iter().find(|option| option.long == name) else {
                    return Err(UsageError::new(
                        format!("`{}` has no option --{name}", spec.name),
                        Some(spec.name),
                    ));
                };
                if option.value.is_none() {
                    flags.push(option.long);
                    continue;
                }
                let value = parser.value()?.string()?;
                if !option.repeatable && options.iter().any(|(long, _)| *long == option.long) {
                    return Err(UsageError::new(
                        format!("option --{name} is given twice"),
                        Some(spec.name),
                    ));
                }
                options.push((option.long, value));
            }
            Value(value) => {
                let value = value.string()?;
                match command {
                    None if value == "help" => help_requested = true,
                    None if help_requested && help_topic.is_none() => help_topic = Some(value),
                    None => {
                        command = Some(find_command(&value).ok_or_else(|| {
                            UsageError::new(format!("unknown command {value:?}"), None)
                        })?);
                    }
                    Some(_) => operands.push(value),
                }
            }
            other => return Err(UsageError::from(other.unexpected())),
        }
    }

    if help_requested {
        let topic = match (help_topic, command) {
            (Some(name), _) => Some(
                find_command(&name)
                    .ok_or_else(|| UsageError::new(format!("unknown command {name:?}"), None))?,
            ),
            (None, spec) => spec,
        };
        return Ok(Invocation::Help(topic));
    }

    let Some(spec) = command else {
        return Err(UsageError::new("missing command", None));
    };
    check_operand_count(spec, operands.len())?;
    Ok(Invocation::Run(
        globals,
        Parsed {
            spec,
            options,
            flags,
            operands,
        },
    ))
}

fn check_operand_count(spec: &CommandSpec, count: usize) -> Result<(), UsageError> {
    let too_few = count < spec.min_operands;
    let too_many = spec.max_operands.is_some_and(|max| count > max);
    if too_few || too_many {
        let usage = format!("aggcat {} {}", spec.name, spec.usage);
        return Err(UsageError::new(
            format!(
                "`{}` takes {}, got {count}: {}",
                spec.name,
                operand_count_text(spec),
                usage.trim_end()
            ),
            Some(spec.name),
        ));
    }
    Ok(())
}

fn operand_count_text(spec: &CommandSpec) -> String {
    match spec.max_operands {
        Some(0) => "no operands".to_owned(),
        Some(max) if max == spec.min_operands => format!("{max} operand(s)"),
        Some(max) => format!("{} to {max} operands", spec.min_operands),
        None => format!("at least {} operands", spec.min_operands),
    }
}

/// Splits `NAME=VALUE` at the first `=`.
pub fn split_field(text: &str) -> Result<(&str, &str), UsageError> {
    match text.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name, value)),
        _ => Err(UsageError::new(
            format!(
                "invalid --field {:?}: expected NAME=VALUE",
                redact_field(text)
            ),
            None,
        )),
    }
}

/// Keeps a malformed `--field` out of messages except its first characters, because it may
/// be a password typed without its name.
fn redact_field(text: &str) -> String {
    let shown: String = text.chars().take(3).collect();
    if shown.len() < text.len() {
        format!("{shown}...")
    } else {
        shown
    }
}

/// Parses `A-B` into inclusive byte bounds.
pub fn parse_range(text: &str) -> Result<(u64, u64), UsageError> {
    let invalid = || {
        UsageError::new(
            format!("invalid --range {text:?}: expected FIRST-LAST byte offsets, such as 0-1023"),
            Some("file"),
        )
    };
    let (first, last) = text.split_once('-').ok_or_else(invalid)?;
    let first: u64 = first.trim().parse().map_err(|_| invalid())?;
    let last: u64 = last.trim().parse().map_err(|_| invalid())?;
    if first > last {
        return Err(invalid());
    }
    Ok((first, last))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_words(words: &[&str]) -> Result<Invocation, UsageError> {
        parse(words.iter().map(OsString::from))
    }

    fn run(words: &[&str]) -> (Globals, Parsed) {
        match parse_words(words) {
            Ok(Invocation::Run(globals, parsed)) => (globals, parsed),
            other => panic!("expected a command, got {other:?}"),
        }
    }

    #[test]
    fn globals_before_and_after_command() {
        let (globals, parsed) = run(&["--format", "csv", "accounts", "--customer", "c-1"]);

        assert_eq!(globals.format, Format::Csv);
        assert_eq!(globals.customer.as_deref(), Some("c-1"));
        assert_eq!(parsed.spec.name, "accounts");
    }

    #[test]
    fn repeated_field_keeps_order() {
        let (_, parsed) = run(&["discover", "100000", "--field", "a=1", "--field=b=2"]);

        assert_eq!(parsed.values("field"), ["a=1", "b=2"]);
        assert_eq!(parsed.operands, ["100000"]);
    }

    #[test]
    fn answers_after_double_dash_may_start_with_dash() {
        let (_, parsed) = run(&["answer", "1", "--session", "s", "--node", "n", "--", "-5"]);

        assert_eq!(parsed.operands, ["1", "-5"]);
        assert_eq!(parsed.value("session"), Some("s"));
    }

    #[test]
    fn unknown_option_is_usage_error() {
        let error = parse_words(&["accounts", "--bogus"]).unwrap_err();

        assert!(error.message.contains("--bogus"), "{}", error.message);
        assert_eq!(error.command, Some("accounts"));
    }

    #[test]
    fn wrong_operand_count_is_usage_error() {
        assert!(parse_words(&["institution"]).is_err());
        assert!(parse_words(&["accounts", "extra"]).is_err());
        assert!(parse_words(&["answer", "1", "--session", "s", "--node", "n"]).is_err());
    }

    #[test]
    fn help_forms_name_the_command() {
        for words in [
            &["help", "fields"][..],
            &["fields", "--help"][..],
            &["--help", "fields"][..],
        ] {
            match parse_words(words) {
                Ok(Invocation::Help(Some(spec))) => assert_eq!(spec.name, "fields"),
                other => panic!("{words:?}: {other:?}"),
            }
        }
        assert!(matches!(
            parse_words(&["--help"]),
            Ok(Invocation::Help(None))
        ));
    }

    #[test]
    fn missing_command_is_usage_error() {
        assert!(parse_words(&[]).is_err());
        assert!(parse_words(&["--format", "xml"]).is_err());
    }

    #[test]
    fn invalid_format_is_usage_error() {
        let error = parse_words(&["--format", "json", "files"]).unwrap_err();

        assert!(error.message.contains("json"));
    }

    #[test]
    fn field_splits_at_first_equals() {
        assert_eq!(split_field("a=b=c").unwrap(), ("a", "b=c"));
        assert_eq!(
            split_field("Banking Password=").unwrap(),
            ("Banking Password", "")
        );
        assert!(split_field("=x").is_err());
        let error = split_field("hunter2").unwrap_err();
        assert!(!error.message.contains("hunter2"), "{}", error.message);
    }

    #[test]
    fn range_parses_inclusive_bounds() {
        assert_eq!(parse_range("0-1023").unwrap(), (0, 1023));
        assert!(parse_range("5-1").is_err());
        assert!(parse_range("a-b").is_err());
        assert!(parse_range("12").is_err());
    }
}
