//! `koe integration add chatwoot|line|generic`: each platform's flags, and the settings and
//! credentials they ask for.

use std::collections::BTreeMap;

use clap::Subcommand;
use koe_shared::{Channel, Locale};

use crate::integrations::generic::{Auth, FieldMapping, Respond};
use crate::integrations::{
    ChatwootConfig, Credentials, GenericConfig, IntegrationConfig, LINE_API, LineConfig,
};

/// What `koe integration add` connects. Each secret may come from its environment variable
/// instead of the command line (which other users of the machine can read in the process list).
#[derive(Subcommand)]
pub(in crate::cli) enum AddKind {
    /// A Chatwoot account: resolved conversations are recorded and surveyed in the conversation.
    Chatwoot {
        /// The Chatwoot installation, e.g. https://chat.example.
        #[arg(long)]
        url: String,
        /// The Chatwoot account's id (in its URLs: /app/accounts/N/…).
        #[arg(long)]
        account_id: u64,
        /// An Agent Bot's access token (a user's would count Koe's message as that agent's
        /// reply); sealed at rest, never shown again.
        #[arg(long, env = "KOE_CHATWOOT_API_TOKEN", hide_env_values = true)]
        api_token: String,
        /// The Chatwoot webhook's secret (Chatwoot 4.11.2+ signs; set it later with
        /// `koe integration credentials` once Chatwoot shows it).
        #[arg(long, env = "KOE_CHATWOOT_WEBHOOK_SECRET", hide_env_values = true)]
        webhook_secret: Option<String>,
        /// An inbox's channel, as INBOX=CHANNEL (e.g. 3=email); unnamed inboxes go by kind.
        #[arg(long = "inbox", value_name = "INBOX=CHANNEL")]
        inboxes: Vec<String>,
        /// The language of contacts whose own is unknown.
        #[arg(long, value_parser = ["ja", "en"], default_value = "en")]
        lang: String,
    },
    /// A LINE Messaging API channel: taps on Koe's rating cards come back as answers.
    Line {
        /// The channel secret (LINE Developers console, "Basic settings"): checks each
        /// webhook's X-Line-Signature; sealed at rest.
        #[arg(long, env = "KOE_LINE_CHANNEL_SECRET", hide_env_values = true)]
        channel_secret: String,
        /// The channel access token (replies are made with it); sealed at rest.
        #[arg(long, env = "KOE_LINE_ACCESS_TOKEN", hide_env_values = true)]
        access_token: String,
        /// After a rating, ask "was your issue resolved?" as quick replies.
        #[arg(long)]
        ask_resolved: bool,
        /// The Messaging API's address (only for a proxy you run, or a test receiver).
        #[arg(long, default_value = LINE_API)]
        api_base: String,
    },
    /// Any helpdesk's "ticket solved" webhook, read through a field mapping.
    Generic {
        /// FIELD=/json/pointer, once per field (interaction is required; also agent, team,
        /// channel, topic, customer, email, locale, opened_at, first_response_at, resolved_at).
        #[arg(long = "map", value_name = "FIELD=POINTER", required = true)]
        map: Vec<String>,
        /// Answer the rating links, or only record the interaction.
        #[arg(long, value_parser = ["links", "record"], default_value = "links")]
        respond: String,
        /// How the helpdesk proves itself: an HMAC-SHA256 signature (X-Koe-Signature) or
        /// Basic auth with the secret as password.
        #[arg(long, value_parser = ["hmac", "basic"], default_value = "hmac")]
        auth: String,
    },
}

impl std::fmt::Debug for AddKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AddKind([redacted])")
    }
}

/// What `add` asks for, read from its flags.
pub(super) fn requested(kind: AddKind) -> anyhow::Result<(IntegrationConfig, Option<Credentials>)> {
    Ok(match kind {
        AddKind::Chatwoot {
            url,
            account_id,
            api_token,
            webhook_secret,
            inboxes,
            lang,
        } => {
            let mut map = BTreeMap::new();
            for pair in inboxes {
                let (inbox, channel) = pair
                    .split_once('=')
                    .ok_or_else(|| anyhow::anyhow!("--inbox takes INBOX=CHANNEL, got {pair:?}"))?;
                let inbox: u64 = inbox
                    .trim()
                    .parse()
                    .map_err(|_| anyhow::anyhow!("--inbox: {inbox:?} is not an inbox id"))?;
                let channel: Channel = channel
                    .trim()
                    .parse()
                    .map_err(|e| anyhow::anyhow!("--inbox: {e}"))?;
                map.insert(inbox, channel);
            }
            (
                IntegrationConfig::Chatwoot(ChatwootConfig {
                    url,
                    account_id,
                    inboxes: map,
                    locale: lang.parse::<Locale>().unwrap_or(Locale::En),
                }),
                Some(Credentials::Chatwoot {
                    api_token,
                    webhook_secret,
                }),
            )
        }
        AddKind::Line {
            channel_secret,
            access_token,
            ask_resolved,
            api_base,
        } => (
            IntegrationConfig::Line(LineConfig {
                ask_resolved,
                api_base,
            }),
            Some(Credentials::Line {
                channel_secret,
                access_token,
            }),
        ),
        AddKind::Generic { map, respond, auth } => (
            IntegrationConfig::Generic(Box::new(GenericConfig {
                mapping: FieldMapping::from_pairs(map.iter().map(String::as_str))?,
                respond: respond.parse::<Respond>()?,
                auth: auth.parse::<Auth>()?,
            })),
            None,
        ),
    })
}
