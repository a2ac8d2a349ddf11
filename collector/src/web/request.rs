//! What a request says about where it is answered: the language to answer in, and the
//! collector's own origins (for the dashboard's same-origin check and the public endpoints'
//! CORS). Below every page and endpoint that needs them.

use actix_web::http::header;

/// The language to answer in: `?lang=` if Koe speaks it, else the browser's first choice.
pub fn locale_of(req: &actix_web::HttpRequest, lang: Option<&str>) -> koe_shared::Locale {
    let accept = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    koe_shared::Locale::negotiate(lang, accept)
}

/// The collector's own origins: `public_url`'s when set (behind a TLS-terminating proxy the
/// request itself may look like plain http), and the one the request came to.
pub fn own_origins(
    public_url: Option<&str>,
    req: &actix_web::HttpRequest,
) -> Vec<crate::sites::Origin> {
    let info = req.connection_info();
    let this = format!("{}://{}", info.scheme(), info.host());
    public_url
        .into_iter()
        .chain([this.as_str()])
        .filter_map(|url| {
            let origin = url::Url::parse(url).ok()?.origin().ascii_serialization();
            crate::sites::Origin::parse(&origin).ok()
        })
        .collect()
}

/// Where links point: `public_url` when set, else the address this request came to.
pub fn public_base(public_url: Option<&str>, req: &actix_web::HttpRequest) -> String {
    public_url.map_or_else(
        || {
            let info = req.connection_info();
            format!("{}://{}", info.scheme(), info.host())
        },
        str::to_owned,
    )
}
