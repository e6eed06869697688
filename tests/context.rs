//! The resident's context on the real data (issue 9): place and station search, the `context`
//! basemap tileset and the glyphs. Expected values are read straight from the CSV and PBF files
//! and computed by brute force (point in polygon over every LSOA), not from the loaders.

mod tiles_support;

use geo::{Contains, Point, Validation};
use london_atlas::geom::crs::wgs84_to_bng;
use london_atlas::tiles::{TileId, Tileset};
use std::collections::{BTreeSet, HashMap};
use tiles_support::{atlas, data_dir, decode, server, store};

/// OS Open Names rows: (name, type, lon, lat, least-detail scale).
fn open_names() -> Vec<(String, String, f64, f64, f64)> {
    let path =
        data_dir().join("os-open-names-london/os_open_names_2017_populated_places_london.csv");
    let mut r = csv::Reader::from_path(path).expect("the Open Names CSV");
    let h = r.headers().unwrap().clone();
    let at = |n: &str| {
        h.iter()
            .position(|x| x.trim_start_matches('\u{feff}') == n)
            .unwrap()
    };
    let (name, ty, lon, lat, least) = (
        at("NAME1"),
        at("LOCAL_TYPE"),
        at("lon"),
        at("lat"),
        at("LEAST_DETAIL_VIEW_RES"),
    );
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            (
                rec[name].to_string(),
                rec[ty].to_string(),
                rec[lon].parse().unwrap(),
                rec[lat].parse().unwrap(),
                rec[least].parse().unwrap(),
            )
        })
        .collect()
}

/// The 2011 LSOA holding a WGS84 point, by brute force over every area.
fn lsoa11_at(lon: f64, lat: f64) -> Option<String> {
    let a = atlas();
    let (e, n) = wgs84_to_bng(lon, lat);
    a.layer("lsoa11")?
        .areas
        .iter()
        .find(|x| x.geometry.contains(&Point::new(e, n)))
        .map(|x| x.code.clone())
}

#[test]
fn whitechapel_and_its_misspelling_find_the_place_first_in_its_own_lsoa() {
    let names = open_names();
    let (_, _, lon, lat, _) = names.iter().find(|r| r.0 == "Whitechapel").unwrap().clone();
    let expected = lsoa11_at(lon, lat).expect("Whitechapel lies in an LSOA");
    for q in ["Whitechapel", "whitechapel", "Whitechaple", "Whitechapl"] {
        let ans = atlas().search(q).unwrap();
        let first = &ans.results[0];
        assert_eq!(
            (first.kind, first.name.as_str()),
            ("place", "Whitechapel"),
            "{q}"
        );
        assert_eq!(first.lsoa11.as_deref(), Some(expected.as_str()), "{q}");
        assert_eq!(
            first.borough.as_deref(),
            Some("E09000030"),
            "{q}: Tower Hamlets"
        );
        assert_eq!(first.detail.as_deref(), Some("Suburban Area"));
        assert!((first.center[0] - lon).abs() < 1e-9 && (first.center[1] - lat).abs() < 1e-9);
    }
    // The station comes next, with the services the TfL and National Rail files give it.
    let ans = atlas().search("Whitechapel").unwrap();
    let station = ans.results.iter().find(|r| r.kind == "station").unwrap();
    assert_eq!(station.name, "Whitechapel");
    assert_eq!(
        station.detail.as_deref(),
        Some("Station: Underground, Overground, Elizabeth line, National Rail")
    );
    // Spitalfields and Bethnal Green, which found nothing before, are places now.
    for q in ["Spitalfields", "Bethnal Green"] {
        let first = &atlas().search(q).unwrap().results[0];
        assert_eq!((first.kind, first.name.as_str()), ("place", q));
    }
}

#[test]
fn every_open_names_place_is_found_by_its_name_in_the_lsoa_holding_it() {
    let names = open_names();
    assert_eq!(names.len(), 687);
    let mut checked = 0;
    for (name, ty, lon, lat, _) in &names {
        let ans = atlas().search(name).unwrap();
        // Names that occur twice (Hayes, Bromley, ...) give two places; find this one by position.
        let hit = ans
            .results
            .iter()
            .find(|r| {
                r.kind == "place"
                    && r.name == *name
                    && (r.center[0] - lon).abs() < 1e-9
                    && (r.center[1] - lat).abs() < 1e-9
            })
            .unwrap_or_else(|| {
                panic!(
                    "{name} ({ty}) at {lon}, {lat} not found: {:?}",
                    ans.results.iter().map(|r| &r.name).collect::<Vec<_>>()
                )
            });
        assert_eq!(
            ans.results[0].kind, "place",
            "{name}: a place is ranked first"
        );
        assert_eq!(hit.lsoa11, lsoa11_at(*lon, *lat), "{name}");
        assert_eq!(hit.detail.as_deref(), Some(ty.as_str()));
        checked += 1;
    }
    assert_eq!(checked, 687);
}

