//! The demo shop's words (`/demo`), in English and Japanese.

use koe_shared::Locale;

/// The demo shop's words.
#[derive(Debug)]
pub struct DemoTexts {
    pub title: &'static str,
    pub greeting: &'static str,
    pub question: &'static str,
    pub answer: &'static str,
    pub end: &'static str,
    pub other: &'static str,
}

pub static EN: DemoTexts = DemoTexts {
    title: "Koe Coffee — support chat",
    greeting: "Hi! This is Koe Coffee support. How can we help?",
    question: "My beans arrived but the bag was torn.",
    answer: "Sorry about that! I'm {agent}; a new bag ships today, no need to return the old one.",
    end: "End chat",
    other: "日本語",
};

pub static JA: DemoTexts = DemoTexts {
    title: "Koe コーヒー — サポートチャット",
    greeting: "こんにちは。Koe コーヒーのサポートです。ご用件をどうぞ。",
    question: "豆が届いたのですが、袋が破れていました。",
    answer: "申し訳ございません。担当の{agent}です。本日新しい袋を発送いたします。古い袋の返送は不要です。",
    end: "チャットを終了",
    other: "English",
};

/// The texts in a language.
pub fn of(locale: Locale) -> &'static DemoTexts {
    match locale {
        Locale::Ja => &JA,
        Locale::En => &EN,
    }
}
