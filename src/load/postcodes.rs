//! Postcodes: OS Code-Point Open units (every live London postcode with its grid point and
//! borough) and the district and sector centroids derived from them, read into sorted
//! tables for lookups by normalised code ("E1 6AN", "e16an" and "E1  6AN" are one postcode).
//!
//! Failure modes: a missing column, a coordinate that is not a whole number of metres, or a
//! postcode that appears twice: a [`LoadError`] naming the file and record.

use super::table::{CsvFile, Table};
use super::LoadError;
use std::collections::BTreeMap;
use std::path::Path;

/// One postcode unit, as a lookup answers it.
#[derive(Debug, Clone, PartialEq)]
pub struct Unit {
    /// As published, with one space ("E1 6AN").
    pub postcode: String,
    pub easting: f64,
    pub northing: f64,
    /// GSS code of the borough (Code-Point's Admin_district_code).
    pub borough: String,
}

/// How a unit is kept: whole metres and an index into the borough codes (12 bytes, against
/// about 100 for owned strings: the 180,792 London units take about 5 MB with their keys).
#[derive(Debug, Clone, Copy)]
struct Stored {
    easting: u32,
    northing: u32,
    borough: u16,
}

/// A postcode district ("SE15") or sector ("SE15 4") and its centroid.
#[derive(Debug, Clone, PartialEq)]
pub struct Centroid {
    pub code: String,
    pub easting: f64,
    pub northing: f64,
    /// How many unit postcodes were averaged.
    pub postcodes: usize,
}

/// Every postcode unit, district and sector, keyed by normalised code.
#[derive(Debug, Clone, Default)]
pub struct Postcodes {
    /// Normalised codes, sorted, with their points.
    units: Vec<(Box<str>, Stored)>,
    boroughs: Vec<String>,
    districts: BTreeMap<String, Centroid>,
    sectors: BTreeMap<String, Centroid>,
}

/// Upper case, no white space: the key every lookup uses.
pub fn normalise(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

impl Postcodes {
    /// Reads the units and the two centroid tables.
    pub fn read(units: &Path, districts: &Path, sectors: &Path) -> Result<Postcodes, LoadError> {
        // Streamed, not read whole: the file is 14 MB.
        let mut csv = CsvFile::open(units)?;
        let at = [
            csv.column("Postcode")?,
            csv.column("Eastings")?,
            csv.column("Northings")?,
            csv.column("Admin_district_code")?,
        ];
        let mut out = Postcodes::default();
        let mut row = csv::StringRecord::new();
        let mut record = 0;
        loop {
            let err = |message: String| LoadError::Record {
                path: units.display().to_string(),
                record: record + 1,
                message,
            };
            match csv.reader.read_record(&mut row) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => return Err(err(e.to_string())),
            }
            let [pc, e, n, b] = at.map(|i| row.get(i).unwrap_or("").trim());
            let whole = |v: &str, what: &str| {
                v.parse::<u32>()
                    .ok()
                    .filter(|m| *m < 2_000_000)
                    .ok_or_else(|| err(format!("{what} of {pc} is \"{v}\", not whole metres")))
            };
            let borough = match out.boroughs.iter().position(|x| x == b) {
                Some(i) => i,
                None => {
                    out.boroughs.push(b.to_string());
                    out.boroughs.len() - 1
                }
            };
            let stored = Stored {
                easting: whole(e, "Eastings")?,
                northing: whole(n, "Northings")?,
                borough: u16::try_from(borough).unwrap_or(u16::MAX),
            };
            out.units.push((normalise(pc).into_boxed_str(), stored));
            record += 1;
        }
        out.units.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        if let Some(w) = out.units.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(LoadError::Invalid {
                path: units.display().to_string(),
                message: format!("postcode {} appears more than once", w[0].0),
            });
        }
        out.districts = centroids(districts)?;
        out.sectors = centroids(sectors)?;
        Ok(out)
    }

    /// The unit with this code (any spacing and case).
    pub fn unit(&self, code: &str) -> Option<Unit> {
        let key = normalise(code);
        let i = self.units.binary_search_by(|u| (*u.0).cmp(&key)).ok()?;
        let s = self.units[i].1;
        let (outward, inward) = key.split_at(key.len().saturating_sub(3));
        Some(Unit {
            postcode: format!("{outward} {inward}"),
            easting: f64::from(s.easting),
            northing: f64::from(s.northing),
            borough: self.boroughs[usize::from(s.borough)].clone(),
        })
    }

    pub fn district(&self, code: &str) -> Option<&Centroid> {
        self.districts.get(&normalise(code))
    }

    pub fn sector(&self, code: &str) -> Option<&Centroid> {
        self.sectors.get(&normalise(code))
    }

    /// How many units there are.
    pub fn len(&self) -> usize {
        self.units.len()
    }

    pub fn is_empty(&self) -> bool {
        self.units.is_empty()
    }
}

fn metres(s: &str) -> Option<f64> {
    s.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && (0.0..2e6).contains(v))
}

fn centroids(path: &Path) -> Result<BTreeMap<String, Centroid>, LoadError> {
    let table = Table::read(path)?;
    let mut out = BTreeMap::new();
    for (record, [code, n, e, north]) in table
        .records(&["code", "n_postcodes", "easting", "northing"])?
        .enumerate()
    {
        let err = |what: &str, v: &str| LoadError::Record {
            path: path.display().to_string(),
            record: record + 1,
            message: format!("{what} of {code} is \"{v}\""),
        };
        let c = Centroid {
            code: code.to_string(),
            easting: metres(e).ok_or_else(|| err("easting", e))?,
            northing: metres(north).ok_or_else(|| err("northing", north))?,
            postcodes: n.parse().map_err(|_| err("n_postcodes", n))?,
        };
        out.insert(normalise(code), c);
    }
    Ok(out)
}
