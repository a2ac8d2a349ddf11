//! Telling people from link scanners. Mail security gateways open every link in a message;
//! some also submit what they find. A confirmation that comes from a known scanner, or less
//! than a second after its page was served, is kept but flagged (not counted).

use crate::responses::{Client, Source};

/// How soon after serving the page a person can plausibly have read it and clicked.
pub const HUMAN_DELAY_MS: i64 = 1000;

/// User-agent fragments of link scanners, previewers and scripts (lowercase).
const SCANNERS: [&str; 22] = [
    "bot",
    "crawler",
    "spider",
    "preview",
    "scanner",
    "safelinks",
    "safe links",
    "mimecast",
    "proofpoint",
    "barracuda",
    "forcepoint",
    "zscaler",
    "symantec",
    "trendmicro",
    "fireeye",
    "urldefense",
    "python-requests",
    "curl/",
    "wget",
    "go-http-client",
    "java/",
    "okhttp",
];

pub fn is_scanner(user_agent: Option<&str>) -> bool {
    let Some(agent) = user_agent
        .map(str::to_ascii_lowercase)
        .filter(|a| !a.trim().is_empty())
    else {
        return true;
    };
    SCANNERS.iter().any(|s| agent.contains(s))
}

/// Classifies a confirming POST from its user agent and the serving time the page carried.
pub fn classify(user_agent: Option<&str>, served_at_ms: Option<i64>, now_ms: i64) -> Source {
    let too_fast = served_at_ms.is_none_or(|served| now_ms - served < HUMAN_DELAY_MS);
    if is_scanner(user_agent) {
        Source {
            client: Client::SuspectedScanner,
            flagged: true,
        }
    } else {
        Source {
            client: Client::Browser,
            flagged: too_fast,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHROME: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36";

    #[test]
    fn people_count_and_scanners_are_flagged() {
        assert_eq!(
            classify(Some(CHROME), Some(0), 5_000),
            Source {
                client: Client::Browser,
                flagged: false
            }
        );
        assert!(
            classify(Some(CHROME), Some(4_500), 5_000).flagged,
            "confirmed within a second"
        );
        assert!(
            classify(Some(CHROME), None, 5_000).flagged,
            "no serving time: not from our page"
        );
        for agent in [
            "Mozilla/5.0 (compatible; BingPreview/1.0b)",
            "python-requests/2.31",
            "curl/8.0",
            "Mimecast-Scanner",
            "",
        ] {
            let source = classify(Some(agent), Some(0), 5_000);
            assert_eq!(
                source,
                Source {
                    client: Client::SuspectedScanner,
                    flagged: true
                },
                "{agent:?}"
            );
        }
        assert!(is_scanner(None));
    }
}
