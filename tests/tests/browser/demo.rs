//! The demo shop that `cargo xtask serve` opens: ending the chat shows the survey, and the
//! answer lands for the demo site, attributed by the page's signed token.

use std::time::{Duration, Instant};

use koe_collector::storage::SqliteStorage;
use koe_tests::TestApp;
use koe_tests::webdriver::Browser;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ending_the_demo_chat_shows_the_survey_and_stores_the_answer() {
    let Some(browser) = Browser::open().await else {
        return;
    };
    let app = TestApp::<SqliteStorage>::spawn_with(|s| s.demo = true)
        .await
        .expect("SQLite is always available");
    browser.goto(&app.url("/demo?lang=en")).await;
    browser.click(&browser.find("#end-chat").await).await;
    browser
        .click(
            &browser
                .find_in_widget(".koe-scale-csat [data-value='5']")
                .await,
        )
        .await;

    let demo = app
        .site_by_key("site_demo")
        .await
        .expect("the demo site exists");
    let started = Instant::now();
    loop {
        let responses = app.storage_responses(demo.id).await;
        if let Some(response) = responses.first() {
            assert_eq!(response.state.answers.csat.map(u8::from), Some(5));
            assert!(
                response.state.attribution.verified,
                "the demo page signs its token"
            );
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "the demo answer never arrived"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
