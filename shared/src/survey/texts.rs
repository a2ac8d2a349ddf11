//! Every sentence and label a customer reads in the survey, by key: Koe's own words in English
//! and Japanese (the defaults), how long a site's own may be, and which placeholders each may
//! hold. The widget, the hosted survey page, the rating email and LINE's card read the same
//! keys, so a customer reads the same words wherever they answer.

use crate::Locale;

/// The faces beside CSAT 1–5 in the rating email, LINE's card and Chatwoot's message (the
/// widget and the hosted page draw theirs with CSS, so they need no emoji font), the same in
/// every language.
pub const CSAT_FACES: [&str; 5] = ["😠", "🙁", "😐", "🙂", "😄"];

/// Where a site's brand name goes (the `brand` text, by default the site's name).
pub const BRAND: &str = "{brand}";
/// Where the agent's display name goes (`agentName` in `koe('show', …)`; where no name is
/// known, the `agent_fallback` text, "our team").
pub const AGENT: &str = "{agent_display_name}";

macro_rules! text_keys {
    ($($(#[$doc:meta])* $variant:ident => $wire:literal, $max:literal, $en:literal, $ja:literal;)+) => {
        /// One text of the survey.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum TextKey {
            $($(#[$doc])* $variant,)+
        }

        impl TextKey {
            /// Every key, in the order the survey shows them.
            pub const ALL: &'static [TextKey] = &[$(Self::$variant),+];

            /// Its name in a survey definition and on the wire (`csat_question`).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $wire,)+
                }
            }

            /// Longest text a site may set, in characters.
            pub fn max_chars(self) -> usize {
                match self {
                    $(Self::$variant => $max,)+
                }
            }

            /// Koe's own text in a language it speaks.
            pub fn default_text(self, locale: Locale) -> &'static str {
                match (self, locale) {
                    $((Self::$variant, Locale::En) => $en,
                      (Self::$variant, Locale::Ja) => $ja,)+
                }
            }
        }
    };
}

text_keys! {
    /// The survey's name, for screen readers and above the question.
    Title => "title", 60, "Feedback on our support", "サポートについてのご意見";
    /// What `{brand}` stands for (set for the first language, it stands in every language
    /// that sets none; set for none, the site's name).
    Brand => "brand", 60, "", "";
    /// What `{agent_display_name}` stands for when no agent's name is known.
    AgentFallback => "agent_fallback", 60, "our team", "担当者";
    CsatQuestion => "csat_question", 200,
        "How satisfied are you with the support you received?",
        "今回のサポートにどのくらい満足されましたか？";
    Csat1 => "csat_1", 40, "Very dissatisfied", "とても不満";
    Csat2 => "csat_2", 40, "Dissatisfied", "不満";
    Csat3 => "csat_3", 40, "Neutral", "どちらでもない";
    Csat4 => "csat_4", 40, "Satisfied", "満足";
    Csat5 => "csat_5", 40, "Very satisfied", "とても満足";
    NpsQuestion => "nps_question", 200,
        "How likely are you to recommend us to a friend or colleague?",
        "当社を友人や同僚に薦める可能性はどのくらいありますか？";
    NpsLow => "nps_low", 40, "Not likely", "まったく薦めない";
    NpsHigh => "nps_high", 40, "Very likely", "ぜひ薦めたい";
    CesQuestion => "ces_question", 200,
        "How easy was it to get your issue handled?", "問題の解決はどのくらい簡単でしたか？";
    CesLow => "ces_low", 40, "Very difficult", "とても難しい";
    CesHigh => "ces_high", 40, "Very easy", "とても簡単";
    ResolvedQuestion => "resolved_question", 200,
        "Was your issue resolved?", "お問い合わせの問題は解決しましたか？";
    ArticleQuestion => "article_question", 200,
        "Did this answer your question?", "この記事で疑問は解決しましたか？";
    /// Above the reasons offered after an unhappy answer.
    ReasonsQuestion => "reasons_question", 120, "What went wrong?", "どの点がよくなかったですか？";
    /// Above the reasons offered after a happy answer.
    PraiseQuestion => "praise_question", 120, "What went well?", "どの点がよかったですか？";
    CommentQuestion => "comment_question", 200,
        "Anything you would like to add? (optional)",
        "ほかにご意見があればお聞かせください（任意）";
    CommentPlaceholder => "comment_placeholder", 60, "Your comment", "ご意見";
    Thanks => "thanks", 120, "Thank you!", "ありがとうございました！";
    ThanksDetail => "thanks_detail", 200,
        "Your feedback helps us improve.", "いただいたご意見はサービスの改善に役立てます。";
    Yes => "yes", 40, "Yes", "はい";
    No => "no", 40, "No", "いいえ";
    Send => "send", 40, "Send", "送信";
    Skip => "skip", 40, "Skip", "スキップ";
    Close => "close", 40, "Close", "閉じる";
    /// "Question 2 of 3": `{n}` and `{total}` are filled in.
    StepOf => "step_of", 60, "Question {n} of {total}", "{total}問中{n}問目";
    KeyboardHint => "keyboard_hint", 120,
        "Use the arrow keys to choose, Enter to confirm.", "矢印キーで選び、Enterキーで決定します。";
}

