//! A site's sources turned into documents: JSONL records as `Nook.add` takes them, and
//! Markdown or HTML pages, whose text is extracted and cut into passages at headings (and
//! at paragraph or sentence ends when a section is longer than `max_chars`). Every passage
//! points back to its page and heading: `url` = page URL + `#anchor`, `meta` =
//! `{"page": page URL, "heading": heading text}`. Pure: strings in, documents out.

use crate::collection::Doc;
use crate::records::{Failure, Result};
use serde_json::Value;

/// JSONL, one document per line: `{"id": string|number, "text": string, "title"?: string,
/// "url"?: string, "meta"?: any}`; blank lines are skipped. An error names its line.
pub fn from_jsonl(text: &str) -> Result<Vec<Doc>> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let bad = |what: &str| Failure::input(format!("line {}: {what}", n + 1));
        let v: Value = serde_json::from_str(line).map_err(|e| bad(&format!("not JSON ({e})")))?;
        let o = v.as_object().ok_or_else(|| bad("not an object {id, text, title?, url?, meta?}"))?;
        let id = match o.get("id") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(x)) => x.to_string(),
            _ => return Err(bad("`id` must be a string or a number")),
        };
        let text = o.get("text").and_then(Value::as_str).ok_or_else(|| bad("`text` must be a string"))?.to_string();
        let opt = |key: &str| match o.get(key) {
            None | Some(Value::Null) => Ok(String::new()),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(_) => Err(bad(&format!("`{key}` must be a string"))),
        };
        let meta = match o.get("meta") {
            None | Some(Value::Null) => String::new(),
            Some(m) => m.to_string(),
        };
        out.push(Doc { id, title: opt("title")?, url: opt("url")?, text, meta, tokens: Vec::new(), kept: Vec::new() });
    }
    Ok(out)
}

/// One heading's worth of a page.
#[derive(Debug, Default, PartialEq)]
struct Section {
    heading: String,
    anchor: String,
    text: String,
}

/// A page's title and sections, from either format.
struct Page {
    title: String,
    sections: Vec<Section>,
}

/// Passages of a Markdown page served at `url`.
pub fn from_markdown(url: &str, source: &str, max_chars: usize) -> Vec<Doc> {
    passages(url, markdown(source), max_chars)
}

/// Passages of an HTML page served at `url`.
pub fn from_html(url: &str, source: &str, max_chars: usize) -> Vec<Doc> {
    passages(url, html(source), max_chars)
}

fn passages(url: &str, page: Page, max_chars: usize) -> Vec<Doc> {
    let mut out = Vec::new();
    let mut anchors = std::collections::HashSet::new();
    let mut ids = std::collections::HashSet::new();
    for s in page.sections {
        let text = s.text.split_whitespace().collect::<Vec<_>>().join(" ");
        if text.is_empty() {
            continue; // a heading directly followed by another
        }
        let is_title = s.heading.is_empty() || s.heading == page.title;
        let title = match (page.title.is_empty(), is_title) {
            (_, true) => page.title.clone(),
            (true, false) => s.heading.clone(),
            (false, false) => format!("{} › {}", page.title, s.heading),
        };
        // The page's own title section is the page itself; other headings get their anchor,
        // made unique within the page as generators do (`-2`, `-3`).
        let mut anchor = if is_title { String::new() } else { s.anchor.clone() };
        let mut n = 1;
        while !anchor.is_empty() && !anchors.insert(anchor.clone()) {
            n += 1;
            anchor = format!("{}-{n}", s.anchor);
        }
        let page_url = if anchor.is_empty() { url.to_string() } else { format!("{url}#{anchor}") };
        let meta = serde_json::json!({ "page": url, "heading": s.heading }).to_string();
        for chunk in chunks(&text, max_chars.max(64)) {
            let mut id = page_url.clone();
            let mut n = 1;
            while !ids.insert(id.clone()) {
                n += 1;
                id = format!("{page_url}~{n}");
            }
            out.push(Doc { id, title: title.clone(), url: page_url.clone(), text: chunk, meta: meta.clone(), tokens: Vec::new(), kept: Vec::new() });
        }
    }
    out
}

