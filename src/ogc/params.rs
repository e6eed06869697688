//! The query parameters of `/ogc/collections/{id}/items` (and `crs` of a single feature),
//! parsed with one sentence per mistake, and written back canonically for `next`/`prev`
//! links. Unknown parameters are refused (Part 1, /req/core/query-param-unknown); a `limit`
//! over [`MAX_LIMIT`] is clamped to it (Part 1 1.0.1 says it shall not be an error).
//!
//! Failure modes: [`OgcError::BadParameter`] naming the parameter, its value and what it
//! accepts.

use super::{Crs, OgcError, DEFAULT_LIMIT, MAX_LIMIT};
use std::collections::HashMap;

/// Values of `f`, which every `/ogc` document accepts: JSON (the default) or an HTML page.
const FORMAT_VALUES: [&str; 4] = ["json", "geojson", "application/geo+json", "html"];

/// The query parameters of the items resource (the OpenAPI document lists the same).
pub const ITEMS_PARAMETERS: [&str; 7] = [
    "bbox",
    "bbox-crs",
    "crs",
    "f",
    "limit",
    "offset",
    "properties",
];

/// A box to select features by: (min x, min y, max x, max y) in `crs`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bbox {
    pub min: [f64; 2],
    pub max: [f64; 2],
    pub crs: Crs,
}

/// What a client asks of a collection's items.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemsQuery {
    pub bbox: Option<Bbox>,
    pub limit: usize,
    pub offset: usize,
    /// Properties to return (None = all).
    pub properties: Option<Vec<String>>,
    /// The CRS of the answer's geometry.
    pub crs: Crs,
}

fn refuse_unknown(p: &HashMap<String, String>, allowed: &[&str]) -> Result<(), OgcError> {
    let mut unknown: Vec<&str> = p
        .keys()
        .map(String::as_str)
        .filter(|k| !allowed.contains(k))
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    unknown.sort_unstable();
    Err(OgcError::BadParameter(format!(
        "unknown query parameter {}; this resource accepts {}",
        unknown.join(", "),
        allowed.join(", ")
    )))
}

fn format_ok(p: &HashMap<String, String>) -> Result<(), OgcError> {
    match p.get("f").map(|f| f.trim().to_ascii_lowercase()) {
        Some(f) if !FORMAT_VALUES.contains(&f.as_str()) => Err(OgcError::BadParameter(format!(
            "f \"{f}\" is not supported; use f=json or f=html"
        ))),
        _ => Ok(()),
    }
}

/// True when the answer should be an HTML page: `f=html`, or no `f` and a browser's `Accept`
/// (text/html listed before any JSON type).
pub fn wants_html(p: &HashMap<String, String>, accept: Option<&str>) -> bool {
    match p.get("f").map(|f| f.trim().to_ascii_lowercase()) {
        Some(f) => f == "html",
        None => accept.is_some_and(|a| {
            let html = a.find("text/html");
            let json = a.find("json");
            html.is_some_and(|h| json.is_none_or(|j| h < j))
        }),
    }
}

/// Checks the parameters of a document that takes none but `f`.
pub fn plain(p: &HashMap<String, String>) -> Result<(), OgcError> {
    refuse_unknown(p, &["f"])?;
    format_ok(p)
}

/// The `crs` of a single feature's answer (default CRS84).
pub fn feature_crs(p: &HashMap<String, String>) -> Result<Crs, OgcError> {
    refuse_unknown(p, &["f", "crs"])?;
    format_ok(p)?;
    p.get("crs")
        .map_or(Ok(Crs::Crs84), |raw| Crs::parse(raw, "crs"))
}

fn whole(p: &HashMap<String, String>, name: &str, min: usize) -> Result<Option<usize>, OgcError> {
    let Some(raw) = p.get(name) else {
        return Ok(None);
    };
    let t = raw.trim();
    let digits = !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    match t.parse::<u64>() {
        Ok(v) if v as u128 >= min as u128 => Ok(Some(usize::try_from(v).unwrap_or(usize::MAX))),
        // Too many digits for u64: as good as infinite.
        Err(_) if digits => Ok(Some(usize::MAX)),
        _ => Err(OgcError::BadParameter(format!(
            "{name} must be a whole number of {min} or more, got \"{t}\""
        ))),
    }
}

fn parse_bbox(raw: &str, crs: Crs) -> Result<Bbox, OgcError> {
    let parts: Vec<&str> = raw.split(',').map(str::trim).collect();
    let numbers: Vec<f64> = parts
        .iter()
        .map(|s| s.parse::<f64>().ok().filter(|v| v.is_finite()))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| {
            OgcError::BadParameter(format!(
                "bbox must be four (or six) comma-separated numbers, got \"{raw}\""
            ))
        })?;
    let (min, max) = match numbers.as_slice() {
        [x0, y0, x1, y1] => ([*x0, *y0], [*x1, *y1]),
        // Six numbers: a 3D box; the areas are flat, so the heights are ignored.
        [x0, y0, _, x1, y1, _] => ([*x0, *y0], [*x1, *y1]),
        _ => {
            return Err(OgcError::BadParameter(format!(
                "bbox must be four (or six) comma-separated numbers, got {} in \"{raw}\"",
                numbers.len()
            )))
        }
    };
    if crs == Crs::Crs84 {
        let ok_lon = |v: f64| (-180.0..=180.0).contains(&v);
        let ok_lat = |v: f64| (-90.0..=90.0).contains(&v);
        if !(ok_lon(min[0]) && ok_lon(max[0]) && ok_lat(min[1]) && ok_lat(max[1])) {
            return Err(OgcError::BadParameter(format!(
                "bbox \"{raw}\" is not longitudes (-180..180) and latitudes (-90..90) in CRS84; \
                 for British National Grid metres add bbox-crs={}",
                Crs::Bng.uri()
            )));
        }
        if min[0] > max[0] {
            return Err(OgcError::BadParameter(format!(
                "bbox \"{raw}\" crosses the antimeridian (west > east), which this API does not support"
            )));
        }
    }
    if min[1] > max[1] || (crs == Crs::Bng && min[0] > max[0]) {
        return Err(OgcError::BadParameter(format!(
            "bbox \"{raw}\" has its lower corner above or right of its upper corner; \
             give min x, min y, max x, max y"
        )));
    }
    Ok(Bbox { min, max, crs })
}

