//! Finding places by name or code: postcodes (see [`super::postcode`]), populated places and
//! stations (the map's context), boroughs, LSOAs (name or code), wards, care systems, schools
//! (name or URN), or a "lon, lat" pair. Names are ranked by [`Match`] (exact, prefix, a word's
//! prefix, inside, close spelling), then places before stations before areas (in layer order),
//! then alphabetically.

use super::names::{key, Match};
use super::QueryError;
use crate::atlas::Atlas;
use crate::geom::crs::{bng_to_wgs84, valid_lon_lat, wgs84_to_bng};
use crate::load::places::PlaceKind;
use geo::{BoundingRect, InteriorPoint};
use serde::Serialize;

/// Most results returned.
pub const MAX_RESULTS: usize = 20;

#[derive(Debug, Clone, Serialize)]
pub struct Found {
    /// `area`, `place`, `station`, `point`, `postcode`, `postcode_sector` or `postcode_district`.
    pub kind: &'static str,
    /// The area found, or for a point (postcode, place, station) the 2011 LSOA holding it.
    pub layer: String,
    pub code: String,
    pub name: String,
    pub borough: Option<String>,
    pub borough_name: Option<String>,
    /// A point inside the area (WGS84 lon, lat): where a map should fly to.
    pub center: [f64; 2],
    /// WGS84 bounds [west, south, east, north].
    pub bbox: [f64; 4],
    /// For postcodes: the codes of the areas holding the point.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lsoa11: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lsoa21: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ward: Option<String>,
    /// What a place or station is ("Suburban Area", "Station: Underground, DLR").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SearchAnswer {
    pub query: String,
    /// Set when the query was read as a "lon, lat" position.
    pub point: Option<[f64; 2]>,
    pub results: Vec<Found>,
    /// Why nothing was found, when there is something to say (an unknown postcode).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl Atlas {
    /// Places matching `q`, best first: exact code or name, then names starting with it,
    /// then names containing it; boroughs before LSOAs before schools.
    pub fn search(&self, q: &str) -> Result<SearchAnswer, QueryError> {
        let query = q.trim();
        if query.is_empty() {
            return Err(QueryError::BadParameter(
                "the search text q is empty".into(),
            ));
        }
        if query.chars().count() > 100 {
            return Err(QueryError::BadParameter(
                "the search text q is longer than 100 characters".into(),
            ));
        }
        if let Some((lon, lat)) = parse_lon_lat(query) {
            let (e, n) = wgs84_to_bng(lon, lat);
            let mut here = self.point_result("point", &format!("{lon:.5}, {lat:.5}"), e, n);
            here.center = [lon, lat];
            here.bbox = [lon, lat, lon, lat];
            return Ok(SearchAnswer {
                query: query.to_string(),
                point: Some([lon, lat]),
                results: vec![here],
                message: None,
            });
        }
        if let Some(answer) = self.postcode_search(query) {
            return Ok(answer);
        }
        let text = key(query);
        let mut scored: Vec<(Match, usize, Target)> = Vec::new();
        for n in self.name_index() {
            let m = match n.target {
                Target::Area(li, ai)
                    if self.layers[li].areas[ai].code.eq_ignore_ascii_case(query) =>
                {
                    Some(Match::Exact)
                }
                _ => Match::of(&text, &n.key),
            };
            if let Some(m) = m {
                scored.push((m, n.rank, n.target));
            }
        }
        let name_of = |t: &Target| match *t {
            Target::Place(i) => self.context.as_ref().map_or("", |c| &c.places[i].name),
            Target::Area(li, ai) => &self.layers[li].areas[ai].name,
        };
        scored.sort_by(|a, b| {
            (a.0, a.1)
                .cmp(&(b.0, b.1))
                .then_with(|| name_of(&a.2).cmp(name_of(&b.2)))
        });
        let results = scored
            .into_iter()
            .take(MAX_RESULTS)
            .map(|(_, _, t)| match t {
                Target::Place(i) => self.place_result(i),
                Target::Area(li, ai) => self.area_result(li, ai),
            })
            .collect();
        Ok(SearchAnswer {
            query: query.to_string(),
            point: None,
            results,
            message: None,
        })
    }

    fn place_result(&self, i: usize) -> Found {
        let c = self
            .context
            .as_ref()
            .expect("a place result comes from the context");
        let p = &c.places[i];
        let kind = match p.kind {
            PlaceKind::Place => "place",
            PlaceKind::Station => "station",
        };
        let mut found = self.point_result(kind, &p.name, p.easting, p.northing);
        found.center = [p.lon, p.lat];
        found.bbox = [p.lon, p.lat, p.lon, p.lat];
        found.detail = Some(p.detail.clone());
        found
    }

    fn area_result(&self, li: usize, ai: usize) -> Found {
        let layer = &self.layers[li];
        let a = &layer.areas[ai];
        let c = a
            .geometry
            .interior_point()
            .map(|p| bng_to_wgs84(p.x(), p.y()))
            .unwrap_or((0.0, 0.0));
        let bbox = a
            .geometry
            .bounding_rect()
            .map(|r| {
                let (w, s) = bng_to_wgs84(r.min().x, r.min().y);
                let (e, n) = bng_to_wgs84(r.max().x, r.max().y);
                [w, s, e, n]
            })
            .unwrap_or([0.0; 4]);
        Found {
            kind: "area",
            layer: layer.id.clone(),
            code: a.code.clone(),
            name: a.name.clone(),
            borough: a.borough.clone(),
            borough_name: self.borough_name_of(a),
            center: [c.0, c.1],
            bbox,
            lsoa11: None,
            lsoa21: None,
            ward: None,
            detail: None,
        }
    }
}

/// What a scored name belongs to.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Target {
    Place(usize),
    Area(usize, usize),
}

/// A searchable name: its [`key`], its kind's rank (places, stations, then layers in order)
/// and what it names. Built once per atlas, on the first search.
#[derive(Debug)]
pub(crate) struct Name {
    key: Box<str>,
    rank: usize,
    target: Target,
}

impl Atlas {
    fn name_index(&self) -> &[Name] {
        self.names.get_or_init(|| {
            let mut names = Vec::new();
            if let Some(c) = &self.context {
                for (i, p) in c.places.iter().enumerate() {
                    names.push(Name {
                        key: key(&p.name).into(),
                        rank: usize::from(p.kind == PlaceKind::Station),
                        target: Target::Place(i),
                    });
                }
            }
            for (li, layer) in self.layers.iter().enumerate() {
                for (ai, a) in layer.areas.iter().enumerate() {
                    names.push(Name {
                        key: key(&a.name).into(),
                        rank: 2 + li,
                        target: Target::Area(li, ai),
                    });
                }
            }
            names
        })
    }
}

/// "lon, lat" (or "lon lat") in degrees.
fn parse_lon_lat(q: &str) -> Option<(f64, f64)> {
    let parts: Vec<&str> = q.split([',', ' ']).filter(|s| !s.is_empty()).collect();
    if parts.len() != 2 {
        return None;
    }
    let lon: f64 = parts[0].parse().ok()?;
    let lat: f64 = parts[1].parse().ok()?;
    valid_lon_lat(lon, lat).then_some((lon, lat))
}