#[test]
fn station_list_has_one_point_per_station_from_both_files() {
    let a = atlas();
    let c = a
        .context
        .as_ref()
        .expect("the London manifest has a context");
    let stations: Vec<_> = c
        .places
        .iter()
        .filter(|p| p.kind == london_atlas::load::places::PlaceKind::Station)
        .collect();
    // Every National Rail station of the file is within 400 m of a station of ours with its name.
    let path = data_dir().join("rail-stations-london/uk_railway_stations_london.csv");
    let mut r = csv::Reader::from_path(path).unwrap();
    let mut rail = 0;
    for rec in r.records() {
        let rec = rec.unwrap();
        let (lat, lon): (f64, f64) = (rec[2].parse().unwrap(), rec[3].parse().unwrap());
        let (e, n) = wgs84_to_bng(lon, lat);
        let near = stations.iter().any(|s| {
            (s.easting - e).hypot(s.northing - n) < 400.0 && s.detail.contains("National Rail")
        });
        assert!(
            near,
            "{} has no National Rail station of ours within 400 m",
            &rec[0]
        );
        rail += 1;
    }
    assert_eq!(rail, 341);
    // No two of our stations share a name within 400 m (they would be one station).
    for (i, s) in stations.iter().enumerate() {
        for t in &stations[i + 1..] {
            let close = (s.easting - t.easting).hypot(s.northing - t.northing) < 400.0;
            assert!(!(close && s.name == t.name), "{} appears twice", s.name);
        }
    }
}

/// Tile coordinates (z, x, y) and position inside the tile (4096 units) of a WGS84 point.
fn tile_position(z: u8, lon: f64, lat: f64) -> (u32, u32, i64, i64) {
    let n = f64::from(1u32 << z);
    let fx = (lon + 180.0) / 360.0 * n;
    let lat_r = lat.to_radians();
    let fy = (1.0 - (lat_r.tan() + 1.0 / lat_r.cos()).ln() / std::f64::consts::PI) / 2.0 * n;
    let (x, y) = (fx.floor() as u32, fy.floor() as u32);
    (
        x,
        y,
        ((fx - f64::from(x)) * 4096.0).floor() as i64,
        ((fy - f64::from(y)) * 4096.0).floor() as i64,
    )
}

#[test]
fn context_tile_at_whitechapel_carries_exactly_the_open_names_places_for_its_zoom() {
    let (lon, lat) = (-0.06, 51.518);
    let s = store();
    let t = s.tileset("context").unwrap();
    assert_eq!(t, Tileset::Context);
    for z in [10u8, 11, 12, 13, 14] {
        let (x, y, _, _) = tile_position(z, lon, lat);
        let id = TileId::new(u32::from(z), x, y).unwrap();
        let bytes = s.render(t, id).unwrap().expect("a basemap tile");
        let layers = decode(&bytes);
        let names: Vec<&str> = layers.iter().map(|l| l.name.as_str()).collect();
        let want_layers: Vec<&str> = match z {
            10 => vec!["boroughs", "water", "places"],
            11 => vec!["boroughs", "wards", "water", "places"],
            _ => vec!["boroughs", "wards", "water", "places", "stations"],
        };
        assert_eq!(names, want_layers, "z{z}");
        let got: BTreeSet<(String, i64, i64)> = layers
            .iter()
            .find(|l| l.name == "places")
            .unwrap()
            .features
            .iter()
            .map(|f| {
                (
                    f.str("name").unwrap().to_string(),
                    f.rings[0][0].0,
                    f.rings[0][0].1,
                )
            })
            .collect();
        // From the CSV: places in this tile whose OS scale hint reaches zoom z (z = log2(1.74e8/S), one earlier).
        let want: BTreeSet<(String, i64, i64)> = open_names()
            .into_iter()
            .filter(|r| ((1.74e8 / r.4).log2().floor() - 1.0) as i64 <= i64::from(z))
            .filter_map(|r| {
                let (tx, ty, px, py) = tile_position(z, r.2, r.3);
                (tx == x && ty == y).then_some((r.0, px, py))
            })
            .collect();
        assert!(!want.is_empty(), "z{z}: the CSV has places in this tile");
        assert_eq!(got.len(), want.len(), "z{z}: {got:?} vs {want:?}");
        for ((gn, gx, gy), (wn, wx, wy)) in got.iter().zip(&want) {
            assert_eq!(gn, wn);
            assert!(
                (gx - wx).abs() <= 1 && (gy - wy).abs() <= 1,
                "{gn}: ({gx},{gy}) vs ({wx},{wy})"
            );
        }
        // Outline layers carry no indicator values.
        for l in layers
            .iter()
            .filter(|l| l.name == "boroughs" || l.name == "wards")
        {
            for f in &l.features {
                let keys: BTreeSet<&str> = f.props.keys().map(String::as_str).collect();
                assert!(
                    keys.is_subset(&BTreeSet::from(["code", "name", "borough"])),
                    "{keys:?}"
                );
            }
        }
    }
}

