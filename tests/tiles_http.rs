//! The tile endpoints end to end on a real server (127.0.0.1, any port): MVT responses and
//! their caching headers, gzip negotiation, 304 and 204, 4xx JSON for bad requests, property
//! values equal to /api/areas, TileJSON 3.0.0 and the MapLibre styles.

mod tiles_support;

use london_atlas::tiles::TileId;
use reqwest::header::{
    ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE, ETAG, IF_NONE_MATCH, VARY,
};
use reqwest::StatusCode;
use serde_json::Value;
use tiles_support::*;

fn client() -> reqwest::Client {
    reqwest::Client::builder().build().expect("client")
}

fn tile_url(base: &str, name: &str, t: TileId) -> String {
    format!("{base}/tiles/{name}/{}/{}/{}.mvt", t.z, t.x, t.y)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tile_is_served_as_mvt_with_a_strong_etag_cache_control_and_vary() {
    let base = server().await;
    let t = tile_at(12, CENTRAL.0, CENTRAL.1);
    let r = client()
        .get(tile_url(&base, "lsoa11", t))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::OK);
    let h = r.headers().clone();
    assert_eq!(h[CONTENT_TYPE], "application/vnd.mapbox-vector-tile");
    assert!(h.get(CONTENT_ENCODING).is_none(), "no gzip unless asked");
    let etag = h[ETAG].to_str().expect("ascii").to_string();
    assert!(etag.starts_with('"') && etag.ends_with('"') && !etag.starts_with("W/"));
    assert!(h[VARY].to_str().expect("ascii").contains("Accept-Encoding"));
    assert!(h[CACHE_CONTROL]
        .to_str()
        .expect("ascii")
        .contains("max-age="));
    let layers = decode(&r.bytes().await.expect("body"));
    assert_eq!(layers.len(), 1);
    assert_eq!(layers[0].name, "lsoa11");
    assert!(layers[0].features.len() > 100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gzip_is_sent_only_to_clients_that_accept_it() {
    let base = server().await;
    let url = tile_url(&base, "atlas", tile_at(13, CENTRAL.0, CENTRAL.1));
    let plain = client().get(&url).send().await.expect("request");
    let plain_etag = plain.headers()[ETAG].clone();
    let plain = plain.bytes().await.expect("body");
    let gz = client()
        .get(&url)
        .header(ACCEPT_ENCODING, "br, gzip;q=0.8")
        .send()
        .await
        .expect("request");
    assert_eq!(gz.headers()[CONTENT_ENCODING], "gzip");
    assert_ne!(
        gz.headers()[ETAG],
        plain_etag,
        "each representation has its own ETag"
    );
    let gz = gz.bytes().await.expect("body");
    assert!(gz.starts_with(&[0x1f, 0x8b]) && gz.len() < plain.len());
    let a = decode(&plain);
    let b = decode(&gz);
    assert_eq!(a.len(), b.len());
    assert_eq!(a[1].features.len(), b[1].features.len());
    let refused = client()
        .get(&url)
        .header(ACCEPT_ENCODING, "gzip;q=0, identity")
        .send()
        .await
        .expect("request");
    assert!(refused.headers().get(CONTENT_ENCODING).is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_matching_if_none_match_gets_304_without_a_body() {
    let base = server().await;
    let url = tile_url(&base, "lsoa21", tile_at(11, CENTRAL.0, CENTRAL.1));
    let first = client().get(&url).send().await.expect("request");
    let etag = first.headers()[ETAG].clone();
    let again = client()
        .get(&url)
        .header(IF_NONE_MATCH, etag.clone())
        .send()
        .await
        .expect("request");
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(again.headers()[ETAG], etag);
    assert!(again.bytes().await.expect("body").is_empty());
    let other = client()
        .get(&url)
        .header(IF_NONE_MATCH, "\"something-else\"")
        .send()
        .await
        .expect("request");
    assert_eq!(other.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tile_without_features_is_204_and_a_layer_below_its_minzoom_is_empty() {
    let base = server().await;
    let paris = tile_url(&base, "atlas", tile_at(10, 2.35, 48.85));
    let r = client().get(&paris).send().await.expect("request");
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let low = tile_url(&base, "superzones", tile_at(9, CENTRAL.0, CENTRAL.1));
    let r = client().get(&low).send().await.expect("request");
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_tile_requests_get_4xx_json_naming_the_problem() {
    let base = server().await;
    let cases = [
        ("/tiles/nope/1/0/0.mvt", 404, "nope"),
        ("/tiles/atlas/15/0/0.mvt", 400, "zoom 15"),
        ("/tiles/atlas/2/4/0.mvt", 400, "x=4"),
        ("/tiles/atlas/2/0/9.mvt", 400, "y=9"),
        ("/tiles/atlas/a/0/0.mvt", 400, "\"a\""),
        ("/tiles/atlas/1/0/-1.mvt", 400, "\"-1\""),
        ("/tiles/atlas/99999999999/0/0.mvt", 400, "99999999999"),
        ("/tiles/atlas/1/0/0.png", 404, "0.png"),
        ("/tiles/nope.json", 404, "nope"),
        ("/tiles/atlas", 404, "atlas"),
        ("/styles/nope.json", 404, "nope"),
        ("/styles/no2_2019_mean", 404, "no2_2019_mean"),
    ];
    for (path, status, needle) in cases {
        let r = client()
            .get(format!("{base}{path}"))
            .send()
            .await
            .expect("request");
        assert_eq!(r.status().as_u16(), status, "{path}");
        let body: Value = r
            .json()
            .await
            .unwrap_or_else(|e| panic!("{path}: JSON body: {e}"));
        let msg = body["error"]
            .as_str()
            .unwrap_or_else(|| panic!("{path}: {body}"));
        assert!(msg.contains(needle), "{path}: {msg}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn served_property_values_equal_the_api_answers() {
    let base = server().await;
    let t = tile_at(13, -0.0235, 51.5045);
    let bytes = client()
        .get(tile_url(&base, "atlas", t))
        .send()
        .await
        .expect("request")
        .bytes()
        .await
        .expect("body");
    let layers = decode(&bytes);
    let mut compared = 0;
    for id in ["lsoa11", "lsoa21", "boroughs", "superzones"] {
        for f in layer(&layers, id).features.iter().take(8) {
            let code = f.str("code").expect("code");
            let api: Value = get_json(format!("{base}/api/areas/{id}/{code}")).await;
            assert_eq!(f.str("name"), api["name"].as_str(), "{id} {code}");
            assert_eq!(f.str("borough"), api["borough"].as_str(), "{id} {code}");
            let inds = api["indicators"].as_object().expect("indicators");
            assert!(!inds.is_empty());
            for (ind, v) in inds {
                // serde_json's default parser may land one ulp off a 17-digit decimal.
                match (f.num(ind), v["value"].as_f64()) {
                    (Some(a), Some(b)) => {
                        assert!(
                            (a - b).abs() <= 1e-14 * b.abs(),
                            "{id} {code} {ind}: {a} vs {b}"
                        )
                    }
                    (a, b) => assert_eq!(a, b, "{id} {code} {ind}"),
                }
                compared += 1;
            }
        }
    }
    assert!(compared > 100, "{compared}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tilejson_bounds_match_data_extent() {
    let base = server().await;
    let layers: Value = get_json(format!("{base}/api/layers")).await;
    for l in layers.as_array().expect("array") {
        let id = l["id"].as_str().expect("id");
        let tj: Value = get_json(format!("{base}/tiles/{id}.json")).await;
        let want: Vec<f64> = l["bounds"]
            .as_array()
            .expect("bounds")
            .iter()
            .filter_map(|v| v.as_f64())
            .collect();
        let got: Vec<f64> = tj["bounds"]
            .as_array()
            .expect("bounds")
            .iter()
            .filter_map(|v| v.as_f64())
            .collect();
        assert_eq!(got.len(), 4);
        for k in 0..4 {
            // The API's box is the BNG box's corners moved to WGS84; the tiles' box is that of
            // every vertex: they agree to a few hundred metres.
            assert!(
                (got[k] - want[k]).abs() < 0.01,
                "{id} bounds {got:?} vs {want:?}"
            );
        }
        let c = tj["center"].as_array().expect("center");
        let (lon, lat) = (c[0].as_f64().expect("lon"), c[1].as_f64().expect("lat"));
        assert!(lon > got[0] && lon < got[2] && lat > got[1] && lat < got[3]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tilejson_describes_every_field_with_absolute_tile_urls_and_the_attribution() {
    let base = server().await;
    let tj: Value = get_json(format!("{base}/tiles/atlas.json")).await;
    assert_eq!(tj["tilejson"], "3.0.0");
    assert_eq!(
        tj["tiles"][0],
        format!("{base}/tiles/atlas/{{z}}/{{x}}/{{y}}.mvt")
    );
    assert_eq!(tj["minzoom"], 0);
    assert_eq!(tj["maxzoom"], 14);
    let atlas = atlas();
    for line in &atlas.attribution {
        assert!(tj["attribution"]
            .as_str()
            .expect("attribution")
            .contains(line.as_str()));
    }
    let vls = tj["vector_layers"].as_array().expect("vector_layers");
    let ids: Vec<&str> = vls.iter().filter_map(|v| v["id"].as_str()).collect();
    assert_eq!(
        ids,
        ["boroughs", "lsoa11", "lsoa21", "wards", "ics", "superzones"]
    );
    for vl in vls {
        let layer = atlas.layer(vl["id"].as_str().expect("id")).expect("layer");
        assert_eq!(vl["minzoom"], layer.minzoom);
        let fields = vl["fields"].as_object().expect("fields");
        let described = vl["field_descriptions"]
            .as_object()
            .expect("field_descriptions");
        assert_eq!(fields.len(), described.len());
        for key in ["code", "name", "borough"]
            .into_iter()
            .chain(layer.columns.keys().map(|k| k.as_str()))
        {
            let ty = fields.get(key).and_then(|d| d.as_str());
            let numeric = layer.columns.contains_key(key);
            assert_eq!(ty, Some(if numeric { "Number" } else { "String" }), "{key}");
            let d = described.get(key).and_then(|d| d.as_str()).unwrap_or("");
            assert!(d.len() > 20, "{key} is described: {d}");
        }
        if layer.id == "superzones" {
            assert!(fields.contains_key("phase"));
        }
    }
    let public = server_with(Some("https://atlas.example.org/base".into())).await;
    let tj: Value = get_json(format!("{public}/tiles/lsoa11.json")).await;
    assert_eq!(
        tj["tiles"][0],
        "https://atlas.example.org/base/tiles/lsoa11/{z}/{x}/{y}.mvt"
    );
    assert_eq!(tj["minzoom"], 8);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tiles_carry_cors_headers_for_web_and_gis_clients() {
    let base = server().await;
    let r = client()
        .get(tile_url(
            &base,
            "boroughs",
            tile_at(9, CENTRAL.0, CENTRAL.1),
        ))
        .header("Origin", "https://example.org")
        .send()
        .await
        .expect("request");
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
}

/// GET a URL and parse its JSON body.
async fn get_json(url: impl reqwest::IntoUrl) -> Value {
    client()
        .get(url)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json")
}

fn luminance(hex: &str) -> f64 {
    let v = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex") as f64 / 255.0;
    0.2126 * v(1) + 0.7152 * v(3) + 0.0722 * v(5)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn styles_break_no2_at_the_legal_limit_and_draw_worse_darker() {
    let base = server().await;
    let style: Value = get_json(format!("{base}/styles/no2_2019_mean.json")).await;
    assert_eq!(style["version"], 8);
    assert_eq!(
        style["sources"]["atlas"]["url"],
        format!("{base}/tiles/atlas.json")
    );
    let legend = &style["metadata"]["london-atlas:legend"];
    let classes = legend["classes"].as_array().expect("classes");
    assert!(classes
        .iter()
        .any(|c| c["from"] == 40.0 && c["over_limit"] == true));
    assert!(classes
        .iter()
        .filter(|c| c["over_limit"] == true)
        .all(|c| c["from"].as_f64() >= Some(40.0)));
    let lum: Vec<f64> = classes
        .iter()
        .map(|c| luminance(c["colour"].as_str().expect("colour")))
        .collect();
    assert!(
        lum.windows(2).all(|w| w[1] < w[0]),
        "higher NO2 must be darker: {lum:?}"
    );

    let imd: Value = get_json(format!("{base}/styles/imd2019_decile.json")).await;
    let classes = imd["metadata"]["london-atlas:legend"]["classes"]
        .as_array()
        .expect("classes")
        .clone();
    assert_eq!(classes.len(), 10, "one class per decile");
    let lum: Vec<f64> = classes
        .iter()
        .map(|c| luminance(c["colour"].as_str().expect("colour")))
        .collect();
    assert!(
        lum.windows(2).all(|w| w[1] > w[0]),
        "decile 1 (most deprived) must be darkest: {lum:?}"
    );
    let layers = imd["layers"].as_array().expect("layers");
    assert!(layers
        .iter()
        .any(|l| l["source-layer"] == "lsoa11" && l["type"] == "fill"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fields_choose_the_indicator_values_a_tile_carries() {
    let base = server().await;
    let t = tile_at(10, CENTRAL.0, CENTRAL.1);
    let fetch = |query: &'static str| {
        let url = format!("{}{query}", tile_url(&base, "boroughs", t));
        async move {
            let r = client().get(url).send().await.expect("request");
            (r.status(), r.bytes().await.expect("body"))
        }
    };
    let (s, all) = fetch("").await;
    assert_eq!(s, StatusCode::OK);
    let (s, one) = fetch("?fields=no2_2019_mean,violence_2019").await;
    assert_eq!(s, StatusCode::OK);
    let (s, none) = fetch("?fields=").await;
    assert_eq!(s, StatusCode::OK);
    let (all, one, none) = (decode(&all), decode(&one), decode(&none));
    let codes = |l: &[DecodedLayer]| -> Vec<String> {
        l[0].features
            .iter()
            .filter_map(|f| f.str("code").map(str::to_string))
            .collect()
    };
    assert_eq!(codes(&one), codes(&all), "the same features");
    assert_eq!(codes(&none), codes(&all));
    for (f, g) in one[0].features.iter().zip(&all[0].features) {
        let mut keys: Vec<&str> = f.props.keys().map(String::as_str).collect();
        keys.sort();
        let want: Vec<&str> = ["borough", "code", "name", "no2_2019_mean", "violence_2019"]
            .into_iter()
            .filter(|k| g.props.contains_key(*k))
            .collect();
        assert_eq!(keys, want);
        assert_eq!(f.num("no2_2019_mean"), g.num("no2_2019_mean"));
    }
    assert!(
        all[0].features[0].props.len() > 100,
        "a full borough carries every indicator"
    );
    for f in &none[0].features {
        assert!(f
            .props
            .keys()
            .all(|k| ["code", "name", "borough"].contains(&k.as_str())));
    }
    // An id the tileset does not carry is refused, naming it.
    let (s, body) = fetch("?fields=no2_2019_mean,nope").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let err: Value = serde_json::from_slice(&body).expect("JSON error");
    assert!(
        err["error"]
            .as_str()
            .is_some_and(|e| e.contains("\"nope\"")),
        "{err}"
    );
}
