//! A tiny made-up atlas for tests, examples and benches: two square boroughs, eight square
//! neighbourhoods tiling them and one zone, with a count, a rate and a borough figure, written
//! by [`fixture`] into a fresh temporary folder in the formats the loaders read (GeoJSON in
//! British National Grid, CSV, a manifest in TOML) and removed again when the [`Fixture`] is
//! dropped. It loads in milliseconds, so tests of mechanisms (joins, derivations, queries,
//! classes, tiles) need not wait for the real data.
//!
//! The numbers are chosen so every figure can be worked out by hand (BNG metres, x east, y
//! north, origin [`ORIGIN`] = (530 000, 180 000)):
//!
//! ```text
//!  y 181000 +------------+------------+------------+------------+
//!           | E01900003  | E01900004  | E01900007  | E01900008  |
//!           | 300 p, 30  | 400 p, 40  | 1000 p, 15 | 2000 p, -- |
//!  y 180500 +------------+------------+------------+------------+
//!           | E01900001  | E01900002  | E01900005  | E01900006  |
//!           | 100 p, 10  | 200 p, 20  | 500 p, 20  | 500 p, 40  |
//!  y 180000 +------------+------------+------------+------------+
//!        x 530000     530500       531000       531500       532000
//!           |<---- E09000901 Westfold --->|<---- E09000902 Eastfold ---->|
//! ```
//!
//! - `boroughs`: Westfold (E09000901) and Eastfold (E09000902), 1 km squares.
//! - `neighbourhoods`: eight 500 m squares (250 000 m² each), codes E01900001-8 as drawn,
//!   each with its borough code; named "Westfold 001".."Westfold 004", "Eastfold 001"..
//!   "Eastfold 004" in code order.
//! - `zones`: one zone Z1 "Middle zone" (kind "middle"), x 530 250-530 750, y 180 000-180 500:
//!   half of E01900001 and half of E01900002.
//! - `people` (count, neutral, sum; the manifest's `population`): as drawn; derived by
//!   borough (Westfold 1000, Eastfold 4000) and by overlap (Z1 150).
//! - `rate` (per 100, higher-is-worse, mean weighted by `people`, breaks 15/25/35): as
//!   drawn, E01900008 has none ("NA"); by borough Westfold 30, Eastfold 22.5; London 25; Z1
//!   15 (overlap means are weighted by shared area).
//! - `smoking` (%, higher-is-worse, mean weighted by `people`, breaks 13/15): published for
//!   the boroughs in a long table filtered on `indicator = smoking`: Westfold 12, Eastfold 16,
//!   England (the reference row) 14; London 15.2.
//! - The neighbourhood CSV has one row, E01999999, that matches no area.
//!
//! Failure modes: [`Fixture::new`] returns the I/O error if the temporary folder cannot be
//! written; [`fixture`] and [`Fixture::atlas`] panic (they are for tests).

use crate::atlas::{Atlas, Options};
use crate::manifest::Manifest;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// South-west corner of the fixture, British National Grid metres.
pub const ORIGIN: (f64, f64) = (530_000.0, 180_000.0);

/// Side of a neighbourhood square, metres (a borough is two by two of them).
pub const SIDE: f64 = 500.0;

/// Boroughs: code, name, column of their south-west neighbourhood.
const BOROUGHS: [(&str, &str, u32); 2] =
    [("E09000901", "Westfold", 0), ("E09000902", "Eastfold", 2)];

/// Neighbourhoods: code, name, borough, column, row, people, rate (as written in the CSV).
const NEIGHBOURHOODS: [(&str, &str, &str, u32, u32, u32, &str); 8] = [
    ("E01900001", "Westfold 001", "E09000901", 0, 0, 100, "10"),
    ("E01900002", "Westfold 002", "E09000901", 1, 0, 200, "20"),
    ("E01900003", "Westfold 003", "E09000901", 0, 1, 300, "30"),
    ("E01900004", "Westfold 004", "E09000901", 1, 1, 400, "40"),
    ("E01900005", "Eastfold 001", "E09000902", 2, 0, 500, "20"),
    ("E01900006", "Eastfold 002", "E09000902", 3, 0, 500, "40"),
    ("E01900007", "Eastfold 003", "E09000902", 2, 1, 1000, "15"),
    ("E01900008", "Eastfold 004", "E09000902", 3, 1, 2000, "NA"),
];

/// The fixture's manifest (paths relative to the fixture's folder; no checksums).
pub const MANIFEST: &str = r#"
name = "Fixture"
population = "people"
boroughs = "boroughs"
attribution = ["Made-up data for London Atlas tests."]

