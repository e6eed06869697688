//! Cold tile generation, one representative tile per zoom: the LSOA (2011) tile over central
//! London and the composite `atlas` tile, cut and encoded from a fresh cache each time (the
//! zoom's simplified geometry is built once beforehand; its own cost is measured separately
//! as `zoom_geometry`). Deterministic: fixed tiles, real data from ../shared/data or
//! $ATLAS_DATA.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use london_atlas::tiles::mvt::{encode, LayerFeatures};
use london_atlas::tiles::simplify::ZoomGeometry;
use london_atlas::tiles::source::LayerSource;
use london_atlas::tiles::{EncodedTile, Fields, TileId, TileStore, Tileset};
use london_atlas::{Atlas, Manifest, Options};
use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;

fn atlas() -> Arc<Atlas> {
    let data = std::env::var_os("ATLAS_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    let manifest = Manifest::london().expect("built-in manifest");
    let options = Options {
        data_dir: data,
        verify_checksums: false,
    };
    Arc::new(Atlas::load(&manifest, &options).expect("the real data loads"))
}

/// The tile at zoom `z` holding Trafalgar Square.
fn central(z: u8) -> TileId {
    TileId::containing(z, -0.1281, 51.5080).expect("in range")
}

fn tiles(c: &mut Criterion) {
    let atlas = atlas();
    let store = TileStore::new(atlas.clone());
    let lsoa11 = store.tileset("lsoa11").expect("layer");
    let Tileset::Layer(li) = lsoa11 else {
        unreachable!()
    };
    // Build every zoom's geometry up front so the loop measures cutting + encoding only.
    for z in 0..=14 {
        for i in 0..atlas.layers.len() {
            store.zoom(i, z);
        }
    }
    let mut g = c.benchmark_group("tile_cold");
    for z in [8u8, 10, 12, 14] {
        let t = central(z);
        g.bench_with_input(BenchmarkId::new("lsoa11", z), &t, |b, t| {
            b.iter(|| black_box(store.render(lsoa11, *t).expect("tile")))
        });
        g.bench_with_input(BenchmarkId::new("atlas", z), &t, |b, t| {
            b.iter(|| black_box(store.render(Tileset::Atlas, *t).expect("tile")))
        });
    }
    // The basemap (issue 9): outlines, water, place and station labels.
    for z in [10u8, 12, 13, 14] {
        let t = central(z);
        g.bench_with_input(BenchmarkId::new("context", z), &t, |b, t| {
            b.iter(|| black_box(store.render(Tileset::Context, *t).expect("tile")))
        });
    }
    for z in [0u8, 4] {
        let t = central(z);
        g.bench_with_input(BenchmarkId::new("atlas", z), &t, |b, t| {
            b.iter(|| black_box(store.render(Tileset::Atlas, *t).expect("tile")))
        });
    }
    g.finish();

    // Where a cold tile with two properties (what a choropleth asks with ?fields=) spends its
    // time, the pieces of `TileStore::build`: `cut` (R-tree lookup, shift or clip of every
    // area), `encode` (MVT of the cut areas), `render` (both), `miss` (render + ETag hash: a
    // cache miss for a client without gzip), `miss_gzip` (and gzip: for a client with it).
    // benches/peers.sh compares the same tiles with PostGIS.
    let two = Fields::only(["imd2019_decile", "no2_2016_mean"]);
    let sources: Vec<LayerSource> = atlas
        .layers
        .iter()
        .map(|_| LayerSource::default())
        .collect();
    let mut g = c.benchmark_group("tile_two_fields");
    for z in [8u8, 10, 12, 14] {
        let t = central(z);
        let layer = &atlas.layers[li];
        let source = &sources[li];
        let zoom = source.zoom(layer, z);
        let integers = source.integer_columns(&atlas, layer);
        g.bench_with_input(BenchmarkId::new("lsoa11/cut", z), &t, |b, t| {
            b.iter(|| black_box(zoom.features(t)))
        });
        let cut = [LayerFeatures {
            layer,
            fields: &two,
            integers,
            features: zoom.features(&t),
        }];
        g.bench_with_input(BenchmarkId::new("lsoa11/encode", z), &t, |b, _| {
            b.iter(|| black_box(encode(&cut).expect("encodes")))
        });
        g.bench_with_input(BenchmarkId::new("lsoa11/render", z), &t, |b, t| {
            b.iter(|| black_box(store.render_fields(lsoa11, *t, &two).expect("tile")))
        });
        g.bench_with_input(BenchmarkId::new("lsoa11/miss", z), &t, |b, t| {
            b.iter(|| {
                let raw = store.render_fields(lsoa11, *t, &two).expect("tile");
                black_box(raw.map(EncodedTile::lazy))
            })
        });
        g.bench_with_input(BenchmarkId::new("lsoa11/miss_gzip", z), &t, |b, t| {
            b.iter(|| {
                let raw = store.render_fields(lsoa11, *t, &two).expect("tile");
                black_box(raw.map(EncodedTile::new))
            })
        });
        g.bench_with_input(BenchmarkId::new("atlas/render", z), &t, |b, t| {
            b.iter(|| black_box(store.render_fields(Tileset::Atlas, *t, &two).expect("tile")))
        });
    }
    g.finish();

    let mut g = c.benchmark_group("zoom_geometry");
    g.sample_size(10);
    let topo = store.topology(li);
    for z in [8u8, 10, 12, 14] {
        g.bench_with_input(BenchmarkId::new("lsoa11", z), &z, |b, z| {
            b.iter(|| black_box(ZoomGeometry::build(topo, *z)))
        });
    }
    g.finish();
}

criterion_group!(benches, tiles);
criterion_main!(benches);
