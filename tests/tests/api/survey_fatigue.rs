//! Survey fatigue: a site surveys a sample of its interactions (decided per interaction, so a
//! reload never flips it) and spares a customer it signed who was surveyed within its cooldown;
//! a `customer` the page sends unsigned changes nothing, so nobody can ask the collector who
//! contacted support lately. A declined survey records no impression, so the response rate's
//! denominator stays "surveys shown". Rating links follow the same rules unless forced. On
//! SQLite and PostgreSQL.

use futures_util::StreamExt as _;
use koe_collector::audit::Actor;
use koe_collector::responses::Attribution;
use koe_collector::sites::registration::create_api_key;
use koe_collector::storage::{CustomerCheck, ImpressionOutcome, ImpressionWrite, Role};
use koe_shared::{AttributionClaims, CustomerId, InteractionId};
use koe_tests::{TestApp, TestBackend, in_an_hour, on_both_backends};
use serde_json::{Value, json};

const DAY_MS: i64 = 86_400_000;

async fn patch_site<S: TestBackend>(app: &TestApp<S>, admin: &str, body: Value) -> (u16, Value) {
    let answer = app
        .client
        .patch(app.url(&format!("/api/v1/sites/{}", app.site.key())))
        .bearer_auth(admin)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = answer.status().as_u16();
    (status, answer.json().await.unwrap())
}

async fn admin_key<S: TestBackend>(app: &TestApp<S>) -> String {
    create_api_key(&app.storage, &app.site.site, Role::Admin, Actor::Cli)
        .await
        .unwrap()
        .1
}

/// `POST /api/v1/impressions`: status and body.
async fn ask<S: TestBackend>(app: &TestApp<S>, body: Value) -> (u16, Value) {
    let answer = app.post_json("/api/v1/impressions", &body).await;
    let status = answer.status().as_u16();
    (status, answer.json().await.unwrap())
}

/// An impression of the main site whose customer its backend signed in the token.
async fn ask_signed<S: TestBackend>(
    app: &TestApp<S>,
    interaction: &str,
    customer: &str,
) -> (u16, Value) {
    let token = app.site.customer_token(interaction, customer);
    let body = json!({ "site": app.site.key(), "interaction": interaction, "token": token });
    ask(app, body).await
}

/// `POST /api/v1/impressions` with everything a caller can observe of the answer but the
/// time it was sent (`Date`): status, headers (sorted) and body.
async fn observe<S: TestBackend>(
    app: &TestApp<S>,
    body: Value,
) -> (u16, Vec<(String, String)>, String) {
    let answer = app.post_json("/api/v1/impressions", &body).await;
    let status = answer.status().as_u16();
    let mut headers: Vec<(String, String)> = answer
        .headers()
        .iter()
        .filter(|(name, _)| name.as_str() != "date")
        .map(|(name, value)| {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            (name.as_str().to_owned(), value)
        })
        .collect();
    headers.sort();
    (status, headers, answer.text().await.unwrap())
}

