//! OGC API – Features (Part 1 Core with GeoJSON and OpenAPI 3.0, Part 2 CRS by reference):
//! every layer of the atlas is a collection, every area a feature whose `id` is its code and
//! whose properties are the area's name, borough and every indicator the layer carries,
//! typed ([`Property`]). This module owns the documents (landing page, conformance,
//! collections, features) and the CRSs; [`params`] parses the items query, [`items`] answers
//! it, [`openapi`] describes the API. Documents are built with absolute links under a base URL
//! the caller passes (the HTTP layer decides it).
//!
//! Failure modes: [`OgcError`]: an unknown collection or feature (404), a bad query
//! parameter (400, naming the parameter and what it accepts).

pub mod html;
pub mod items;
pub mod openapi;
pub mod params;

use crate::atlas::Atlas;
use crate::geom::crs::bng_to_wgs84;
use crate::layer::Layer;
use serde_json::{json, Value};

/// CRS84 (longitude, latitude on WGS84): the default of OGC API – Features.
pub const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
/// British National Grid, the CRS the boundaries are published and kept in.
pub const EPSG_27700: &str = "http://www.opengis.net/def/crs/EPSG/0/27700";

/// Features a page holds when the client names no `limit`.
pub const DEFAULT_LIMIT: usize = 100;
/// Most features a page holds; a larger `limit` is clamped to this (Part 1 1.0.1: a limit
/// over the maximum "SHALL NOT result in an error (instead use the maximum)").
pub const MAX_LIMIT: usize = 10_000;

/// Media types of the answers.
pub const GEOJSON: &str = "application/geo+json";
pub const JSON: &str = "application/json";
/// Media type of the HTML pages (Part 1, HTML conformance class).
pub const HTML: &str = "text/html";
pub const OPENAPI_JSON: &str = "application/vnd.oai.openapi+json;version=3.0";

/// The conformance classes this service implements.
pub const CONFORMANCE: [&str; 5] = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
];

#[derive(Debug, thiserror::Error)]
pub enum OgcError {
    #[error("no collection \"{id}\"; the collections are {known}")]
    UnknownCollection { id: String, known: String },
    #[error("collection {collection} has no feature \"{id}\" (feature ids are area codes)")]
    UnknownFeature { collection: String, id: String },
    #[error("{0}")]
    BadParameter(String),
}

impl OgcError {
    /// True for things that do not exist (404), false for malformed requests (400).
    pub fn is_not_found(&self) -> bool {
        !matches!(self, OgcError::BadParameter(_))
    }
}

/// The coordinate reference systems features and boxes can be given in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crs {
    /// Longitude, latitude in degrees (WGS84).
    Crs84,
    /// British National Grid easting, northing in metres: the original geometry.
    Bng,
}

impl Crs {
    pub const ALL: [Crs; 2] = [Crs::Crs84, Crs::Bng];

    pub fn uri(self) -> &'static str {
        match self {
            Crs::Crs84 => CRS84,
            Crs::Bng => EPSG_27700,
        }
    }

    /// The CRS a URI names, or a sentence listing the supported ones.
    pub fn parse(raw: &str, parameter: &str) -> Result<Crs, OgcError> {
        let t = raw.trim();
        Crs::ALL.into_iter().find(|c| c.uri() == t).ok_or_else(|| {
            OgcError::BadParameter(format!(
                "{parameter} \"{t}\" is not supported; use {CRS84} or {EPSG_27700}"
            ))
        })
    }

    /// The `Content-Crs` header value (the URI in angle brackets).
    pub fn header(self) -> String {
        format!("<{}>", self.uri())
    }
}

/// The JSON type of a feature property, as the OpenAPI schema and GeoJSON carry it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Integer,
    Number,
    String,
}

impl Kind {
    pub fn json_type(self) -> &'static str {
        match self {
            Kind::Integer => "integer",
            Kind::Number => "number",
            Kind::String => "string",
        }
    }
}

