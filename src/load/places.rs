//! Named points for search and map labels: OS Open Names populated places, and stations merged
//! from National Rail's list and TfL's (one point per station, with every mode that serves it).
//!
//! Places get the zoom from which a map should label them, from OS's scale hint
//! (`LEAST_DETAIL_VIEW_RES`, a map-scale denominator S): z = log2(1.74e8 / S) for MapLibre's
//! 512-pixel tiles at London's latitude, rounded down and one zoom earlier, so 1:25,000
//! suburbs appear from z11 and 1:60,000 settlements from z10. Stations are labelled from z12.
//!
//! TfL's file lists interchange hubs and platform-level duplicates as well as stations: hubs
//! (`is_hub` = 1), `9400ZZ` platform rows and rows outside London (`in_london` = 0) are
//! dropped; rows of one name within 400 m are one station ("Whitechapel": Underground,
//! Overground, Elizabeth line). A National Rail station joins the TfL station of its name within
//! 400 m, or stands alone.
//!
//! Failure modes: a missing column, or a coordinate that is not a number inside London's
//! surroundings: a [`LoadError`] naming the file and record.

use super::table::Table;
use super::LoadError;
use crate::geom::crs::{valid_lon_lat, wgs84_to_bng};
use std::path::Path;

/// Zoom from which stations are labelled.
pub const STATION_MINZOOM: u8 = 12;

/// What a named point is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceKind {
    /// A populated place (a suburb, village or settlement) of OS Open Names.
    Place,
    /// A railway, Underground, DLR, Overground or Elizabeth line station.
    Station,
}

/// One named point.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    pub kind: PlaceKind,
    /// OS Open Names id, NaPTAN id or CRS code.
    pub id: String,
    pub name: String,
    /// What sort: "Suburban Area", "Village"; for a station its modes ("Underground, DLR").
    pub detail: String,
    pub lon: f64,
    pub lat: f64,
    /// British National Grid metres.
    pub easting: f64,
    pub northing: f64,
    /// First map zoom at which to label it.
    pub minzoom: u8,
}

impl Place {
    fn new(kind: PlaceKind, id: &str, name: &str, detail: String, lon: f64, lat: f64) -> Place {
        let (easting, northing) = wgs84_to_bng(lon, lat);
        Place {
            kind,
            id: id.to_string(),
            name: name.to_string(),
            detail,
            lon,
            lat,
            easting,
            northing,
            minzoom: STATION_MINZOOM,
        }
    }
}

/// The zoom from which a place at OS scale 1:`scale` is labelled (see the module docs).
pub fn minzoom_for_scale(scale: f64) -> u8 {
    ((1.74e8 / scale.max(1.0)).log2().floor() - 1.0).clamp(0.0, 14.0) as u8
}

fn lon_lat(path: &Path, record: usize, lon: &str, lat: &str) -> Result<(f64, f64), LoadError> {
    match (lon.parse::<f64>(), lat.parse::<f64>()) {
        (Ok(x), Ok(y))
            if valid_lon_lat(x, y) && (-1.5..1.5).contains(&x) && (51.0..52.0).contains(&y) =>
        {
            Ok((x, y))
        }
        _ => Err(LoadError::Record {
            path: path.display().to_string(),
            record,
            message: format!("position ({lon}, {lat}) is not a longitude and latitude near London"),
        }),
    }
}

/// Reads OS Open Names populated places.
pub fn read_places(path: &Path) -> Result<Vec<Place>, LoadError> {
    let table = Table::read(path)?;
    let mut out = Vec::new();
    for (i, [id, name, kind, lon, lat, least]) in table
        .records(&[
            "ID",
            "NAME1",
            "LOCAL_TYPE",
            "lon",
            "lat",
            "LEAST_DETAIL_VIEW_RES",
        ])?
        .enumerate()
    {
        let (x, y) = lon_lat(path, i + 1, lon, lat)?;
        let scale: f64 = least.parse().map_err(|_| LoadError::Record {
            path: path.display().to_string(),
            record: i + 1,
            message: format!("LEAST_DETAIL_VIEW_RES \"{least}\" is not a number"),
        })?;
        let mut p = Place::new(PlaceKind::Place, id, name, kind.to_string(), x, y);
        p.minzoom = minzoom_for_scale(scale);
        out.push(p);
    }
    Ok(out)
}

