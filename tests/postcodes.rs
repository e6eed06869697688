//! Postcode search on the real OS Code-Point Open file: postcodes drawn from the file find
//! their own point and the file's borough, a district and a sector find the centroids the
//! derived tables give, an unknown postcode gets a sentence, and the areas named for a
//! postcode hold its point. Expected values are read from the CSVs with the csv crate.

mod common;

use common::{atlas, data_dir};
use geo::{Intersects, Point};
use london_atlas::geom::crs::wgs84_to_bng;

/// (postcode, easting, northing, borough) of every row of the unit file.
fn units() -> Vec<(String, f64, f64, String)> {
    let path = data_dir().join("os-codepoint-open-london/codepoint_open_2025_10_london.csv");
    let mut r = csv::Reader::from_path(&path).expect("code-point csv");
    r.records()
        .map(|rec| {
            let rec = rec.expect("record");
            let n = |i: usize| rec[i].parse::<f64>().expect("metres");
            (rec[0].to_string(), n(2), n(3), rec[8].to_string())
        })
        .collect()
}

#[test]
fn two_hundred_postcodes_from_the_file_find_their_point_and_borough_in_any_spacing() {
    let a = atlas();
    let all = units();
    assert_eq!(all.len(), 180_792);
    // A fixed pseudo-random draw (an LCG) over the file, so a failure can be repeated.
    let mut x: u64 = 2026;
    let mut checked = 0;
    for _ in 0..200 {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let (pc, e, n, borough) = &all[(x >> 33) as usize % all.len()];
        // Any spacing and case: no space and lower case here.
        let q = pc.replace(' ', "").to_lowercase();
        let ans = a.search(&q).expect("search");
        assert_eq!(ans.results.len(), 1, "{pc}");
        let r = &ans.results[0];
        assert_eq!((r.kind, r.name.as_str()), ("postcode", pc.as_str()));
        assert_eq!(r.borough.as_deref(), Some(borough.as_str()), "{pc}");
        let (be, bn) = wgs84_to_bng(r.center[0], r.center[1]);
        assert!((be - e).hypot(bn - n) < 1.0, "{pc}: {be},{bn} vs {e},{n}");
        // The areas named for it hold its point.
        let p = Point::new(*e, *n);
        for (layer, code) in [
            ("lsoa11", &r.lsoa11),
            ("lsoa21", &r.lsoa21),
            ("wards", &r.ward),
        ] {
            if let Some(code) = code {
                let area = a.layer(layer).and_then(|l| l.area(code)).expect("area");
                assert!(area.geometry.intersects(&p), "{pc}: {layer} {code}");
            }
        }
        checked += 1;
    }
    assert_eq!(checked, 200);
}

#[test]
fn e1_6an_is_in_the_city_of_london_as_the_file_says() {
    // The issue expected Tower Hamlets; OS Code-Point Open (and our borough boundaries) put
    // E1 6AN, by Middlesex Street, in the City of London.
    let row = units()
        .into_iter()
        .find(|u| u.0 == "E1 6AN")
        .expect("E1 6AN in the file");
    assert_eq!(row.3, "E09000001");
    let a = atlas();
    for q in ["E1 6AN", "e16an", "E1  6AN"] {
        let ans = a.search(q).expect("search");
        let r = &ans.results[0];
        assert_eq!(r.name, "E1 6AN");
        assert_eq!(r.borough.as_deref(), Some("E09000001"));
        assert_eq!(r.borough_name.as_deref(), Some("City of London"));
        let lsoa = r.lsoa11.as_deref().expect("an LSOA");
        let area = a.layer("lsoa11").and_then(|l| l.area(lsoa)).expect("area");
        assert!(area.geometry.intersects(&Point::new(row.1, row.2)));
        assert_eq!(area.borough.as_deref(), Some("E09000001"));
    }
}

#[test]
fn districts_and_sectors_find_their_centroids() {
    for (file, q, kind) in [
        (
            "derived_postcode_district_centroids_london.csv",
            "se15",
            "postcode_district",
        ),
        (
            "derived_postcode_sector_centroids_london.csv",
            "SE15 4",
            "postcode_sector",
        ),
    ] {
        let path = data_dir().join("os-codepoint-open-london").join(file);
        let mut r = csv::Reader::from_path(&path).expect("centroids");
        let want = r
            .records()
            .map(|x| x.expect("record"))
            .find(|x| x[0].eq_ignore_ascii_case(q))
            .expect("in the file");
        let (e, n): (f64, f64) = (want[2].parse().expect("e"), want[3].parse().expect("n"));
        let ans = atlas().search(q).expect("search");
        let found = &ans.results[0];
        assert_eq!(found.kind, kind);
        let (be, bn) = wgs84_to_bng(found.center[0], found.center[1]);
        assert!((be - e).hypot(bn - n) < 1.0, "{q}");
        assert_eq!(
            found.borough.as_deref(),
            Some("E09000028"),
            "{q} is in Southwark"
        );
    }
}

#[test]
fn an_unknown_postcode_gets_a_sentence_and_names_still_work() {
    let ans = atlas().search("E1 9ZZ").expect("search");
    assert!(ans.results.is_empty());
    let msg = ans.message.expect("a sentence");
    assert!(
        msg.contains("E1 9ZZ is not a live London postcode"),
        "{msg}"
    );
    // Names and codes that are not postcode-shaped keep working.
    let camden = atlas().search("Camden").expect("search");
    assert_eq!(camden.results[0].kind, "area");
    assert_eq!(camden.results[0].code, "E09000007");
}
