//! Loading the real data: counts, repairs, joins, and how missing, corrupt or foreign files
//! are refused with a message naming the file.

mod common;

use common::{atlas, data_dir};
use geo::{Area as _, Validation};
use london_atlas::geom::geojson::bng_to_wgs84_geojson;
use london_atlas::geom::validity::invalidity;
use london_atlas::manifest::Format;
use london_atlas::{Atlas, Manifest, Options};
use std::path::{Path, PathBuf};

/// Newham's Year 6 excess weight, 2017/18, as the Fingertips file gives it.
const NEWHAM_Y6_2017: f64 = 43.2;

const INVALID_LSOA11: [&str; 8] = [
    "E01000285",
    "E01000815",
    "E01001280",
    "E01001353",
    "E01003830",
    "E01003885",
    "E01004021",
    "E01004595",
];

#[test]
fn layers_have_the_published_area_counts() {
    let a = atlas();
    let count = |id: &str| a.layer(id).map(|l| l.areas.len());
    assert_eq!(count("boroughs"), Some(33));
    assert_eq!(count("lsoa11"), Some(4_835));
    assert_eq!(count("lsoa21"), Some(4_994));
    let codes: Vec<_> = a
        .layer("boroughs")
        .map(|l| l.areas.iter().map(|x| x.code.clone()).collect())
        .unwrap_or_default();
    for n in 1..=33 {
        assert!(
            codes.contains(&format!("E090000{n:02}")),
            "borough E090000{n:02} missing"
        );
    }
}

#[test]
fn there_is_one_superzone_per_open_school_with_coordinates() {
    let path = data_dir().join(
        "gias-london-schools-with-nursery-2019/gias_london_schools_with_nursery_20190816.csv",
    );
    let mut r = csv::Reader::from_path(path).expect("school list");
    let h = r.headers().expect("header").clone();
    let at = |n: &str| h.iter().position(|x| x == n).expect(n);
    let (status, e, n, urn) = (
        at("EstablishmentStatus (name)"),
        at("Easting"),
        at("Northing"),
        at("URN"),
    );
    let mut expected: Vec<String> = r
        .records()
        .map(|x| x.expect("row"))
        .filter(|x| x[status].starts_with("Open") && !x[e].is_empty() && !x[n].is_empty())
        .map(|x| x[urn].to_string())
        .collect();
    expected.sort();
    let a = atlas();
    let zones = a.layer("superzones").expect("superzones");
    let mut got: Vec<String> = zones.areas.iter().map(|z| z.code.clone()).collect();
    got.sort();
    assert_eq!(got.len(), 1_734);
    assert_eq!(got, expected);
    let first = zones
        .area("100000")
        .or_else(|| zones.areas.first())
        .expect("a zone");
    assert!((first.area_m2 - std::f64::consts::PI * 400.0 * 400.0).abs() < 1.0);
    assert!(zones
        .areas
        .iter()
        .all(|z| z.properties.contains_key("phase")));
}

#[test]
fn the_eight_invalid_lsoa_rings_are_repaired_not_dropped() {
    let a = atlas();
    let lsoa = a.layer("lsoa11").expect("lsoa11");
    let mut repaired = lsoa.repaired.clone();
    repaired.sort();
    assert_eq!(repaired, INVALID_LSOA11);
    for code in INVALID_LSOA11 {
        let area = lsoa.area(code).expect("still there");
        assert!(area.geometry.is_valid(), "{code} is still invalid");
        assert!(
            area.area_m2 > 100_000.0,
            "{code} lost its area: {}",
            area.area_m2
        );
    }
    let report = a
        .report
        .layers
        .iter()
        .find(|l| l.id == "lsoa11")
        .expect("report");
    for r in &report.repaired {
        assert!(
            (r.area_after_m2 - r.area_before_m2).abs() / r.area_before_m2 < 1e-6,
            "{} changed area",
            r.code
        );
    }
}

/// Raw (unrepaired) lsoa11 geometry straight from the shapefile loader.
fn raw_lsoa11() -> Vec<london_atlas::layer::Area> {
    let m = Manifest::london().expect("manifest");
    let spec = m.layers().iter().find(|l| l.id == "lsoa11").expect("spec");
    assert_eq!(spec.format, Format::Shapefile);
    london_atlas::load::shapefile::read_areas(&data_dir().join(&spec.file), spec).expect("reads")
}

