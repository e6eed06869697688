//! Every GET answer can be revalidated (issue 10, item 5): JSON answers, CSV, OGC items,
//! search and whole-layer downloads carry a strong ETag of the bytes sent (gzip and plain
//! differ), answer 304 to a matching If-None-Match, and carry a Last-Modified equal to the
//! newest modification time of the manifest's data files, read here from the file system.
//! The same data gives the same bytes: two GeoPackage downloads are identical, and their
//! `last_change` is the data's time, not the time of writing.

mod common;

use reqwest::header;

async fn get(url: &str, extra: &[(&str, &str)]) -> reqwest::Response {
    let mut r = reqwest::Client::builder()
        .no_gzip()
        .build()
        .expect("client")
        .get(url);
    for (k, v) in extra {
        r = r.header(*k, *v);
    }
    r.send().await.expect("request")
}

fn header_of(r: &reqwest::Response, name: header::HeaderName) -> String {
    r.headers()
        .get(&name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("{} has no {name}", r.url()))
        .to_string()
}

/// The newest modification time of the manifest's files, as an HTTP date.
fn data_time() -> String {
    let manifest = london_atlas::Manifest::london().expect("manifest");
    let newest = manifest
        .sources()
        .iter()
        .flat_map(|s| &s.files)
        .map(|f| {
            std::fs::metadata(common::data_dir().join(&f.path))
                .and_then(|m| m.modified())
                .expect("a data file's time")
        })
        .max()
        .expect("files");
    httpdate::fmt_http_date(newest)
}

#[tokio::test(flavor = "multi_thread")]
async fn json_answers_csv_ogc_items_and_downloads_revalidate() {
    // With a public URL (OGC documents hold links; built from a Host header they are
    // `no-store` and never validated).
    let base = common::server_with(Some("https://atlas.example.org".into())).await;
    let modified = data_time();
    for path in [
        "/api/values?layer=boroughs&indicator=no2_2019_mean",
        "/api/areas/lsoa11/E01004733",
        "/api/select?layer=lsoa11&where=no2_2016_mean%3E40&format=csv",
        "/api/search?q=Whitechapel",
        "/api/headlines",
        "/api/scorecards/boroughs/E09000033",
        "/ogc/collections/boroughs/items?limit=3",
        "/api/layers/boroughs/download?format=csv",
        "/api/layers/boroughs/download?format=gpkg",
    ] {
        let url = format!("{base}{path}");
        let first = get(&url, &[]).await;
        assert_eq!(first.status().as_u16(), 200, "{path}");
        let etag = header_of(&first, header::ETAG);
        assert!(
            etag.starts_with('"') && etag.len() == 34,
            "{path}: a strong ETag, got {etag}"
        );
        assert_eq!(header_of(&first, header::LAST_MODIFIED), modified, "{path}");
        assert_eq!(
            header_of(&first, header::CACHE_CONTROL),
            "no-cache",
            "{path}"
        );
        // one Vary line naming each header once (nginx 1.22 reads only the last line)
        let vary: Vec<_> = first.headers().get_all(header::VARY).iter().collect();
        assert_eq!(vary.len(), 1, "{path}: {vary:?}");
        let body = first.bytes().await.expect("body");
        // the same bytes and tag again
        let second = get(&url, &[]).await;
        assert_eq!(header_of(&second, header::ETAG), etag, "{path}");
        assert_eq!(second.bytes().await.expect("body"), body, "{path}");
        // the tag is the bytes' own: 304 without a body for it, 200 for another
        let again = get(&url, &[("if-none-match", &etag)]).await;
        assert_eq!(again.status().as_u16(), 304, "{path}");
        assert_eq!(header_of(&again, header::ETAG), etag);
        assert!(again.bytes().await.expect("body").is_empty());
        let other = get(&url, &[("if-none-match", "\"0123\"")]).await;
        assert_eq!(other.status().as_u16(), 200, "{path}");
        // If-Modified-Since at the data's time: not modified; a day earlier: modified
        let since = get(&url, &[("if-modified-since", &modified)]).await;
        assert_eq!(since.status().as_u16(), 304, "{path}");
        // gzip is another representation with its own tag
        let gz = get(&url, &[("accept-encoding", "gzip")]).await;
        if gz.headers().get(header::CONTENT_ENCODING).is_some() {
            assert_ne!(header_of(&gz, header::ETAG), etag, "{path}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_data_gives_the_same_geopackage() {
    let base = common::server().await;
    let url = format!("{base}/api/layers/lsoa11/download?format=gpkg");
    let a = get(&url, &[]).await.bytes().await.expect("gpkg");
    let b = get(&url, &[]).await.bytes().await.expect("gpkg");
    assert!(a.len() > 1_000_000);
    assert!(a == b, "two downloads differ");
    let path = std::env::temp_dir().join(format!("validators-{}.gpkg", std::process::id()));
    std::fs::write(&path, &a).expect("write");
    let db = rusqlite::Connection::open(&path).expect("sqlite");
    let changed: Vec<String> = db
        .prepare("SELECT last_change FROM gpkg_contents ORDER BY table_name")
        .expect("query")
        .query_map([], |r| r.get(0))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("rows");
    let _ = std::fs::remove_file(&path);
    let modified: httpdate::HttpDate = data_time().parse().expect("date");
    let iso = humantime::format_rfc3339_seconds(std::time::SystemTime::from(modified)).to_string();
    assert_eq!(changed.len(), 2, "the layer and its fields table");
    for c in changed {
        // milliseconds kept in the file; the HTTP date has whole seconds
        assert_eq!(&c[..19], &iso[..19], "{c} vs {iso}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn live_answers_have_no_validators() {
    let base = common::server().await;
    for path in ["/api/health", "/api/ready", "/metrics"] {
        let r = get(&format!("{base}{path}"), &[]).await;
        assert_eq!(r.status().as_u16(), 200, "{path}");
        assert!(r.headers().get(header::ETAG).is_none(), "{path}");
        assert!(r.headers().get(header::LAST_MODIFIED).is_none(), "{path}");
    }
}
