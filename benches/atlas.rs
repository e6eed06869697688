//! Criterion benches for the core atlas on the real data: loading everything (read, repair,
//! index, join, derive), a point query, a polygon query and a rule selection. Deterministic
//! inputs; run with `cargo bench --bench atlas`.

use criterion::{criterion_group, criterion_main, Criterion};
use london_atlas::geom::crs::bng_to_wgs84;
use london_atlas::geom::geojson::bng_to_wgs84_geojson;
use london_atlas::query::polygon::{parse_polygon, MAX_VERTICES};
use london_atlas::query::select::Filter;
use london_atlas::{Atlas, Manifest, Options};
use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

fn options(verify: bool) -> Options {
    let data_dir = std::env::var_os("ATLAS_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    Options {
        data_dir,
        verify_checksums: verify,
    }
}

fn box_polygon(x: f64, y: f64, w: f64, h: f64) -> String {
    let ring: Vec<[f64; 2]> = [(x, y), (x + w, y), (x + w, y + h), (x, y + h), (x, y)]
        .iter()
        .map(|&(e, n)| {
            let (lon, lat) = bng_to_wgs84(e, n);
            [lon, lat]
        })
        .collect();
    serde_json::json!({"type": "Polygon", "coordinates": [ring]}).to_string()
}

fn benches(c: &mut Criterion) {
    let manifest = Manifest::london().expect("manifest");
    let mut g = c.benchmark_group("load");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.bench_function("load_all_layers_and_indicators", |b| {
        b.iter(|| Atlas::load(&manifest, &options(false)).expect("loads"))
    });
    g.bench_function("load_all_with_sha256_checks", |b| {
        b.iter(|| Atlas::load(&manifest, &options(true)).expect("loads"))
    });
    g.finish();

    let atlas = Atlas::load(&manifest, &options(false)).expect("loads");
    let mut g = c.benchmark_group("query");
    g.bench_function("point_parliament_square_all_layers", |b| {
        b.iter(|| {
            atlas
                .areas_at(black_box(-0.1276), black_box(51.5007))
                .expect("point")
        })
    });
    let small = box_polygon(531_000.0, 184_000.0, 3_000.0, 2_000.0);
    g.bench_function("polygon_3km_by_2km_parse_and_query", |b| {
        b.iter(|| {
            let p = parse_polygon(black_box(small.as_bytes()), MAX_VERTICES).expect("polygon");
            atlas.query_polygon(&p)
        })
    });
    let large = box_polygon(525_000.0, 175_000.0, 10_000.0, 10_000.0);
    g.sample_size(20);
    g.bench_function("polygon_10km_by_10km_parse_and_query", |b| {
        b.iter(|| {
            let p = parse_polygon(black_box(large.as_bytes()), MAX_VERTICES).expect("polygon");
            atlas.query_polygon(&p)
        })
    });
    // A real, concave boundary: Camden as drawn by a planner (BNG -> WGS84 -> query).
    let camden = atlas
        .layer("boroughs")
        .and_then(|l| l.area("E09000007"))
        .expect("Camden");
    let camden_json = bng_to_wgs84_geojson(&camden.geometry, None).to_string();
    g.bench_function("polygon_camden_borough_parse_and_query", |b| {
        b.iter(|| {
            let p =
                parse_polygon(black_box(camden_json.as_bytes()), MAX_VERTICES).expect("polygon");
            atlas.query_polygon(&p)
        })
    });
    // Side by side with benches/peer_shapely.py (GEOS): the same work, no parsing or summary.
    let three = ["boroughs", "lsoa11", "lsoa21"].map(|id| atlas.layer(id).expect("layer"));
    g.bench_function("peer_point_bng_three_layers", |b| {
        b.iter(|| atlas.areas_at_bng(black_box(530_061.686), black_box(179_635.387)))
    });
    g.bench_function("peer_camden_overlaps_three_layers", |b| {
        b.iter(|| {
            three.map(|l| london_atlas::geom::overlay::overlaps(black_box(&camden.geometry), l))
        })
    });
    let rule: Filter = "no2_2016_mean>40".parse().expect("rule");
    g.bench_function("select_lsoa11_no2_2016_over_40", |b| {
        b.iter(|| atlas.select("lsoa11", black_box(&rule)).expect("select"))
    });
    g.finish();

    // Issue 9: a postcode (index lookup + the areas holding its point), a place name (every
    // name ranked) and a misspelt one (close-spelling pass over every name).
    let mut g = c.benchmark_group("search");
    for q in ["E1 6AN", "Whitechapel", "Whitechaple", "SE15 4"] {
        g.bench_function(q.replace(' ', "_"), |b| {
            b.iter(|| atlas.search(black_box(q)).expect("search"))
        });
    }
    g.finish();
}

criterion_group!(atlas_benches, benches);
criterion_main!(atlas_benches);
