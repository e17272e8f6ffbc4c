//! CCBank's logins and security challenges, through the public client.

#![cfg(feature = "sandbox")]

mod support;

use aggcat::Error;
use support::sandbox::{ccbank_login, client, discover, sandbox, text, xml, CCBANK};

#[test]
fn text_challenge_then_accounts() {
    let sandbox = sandbox();
    let client = client(&sandbox, "challenge-text");

    let response = client
        .discover_and_add_accounts(CCBANK, &ccbank_login("tfa_text"))
        .unwrap();

    assert_eq!(response.status_code(), 401);
    assert!(response.is_challenge());
    let challenge = response.challenge().unwrap().unwrap();
    assert_eq!(challenge.questions.len(), 1);
    assert_eq!(challenge.questions[0].text, "Enter your first pet's name:");
    assert!(!challenge.session_id.is_empty());
    assert!(!challenge.node_id.is_empty());
    assert_eq!(sandbox.token_exchanges(), 1);

    let answered = client
        .confirm_challenge(CCBANK, &challenge.session_id, &challenge.node_id, &["Rex"])
        .unwrap();

    assert_eq!(answered.status_code(), 201);
    assert_eq!(xml(&answered).len(), 10);
    assert_eq!(sandbox.token_exchanges(), 1);
    let sent = sandbox
        .requests()
        .into_iter()
        .rfind(|r| r.method == "POST" && r.target.contains("/logins"))
        .unwrap();
    let header = |name: &str| {
        sent.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    assert_eq!(
        header("challengeSessionId"),
        Some(challenge.session_id.clone())
    );
    assert_eq!(header("challengeNodeId"), Some(challenge.node_id.clone()));
}

#[test]
fn two_questions_answered_in_order() {
    let sandbox = sandbox();
    let client = client(&sandbox, "challenge-two");

    let response = client
        .discover_and_add_accounts(CCBANK, &ccbank_login("tfa_text2"))
        .unwrap();
    let challenge = response.challenge().unwrap().unwrap();
    let texts: Vec<&str> = challenge
        .questions
        .iter()
        .map(|q| q.text.as_str())
        .collect();
    assert_eq!(
        texts,
        [
            "Enter your first pet's name:",
            "Enter your high school's name:"
        ]
    );

    let answered = client
        .confirm_challenge(
            CCBANK,
            &challenge.session_id,
            &challenge.node_id,
            &["Rex", "Lincoln High"],
        )
        .unwrap();

    assert_eq!(answered.status_code(), 201);
    let sent = sandbox
        .requests()
        .into_iter()
        .rfind(|r| r.method == "POST")
        .unwrap();
    let body = String::from_utf8(sent.body).unwrap();
    let rex = body.find(">Rex<").unwrap();
    let lincoln = body.find(">Lincoln High<").unwrap();
    assert!(rex < lincoln, "answers out of order: {body}");
    assert!(body.contains("http://schema.intuit.com/platform/fdatafeed/challenge/v1"));
}

#[test]
fn choice_challenge_sends_value() {
    let sandbox = sandbox();
    let client = client(&sandbox, "challenge-choice");

    let response = client
        .discover_and_add_accounts(CCBANK, &ccbank_login("tfa_choice"))
        .unwrap();
    let challenge = response.challenge().unwrap().unwrap();
    let question = &challenge.questions[0];
    assert_eq!(question.text, "Which high school did you attend?");
    let values: Vec<&str> = question.choices.iter().map(|c| c.value.as_str()).collect();
    assert_eq!(
        values,
        ["Washington", "Jefferson", "Wilson", "loop", "fail"]
    );
    let fail = question.choices.iter().find(|c| c.value == "fail").unwrap();
    assert_eq!(fail.text, "Fail");

    let error = client
        .confirm_challenge(
            CCBANK,
            &challenge.session_id,
            &challenge.node_id,
            &[&fail.value],
        )
        .unwrap_err();

    let api = error.api_error().expect("an API error");
    assert_eq!(api.error_code.as_deref(), Some("187"));
    let sent = sandbox
        .requests()
        .into_iter()
        .rfind(|r| r.method == "POST")
        .unwrap();
    assert!(String::from_utf8(sent.body).unwrap().contains(">fail<"));
}

#[test]
fn choice_loop_asks_again() {
    let sandbox = sandbox();
    let client = client(&sandbox, "challenge-loop");
    let response = client
        .discover_and_add_accounts(CCBANK, &ccbank_login("tfa_choice"))
        .unwrap();
    let first = response.challenge().unwrap().unwrap();

    let again = client
        .confirm_challenge(CCBANK, &first.session_id, &first.node_id, &["loop"])
        .unwrap();

    let second = again.challenge().unwrap().expect("a second challenge");
    assert_ne!(second.session_id, first.session_id);
    let done = client
        .confirm_challenge(CCBANK, &second.session_id, &second.node_id, &["Wilson"])
        .unwrap();
    assert_eq!(done.status_code(), 201);
}

#[test]
fn image_challenges_carry_jpeg() {
    let sandbox = sandbox();
    let client = client(&sandbox, "challenge-image");

    for user_id in ["tfa_image", "tfa_dynamic_image"] {
        let response = client
            .discover_and_add_accounts(CCBANK, &ccbank_login(user_id))
            .unwrap();
        let challenge = response.challenge().unwrap().unwrap();
        let image = challenge.questions[0].image.as_ref().expect("an image");
        assert_eq!(&image[..2], &[0xFF, 0xD8], "{user_id}: JPEG magic");

        let answered = client
            .confirm_challenge(CCBANK, &challenge.session_id, &challenge.node_id, &["dog"])
            .unwrap();
        assert_eq!(answered.status_code(), 201, "{user_id}");
    }
}

#[test]
fn expired_challenge_session_is_408() {
    let sandbox = aggcat::sandbox::Sandbox::builder()
        .institutions(100)
        .challenge_session_lifetime(std::time::Duration::from_millis(200))
        .start()
        .unwrap();
    let client = client(&sandbox, "challenge-expired");
    let response = client
        .discover_and_add_accounts(CCBANK, &ccbank_login("tfa_text"))
        .unwrap();
    let challenge = response.challenge().unwrap().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1200));

    let error = client
        .confirm_challenge(CCBANK, &challenge.session_id, &challenge.node_id, &["Rex"])
        .unwrap_err();

    assert_eq!(error.status(), Some(408), "{error:?}");
}