/// Even-odd point in ring, the textbook way (independent of geo).
fn inside_even_odd(rings: &[&geo::LineString<f64>], x: f64, y: f64) -> bool {
    let mut inside = false;
    for ring in rings {
        for l in ring.lines() {
            let (a, b) = (l.start, l.end);
            if (a.y > y) != (b.y > y) && x < a.x + (y - a.y) * (b.x - a.x) / (b.y - a.y) {
                inside = !inside;
            }
        }
    }
    inside
}

#[test]
fn every_point_inside_a_repaired_lsoa_still_finds_it() {
    let a = atlas();
    let li = a
        .layers
        .iter()
        .position(|l| l.id == "lsoa11")
        .expect("lsoa11");
    let raw = raw_lsoa11();
    for code in INVALID_LSOA11 {
        let area = raw.iter().find(|x| x.code == code).expect("raw area");
        let rect = geo::BoundingRect::bounding_rect(&area.geometry).expect("bbox");
        let rings: Vec<_> = area
            .geometry
            .0
            .iter()
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
            .collect();
        let mut tested = 0;
        for i in 1..40 {
            for j in 1..40 {
                let x = rect.min().x + rect.width() * i as f64 / 40.0;
                let y = rect.min().y + rect.height() * j as f64 / 40.0;
                if !inside_even_odd(&rings, x, y) {
                    continue;
                }
                tested += 1;
                let hits = a.areas_at_bng(x, y);
                let found: Vec<&str> = hits
                    .iter()
                    .filter(|h| h.layer == li)
                    .map(|h| a.layers[li].areas[h.area].code.as_str())
                    .collect();
                assert!(
                    found.contains(&code),
                    "{code}: point ({x}, {y}) inside the original ring finds {found:?}"
                );
            }
        }
        assert!(tested > 100, "{code}: only {tested} sample points");
    }
}

#[test]
fn the_fast_validity_check_agrees_with_geo_on_every_raw_lsoa() {
    let raw = raw_lsoa11();
    let mut invalid = Vec::new();
    for area in &raw {
        let ours = invalidity(&area.geometry).is_some();
        let geos = area.geometry.check_validation().is_err();
        assert_eq!(ours, geos, "{} disagrees", area.code);
        if ours {
            invalid.push(area.code.as_str());
        }
    }
    invalid.sort();
    assert_eq!(invalid, INVALID_LSOA11);
}

/// The City of London's six LSOAs: it has its own police, so no MPS figures (SOURCES.md 11).
const CITY_LSOAS: [&str; 6] = [
    "E01000001",
    "E01000002",
    "E01000003",
    "E01000005",
    "E01032739",
    "E01032740",
];

/// The known gaps of one joined table: (areas without a value, codes matching no area), each
/// with the reason it is not a fault; None = it must join fully.
fn known_gap(indicator: &str) -> Option<(Vec<&'static str>, Vec<&'static str>)> {
    const CITY: &str = "E09000001";
    // Fingertips series whose City of London figure is suppressed (NA) in every period.
    const CITY_SUPPRESSED: [&str; 12] = [
        "child_excess_weight_10_11_",
        "child_excess_weight_4_5_",
        "dental_decay_free_5_",
        "self_harm_admissions_",
        "smi_excess_mortality_",
        "school_readiness_fsm_",
        "adult_smoking_",
        "smoking_routine_manual_",
        "healthy_life_expectancy_female_",
        "healthy_life_expectancy_male_",
        "life_expectancy_gap_female_",
        "life_expectancy_gap_male_",
    ];
    // ONS Health Index series: it has no City of London row at all (SOURCES.md 12).
    const HEALTH_INDEX: [&str; 7] = [
        "semh_pupils_",
        "suicide_rate_",
        "anxiety_score_",
        "life_satisfaction_score_",
        "smoking_health_index_",
        "rough_sleeping_rate_",
        "health_index_score_",
    ];
    let gap = |without: &[&'static str], unmatched: &[&'static str]| {
        Some((without.to_vec(), unmatched.to_vec()))
    };
    match indicator {
        // 2006/07 was the NCMP's second year: Fingertips has no figure for 17 boroughs and the City.
        "child_excess_weight_10_11_2006" | "child_excess_weight_4_5_2006" => gap(
            &[
                "E09000001",
                "E09000004",
                "E09000005",
                "E09000008",
                "E09000013",
                "E09000015",
                "E09000016",
                "E09000017",
                "E09000019",
                "E09000020",
                "E09000022",
                "E09000023",
                "E09000024",
                "E09000027",
                "E09000029",
                "E09000030",
                "E09000032",
                "E09000033",
            ],
            &[],
        ),
        // 2007/08: Richmond upon Thames has no figure either.
        "child_excess_weight_10_11_2007" | "child_excess_weight_4_5_2007" => {
            gap(&[CITY, "E09000027"], &[])
        }
        // Dental survey samples too small to publish in these boroughs in 2007/08 and 2011/12.
        "dental_decay_free_5_2007" => gap(
            &[
                CITY,
                "E09000002",
                "E09000004",
                "E09000011",
                "E09000015",
                "E09000016",
            ],
            &[],
        ),
        "dental_decay_free_5_2011" => gap(&[CITY, "E09000004", "E09000008", "E09000011"], &[]),
        // The City has figures in these periods.
        "school_readiness_fsm_2012" | "school_readiness_fsm_2016" | "smi_excess_mortality_2012" => {
            None
        }
        // DLUHC 2023 Q4: Croydon returned nothing; Kensington and Chelsea and Lambeth no
        // temporary accommodation figure (blank in the file, SOURCES.md 12).
        "homeless_households_2023" => gap(&["E09000008"], &[]),
        "temporary_accommodation_2023" => gap(&["E09000008", "E09000020", "E09000022"], &[]),
        // 12 wards are blank in the ward obesity table (SOURCES.md 8): checked by count below.
        "year6_obesity_2011" => None,
        i if i.starts_with("violence_") => gap(&CITY_LSOAS, &[]),
        // London's own row (E12000007) is a region, not an area; England is the reference.
        i if i.starts_with("rough_sleepers_") || i.starts_with("early_years_") => {
            gap(&[], &["E12000007"])
        }
        i if CITY_SUPPRESSED.iter().any(|p| i.starts_with(p)) => gap(&[CITY], &[]),
        i if HEALTH_INDEX.iter().any(|p| i.starts_with(p)) => gap(&[CITY], &[]),
        _ => None,
    }
}

