//! Rendering the askama templates in `collector/templates/` (every page and the rating
//! email). The templates escape every value by default; raw output would need a `|safe`
//! filter, and none of them has one.

use askama::Template;

/// A template as text. Rendering fails only when a value's `Display` fails, which none of
/// ours do; should it happen anyway, the error is logged and the text is empty rather than
/// half-written.
pub fn render(template: &impl Template) -> String {
    template.render().unwrap_or_else(|error| {
        tracing::error!(error = %error, template = std::any::type_name_of_val(template), "a template failed to render");
        String::new()
    })
}
