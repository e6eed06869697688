//! Integer-valued indicators (counts and deciles whose values on a layer are all whole) are
//! written into tiles as MVT integers (`uint_value`), the rest as `double_value`; the typing is
//! the one downloads and the OGC API use, and the values are the published CSVs'. Decoded here
//! with geozero's protobuf messages, not our encoder.

mod tiles_support;

use geozero::mvt::tile::Value;
use geozero::mvt::{Message, Tile};
use london_atlas::ogc::{properties, Kind, Source};
use london_atlas::tiles::{Fields, Tileset};
use std::collections::{BTreeMap, BTreeSet};
use tiles_support::*;

/// How a value was written.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Written {
    UInt(u64),
    SInt(i64),
    Double(f64),
    Other,
}

fn written(v: &Value) -> Written {
    match (v.uint_value, v.sint_value, v.double_value) {
        (Some(u), None, None) => Written::UInt(u),
        (None, Some(i), None) => Written::SInt(i),
        (None, None, Some(d)) => Written::Double(d),
        _ => Written::Other,
    }
}

/// (code, key) -> written value for every numeric property of one MVT layer of a tile.
fn numeric_props(bytes: &[u8], layer: &str) -> BTreeMap<(String, String), Written> {
    let tile = Tile::decode(bytes).expect("a protobuf vector tile");
    let l = tile
        .layers
        .iter()
        .find(|l| l.name == layer)
        .expect("the layer");
    let mut out = BTreeMap::new();
    for f in &l.features {
        let tags: Vec<(&str, &Value)> = f
            .tags
            .chunks(2)
            .map(|kv| (l.keys[kv[0] as usize].as_str(), &l.values[kv[1] as usize]))
            .collect();
        let code = tags
            .iter()
            .find(|(k, _)| *k == "code")
            .and_then(|(_, v)| v.string_value.clone())
            .expect("a code");
        for (k, v) in tags.iter().filter(|(_, v)| v.string_value.is_none()) {
            out.insert((code.clone(), k.to_string()), written(v));
        }
    }
    out
}

#[test]
fn counts_and_deciles_are_mvt_integers_with_the_csv_values_and_the_rest_doubles() {
    let store = store();
    let atlas = store.atlas();
    let li = atlas.layer_index("lsoa11").expect("lsoa11");
    let layer = &atlas.layers[li];
    // The one typing rule (what GeoPackage/CSV downloads and OGC schemas say).
    let integers: BTreeSet<String> = properties(atlas, layer)
        .into_iter()
        .filter_map(|p| match (p.kind, p.source) {
            (Kind::Integer, Source::Indicator(id)) => Some(id),
            _ => None,
        })
        .collect();
    for id in ["population_2019", "population_0_15_2019", "imd2019_decile"] {
        assert!(integers.contains(id), "{id} is an integer on lsoa11");
    }
    let tile = tile_at(12, CENTRAL.0, CENTRAL.1);
    let bytes = store
        .render_fields(Tileset::Layer(li), tile, &Fields::All)
        .expect("encodes")
        .expect("LSOAs at Trafalgar Square");
    let props = numeric_props(&bytes, "lsoa11");
    assert!(props.len() > 1000, "{} numeric properties", props.len());
    for ((code, key), w) in &props {
        match w {
            Written::UInt(_) | Written::SInt(_) => {
                assert!(integers.contains(key), "{code} {key} written as {w:?}")
            }
            Written::Double(_) => {
                assert!(!integers.contains(key), "{code} {key} written as {w:?}")
            }
            Written::Other => panic!("{code} {key}: neither integer nor double"),
        }
    }
    // Values against the published files.
    let pop = population_2019();
    let decile = csv_column(
        "iod2019-london/iod2019_london_lsoa11.csv",
        "LSOA code (2011)",
        "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)",
    );
    let no2 = csv_column(
        "laei-zonal-air-quality-london/lsoa11-2016-NO2.csv",
        "LSOA11CD",
        "NO2-2016-mean",
    );
    let mut checked = 0;
    for ((code, key), w) in &props {
        let expected = match key.as_str() {
            "population_2019" => Some(pop[code].0),
            "imd2019_decile" => decile[code],
            "no2_2016_mean" => no2[code],
            _ => continue,
        };
        let got = match w {
            Written::UInt(u) => Some(*u as f64),
            Written::Double(d) => Some(*d),
            _ => None,
        };
        assert_eq!(got, expected, "{code} {key}");
        if key == "no2_2016_mean" {
            assert!(matches!(w, Written::Double(_)), "{code} {key}: {w:?}");
        } else {
            assert!(matches!(w, Written::UInt(_)), "{code} {key}: {w:?}");
        }
        checked += 1;
    }
    assert!(checked > 3 * 200, "{checked} values checked");
}

#[test]
fn a_selection_of_two_fields_types_each_as_the_full_tile_does() {
    let store = store();
    let atlas = store.atlas();
    let li = atlas.layer_index("lsoa11").expect("lsoa11");
    let tile = tile_at(10, CENTRAL.0, CENTRAL.1);
    let all = store
        .render_fields(Tileset::Layer(li), tile, &Fields::All)
        .expect("encodes")
        .expect("features");
    let two = store
        .render_fields(
            Tileset::Layer(li),
            tile,
            &Fields::only(["imd2019_decile", "no2_2016_mean"]),
        )
        .expect("encodes")
        .expect("features");
    let all = numeric_props(&all, "lsoa11");
    let two = numeric_props(&two, "lsoa11");
    let expected: BTreeMap<_, _> = all
        .into_iter()
        .filter(|((_, k), _)| k == "imd2019_decile" || k == "no2_2016_mean")
        .collect();
    assert!(expected.len() > 2 * 2000, "{} values", expected.len());
    assert_eq!(two, expected);
}
