//! Every string the widget shows, in each language. A struct, not a map: a language that lacks
//! a text does not compile. The questions come from `koe_shared::wording`, shared with the
//! rating emails and the hosted survey page.

use koe_shared::{Locale, wording};

/// The widget's texts in a language (which one: `koe_shared::Locale::negotiate`).
pub fn texts(locale: Locale) -> &'static Texts {
    match locale {
        Locale::En => &EN,
        Locale::Ja => &JA,
    }
}

#[derive(Debug)]
pub struct Texts {
    pub survey_label: &'static str,
    pub close: &'static str,
    pub csat_question: &'static str,
    /// Names of CSAT 1–5.
    pub csat_labels: [&'static str; 5],
    pub nps_question: &'static str,
    pub nps_low: &'static str,
    pub nps_high: &'static str,
    pub ces_question: &'static str,
    pub ces_low: &'static str,
    pub ces_high: &'static str,
    pub resolved_question: &'static str,
    pub article_question: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub comment_question: &'static str,
    pub comment_placeholder: &'static str,
    pub reasons_question: &'static str,
    /// Labels of the reason chips, in [`crate::state::REASONS`] order.
    pub reason_labels: [&'static str; 5],
    pub send: &'static str,
    pub skip: &'static str,
    pub thanks: &'static str,
    pub thanks_detail: &'static str,
    pub step_of: &'static str,
    pub keyboard_hint: &'static str,
}

pub static EN: Texts = Texts {
    survey_label: "Feedback on our support",
    close: "Close",
    csat_question: wording::EN.csat_question,
    csat_labels: wording::EN.csat_labels,
    nps_question: wording::EN.nps_question,
    nps_low: wording::EN.nps_low,
    nps_high: wording::EN.nps_high,
    ces_question: "How easy was it to get your issue handled?",
    ces_low: "Very difficult",
    ces_high: "Very easy",
    resolved_question: "Was your issue resolved?",
    article_question: "Did this answer your question?",
    yes: "Yes",
    no: "No",
    comment_question: "Anything you would like to add? (optional)",
    comment_placeholder: "Your comment",
    reasons_question: "What went wrong?",
    reason_labels: [
        "Slow reply",
        "Not resolved",
        "Unfriendly",
        "Hard to understand",
        "Something else",
    ],
    send: "Send",
    skip: "Skip",
    thanks: "Thank you!",
    thanks_detail: "Your feedback helps us improve.",
    step_of: "Question {n} of {total}",
    keyboard_hint: "Use the arrow keys to choose, Enter to confirm.",
};

pub static JA: Texts = Texts {
    survey_label: "サポートについてのご意見",
    close: "閉じる",
    csat_question: wording::JA.csat_question,
    csat_labels: wording::JA.csat_labels,
    nps_question: wording::JA.nps_question,
    nps_low: wording::JA.nps_low,
    nps_high: wording::JA.nps_high,
    ces_question: "問題の解決はどのくらい簡単でしたか？",
    ces_low: "とても難しい",
    ces_high: "とても簡単",
    resolved_question: "お問い合わせの問題は解決しましたか？",
    article_question: "この記事で疑問は解決しましたか？",
    yes: "はい",
    no: "いいえ",
    comment_question: "ほかにご意見があればお聞かせください（任意）",
    comment_placeholder: "ご意見",
    reasons_question: "どの点がよくなかったですか？",
    reason_labels: [
        "返信が遅い",
        "解決しなかった",
        "対応が不親切",
        "説明がわかりにくい",
        "その他",
    ],
    send: "送信",
    skip: "スキップ",
    thanks: "ありがとうございました！",
    thanks_detail: "いただいたご意見はサービスの改善に役立てます。",
    step_of: "{total}問中{n}問目",
    keyboard_hint: "矢印キーで選び、Enterキーで決定します。",
};

/// The texts are the two statics above: the same language is the same address. (Comparing
/// props by every field cost the wasm 0.8 KB.)
impl PartialEq for Texts {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

impl Eq for Texts {}

impl Texts {
    /// "Question 2 of 3" / 「3問中2問目」.
    pub fn step(&self, n: usize, total: usize) -> String {
        // `{n}` and `{total}` filled by hand: `str::replace` costs the wasm 1.3 KB.
        let mut text = String::new();
        for (i, piece) in self.step_of.split('{').enumerate() {
            match piece.split_once('}') {
                Some((name, rest)) if i > 0 => {
                    text.push_str(&if name == "n" { n } else { total }.to_string());
                    text.push_str(rest);
                }
                _ => text.push_str(piece),
            }
        }
        text
    }

    /// Every text, for completeness checks.
    pub fn all(&self) -> Vec<&'static str> {
        let mut all = vec![
            self.survey_label,
            self.close,
            self.csat_question,
            self.nps_question,
            self.nps_low,
            self.nps_high,
            self.ces_question,
            self.ces_low,
            self.ces_high,
            self.resolved_question,
            self.article_question,
            self.yes,
            self.no,
            self.comment_question,
            self.comment_placeholder,
            self.reasons_question,
            self.send,
            self.skip,
            self.thanks,
            self.thanks_detail,
            self.step_of,
            self.keyboard_hint,
        ];
        all.extend(self.csat_labels);
        all.extend(self.reason_labels);
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_exists_in_both_languages() {
        for texts in [&EN, &JA] {
            assert!(texts.all().iter().all(|t| !t.trim().is_empty()));
        }
        assert_eq!(EN.all().len(), JA.all().len());
        let differing = EN
            .all()
            .iter()
            .zip(JA.all())
            .filter(|(en, ja)| *en != ja)
            .count();
        assert_eq!(
            differing,
            EN.all().len(),
            "every Japanese text is translated"
        );
        assert!(JA.step_of.contains("{n}") && JA.step_of.contains("{total}"));
        assert_eq!(JA.step(2, 3), "3問中2問目");
    }
}
