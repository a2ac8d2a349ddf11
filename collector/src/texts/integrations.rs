//! The words of the dashboard's Integrations page, in English and Japanese.

#[derive(Debug)]
pub struct IntegrationTexts {
    pub title: &'static str,
    pub help: &'static str,
    pub integration: &'static str,
    pub state: &'static str,
    pub on: &'static str,
    pub paused: &'static str,
    pub events_today: &'static str,
    pub waiting: &'static str,
    pub given_up: &'static str,
    pub last_event: &'static str,
    pub last_error: &'static str,
    pub signature: &'static str,
    pub signature_checked: &'static str,
    /// A Chatwoot without its webhook secret: the address alone proves the sender.
    pub address_only: &'static str,
    pub unreadable: &'static str,
    pub never: &'static str,
    pub none_yet: &'static str,
    pub dead_letters: &'static str,
    pub dead_letters_help: &'static str,
    pub event: &'static str,
    pub received: &'static str,
    pub interaction: &'static str,
    pub why: &'static str,
    pub no_dead_letters: &'static str,
    pub kinds: [(&'static str, &'static str); 3],
    pub card: &'static str,
    pub card_help: &'static str,
    /// The card preview's label, before its language.
    pub card_in: &'static str,
}

pub static EN: IntegrationTexts = IntegrationTexts {
    title: "Integrations",
    help: "The helpdesks and LINE channels connected to this site, and how their events fared. \
           Connect, pause or remove them with koe integration or the admin API \
           (docs/operations.md, \"Integrations\").",
    integration: "Integration",
    state: "State",
    on: "On",
    paused: "Paused",
    events_today: "Events today",
    waiting: "Waiting",
    given_up: "Given up",
    last_event: "Last event",
    last_error: "Last error",
    signature: "Signature",
    signature_checked: "Checked",
    address_only: "Not checked: the address alone (give Chatwoot's webhook secret)",
    unreadable: "Credentials cannot be opened (secrets_key changed?)",
    never: "never",
    none_yet: "No helpdesk or LINE channel is connected yet.",
    dead_letters: "Calls given up",
    dead_letters_help: "Messages Koe could not deliver to a helpdesk or LINE after retrying \
                        (24 hours; a LINE reply only while its token lives). Retry one with \
                        koe integration retry --event N once the cause is fixed.",
    event: "Event",
    received: "Received",
    interaction: "Interaction",
    why: "Why",
    no_dead_letters: "None: every call went through.",
    kinds: [
        ("chatwoot", "Chatwoot"),
        ("line", "LINE"),
        ("generic", "Helpdesk webhook"),
    ],
    card: "The LINE rating card",
    card_help: "What a customer gets in LINE: koe link --format line-flex (buttons that open the \
                signed links) or line-flex-postback (taps answered in the talk, for a connected \
                channel). Shown here as LINE lays it out.",
    card_in: "The card in",
};

pub static JA: IntegrationTexts = IntegrationTexts {
    title: "連携",
    help: "このサイトに接続したヘルプデスクと LINE チャネル、そのイベントの状況です。接続・一時停止・\
           削除は koe integration または管理 API で行います（docs/operations.md の \
           「Integrations」）。",
    integration: "連携",
    state: "状態",
    on: "有効",
    paused: "一時停止中",
    events_today: "今日のイベント",
    waiting: "送信待ち",
    given_up: "送信断念",
    last_event: "最後のイベント",
    last_error: "最後のエラー",
    signature: "署名",
    signature_checked: "検証あり",
    address_only: "検証なし：アドレスのみ（Chatwoot の Webhook シークレットを設定してください）",
    unreadable: "認証情報を開けません（secrets_key が変わりましたか）",
    never: "なし",
    none_yet: "まだヘルプデスクも LINE チャネルも接続されていません。",
    dead_letters: "送信を断念したメッセージ",
    dead_letters_help: "再試行しても ヘルプデスクや LINE に届けられなかったメッセージです（24 時間。\
                        LINE の返信はトークンの有効な間のみ）。原因を直したら \
                        koe integration retry --event N で再送できます。",
    event: "イベント",
    received: "受信",
    interaction: "問い合わせ",
    why: "理由",
    no_dead_letters: "ありません。すべて届きました。",
    kinds: [
        ("chatwoot", "Chatwoot"),
        ("line", "LINE"),
        ("generic", "ヘルプデスクの Webhook"),
    ],
    card: "LINE の評価カード",
    card_help: "お客様に LINE で届くカードです。koe link --format line-flex（ボタンが署名付きリンクを\
                開く）または line-flex-postback（接続したチャネルでトーク内で回答）。LINE の\
                レイアウトで表示しています。",
    card_in: "カードの言語：",
};

impl IntegrationTexts {
    /// A kind's name as shown.
    pub fn kind(&self, kind: &str) -> &'static str {
        self.kinds
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or("?", |(_, label)| label)
    }
}