impl ItemsQuery {
    /// Parses the items parameters: `bbox`, `bbox-crs`, `limit`, `offset`, `properties`,
    /// `crs` and `f`.
    pub fn parse(p: &HashMap<String, String>) -> Result<ItemsQuery, OgcError> {
        refuse_unknown(p, &ITEMS_PARAMETERS)?;
        format_ok(p)?;
        let bbox_crs = p
            .get("bbox-crs")
            .map_or(Ok(Crs::Crs84), |raw| Crs::parse(raw, "bbox-crs"))?;
        let bbox = p
            .get("bbox")
            .map(|raw| parse_bbox(raw, bbox_crs))
            .transpose()?;
        let limit = whole(p, "limit", 1)?
            .unwrap_or(DEFAULT_LIMIT)
            .min(MAX_LIMIT);
        let offset = whole(p, "offset", 0)?.unwrap_or(0);
        let properties = p.get("properties").map(|raw| {
            raw.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        });
        let crs = p
            .get("crs")
            .map_or(Ok(Crs::Crs84), |raw| Crs::parse(raw, "crs"))?;
        Ok(ItemsQuery {
            bbox,
            limit,
            offset,
            properties,
            crs,
        })
    }

    /// The query string of this query at another offset (for `next` and `prev` links),
    /// parameters in a fixed order, values percent-encoded.
    pub fn query_string(&self, offset: usize) -> String {
        let mut parts: Vec<(String, String)> = Vec::new();
        if let Some(b) = &self.bbox {
            parts.push((
                "bbox".into(),
                format!("{},{},{},{}", b.min[0], b.min[1], b.max[0], b.max[1]),
            ));
            if b.crs != Crs::Crs84 {
                parts.push(("bbox-crs".into(), b.crs.uri().into()));
            }
        }
        if self.crs != Crs::Crs84 {
            parts.push(("crs".into(), self.crs.uri().into()));
        }
        if let Some(props) = &self.properties {
            parts.push(("properties".into(), props.join(",")));
        }
        parts.push(("limit".into(), self.limit.to_string()));
        parts.push(("offset".into(), offset.to_string()));
        parts
            .iter()
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// Percent-encodes everything but unreserved characters and commas (RFC 3986).
fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b',' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> Result<ItemsQuery, OgcError> {
        let p = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        ItemsQuery::parse(&p)
    }

    #[test]
    fn defaults_clamping_and_refusals() {
        let d = q(&[]).expect("no parameters");
        assert_eq!((d.limit, d.offset, d.crs), (DEFAULT_LIMIT, 0, Crs::Crs84));
        assert_eq!(q(&[("limit", "20000")]).expect("clamped").limit, MAX_LIMIT);
        assert_eq!(
            q(&[("limit", "99999999999999999999999")])
                .expect("huge")
                .limit,
            MAX_LIMIT
        );
        for (k, v, says) in [
            ("limit", "0", "limit must be a whole number of 1 or more"),
            ("limit", "-5", "got \"-5\""),
            ("offset", "x", "offset must be"),
            ("bbox", "1,2,3", "got 3"),
            ("bbox", "0,52,-1,53", "antimeridian"),
            ("bbox", "0,95,1,96", "latitudes"),
            ("bbox-crs", "EPSG:27700", "bbox-crs \"EPSG:27700\""),
            ("crs", "urn:ogc:def:crs:EPSG::4326", "crs \""),
            ("f", "xml", "f \"xml\""),
            ("colour", "red", "unknown query parameter colour"),
        ] {
            let e = q(&[(k, v)]).expect_err(v).to_string();
            assert!(e.contains(says), "{k}={v}: {e}");
        }
    }

    #[test]
    fn bbox_in_british_national_grid_and_the_link_query_round_trips() {
        let query = q(&[
            ("bbox", "530000,180000,531000,181000"),
            ("bbox-crs", Crs::Bng.uri()),
            ("crs", Crs::Bng.uri()),
            ("properties", "name,population_2019"),
            ("limit", "10"),
        ])
        .expect("valid");
        let b = query.bbox.expect("bbox");
        assert_eq!(
            (b.min, b.max, b.crs),
            ([530000.0, 180000.0], [531000.0, 181000.0], Crs::Bng)
        );
        let qs = query.query_string(20);
        assert!(
            qs.contains("offset=20") && qs.contains("bbox-crs=http%3A%2F%2F"),
            "{qs}"
        );
        let back: HashMap<String, String> = qs
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_string(), decode(v)))
            .collect();
        let again = ItemsQuery::parse(&back).expect("link parses");
        assert_eq!(
            again,
            ItemsQuery {
                offset: 20,
                ..query
            }
        );
    }

    fn decode(v: &str) -> String {
        let mut out = Vec::new();
        let b = v.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'%' {
                out.push(u8::from_str_radix(&v[i + 1..i + 3], 16).expect("hex"));
                i += 3;
            } else {
                out.push(b[i]);
                i += 1;
            }
        }
        String::from_utf8(out).expect("utf8")
    }
}
