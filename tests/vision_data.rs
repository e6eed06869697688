//! The Vision's data on the real files: wards and the five Integrated Care Systems, the
//! priorities, series, and values of the Vision's measures, each checked against a computation
//! done here from the CSVs and shapefiles themselves (read with the csv and shapefile crates,
//! not through the atlas's loaders).

mod common;

use common::{atlas, data_dir};
use geo::{Area as _, BooleanOps, MultiPolygon, Validation};
use london_atlas::indicator::Comparison;
use london_atlas::layer::Layer;
use london_atlas::Manifest;
use std::collections::{BTreeMap, BTreeSet, HashMap};

const LONDON_POPULATION_2019: f64 = 8_961_989.0;
const LOOKUP: &str = "ons-lookups-london/london_borough_ics.csv";
const FINGERTIPS: &str =
    "fingertips-borough-health-london/fingertips_london_borough_indicators.csv";
const WARDS_SHP: &str = "london-statistical-gis-boundaries/ESRI/London_Ward_CityMerged.shp";

/// Every record of a CSV as column -> text.
fn rows(rel: &str) -> Vec<HashMap<String, String>> {
    let path = data_dir().join(rel);
    let mut r = csv::Reader::from_path(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let headers: Vec<String> = r
        .headers()
        .expect("header")
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_string())
        .collect();
    r.records()
        .map(|rec| {
            let rec = rec.expect("record");
            headers
                .iter()
                .cloned()
                .zip(rec.iter().map(str::to_string))
                .collect()
        })
        .collect()
}

/// A published number, None for the blank/NA markers the files use.
fn number(text: &str) -> Option<f64> {
    match text.trim() {
        "" | "NA" => None,
        t => Some(t.parse().unwrap_or_else(|_| panic!("not a number: {t}"))),
    }
}

fn value(layer: &Layer, indicator: &str, code: &str) -> Option<f64> {
    layer
        .area_index(code)
        .and_then(|i| layer.value(indicator, i))
}

fn union_of(layer: &Layer) -> MultiPolygon<f64> {
    layer
        .areas
        .iter()
        .fold(MultiPolygon::new(vec![]), |acc, a| acc.union(&a.geometry))
}

/// One Fingertips row's value, comparison word and England's value.
fn fingertips(id: &str, period: &str, group: &str) -> BTreeMap<String, (Option<f64>, String)> {
    rows(FINGERTIPS)
        .into_iter()
        .filter(|r| {
            r["fingertips_indicator_id"] == id && r["period"] == period && r["group"] == group
        })
        .map(|r| {
            (
                r["area_code"].clone(),
                (number(&r["value"]), r["compared_to_england"].clone()),
            )
        })
        .collect()
}