impl TextKey {
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.as_str() == raw)
    }

    /// The placeholders this text may hold.
    pub fn placeholders(self) -> &'static [&'static str] {
        match self {
            Self::Brand | Self::AgentFallback => &[],
            Self::StepOf => &["{n}", "{total}"],
            _ => &[BRAND, AGENT],
        }
    }

    /// The CSAT label of a score 1–5.
    pub fn csat(score: u8) -> Self {
        [
            Self::Csat1,
            Self::Csat2,
            Self::Csat3,
            Self::Csat4,
            Self::Csat5,
        ][usize::from(score.clamp(1, 5) - 1)]
    }
}

/// Why a site's text is not plain text of the right length, or `None` when it is. Plain text:
/// no control characters, nothing that reads as markup (`<b>`, `</p>`, `<!--`), and only the
/// key's own placeholders. (Every place that shows a text escapes it anyway.)
pub fn refusal(key: TextKey, text: &str) -> Option<String> {
    let chars = text.chars().count();
    if text.trim().is_empty() && key != TextKey::Brand {
        return Some("must not be empty".into());
    }
    if chars > key.max_chars() {
        return Some(format!(
            "must be at most {} characters, got {chars}",
            key.max_chars()
        ));
    }
    plain_text_refusal(text).or_else(|| {
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            let close = rest[open..].find('}').map(|c| open + c + 1);
            let Some(close) = close else {
                return Some("has a { without its }".into());
            };
            let placeholder = &rest[open..close];
            if !key.placeholders().contains(&placeholder) {
                return Some(match key.placeholders() {
                    [] => format!("may hold no placeholder, got {placeholder}"),
                    allowed => format!(
                        "may hold only {} as placeholders, got {placeholder}",
                        allowed.join(" and ")
                    ),
                });
            }
            rest = &rest[close..];
        }
        None
    })
}

/// Why a label (a reason's, an option's) is not plain text, or `None` when it is.
pub fn plain_text_refusal(text: &str) -> Option<String> {
    if let Some(bad) = text.chars().find(|c| c.is_control()) {
        return Some(format!(
            "must be plain text on one line, without control character U+{:04X}",
            u32::from(bad)
        ));
    }
    let markup = text.as_bytes().windows(2).any(|pair| {
        pair[0] == b'<' && (pair[1].is_ascii_alphabetic() || matches!(pair[1], b'/' | b'!' | b'?'))
    });
    markup.then(|| "must be plain text, without markup such as <b> or </p>".into())
}

/// `text` with `{name}` replaced by `value` (and nothing else touched).
pub fn fill(text: &str, name: &str, value: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(name) {
        out.push_str(&rest[..at]);
        out.push_str(value);
        rest = &rest[at + name.len()..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_has_koes_text_in_both_languages_within_its_limit() {
        for &key in TextKey::ALL {
            for locale in [Locale::En, Locale::Ja] {
                let text = key.default_text(locale);
                if key != TextKey::Brand {
                    assert_eq!(refusal(key, text), None, "{key:?} {locale:?}");
                }
            }
            if key != TextKey::Brand {
                assert_ne!(
                    key.default_text(Locale::En),
                    key.default_text(Locale::Ja),
                    "{key:?} is translated"
                );
            }
            assert_eq!(TextKey::parse(key.as_str()), Some(key));
        }
        assert_eq!(TextKey::csat(5), TextKey::Csat5);
    }

    #[test]
    fn texts_are_plain_with_only_their_placeholders() {
        let q = TextKey::CsatQuestion;
        assert_eq!(refusal(q, "How was {brand} & {agent_display_name}?"), None);
        assert_eq!(refusal(q, "5 < 6, a<3 b"), None, "a lone < is text");
        // A scale's labels too: the widget fills the agent into the options the server resolved.
        assert_eq!(
            refusal(TextKey::Csat5, "{agent_display_name} was great"),
            None
        );
        for (bad, why) in [
            ("", "empty"),
            ("  ", "empty"),
            ("<b>How</b> was it?", "markup"),
            ("How was it?</p>", "markup"),
            ("<!-- x -->", "markup"),
            ("Line\nbreak", "U+000A"),
            ("How was {company}?", "{company}"),
            ("How was {brand?", "without its }"),
        ] {
            let reason = refusal(q, bad).unwrap_or_else(|| panic!("{bad:?} refused"));
            assert!(reason.contains(why), "{bad:?}: {reason}");
        }
        assert!(
            refusal(q, &"あ".repeat(201))
                .unwrap()
                .contains("at most 200")
        );
        assert_eq!(refusal(q, &"あ".repeat(200)), None);
        assert!(refusal(TextKey::Brand, "{brand}").is_some());
        assert_eq!(refusal(TextKey::StepOf, "{n}/{total}"), None);
        assert!(refusal(TextKey::StepOf, "{brand} {n}").is_some());
    }

    #[test]
    fn fill_replaces_every_placeholder_and_nothing_else() {
        assert_eq!(
            fill("{brand} and {brand}'s {x}", BRAND, "Acme"),
            "Acme and Acme's {x}"
        );
        assert_eq!(fill("no placeholder", BRAND, "Acme"), "no placeholder");
    }
}
