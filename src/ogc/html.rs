//! HTML pages of the OGC API documents (Part 1's HTML conformance class), for people who open
//! `/ogc` in a browser: each page is rendered from the very JSON document a client gets (one
//! definition of the content), with its links, a table of features for an items page (their
//! first properties, and next/previous pages) and every property of a single feature. Plain
//! HTML with a little CSS, no script.

use serde_json::Value;
use std::fmt::Write as _;

/// Which document a page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    Landing,
    Conformance,
    Collections,
    Collection,
    Items,
    Item,
}

/// Properties shown per feature in an items table (a layer carries up to 230).
const TABLE_PROPERTIES: usize = 8;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// `href` with `f=html`, so links between pages stay pages.
fn as_page(href: &str) -> String {
    if href.contains("f=") {
        return href.to_string();
    }
    let sep = if href.contains('?') { '&' } else { '?' };
    format!("{href}{sep}f=html")
}

fn links(doc: &Value, out: &mut String) {
    let Some(list) = doc["links"].as_array() else {
        return;
    };
    out.push_str("<h2>Links</h2><ul>");
    for l in list {
        let href = l["href"].as_str().unwrap_or_default();
        let media = l["type"].as_str().unwrap_or_default();
        let page = media.contains("json") && !href.ends_with("/api");
        let _ = write!(
            out,
            "<li><a href=\"{}\">{}</a> <span class=\"m\">{} · {}</span>{}</li>",
            esc(&if page {
                as_page(href)
            } else {
                href.to_string()
            }),
            esc(l["title"].as_str().unwrap_or(href)),
            esc(l["rel"].as_str().unwrap_or_default()),
            esc(media),
            if page {
                format!(" <a class=\"m\" href=\"{}\">JSON</a>", esc(href))
            } else {
                String::new()
            }
        );
    }
    out.push_str("</ul>");
}

fn properties_table(props: &serde_json::Map<String, Value>, out: &mut String) {
    out.push_str("<table><tbody>");
    for (k, v) in props {
        let _ = write!(
            out,
            "<tr><th scope=\"row\">{}</th><td>{}</td></tr>",
            esc(k),
            esc(&text(v))
        );
    }
    out.push_str("</tbody></table>");
}

/// The page of `doc` (a document of kind `page`); `attribution` goes in the footer.
pub fn render(page: Page, doc: &Value, attribution: &str) -> String {
    let mut body = String::new();
    let title = match page {
        Page::Landing | Page::Collection => text(&doc["title"]),
        Page::Conformance => "Conformance classes".into(),
        Page::Collections => "Collections".into(),
        Page::Items => format!(
            "{} of {} features",
            text(&doc["numberReturned"]),
            text(&doc["numberMatched"])
        ),
        Page::Item => format!(
            "{} ({})",
            text(&doc["properties"]["name"]),
            text(&doc["id"])
        ),
    };
    if let Some(d) = doc["description"].as_str() {
        let _ = write!(body, "<p>{}</p>", esc(d));
    }
    match page {
        Page::Conformance => {
            body.push_str("<ul>");
            for c in doc["conformsTo"].as_array().into_iter().flatten() {
                let _ = write!(body, "<li>{}</li>", esc(&text(c)));
            }
            body.push_str("</ul>");
        }
        Page::Collections => {
            body.push_str(
                "<table><thead><tr><th>Collection</th><th>Description</th></tr></thead><tbody>",
            );
            for c in doc["collections"].as_array().into_iter().flatten() {
                let id = text(&c["id"]);
                let _ = write!(
                    body,
                    "<tr><td><a href=\"collections/{0}?f=html\">{1}</a></td><td>{2}</td></tr>",
                    esc(&id),
                    esc(&text(&c["title"])),
                    esc(&text(&c["description"]))
                );
            }
            body.push_str("</tbody></table>");
        }
        Page::Collection => {
            if let Some(b) = doc["extent"]["spatial"]["bbox"][0].as_array() {
                let b: Vec<String> = b.iter().map(text).collect();
                let _ = write!(body, "<p>Extent (CRS84): {}</p>", esc(&b.join(", ")));
            }
            let _ = write!(
                body,
                "<p>Storage CRS: {}</p>",
                esc(&text(&doc["storageCrs"]))
            );
        }
        Page::Items => items_table(doc, &mut body),
        Page::Item => {
            if let Some(p) = doc["properties"].as_object() {
                properties_table(p, &mut body);
            }
        }
        Page::Landing => {}
    }
    links(doc, &mut body);
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{t}</title><style>body{{font:16px/1.45 system-ui,sans-serif;margin:1rem auto;max-width:70rem;padding:0 1rem;color:#1b1f24}}\
         table{{border-collapse:collapse;font-size:.9rem;display:block;overflow-x:auto}}th,td{{border-bottom:1px solid #d8dde3;padding:.2rem .5rem;text-align:left;vertical-align:top}}\
         a{{color:#0b5cad}}.m{{color:#57606a;font-size:.85rem}}footer{{margin-top:2rem;color:#57606a;font-size:.85rem}}</style></head>\
         <body><p class=\"m\"><a href=\"{root}\">OGC API</a></p><h1>{t}</h1>{body}<footer>{a}</footer></body></html>",
        t = esc(&title),
        root = esc(&root_of(doc)),
        a = esc(attribution),
    )
}

/// The landing page's address, from the document's self link (…/ogc).
fn root_of(doc: &Value) -> String {
    let this = doc["links"][0]["href"].as_str().unwrap_or("/ogc");
    match this.find("/ogc") {
        Some(i) => as_page(&this[..i + 4]),
        None => "/ogc?f=html".into(),
    }
}

fn items_table(doc: &Value, out: &mut String) {
    let features = doc["features"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    // The name and borough first, then the first indicators in the document's order.
    let keys: Vec<String> = features
        .first()
        .and_then(|f| f["properties"].as_object())
        .map(|p| {
            let first = ["name", "borough"]
                .into_iter()
                .filter(|k| p.contains_key(*k));
            let rest = p
                .keys()
                .map(String::as_str)
                .filter(|k| !["name", "borough", "code"].contains(k));
            first
                .chain(rest)
                .take(TABLE_PROPERTIES)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    out.push_str("<table><thead><tr><th>id</th>");
    for k in &keys {
        let _ = write!(out, "<th>{}</th>", esc(k));
    }
    out.push_str("</tr></thead><tbody>");
    for f in features {
        let id = text(&f["id"]);
        let _ = write!(
            out,
            "<tr><td><a href=\"items/{0}?f=html\">{1}</a></td>",
            esc(&urlencoding(&id)),
            esc(&id)
        );
        for k in &keys {
            let _ = write!(out, "<td>{}</td>", esc(&text(&f["properties"][k])));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
}

/// Area codes are letters and digits; anything else is percent-encoded.
fn urlencoding(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_escape_text_and_keep_links_as_pages() {
        let doc = serde_json::json!({
            "title": "A <b>title</b>",
            "links": [{"href": "http://h/ogc/collections", "rel": "data", "type": "application/json", "title": "All"}],
        });
        let html = render(Page::Landing, &doc, "© <x>");
        assert!(html.contains("<h1>A &lt;b&gt;title&lt;/b&gt;</h1>"));
        assert!(html.contains("href=\"http://h/ogc/collections?f=html\""));
        assert!(html.contains("href=\"http://h/ogc/collections\">JSON</a>"));
        assert!(html.contains("<footer>© &lt;x&gt;</footer>"));
        assert_eq!(as_page("x?a=1"), "x?a=1&f=html");
        assert_eq!(as_page("x?f=json"), "x?f=json");
    }
}
