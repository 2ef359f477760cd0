//! Tool logos: which images are accepted, judged by their bytes (never by a file name or a
//! declared type). PNG, JPEG and WebP must have a readable header; SVG must be plain drawing
//! — no scripts, event handlers, DTDs or references outside the file — because an SVG opened
//! on its own is a document that could run code in our origin.
//!
//! Shared by the server (the rule) and the browser (immediate feedback before uploading).

use crate::ValidationIssue;

pub const MAX_LOGO_BYTES: usize = 256 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogoFormat {
    Png,
    Jpeg,
    Webp,
    Svg,
}

impl LogoFormat {
    pub fn content_type(self) -> &'static str {
        match self {
            LogoFormat::Png => "image/png",
            LogoFormat::Jpeg => "image/jpeg",
            LogoFormat::Webp => "image/webp",
            LogoFormat::Svg => "image/svg+xml",
        }
    }
}

fn issue(message: impl Into<String>) -> ValidationIssue {
    ValidationIssue::new("logo", message)
}

/// Accepts a logo or says, in words an admin understands, what is wrong with it.
pub fn check_logo(bytes: &[u8]) -> Result<LogoFormat, ValidationIssue> {
    if bytes.is_empty() {
        return Err(issue(
            "the file is empty; choose a PNG, JPEG, SVG or WebP image",
        ));
    }
    if bytes.len() > MAX_LOGO_BYTES {
        return Err(issue(format!(
            "the file is {} KB; logos may be at most {} KB",
            bytes.len().div_ceil(1024),
            MAX_LOGO_BYTES / 1024
        )));
    }
    // Only PNG, JPEG and WebP are compiled into imagesize (see Cargo.toml), but another crate
    // could switch more formats on; anything else falls through to the SVG check.
    let raster = match imagesize::image_type(bytes) {
        Ok(imagesize::ImageType::Png) => Some(LogoFormat::Png),
        Ok(imagesize::ImageType::Jpeg) => Some(LogoFormat::Jpeg),
        Ok(imagesize::ImageType::Webp) => Some(LogoFormat::Webp),
        _ => None,
    };
    if let Some(format) = raster {
        return match imagesize::blob_size(bytes) {
            Ok(size) if size.width > 0 && size.height > 0 => Ok(format),
            _ => Err(issue(format!(
                "the file starts like a {} image but is damaged or incomplete",
                format.name()
            ))),
        };
    }
    match std::str::from_utf8(bytes) {
        Ok(text) if looks_like_svg(text) => check_svg(text).map(|()| LogoFormat::Svg),
        _ => Err(issue(
            "this is not a PNG, JPEG, SVG or WebP image; choose one of those",
        )),
    }
}

impl LogoFormat {
    fn name(self) -> &'static str {
        match self {
            LogoFormat::Png => "PNG",
            LogoFormat::Jpeg => "JPEG",
            LogoFormat::Webp => "WebP",
            LogoFormat::Svg => "SVG",
        }
    }
}

/// Text that starts like XML (a declaration, a comment or an element) and names an `<svg`.
fn looks_like_svg(text: &str) -> bool {
    let text = text.trim_start_matches('\u{feff}').trim_start();
    text.starts_with('<') && text.contains("<svg")
}

/// Elements that run code, embed other documents or load outside content.
const FORBIDDEN_ELEMENTS: [&str; 10] = [
    "script",
    "foreignobject",
    "iframe",
    "object",
    "embed",
    "audio",
    "video",
    "handler",
    "listener",
    "link",
];

