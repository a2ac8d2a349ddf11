//! The storage contract: both backends must behave the same, call for call.

use std::sync::Arc;

use futures_util::future::join_all;
use koe_collector::audit::Actor;
use koe_collector::responses::{AnswerWrite, Answers, Attribution, Client, MergeConflict};
use koe_collector::rollup::Summary;
use koe_collector::secrets;
use koe_collector::sites::registration::{SiteRequest, create_api_key, register_site};
use koe_collector::sites::{NewSite, Origin, SiteTimeZone};
use koe_collector::storage::{ImpressionOutcome, ImpressionWrite, Role, SaveError, StorageError};
use koe_shared::{AgentId, Channel, CsatScore, InteractionId, NpsScore, SiteKey, SubmissionStatus};
use koe_tests::{TestBackend, TestDatabase, on_both_backends};

const DAY_MS: i64 = 86_400_000;

async fn open<S: TestBackend>() -> Option<(S, TestDatabase)> {
    let db = TestDatabase::create(S::BACKEND).await?;
    let storage = S::open(&db.url).await.expect("storage opens and migrates");
    Some((storage, db))
}

fn request(name: &str) -> SiteRequest {
    SiteRequest {
        name: name.into(),
        origins: vec![
            Origin::parse("https://a.example").unwrap(),
            Origin::parse("http://localhost:3000").unwrap(),
        ],
        timezone: SiteTimeZone::parse("Europe/Paris").unwrap(),
        strict: true,
        low_n_threshold: 30,
    }
}

fn write(
    site_id: koe_collector::ids::SiteId,
    interaction: &str,
    now_ms: i64,
    agent: Option<&str>,
    verified: bool,
    answers: Answers,
) -> AnswerWrite {
    AnswerWrite {
        site_id,
        interaction: InteractionId::try_from(interaction).unwrap(),
        attribution: Attribution {
            agent: agent.map(|a| AgentId::try_from(a).unwrap()),
            channel: Some(Channel::Chat),
            verified,
            ..Attribution::default()
        },
        answers,
        day: "2026-11-26".parse().unwrap(),
        now_ms,
        edit_window_ms: 7 * DAY_MS,
        source: koe_collector::responses::Source::WIDGET,
    }
}

fn csat(v: u8) -> Answers {
    Answers {
        csat: Some(CsatScore::try_from(v).unwrap()),
        ..Answers::default()
    }
}

fn nps(v: u8) -> Answers {
    Answers {
        nps: Some(NpsScore::try_from(v).unwrap()),
        ..Answers::default()
    }
}

async fn sites_round_trip<S: TestBackend>() {
    let Some((storage, _db)) = open::<S>().await else {
        return;
    };
    let registered = register_site(&storage, request("Paris shop"))
        .await
        .unwrap();
    let found = storage
        .site_by_key(&registered.site.key)
        .await
        .unwrap()
        .expect("found by key");
    assert_eq!(
        (found.id, found.name.as_str(), found.strict),
        (registered.site.id, "Paris shop", true)
    );
    assert_eq!(found.origins.len(), 2);
    assert_eq!(found.timezone.name(), "Europe/Paris");
    assert_eq!(
        found.secret_digest,
        secrets::digest(&registered.signing_secret),
        "only the digest is kept"
    );
    assert_eq!(storage.sites().await.unwrap().len(), 1);
    assert!(
        storage
            .site_by_key(&SiteKey::try_from("site_nope").unwrap())
            .await
            .unwrap()
            .is_none()
    );

    let duplicate = NewSite {
        key: found.key.clone(),
        name: "again".into(),
        origins: vec![],
        timezone: SiteTimeZone::parse("UTC").unwrap(),
        strict: false,
        secret_digest: [0; 32],
        low_n_threshold: 30,
        created_at: jiff::Timestamp::UNIX_EPOCH,
    };
    assert!(matches!(
        storage.create_site(duplicate).await,
        Err(StorageError::Duplicate(_))
    ));
}

