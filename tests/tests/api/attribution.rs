//! Signed and unsigned attribution, strict and non-strict sites, and bad tokens.

use koe_shared::Channel;
use koe_shared::token::AttributionClaims;
use koe_tests::{TestApp, TestBackend, error_code, in_an_hour, on_both_backends};
use serde_json::{Value, json};

/// Submits and asserts a refusal that leaves storage untouched.
async fn assert_refused<S: TestBackend>(app: &TestApp<S>, body: Value, status: u16, code: &str) {
    let before = app.snapshot().await;
    let response = app.submit(&body).await;
    assert_eq!(response.status(), status, "{body}");
    assert_eq!(error_code(response).await, code, "{body}");
    assert_eq!(
        app.snapshot().await,
        before,
        "refused, so nothing stored: {body}"
    );
}

async fn unsigned_attribution_is_stored_unverified_on_open_sites<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let body = json!({ "site": app.site.key(), "interaction": "c1", "agent": "ken", "csat": 5 });
    assert_eq!(app.submit(&body).await.status(), 201);
    let stored = &app.responses(&app.site).await[0].state.attribution;
    assert_eq!(
        (stored.agent.as_ref().map(|a| a.as_str()), stored.verified),
        (Some("ken"), false)
    );
}

async fn a_valid_token_supplies_verified_attribution<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    for site in [&app.site, &app.strict_site] {
        let token = site.token("c2", Some("mai"), Some(Channel::Email), in_an_hour());
        let body = json!({ "site": site.key(), "interaction": "c2", "token": token, "csat": 4 });
        assert_eq!(app.submit(&body).await.status(), 201, "{}", site.site.name);
        let stored = &app.responses(site).await[0].state.attribution;
        assert_eq!(stored.agent.as_ref().map(|a| a.as_str()), Some("mai"));
        assert_eq!(
            (stored.channel, stored.verified),
            (Some(Channel::Email), true)
        );
    }
}

async fn strict_sites_refuse_unsigned_attribution<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let site = &app.strict_site;
    let unsigned = json!({ "site": site.key(), "interaction": "s1", "agent": "ken", "csat": 1 });
    assert_refused(&app, unsigned, 403, "token_required").await;
    let bare = json!({ "site": site.key(), "interaction": "s1", "csat": 1 });
    assert_refused(&app, bare, 403, "token_required").await;
    // The token covers the agent but not the team the page adds.
    let token = site.token("s1", Some("ken"), None, in_an_hour());
    let extra = json!({ "site": site.key(), "interaction": "s1", "token": token, "team": "night", "csat": 1 });
    assert_refused(&app, extra, 403, "unsigned_attribution").await;
}

/// The refusals counted at `/metrics` for each forgery code (process-wide: other tests add too).
async fn forgery_counts<S: TestBackend>(app: &TestApp<S>) -> [u64; 3] {
    let mut counts = [0; 3];
    for (count, code) in counts
        .iter_mut()
        .zip(["invalid_token", "token_expired", "token_mismatch"])
    {
        *count = app
            .metric(&format!("koe_submissions_refused_total{{code=\"{code}\"}}"))
            .await;
    }
    counts
}

async fn bad_tokens_are_refused<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let counted_before = forgery_counts(&app).await;
    let site = &app.site;
    let good = site.token("i1", Some("ken"), None, in_an_hour());

    // One character of the signed payload changed.
    let mut tampered = good.clone().into_bytes();
    tampered[12] = if tampered[12] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    assert_refused(
        &app,
        json!({ "site": site.key(), "interaction": "i1", "token": tampered, "csat": 5 }),
        403,
        "invalid_token",
    )
    .await;

    let expired = site.token("i1", Some("ken"), None, in_an_hour() - 7200);
    assert_refused(
        &app,
        json!({ "site": site.key(), "interaction": "i1", "token": expired, "csat": 5 }),
        403,
        "token_expired",
    )
    .await;

    // Issued by another site (its key, its secret), replayed here.
    let other = app.add_site("Other", false, "https://other.example").await;
    let foreign = other.token("i1", Some("ken"), None, in_an_hour());
    assert_refused(
        &app,
        json!({ "site": site.key(), "interaction": "i1", "token": foreign, "csat": 5 }),
        403,
        "invalid_token",
    )
    .await;
    // This site's secret, but claiming the other site.
    let claims_other = site.token_for(AttributionClaims {
        site: other.site.key.clone(),
        interaction: "i1".to_owned().try_into().unwrap(),
        agent: None,
        team: None,
        channel: None,
        expires_at: in_an_hour(),
        offer: None,
        customer: None,
    });
    assert_refused(
        &app,
        json!({ "site": site.key(), "interaction": "i1", "token": claims_other, "csat": 5 }),
        403,
        "invalid_token",
    )
    .await;

    assert_refused(
        &app,
        json!({ "site": site.key(), "interaction": "i2", "token": good, "csat": 5 }),
        403,
        "token_mismatch",
    )
    .await;
    assert_refused(&app, json!({ "site": site.key(), "interaction": "i1", "token": good, "agent": "eve", "csat": 5 }), 403, "token_mismatch").await;
    assert_refused(
        &app,
        json!({ "site": site.key(), "interaction": "i1", "token": "abc.def", "csat": 5 }),
        403,
        "invalid_token",
    )
    .await;

    let accepted = app.submit(&json!({ "site": site.key(), "interaction": "i1", "token": good, "agent": "ken", "csat": 5 })).await;
    assert_eq!(accepted.status(), 201, "the untampered token still works");

    let counted = forgery_counts(&app).await;
    for (i, (code, at_least)) in [
        ("invalid_token", 4),
        ("token_expired", 1),
        ("token_mismatch", 2),
    ]
    .into_iter()
    .enumerate()
    {
        assert!(
            counted[i] - counted_before[i] >= at_least,
            "{code}: counted {} of at least {at_least} refusals",
            counted[i] - counted_before[i]
        );
    }
}

async fn only_a_token_may_change_attribution<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let site = &app.site;
    assert_eq!(
        app.submit(&json!({ "site": site.key(), "interaction": "r1", "agent": "ken", "csat": 2 }))
            .await
            .status(),
        201
    );
    assert_refused(
        &app,
        json!({ "site": site.key(), "interaction": "r1", "agent": "eve", "csat": 5 }),
        409,
        "attribution_conflict",
    )
    .await;

    let token = site.token("r1", Some("eve"), Some(Channel::Chat), in_an_hour());
    assert_eq!(
        app.submit(&json!({ "site": site.key(), "interaction": "r1", "token": token }))
            .await
            .status(),
        422,
        "no answer, no write"
    );
    assert_eq!(
        app.submit(&json!({ "site": site.key(), "interaction": "r1", "token": token, "nps": 3 }))
            .await
            .status(),
        200
    );
    let rollups = app.rollups(site).await;
    let by_agent: Vec<(&str, i64)> = rollups
        .iter()
        .map(|(k, c)| (k.agent_column(), c.responses))
        .collect();
    assert_eq!(
        by_agent,
        [("eve", 1), ("ken", 0)],
        "the response moved to the signed agent's row"
    );
    assert!(app.drift().await.is_empty());
}

on_both_backends!(
    unsigned_attribution_is_stored_unverified_on_open_sites,
    a_valid_token_supplies_verified_attribution,
    strict_sites_refuse_unsigned_attribution,
    bad_tokens_are_refused,
    only_a_token_may_change_attribution,
);
