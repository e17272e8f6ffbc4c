//! Asking for login fields on the terminal.

use std::io::{self, BufRead, Write};
use std::process::{Command, Stdio};

use aggcat::CredentialField;

/// Asks for `field` on stderr and reads one line from stdin, without echo when the field is
/// masked.
///
/// Echo is turned off with `stty -echo` on the terminal that stdin is, and turned back on when
/// the line is read or reading fails.
pub fn ask(field: &CredentialField) -> io::Result<String> {
    let name = field.description.as_deref().unwrap_or(&field.name);
    match field
        .instructions
        .as_deref()
        .filter(|text| !text.is_empty())
    {
        Some(instructions) => eprint!("{name} - {instructions}: "),
        None => eprint!("{name}: "),
    }
    io::stderr().flush()?;

    let _echo_off = if field.mask {
        Some(EchoOff::new()?)
    } else {
        None
    };
    let mut line = String::new();
    let read = io::stdin().lock().read_line(&mut line)?;
    if field.mask {
        // The user's Enter was not echoed either.
        eprintln!();
    }
    if read == 0 {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!("stdin ended before a value for {:?} was typed", field.name),
        ));
    }
    let value = line.strip_suffix('\n').unwrap_or(&line);
    Ok(value.strip_suffix('\r').unwrap_or(value).to_owned())
}

/// Terminal echo turned off until dropped.
///
/// NOTE: an interrupt (Ctrl-C) while echo is off ends the process without dropping this, and
/// the terminal stays silent until `stty echo` or `reset`.
struct EchoOff;

impl EchoOff {
    fn new() -> io::Result<Self> {
        stty("-echo").map_err(|error| {
            io::Error::other(format!(
                "failed to turn off terminal echo with `stty -echo` ({error}); \
                 give masked fields with --field NAME=VALUE instead"
            ))
        })?;
        Ok(EchoOff)
    }
}

impl Drop for EchoOff {
    fn drop(&mut self) {
        if let Err(error) = stty("echo") {
            eprintln!("aggcat: failed to turn terminal echo back on ({error}); run `stty echo`");
        }
    }
}

/// Runs `stty SETTING` on the terminal that stdin is.
fn stty(setting: &str) -> io::Result<()> {
    let status = Command::new("stty")
        .arg(setting)
        .stdin(Stdio::inherit())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()?;
    if status.success() {
        Ok(())
    } else {
        Err(io::Error::other(format!("stty exited with {status}")))
    }
}