async fn a_sample_of_20_percent_shows_a_fifth_of_surveys_and_never_flips<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn_with(|s| s.rate_limit_enabled = false).await else {
        return;
    };
    let admin = admin_key(&app).await;
    let (status, site) = patch_site(&app, &admin, json!({ "sample_percent": 20 })).await;
    assert_eq!((status, site["sample_percent"].as_u64()), (200, Some(20)));
    let key = app.site.key().to_owned();
    let verdicts: Vec<(usize, bool)> = futures_util::stream::iter(0..10_000)
        .map(|n| {
            let body = json!({ "site": key, "interaction": format!("chat-{n}") });
            let app = &app;
            async move {
                let (status, body) = ask(app, body).await;
                assert!(status == 200 || status == 201, "{status} {body}");
                (n, body["show"].as_bool().unwrap())
            }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    let shown = verdicts.iter().filter(|(_, show)| *show).count();
    // n p = 2 000, σ = √(n p (1 − p)) = 40: within 4σ. (Each run samples under a new key, so
    // the count is a fresh draw: 3σ failed about one run in 370 per backend — it did, with
    // 1 878 — while 4σ fails one in 16 000.)
    assert!((1_840..=2_160).contains(&shown), "{shown} of 10 000 shown");
    assert_eq!(
        app.impression_count(&app.site).await,
        shown,
        "only surveys shown are counted"
    );
    for (n, show) in verdicts.iter().take(200) {
        let (_, again) = ask(
            &app,
            json!({ "site": key, "interaction": format!("chat-{n}") }),
        )
        .await;
        assert_eq!(again["show"].as_bool(), Some(*show), "a reload never flips");
        if !show {
            assert_eq!(again["declined"], "sampled_out");
        }
    }
    for bad in [
        json!({ "sample_percent": 101 }),
        json!({ "cooldown_days": 366 }),
    ] {
        let (status, body) = patch_site(&app, &admin, bad).await;
        assert_eq!(status, 400, "{body}");
    }
}

async fn a_customer_surveyed_yesterday_is_spared_within_the_cooldown<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let admin = admin_key(&app).await;
    let (status, _) = patch_site(&app, &admin, json!({ "cooldown_days": 30 })).await;
    assert_eq!(status, 200);
    // Alice was shown (and answered) a survey yesterday.
    let key = koe_collector::surveying::customer_key(None, &app.storage)
        .await
        .unwrap();
    let alice = CustomerId::try_from("alice@example.com").unwrap();
    let yesterday = koe_collector::clock::now_ms() - DAY_MS;
    let shown = app
        .storage
        .record_impression(ImpressionWrite {
            site_id: app.site.site.id,
            interaction: InteractionId::try_from("chat-yesterday").unwrap(),
            attribution: Attribution::default(),
            day: app.site.site.timezone.local_date(yesterday),
            now_ms: yesterday,
            customer: Some(CustomerCheck {
                customer: key.hash(app.site.site.id, &alice),
                cooldown_ms: Some(30 * DAY_MS),
            }),
        })
        .await
        .unwrap();
    assert_eq!(shown, ImpressionOutcome::Recorded);
    let answered = app
        .submit(&json!({ "site": app.site.key(), "interaction": "chat-yesterday", "csat": 5 }))
        .await;
    assert_eq!(answered.status(), 201);
    let before = app.impression_count(&app.site).await;

    let site = app.site.key();
    let (status, today) = ask_signed(&app, "chat-today", "alice@example.com").await;
    assert_eq!(
        (status, today["show"].as_bool(), today["declined"].as_str()),
        (200, Some(false), Some("cooldown")),
        "{today}"
    );
    assert_eq!(
        app.impression_count(&app.site).await,
        before,
        "a declined survey records nothing"
    );
    let (status, bob) = ask_signed(&app, "chat-bob", "bob@example.com").await;
    assert_eq!((status, bob["show"].as_bool()), (201, Some(true)), "{bob}");
    let (status, reload) = ask_signed(&app, "chat-yesterday", "alice@example.com").await;
    assert_eq!(
        (
            status,
            reload["show"].as_bool(),
            reload["recorded"].as_bool()
        ),
        (200, Some(true), Some(false)),
        "a reload of a survey already shown is shown again: {reload}"
    );
    let (_, bob_again) = ask_signed(&app, "chat-bob-2", "bob@example.com").await;
    assert_eq!(
        bob_again["declined"], "cooldown",
        "bob, shown one a moment ago, is spared now"
    );

    // Rating links: the same rules, unless forced.
    let links = |body: Value| {
        app.client
            .post(app.url(&format!("/api/v1/sites/{site}/links")))
            .bearer_auth(&admin)
            .json(&body)
            .send()
    };
    let spared = links(
        json!({ "interaction": "ticket-1", "channel": "email", "customer": "alice@example.com" }),
    )
    .await
    .unwrap();
    assert_eq!(spared.status(), 200);
    let spared: Value = spared.json().await.unwrap();
    assert_eq!(spared["suppressed"], "cooldown", "{spared}");
    let forced = links(json!({ "interaction": "ticket-1", "channel": "email", "customer": "alice@example.com", "force": true }))
        .await
        .unwrap();
    assert_eq!(forced.status(), 201);
    let carol = links(
        json!({ "interaction": "ticket-2", "channel": "email", "customer": "carol@example.com" }),
    )
    .await
    .unwrap();
    assert_eq!(carol.status(), 201, "another customer gets links");
    let (_, carol_widget) = ask_signed(&app, "chat-carol", "carol@example.com").await;
    assert_eq!(
        carol_widget["declined"], "cooldown",
        "a link sent counts as surveyed"
    );
}

