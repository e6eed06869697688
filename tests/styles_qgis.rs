//! Styles QGIS 3.22 can draw: every `/styles/{indicator}.json` expresses its classes as one
//! fill layer per class (a filter and a fixed colour) with no `step`/`case`/`to-number`, its
//! source carries `tiles`, zoom range and bounds (the TileJSON's), the filters put every area
//! in exactly the class `/api/indicators` says, and QGIS's own converter renders the lsoa11
//! choropleth in those colours (counted in the PNG).

mod common;
mod gis;

use common::server;
use geo::{Coord, Rect};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};

async fn get_json(url: String) -> Value {
    reqwest::get(&url)
        .await
        .expect("request")
        .json()
        .await
        .expect("json")
}

/// Evaluates the filter forms the styles use against one feature's properties.
fn matches(filter: &Value, props: &serde_json::Map<String, Value>) -> bool {
    let a = filter.as_array().expect("filter is an array");
    let num = |v: &Value| -> Option<f64> {
        match v.as_array() {
            Some(get) if get[0] == "get" => props.get(get[1].as_str()?)?.as_f64(),
            _ => v.as_f64(),
        }
    };
    match a[0].as_str().expect("operator") {
        "all" => a[1..].iter().all(|f| matches(f, props)),
        "!" => !matches(&a[1], props),
        "has" => props
            .get(a[1].as_str().expect("key"))
            .is_some_and(|v| !v.is_null()),
        ">=" => matches!((num(&a[1]), num(&a[2])), (Some(x), Some(y)) if x >= y),
        "<" => matches!((num(&a[1]), num(&a[2])), (Some(x), Some(y)) if x < y),
        other => panic!("a filter QGIS may not convert: {other}"),
    }
}