/// Where a property's values come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    Code,
    Name,
    Borough,
    /// A kept text attribute of the source file (e.g. a school's phase).
    Text(String),
    Indicator(String),
}

/// One property of a collection's features.
#[derive(Debug, Clone, PartialEq)]
pub struct Property {
    pub name: String,
    pub kind: Kind,
    pub title: String,
    pub description: String,
    pub source: Source,
}

/// Every property of a layer's features, in order: code, name, borough, kept text
/// attributes, then the indicators (by id). An indicator is an integer when it is a count or
/// a category (it adds up or is never aggregated, such as a decile) and every value on this
/// layer is whole; apportioned counts (areas cut by overlaps) stay numbers.
pub fn properties(atlas: &Atlas, layer: &Layer) -> Vec<Property> {
    let text = |name: &str, title: &str, description: &str, source: Source| Property {
        name: name.to_string(),
        kind: Kind::String,
        title: title.to_string(),
        description: description.to_string(),
        source,
    };
    let mut out = vec![
        text(
            "code",
            "Code",
            &format!("The area's code ({}); also the feature id", layer.title),
            Source::Code,
        ),
        text("name", "Name", "The area's name", Source::Name),
        text(
            "borough",
            "Borough",
            "GSS code of the London borough the area belongs to",
            Source::Borough,
        ),
    ];
    for key in &layer.tile_properties {
        if layer.areas.iter().any(|a| a.properties.contains_key(key)) {
            out.push(text(
                key,
                key,
                &format!("{key} (from the source file)"),
                Source::Text(key.clone()),
            ));
        }
    }
    for (id, column) in &layer.columns {
        let ind = atlas.indicator(id);
        let kind = if ind.is_some_and(|i| i.is_integer_on(&column.values)) {
            Kind::Integer
        } else {
            Kind::Number
        };
        let (title, description) = match ind {
            Some(i) => (
                i.definition.title.clone(),
                format!(
                    "{} ({}, {}); {}; {}",
                    i.definition.title,
                    i.definition.unit,
                    i.definition
                        .period
                        .clone()
                        .unwrap_or_else(|| i.definition.year.to_string()),
                    column.method.describe(),
                    i.provenance.attribution
                ),
            ),
            None => (id.clone(), column.method.describe()),
        };
        out.push(Property {
            name: id.clone(),
            kind,
            title,
            description,
            source: Source::Indicator(id.clone()),
        });
    }
    out
}

/// The layer a collection id names.
pub fn collection_layer<'a>(atlas: &'a Atlas, id: &str) -> Result<&'a Layer, OgcError> {
    atlas.layer(id).ok_or_else(|| OgcError::UnknownCollection {
        id: id.to_string(),
        known: atlas
            .layers
            .iter()
            .map(|l| l.id.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    })
}

/// The layer's box in CRS84 (west, south, east, north): the British National Grid box's
/// outline, densified, moved to WGS84 and boxed again, so it encloses every area.
pub fn extent_crs84(layer: &Layer) -> Option<[f64; 4]> {
    let [x0, y0, x1, y1] = layer.extent()?;
    const STEPS: usize = 32;
    let mut b = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
    for k in 0..=STEPS {
        let t = k as f64 / STEPS as f64;
        let (x, y) = (x0 + (x1 - x0) * t, y0 + (y1 - y0) * t);
        for (e, n) in [(x, y0), (x, y1), (x0, y), (x1, y)] {
            let (lon, lat) = bng_to_wgs84(e, n);
            b = [b[0].min(lon), b[1].min(lat), b[2].max(lon), b[3].max(lat)];
        }
    }
    let r = |v: f64| (v * 1e6).round() / 1e6;
    Some([
        r(b[0] - 1e-6),
        r(b[1] - 1e-6),
        r(b[2] + 1e-6),
        r(b[3] + 1e-6),
    ])
}