/// `text` cut into pieces of at most `max` characters, at a paragraph or sentence end (or a
/// space) where one is near; an empty text gives one empty piece (the heading alone).
fn chunks(text: &str, max: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text.trim();
    while rest.chars().count() > max {
        let end = rest.char_indices().nth(max).map_or(rest.len(), |(i, _)| i);
        let window = &rest[..end];
        let cut = window.rfind(". ").filter(|&i| i >= end / 2).map(|i| i + 1).or_else(|| window.rfind(' ').filter(|&i| i >= end / 2)).unwrap_or(end);
        out.push(rest[..cut].trim().to_string());
        rest = rest[cut..].trim_start();
    }
    out.push(rest.to_string());
    out
}

/// Anchor of a heading as most generators make it: lower case, letters and digits, `-`.
fn slug(heading: &str) -> String {
    let mut s = String::new();
    for c in heading.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            s.push(c);
        } else if (c.is_whitespace() || c == '-' || c == '_') && !s.ends_with('-') && !s.is_empty() {
            s.push('-');
        }
    }
    s.trim_end_matches('-').to_string()
}

/// Markdown: front matter (`title:` read), ATX headings start sections (`#` is the page
/// title when no front matter gave one), links and images keep their text, emphasis and
/// code marks and HTML comments go; code blocks are kept as text (identifiers are worth
/// finding).
fn markdown(source: &str) -> Page {
    let mut title = String::new();
    let uncommented = without_comments(source);
    let mut body = uncommented.as_str();
    if let Some(rest) = uncommented.strip_prefix("---\n")
        && let Some(end) = rest.find("\n---")
    {
        for line in rest[..end].lines() {
            if let Some(t) = line.strip_prefix("title:") {
                title = t.trim().trim_matches(|c| c == '"' || c == '\'').to_string();
            }
        }
        body = rest[end + 4..].split_once('\n').map_or("", |(_, b)| b);
    }
    let mut sections = vec![Section::default()];
    for line in body.lines() {
        let t = line.trim_start();
        if t.starts_with("```") || t.starts_with("~~~") {
            continue;
        }
        let level = t.chars().take_while(|&c| c == '#').count();
        if (1..=6).contains(&level) && t[level..].starts_with(' ') {
            let heading = inline_markdown(t[level..].trim().trim_end_matches('#').trim());
            if level == 1 && title.is_empty() {
                title = heading.clone();
            }
            sections.push(Section { anchor: slug(&heading), heading, text: String::new() });
            continue;
        }
        let text = sections.last_mut().map(|s| &mut s.text).expect("sections start non-empty");
        text.push_str(&inline_markdown(t.trim_start_matches(['>', '-', '*', '+']).trim_start()));
        text.push('\n');
    }
    Page { title, sections }
}

/// `source` without its `<!-- ... -->` comments (an unclosed one runs to the end).
fn without_comments(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut rest = source;
    while let Some(i) = rest.find("<!--") {
        out.push_str(&rest[..i]);
        rest = rest[i + 4..].find("-->").map_or("", |j| &rest[i + 4 + j + 3..]);
    }
    out.push_str(rest);
    out
}

/// `[text](url)` -> text, `![alt](src)` -> alt, `**`, `__`, `` ` `` and `*` dropped.
fn inline_markdown(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '!' if line[i + 1..].starts_with('[') => {}
            ']' if line[i + 1..].starts_with('(') => {
                // Skip the link target.
                let close = line[i..].find(')').map_or(line.len(), |j| i + j);
                while chars.peek().is_some_and(|&(j, _)| j <= close) {
                    chars.next();
                }
            }
            '[' | ']' | '*' | '`' => {}
            '_' if line[i + 1..].starts_with('_') || line[..i].ends_with('_') => {}
            _ => out.push(c),
        }
    }
    out
}

