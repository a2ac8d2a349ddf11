//! The words Koe writes into a conversation (a helpdesk's chat, a LINE talk): the rating
//! question with its one-click answers, the thank-you, and the "resolved?" follow-up. The
//! question and the names of the scores are the site's survey (`sites::survey::QuestionWords`).

use koe_shared::Locale;

#[derive(Debug)]
pub struct MessagingTexts {
    /// Under the choices of a helpdesk message.
    pub tap_one: &'static str,
    /// The Flex card's alternative text (notifications, old clients).
    pub card_alt: &'static str,
    pub thanks: &'static str,
    pub resolved_question: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    /// After the "resolved?" answer.
    pub noted: &'static str,
    /// A tap on a card that has expired or is not Koe's.
    pub expired: &'static str,
}

pub static EN: MessagingTexts = MessagingTexts {
    tap_one: "Choose one: it takes a second.",
    card_alt: "How satisfied are you with the support you received? Rate us",
    thanks: "Thank you for your rating!",
    resolved_question: "Was your issue resolved?",
    yes: "Yes",
    no: "No",
    noted: "Thank you, noted.",
    expired: "This survey has closed. Thank you all the same.",
};

pub static JA: MessagingTexts = MessagingTexts {
    tap_one: "ひとつお選びください（すぐに終わります）。",
    card_alt: "今回のサポートはいかがでしたか？評価をお願いします",
    thanks: "ご評価ありがとうございました。",
    resolved_question: "お問い合わせの件は解決しましたか？",
    yes: "はい",
    no: "いいえ",
    noted: "ありがとうございます。承りました。",
    expired: "このアンケートは終了しました。ありがとうございました。",
};

pub fn of(locale: Locale) -> &'static MessagingTexts {
    match locale {
        Locale::Ja => &JA,
        Locale::En => &EN,
    }
}
