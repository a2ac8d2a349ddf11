//! The survey's questions and scale names, which the widget, the rating email and the hosted
//! survey page all show: a customer reads the same words wherever they answer.

/// The faces beside CSAT 1–5 in the rating email (the widget and the hosted survey page draw
/// theirs with CSS, so they need no emoji font), the same in every language.
pub const CSAT_FACES: [&str; 5] = ["😠", "🙁", "😐", "🙂", "😄"];

/// One language's wording.
#[derive(Debug, PartialEq, Eq)]
pub struct Wording {
    pub csat_question: &'static str,
    /// Names of CSAT 1–5.
    pub csat_labels: [&'static str; 5],
    pub nps_question: &'static str,
    /// Names of NPS 0 and 10.
    pub nps_low: &'static str,
    pub nps_high: &'static str,
}

pub const EN: Wording = Wording {
    csat_question: "How satisfied are you with the support you received?",
    csat_labels: [
        "Very dissatisfied",
        "Dissatisfied",
        "Neutral",
        "Satisfied",
        "Very satisfied",
    ],
    nps_question: "How likely are you to recommend us to a friend or colleague?",
    nps_low: "Not likely",
    nps_high: "Very likely",
};

pub const JA: Wording = Wording {
    csat_question: "今回のサポートにどのくらい満足されましたか？",
    csat_labels: ["とても不満", "不満", "どちらでもない", "満足", "とても満足"],
    nps_question: "当社を友人や同僚に薦める可能性はどのくらいありますか？",
    nps_low: "まったく薦めない",
    nps_high: "ぜひ薦めたい",
};
