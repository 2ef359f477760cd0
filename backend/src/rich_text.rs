//! Markdown and HTML blocks become sanitized HTML here, and code blocks highlighted HTML, on
//! the server, so neither the sanitizer, the Markdown parser nor the grammars ship in the
//! browser bundle.

use std::{collections::BTreeMap, sync::LazyLock};

use domain::{PageDefinition, WidgetProps};
use pulldown_cmark::{Options, Parser, html};
use syntect::{
    html::{ClassStyle, ClassedHTMLGenerator},
    parsing::SyntaxSet,
    util::LinesWithEndings,
};

static SYNTAXES: LazyLock<SyntaxSet> = LazyLock::new(SyntaxSet::load_defaults_newlines);

/// Code as HTML with `hl-…` classes on its tokens (colours live in the style sheet). Every
/// piece of the source is escaped by the generator; an unknown language is plain text.
pub fn highlight(code: &str, language: &str) -> String {
    let syntax = SYNTAXES
        .find_syntax_by_token(language)
        .unwrap_or_else(|| SYNTAXES.find_syntax_plain_text());
    let mut generator = ClassedHTMLGenerator::new_with_class_style(
        syntax,
        &SYNTAXES,
        ClassStyle::SpacedPrefixed { prefix: "hl-" },
    );
    for line in LinesWithEndings::from(code) {
        if generator
            .parse_html_for_line_which_includes_newline(line)
            .is_err()
        {
            return html_escape(code);
        }
    }
    generator.finalize()
}

/// Text made safe to put in HTML element content.
pub fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Markdown → HTML with tables, strikethrough and task lists, then sanitized.
pub fn markdown_to_safe_html(source: &str) -> String {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut unsafe_html = String::new();
    html::push_html(&mut unsafe_html, Parser::new_ext(source, options));
    sanitize(&unsafe_html)
}

/// Keeps formatting and links; drops scripts, styles, event handlers, frames and URLs with
/// unsafe schemes. Links get `rel="noopener noreferrer"`.
pub fn sanitize(html: &str) -> String {
    ammonia::Builder::default().clean(html).to_string()
}

/// The HTML of every Markdown and HTML block on a page, by widget id.
pub fn render_blocks(definition: &PageDefinition) -> BTreeMap<String, String> {
    definition
        .layout
        .all_widgets()
        .into_iter()
        .filter_map(|widget| {
            let html = match &widget.props {
                WidgetProps::Markdown(markdown) => markdown_to_safe_html(&markdown.source),
                WidgetProps::Html(block) => sanitize(&block.html),
                WidgetProps::Code(code) => highlight(&code.code, &code.language),
                _ => return None,
            };
            Some((widget.id.clone(), html))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_keeps_formatting_and_drops_scripts() {
        let html = markdown_to_safe_html(
            "## Runbook\n\n*Restart* the [job](https://example.com).\n\n<script>alert(1)</script>\n\n| a | b |\n|---|---|\n| 1 | 2 |",
        );
        assert!(html.contains("<h2>Runbook</h2>"), "{html}");
        assert!(html.contains("<em>Restart</em>"), "{html}");
        assert!(html.contains("href=\"https://example.com\""), "{html}");
        assert!(html.contains("<td>2</td>"), "{html}");
        assert!(!html.contains("<script"), "{html}");
    }

    #[test]
    fn html_blocks_lose_handlers_and_unsafe_links() {
        let html = sanitize(
            r#"<p onclick="steal()">Hi <a href="javascript:steal()">x</a> <img src=x onerror=alert(1)><iframe src="https://evil"></iframe><style>body{}</style></p>"#,
        );
        assert!(!html.contains("onclick"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(!html.contains("<iframe"), "{html}");
        assert!(!html.contains("<style"), "{html}");
        assert!(html.starts_with("<p>Hi <a"), "{html}");
    }

    #[test]
    fn code_is_highlighted_and_escaped() {
        let html = highlight("SELECT name FROM jobs WHERE state = '<FAILED>'", "sql");
        assert!(html.contains("hl-keyword"), "{html}");
        assert!(html.contains("&lt;FAILED&gt;"), "{html}");
        assert!(!html.contains("<FAILED>"), "{html}");
        let plain = highlight("<b>not html</b>", "no-such-language");
        assert!(plain.contains("&lt;b&gt;"), "{plain}");
    }
}
