//! A site's own survey in a real browser: published over the API, shown on the next survey
//! without a new script tag — its Japanese words with the brand and the agent's name, its own
//! reasons after an unhappy answer, its look — on a host page with its own header, main and
//! footer that axe still finds clean; the answer records the version and language it was
//! given in. Photographed in both languages (`site-survey-{ja,en}.png`).

use koe_collector::audit::Actor;
use koe_collector::sites::registration::create_api_key;
use koe_collector::storage::Role;
use serde_json::json;

use crate::accessibility::{assert_none, axe_source, violations};
use crate::support::{Scene, save_screenshot};

const HOST: &str = "<header style='padding:12px;background:#eee'><a href='/'>Yamada Denki</a></header>\
    <main style='font:16px sans-serif;padding:24px'><h1>Support</h1><p>Chat ended.</p></main>\
    <footer style='padding:12px'>© Yamada</footer>";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sites_own_survey_is_shown_in_japanese_and_its_answer_records_the_version() {
    let Some(axe) = axe_source() else {
        return;
    };
    let Some(scene) = Scene::start_with(false).await else {
        return;
    };
    let (app, b) = (&scene.app, &scene.browser);
    let (_, admin) = create_api_key(&app.storage, &scene.site.site, Role::Admin, Actor::Cli)
        .await
        .unwrap();
    let definition = json!({
        "languages": ["ja", "en"],
        "texts": {
            "ja": {"brand": "ヤマダ電機", "csat_question": "{brand}の{agent_display_name}の対応はいかがでしたか？",
                   "thanks": "ご協力ありがとうございました & またのご利用を"},
            "en": {"brand": "Yamada Denki", "csat_question": "How did {agent_display_name} at {brand} do?"},
        },
        "reasons": [
            {"id": "waited_long", "label": {"ja": "待ち時間が長い", "en": "Waited too long"}},
            {"id": "wrong_answer", "label": {"ja": "回答が間違っていた", "en": "Wrong answer"}},
            {"id": "friendly", "when": "happy", "label": {"ja": "親切だった", "en": "Friendly"}},
        ],
        "look": {"color": "#c2185b", "radius": 4, "position": "bottom-left"},
    });
    let published = app
        .client
        .put(app.url(&format!("/api/v1/sites/{}/survey", scene.site.key())))
        .bearer_auth(&admin)
        .json(&definition)
        .send()
        .await
        .unwrap();
    assert_eq!(published.status(), 200);

    let shadow = "var root = document.querySelector('[data-koe]').shadowRoot;";
    for lang in ["ja", "en"] {
        scene
            .open_page(
                &format!("/survey-{lang}"),
                &format!("data-lang=\"{lang}\""),
                "",
                HOST,
            )
            .await;
        b.script(
            "koe('show', { interaction: arguments[0], agent: 'sato', agentName: arguments[1], questions: ['csat', 'comment'] });",
            json!([format!("own-{lang}"), if lang == "ja" { "佐藤" } else { "Sato" }]),
        )
        .await;
        let one = b.find_in_widget(".koe-scale-csat [data-value='1']").await;
        let question = b
            .script(
                &format!("{shadow} return root.querySelector('#koe-question').textContent;"),
                json!([]),
            )
            .await;
        let expected = match lang {
            "ja" => "ヤマダ電機の佐藤の対応はいかがでしたか？",
            _ => "How did Sato at Yamada Denki do?",
        };
        assert_eq!(question, expected);
        let look = b
            .script(
                &format!("{shadow} var card = root.querySelector('.koe-card'), host = document.querySelector('[data-koe]');\
                 return [getComputedStyle(card).borderTopLeftRadius, getComputedStyle(root.querySelector('.koe-close')).outlineColor !== '', host.className, root.firstElementChild.getAttribute('lang')];"),
                json!([]),
            )
            .await;
        assert_eq!(look[0], "4px", "the site's corners");
        assert!(look[2].as_str().unwrap().contains("koe-left"), "{look}");
        assert_eq!(look[3], lang);
        // The page has its own banner, main and contentinfo: the survey adds none.
        assert_none(
            &violations(b, &axe, None).await,
            &format!("a host page with its own landmarks and the site's survey ({lang})"),
        );
        save_screenshot(b, &format!("site-survey-{lang}.png")).await;

        b.click(&one).await;
        b.find_in_widget("textarea").await;
        let chips = b
            .script(
                &format!("{shadow} return [].map.call(root.querySelectorAll('.koe-chip'), function (c) {{ return c.getAttribute('data-reason'); }});"),
                json!([]),
            )
            .await;
        assert_eq!(
            chips,
            json!(["waited_long", "wrong_answer"]),
            "the unhappy reasons only"
        );
        assert_none(
            &violations(b, &axe, None).await,
            &format!("the site's reasons ({lang})"),
        );
        b.click(&b.find_in_widget("[data-reason='wrong_answer']").await)
            .await;
        b.click(&b.find_in_widget(".koe-primary").await).await;
        let thanks = b
            .script(
                &format!("{shadow} return root.querySelector('.koe-thanks-title').textContent;"),
                json!([]),
            )
            .await;
        if lang == "ja" {
            assert_eq!(
                thanks, "ご協力ありがとうございました & またのご利用を",
                "as written, not as markup"
            );
        }
        let responses = scene
            .wait_for_response(&format!("own-{lang}"), |r| {
                r.interaction.as_str() == format!("own-{lang}")
                    && !r.state.answers.reasons.is_empty()
            })
            .await;
        let answers = &responses
            .iter()
            .find(|r| r.interaction.as_str() == format!("own-{lang}"))
            .unwrap()
            .state
            .answers;
        assert_eq!(answers.survey_version, Some(1), "the version it was given");
        assert_eq!(answers.locale.as_ref().map(|l| l.as_str()), Some(lang));
        assert_eq!(
            answers
                .reasons
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>(),
            ["wrong_answer"]
        );
    }
}