/// HTML: the text of the page without `script`, `style`, `noscript`, `template`, `svg`,
/// `nav`, `footer` (site chrome repeated on every page) and `head` (but `<title>` is read); `h1`-`h6` start sections (anchor from the heading's
/// `id`, else its slug); entities decoded; block elements end words.
fn html(source: &str) -> Page {
    const SKIP: [&str; 8] = ["script", "style", "noscript", "template", "svg", "head", "nav", "footer"];
    let mut title = String::new();
    let mut sections = vec![Section::default()];
    let mut skip: Option<&str> = None;
    let mut in_title = false;
    let mut heading: Option<(String, String)> = None; // (anchor, text so far)
    let mut rest = source;
    while !rest.is_empty() {
        let Some(lt) = rest.find('<') else {
            push_text(rest, skip, in_title, &mut title, &mut heading, &mut sections);
            break;
        };
        push_text(&rest[..lt], skip, in_title, &mut title, &mut heading, &mut sections);
        rest = &rest[lt..];
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |j| &after[j + 3..]);
            continue;
        }
        let end = tag_end(rest);
        let tag = rest[1..end].strip_suffix('>').unwrap_or(&rest[1..end]);
        rest = &rest[end..];
        let closing = tag.starts_with('/');
        let name: String = tag.trim_start_matches('/').chars().take_while(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_lowercase();
        if let Some(s) = skip {
            if closing && name == s {
                skip = None;
            } else if name == "title" {
                in_title = !closing;
            }
            continue;
        }
        if !closing && SKIP.contains(&name.as_str()) && !tag.ends_with('/') {
            skip = Some(SKIP.iter().find(|&&s| s == name).copied().unwrap_or("script"));
            continue;
        }
        match (name.as_str(), closing) {
            ("title", c) => in_title = !c,
            ("h1" | "h2" | "h3" | "h4" | "h5" | "h6", false) => heading = Some((attribute(tag, "id").unwrap_or_default(), String::new())),
            ("h1" | "h2" | "h3" | "h4" | "h5" | "h6", true) => {
                if let Some((id, text)) = heading.take() {
                    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
                    if name == "h1" && title.is_empty() {
                        title = text.clone();
                    }
                    let anchor = if id.is_empty() { slug(&text) } else { id };
                    sections.push(Section { heading: text, anchor, text: String::new() });
                }
            }
            _ => {
                let text = match heading.as_mut() {
                    Some((_, t)) => t,
                    None => &mut sections.last_mut().expect("sections start non-empty").text,
                };
                text.push(' ');
            }
        }
    }
    Page { title: title.split_whitespace().collect::<Vec<_>>().join(" "), sections }
}

fn push_text(raw: &str, skip: Option<&str>, in_title: bool, title: &mut String, heading: &mut Option<(String, String)>, sections: &mut [Section]) {
    if raw.is_empty() {
        return;
    }
    let text = decode_entities(raw);
    if in_title {
        title.push_str(&text);
    } else if skip.is_some() {
    } else if let Some((_, t)) = heading.as_mut() {
        t.push_str(&text);
    } else if let Some(s) = sections.last_mut() {
        s.text.push_str(&text);
    }
}

/// Index just past the `>` closing the tag at the start of `s` (quotes respected).
fn tag_end(s: &str) -> usize {
    let mut quote = None;
    for (i, c) in s.char_indices().skip(1) {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return i + 1,
            _ => {}
        }
    }
    s.len()
}

/// The value of attribute `name` in a tag's source.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let lower = tag.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find(name).map(|i| i + from) {
        let before_ok = i > 0 && lower.as_bytes()[i - 1].is_ascii_whitespace();
        let after = lower[i + name.len()..].trim_start();
        if before_ok && let Some(v) = after.strip_prefix('=') {
            let offset = tag.len() - v.len();
            let v = tag[offset..].trim_start();
            let value = match v.chars().next() {
                Some(q @ ('"' | '\'')) => v[1..].split(q).next().unwrap_or(""),
                _ => v.split(|c: char| c.is_whitespace() || c == '>' || c == '/').next().unwrap_or(""),
            };
            return Some(decode_entities(value));
        }
        from = i + name.len();
    }
    None
}