#[test]
fn bad_login_is_api_error_103() {
    let sandbox = sandbox();
    let client = client(&sandbox, "challenge-bad");

    for credentials in [
        [("Banking Userid", "bad"), ("Banking Password", "anyvalue")],
        [("Banking Userid", "anyvalue"), ("Banking Password", "bad")],
    ] {
        let error = client
            .discover_and_add_accounts(CCBANK, &credentials)
            .unwrap_err();

        let api = error.api_error().expect("an API error");
        assert_eq!(api.error_code.as_deref(), Some("103"));
        assert!(!matches!(api.status, 200 | 201 | 401));
    }
}

#[test]
fn request_error_is_server_error() {
    let sandbox = sandbox();
    let client = client(&sandbox, "challenge-request-error");

    let error = client
        .discover_and_add_accounts(CCBANK, &ccbank_login("request_error"))
        .unwrap_err();

    assert_eq!(error.status(), Some(500), "{error:?}");
}

#[test]
fn login_update_with_challenge() {
    let sandbox = sandbox();
    let client = client(&sandbox, "challenge-update");
    let accounts = discover(&client, "direct");
    let login_id = text(&accounts.get(0).unwrap(), "institution_login_id").to_string();

    let response = client
        .update_institution_login(CCBANK, &login_id, true, &ccbank_login("tfa_text"))
        .unwrap();
    let challenge = response.challenge().unwrap().unwrap();
    let answered = client
        .update_challenge(
            &login_id,
            &challenge.session_id,
            &challenge.node_id,
            &["Rex"],
            true,
        )
        .unwrap();

    assert_eq!(answered.status_code(), 200);
    assert!(answered.body().is_empty());
    let sent = sandbox.requests().into_iter().last().unwrap();
    assert_eq!(sent.method, "PUT");
    assert!(sent
        .target
        .ends_with(&format!("/logins/{login_id}?refresh=true")));
}

