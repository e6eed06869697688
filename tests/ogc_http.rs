//! OGC API – Features end to end on a real server (127.0.0.1): the documents link to each
//! other with the right media types, paging walks every area once, properties are typed and
//! equal the published CSVs, a British National Grid box selects what brute force over every
//! area selects and `crs=27700` answers the stored geometry; bad requests are JSON 4xx; fixed
//! documents (TileJSON, styles, lists, the OpenAPI document) carry strong ETags and answer 304.

mod common;

use common::{atlas, population_2019, server};
use geo::{Area, BooleanOps, Coord, LineString, MultiPolygon, Polygon};
use london_atlas::ogc::{CRS84, EPSG_27700};
use reqwest::header::{
    ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_TYPE, ETAG, IF_NONE_MATCH, ORIGIN,
};
use reqwest::StatusCode;
use serde_json::Value;
use std::collections::BTreeSet;

fn client() -> reqwest::Client {
    reqwest::Client::builder().build().expect("client")
}

async fn get(url: &str) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let r = client().get(url).send().await.expect("request");
    let (status, headers) = (r.status(), r.headers().clone());
    let body = r.json().await.expect("JSON body");
    (status, headers, body)
}

fn link<'a>(doc: &'a Value, rel: &str) -> Option<&'a Value> {
    doc["links"]
        .as_array()
        .expect("links")
        .iter()
        .find(|l| l["rel"] == rel)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn landing_conformance_api_and_collections_link_with_their_media_types() {
    let base = server().await;
    let (s, h, landing) = get(&format!("{base}/ogc")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h[CONTENT_TYPE], "application/json");
    let desc = link(&landing, "service-desc").expect("service-desc");
    assert_eq!(desc["type"], "application/vnd.oai.openapi+json;version=3.0");
    let (s, h, api) = get(desc["href"].as_str().expect("href")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        h[CONTENT_TYPE],
        "application/vnd.oai.openapi+json;version=3.0"
    );
    assert!(api["openapi"].as_str().expect("version").starts_with("3.0"));
    assert_eq!(api["servers"][0]["url"], format!("{base}/ogc"));

    // Every parameter the items resource accepts is described, and nothing else.
    let items = &api["paths"]["/collections/{collectionId}/items"]["get"]["parameters"];
    let described: BTreeSet<&str> = items
        .as_array()
        .expect("parameters")
        .iter()
        .filter(|p| p["in"] == "query")
        .map(|p| p["name"].as_str().expect("name"))
        .collect();
    let accepted: BTreeSet<&str> = london_atlas::ogc::params::ITEMS_PARAMETERS
        .iter()
        .copied()
        .collect();
    assert_eq!(described, accepted);
    let limit = items
        .as_array()
        .expect("parameters")
        .iter()
        .find(|p| p["name"] == "limit")
        .expect("limit");
    assert_eq!(limit["schema"]["default"], 100);
    assert_eq!(limit["schema"]["maximum"], 10_000);
    let a = atlas();
    let ids: Vec<&str> = a.layers.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(
        api["paths"]["/collections/{collectionId}"]["get"]["parameters"][0]["schema"]["enum"],
        serde_json::json!(ids)
    );
    // Each collection's properties are typed in the document.
    let lsoa = &api["components"]["schemas"]["lsoa11.properties"]["properties"];
    assert_eq!(lsoa["population_2019"]["type"], "integer");
    assert_eq!(lsoa["imd2019_decile"]["type"], "integer");
    assert_eq!(lsoa["no2_2019_mean"]["type"], "number");
    assert_eq!(lsoa["name"]["type"], "string");

    let conf_href = link(&landing, "conformance").expect("conformance")["href"].clone();
    let (_, _, conf) = get(conf_href.as_str().expect("href")).await;
    let classes: Vec<&str> = conf["conformsTo"]
        .as_array()
        .expect("conformsTo")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for c in ["core", "oas30", "geojson"] {
        let want = format!("http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/{c}");
        assert!(classes.contains(&want.as_str()), "{classes:?}");
    }
    assert!(classes.contains(&"http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs"));

    let data = link(&landing, "data").expect("data")["href"].clone();
    let (_, _, cols) = get(data.as_str().expect("href")).await;
    let listed: Vec<&str> = cols["collections"]
        .as_array()
        .expect("collections")
        .iter()
        .map(|c| c["id"].as_str().expect("id"))
        .collect();
    assert_eq!(listed, ids, "every layer is a collection");
    for c in cols["collections"].as_array().expect("collections") {
        assert_eq!(c["crs"], serde_json::json!([CRS84, EPSG_27700]));
        assert_eq!(c["storageCrs"], EPSG_27700);
        let items = link(c, "items").expect("items link");
        assert_eq!(items["type"], "application/geo+json");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_extent_encloses_every_vertex_of_its_layer() {
    let base = server().await;
    let a = atlas();
    for layer in &a.layers {
        let (_, _, c) = get(&format!("{base}/ogc/collections/{}", layer.id)).await;
        let b: Vec<f64> = c["extent"]["spatial"]["bbox"][0]
            .as_array()
            .expect("bbox")
            .iter()
            .map(|v| v.as_f64().expect("number"))
            .collect();
        assert_eq!(c["extent"]["spatial"]["crs"], CRS84);
        let mut tight = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
        for area in &layer.areas {
            for p in &area.geometry.0 {
                for c in &p.exterior().0 {
                    let (lon, lat) = london_atlas::geom::crs::bng_to_wgs84(c.x, c.y);
                    tight = [
                        tight[0].min(lon),
                        tight[1].min(lat),
                        tight[2].max(lon),
                        tight[3].max(lat),
                    ];
                }
            }
        }
        assert!(
            b[0] <= tight[0] && b[1] <= tight[1] && b[2] >= tight[2] && b[3] >= tight[3],
            "{}: {b:?} does not enclose {tight:?}",
            layer.id
        );
        // ... and is not much larger: it is the grid box's outline, whose corners reach a
        // little past the areas (under 0.01°, about 700 m).
        assert!(
            (0..2).all(|k| tight[k] - b[k] < 0.01 && b[k + 2] - tight[k + 2] < 0.01),
            "{}: {b:?} vs {tight:?}",
            layer.id
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn next_links_walk_every_lsoa_once_with_integer_counts_equal_to_the_csv() {
    let base = server().await;
    let pop = population_2019();
    let decile = common::csv_column(
        "iod2019-london/iod2019_london_lsoa11.csv",
        "LSOA code (2011)",
        "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)",
    );
    let mut url = format!("{base}/ogc/collections/lsoa11/items?limit=1000");
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let (s, h, page) = get(&url).await;
        assert_eq!(s, StatusCode::OK, "{url}");
        assert_eq!(h[CONTENT_TYPE], "application/geo+json");
        assert_eq!(h["content-crs"], format!("<{CRS84}>"));
        assert_eq!(page["numberMatched"], 4835);
        let features = page["features"].as_array().expect("features");
        assert_eq!(page["numberReturned"], features.len());
        // no clock in the page: the same data, the same bytes (and ETag)
        assert!(page.get("timeStamp").is_none());
        if pages > 0 {
            assert!(
                link(&page, "prev").is_some(),
                "page {pages} has no prev link"
            );
        }
        for f in features {
            let code = f["id"].as_str().expect("id").to_string();
            assert_eq!(f["properties"]["code"], code.as_str());
            let p = &f["properties"]["population_2019"];
            assert!(p.is_i64(), "{code}: population {p} is not an integer");
            assert_eq!(p.as_f64(), Some(pop[&code].0), "{code}");
            assert!(f["properties"]["imd2019_decile"].is_i64());
            assert_eq!(
                f["properties"]["imd2019_decile"].as_f64(),
                decile[&code],
                "{code}"
            );
            assert!(f["properties"]["no2_2019_mean"].is_f64());
            assert_eq!(f["geometry"]["type"], "MultiPolygon");
            seen.push(code);
        }
        pages += 1;
        match link(&page, "next") {
            Some(next) => url = next["href"].as_str().expect("href").to_string(),
            None => break,
        }
    }
    assert_eq!(pages, 5);
    let unique: BTreeSet<&String> = seen.iter().collect();
    assert_eq!((seen.len(), unique.len()), (4835, 4835));
    let codes: BTreeSet<&String> = pop.keys().collect();
    assert_eq!(unique, codes, "exactly the LSOAs of the population CSV");
}

fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> MultiPolygon<f64> {
    let ring = vec![
        Coord { x: x0, y: y0 },
        Coord { x: x1, y: y0 },
        Coord { x: x1, y: y1 },
        Coord { x: x0, y: y1 },
        Coord { x: x0, y: y0 },
    ];
    MultiPolygon::new(vec![Polygon::new(LineString::new(ring), vec![])])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grid_box_selects_what_brute_force_selects_and_crs_27700_is_the_stored_geometry() {
    let base = server().await;
    let a = atlas();
    let layer = a.layer("lsoa11").expect("lsoa11");
    let (x0, y0, x1, y1) = (529_000.0, 180_000.0, 531_500.0, 182_000.0);
    let url = format!(
        "{base}/ogc/collections/lsoa11/items?bbox={x0},{y0},{x1},{y1}&bbox-crs={EPSG_27700}&crs={EPSG_27700}&limit=10000"
    );
    let (s, h, page) = get(&url).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert_eq!(h["content-crs"], format!("<{EPSG_27700}>"));
    let got: BTreeSet<String> = page["features"]
        .as_array()
        .expect("features")
        .iter()
        .map(|f| f["id"].as_str().expect("id").to_string())
        .collect();
    // Brute force: every area, intersected with the box, no index and no shortcut.
    let b = rect(x0, y0, x1, y1);
    let want: BTreeSet<String> = layer
        .areas
        .iter()
        .filter(|area| area.geometry.intersection(&b).unsigned_area() > 0.0)
        .map(|area| area.code.clone())
        .collect();
    assert!(want.len() > 20, "{}", want.len());
    assert_eq!(got, want);
    // The geometry is the stored British National Grid geometry, coordinate for coordinate.
    for f in page["features"].as_array().expect("features") {
        let area = layer.area(f["id"].as_str().expect("id")).expect("area");
        let coords = &f["geometry"]["coordinates"];
        for (p, poly) in area.geometry.0.iter().enumerate() {
            for (k, c) in poly.exterior().0.iter().enumerate() {
                // serde_json's reader may be one unit in the last place off: 1e-9 m.
                let (x, y) = (coords[p][0][k][0].as_f64(), coords[p][0][k][1].as_f64());
                assert!((x.expect("x") - c.x).abs() < 1e-9 && (y.expect("y") - c.y).abs() < 1e-9);
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_point_box_selects_the_areas_that_hold_the_point_as_api_point_does() {
    let base = server().await;
    for (lon, lat) in [(-0.1281, 51.5080), (-0.0235, 51.5054), (-0.3397, 51.4584)] {
        let (_, _, at) = get(&format!("{base}/api/point?lon={lon}&lat={lat}")).await;
        let want: BTreeSet<&str> = at["areas"]
            .as_array()
            .expect("areas")
            .iter()
            .filter(|a| a["layer"] == "lsoa11")
            .map(|a| a["code"].as_str().expect("code"))
            .collect();
        assert_eq!(want.len(), 1, "{lon},{lat}: {at}");
        let (s, _, page) = get(&format!(
            "{base}/ogc/collections/lsoa11/items?bbox={lon},{lat},{lon},{lat}&properties="
        ))
        .await;
        assert_eq!(s, StatusCode::OK);
        let got: BTreeSet<&str> = page["features"]
            .as_array()
            .expect("features")
            .iter()
            .map(|f| f["id"].as_str().expect("id"))
            .collect();
        assert_eq!(got, want, "{lon},{lat}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn properties_choose_fields_and_a_single_feature_answers_by_code() {
    let base = server().await;
    let (s, _, page) = get(&format!(
        "{base}/ogc/collections/boroughs/items?properties=name,population_2019&limit=2&offset=1"
    ))
    .await;
    assert_eq!(s, StatusCode::OK);
    let f = &page["features"][0];
    let keys: Vec<&String> = f["properties"]
        .as_object()
        .expect("properties")
        .keys()
        .collect();
    assert_eq!(keys, ["name", "population_2019"]);
    let next = link(&page, "next").expect("next")["href"]
        .as_str()
        .expect("href")
        .to_string();
    assert!(
        next.contains("properties=name,population_2019") && next.contains("offset=3"),
        "{next}"
    );
    let prev = link(&page, "prev").expect("prev")["href"]
        .as_str()
        .expect("href")
        .to_string();
    assert!(prev.contains("offset=0"), "{prev}");

    let code = f["id"].as_str().expect("id");
    let (s, h, one) = get(&format!("{base}/ogc/collections/boroughs/items/{code}")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h[CONTENT_TYPE], "application/geo+json");
    assert_eq!(one["id"], code);
    let pop: f64 = population_2019()
        .values()
        .filter(|v| v.2 == code)
        .map(|v| v.0)
        .sum();
    assert_eq!(one["properties"]["population_2019"].as_f64(), Some(pop));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_are_json_sentences_with_the_spec_status() {
    let base = server().await;
    let cases: [(&str, u16, &str); 9] = [
        ("/ogc/collections/nope", 404, "no collection \"nope\""),
        ("/ogc/collections/nope/items", 404, "lsoa11"),
        ("/ogc/collections/lsoa11/items/E0", 404, "no feature \"E0\""),
        ("/ogc/collections/lsoa11/items?limit=0", 400, "limit"),
        ("/ogc/collections/lsoa11/items?bbox=1,2", 400, "bbox"),
        (
            "/ogc/collections/lsoa11/items?crs=EPSG:4326",
            400,
            "crs \"EPSG:4326\"",
        ),
        (
            "/ogc/collections/lsoa11/items?properties=nope",
            400,
            "no property \"nope\"",
        ),
        (
            "/ogc/collections/lsoa11/items?colour=red",
            400,
            "unknown query parameter colour",
        ),
        ("/ogc/conformance?f=xml", 400, "f \"xml\""),
    ];
    for (path, status, says) in cases {
        let (s, h, body) = get(&format!("{base}{path}")).await;
        assert_eq!(s.as_u16(), status, "{path}: {body}");
        assert_eq!(h[CONTENT_TYPE], "application/json", "{path}");
        let e = body["error"].as_str().expect("error sentence");
        assert!(e.contains(says), "{path}: {e}");
    }
    // Over the maximum is not an error: the maximum is used.
    let (s, _, page) = get(&format!(
        "{base}/ogc/collections/lsoa11/items?limit=50000&properties="
    ))
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(page["numberReturned"], 4835);
    assert!(link(&page, "self").expect("self")["href"]
        .as_str()
        .expect("href")
        .contains("limit=10000"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fixed_documents_carry_strong_etags_and_answer_304() {
    // With a public URL the base is fixed, so TileJSON and styles are cached documents too
    // (without one they are built per request and not cacheable: tests/production.rs).
    let base = common::server_with(Some("https://atlas.example.org".into())).await;
    for path in [
        "/tiles/lsoa11.json",
        "/styles/no2_2019_mean.json",
        "/api/indicators",
        "/api/layers",
        "/api/priorities",
        "/ogc/api",
        "/ogc/collections",
    ] {
        let url = format!("{base}{path}");
        let r = client()
            .get(&url)
            .header(ORIGIN, "http://example.org")
            .send()
            .await
            .expect("request");
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let h = r.headers().clone();
        let etag = h[ETAG].to_str().expect("ascii").to_string();
        assert!(
            etag.starts_with('"') && !etag.starts_with("W/"),
            "{path}: {etag}"
        );
        let exposed = h["access-control-expose-headers"].to_str().expect("ascii");
        assert!(
            exposed.to_ascii_lowercase().contains("etag"),
            "{path}: {exposed}"
        );
        let body = r.bytes().await.expect("body");
        serde_json::from_slice::<Value>(&body).expect("JSON");

        let again = client()
            .get(&url)
            .header(IF_NONE_MATCH, &etag)
            .send()
            .await
            .expect("request");
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{path}");
        assert_eq!(again.headers()[ETAG].to_str().expect("ascii"), etag);
        assert!(again.bytes().await.expect("body").is_empty());

        // The gzip representation has its own strong ETag and inflates to the same bytes.
        let gz = client()
            .get(&url)
            .header(ACCEPT_ENCODING, "gzip")
            .send()
            .await
            .expect("request");
        assert_eq!(gz.headers()[CONTENT_ENCODING], "gzip", "{path}");
        assert_ne!(gz.headers()[ETAG].to_str().expect("ascii"), etag);
        let packed = gz.bytes().await.expect("body");
        let mut raw = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&packed[..]), &mut raw)
            .expect("gzip");
        assert_eq!(raw, body, "{path}");
    }
    // Without a public URL, TileJSON names the Host it was asked under: each Host gets its
    // own document, built per request and never stored (no ETag, no-store, Vary: Host).
    let open = server().await;
    let url = format!("{open}/tiles/lsoa11.json");
    let tag = |host: &'static str| {
        let url = url.clone();
        async move {
            let r = client()
                .get(url)
                .header("host", host)
                .send()
                .await
                .expect("request");
            let h = r.headers().clone();
            assert!(h.get(ETAG).is_none(), "a Host-derived document has no ETag");
            assert_eq!(h["cache-control"], "private, no-store");
            assert!(h
                .get_all("vary")
                .iter()
                .any(|v| v.to_str().unwrap_or("").contains("Host")));
            let doc: Value = r.json().await.expect("json");
            doc["tiles"][0].as_str().expect("tiles").to_string()
        }
    };
    let (t1, t2) = (tag("a.example").await, tag("b.example").await);
    assert!(t1.starts_with("http://a.example/") && t2.starts_with("http://b.example/"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browsers_get_html_pages_made_from_the_same_documents() {
    let base = server().await;
    let text = |url: String, accept: Option<&'static str>| async move {
        let mut r = client().get(&url);
        if let Some(a) = accept {
            r = r.header("accept", a);
        }
        let r = r.send().await.expect("request");
        let (status, headers) = (r.status(), r.headers().clone());
        (status, headers, r.text().await.expect("body"))
    };
    let browser = Some("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");
    // A browser's Accept gets the page; no Accept (GDAL, QGIS, curl) gets JSON; both vary.
    let (status, h, page) = text(format!("{base}/ogc/collections"), browser).await;
    assert_eq!(status, 200);
    assert!(h[CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
    assert!(varies_by(&h, "Accept"));
    let (_, h, json) = text(format!("{base}/ogc/collections"), None).await;
    assert_eq!(h[CONTENT_TYPE], "application/json");
    assert!(varies_by(&h, "Accept"));
    let doc: Value = serde_json::from_str(&json).expect("JSON");
    // every collection of the JSON is a row of the page, linked to its own page
    for c in doc["collections"].as_array().expect("collections") {
        let id = c["id"].as_str().expect("id");
        assert!(
            page.contains(&format!("href=\"collections/{id}?f=html\"")),
            "{id}"
        );
    }
    let alternate = link(&doc, "alternate").expect("an HTML alternate");
    assert_eq!(alternate["type"], "text/html");

    // An items page: a row per feature, the same ids as the GeoJSON page, and the next page.
    let url = format!("{base}/ogc/collections/lsoa11/items?limit=7&offset=100");
    let (_, _, page) = text(format!("{url}&f=html"), None).await;
    let (_, _, gj) = get(&url).await;
    let ids: Vec<&str> = gj["features"]
        .as_array()
        .expect("features")
        .iter()
        .map(|f| f["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids.len(), 7);
    assert_eq!(page.matches("<tr><td><a href=\"items/").count(), 7);
    for id in &ids {
        assert!(
            page.contains(&format!("href=\"items/{id}?f=html\"")),
            "{id}"
        );
    }
    assert!(page.contains("<h1>7 of 4835 features</h1>"));
    let next = link(&gj, "next").expect("next")["href"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(page.contains(&format!("{}&amp;f=html", next.replace('&', "&amp;"))));

    // A feature page lists every property with the JSON's values.
    let (_, _, page) = text(
        format!("{base}/ogc/collections/lsoa11/items/E01004733?f=html"),
        None,
    )
    .await;
    let (_, _, f) = get(&format!("{base}/ogc/collections/lsoa11/items/E01004733")).await;
    assert!(page.contains("<h1>Westminster 020C (E01004733)</h1>"));
    for (k, v) in f["properties"].as_object().expect("properties") {
        let shown = match v {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        };
        assert!(
            page.contains(&format!("<th scope=\"row\">{k}</th><td>{shown}</td>")),
            "{k}"
        );
    }
    // f=json wins over a browser's Accept; unknown formats are named.
    let (_, h, _) = text(format!("{base}/ogc?f=json"), browser).await;
    assert_eq!(h[CONTENT_TYPE], "application/json");
    let (status, _, body) = text(format!("{base}/ogc?f=xml"), None).await;
    assert_eq!(status, 400);
    assert!(body.contains("f=json or f=html"), "{body}");
    let (_, _, conf) = get(&format!("{base}/ogc/conformance")).await;
    assert!(conf["conformsTo"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c == "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html"));
}

/// True when the answer's one `Vary` line names `header`.
fn varies_by(h: &reqwest::header::HeaderMap, header: &str) -> bool {
    let lines: Vec<_> = h.get_all("vary").iter().collect();
    assert_eq!(lines.len(), 1, "one Vary line, got {lines:?}");
    lines[0]
        .to_str()
        .unwrap_or_default()
        .split(',')
        .any(|n| n.trim() == header)
}