/// Named entities HTML text commonly uses, and numeric ones; anything else is kept as is.
fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest.char_indices().take(12).find(|&(_, c)| c == ';').map(|(j, _)| j);
        let decoded = end.and_then(|e| {
            let name = &rest[1..e];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" | "#39" => Some('\''),
                "nbsp" => Some(' '),
                "mdash" => Some('—'),
                "ndash" => Some('–'),
                "hellip" => Some('…'),
                _ => name
                    .strip_prefix("#x")
                    .or_else(|| name.strip_prefix("#X"))
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, e + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonl_takes_what_add_takes_and_names_bad_lines() {
        let docs = from_jsonl("{\"id\": 7, \"text\": \"a\", \"meta\": {\"k\": [1]}}\n\n{\"id\": \"x\", \"text\": \"b\", \"title\": \"T\", \"url\": \"/x\"}\n")
            .unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!((docs[0].id.as_str(), docs[0].meta.as_str()), ("7", "{\"k\":[1]}"));
        assert_eq!((docs[1].title.as_str(), docs[1].url.as_str()), ("T", "/x"));
        for (bad, want) in [
            ("{\"id\": 1}", "line 1: `text`"),
            ("\n[1]", "line 2: not an object"),
            ("{\"id\": true, \"text\": \"\"}", "`id`"),
            ("{oops", "not JSON"),
            ("{\"id\":1,\"text\":\"\",\"url\":3}", "`url`"),
        ] {
            let e = from_jsonl(bad).unwrap_err();
            assert!(e.to_string().contains(want), "{bad:?}: {e}");
        }
    }

    #[test]
    fn markdown_passages_point_to_their_headings() {
        let md = "---\ntitle: \"Guide\"\n---\nIntro with a [link](https://x.test/a) and `code`.<!-- a note\nfor editors -->\n\n## Install it\n\nRun **npm i**.\n\n## Install it\nAgain.\n```sh\nnpm i nook\n```\n";
        let docs = from_markdown("/guide.html", md, 1000);
        let urls: Vec<&str> = docs.iter().map(|d| d.url.as_str()).collect();
        assert_eq!(urls, ["/guide.html", "/guide.html#install-it", "/guide.html#install-it-2"]);
        assert_eq!(docs[0].text, "Intro with a link and code.");
        assert_eq!(docs[1].title, "Guide › Install it");
        assert_eq!(docs[1].text, "Run npm i.");
        assert_eq!(docs[2].text, "Again. npm i nook");
        let meta: Value = serde_json::from_str(&docs[1].meta).unwrap();
        assert_eq!(meta, serde_json::json!({ "page": "/guide.html", "heading": "Install it" }));
        let ids: std::collections::HashSet<_> = docs.iter().map(|d| &d.id).collect();
        assert_eq!(ids.len(), docs.len(), "ids are unique");
    }

    #[test]
    fn html_text_skips_code_and_reads_headings() {
        let html = "<!doctype html><html><head><title>Docs &amp; more</title><style>p{}</style></head><body>\
            <script>var x = '<h2>no</h2>';</script><p>Hello&nbsp;world &#x263A;</p><!-- <h2>hidden</h2> -->\
            <h2 id=\"setup\" class='a'>Set <em>up</em></h2><p>Step one.</p><div>Step two.</div><h3>Más</h3>x</body></html>";
        let docs = from_html("/d.html", html, 1000);
        let got: Vec<(&str, &str, &str)> = docs.iter().map(|d| (d.title.as_str(), d.url.as_str(), d.text.as_str())).collect();
        assert_eq!(
            got,
            [
                ("Docs & more", "/d.html", "Hello world ☺"),
                ("Docs & more › Set up", "/d.html#setup", "Step one. Step two."),
                ("Docs & more › Más", "/d.html#más", "x"),
            ]
        );
    }

    #[test]
    fn long_sections_are_cut_at_sentences() {
        let text = "One sentence here. ".repeat(200);
        let docs = from_markdown("/p", &format!("# P\n{text}"), 300);
        assert!(docs.len() > 10);
        for d in &docs {
            assert!(d.text.chars().count() <= 300 && d.text.ends_with('.'), "{:?}", d.text);
        }
        assert_eq!(docs[1].id, "/p~2");
        assert_eq!(docs[1].url, "/p");
        // A word longer than the limit is cut inside it rather than looping.
        let docs = from_markdown("/q", &"x".repeat(1000), 100);
        assert_eq!(docs.len(), 10);
    }

    #[test]
    fn broken_markup_does_not_panic() {
        for s in ["<", "<a href=\"", "&#xFFFFFFFF;", "&", "<h2>open", "<script>", "---\ntitle: x", "[a](", "![", "<h1 id='", "é<é>é", "__init__"] {
            let _ = from_html("/", s, 10);
            let _ = from_markdown("/", s, 10);
        }
    }
}