[[source]]
id = "made-up-boundaries"
title = "Made-up boundaries"
publisher = "London Atlas tests"
url = "https://example.org/london-atlas/boundaries"
licence = "CC0 1.0"
attribution = "Made up for tests."

[[source.file]]
path = "boundaries/boroughs.geojson"

[[source.file]]
path = "boundaries/neighbourhoods.geojson"

[[source.file]]
path = "boundaries/zones.geojson"

[[source]]
id = "made-up-figures"
title = "Made-up figures"
publisher = "London Atlas tests"
url = "https://example.org/london-atlas/figures"
licence = "CC0 1.0"
attribution = "Made up for tests."

[[source.file]]
path = "figures/neighbourhoods.csv"

[[source.file]]
path = "figures/boroughs.csv"

[[priority]]
id = "made_up"
number = 1
title = "A made-up priority"
measures = ["people", "rate"]

[[layer]]
id = "boroughs"
title = "Boroughs"
description = "Two made-up boroughs, 1 km squares."
format = "geojson"
file = "boundaries/boroughs.geojson"
code_field = "code"
name_field = "name"
borough_field = "code"
minzoom = 0

[[layer]]
id = "neighbourhoods"
title = "Neighbourhoods"
description = "Eight made-up neighbourhoods, 500 m squares tiling the boroughs."
format = "geojson"
file = "boundaries/neighbourhoods.geojson"
code_field = "code"
name_field = "name"
borough_field = "borough"
minzoom = 8

[[layer]]
id = "zones"
title = "Zones"
description = "One made-up zone across two neighbourhoods."
format = "geojson"
file = "boundaries/zones.geojson"
code_field = "code"
name_field = "name"
minzoom = 10
tile_properties = ["kind"]

[layer.keep]
kind = "kind"

[[indicator]]
priority = "made_up"
id = "people"
title = "People"
unit = "people"
year = 2020
source = "made-up-figures"
description = "Residents."
plain = "How many people live in the area."
polarity = "neutral"
aggregation = "sum"

[[indicator.table]]
layer = "neighbourhoods"
file = "figures/neighbourhoods.csv"
key = "code"
column = "people"

[[indicator.derive]]
layer = "boroughs"
from = "neighbourhoods"
by = "borough"

[[indicator.derive]]
layer = "zones"
from = "neighbourhoods"
by = "overlap"

[[indicator]]
priority = "made_up"
id = "rate"
title = "Rate"
unit = "per 100"
year = 2020
source = "made-up-figures"
description = "A rate: higher is worse."
plain = "A made-up rate where higher is worse."
polarity = "higher-is-worse"
aggregation = "mean"
weight = "people"
breaks = [15, 25, 35]

[[indicator.table]]
layer = "neighbourhoods"
file = "figures/neighbourhoods.csv"
key = "code"
column = "rate"

[[indicator.derive]]
layer = "boroughs"
from = "neighbourhoods"
by = "borough"

[[indicator.derive]]
layer = "zones"
from = "neighbourhoods"
by = "overlap"

[[indicator]]
priority = "made_up"
id = "smoking"
title = "Adults who smoke"
unit = "%"
year = 2020
source = "made-up-figures"
description = "Published for boroughs only, with England as the comparator."
plain = "The share of adults who smoke."
polarity = "higher-is-worse"
aggregation = "mean"
weight = "people"
breaks = [13, 15]

[[indicator.table]]
layer = "boroughs"
file = "figures/boroughs.csv"
key = "area_code"
column = "value"
filter = { indicator = "smoking" }
reference = { code = "E92000001", name = "England" }
"#;

/// The long borough table: smoking for both boroughs and England, plus rows the filter drops.
const BOROUGH_CSV: &str = "area_code,indicator,value
E92000001,smoking,14
E09000901,smoking,12
E09000902,smoking,16
E09000901,other,99
E09000902,other,98
";

/// A made-up data set and its manifest in a temporary folder, removed on drop.
#[derive(Debug)]
pub struct Fixture {
    /// The data folder (pass it as `Options::data_dir`).
    pub dir: PathBuf,
    /// The parsed [`MANIFEST`].
    pub manifest: Manifest,
}

/// Writes a fresh fixture (see the module documentation). Panics if it cannot be written.
pub fn fixture() -> Fixture {
    Fixture::new().unwrap_or_else(|e| panic!("cannot write the test fixture: {e}"))
}