#[test]
fn every_indicator_table_joins_without_gaps() {
    let a = atlas();
    let tables: usize = Manifest::london()
        .expect("manifest")
        .indicators()
        .iter()
        .map(|i| i.tables.len())
        .sum();
    assert_eq!(a.report.joins.len(), tables);
    assert!(tables >= 150, "{tables}");
    let mut gaps = 0;
    for j in &a.report.joins {
        if j.indicator == "year6_obesity_2011" {
            assert_eq!((j.rows, j.matched), (625, 625));
            assert_eq!(j.areas_without_value.len(), 12);
            continue;
        }
        let (mut without, mut unmatched) =
            (j.areas_without_value.clone(), j.unmatched_codes.clone());
        without.sort();
        unmatched.sort();
        match known_gap(&j.indicator) {
            Some((want_without, want_unmatched)) => {
                gaps += 1;
                assert_eq!(without, want_without, "{} -> {}", j.indicator, j.layer);
                assert_eq!(unmatched, want_unmatched, "{} -> {}", j.indicator, j.layer);
                // Every row matched an area, save the unmatched ones; a reference row (England)
                // is neither a row nor a gap.
                assert_eq!(
                    j.matched + unmatched.len(),
                    j.rows,
                    "{} -> {}",
                    j.indicator,
                    j.layer
                );
            }
            None => {
                assert_eq!(j.matched, j.rows, "{} -> {}", j.indicator, j.layer);
                assert!(
                    unmatched.is_empty(),
                    "{} -> {}: {unmatched:?}",
                    j.indicator,
                    j.layer
                );
                assert!(
                    without.is_empty(),
                    "{} -> {}: {without:?}",
                    j.indicator,
                    j.layer
                );
            }
        }
    }
    assert!(gaps > 100, "{gaps}");
    let total: f64 = a
        .layer("lsoa11")
        .map(|l| {
            (0..l.areas.len())
                .filter_map(|i| l.value("population_2019", i))
                .sum()
        })
        .unwrap_or(0.0);
    assert_eq!(
        total, 8_961_989.0,
        "London's mid-2019 population per SOURCES.md"
    );
    let y6 = a
        .indicator("child_excess_weight_10_11_2017")
        .expect("indicator");
    let england = y6.reference.as_ref().expect("England comparator");
    assert_eq!(
        (england.code.as_str(), england.value),
        ("E92000001", Some(34.3))
    );
    let newham = a
        .layer("boroughs")
        .and_then(|l| l.area_index("E09000025").and_then(|i| l.value(&y6.id, i)));
    // fingertips_london_borough_indicators.csv: E09000025,Newham,...,20602,2017/18,Persons,...
    assert_eq!(newham, Some(NEWHAM_Y6_2017));
}

