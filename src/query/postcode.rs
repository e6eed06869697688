//! Postcode search: a full postcode in any spacing and case ("E1 6AN", "e16an"), a sector
//! ("SE15 4") or a district ("SE15") is found in the postcode tables, and the areas of every
//! layer holding its point are named (borough, LSOAs of both vintages, ward). A full postcode
//! that is not in the tables gets a sentence saying so.
//!
//! Failure modes: none; text that is not shaped like a postcode is left to the name search.

use super::search::{Found, SearchAnswer};
use crate::atlas::Atlas;
use crate::geom::crs::bng_to_wgs84;
use crate::load::postcodes::normalise;

/// What a search text is, read as a postcode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PostcodeQuery {
    /// A full postcode, normalised ("E16AN").
    Unit(String),
    /// Outward code and sector digit ("SE15 4").
    Sector(String),
    /// An outward code ("SE15").
    District(String),
}

fn is_outward(s: &str) -> bool {
    let b = s.as_bytes();
    let letters = b.iter().take_while(|c| c.is_ascii_uppercase()).count();
    (1..=2).contains(&letters)
        && (2..=4).contains(&b.len())
        && b.get(letters).is_some_and(u8::is_ascii_digit)
        && b[letters + 1..].iter().all(u8::is_ascii_alphanumeric)
}

/// Reads `q` as a postcode, a sector or a district, if it has that shape.
pub fn classify(q: &str) -> Option<PostcodeQuery> {
    let n = normalise(q);
    let parts: Vec<&str> = q.split_whitespace().collect();
    if let [outward, digit] = parts.as_slice() {
        let outward = outward.to_ascii_uppercase();
        if is_outward(&outward) && digit.len() == 1 && digit.as_bytes()[0].is_ascii_digit() {
            return Some(PostcodeQuery::Sector(format!("{outward} {digit}")));
        }
    }
    if (5..=7).contains(&n.len()) {
        let (outward, inward) = n.split_at(n.len() - 3);
        let i = inward.as_bytes();
        if is_outward(outward)
            && i[0].is_ascii_digit()
            && i[1].is_ascii_uppercase()
            && i[2].is_ascii_uppercase()
        {
            return Some(PostcodeQuery::Unit(n));
        }
    }
    is_outward(&n).then_some(PostcodeQuery::District(n))
}

impl Atlas {
    /// The answer to a postcode-shaped search, or None to search names instead.
    pub(crate) fn postcode_search(&self, query: &str) -> Option<SearchAnswer> {
        let postcodes = self.postcodes.as_ref()?;
        let answer = |results: Vec<Found>, message: Option<String>| SearchAnswer {
            query: query.to_string(),
            point: None,
            results,
            message,
        };
        match classify(query)? {
            PostcodeQuery::Unit(code) => Some(match postcodes.unit(&code) {
                Some(u) => {
                    let mut found = self.point_result("postcode", &u.postcode, u.easting, u.northing);
                    // The file's own borough (it and the boundaries agree for 99.96 %).
                    found.borough_name = self.borough_name(&u.borough).map(str::to_string);
                    found.borough = Some(u.borough.clone());
                    answer(vec![found], None)
                }
                None => answer(
                    Vec::new(),
                    Some(format!(
                        "{} is not a live London postcode in OS Code-Point Open (October 2025): it may be mistyped, no longer in use, or outside London",
                        query.trim().to_ascii_uppercase()
                    )),
                ),
            }),
            PostcodeQuery::Sector(code) => postcodes.sector(&code).map(|c| {
                answer(
                    vec![self.point_result("postcode_sector", &c.code, c.easting, c.northing)],
                    None,
                )
            }),
            PostcodeQuery::District(code) => postcodes.district(&code).map(|c| {
                answer(
                    vec![self.point_result("postcode_district", &c.code, c.easting, c.northing)],
                    None,
                )
            }),
        }
    }

    /// A search result at a grid point: the areas holding it, and where to fly.
    pub(crate) fn point_result(
        &self,
        kind: &'static str,
        name: &str,
        easting: f64,
        northing: f64,
    ) -> Found {
        let (lon, lat) = bng_to_wgs84(easting, northing);
        // One point query for every layer; each area is then looked up in its answer.
        let hits = self.areas_at_bng(easting, northing);
        let area_in = |layer: &str| {
            let li = self.layer_index(layer)?;
            let hit = hits.iter().find(|h| h.layer == li)?;
            Some(&self.layers[li].areas[hit.area])
        };
        let code_in = |layer: &str| area_in(layer).map(|a| a.code.clone());
        let borough = self
            .borough_layer()
            .and_then(|l| code_in(&l.id))
            .or_else(|| area_in("lsoa11").and_then(|a| a.borough.clone()));
        let lsoa11 = code_in("lsoa11");
        Found {
            kind,
            layer: "lsoa11".to_string(),
            code: lsoa11.clone().unwrap_or_default(),
            name: name.to_string(),
            borough_name: borough
                .as_deref()
                .and_then(|b| self.borough_name(b))
                .map(str::to_string),
            borough,
            center: [lon, lat],
            bbox: [lon, lat, lon, lat],
            lsoa11,
            lsoa21: code_in("lsoa21"),
            ward: code_in("wards"),
            detail: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postcodes_are_read_in_any_spacing_and_case() {
        let unit = |s: &str| PostcodeQuery::Unit(s.to_string());
        assert_eq!(classify("E1 6AN"), Some(unit("E16AN")));
        assert_eq!(classify("e16an"), Some(unit("E16AN")));
        assert_eq!(classify(" E1  6AN "), Some(unit("E16AN")));
        assert_eq!(classify("SW1A 1AA"), Some(unit("SW1A1AA")));
        assert_eq!(
            classify("SE15 4"),
            Some(PostcodeQuery::Sector("SE15 4".into()))
        );
        assert_eq!(
            classify("se15"),
            Some(PostcodeQuery::District("SE15".into()))
        );
        for not in ["Camden", "E01004733", "Bow", "123", "E1 6", "SE15 45"] {
            assert!(
                !matches!(classify(not), Some(PostcodeQuery::Unit(_))),
                "{not}"
            );
        }
        assert_eq!(classify("Camden"), None);
        assert_eq!(classify("E01004733"), None);
    }
}
