//! The snake_case rule that turns element names into lookup keys.

/// Converts an XML local name to its snake_case key.
///
/// A word boundary (written as `_`) goes before an upper-case letter that follows a lower-case
/// letter or a digit, and before the last capital of a run of capitals that is followed by a
/// lower-case letter (`URLValue` is `url_value`). Digits stay with the word before them. `-`
/// and `.` become `_`, an existing `_` is kept, and everything is lower-cased. The module
/// documentation has a table of examples.
///
/// # Examples
///
/// ```
/// use aggcat::xml::snake_case;
///
/// assert_eq!(snake_case("accountId"), "account_id");
/// assert_eq!(snake_case("principalPaidYTD"), "principal_paid_ytd");
/// assert_eq!(snake_case("banking401KSourceType"), "banking401_k_source_type");
/// ```
pub fn snake_case(name: &str) -> String {
    // Element names are nearly always ASCII, and the byte loop avoids collecting chars.
    if name.is_ascii() {
        snake_case_ascii(name.as_bytes())
    } else {
        snake_case_chars(name)
    }
}

/// The rule of [`snake_case`] for an ASCII name, one byte at a time.
fn snake_case_ascii(name: &[u8]) -> String {
    let mut key = String::with_capacity(name.len() + 4);
    for (i, &c) in name.iter().enumerate() {
        if c == b'-' || c == b'.' {
            key.push('_');
            continue;
        }
        if c.is_ascii_uppercase() && i > 0 {
            let previous = name[i - 1];
            let next_is_lower = name.get(i + 1).is_some_and(u8::is_ascii_lowercase);
            let after_word = previous.is_ascii_lowercase() || previous.is_ascii_digit();
            let ends_capital_run = previous.is_ascii_uppercase() && next_is_lower;
            if (after_word || ends_capital_run) && !key.ends_with('_') {
                key.push('_');
            }
        }
        key.push(char::from(c.to_ascii_lowercase()));
    }
    key
}

/// The rule of [`snake_case`] for any name, one char at a time.
fn snake_case_chars(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut key = String::with_capacity(name.len() + 4);

    for (i, &c) in chars.iter().enumerate() {
        if c == '-' || c == '.' {
            key.push('_');
            continue;
        }
        if c.is_uppercase() && i > 0 {
            let previous = chars[i - 1];
            let next_is_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            let after_word = previous.is_lowercase() || previous.is_ascii_digit();
            let ends_capital_run = previous.is_uppercase() && next_is_lower;
            if (after_word || ends_capital_run) && !key.ends_with('_') {
                key.push('_');
            }
        }
        key.extend(c.to_lowercase());
    }
    key
}

#[cfg(test)]
mod tests {
    use super::snake_case;

    #[test]
    fn snake_case_table() {
        let cases = [
            ("accountId", "account_id"),
            ("aggrSuccessDate", "aggr_success_date"),
            ("otherInfo", "other_info"),
            ("CreditAccount", "credit_account"),
            ("institutionId", "institution_id"),
            ("principalPaidYTD", "principal_paid_ytd"),
            ("banking401KSourceType", "banking401_k_source_type"),
            ("inv401kSource", "inv401k_source"),
            ("interestAmountYtd", "interest_amount_ytd"),
            ("currencyCode", "currency_code"),
            ("URLValue", "url_value"),
            ("address1", "address1"),
            ("value2Go", "value2_go"),
            ("ID", "id"),
            ("IDs", "i_ds"),
            ("A", "a"),
            ("", ""),
            ("account_id", "account_id"),
            ("already_snake_2", "already_snake_2"),
            ("some-name.part", "some_name_part"),
            ("Snake_Case", "snake_case"),
            ("ÉtatCivil", "état_civil"),
        ];
        for (name, expected) in cases {
            assert_eq!(snake_case(name), expected, "snake_case({name:?})");
        }
    }

    #[test]
    fn ascii_path_matches_char_path() {
        let mut names: Vec<String> = [
            "accountId",
            "URLValue",
            "banking401KSourceType",
            "principalPaidYTD",
            "IDs",
            "a-B.c_D",
            "ABCdef",
            "x9Y",
            "_Lead",
            "trail_",
            "",
        ]
        .iter()
        .map(|name| name.to_string())
        .collect();
        // Every name of up to four characters from a small alphabet of the cases that matter.
        let alphabet = ['a', 'B', '1', '_', '-', '.'];
        let mut frontier = vec![String::new()];
        for _ in 0..4 {
            let mut longer = Vec::new();
            for prefix in &frontier {
                for c in alphabet {
                    longer.push(format!("{prefix}{c}"));
                }
            }
            names.extend(longer.iter().cloned());
            frontier = longer;
        }
        for name in &names {
            assert_eq!(
                super::snake_case_ascii(name.as_bytes()),
                super::snake_case_chars(name),
                "{name:?}"
            );
        }
    }

    #[test]
    fn snake_case_is_idempotent() {
        for name in [
            "accountId",
            "URLValue",
            "banking401KSourceType",
            "principalPaidYTD",
        ] {
            let once = snake_case(name);
            assert_eq!(snake_case(&once), once, "second pass over {once:?}");
        }
    }
}
