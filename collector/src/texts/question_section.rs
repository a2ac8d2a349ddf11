//! The words of the Overview's section on the site's own question, in English and Japanese.

#[derive(Debug)]
pub struct QuestionTexts {
    /// Before the question's own words: "Your question".
    pub heading: &'static str,
    pub help: &'static str,
    pub answer: &'static str,
    pub count: &'static str,
    pub share: &'static str,
    pub mean: &'static str,
    pub by_agent: &'static str,
    pub csv: &'static str,
}

pub static EN: QuestionTexts = QuestionTexts {
    heading: "Your question",
    help: "How the answers to your survey's own question spread in this range; shares are of the customers who answered it, each with its 95 % interval.",
    answer: "Answer",
    count: "Answers",
    share: "Share (95 % interval)",
    mean: "Mean (95 % interval)",
    by_agent: "By agent",
    csv: "Your question's answers by agent (CSV)",
};

pub static JA: QuestionTexts = QuestionTexts {
    heading: "独自の質問",
    help: "この期間に独自の質問へ寄せられた回答の分布です。割合は回答した顧客に占めるもので、95 %区間を添えています。",
    answer: "回答",
    count: "件数",
    share: "割合（95 %区間）",
    mean: "平均（95 %区間）",
    by_agent: "担当者別",
    csv: "独自の質問の回答（担当者別 CSV）",
};