#[test]
fn the_thames_is_repaired_dissolved_and_valid() {
    let a = atlas();
    let c = a.context.as_ref().unwrap();
    assert_eq!(c.water_repaired, 4, "SOURCES.md lists 4 invalid polygons");
    for piece in &c.water.areas {
        assert!(
            piece.geometry.is_valid(),
            "{}: {:?}",
            piece.code,
            piece.geometry.validation_errors()
        );
    }
    let w = geo::MultiPolygon::new(
        c.water
            .areas
            .iter()
            .flat_map(|a| a.geometry.0.clone())
            .collect(),
    );
    // Two points the source file itself puts in the river (checked with a plain ray-casting
    // test on its WGS84 rings), and Parliament Square, which is on land.
    for (lon, lat) in [(-0.0755, 51.5060), (-0.0985, 51.5085)] {
        let (e, n) = wgs84_to_bng(lon, lat);
        assert!(w.contains(&Point::new(e, n)), "{lon}, {lat}");
    }
    let (e, n) = wgs84_to_bng(-0.1276, 51.5007);
    assert!(!w.contains(&Point::new(e, n)));
}

#[tokio::test]
async fn glyphs_are_served_byte_for_byte_and_bad_requests_get_sentences() {
    let base = server().await;
    let client = reqwest::Client::new();
    let dir = data_dir().join("glyphs-noto-sans");
    let mut files = 0;
    for stack in ["Noto Sans Regular", "Noto Sans Medium", "Noto Sans Italic"] {
        for range in ["0-255", "256-511", "8192-8447", "8448-8703"] {
            let url = format!("{base}/fonts/{}/{range}.pbf", stack.replace(' ', "%20"));
            let res = client.get(&url).send().await.unwrap();
            assert_eq!(res.status(), 200, "{url}");
            assert_eq!(res.headers()["content-type"], "application/x-protobuf");
            let body = res.bytes().await.unwrap();
            let file = std::fs::read(dir.join(stack).join(format!("{range}.pbf"))).unwrap();
            assert_eq!(body.as_ref(), file.as_slice(), "{url}");
            files += 1;
        }
    }
    assert_eq!(files, 12);
    let get = |path: &str| {
        let c = client.clone();
        let url = format!("{base}{path}");
        async move {
            let r = c.get(&url).send().await.unwrap();
            let status = r.status().as_u16();
            (status, r.text().await.unwrap())
        }
    };
    // A range not on disk: empty. A stack list: the first font we have answers.
    assert_eq!(
        get("/fonts/Noto%20Sans%20Regular/512-767.pbf").await,
        (200, String::new())
    );
    let (status, _) = get("/fonts/Open%20Sans%20Bold,Noto%20Sans%20Medium/0-255.pbf").await;
    assert_eq!(status, 200);
    let (status, body) = get("/fonts/Arial/0-255.pbf").await;
    assert_eq!(status, 404);
    assert!(
        body.contains("no font stack among \\\"Arial\\\"") && body.contains("Noto Sans Regular"),
        "{body}"
    );
    let (status, body) = get("/fonts/Noto%20Sans%20Regular/0-99.pbf").await;
    assert_eq!(status, 400);
    assert!(
        body.contains("is not start-end covering 256 characters"),
        "{body}"
    );
}

#[tokio::test]
async fn context_tilejson_lists_its_five_layers_and_search_answers_kinds_over_http() {
    let base = server().await;
    let tj: serde_json::Value = reqwest::get(format!("{base}/tiles/context.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ids: Vec<&str> = tj["vector_layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["boroughs", "wards", "water", "places", "stations"]);
    assert_eq!(tj["vector_layers"][3]["fields"]["minzoom"], "Number");
    let kinds: HashMap<String, String> = [
        ("E1 6AN", "postcode"),
        ("SE15", "postcode_district"),
        ("Stratford", "place"),
        ("Tower Hamlets", "area"),
        ("-0.1276, 51.5007", "point"),
    ]
    .into_iter()
    .map(|(q, k)| (q.to_string(), k.to_string()))
    .collect();
    for (q, kind) in &kinds {
        let ans: serde_json::Value =
            reqwest::get(format!("{base}/api/search?q={}", q.replace(' ', "%20")))
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
        assert_eq!(ans["results"][0]["kind"], kind.as_str(), "{q}: {ans}");
    }
}
