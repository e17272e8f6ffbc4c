//! Help text: the general page and the extra paragraphs of some subcommands.

use std::fmt::Write;

use crate::args::{CommandSpec, COMMANDS};

const OVERVIEW: &str = "\
aggcat: a command-line client for Intuit's Customer Account Data API (AggCat).

Usage: aggcat [GLOBAL OPTIONS] COMMAND [OPTIONS] [OPERANDS]
       aggcat help COMMAND       (or aggcat COMMAND --help)";

const GLOBAL_OPTIONS: &str = "\
Global options (before or after the command):
  --customer ID         the customer to act for (default: $AGGCAT_CUSTOMER_ID)
  --format FORMAT       table (default): aligned columns for people;
                        tsv, csv: a header line and one line per row, for scripts;
                        xml: the response body exactly as received
  --sandbox             run against an embedded sandbox on 127.0.0.1, no credentials
                        needed (see below)
  -h, --help            print help (after a command: that command's help)
  -V, --version         print the version
  --                    end of options: later arguments are operands even if they
                        start with `-`";

const ENVIRONMENT: &str = "\
Environment:
  AGGCAT_CONSUMER_KEY               the application's OAuth consumer key
  AGGCAT_CONSUMER_SECRET            the application's OAuth consumer secret
  AGGCAT_SAML_IDENTITY_PROVIDER_ID  the application's SAML identity provider id
  AGGCAT_CUSTOMER_ID                the customer to act for, unless --customer is given
  AGGCAT_PRIVATE_KEY                path of the application's RSA private key (PEM or DER)
  AGGCAT_PRIVATE_KEY_PASSPHRASE     passphrase of an encrypted key (optional)
  AGGCAT_BASE_URL                   data API base URL (optional)
  AGGCAT_SAML_URL                   token exchange URL (optional)
  AGGCAT_CA_CERT                    path of an extra trusted CA certificate, PEM (optional)";

const SANDBOX: &str = "\
Sandbox:
  --sandbox starts a fresh sandbox for each invocation, with its own application, so no
  environment variable is needed and nothing persists between invocations. Before the
  account, login and delete commands it links the test bank CCBank (institution 100000)
  with its `direct` login, which adds ten accounts, so that those commands show data. The
  customer is --customer, or `sandbox-customer`. The sandbox generates the same account
  and login ids each time, so ids printed by one invocation work in the next; a challenge
  cannot be answered by a later invocation, because its session is gone.";

const EXIT_STATUS: &str = "\
Exit status:
  0  success (a challenge is a success: answer it with the printed command)
  1  other failure: invalid configuration, unreadable file, unexpected response
  2  usage error: unknown command or option, missing operand or field, invalid date
  3  API error: the service answered with an error status
  4  transport error: timeout, connection failure, TLS failure
  5  authentication error: the token exchange failed or the service rejected the request

Errors go to stderr with the service's correlation id when it sent one.";

pub const INSTITUTIONS: &str = "\
Columns: id, name, home_url; with --search also matched_field, the field that contains
the text. The list is large (about 18,700 institutions on the real service) and is
downloaded in full; a progress line goes to stderr when stderr is a terminal.
With --search and --format xml, the output is an Institutions document holding the
matching institution elements.";

pub const FIELDS: &str = "\
Columns: order, name, masked, instructions. Only the fields the institution displays
are listed, in display order. Give them to `discover` as --field NAME=VALUE.
With --format xml, the output is the institution detail body as received.";

pub const DISCOVER: &str = "\
Every displayed login field (see `aggcat fields ID`) needs a value. A field not given
with --field is asked for when stdin is a terminal, without echo when the field is
masked; when stdin is not a terminal, a missing field is a usage error.

On success the new accounts are printed as `aggcat accounts` prints them. When the
institution asks a security question (a challenge), its questions, its choices (the
text and the value to type) and the `aggcat answer` command line to run are printed.";

pub const ANSWER: &str = "\
Give one ANSWER per question, in question order; for a multiple-choice question, give
the value that the challenge output lists. The institution may answer with another
challenge, which is printed the same way.";

pub const ACCOUNTS: &str = "\
Columns: id, kind (banking, credit, loan, investment, rewards, other), nickname,
number, type, balance, currency, institution_id, login_id. The number is printed as the
service returned it, unmasked: it is the customer's own data, so keep the output where
the customer's data may be kept. The balance is balanceAmount, or currentBalance for
accounts without one (credit cards); amounts are printed exactly as received.";

pub const TRANSACTIONS: &str = "\
Columns: id, posted_date, description, amount, currency, as received. The description
is the payee name, else the transaction's description or memo. The service does not
sort transactions by date.";

pub const SET_TYPE: &str = "\
Only accounts the service could not classify (kind `other`) can be re-typed. TYPE is,
for example, CHECKING, SAVINGS, CREDITCARD, MORTGAGE or 401K.";

pub const UPDATE_LOGIN: &str = "\
Without --field, asks the service to refresh the login with the fields it has. With
--field, sends new values (for example after a password change); fields not given are
not asked for. A challenge is printed with the `aggcat answer-update` command to run.";

pub const FILE: &str = "\
Writes the file's bytes, unchanged, to stdout or to --output PATH.";

/// Returns the general help page.
pub fn overview() -> String {
    let mut text = String::new();
    let _ = writeln!(text, "{OVERVIEW}\n\nCommands:");
    for spec in COMMANDS {
        let _ = writeln!(text, "  {:<18}{}", spec.name, spec.summary);
    }
    let _ = write!(
        text,
        "\n{GLOBAL_OPTIONS}\n\n{ENVIRONMENT}\n\n{SANDBOX}\n\n{EXIT_STATUS}\n"
    );
    text
}

/// Returns the help page of one subcommand.
pub fn command(spec: &CommandSpec) -> String {
    let mut text = String::new();
    let usage = format!("aggcat [GLOBAL OPTIONS] {} {}", spec.name, spec.usage);
    let _ = writeln!(
        text,
        "{}\n\nUsage: {}",
        capitalize(spec.summary),
        usage.trim_end()
    );
    if !spec.options.is_empty() {
        let _ = writeln!(text, "\nOptions:");
        for option in spec.options {
            let name = match option.value {
                Some(value) => format!("--{} {value}", option.long),
                None => format!("--{}", option.long),
            };
            let _ = writeln!(text, "  {name:<22}{}", option.help);
        }
    }
    if !spec.details.is_empty() {
        let _ = writeln!(text, "\n{}", spec.details);
    }
    let _ = writeln!(
        text,
        "\nGlobal options: --customer ID, --format table|tsv|csv|xml, --sandbox.\n\
         Run `aggcat --help` for the environment variables and exit status."
    );
    text
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
