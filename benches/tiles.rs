//! Cold tile generation, one representative tile per zoom: the LSOA (2011) tile over central
//! London and the composite `atlas` tile, cut and encoded from a fresh cache each time (the
//! zoom's simplified geometry is built once beforehand; its own cost is measured separately
//! as `zoom_geometry`). Deterministic: fixed tiles, real data from ../shared/data or
//! $ATLAS_DATA.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use london_atlas::tiles::simplify::ZoomGeometry;
use london_atlas::tiles::{TileId, TileStore, Tileset};
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
