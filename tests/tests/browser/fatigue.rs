//! The widget asks before it shows: a customer the site surveyed within its cooldown (named in
//! the signed token) sees nothing, the page hears `declined` with the reason, and no impression
//! is counted; another interaction of another customer is shown as usual.

use std::time::Duration;

use koe_shared::{AttributionClaims, CustomerId, InteractionId};
use koe_tests::in_an_hour;
use serde_json::json;

use crate::support::Scene;

const WIDGET_SHOWN: &str = "return !!document.querySelector('[data-koe]');";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_within_the_cooldown_is_not_shown_the_survey() {
    let Some(scene) = Scene::start().await else {
        return;
    };
    scene
        .app
        .update_site(&scene.site, &json!({ "cooldown_days": 30 }))
        .await;
    scene
        .open_page("/fatigue", "", "", "<p>Chat ended.</p>")
        .await;
    let b = &scene.browser;
    b.script(
        "window.declined = []; koe('on', 'declined', function (d) { window.declined.push(d); });",
        json!([]),
    )
    .await;
    let show = |interaction: &str, customer: &str| {
        let token = scene.site.token_for(AttributionClaims {
            site: scene.site.site.key.clone(),
            interaction: InteractionId::try_from(interaction).unwrap(),
            agent: None,
            team: None,
            channel: None,
            expires_at: in_an_hour(),
            offer: None,
            customer: Some(CustomerId::try_from(customer).unwrap()),
        });
        b.script(
            "koe('show', { interaction: arguments[0], token: arguments[1] });",
            json!([interaction, token]),
        )
    };

    show("chat-1", "alice").await;
    b.find_in_widget(".koe-scale-csat [data-value='4']").await;
    b.script("koe('hide');", json!([])).await;
    assert_eq!(scene.app.impression_count(&scene.site).await, 1);

    show("chat-2", "alice").await;
    let declined = b
        .wait_for(
            "the declined event",
            "return window.declined.length > 0 && window.declined[0];",
        )
        .await;
    assert_eq!(
        (
            declined["interaction"].as_str(),
            declined["reason"].as_str()
        ),
        (Some("chat-2"), Some("cooldown")),
        "{declined}"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        b.script(WIDGET_SHOWN, json!([])).await,
        false,
        "nothing shown"
    );
    assert_eq!(
        scene.app.impression_count(&scene.site).await,
        1,
        "a declined survey is not counted"
    );

    show("chat-3", "bob").await;
    b.find_in_widget(".koe-scale-csat [data-value='4']").await;
    assert_eq!(scene.app.impression_count(&scene.site).await, 2);
}