async fn a_strict_site_takes_the_customer_only_from_the_token<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let strict = app
        .add_site("Strict shop", true, "https://strict.example")
        .await;
    let admin = create_api_key(&app.storage, &strict.site, Role::Admin, Actor::Cli)
        .await
        .unwrap()
        .1;
    let answer = app
        .client
        .patch(app.url(&format!("/api/v1/sites/{}", strict.key())))
        .bearer_auth(&admin)
        .json(&json!({ "cooldown_days": 7 }))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let token = |interaction: &str, customer: Option<&str>| {
        strict.token_for(AttributionClaims {
            site: strict.site.key.clone(),
            interaction: InteractionId::try_from(interaction).unwrap(),
            agent: None,
            team: None,
            channel: None,
            expires_at: in_an_hour(),
            offer: None,
            customer: customer.map(|c| CustomerId::try_from(c).unwrap()),
        })
    };
    let (status, unsigned) = ask(
        &app,
        json!({ "site": strict.key(), "interaction": "c-1", "token": token("c-1", None), "customer": "dana" }),
    )
    .await;
    assert_eq!(
        (status, unsigned["error"].as_str()),
        (403, Some("unsigned_attribution")),
        "{unsigned}"
    );
    let (status, _) = ask(
        &app,
        json!({ "site": strict.key(), "interaction": "c-1", "token": token("c-1", Some("dana")) }),
    )
    .await;
    assert_eq!(status, 201);
    let (_, again) = ask(
        &app,
        json!({ "site": strict.key(), "interaction": "c-2", "token": token("c-2", Some("dana")) }),
    )
    .await;
    assert_eq!(again["declined"], "cooldown", "{again}");
    let (status, forged) = ask(
        &app,
        json!({ "site": strict.key(), "interaction": "c-3", "token": token("c-3", Some("dana")), "customer": "erin" }),
    )
    .await;
    assert!(status >= 400, "{forged}");
    assert_eq!(
        forged["error"], "token_mismatch",
        "the page cannot swap the signed customer: {forged}"
    );
}

/// Issue 28: a `customer` anyone can type into an impression was an oracle — `declined:
/// cooldown` for a person surveyed lately, `201` for one who was not — and it noted whoever it
/// named as surveyed. Now only a customer the site signed counts: asked unsigned about a customer
/// surveyed a moment ago, about one never surveyed, and about nobody, the collector answers
/// alike (status, headers but `Date`, body), and the never-surveyed one is still asked after.
async fn an_unsigned_customer_cannot_tell_who_was_surveyed_lately<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    app.update_site(&app.site, &json!({ "cooldown_days": 30 }))
        .await;
    let (status, _) = ask_signed(&app, "chat-alice", "alice@example.com").await;
    assert_eq!(status, 201, "alice is surveyed: her site signed her");

    let site = app.site.key();
    let surveyed = observe(
        &app,
        json!({ "site": site, "interaction": "probe-1", "customer": "alice@example.com" }),
    )
    .await;
    let never = observe(
        &app,
        json!({ "site": site, "interaction": "probe-2", "customer": "bob@example.com" }),
    )
    .await;
    let nobody = observe(&app, json!({ "site": site, "interaction": "probe-3" })).await;
    assert_eq!(
        surveyed, never,
        "surveyed lately or never: the answers cannot be told apart"
    );
    assert_eq!(never, nobody, "an unsigned customer changes nothing");
    let body: Value = serde_json::from_str(&surveyed.2).unwrap();
    assert_eq!(
        (surveyed.0, body),
        (201, json!({ "show": true, "recorded": true })),
        "each probe is an ordinary impression of a new interaction"
    );

    let (status, bob) = ask_signed(&app, "chat-bob", "bob@example.com").await;
    assert_eq!(
        (status, bob["show"].as_bool()),
        (201, Some(true)),
        "the unsigned probe did not note bob as surveyed: {bob}"
    );
}