fn check_svg(text: &str) -> Result<(), ValidationIssue> {
    use quick_xml::{Reader, events::Event};

    let unsafe_svg = |why: String| issue(format!("the SVG was refused: {why}"));
    let broken = |err: quick_xml::Error| {
        issue(format!(
            "the SVG could not be read ({err}); export it again from your drawing program"
        ))
    };
    let mut reader = Reader::from_str(text);
    let mut depth = 0_usize;
    let mut root_seen = false;
    let mut in_style = false;
    loop {
        let event = reader.read_event().map_err(broken)?;
        match &event {
            Event::Start(element) | Event::Empty(element) => {
                let name = element.local_name().as_ref().to_lowercase();
                if depth == 0 {
                    if root_seen {
                        return Err(unsafe_svg("it has content after the drawing".into()));
                    }
                    if name != "svg" {
                        return Err(issue(
                            "this is not a PNG, JPEG, SVG or WebP image; choose one of those",
                        ));
                    }
                    root_seen = true;
                }
                if FORBIDDEN_ELEMENTS.contains(&name.as_str()) {
                    return Err(unsafe_svg(format!("it contains a <{name}> element")));
                }
                let animates = name == "set" || name.starts_with("animate");
                for attribute in element.attributes() {
                    let attribute = attribute.map_err(|err| broken(err.into()))?;
                    let key = attribute.key.local_name().as_ref().to_lowercase();
                    let value = attribute
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .map_err(broken)?;
                    if key.starts_with("on") {
                        return Err(unsafe_svg(format!("it has an event handler ({key})")));
                    }
                    if (key == "href" || key == "src") && !is_internal_reference(&value) {
                        return Err(unsafe_svg(format!(
                            "it refers to something outside the file ({})",
                            shorten(&value)
                        )));
                    }
                    if animates
                        && key == "attributename"
                        && (value.to_lowercase().contains("href")
                            || value.to_lowercase().starts_with("on"))
                    {
                        return Err(unsafe_svg("it animates a link or an event handler".into()));
                    }
                    if let Some(why) = unsafe_css(&value) {
                        return Err(unsafe_svg(why));
                    }
                }
                if matches!(event, Event::Start(_)) {
                    depth += 1;
                    in_style = name == "style";
                }
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                in_style = false;
            }
            Event::Text(content) => {
                let content = content.xml10_content();
                if depth == 0 && !content.trim().is_empty() {
                    return Err(issue(
                        "the SVG has text outside the drawing; export it again from your drawing program",
                    ));
                }
                if in_style && let Some(why) = unsafe_css(&content) {
                    return Err(unsafe_svg(why));
                }
            }
            Event::CData(content) => {
                if in_style && let Some(why) = unsafe_css(content.as_ref()) {
                    return Err(unsafe_svg(why));
                }
            }
            Event::GeneralRef(reference) => {
                let predefined = matches!(&**reference, "amp" | "lt" | "gt" | "quot" | "apos");
                if !(predefined || reference.is_char_ref()) {
                    return Err(unsafe_svg("it uses entity references".into()));
                }
            }
            Event::DocType(_) => {
                return Err(unsafe_svg(
                    "it declares a DOCTYPE (entities can hide content)".into(),
                ));
            }
            Event::PI(_) => {
                return Err(unsafe_svg(
                    "it has processing instructions such as a style sheet link".into(),
                ));
            }
            Event::Decl(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if !root_seen || depth != 0 {
        return Err(issue(
            "the SVG is incomplete; export it again from your drawing program",
        ));
    }
    Ok(())
}

/// Fragment links (`#gradient`) and embedded raster images stay inside the file.
fn is_internal_reference(value: &str) -> bool {
    let value = value.trim().to_ascii_lowercase();
    value.starts_with('#')
        || [
            "data:image/png",
            "data:image/jpeg",
            "data:image/webp",
            "data:image/gif",
        ]
        .iter()
        .any(|prefix| value.starts_with(prefix))
}

/// Style text that loads something from elsewhere (`url(…)` other than `#id`, `@import`).
fn unsafe_css(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    if lower.contains("@import") {
        return Some("its style imports another style sheet".into());
    }
    if lower.contains("expression(") {
        return Some("its style contains an expression".into());
    }
    for (index, _) in lower.match_indices("url(") {
        let target = lower[index + 4..].trim_start_matches([' ', '"', '\'']);
        if !is_internal_reference(target) {
            return Some(format!(
                "its style refers to something outside the file ({})",
                shorten(&text[index..])
            ));
        }
    }
    None
}

fn shorten(text: &str) -> String {
    match text.char_indices().nth(60) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 1×1 indigo PNG.
    const TINY_PNG: &[u8] = &[
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44,
        0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F,
        0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF0,
        0x77, 0x7B, 0xFA, 0x1F, 0x00, 0x04, 0xDC, 0x02, 0x7A, 0xCC, 0xCE, 0x05, 0x8E, 0x00, 0x00,
        0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
    ];

    fn refused(bytes: &[u8]) -> String {
        check_logo(bytes).unwrap_err().message
    }

    #[test]
    fn raster_formats_are_recognised_by_their_bytes() {
        assert_eq!(check_logo(TINY_PNG), Ok(LogoFormat::Png));
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0x01, 0x01, 0x00,
            0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x00, 0x02, 0x00,
            0x03, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01,
        ];
        assert_eq!(check_logo(&jpeg), Ok(LogoFormat::Jpeg));
        let mut webp = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f".to_vec();
        webp.extend_from_slice(&[0x00, 0x00, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(check_logo(&webp), Ok(LogoFormat::Webp));
    }

    #[test]
    fn wrong_types_damaged_files_and_oversized_files_are_refused() {
        assert!(refused(b"").contains("empty"));
        assert!(refused(b"GIF89a\x01\x00\x01\x00").contains("not a PNG, JPEG, SVG or WebP"));
        assert!(refused(b"%PDF-1.7 hello").contains("not a PNG, JPEG, SVG or WebP"));
        assert!(refused(b"<html><body>hi</body></html>").contains("not a PNG"));
        assert!(refused(&TINY_PNG[..12]).contains("damaged"));
        let mut big = TINY_PNG.to_vec();
        big.resize(MAX_LOGO_BYTES + 1, 0);
        assert_eq!(
            refused(&big),
            "the file is 257 KB; logos may be at most 256 KB"
        );
    }

    #[test]
    fn plain_svg_drawings_are_accepted() {
        let svg = r##"<?xml version="1.0" encoding="UTF-8"?>
            <!-- made by hand -->
            <svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10">
              <defs><linearGradient id="g"><stop offset="0" stop-color="#fff"/></linearGradient></defs>
              <style>.a { fill: url(#g); }</style>
              <rect class="a" width="10" height="10" fill="url(#g)"/>
              <use xlink:href="#g"/>
              <text>R&amp;D &#169;</text>
            </svg>"##;
        assert_eq!(check_logo(svg.as_bytes()), Ok(LogoFormat::Svg));
    }

    #[test]
    fn svg_with_code_or_outside_references_is_refused() {
        let cases = [
            (
                r#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#,
                "<script>",
            ),
            (
                r#"<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>"#,
                "event handler",
            ),
            (
                r#"<svg xmlns="http://www.w3.org/2000/svg"><a href="javascript:alert(1)"><rect/></a></svg>"#,
                "outside the file",
            ),
            (
                r#"<svg xmlns="http://www.w3.org/2000/svg"><image href="https://evil.example/x.png"/></svg>"#,
                "outside the file",
            ),
            (
                r#"<svg xmlns="http://www.w3.org/2000/svg"><style>@import url(https://x)</style></svg>"#,
                "imports",
            ),
            (
                r#"<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill:url('https://x/y#z')"/></svg>"#,
                "outside the file",
            ),
            (
                r#"<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><div/></foreignObject></svg>"#,
                "<foreignobject>",
            ),
            (
                r#"<svg xmlns="http://www.w3.org/2000/svg"><a><set attributeName="href" to="javascript:x"/></a></svg>"#,
                "animates",
            ),
            (
                r#"<!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg">&x;</svg>"#,
                "DOCTYPE",
            ),
            (
                r#"<?xml-stylesheet href="https://x/s.css"?><svg xmlns="http://www.w3.org/2000/svg"/>"#,
                "processing instructions",
            ),
        ];
        for (svg, expected) in cases {
            let message = refused(svg.as_bytes());
            assert!(message.contains(expected), "{svg}: {message}");
        }
        assert!(refused(b"<svg><rect></svg>").contains("could not be read"));
        assert!(refused(b"<svg><rect/>").contains("incomplete"));
    }
}
