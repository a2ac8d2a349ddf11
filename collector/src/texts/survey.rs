//! The words of rating emails and the hosted survey page around the questions, in English and
//! Japanese; the questions themselves are the site's survey (`sites::survey::QuestionWords`),
//! the same the widget shows.

use koe_shared::Locale;

#[derive(Debug)]
pub struct SurveyTexts {
    pub lang: &'static str,
    pub title: &'static str,
    pub open_survey: &'static str,
    pub footnote: &'static str,
    pub confirm: &'static str,
    pub confirm_help: &'static str,
    pub thanks: &'static str,
    /// Above the follow-up when it asks two questions (NPS, then the comment)…
    pub follow_up: &'static str,
    /// …and when it asks one (the comment).
    pub follow_up_one: &'static str,
    pub comment: &'static str,
    pub send: &'static str,
    pub done: &'static str,
    pub expired: &'static str,
    pub invalid: &'static str,
    pub closed: &'static str,
    pub choose: &'static str,
    pub unavailable: &'static str,
    /// Asking again after a follow-up: the page's heading, the question, yes and no, and
    /// what it says after.
    pub recover_title: &'static str,
    pub recover_resolved: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub recover_thanks: &'static str,
    pub recover_answered: &'static str,
}

pub static EN: SurveyTexts = SurveyTexts {
    lang: "en",
    title: "Your feedback",
    open_survey: "Answer on a page instead",
    footnote: "One click opens a page where you confirm your answer.",
    confirm: "Send my answer",
    confirm_help: "Check your answer and send it. You can change it first.",
    thanks: "Thank you! Your answer was saved.",
    follow_up: "Two more questions, if you have a moment (optional)",
    follow_up_one: "One more question, if you have a moment (optional)",
    comment: "Anything you would like to add?",
    send: "Send",
    done: "Thank you for your feedback.",
    expired: "This survey link has expired. Thank you for wanting to tell us how we did.",
    invalid: "This survey link is not valid. Please use the link from your message as it is.",
    closed: "This answer can no longer be changed.",
    choose: "Please choose an answer first.",
    unavailable: "We could not save your answer just now. Please try again in a minute.",
    recover_title: "We followed up on your feedback",
    recover_resolved: "Is your issue resolved now?",
    yes: "Yes",
    no: "No",
    recover_thanks: "Thank you for telling us. It helps us do better.",
    recover_answered: "You have already answered. Thank you!",
};

pub static JA: SurveyTexts = SurveyTexts {
    lang: "ja",
    title: "ご意見をお聞かせください",
    open_survey: "ページで回答する",
    footnote: "クリックすると回答を確認するページが開きます。",
    confirm: "この回答を送信",
    confirm_help: "回答を確認して送信してください。送信前に変更できます。",
    thanks: "ありがとうございます。回答を保存しました。",
    follow_up: "よろしければ、あと2つお答えください（任意）",
    follow_up_one: "よろしければ、もう1つお答えください（任意）",
    comment: "ほかにご意見があればお聞かせください",
    send: "送信",
    done: "ご意見ありがとうございました。",
    expired: "このアンケートのリンクは有効期限が切れています。ご協力いただこうとしてくださり、ありがとうございます。",
    invalid: "このアンケートのリンクは無効です。メッセージ内のリンクをそのままお使いください。",
    closed: "この回答はもう変更できません。",
    choose: "回答を選んでください。",
    unavailable: "ただいま回答を保存できませんでした。少し時間をおいて、もう一度お試しください。",
    recover_title: "いただいたご意見への対応について",
    recover_resolved: "お問い合わせの件は解決しましたか？",
    yes: "はい",
    no: "いいえ",
    recover_thanks: "お知らせいただきありがとうございます。今後の改善に役立てます。",
    recover_answered: "すでにご回答いただいています。ありがとうございました。",
};

/// The texts in a language.
pub fn of(locale: Locale) -> &'static SurveyTexts {
    match locale {
        Locale::Ja => &JA,
        Locale::En => &EN,
    }
}
