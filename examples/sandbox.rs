//! Runs a sandbox until interrupted and prints the settings a client needs.
//!
//! ```text
//! cargo run --features sandbox --example sandbox -- [--port N] [--tls]
//! ```
//!
//! Standard output gets one `NAME=value` line per setting, quoted so that a POSIX shell can
//! `export` each line as it is. Standard error gets the access log. The private key is written
//! to a new folder only the current user can read.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use aggcat::sandbox::Sandbox;
use anyhow::Context;

const USAGE: &str = "\
usage: sandbox [--port N] [--tls]

Starts a loopback imitation of the AggCat service and prints the settings a client needs,
one NAME=value line each, then serves until interrupted (Ctrl-C).

options:
  --port N   port to bind on 127.0.0.1 (default 0: an ephemeral port)
  --tls      serve HTTPS with a generated CA; its PEM path is printed as AGGCAT_CA_CERT
  --help     print this help";

/// Command-line options.
struct Options {
    port: u16,
    tls: bool,
}

/// Parses the arguments; `Ok(None)` means `--help` was given.
fn parse_arguments(arguments: impl Iterator<Item = String>) -> Result<Option<Options>, String> {
    let mut options = Options {
        port: 0,
        tls: false,
    };
    let mut arguments = arguments;
    while let Some(argument) = arguments.next() {
        match argument.as_str() {
            "--help" | "-h" => return Ok(None),
            "--tls" => options.tls = true,
            "--port" => {
                let value = arguments
                    .next()
                    .ok_or_else(|| "--port needs a value, for example --port 18443".to_string())?;
                options.port = value
                    .parse()
                    .map_err(|_| format!("invalid port {value:?}: expected 0 to 65535"))?;
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Some(options))
}

/// Writes each access-log line to standard error.
struct StderrLogger;

impl log::Log for StderrLogger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.target().starts_with("aggcat") && metadata.level() <= log::Level::Info
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            eprintln!("{} {}", record.level(), record.args());
        }
    }

    fn flush(&self) {}
}

static LOGGER: StderrLogger = StderrLogger;

fn run(options: Options) -> anyhow::Result<()> {
    log::set_logger(&LOGGER)
        .map_err(|error| anyhow::anyhow!("failed to install the logger: {error}"))?;
    log::set_max_level(log::LevelFilter::Info);

    // A long-running server keeps only the newest requests, with their bodies, in memory.
    let sandbox = Sandbox::builder()
        .max_recorded_requests(1_000)
        .port(options.port)
        .tls(options.tls)
        .start()
        .context("failed to start the sandbox")?;

    // NOTE: the folder stays behind after Ctrl-C; the key in it is a throwaway of this run.
    let directory = private_directory()?;
    let key_path = directory.join("application-key.pem");
    std::fs::write(&key_path, &sandbox.application().private_key_pem)
        .with_context(|| format!("failed to write {}", key_path.display()))?;

    let application = sandbox.application();
    let mut settings = vec![
        ("AGGCAT_BASE_URL", sandbox.base_url()),
        ("AGGCAT_SAML_URL", sandbox.saml_url()),
        ("AGGCAT_CONSUMER_KEY", application.consumer_key.clone()),
        (
            "AGGCAT_CONSUMER_SECRET",
            application.consumer_secret.clone(),
        ),
        (
            "AGGCAT_SAML_IDENTITY_PROVIDER_ID",
            application.saml_identity_provider_id.clone(),
        ),
        ("AGGCAT_PRIVATE_KEY", key_path.display().to_string()),
    ];
    if let Some(ca) = sandbox.ca_certificate_pem() {
        let ca_path = directory.join("ca-certificate.pem");
        std::fs::write(&ca_path, ca)
            .with_context(|| format!("failed to write {}", ca_path.display()))?;
        settings.push(("AGGCAT_CA_CERT", ca_path.display().to_string()));
    }
    let mut stdout = std::io::stdout().lock();
    for (name, value) in settings {
        writeln!(stdout, "{name}={}", shell_quote(&value))?;
    }
    stdout.flush()?;
    drop(stdout);

    // Serve until the process is interrupted, while the worker threads handle requests.
    loop {
        std::thread::park();
    }
}

/// Creates a new folder under the temporary directory with a random name, readable by the
/// current user only.
fn private_directory() -> anyhow::Result<PathBuf> {
    let mut random = [0u8; 8];
    openssl::rand::rand_bytes(&mut random)?;
    let name: String = random.iter().map(|byte| format!("{byte:02x}")).collect();
    let directory = std::env::temp_dir().join(format!("aggcat-sandbox-{name}"));
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(&directory)
        .with_context(|| format!("failed to create {}", directory.display()))?;
    Ok(directory)
}

/// Quotes `value` for a POSIX shell when it contains anything but letters, digits and `-_./:`.
fn shell_quote(value: &str) -> String {
    let plain = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./:".contains(c));
    if plain {
        value.to_string()
    } else {
        format!("'{}'", value.replace('\'', "'\\''"))
    }
}

fn main() -> ExitCode {
    let options = match parse_arguments(std::env::args().skip(1)) {
        Ok(Some(options)) => options,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("error: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
