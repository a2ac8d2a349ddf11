//! Rendering the dashboard's askama templates (`collector/templates/dashboard/`). The
//! templates escape every value for HTML by default; raw output would need a `|safe` filter,
//! and the dashboard's templates have none.

use askama::Template;

/// A page as HTML. Rendering fails only when a value's `Display` fails, which none of ours
/// do; should it happen anyway, the error is logged and the page is empty rather than
/// half-written.
pub(super) fn render(page: &impl Template) -> String {
    page.render().unwrap_or_else(|error| {
        tracing::error!(error = %error, "a dashboard template failed to render");
        String::new()
    })
}
