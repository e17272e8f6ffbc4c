//! Links a CCBank login that asks security questions, answering them at the terminal.
//!
//! `cargo run --features sandbox --example challenge [USERID]` runs against an embedded
//! sandbox; USERID defaults to `tfa_text2` (two questions). Other CCBank ids that ask
//! questions: `tfa_text`, `tfa_choice`, `tfa_image`. Answers are read from standard input,
//! one line per question; `fail` makes CCBank reject the answer.

use std::io::{self, BufRead, Write};

use aggcat::sandbox::Sandbox;
use anyhow::{Context, Result};

const CCBANK: &str = "100000";

fn main() -> Result<()> {
    let user_id = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "tfa_text2".to_string());
    let sandbox = Sandbox::builder().start()?;
    let client = sandbox.client("challenge-example")?;

    let credentials = [
        ("Banking Userid", user_id.as_str()),
        ("Banking Password", "go"),
    ];
    let mut response = client.discover_and_add_accounts(CCBANK, &credentials)?;

    let stdin = io::stdin();
    let mut lines = stdin.lock().lines();
    while let Some(challenge) = response.challenge()? {
        let mut answers = Vec::new();
        for (number, question) in challenge.questions.iter().enumerate() {
            println!("question {}: {}", number + 1, question.text);
            for choice in &question.choices {
                println!("  - {} (type {:?})", choice.text, choice.value);
            }
            if let Some(image) = &question.image {
                println!(
                    "  (an image of {} bytes comes with this question)",
                    image.len()
                );
            }
            print!("answer: ");
            io::stdout().flush()?;
            let answer = lines
                .next()
                .context("standard input ended before the answers")??;
            answers.push(answer.trim().to_string());
        }

        let answers: Vec<&str> = answers.iter().map(String::as_str).collect();
        response = client.confirm_challenge(
            CCBANK,
            &challenge.session_id,
            &challenge.node_id,
            &answers,
        )?;
    }

    let accounts = response
        .xml()
        .context("the reply carried no account list")?;
    println!("linked {} accounts:", accounts.len());
    for account in accounts.children() {
        println!(
            "  {} {}",
            account.field("account_id").unwrap_or("-"),
            account.field("account_nickname").unwrap_or("-")
        );
    }
    Ok(())
}
