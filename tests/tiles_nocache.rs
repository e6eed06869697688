//! A store whose cache keeps nothing (`serve --tile-cache-mb 0`, for measuring cold tiles):
//! every request builds the tile afresh, nothing is kept, warming builds nothing, and the
//! tiles are the same bytes a caching store serves.

mod tiles_support;

use london_atlas::tiles::{Fields, TileStore, Tileset};
use tiles_support::*;

#[test]
fn a_zero_byte_cache_keeps_nothing_and_serves_the_same_tiles() {
    let none = TileStore::with_cache_bytes(atlas(), 0);
    let li = atlas().layer_index("lsoa11").expect("lsoa11");
    let t = Tileset::Layer(li);
    let fields = Fields::only(["imd2019_decile", "no2_2016_mean"]);
    assert_eq!(none.warm(Tileset::Atlas, 10).expect("warm"), 0);
    let tile = tile_at(12, CENTRAL.0, CENTRAL.1);
    let first = none
        .build(t, &fields, tile)
        .expect("builds")
        .expect("LSOAs");
    let second = none
        .build(t, &fields, tile)
        .expect("builds")
        .expect("LSOAs");
    assert_eq!(first.raw, second.raw);
    assert!(none.cached_tile(t, &fields, tile).is_none());
    assert_eq!(none.cached(), 0);
    let kept = store()
        .build(t, &fields, tile)
        .expect("builds")
        .expect("LSOAs");
    assert_eq!(kept.raw, first.raw);
    assert!(store().cached_tile(t, &fields, tile).is_some());
}