#[test]
fn borough_population_is_the_sum_of_its_lsoas_and_imd_is_population_weighted() {
    let a = atlas();
    let pop = common::population_2019();
    let imd = common::csv_column(
        "iod2019-london/iod2019_london_lsoa11.csv",
        "LSOA code (2011)",
        "Index of Multiple Deprivation (IMD) Score",
    );
    let boroughs = a.layer("boroughs").expect("boroughs");
    for (i, b) in boroughs.areas.iter().enumerate() {
        let in_b: Vec<_> = pop.iter().filter(|(_, v)| v.2 == b.code).collect();
        let total: f64 = in_b.iter().map(|(_, v)| v.0).sum();
        let kids: f64 = in_b.iter().map(|(_, v)| v.1).sum();
        let weighted: f64 = in_b
            .iter()
            .map(|(c, v)| v.0 * imd[*c].expect("score"))
            .sum::<f64>()
            / total;
        assert_eq!(
            boroughs.value("population_2019", i),
            Some(total),
            "{}",
            b.name
        );
        assert_eq!(
            boroughs.value("population_0_15_2019", i),
            Some(kids),
            "{}",
            b.name
        );
        let got = boroughs.value("imd2019_score", i).expect("imd");
        assert!(
            (got - weighted).abs() < 1e-9,
            "{}: {got} vs {weighted}",
            b.name
        );
    }
}

#[test]
fn superzone_values_lie_within_the_lsoas_they_overlap() {
    let a = atlas();
    let zones = a.layer("superzones").expect("zones");
    let lsoa = a.layer("lsoa11").expect("lsoa11");
    let mut checked = 0;
    for (i, z) in zones.areas.iter().enumerate().step_by(17) {
        let ov = london_atlas::geom::overlay::overlaps(&z.geometry, lsoa);
        let vals: Vec<f64> = ov
            .iter()
            .filter_map(|o| lsoa.value("no2_2019_mean", o.area))
            .collect();
        let (lo, hi) = vals
            .iter()
            .fold((f64::MAX, f64::MIN), |(l, h), v| (l.min(*v), h.max(*v)));
        let v = zones.value("no2_2019_mean", i).expect("value");
        assert!(
            v >= lo - 1e-9 && v <= hi + 1e-9,
            "{}: {v} outside {lo}..{hi}",
            z.code
        );
        let covered: f64 = ov.iter().map(|o| o.overlap_m2).sum();
        assert!(covered <= z.area_m2 * (1.0 + 1e-9));
        let pop: f64 = common::apportioned_population(lsoa, &ov);
        assert!(
            (zones.value("population_2019", i).unwrap_or(-1.0) - pop).abs() <= 1e-9 * pop.max(1.0),
            "{}: {:?} vs {pop}",
            z.code,
            zones.value("population_2019", i)
        );
        checked += 1;
    }
    assert!(checked > 100);
}