async fn api_keys_are_found_by_digest_only<S: TestBackend>() {
    let Some((storage, _db)) = open::<S>().await else {
        return;
    };
    let site = register_site(&storage, request("Keys")).await.unwrap().site;
    let (record, key) = create_api_key(&storage, &site, Role::Read, Actor::Cli)
        .await
        .unwrap();
    let found = storage
        .api_key_by_digest(&secrets::digest(&key))
        .await
        .unwrap()
        .expect("found");
    assert_eq!(found, record);
    assert_eq!((found.role, found.site_id), (Role::Read, site.id));
    assert!(key.starts_with(&found.prefix) && found.prefix.len() < key.len());
    assert!(
        storage
            .api_key_by_digest(&secrets::digest("koe_read_guess"))
            .await
            .unwrap()
            .is_none()
    );
}

async fn answers_merge_and_move_rollups<S: TestBackend>() {
    let Some((storage, _db)) = open::<S>().await else {
        return;
    };
    let site = register_site(&storage, request("Merge"))
        .await
        .unwrap()
        .site;
    let first = storage
        .save_answers(write(site.id, "c1", 1_000, Some("ken"), false, csat(5)))
        .await
        .unwrap();
    assert_eq!(first.status, SubmissionStatus::Created);
    let second = storage
        .save_answers(write(site.id, "c1", 2_000, None, false, nps(10)))
        .await
        .unwrap();
    assert_eq!(
        (second.status, second.id),
        (SubmissionStatus::Updated, first.id)
    );
    storage
        .save_answers(write(site.id, "c1", 3_000, None, false, csat(1)))
        .await
        .unwrap();

    let responses = storage.responses(site.id).await.unwrap();
    assert_eq!(responses.len(), 1);
    let state = &responses[0].state;
    assert_eq!(
        (
            state.answers.csat.map(u8::from),
            state.answers.nps.map(u8::from)
        ),
        (Some(1), Some(10))
    );
    assert_eq!((state.created_at_ms, state.updated_at_ms), (1_000, 3_000));

    let rollups = storage.rollups(site.id).await.unwrap();
    assert_eq!(rollups.len(), 1);
    let scores = rollups[0].1.scores();
    assert_eq!(
        (scores.csat, scores.nps[10], rollups[0].1.responses),
        ([1, 0, 0, 0, 0], 1, 1)
    );
    assert!(
        koe_collector::verify::rollup_drift(&storage)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn conflicts_change_nothing<S: TestBackend>() {
    let Some((storage, _db)) = open::<S>().await else {
        return;
    };
    let site = register_site(&storage, request("Window"))
        .await
        .unwrap()
        .site;
    storage
        .save_answers(write(site.id, "c1", 0, Some("ken"), false, csat(3)))
        .await
        .unwrap();
    let before = (
        storage.responses(site.id).await.unwrap(),
        storage.rollups(site.id).await.unwrap(),
    );

    let late = storage
        .save_answers(write(site.id, "c1", 7 * DAY_MS + 1, None, false, csat(5)))
        .await;
    assert!(
        matches!(
            late,
            Err(SaveError::Rejected(MergeConflict::EditWindowClosed))
        ),
        "{late:?}"
    );
    let other_agent = storage
        .save_answers(write(site.id, "c1", 10, Some("eve"), false, csat(5)))
        .await;
    assert!(matches!(
        other_agent,
        Err(SaveError::Rejected(MergeConflict::AttributionConflict))
    ));

    let after = (
        storage.responses(site.id).await.unwrap(),
        storage.rollups(site.id).await.unwrap(),
    );
    assert_eq!(before, after);
}

async fn signed_reattribution_moves_the_response<S: TestBackend>() {
    let Some((storage, _db)) = open::<S>().await else {
        return;
    };
    let site = register_site(&storage, request("Move")).await.unwrap().site;
    storage
        .save_answers(write(site.id, "c1", 0, Some("ken"), false, csat(4)))
        .await
        .unwrap();
    storage
        .save_answers(write(
            site.id,
            "c1",
            1,
            Some("eve"),
            true,
            Answers::default(),
        ))
        .await
        .unwrap();
    let rows: Vec<(String, i64, u64)> = storage
        .rollups(site.id)
        .await
        .unwrap()
        .into_iter()
        .map(|(k, c)| (k.agent_column().to_owned(), c.responses, c.scores().csat[3]))
        .collect();
    assert_eq!(rows, [("eve".to_owned(), 1, 1), ("ken".to_owned(), 0, 0)]);
    assert!(
        koe_collector::verify::rollup_drift(&storage)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn impressions_count_once<S: TestBackend>() {
    let Some((storage, _db)) = open::<S>().await else {
        return;
    };
    let site = register_site(&storage, request("Shown"))
        .await
        .unwrap()
        .site;
    let shown = || ImpressionWrite {
        site_id: site.id,
        interaction: InteractionId::try_from("c1").unwrap(),
        attribution: Attribution::default(),
        day: "2026-11-26".parse().unwrap(),
        now_ms: 0,
        customer: None,
    };
    assert_eq!(
        storage.record_impression(shown()).await.unwrap(),
        ImpressionOutcome::Recorded
    );
    assert_eq!(
        storage.record_impression(shown()).await.unwrap(),
        ImpressionOutcome::AlreadyRecorded
    );
    let rollups = storage.rollups(site.id).await.unwrap();
    assert_eq!((rollups.len(), rollups[0].1.impressions), (1, 1));
    assert_eq!(storage.impressions(site.id).await.unwrap().len(), 1);
}

async fn drift_is_detected<S: TestBackend>() {
    let Some((storage, db)) = open::<S>().await else {
        return;
    };
    let site = register_site(&storage, request("Drift"))
        .await
        .unwrap()
        .site;
    storage
        .save_answers(write(site.id, "c1", 0, Some("ken"), false, csat(2)))
        .await
        .unwrap();
    assert!(
        koe_collector::verify::rollup_drift(&storage)
            .await
            .unwrap()
            .is_empty()
    );
    let weekly = storage
        .summary_rollups(site.id, Summary::Weekly)
        .await
        .unwrap();
    assert_eq!(weekly.len(), 1);
    assert_eq!(
        (
            weekly[0].0.day.to_string().as_str(),
            weekly[0].0.team_column()
        ),
        ("2026-11-23", ""),
        "the week's Monday"
    );

    S::execute(&db.url, "UPDATE rollups SET csat_2 = csat_2 + 1, nps_0 = 5")
        .await
        .unwrap();
    let drift = koe_collector::verify::rollup_drift(&storage).await.unwrap();
    assert_eq!(drift.len(), 1);
    assert_eq!(
        (drift[0].0.clone(), drift[0].1.table),
        (site.key.clone(), "rollups")
    );
    assert_eq!(
        drift[0].1.differences(),
        ["csat_2: expected 1, found 2", "nps_0: expected 0, found 5"]
    );

    S::execute(&db.url, "UPDATE rollups SET csat_2 = csat_2 - 1, nps_0 = 0")
        .await
        .unwrap();
    S::execute(&db.url, "UPDATE rollups_weekly SET responses = 7")
        .await
        .unwrap();
    let drift = koe_collector::verify::rollup_drift(&storage).await.unwrap();
    assert_eq!(drift.len(), 1);
    assert_eq!(drift[0].1.table, "rollups_weekly");
    assert_eq!(drift[0].1.differences(), ["responses: expected 1, found 7"]);
}

async fn concurrent_writes_keep_rollups_exact<S: TestBackend>() {
    let Some((storage, _db)) = open::<S>().await else {
        return;
    };
    let site = register_site(&storage, request("Race")).await.unwrap().site;
    let storage = Arc::new(storage);
    let writes = (0..240).map(|i| {
        let storage = Arc::clone(&storage);
        let interaction = format!("c{}", i % 24);
        let answers = if i % 2 == 0 {
            csat(1 + (i % 5) as u8)
        } else {
            nps((i % 11) as u8)
        };
        let agent = (i % 7 == 0).then(|| format!("signed-{}", i % 3));
        let write = write(
            site.id,
            &interaction,
            i64::from(i),
            agent.as_deref(),
            agent.is_some(),
            answers,
        );
        tokio::spawn(async move { storage.save_answers(write).await })
    });
    for result in join_all(writes).await {
        result.expect("the task ran").expect("every write lands");
    }
    assert_eq!(storage.responses(site.id).await.unwrap().len(), 24);
    let total: i64 = storage
        .rollups(site.id)
        .await
        .unwrap()
        .iter()
        .map(|(_, c)| c.responses)
        .sum();
    assert_eq!(total, 24);
    assert!(
        koe_collector::verify::rollup_drift(&*storage)
            .await
            .unwrap()
            .is_empty()
    );
}

/// The same write, as a suspected link scanner's (flagged: kept, never counted).
fn scanned(write: AnswerWrite) -> AnswerWrite {
    AnswerWrite {
        source: koe_collector::responses::Source {
            client: Client::SuspectedScanner,
            flagged: true,
        },
        ..write
    }
}

/// Mid-November 2026 (UTC): one monthly partition on PostgreSQL holds every row below.
const NOVEMBER_MS: i64 = 1_795_000_000_000;

async fn concurrent_scanner_writes_keep_one_set_aside_row_per_interaction<S: TestBackend>() {
    let Some((storage, _db)) = open::<S>().await else {
        return;
    };
    let site = register_site(&storage, request("Scanned"))
        .await
        .unwrap()
        .site;
    for i in 0..4 {
        let person = write(site.id, &format!("s{i}"), NOVEMBER_MS, None, false, csat(5));
        storage.save_answers(person).await.unwrap();
    }
    // A gateway re-scanning every rating email, many times at once: batches carry several
    // answers to one interaction, and writers race for the row kept aside.
    let storage = Arc::new(storage);
    let writes = (0..60).map(|i| {
        let storage = Arc::clone(&storage);
        let scan = scanned(write(
            site.id,
            &format!("s{}", i % 4),
            NOVEMBER_MS + 10 + i64::from(i),
            None,
            false,
            csat(1 + (i % 5) as u8),
        ));
        tokio::spawn(async move { storage.save_answers(scan).await })
    });
    for result in join_all(writes).await {
        result.expect("the task ran").expect("every write lands");
    }
    let responses = storage.responses(site.id).await.unwrap();
    assert_eq!(
        responses.len(),
        8,
        "each interaction: its counted response and one answer aside, not 60 rows"
    );
    for i in 0..4 {
        let interaction = format!("s{i}");
        let rows: Vec<_> = responses
            .iter()
            .filter(|r| r.interaction.as_str() == interaction)
            .collect();
        let counted: Vec<_> = rows.iter().filter(|r| !r.set_aside).collect();
        let aside: Vec<_> = rows.iter().filter(|r| r.set_aside).collect();
        assert_eq!((counted.len(), aside.len()), (1, 1), "{interaction}");
        assert_eq!(counted[0].state.answers.csat.map(u8::from), Some(5));
        assert!(
            !counted[0].state.source.flagged,
            "the person's answer counts"
        );
        assert!(aside[0].state.source.flagged);
        assert_eq!(
            aside[0].state.created_at_ms, counted[0].state.created_at_ms,
            "kept beside its response"
        );
    }
    let total: i64 = storage
        .rollups(site.id)
        .await
        .unwrap()
        .iter()
        .map(|(_, c)| c.responses)
        .sum();
    assert_eq!(total, 4, "only the people's answers count");
    assert!(
        koe_collector::verify::rollup_drift(&*storage)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(storage.key_drift().await.unwrap().is_empty());
}

async fn an_existing_database_keeps_the_latest_set_aside_row_of_each_interaction<S: TestBackend>() {
    let Some((storage, db)) = open::<S>().await else {
        return;
    };
    let site = register_site(&storage, request("Upgraded"))
        .await
        .unwrap()
        .site;
    let person = write(site.id, "old-1", NOVEMBER_MS, None, false, csat(5));
    storage.save_answers(person).await.unwrap();
    let scan = scanned(write(
        site.id,
        "old-1",
        NOVEMBER_MS + 10,
        None,
        false,
        csat(1),
    ));
    storage.save_answers(scan).await.unwrap();
    storage.close().await;

    // The database as the release before left it: no unique index of set-aside rows, and a
    // row of its own (at its own time) for every scanner confirmation.
    for sql in [
        "DROP INDEX responses_one_set_aside",
        "DELETE FROM _sqlx_migrations WHERE version = 20261201000017",
    ] {
        S::execute(&db.url, sql).await.unwrap();
    }
    for (comment, later_ms, updated_ms) in [
        ("the latest scan", 2000, 2000),
        ("an older scan", 1000, -1000),
    ] {
        S::execute(
            &db.url,
            &format!(
                "INSERT INTO responses (site_id, interaction, agent, team, channel, verified, \
                 csat, nps, ces, resolved, comment, reasons, locale, day, created_at_ms, \
                 updated_at_ms, client, flagged, set_aside) \
                 SELECT site_id, interaction, agent, team, channel, verified, csat, nps, ces, \
                 resolved, '{comment}', reasons, locale, day, created_at_ms + {later_ms}, \
                 updated_at_ms + {updated_ms}, client, flagged, set_aside \
                 FROM responses WHERE set_aside AND comment IS NULL"
            ),
        )
        .await
        .unwrap();
    }

    let storage = S::open(&db.url).await.expect("the migration runs");
    let responses = storage.responses(site.id).await.unwrap();
    assert_eq!(responses.len(), 2, "the counted response and one aside");
    let counted = responses.iter().find(|r| !r.set_aside).unwrap();
    let aside = responses.iter().find(|r| r.set_aside).unwrap();
    assert_eq!(counted.state.answers.csat.map(u8::from), Some(5));
    assert_eq!(
        aside.state.answers.comment.as_ref().map(|c| c.as_str()),
        Some("the latest scan"),
        "the latest set-aside row stays"
    );
    assert_eq!(
        aside.state.created_at_ms, counted.state.created_at_ms,
        "moved beside its response"
    );
    assert!(
        koe_collector::verify::rollup_drift(&storage)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(storage.key_drift().await.unwrap().is_empty());

    // And the next scan replaces it in place, under the index the migration made.
    let rescan = scanned(write(
        site.id,
        "old-1",
        NOVEMBER_MS + 5000,
        None,
        false,
        csat(2),
    ));
    storage.save_answers(rescan).await.unwrap();
    let responses = storage.responses(site.id).await.unwrap();
    assert_eq!(responses.len(), 2);
    let aside = responses.iter().find(|r| r.set_aside).unwrap();
    assert_eq!(aside.state.answers.csat.map(u8::from), Some(2));
    assert_eq!(
        aside.state.answers.comment, None,
        "the latest answers, as they came"
    );
}

/// The cap of 10 webhooks holds under concurrent adds: it is counted in the transaction that
/// inserts (PostgreSQL locks the site's row first), not read before it.
async fn concurrent_webhook_adds_stop_at_the_cap<S: TestBackend>() {
    use koe_collector::alerts::webhooks::{
        MAX_WEBHOOKS_PER_SITE, WebhookError, WebhookRequest, add_webhook,
    };
    let Some((storage, _db)) = open::<S>().await else {
        return;
    };
    let site = register_site(&storage, request("Hooks"))
        .await
        .unwrap()
        .site;
    let (storage, site) = (Arc::new(storage), Arc::new(site));
    let adds = (0..30).map(|i| {
        let (storage, site) = (Arc::clone(&storage), Arc::clone(&site));
        tokio::spawn(async move {
            let url = format!("https://hooks.example.com/{i}");
            let request = WebhookRequest {
                url: &url,
                condition: "csat<=2",
                format: "json",
                events: "answers",
                reach: Default::default(),
            };
            add_webhook(&*storage, &site, request, Actor::Cli).await
        })
    });
    let mut added = 0;
    for result in join_all(adds).await {
        match result.expect("the task ran") {
            Ok(_) => added += 1,
            Err(WebhookError::TooMany) => {}
            Err(other) => panic!("{other}"),
        }
    }
    assert_eq!(added, MAX_WEBHOOKS_PER_SITE);
    assert_eq!(
        storage.webhooks(site.id).await.unwrap().len(),
        MAX_WEBHOOKS_PER_SITE
    );
}

/// Deliveries are taken in turn: each webhook's oldest due one, so one webhook's backlog
/// cannot fill a batch; beyond `keep` waiting for one webhook, the oldest are dropped with the
/// reason, and listed so.
async fn each_webhook_gets_its_turn_and_a_backlog_is_capped<S: TestBackend>() {
    use koe_collector::alerts::webhooks::{WebhookRequest, add_webhook};
    use koe_collector::storage::DeliveryState;
    let Some((storage, _db)) = open::<S>().await else {
        return;
    };
    let site = register_site(&storage, request("Hooks"))
        .await
        .unwrap()
        .site;
    let mut hooks = Vec::new();
    for (url, condition) in [
        ("https://busy.example.com/", "csat<=2"),
        ("https://quiet.example.com/", "nps<=6"),
    ] {
        let request = WebhookRequest {
            url,
            condition,
            format: "json",
            events: "answers",
            reach: Default::default(),
        };
        hooks.push(
            add_webhook(&storage, &site, request, Actor::Cli)
                .await
                .unwrap()
                .0
                .id,
        );
    }
    for i in 0..8 {
        let at = 1_000 + i64::from(i);
        storage
            .save_answers(write(site.id, &format!("c{i}"), at, None, false, csat(1)))
            .await
            .unwrap();
    }
    storage
        .save_answers(write(site.id, "n1", 2_000, None, false, nps(0)))
        .await
        .unwrap();
    let due = storage.due_deliveries(i64::MAX, 100).await.unwrap();
    let turns: Vec<_> = due.iter().map(|d| d.webhook_id).collect();
    assert_eq!(
        turns, hooks,
        "one delivery per webhook, the oldest due first"
    );

    assert_eq!(
        storage
            .drop_excess_deliveries(5, "too many", i64::MAX)
            .await
            .unwrap(),
        3
    );
    assert_eq!(
        storage
            .drop_excess_deliveries(5, "too many", i64::MAX)
            .await
            .unwrap(),
        0
    );
    let listed = storage.deliveries(site.id, 100).await.unwrap();
    let dropped: Vec<&str> = listed
        .iter()
        .filter(|d| d.state == DeliveryState::Dropped)
        .map(|d| d.interaction.as_str())
        .collect();
    assert_eq!(
        dropped,
        ["c2", "c1", "c0"],
        "the oldest go, newest first as listed"
    );
    assert!(
        listed
            .iter()
            .filter(|d| d.state == DeliveryState::Dropped)
            .all(|d| d.last_error.as_deref() == Some("too many"))
    );
    let due = storage.due_deliveries(i64::MAX, 100).await.unwrap();
    assert!(
        due[0].payload.contains(r#""interaction":"c3""#),
        "{}",
        due[0].payload
    );
}

on_both_backends!(
    concurrent_webhook_adds_stop_at_the_cap,
    each_webhook_gets_its_turn_and_a_backlog_is_capped,
    sites_round_trip,
    api_keys_are_found_by_digest_only,
    answers_merge_and_move_rollups,
    conflicts_change_nothing,
    signed_reattribution_moves_the_response,
    impressions_count_once,
    drift_is_detected,
    concurrent_writes_keep_rollups_exact,
    concurrent_scanner_writes_keep_one_set_aside_row_per_interaction,
    an_existing_database_keeps_the_latest_set_aside_row_of_each_interaction,
);
