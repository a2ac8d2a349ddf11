//! Rollups stay exact when many submissions and edits for the same interactions race.

use futures_util::{StreamExt as _, stream};
use koe_shared::Channel;
use koe_tests::{TestApp, TestBackend, in_an_hour, on_both_backends};
use serde_json::{Value, json};

async fn racing_submissions_keep_rollups_exact<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn_with(|s| s.workers = 2).await else {
        return;
    };
    let site = app.site.key();
    let interactions = 30;
    let mut bodies: Vec<Value> = Vec::new();
    for i in 0..interactions {
        let interaction = format!("chat-{i}");
        let agent = format!("agent-{}", i % 4);
        bodies.push(json!({ "site": site, "interaction": interaction, "agent": agent, "channel": "chat", "csat": 1 + i % 5 }));
        bodies.push(json!({ "site": site, "interaction": interaction, "nps": i % 11 }));
        bodies.push(json!({ "site": site, "interaction": interaction, "csat": 5 - i % 5, "resolved": i % 2 == 0 }));
        bodies.push(json!({ "site": site, "interaction": interaction, "ces": 1 + i % 7, "comment": "thanks" }));
        bodies.push(json!({ "site": site, "interaction": interaction, "nps": 10 - i % 11 }));
        if i % 3 == 0 {
            // A signed re-attribution races the unsigned writes: rows move between agents.
            let token = app.site.token(
                &interaction,
                Some("agent-signed"),
                Some(Channel::Email),
                in_an_hour(),
            );
            bodies.push(
                json!({ "site": site, "interaction": interaction, "token": token, "csat": 3 }),
            );
        }
    }
    let total = bodies.len();
    let statuses: Vec<u16> = stream::iter(bodies)
        .map(|body| {
            let app = &app;
            async move { app.submit(&body).await.status().as_u16() }
        })
        .buffer_unordered(32)
        .collect()
        .await;
    // Unsigned writes that arrive after a signed re-attribution with their own agent are
    // refused (409); everything else lands.
    assert!(
        statuses.iter().all(|s| matches!(s, 200 | 201 | 409)),
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        interactions,
        "one creation each"
    );
    assert!(
        statuses.iter().filter(|s| **s == 200).count()
            >= total - interactions - 2 * interactions / 3
    );

    assert_eq!(app.responses(&app.site).await.len(), interactions);
    let rollups = app.rollups(&app.site).await;
    let responses: i64 = rollups.iter().map(|(_, c)| c.responses).sum();
    assert_eq!(responses, i64::try_from(interactions).unwrap());
    assert!(
        rollups
            .iter()
            .all(|(_, c)| c.values().iter().all(|v| *v >= 0)),
        "no negative counts"
    );
    assert!(
        app.drift().await.is_empty(),
        "rollups equal a recomputation from raw responses"
    );
}

on_both_backends!(racing_submissions_keep_rollups_exact);