#[test]
fn missing_credential_is_typed_error() {
    let sandbox = sandbox();
    let client = client(&sandbox, "challenge-missing-field");

    let error = client
        .discover_and_add_accounts(CCBANK, &[("Banking Userid", "direct-SECRET")])
        .unwrap_err();

    let Error::MissingCredentials { missing, .. } = &error else {
        panic!("expected MissingCredentials, got {error:?}");
    };
    assert_eq!(missing, &["Banking Password".to_string()]);
    assert!(!error.to_string().contains("direct-SECRET"));
    assert!(!format!("{error:?}").contains("direct-SECRET"));
}

#[test]
fn single_account_still_a_list() {
    let sandbox = sandbox();
    let client = client(&sandbox, "challenge-one-account");

    let accounts = discover(&client, "one_account");

    assert_eq!(accounts.len(), 1);
    assert_eq!(accounts.children().count(), 1);
    assert_eq!(accounts.children_named("banking_account").count(), 1);
}

#[test]
fn wrong_node_keeps_session() {
    let sandbox = sandbox();
    let client = client(&sandbox, "challenge-wrong-node");
    let response = client
        .discover_and_add_accounts(CCBANK, &ccbank_login("tfa_text"))
        .unwrap();
    let challenge = response.challenge().unwrap().unwrap();

    let error = client
        .confirm_challenge(CCBANK, &challenge.session_id, "10.0.0.99", &["Rex"])
        .unwrap_err();
    let answered = client
        .confirm_challenge(CCBANK, &challenge.session_id, &challenge.node_id, &["Rex"])
        .unwrap();

    assert_eq!(error.status(), Some(408), "{error:?}");
    assert_eq!(answered.status_code(), 201);
}

#[test]
fn one_choice_still_a_list() {
    let body = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
        <Challenges xmlns=\"http://schema.intuit.com/platform/fdatafeed/challenge/v1\">\
        <challenge><text>Which card do you hold?</text>\
        <choice><text>Visa ending 1234</text><val>visa1234</val></choice>\
        </challenge></Challenges>";
    let sandbox = aggcat::sandbox::Sandbox::builder()
        .institutions(20)
        .fault_rule(
            aggcat::sandbox::FaultRule::new(
                "POST /v1/institutions/*/logins",
                aggcat::sandbox::Fault::Body {
                    status: 401,
                    content_type: "application/xml".to_string(),
                    headers: vec![
                        (
                            "challengeSessionId".to_string(),
                            "c0ffee00-1111".to_string(),
                        ),
                        ("challengeNodeId".to_string(), "10.1.2.3".to_string()),
                    ],
                    body: body.as_bytes().to_vec(),
                },
            )
            .times(1),
        )
        .start()
        .unwrap();
    let client = client(&sandbox, "challenge-one-choice");

    let response = client
        .discover_and_add_accounts(CCBANK, &ccbank_login("direct"))
        .unwrap();

    let challenge = response.challenge().unwrap().unwrap();
    assert_eq!(challenge.session_id, "c0ffee00-1111");
    assert_eq!(challenge.node_id, "10.1.2.3");
    assert_eq!(challenge.questions.len(), 1);
    let choices = &challenge.questions[0].choices;
    assert_eq!(choices.len(), 1);
    assert_eq!(
        choices.iter().map(|c| c.value.as_str()).collect::<Vec<_>>(),
        ["visa1234"]
    );
    assert_eq!(xml(&response).children().count(), 1);
}