/// A link object.
pub fn link(href: String, rel: &str, media_type: &str, title: &str) -> Value {
    json!({ "href": href, "rel": rel, "type": media_type, "title": title })
}

/// `GET /ogc`: the landing page; `base` is the API's root (…/ogc).
pub fn landing(atlas: &Atlas, base: &str) -> Value {
    json!({
        "title": format!("{} – OGC API Features", atlas.name),
        "description": format!(
            "Every layer of {} ({}) as a collection of features (areas) with every indicator as a property.",
            atlas.name,
            atlas.layers.iter().map(|l| l.id.as_str()).collect::<Vec<_>>().join(", ")
        ),
        "attribution": atlas.attribution.join(" "),
        "links": [
            link(base.to_string(), "self", JSON, "This document"),
            link(format!("{base}?f=html"), "alternate", HTML, "This document as HTML"),
            link(format!("{base}/api"), "service-desc", OPENAPI_JSON, "The API definition (OpenAPI 3.0)"),
            link(format!("{base}/conformance"), "conformance", JSON, "Conformance classes implemented"),
            link(format!("{base}/conformance"), "http://www.opengis.net/def/rel/ogc/1.0/conformance", JSON, "Conformance classes implemented"),
            link(format!("{base}/collections"), "data", JSON, "The collections (layers)"),
            link(format!("{base}/collections"), "http://www.opengis.net/def/rel/ogc/1.0/data", JSON, "The collections (layers)"),
        ]
    })
}

/// `GET /ogc/conformance`.
pub fn conformance(base: &str) -> Value {
    json!({
        "conformsTo": CONFORMANCE,
        "links": [
            link(format!("{base}/conformance"), "self", JSON, "This document"),
            link(format!("{base}/conformance?f=html"), "alternate", HTML, "This document as HTML"),
        ],
    })
}

/// One collection's description.
pub fn collection(atlas: &Atlas, layer: &Layer, base: &str) -> Value {
    let here = format!("{base}/collections/{}", layer.id);
    let bbox = extent_crs84(layer);
    json!({
        "id": layer.id,
        "title": layer.title,
        "description": format!("{} ({} areas; {} indicators as properties)", layer.description, layer.areas.len(), layer.columns.len()),
        "itemType": "feature",
        "links": [
            link(here.clone(), "self", JSON, "This collection"),
            link(format!("{here}?f=html"), "alternate", HTML, "This collection as HTML"),
            link(format!("{here}/items"), "items", GEOJSON, &format!("The areas of {}", layer.title)),
            link(format!("{base}/collections"), "collection", JSON, "All collections"),
        ],
        "extent": { "spatial": { "bbox": bbox.map(|b| vec![b]).unwrap_or_default(), "crs": CRS84 } },
        "crs": Crs::ALL.iter().map(|c| c.uri()).collect::<Vec<_>>(),
        "storageCrs": EPSG_27700,
        "attribution": atlas.attribution.join(" "),
    })
}

/// `GET /ogc/collections`.
pub fn collections(atlas: &Atlas, base: &str) -> Value {
    json!({
        "links": [
            link(format!("{base}/collections"), "self", JSON, "This document"),
            link(format!("{base}/collections?f=html"), "alternate", HTML, "This document as HTML"),
        ],
        "crs": Crs::ALL.iter().map(|c| c.uri()).collect::<Vec<_>>(),
        "collections": atlas.layers.iter().map(|l| collection(atlas, l, base)).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crs_uris_round_trip_and_others_are_refused_by_name() {
        for c in Crs::ALL {
            assert_eq!(Crs::parse(c.uri(), "crs").ok(), Some(c));
        }
        let e = Crs::parse("EPSG:4326", "bbox-crs").expect_err("not a supported URI");
        assert!(e.to_string().contains("bbox-crs \"EPSG:4326\""), "{e}");
        assert_eq!(Crs::Bng.header(), format!("<{EPSG_27700}>"));
    }
}
