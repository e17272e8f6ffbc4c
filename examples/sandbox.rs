//! Runs a sandbox until interrupted and prints the settings a client needs.
//!
//! ```text
//! cargo run --features sandbox --example sandbox -- [--port N] [--tls]
//! ```
//!
//! Standard output gets one `NAME=value` line per setting; standard error gets the access log.

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

    let sandbox = Sandbox::builder()
        .port(options.port)
        .tls(options.tls)
        .start()
        .context("failed to start the sandbox")?;

    let directory: PathBuf =
        std::env::temp_dir().join(format!("aggcat-sandbox-{}", std::process::id()));
    std::fs::create_dir_all(&directory)
        .with_context(|| format!("failed to create {}", directory.display()))?;
    let key_path = directory.join("application-key.pem");
    std::fs::write(&key_path, &sandbox.application().private_key_pem)
        .with_context(|| format!("failed to write {}", key_path.display()))?;

    let application = sandbox.application();
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "AGGCAT_BASE_URL={}", sandbox.base_url())?;
    writeln!(stdout, "AGGCAT_SAML_URL={}", sandbox.saml_url())?;
    writeln!(stdout, "AGGCAT_CONSUMER_KEY={}", application.consumer_key)?;
    writeln!(
        stdout,
        "AGGCAT_CONSUMER_SECRET={}",
        application.consumer_secret
    )?;
    writeln!(
        stdout,
        "AGGCAT_SAML_IDENTITY_PROVIDER_ID={}",
        application.saml_identity_provider_id
    )?;
    writeln!(stdout, "AGGCAT_PRIVATE_KEY={}", key_path.display())?;
    if let Some(ca) = sandbox.ca_certificate_pem() {
        let ca_path = directory.join("ca-certificate.pem");
        std::fs::write(&ca_path, ca)
            .with_context(|| format!("failed to write {}", ca_path.display()))?;
        writeln!(stdout, "AGGCAT_CA_CERT={}", ca_path.display())?;
    }
    stdout.flush()?;
    drop(stdout);

    // Serve until the process is interrupted, while the worker threads handle requests.
    loop {
        std::thread::park();
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