/// A station name without the words TfL adds ("Whitechapel Underground Station" → "Whitechapel").
pub fn station_name(name: &str) -> &str {
    const SUFFIXES: [&str; 7] = [
        " Underground Station",
        " DLR Station",
        " DLR",
        " Rail Station",
        " Station",
        " (Elizabeth line)",
        " (London)",
    ];
    let mut n = name.trim();
    for s in SUFFIXES {
        n = n.strip_suffix(s).unwrap_or(n);
    }
    n
}

fn mode_name(mode: &str) -> Option<&'static str> {
    Some(match mode {
        "tube" => "Underground",
        "dlr" => "DLR",
        "overground" => "Overground",
        "elizabeth-line" => "Elizabeth line",
        "national-rail" => "National Rail",
        "tram" => "Tram",
        _ => return None,
    })
}

/// Names equal but for case, spaces and punctuation ("King's Cross" = "Kings Cross").
fn same_name(a: &str, b: &str) -> bool {
    let key = |s: &str| {
        s.chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect::<String>()
    };
    key(a) == key(b)
}

/// Within this many metres, two rows of one name are one station.
const SAME_STATION_M: f64 = 400.0;

/// Reads and merges the TfL and National Rail station lists (see the module docs).
pub fn read_stations(tfl: &Path, rail: &Path) -> Result<Vec<Place>, LoadError> {
    let mut stations: Vec<(Place, Vec<&'static str>)> = Vec::new();
    let mut join = |p: Place, modes: Vec<&'static str>| {
        let near = stations.iter_mut().find(|(s, _)| {
            same_name(&s.name, &p.name)
                && (s.easting - p.easting).hypot(s.northing - p.northing) < SAME_STATION_M
        });
        match near {
            Some((_, have)) => have.extend(modes),
            None => stations.push((p, modes)),
        }
    };
    let table = Table::read(tfl)?;
    for (i, [id, name, lon, lat, modes, hub, in_london]) in table
        .records(&[
            "naptan_id",
            "name",
            "lon",
            "lat",
            "modes",
            "is_hub",
            "in_london",
        ])?
        .enumerate()
    {
        if hub == "1" || in_london != "1" || id.starts_with("9400ZZ") {
            continue;
        }
        let (x, y) = lon_lat(tfl, i + 1, lon, lat)?;
        let modes = modes.split(';').filter_map(mode_name).collect();
        join(
            Place::new(
                PlaceKind::Station,
                id,
                station_name(name),
                String::new(),
                x,
                y,
            ),
            modes,
        );
    }
    let table = Table::read(rail)?;
    for (i, [name, crs, lon, lat]) in table
        .records(&["stationName", "crsCode", "long", "lat"])?
        .enumerate()
    {
        let (x, y) = lon_lat(rail, i + 1, lon, lat)?;
        let name = station_name(name.strip_prefix("London ").unwrap_or(name));
        join(
            Place::new(PlaceKind::Station, crs, name, String::new(), x, y),
            vec!["National Rail"],
        );
    }
    Ok(stations
        .into_iter()
        .map(|(mut p, mut modes)| {
            let order = |m: &&str| {
                [
                    "Underground",
                    "DLR",
                    "Overground",
                    "Elizabeth line",
                    "National Rail",
                    "Tram",
                ]
                .iter()
                .position(|x| x == m)
            };
            modes.sort_by_key(order);
            modes.dedup();
            p.detail = if modes.is_empty() {
                "Station".into()
            } else {
                format!("Station: {}", modes.join(", "))
            };
            p
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_hints_become_zooms() {
        assert_eq!(minzoom_for_scale(25_000.0), 11);
        assert_eq!(minzoom_for_scale(60_000.0), 10);
        assert_eq!(minzoom_for_scale(250_000.0), 8);
        assert_eq!(minzoom_for_scale(9_000_000.0), 3);
    }

    #[test]
    fn station_names_lose_tfl_suffixes() {
        assert_eq!(
            station_name("Whitechapel Underground Station"),
            "Whitechapel"
        );
        assert_eq!(station_name("Canary Wharf DLR Station"), "Canary Wharf");
        assert_eq!(station_name("Bethnal Green Rail Station"), "Bethnal Green");
        assert_eq!(station_name("Stratford (London)"), "Stratford");
    }
}