impl Fixture {
    /// Writes the fixture into a new folder under the system's temporary folder, unique to
    /// this process and call.
    pub fn new() -> std::io::Result<Fixture> {
        static CALLS: AtomicUsize = AtomicUsize::new(0);
        let n = CALLS.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("london-atlas-fixture-{}-{n}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        // From here on, a failure still removes the folder (Drop).
        let manifest = Manifest::parse(MANIFEST, "fixture manifest")
            .unwrap_or_else(|e| panic!("the fixture manifest is consistent: {e}"));
        let fixture = Fixture { dir, manifest };
        fixture.write()?;
        Ok(fixture)
    }

    /// Options reading this fixture's folder.
    pub fn options(&self) -> Options {
        Options::new(&self.dir)
    }

    /// The atlas built from the fixture. Panics if it does not build.
    pub fn atlas(&self) -> Atlas {
        Atlas::load(&self.manifest, &self.options())
            .unwrap_or_else(|e| panic!("the fixture atlas builds: {e}"))
    }

    /// The path of a file of the fixture (relative to its folder).
    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    fn write(&self) -> std::io::Result<()> {
        let boroughs: Vec<String> = BOROUGHS
            .iter()
            .map(|&(code, name, col)| {
                let ring = square(col, 0, 2.0 * SIDE);
                feature(&format!(r#""code":"{code}","name":"{name}""#), &ring)
            })
            .collect();
        let neighbourhoods: Vec<String> = NEIGHBOURHOODS
            .iter()
            .map(|&(code, name, borough, col, row, _, _)| {
                let ring = square(col, row, SIDE);
                let props = format!(r#""code":"{code}","name":"{name}","borough":"{borough}""#);
                feature(&props, &ring)
            })
            .collect();
        let (x0, y0) = (ORIGIN.0 + SIDE / 2.0, ORIGIN.1);
        let zone = ring(x0, y0, x0 + SIDE, y0 + SIDE);
        let zones = [feature(
            r#""code":"Z1","name":"Middle zone","kind":"middle""#,
            &zone,
        )];
        let mut csv = String::from("code,people,rate\n");
        for &(code, _, _, _, _, people, rate) in &NEIGHBOURHOODS {
            csv.push_str(&format!("{code},{people},{rate}\n"));
        }
        csv.push_str("E01999999,999,99\n");
        put(
            &self.path("boundaries/boroughs.geojson"),
            &collection(&boroughs),
        )?;
        put(
            &self.path("boundaries/neighbourhoods.geojson"),
            &collection(&neighbourhoods),
        )?;
        put(&self.path("boundaries/zones.geojson"), &collection(&zones))?;
        put(&self.path("figures/neighbourhoods.csv"), &csv)?;
        put(&self.path("figures/boroughs.csv"), BOROUGH_CSV)?;
        put(&self.path("manifest.toml"), MANIFEST)
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The square of side `side` whose south-west corner is neighbourhood cell (`col`, `row`).
fn square(col: u32, row: u32, side: f64) -> String {
    let x = ORIGIN.0 + f64::from(col) * SIDE;
    let y = ORIGIN.1 + f64::from(row) * SIDE;
    ring(x, y, x + side, y + side)
}

/// A rectangle as a GeoJSON ring, anticlockwise (RFC 7946), closed.
fn ring(x0: f64, y0: f64, x1: f64, y1: f64) -> String {
    format!("[[{x0},{y0}],[{x1},{y0}],[{x1},{y1}],[{x0},{y1}],[{x0},{y0}]]")
}

fn feature(properties: &str, ring: &str) -> String {
    format!(
        r#"{{"type":"Feature","properties":{{{properties}}},"geometry":{{"type":"Polygon","coordinates":[{ring}]}}}}"#
    )
}

/// A FeatureCollection in British National Grid, named by the legacy `crs` member.
fn collection(features: &[String]) -> String {
    format!(
        r#"{{"type":"FeatureCollection","crs":{{"type":"name","properties":{{"name":"urn:ogc:def:crs:EPSG::27700"}}}},"features":[{}]}}"#,
        features.join(",\n")
    )
}

fn put(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fixture_loads_and_its_folder_goes_when_dropped() {
        let f = fixture();
        let dir = f.dir.clone();
        let atlas = f.atlas();
        let counts: Vec<(&str, usize)> = atlas
            .layers
            .iter()
            .map(|l| (l.id.as_str(), l.areas.len()))
            .collect();
        assert_eq!(
            counts,
            [("boroughs", 2), ("neighbourhoods", 8), ("zones", 1)]
        );
        // 100 + 200 + 300 + 400 + 500 + 500 + 1000 + 2000 residents.
        assert_eq!(
            atlas.indicator("people").and_then(|i| i.london),
            Some(5000.0)
        );
        let other = fixture();
        assert_ne!(other.dir, dir, "each call gets its own folder");
        drop(f);
        assert!(!dir.exists(), "{} is left behind", dir.display());
        assert!(other.dir.exists());
    }
}