/// The cooldown still spares a customer the site signed, whether the page repeats the signed
/// id or not; a token that signs the attribution but not the customer leaves the page's own
/// `customer` unsigned, and so ignored.
async fn a_customer_the_site_signed_is_still_spared_within_the_cooldown<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    app.update_site(&app.site, &json!({ "cooldown_days": 30 }))
        .await;
    let (status, _) = ask_signed(&app, "chat-1", "alice@example.com").await;
    assert_eq!(status, 201);
    let before = app.impression_count(&app.site).await;

    let (status, again) = ask_signed(&app, "chat-2", "alice@example.com").await;
    assert_eq!(
        (status, again),
        (
            200,
            json!({ "show": false, "recorded": false, "declined": "cooldown" })
        ),
        "alice was surveyed a moment ago"
    );
    let site = app.site.key();
    let token = app.site.customer_token("chat-3", "alice@example.com");
    let (_, repeated) = ask(
        &app,
        json!({ "site": site, "interaction": "chat-3", "token": token, "customer": "alice@example.com" }),
    )
    .await;
    assert_eq!(
        repeated["declined"], "cooldown",
        "the page may repeat the signed customer: {repeated}"
    );
    assert_eq!(
        app.impression_count(&app.site).await,
        before,
        "declined surveys record nothing"
    );

    let attribution_only = app.site.token("chat-4", Some("ken"), None, in_an_hour());
    let (status, unsigned) = ask(
        &app,
        json!({ "site": site, "interaction": "chat-4", "token": attribution_only, "customer": "alice@example.com" }),
    )
    .await;
    assert_eq!(
        (status, unsigned["show"].as_bool()),
        (201, Some(true)),
        "a customer the token does not sign is ignored: {unsigned}"
    );
}

/// Notes `old@example.com` surveyed 40 days ago and `recent@example.com` 3 days ago.
async fn note_old_and_recent_customers<S: TestBackend>(
    app: &TestApp<S>,
    site: &koe_collector::sites::Site,
) {
    let key = koe_collector::surveying::customer_key(None, &app.storage)
        .await
        .unwrap();
    let now = koe_collector::clock::now_ms();
    for (who, days_ago) in [("old@example.com", 40), ("recent@example.com", 3)] {
        let check = CustomerCheck {
            customer: key.hash(site.id, &CustomerId::try_from(who).unwrap()),
            cooldown_ms: None,
        };
        let at = jiff::Timestamp::from_millisecond(now - days_ago * DAY_MS).unwrap();
        assert!(
            app.storage
                .survey_customer(site.id, check, at)
                .await
                .unwrap()
        );
    }
}

async fn customers_past_the_cooldown_are_forgotten<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let admin = admin_key(&app).await;
    let (status, _) = patch_site(&app, &admin, json!({ "cooldown_days": 30 })).await;
    assert_eq!(status, 200);
    let site = app.site_by_key(app.site.key()).await.unwrap();
    note_old_and_recent_customers(&app, &site).await;
    // (The collector's own purge, started with it, may run meanwhile: with the cooldown read
    // when it deletes, it can only forget the same customer this one does.)
    let count = "UPDATE customer_surveys SET last_surveyed_ms = last_surveyed_ms";
    koe_collector::responses::retention::purge_due(&app.storage, 7)
        .await
        .unwrap();
    assert_eq!(
        S::execute(&app.db.url, count).await.unwrap(),
        1,
        "the customer surveyed 40 days ago, past the 30-day cooldown, is forgotten"
    );
}

/// A purge works from sites read at its start: one that read a site before its cooldown was
/// set must not take "no cooldown" to mean "forget everyone" (the statement reads the cooldown
/// stored when it runs).
async fn a_purge_that_read_the_site_before_its_cooldown_was_set_forgets_nobody_too_soon<
    S: TestBackend,
>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let admin = admin_key(&app).await;
    let (status, _) = patch_site(&app, &admin, json!({ "cooldown_days": 30 })).await;
    assert_eq!(status, 200);
    let site = app.site_by_key(app.site.key()).await.unwrap();
    note_old_and_recent_customers(&app, &site).await;
    let now = koe_collector::clock::now();
    // Whatever the caller read of the site, the cooldown stored now decides.
    assert_eq!(
        app.storage.forget_customers(site.id, now).await.unwrap(),
        1,
        "only the customer past the 30-day cooldown"
    );
    let (status, _) = patch_site(&app, &admin, json!({ "cooldown_days": 0 })).await;
    assert_eq!(status, 200);
    assert_eq!(
        app.storage.forget_customers(site.id, now).await.unwrap(),
        1,
        "without a cooldown none is kept"
    );
}

on_both_backends!(
    a_purge_that_read_the_site_before_its_cooldown_was_set_forgets_nobody_too_soon,
    customers_past_the_cooldown_are_forgotten,
    a_sample_of_20_percent_shows_a_fifth_of_surveys_and_never_flips,
    a_customer_surveyed_yesterday_is_spared_within_the_cooldown,
    a_strict_site_takes_the_customer_only_from_the_token,
    an_unsigned_customer_cannot_tell_who_was_surveyed_lately,
    a_customer_the_site_signed_is_still_spared_within_the_cooldown,
);