#[test]
fn wards_and_the_five_care_systems_have_their_codes_and_names() {
    let a = atlas();
    assert_eq!(a.layer("wards").expect("wards").areas.len(), 625);
    let ics = a.layer("ics").expect("ics");
    let got: Vec<(&str, &str)> = ics
        .areas
        .iter()
        .map(|x| (x.code.as_str(), x.name.as_str()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let names = [
        "North West",
        "North Central",
        "North East",
        "South East",
        "South West",
    ]
    .map(|n| format!("NHS {n} London Integrated Care Board"));
    let want: Vec<(String, &str)> = (27..=31)
        .map(|n| format!("E540000{n}"))
        .zip(names.iter().map(String::as_str))
        .collect();
    assert_eq!(
        got,
        want.iter()
            .map(|(c, n)| (c.as_str(), *n))
            .collect::<Vec<_>>()
    );
    // The names are the lookup's, too.
    let lookup: BTreeSet<(String, String)> = rows(LOOKUP)
        .into_iter()
        .map(|r| (r["ICB22CD"].clone(), r["ICB22NM"].clone()))
        .collect();
    assert_eq!(lookup.len(), 5);
    for (c, n) in &lookup {
        assert_eq!(ics.area(c).map(|x| x.name.as_str()), Some(n.as_str()));
    }
}

#[test]
fn the_care_systems_tile_london_and_hold_the_boroughs_of_the_lookup() {
    let a = atlas();
    let ics = a.layer("ics").expect("ics");
    let boroughs = a.layer("boroughs").expect("boroughs");
    for x in &ics.areas {
        assert!(x.geometry.is_valid(), "{} is not valid", x.code);
    }
    let (u_ics, u_boroughs) = (union_of(ics), union_of(boroughs));
    let london = u_boroughs.unsigned_area();
    let differ = u_ics.xor(&u_boroughs).unsigned_area();
    assert!(
        differ / london < 1e-4,
        "the care systems differ from the boroughs by {differ} m² of {london}"
    );
    assert!((u_ics.unsigned_area() - london).abs() / london < 1e-4);
    for (i, x) in ics.areas.iter().enumerate() {
        for y in &ics.areas[i + 1..] {
            let shared = x.geometry.intersection(&y.geometry).unsigned_area();
            assert!(
                shared < 1.0,
                "{} and {} overlap by {shared} m²",
                x.code,
                y.code
            );
        }
    }
    let mut want: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in rows(LOOKUP) {
        want.entry(r["ICB22CD"].clone())
            .or_default()
            .insert(r["LAD22CD"].clone());
    }
    assert_eq!(want.values().map(BTreeSet::len).sum::<usize>(), 33);
    for x in &ics.areas {
        let members: BTreeSet<String> = x.members.iter().cloned().collect();
        assert_eq!(Some(&members), want.get(&x.code), "{}", x.code);
    }
    let pop: f64 = (0..ics.areas.len())
        .map(|i| ics.value("population_2019", i).expect("population"))
        .sum();
    assert_eq!(pop, LONDON_POPULATION_2019);
}

#[test]
fn ward_populations_add_up_to_london() {
    let a = atlas();
    let wards = a.layer("wards").expect("wards");
    let pop: f64 = (0..wards.areas.len())
        .filter_map(|i| wards.value("population_2019", i))
        .sum();
    // Best fit puts each LSOA in exactly one ward.
    assert_eq!(pop, LONDON_POPULATION_2019);
}

/// The ward of the shapefile holding a British National Grid point: even-odd over every ring,
/// the shapefile read with the shapefile crate (not the atlas's loader).
fn ward_in_shapefile(x: f64, y: f64) -> Vec<String> {
    let path = data_dir().join(WARDS_SHP);
    let shapes = shapefile::read_as::<_, shapefile::Polygon, shapefile::dbase::Record>(&path)
        .expect("ward shapefile");
    shapes
        .into_iter()
        .filter(|(poly, _)| {
            let mut inside = false;
            for ring in poly.rings() {
                let pts = ring.points();
                for k in 0..pts.len() {
                    let (a, b) = (pts[k], pts[(k + 1) % pts.len()]);
                    if (a.y > y) != (b.y > y) && x < a.x + (y - a.y) * (b.x - a.x) / (b.y - a.y) {
                        inside = !inside;
                    }
                }
            }
            inside
        })
        .map(|(_, rec)| match rec.get("GSS_CODE") {
            Some(shapefile::dbase::FieldValue::Character(Some(c))) => c.trim().to_string(),
            other => panic!("GSS_CODE is {other:?}"),
        })
        .collect()
}

#[test]
fn well_known_places_find_their_ward_and_care_system() {
    let a = atlas();
    let (wi, ii) = (
        a.layer_index("wards").expect("wards"),
        a.layer_index("ics").expect("ics"),
    );
    let ics_of_borough: HashMap<String, String> = rows(LOOKUP)
        .into_iter()
        .map(|r| (r["LAD22CD"].clone(), r["ICB22CD"].clone()))
        .collect();
    // Parliament Square: British National Grid from GDAL (`gdaltransform -s_srs EPSG:4326
    // -t_srs EPSG:27700 -output_xy` of -0.1276 51.5007).
    let mut places = vec![(
        "Parliament Square".to_string(),
        -0.1276,
        51.5007,
        530_061.7,
        179_635.4,
    )];
    // One place in each other care system: OS Open Names gives both the national grid point and
    // its WGS84 position (converted with pyproj when staged).
    let names = rows("os-open-names-london/os_open_names_2017_populated_places_london.csv");
    for want in ["Highbury", "Walthamstow", "Peckham", "Wimbledon"] {
        let r = names
            .iter()
            .find(|r| r["NAME1"] == want)
            .unwrap_or_else(|| panic!("{want} in OS Open Names"));
        let n = |k: &str| r[k].parse::<f64>().expect(k);
        places.push((want.to_string(), n("lon"), n("lat"), n("X"), n("Y")));
    }
    let mut systems = BTreeSet::new();
    for (place, lon, lat, x, y) in &places {
        let hits = a.areas_at(*lon, *lat).expect("a point in London");
        let found = |li: usize| -> Vec<&str> {
            hits.iter()
                .filter(|h| h.layer == li)
                .map(|h| a.layers[li].areas[h.area].code.as_str())
                .collect()
        };
        let ward = found(wi);
        assert_eq!(ward, ward_in_shapefile(*x, *y), "{place}");
        assert_eq!(ward.len(), 1, "{place}: {ward:?}");
        let borough = a.layers[wi]
            .area(ward[0])
            .and_then(|w| w.borough.clone())
            .expect("the ward's borough");
        let ics = found(ii);
        assert_eq!(ics, [ics_of_borough[&borough].as_str()], "{place}");
        systems.insert(ics[0].to_string());
        if place == "Parliament Square" {
            assert_eq!(ward, ["E05000644"], "St. James's");
            assert_eq!(ics, ["E54000027"], "North West London");
        }
    }
    assert_eq!(systems.len(), 5, "a place in each care system: {systems:?}");
    let ward = a.layers[wi].area("E05000644").expect("St. James's");
    assert_eq!(ward.name, "St. James's");
}

#[test]
fn violence_2019_adds_up_to_the_csv_by_borough_and_for_london() {
    let a = atlas();
    let mut by_lad: BTreeMap<String, f64> = BTreeMap::new();
    for r in rows("police-violence-lsoa11-london/mps_violence_against_the_person_lsoa11_2011-2021_excl2020.csv") {
        *by_lad.entry(r["LAD11CD"].clone()).or_default() +=
            number(&r["2019"]).expect("a count");
    }
    let total: f64 = by_lad.values().sum();
    assert_eq!(total, 217_874.0, "SOURCES.md 11");
    assert_eq!(by_lad.len(), 32, "no City of London rows");
    let ind = a.indicator("violence_2019").expect("violence_2019");
    assert_eq!(ind.london, Some(total));
    let boroughs = a.layer("boroughs").expect("boroughs");
    for b in &boroughs.areas {
        assert_eq!(
            value(boroughs, "violence_2019", &b.code),
            by_lad.get(&b.code).copied(),
            "{}",
            b.name
        );
    }
    let ics = a.layer("ics").expect("ics");
    let ics_total: f64 = (0..ics.areas.len())
        .filter_map(|i| ics.value("violence_2019", i))
        .sum();
    assert_eq!(ics_total, total);
}

#[test]
fn rough_sleepers_in_london_are_the_sum_of_the_borough_rows() {
    let a = atlas();
    let csv = rows("rough-sleeping-london/mhclg_rough_sleeping_autumn_2010-2017_london.csv");
    for (year, published) in [(2010, 415.0), (2017, 1_137.0)] {
        let column = format!("rough_sleepers_{year}");
        let boroughs: f64 = csv
            .iter()
            .filter(|r| r["ons_code"].starts_with("E09"))
            .map(|r| number(&r[&column]).expect("a count"))
            .sum();
        let london_row = csv
            .iter()
            .find(|r| r["ons_code"] == "E12000007")
            .and_then(|r| number(&r[&column]));
        assert_eq!((boroughs, london_row), (published, Some(published)));
        let ind = a.indicator(&column).expect("indicator");
        assert_eq!(ind.london, Some(boroughs), "{column}");
        let england = csv
            .iter()
            .find(|r| r["ons_code"] == "E92000001")
            .and_then(|r| number(&r[&column]));
        assert_eq!(ind.reference.as_ref().and_then(|r| r.value), england);
    }
}

#[test]
fn the_visions_ten_priorities_and_two_groups() {
    let a = atlas();
    let numbered: Vec<u8> = a.priorities.iter().filter_map(|p| p.number).collect();
    assert_eq!(numbered, (1..=10).collect::<Vec<u8>>());
    for p in &a.priorities {
        match p.id.as_str() {
            "hiv_sti" => {
                assert!(p.indicators.is_empty() && p.series.is_empty());
                assert!(p.note.len() > 40, "hiv_sti says why it has no indicator");
            }
            "overall" | "wider_determinants" => {
                assert_eq!(p.number, None);
                assert!(!p.indicators.is_empty(), "{}", p.id);
            }
            _ => {
                assert!(p.number.is_some(), "{}", p.id);
                assert!(!p.indicators.is_empty(), "{} has no indicator", p.id);
            }
        }
        for id in &p.indicators {
            let ind = a.indicator(id).expect("listed indicators exist");
            assert_eq!(ind.priority, p.id);
        }
    }
    assert_eq!(a.priorities.len(), 12);
    // Every indicator belongs to one of them.
    let ids: BTreeSet<&str> = a.priorities.iter().map(|p| p.id.as_str()).collect();
    assert!(a
        .indicators
        .iter()
        .all(|i| ids.contains(i.priority.as_str())));
}

/// The periods a series' file publishes: the distinct values of the filter column that holds
/// `{period}` among the rows the other filters keep (with at least one value), or the columns
/// the `{period}` pattern matches (with at least one value).
fn published_periods(table: &london_atlas::manifest::TableSpec) -> BTreeSet<String> {
    let csv = rows(&table.file);
    if let Some((pre, post)) = table.column.split_once("{period}") {
        let headers: BTreeSet<String> = csv.first().expect("rows").keys().cloned().collect();
        return headers
            .into_iter()
            .filter_map(|h| {
                let mid = h.strip_prefix(pre)?.strip_suffix(post)?.to_string();
                let year = mid.len() == 4 && mid.bytes().all(|b| b.is_ascii_digit());
                (year && csv.iter().any(|r| number(&r[&h]).is_some())).then_some(mid)
            })
            .collect();
    }
    let (key, _) = table
        .filter
        .iter()
        .find(|(_, v)| v.contains("{period}"))
        .expect("a filter holds the period");
    csv.iter()
        .filter(|r| {
            table
                .filter
                .iter()
                .all(|(k, v)| v.contains("{period}") || &r[k] == v)
        })
        .filter(|r| number(&r[&table.column]).is_some())
        .map(|r| r[key].clone())
        .collect()
}

#[test]
fn every_series_has_one_indicator_per_published_period() {
    let a = atlas();
    let manifest = Manifest::london().expect("manifest");
    assert!(manifest.series().len() >= 30);
    for s in manifest.series() {
        let published = published_periods(&s.table);
        let series = a.series_by_id(&s.id).expect("series in the atlas");
        let members: Vec<&str> = series.members.iter().map(|(p, _)| p.as_str()).collect();
        if s.id.starts_with("talking_therapies_") {
            // Monthly: all 11 months (July 2022 to May 2023) as the file has them.
            assert_eq!(published.len(), 11, "{}", s.id);
        }
        // Members are read by their labels where the manifest gives them (ELS's ISO 8601
        // intervals read as "2019-23"), one per published period, in order.
        assert_eq!(members.len(), published.len(), "{}", s.id);
        let want: Vec<&str> = if s.labels.is_empty() {
            published.iter().map(String::as_str).collect()
        } else {
            s.labels.iter().map(String::as_str).collect()
        };
        assert_eq!(members, want, "{}", s.id);
        for (period, id) in &series.members {
            let ind = a.indicator(id).expect("member indicator");
            assert_eq!(ind.definition.period.as_deref(), Some(period.as_str()));
            assert_eq!(ind.series.as_deref(), Some(s.id.as_str()));
            assert_eq!(ind.priority, s.priority);
        }
    }
    let y6 = a.series_by_id("child_excess_weight_10_11").expect("Year 6");
    assert_eq!(y6.members.len(), 12, "Fingertips 20602: 2006/07 to 2017/18");
    // Periods published in different files: LAEI's three years, one series per pollutant.
    for (id, title) in [
        ("no2_mean", "Nitrogen dioxide (NO2), annual mean"),
        ("pm25_mean", "Fine particulate matter (PM2.5), annual mean"),
    ] {
        let s = a.series_by_id(id).expect(id);
        assert_eq!(s.title, title);
        let years: Vec<&str> = s.members.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(years, ["2013", "2016", "2019"], "{id}");
    }
    // The single-period indicators of before keep their ids as members of their series.
    for id in [
        "child_excess_weight_10_11_2017",
        "child_excess_weight_4_5_2017",
        "children_low_income_2016",
        "self_harm_admissions_2017",
        "adult_smoking_2018",
        "physically_inactive_2018",
        "healthy_life_expectancy_female_2016",
        "healthy_life_expectancy_male_2016",
    ] {
        assert!(a.indicator(id).is_some_and(|i| i.series.is_some()), "{id}");
    }
}

#[test]
fn dementia_and_deaths_at_home_are_the_fingertips_figures() {
    let a = atlas();
    let boroughs = a.layer("boroughs").expect("boroughs");
    for (id, fid, period) in [
        ("dementia_diagnosis_2018", "92949", "2018"),
        ("deaths_usual_residence_65_2016", "92727", "2016"),
    ] {
        let csv = fingertips(fid, period, "Persons");
        for code in ["E09000002", "E09000007", "E09000033"] {
            assert_eq!(value(boroughs, id, code), csv[code].0, "{id} {code}");
        }
        let ind = a.indicator(id).expect(id);
        let england = ind.reference.as_ref().expect("England");
        assert_eq!(england.code, "E92000001");
        assert_eq!(england.value, csv["E92000001"].0, "{id}");
        assert!(england.value.is_some());
    }
}

#[test]
fn fingertips_comparisons_with_england_come_through() {
    let a = atlas();
    let boroughs = a.layer("boroughs").expect("boroughs");
    let mut worse = 0;
    for (id, fid, period) in [
        ("dementia_diagnosis_2018", "92949", "2018"),
        ("child_excess_weight_10_11_2017", "20602", "2017/18"),
    ] {
        let column = boroughs.columns.get(id).expect(id);
        for (code, (_, word)) in fingertips(fid, period, "Persons") {
            let Some(i) = boroughs.area_index(&code) else {
                assert_eq!(code, "E92000001");
                continue;
            };
            let want = match word.as_str() {
                "Better" => Comparison::Better,
                "Similar" => Comparison::Similar,
                "Worse" => Comparison::Worse,
                "Not compared" => Comparison::NotCompared,
                w => panic!("unexpected word {w}"),
            };
            worse += usize::from(want == Comparison::Worse);
            assert_eq!(column.comparison(i), Some(want), "{id} {code}");
        }
    }
    assert!(worse >= 2, "some boroughs are worse than England: {worse}");
}

#[test]
fn els_smoking_comparisons_follow_the_confidence_intervals() {
    let a = atlas();
    let boroughs = a.layer("boroughs").expect("boroughs");
    let csv = rows("ons-els-london/ons_els_cigarette_smokers_london.csv");
    let mut seen = BTreeMap::new();
    for (id, period) in [
        ("cigarette_smokers_2019", "2019-01-01/P5Y"),
        ("cigarette_smokers_2020", "2020-01-01/P5Y"),
    ] {
        let rows: Vec<_> = csv.iter().filter(|r| r["period"] == period).collect();
        let england = rows
            .iter()
            .find(|r| r["areacd"] == "E92000001")
            .and_then(|r| number(&r["observation"]))
            .expect("England");
        let ind = a.indicator(id).expect(id);
        assert_eq!(ind.reference.as_ref().and_then(|r| r.value), Some(england));
        let column = boroughs.columns.get(id).expect(id);
        for r in rows.iter().filter(|r| r["areacd"].starts_with("E09")) {
            let i = boroughs.area_index(&r["areacd"]).expect("borough");
            let (lo, hi) = (
                number(&r["lci_95"]).expect("lower"),
                number(&r["uci_95"]).expect("upper"),
            );
            // More smokers is worse: an interval wholly above England's figure is worse.
            let want = if lo > england {
                Comparison::Worse
            } else if hi < england {
                Comparison::Better
            } else {
                Comparison::Similar
            };
            *seen.entry(format!("{want:?}")).or_insert(0) += 1;
            assert_eq!(column.comparison(i), Some(want), "{id} {}", r["areanm"]);
            assert_eq!(column.interval(i), Some([lo, hi]), "{id} {}", r["areanm"]);
            assert_eq!(boroughs.value(id, i), number(&r["observation"]));
        }
    }
    assert!(
        seen.len() >= 2,
        "more than one kind of comparison: {seen:?}"
    );
}

#[test]
fn the_new_sources_carry_their_published_values() {
    let a = atlas();
    let boroughs = a.layer("boroughs").expect("boroughs");
    // Health Index: Suicides, 2019, every borough it has; none for the City.
    for r in rows("ons-health-index-london/ons_health_index_london_indicator_values_2015-2021.csv")
        .iter()
        .filter(|r| r["indicator"] == "Suicides" && r["year"] == "2019")
    {
        assert_eq!(
            value(boroughs, "suicide_rate_2019", &r["ltla21_code"]),
            number(&r["value"])
        );
    }
    assert_eq!(value(boroughs, "suicide_rate_2019", "E09000001"), None);
    // DLUHC temporary accommodation, with its three blanks.
    let mut blanks = 0;
    for r in rows("ons-health-index-london/dluhc_homelessness_london_2023q4.csv") {
        let v = number(&r["Households in temporary accommodation per 1,000"]);
        blanks += usize::from(v.is_none());
        assert_eq!(
            value(boroughs, "temporary_accommodation_2023", &r["ltla23_code"]),
            v
        );
    }
    assert_eq!(blanks, 3);
    // NHS Talking Therapies: the recovery rate of each care system in May 2023.
    let ics = a.layer("ics").expect("ics");
    let mut n = 0;
    for r in rows(
        "ons-health-index-london/nhs_talking_therapies_iapt_london_sicbl22_2022-07_2023-05.csv",
    )
    .iter()
    .filter(|r| r["name"] == "Percentage_Recovery" && r["month"] == "2023-05")
    {
        n += 1;
        assert_eq!(
            value(ics, "talking_therapies_recovery_2023_05", &r["icb22_code"]),
            number(&r["value"])
        );
    }
    assert_eq!(n, 5);
    // IoD 2025 homelessness is one figure per borough given to all its LSOAs: the borough's
    // mean is that figure.
    let lad: HashMap<String, String> = rows("iod2025-london/iod2025_london_lsoa21.csv")
        .into_iter()
        .map(|r| (r["lsoa21_code"].clone(), r["lad22_code"].clone()))
        .collect();
    let mut per_borough: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in rows("iod2025-london/iod2025_london_lsoa21_indicators.csv") {
        per_borough
            .entry(lad[&r["lsoa21_code"]].clone())
            .or_default()
            .insert(r["homelessness_indicator_rate_per_1_000_households"].clone());
    }
    assert_eq!(per_borough.len(), 33);
    for (code, values) in &per_borough {
        assert_eq!(values.len(), 1, "{code}");
        let want = number(values.first().expect("a value")).expect("a number");
        let got = value(boroughs, "iod2025_homelessness", code).expect("a value");
        assert!((got - want).abs() < 1e-9, "{code}: {got} vs {want}");
    }
    // A ward atlas variable, straight from the compilation.
    let wards = a.layer("wards").expect("wards");
    for r in
        rows("ward-child-obesity-london/london_ward_year6_obesity_2010-13_with_ward_atlas_vars.csv")
    {
        assert_eq!(
            value(wards, "ward_bad_health_2011", &r["ward_code"]),
            number(&r["People_with_Bad_or_Very_Bad_Health"])
        );
    }
}