/// A data folder in /tmp that links every real file except those `replace` rewrites.
fn scratch_data(name: &str, replace: &[(&str, Vec<u8>)]) -> PathBuf {
    let root = std::env::temp_dir().join(format!("atlas-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let m = Manifest::london().expect("manifest");
    for f in m.sources().iter().flat_map(|s| &s.files) {
        let dst = root.join(&f.path);
        std::fs::create_dir_all(dst.parent().expect("parent")).expect("mkdir");
        match replace.iter().find(|(p, _)| *p == f.path) {
            Some((_, bytes)) => std::fs::write(&dst, bytes).expect("write"),
            None => std::os::unix::fs::symlink(
                data_dir().join(&f.path).canonicalize().expect("real file"),
                &dst,
            )
            .expect("link"),
        }
    }
    root
}

/// The London manifest with no checksums, for data folders that hold altered files.
fn without_checksums() -> Manifest {
    let text: String = london_atlas::manifest::LONDON_TOML
        .lines()
        .filter(|l| !l.trim_start().starts_with("sha256"))
        .map(|l| format!("{l}\n"))
        .collect();
    Manifest::parse(&text, "london.toml without checksums").expect("manifest")
}

fn load_err(dir: &Path, manifest: &Manifest) -> String {
    match Atlas::load(
        manifest,
        &Options {
            data_dir: dir.to_path_buf(),
            verify_checksums: true,
        },
    ) {
        Ok(_) => panic!("loading {} should fail", dir.display()),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_missing_file_stops_loading_with_its_name_and_where_to_get_it() {
    let dir = std::env::temp_dir().join(format!("atlas-empty-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    let e = load_err(&dir, &Manifest::london().expect("manifest"));
    assert!(e.contains("London_Borough_Excluding_MHW"), "{e}");
    // Where to get it: every file at once (issue 13), not thirty downloads by hand.
    assert!(
        e.contains("73 of the 73") && e.contains("london-atlas data fetch"),
        "{e}"
    );
}

#[test]
fn a_corrupt_file_is_refused_by_its_checksum() {
    let rel = "laei-zonal-air-quality-london/lsoa11-2016-NO2.csv";
    let mut bytes = std::fs::read(data_dir().join(rel)).expect("read");
    bytes.truncate(bytes.len() / 2);
    let dir = scratch_data("corrupt", &[(rel, bytes)]);
    let e = load_err(&dir, &Manifest::london().expect("manifest"));
    assert!(
        e.contains("lsoa11-2016-NO2.csv") && e.contains("corrupt"),
        "{e}"
    );
}

#[test]
fn a_truncated_table_without_checksum_names_the_record() {
    let rel = "iod2019-london/iod2019_london_lsoa11.csv";
    let text = std::fs::read_to_string(data_dir().join(rel)).expect("read");
    let broken = text.replacen(",6.208,", ",six,", 1).into_bytes();
    let dir = scratch_data("badvalue", &[(rel, broken)]);
    let m = without_checksums();
    let e = load_err(&dir, &m);
    assert!(
        e.contains("iod2019_london_lsoa11.csv: record 1") && e.contains("\"six\""),
        "{e}"
    );
}

#[test]
fn a_shapefile_in_an_unknown_crs_is_refused() {
    let rel = "london-statistical-gis-boundaries/ESRI/London_Borough_Excluding_MHW.prj";
    let wgs = br#"GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#;
    let dir = scratch_data("crs", &[(rel, wgs.to_vec())]);
    let m = without_checksums();
    let e = load_err(&dir, &m);
    assert!(
        e.contains("London_Borough_Excluding_MHW.shp")
            && e.contains("unsupported coordinate reference system"),
        "{e}"
    );
}

#[test]
fn boroughs_brought_as_geojson_load_like_the_shapefile() {
    // Write the real borough boundaries as WGS84 GeoJSON (a user's own file), load them as a layer.
    let a = atlas();
    let boroughs = a.layer("boroughs").expect("boroughs");
    let features: Vec<serde_json::Value> = boroughs
        .areas
        .iter()
        .map(|b| {
            serde_json::json!({"type": "Feature", "properties": {"code": b.code, "label": b.name},
                "geometry": bng_to_wgs84_geojson(&b.geometry, None)})
        })
        .collect();
    let dir = std::env::temp_dir().join(format!("atlas-geojson-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    let fc = serde_json::json!({"type": "FeatureCollection", "features": features});
    std::fs::write(dir.join("mine.geojson"), fc.to_string()).expect("write");
    let manifest = Manifest::parse(
        r#"name = "mine"
[[source]]
id = "me"
title = "My boroughs"
publisher = "me"
url = "https://example.org/"
licence = "OGL"
attribution = "me"
[[source.file]]
path = "mine.geojson"
[[layer]]
id = "mine"
title = "Mine"
format = "geojson"
file = "mine.geojson"
code_field = "code"
name_field = "label"
"#,
        "test",
    )
    .expect("manifest");
    let mine = Atlas::load(
        &manifest,
        &Options {
            data_dir: dir,
            verify_checksums: true,
        },
    )
    .expect("loads");
    let layer = mine.layer("mine").expect("layer");
    assert_eq!(layer.areas.len(), 33);
    for (x, y) in layer.areas.iter().zip(&boroughs.areas) {
        assert_eq!(
            (x.code.as_str(), x.name.as_str()),
            (y.code.as_str(), y.name.as_str())
        );
        assert!(
            (x.geometry.unsigned_area() - y.area_m2).abs() / y.area_m2 < 1e-6,
            "{}",
            y.name
        );
    }
}

#[test]
fn loading_twice_gives_identical_areas_and_values() {
    // Tiles and their ETags are made from these: they must not change between restarts.
    let first = atlas();
    let second = Atlas::load(
        &Manifest::london().expect("manifest"),
        &Options {
            data_dir: data_dir(),
            verify_checksums: false,
        },
    )
    .expect("loads");
    for (a, b) in first.layers.iter().zip(&second.layers) {
        for (x, y) in a.areas.iter().zip(&b.areas) {
            assert_eq!(x.geometry, y.geometry, "{} {}", a.id, x.code);
        }
        for (id, col) in &a.columns {
            let other = &b.columns[id];
            assert!(
                col.values
                    .iter()
                    .zip(&other.values)
                    .all(|(p, q)| p.map(f64::to_bits) == q.map(f64::to_bits)),
                "{} {id} differs between loads",
                a.id
            );
        }
    }
}
