//! Where a tool's requests may go: the scheme, host and port of its base URL, and only paths
//! under the base URL's path. Judged on the URL as parsed — after `%2e%2e`, `.%2e`, `..\`
//! and plain `..` have been resolved the way the URL parser (and so the tool) resolves them —
//! for every request the connector sends, including each page and each redirect.

use url::Url;

#[derive(Clone, Debug)]
pub struct BaseScope {
    base: Url,
    /// The base URL's path segments, without a trailing empty one (`/api/` → `["api"]`).
    segments: Vec<String>,
}

impl BaseScope {
    pub fn of(base: Url) -> Self {
        let mut segments: Vec<String> = base
            .path_segments()
            .map(|segments| segments.map(str::to_owned).collect())
            .unwrap_or_default();
        while segments.last().is_some_and(String::is_empty) {
            segments.pop();
        }
        Self { base, segments }
    }

    /// The base URL, as shown in the refusal.
    pub fn base(&self) -> &Url {
        &self.base
    }

    /// `path` (and `query`) appended to the base URL's path.
    pub fn join<'a>(
        &self,
        path: &str,
        query: impl IntoIterator<Item = (&'a String, &'a String)>,
    ) -> Url {
        let mut url = self.base.clone();
        let joined = format!("{}{path}", url.path().trim_end_matches('/'));
        // The path setter resolves dot segments (also percent-encoded ones and backslashes).
        url.set_path(&joined);
        url.set_query(None);
        url.set_fragment(None);
        let mut query = query.into_iter().peekable();
        if query.peek().is_some() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
    }

    /// Whether `url` is on the base URL's origin and under its path.
    pub fn contains(&self, url: &Url) -> bool {
        if url.scheme() != self.base.scheme()
            || url.host() != self.base.host()
            || url.port_or_known_default() != self.base.port_or_known_default()
            || url.username() != self.base.username()
            || url.password() != self.base.password()
        {
            return false;
        }
        let Some(segments) = url.path_segments() else {
            return false;
        };
        let segments: Vec<&str> = segments.collect();
        if segments.len() < self.segments.len()
            || segments
                .iter()
                .zip(&self.segments)
                .any(|(given, base)| given != base)
        {
            return false;
        }
        // The parser leaves `%2f..%2f` alone, but a tool that decodes slashes before routing
        // would climb out with it.
        !segments[self.segments.len()..].iter().any(|segment| {
            percent_decoded(segment)
                .split(['/', '\\'])
                .any(|part| part == "..")
        })
    }
}

/// `%XX` escapes decoded; anything malformed is kept as written.
fn percent_decoded(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let escaped = (bytes[index] == b'%')
            .then(|| segment.get(index + 1..index + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                decoded.push(byte);
                index += 3;
            }
            None => {
                decoded.push(bytes[index]);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(base: &str) -> BaseScope {
        BaseScope::of(Url::parse(base).unwrap())
    }

    #[test]
    fn every_spelling_of_a_dot_segment_is_resolved_before_judging() {
        let api = scope("http://tools.example/api/v1");
        for escape in [
            "/../admin",
            "/%2e%2e/admin",
            "/%2E%2E/admin",
            "/.%2e/admin",
            "/%2e./admin",
            "/..\\admin",
            "/x/../../admin",
            "/%2e%2e%2fadmin",
            "/%2E%2E%5Cadmin",
            "/..%2f..%2fadmin",
        ] {
            let url = api.join(escape, []);
            assert!(!api.contains(&url), "{escape} → {url}");
        }
        for inside in [
            "/runs",
            "/runs/../jobs",
            "/%2e/runs",
            "",
            "/",
            "/a..b",
            "/group%2Fproject",
        ] {
            let url = api.join(inside, []);
            assert!(api.contains(&url), "{inside} → {url}");
        }
        assert_eq!(api.join("/x/../jobs", []).path(), "/api/v1/jobs");
    }

    #[test]
    fn only_whole_segments_of_the_base_path_count() {
        let api = scope("http://tools.example/api/");
        assert!(api.contains(&Url::parse("http://tools.example/api").unwrap()));
        assert!(api.contains(&Url::parse("http://tools.example/api/x").unwrap()));
        assert!(!api.contains(&Url::parse("http://tools.example/apix").unwrap()));
        assert!(!api.contains(&Url::parse("http://tools.example/").unwrap()));
        let root = scope("http://tools.example");
        assert!(root.contains(&Url::parse("http://tools.example/anything").unwrap()));
    }

    #[test]
    fn scheme_host_and_port_must_stay_the_same() {
        let api = scope("http://tools.example/api");
        for elsewhere in [
            "https://tools.example/api/x",
            "http://other.example/api/x",
            "http://tools.example:8080/api/x",
            "http://user@tools.example/api/x",
        ] {
            assert!(
                !api.contains(&Url::parse(elsewhere).unwrap()),
                "{elsewhere}"
            );
        }
        assert!(api.contains(&Url::parse("http://tools.example:80/api/x").unwrap()));
    }

    #[test]
    fn a_question_mark_in_the_path_stays_in_the_path() {
        let api = scope("http://tools.example/api");
        let query = std::collections::BTreeMap::from([("q".to_owned(), "a b".to_owned())]);
        let url = api.join("/runs?x=1#top", &query);
        assert!(api.contains(&url));
        assert_eq!(url.query(), Some("q=a+b"));
        assert_eq!(url.fragment(), None);
    }
}