/// The colour an area gets from its layer's classes, as documented in /api/indicators.
fn class_colour(classes: &Value, value: Option<f64>) -> String {
    let Some(v) = value else {
        return classes["no_data"].as_str().expect("no_data").to_string();
    };
    let breaks = classes["breaks"].as_array().expect("breaks");
    let k = breaks
        .iter()
        .filter(|b| v >= b.as_f64().expect("break"))
        .count();
    classes["colours"][k].as_str().expect("colour").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_style_draws_each_class_as_a_filter_and_a_fixed_colour() {
    let base = server().await;
    let indicators = get_json(format!("{base}/api/indicators")).await;
    let tilejson = get_json(format!("{base}/tiles/atlas.json")).await;
    let mut checked_areas = 0;
    for ind in indicators.as_array().expect("indicators") {
        let id = ind["id"].as_str().expect("id");
        let style = get_json(format!("{base}/styles/{id}.json")).await;
        let text = style.to_string();
        for word in ["\"step\"", "\"case\"", "\"to-number\"", "\"feature-state\""] {
            assert!(!text.contains(word), "{id}: the style still uses {word}");
        }
        let source = &style["sources"]["atlas"];
        assert_eq!(source["tiles"], tilejson["tiles"], "{id}");
        assert_eq!(source["minzoom"], tilejson["minzoom"], "{id}");
        assert_eq!(source["maxzoom"], tilejson["maxzoom"], "{id}");
        assert_eq!(source["bounds"], tilejson["bounds"], "{id}");
        assert_eq!(source["url"], format!("{base}/tiles/atlas.json"));

        // Fill layers by source layer: (filter, colour).
        let mut fills: BTreeMap<String, Vec<(Value, String)>> = BTreeMap::new();
        for l in style["layers"].as_array().expect("layers") {
            if l["type"] == "fill" {
                let colour = l["paint"]["fill-color"].as_str().unwrap_or_else(|| {
                    panic!("{id}: {} has no fixed colour: {}", l["id"], l["paint"])
                });
                fills
                    .entry(
                        l["source-layer"]
                            .as_str()
                            .expect("source-layer")
                            .to_string(),
                    )
                    .or_default()
                    .push((l["filter"].clone(), colour.to_string()));
            }
        }
        assert!(!fills.is_empty(), "{id}: no fill layers");
        // Every area of every drawn layer matches exactly one class, of the documented colour.
        for (layer, layer_fills) in &fills {
            let classes = &ind["classes"][layer.as_str()];
            assert_eq!(
                layer_fills.len(),
                classes["colours"].as_array().expect("colours").len() + 1
            );
            let values = get_json(format!("{base}/api/values?layer={layer}&indicator={id}")).await;
            for area in values["areas"].as_array().expect("areas") {
                let mut props = serde_json::Map::new();
                if let Some(v) = area["value"].as_f64() {
                    props.insert(id.to_string(), json!(v));
                }
                let hit: Vec<&String> = layer_fills
                    .iter()
                    .filter(|(f, _)| matches(f, &props))
                    .map(|(_, c)| c)
                    .collect();
                assert_eq!(hit.len(), 1, "{id} {layer} {}: {hit:?}", area["code"]);
                assert_eq!(*hit[0], class_colour(classes, area["value"].as_f64()));
                checked_areas += 1;
            }
        }
    }
    assert!(checked_areas > 100_000, "{checked_areas}");
}

fn rgb(hex: &str) -> [f64; 3] {
    let b = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex") as f64;
    [b(1), b(3), b(5)]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qgis_renders_the_lsoa11_style_in_its_class_colours() {
    let base = server().await;
    let id = "imd2019_decile";
    let (lon, lat, zoom) = (-0.1, 51.52, 12u32);
    let style = get_json(format!("{base}/styles/{id}.json")).await;
    let style_url = format!("{base}/styles/{id}.json");
    let png = std::env::temp_dir().join(format!("london-atlas-qgis-{}.png", std::process::id()));
    let args = [
        style_url,
        png.display().to_string(),
        lon.to_string(),
        lat.to_string(),
        zoom.to_string(),
    ];
    let out = tokio::task::spawn_blocking(move || {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        gis::qgis_script("qgis_style.py", &refs)
    })
    .await
    .expect("QGIS ran");
    assert_eq!(
        out["warnings"],
        json!([]),
        "QGIS's converter skipped something"
    );
    assert_eq!(out["errors"], json!([]));
    let colours: HashMap<String, u64> =
        serde_json::from_value(out["colours"].clone()).expect("colours");
    let total: u64 = colours.values().sum();
    assert_eq!(total, 512 * 512);

    // The fills are drawn at the style's opacity over its background colour.
    let fill = style["layers"]
        .as_array()
        .expect("layers")
        .iter()
        .find(|l| l["type"] == "fill" && l["source-layer"] == "lsoa11")
        .expect("an lsoa11 fill");
    let opacity = fill["paint"]["fill-opacity"].as_f64().expect("opacity");
    let background = rgb(style["layers"][0]["paint"]["background-color"]
        .as_str()
        .expect("bg"));
    let classes = &style["metadata"]["london-atlas:classes"]["lsoa11"];
    let palette: Vec<String> = classes["colours"]
        .as_array()
        .expect("colours")
        .iter()
        .map(|c| c.as_str().expect("colour").to_string())
        .collect();
    let blended = |hex: &str| -> [f64; 3] {
        let c = rgb(hex);
        [0, 1, 2].map(|i| opacity * c[i] + (1.0 - opacity) * background[i])
    };
    let near = |a: [f64; 3], b: [f64; 3]| (0..3).all(|i| (a[i] - b[i]).abs() <= 2.5);
    let mut per_class = vec![0u64; palette.len()];
    for (hex, n) in &colours {
        let px = rgb(hex);
        if let Some(k) = palette.iter().position(|c| near(px, blended(c))) {
            per_class[k] += n;
        }
    }
    let in_classes: u64 = per_class.iter().sum();
    assert!(
        in_classes * 10 > total * 6,
        "only {in_classes} of {total} pixels are class colours: {per_class:?}"
    );

    // Which classes the view should show: the LSOAs in it (from /api/query) and their values.
    let half = 256.0 * 2.0 * london_atlas::geom::crs::MERCATOR_HALF_WORLD
        / (256.0 * 2f64.powi(zoom as i32));
    let (cx, cy) = london_atlas::geom::crs::lonlat_to_mercator(lon, lat);
    let view = Rect::new(
        Coord {
            x: cx - half,
            y: cy - half,
        },
        Coord {
            x: cx + half,
            y: cy + half,
        },
    );
    let (w, s) = london_atlas::geom::crs::mercator_to_lonlat(view.min().x, view.min().y);
    let (e, n) = london_atlas::geom::crs::mercator_to_lonlat(view.max().x, view.max().y);
    let answer = common::query_box(&base, [w, s, e, n]).await;
    let values = get_json(format!("{base}/api/values?layer=lsoa11&indicator={id}")).await;
    let value_of: HashMap<&str, Option<f64>> = values["areas"]
        .as_array()
        .expect("areas")
        .iter()
        .map(|a| (a["code"].as_str().expect("code"), a["value"].as_f64()))
        .collect();
    // (LSOAs mostly inside the view, LSOAs touching it) per class.
    let mut expected = vec![(0usize, 0usize); palette.len()];
    for a in answer["layers"]["lsoa11"].as_array().expect("lsoa11") {
        if let Some(v) = value_of[a["code"].as_str().expect("code")] {
            let colour = class_colour(classes, Some(v));
            let k = palette.iter().position(|c| *c == colour).expect("a class");
            expected[k].1 += 1;
            if a["overlap_share"].as_f64() > Some(0.5) {
                expected[k].0 += 1;
            }
        }
    }
    for (k, (&(mostly, touching), &got)) in expected.iter().zip(&per_class).enumerate() {
        if mostly >= 5 {
            assert!(
                got >= 200,
                "class {} ({}) has {mostly} LSOAs in view but {got} pixels: {per_class:?}",
                k + 1,
                palette[k]
            );
        }
        if touching == 0 {
            assert!(
                got < 200,
                "class {} ({}) has no LSOA in view but {got} pixels",
                k + 1,
                palette[k]
            );
        }
    }
    assert!(
        expected.iter().filter(|n| n.0 >= 5).count() >= 5,
        "{expected:?}"
    );
    let _ = std::fs::remove_file(&png);
}
