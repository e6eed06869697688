//! Features of a collection: the page an items query asks for (bbox, paging, properties,
//! CRS) as a GeoJSON FeatureCollection with `numberMatched`, `numberReturned` and
//! `self`/`next`/`prev` links, and a single feature by its code. No `timeStamp` (Part 1
//! recommends one): a page depends only on the data, and a clock in it would change its bytes
//! and ETag every second and differ between replicas; `Last-Modified` gives the data's time.
//!
//! A `bbox` selects the areas that share a positive area with the box, computed exactly in
//! British National Grid by [`crate::geom::overlay::overlaps`], as `POST /api/query` does for
//! the same box drawn as a polygon (a CRS84 box's four corners are moved to the grid and
//! joined by straight edges); a box without area (a point) selects the areas it touches.
//! Features come in the layer's order, so pages are stable.
//!
//! Failure modes: [`OgcError`] for an unknown collection, feature or property.

use super::params::{Bbox, ItemsQuery};
use super::{
    collection_layer, extent_crs84, link, properties, Crs, Kind, OgcError, Property, Source,
};
use super::{GEOJSON, JSON};
use crate::atlas::Atlas;
use crate::formats::geojson::DECIMALS;
use crate::geom::crs::wgs84_to_bng;
use crate::geom::geojson::{bng_geojson, bng_to_wgs84_geojson};
use crate::geom::overlay::overlaps;
use crate::layer::Layer;
use geo::{Area as _, BoundingRect, Coord, Intersects, LineString, MultiPolygon, Polygon};
use serde_json::{json, Map, Value};

/// The box as a British National Grid polygon, or None when it cannot meet the layer.
fn bbox_polygon(layer: &Layer, b: &Bbox) -> Option<MultiPolygon<f64>> {
    let corners = match b.crs {
        Crs::Bng => [b.min, [b.max[0], b.min[1]], b.max, [b.min[0], b.max[1]]],
        Crs::Crs84 => {
            // Outside the layer's box there is nothing to find, and far from Great Britain
            // the grid is meaningless: keep the part of the box near the layer.
            let e = extent_crs84(layer)?;
            let pad = 0.01;
            let (x0, y0) = (b.min[0].max(e[0] - pad), b.min[1].max(e[1] - pad));
            let (x1, y1) = (b.max[0].min(e[2] + pad), b.max[1].min(e[3] + pad));
            if x0 > x1 || y0 > y1 {
                return None;
            }
            [[x0, y0], [x1, y0], [x1, y1], [x0, y1]].map(|[lon, lat]| {
                let (x, y) = wgs84_to_bng(lon, lat);
                [x, y]
            })
        }
    };
    let mut ring: Vec<Coord<f64>> = corners
        .iter()
        .map(|[x, y]| Coord { x: *x, y: *y })
        .collect();
    ring.push(ring[0]);
    Some(MultiPolygon::new(vec![Polygon::new(
        LineString::new(ring),
        vec![],
    )]))
}

/// Indexes (in layer order) of the areas the query selects, before paging. A box without
/// area (a point or a line, min = max) selects the areas it touches.
fn matched(layer: &Layer, bbox: Option<&Bbox>) -> Vec<usize> {
    let Some(b) = bbox else {
        return (0..layer.areas.len()).collect();
    };
    let Some(poly) = bbox_polygon(layer, b) else {
        return Vec::new();
    };
    if poly.unsigned_area() > 0.0 {
        return overlaps(&poly, layer).into_iter().map(|o| o.area).collect();
    }
    let Some(r) = poly.bounding_rect() else {
        return Vec::new();
    };
    let mut hits: Vec<usize> = layer
        .candidates_in([r.min().x, r.min().y], [r.max().x, r.max().y])
        .filter(|&i| layer.areas[i].geometry.intersects(&r))
        .collect();
    hits.sort_unstable();
    hits
}

/// The properties a query asks for, in the collection's order.
fn chosen<'p>(
    all: &'p [Property],
    wanted: Option<&Vec<String>>,
    layer: &Layer,
) -> Result<Vec<&'p Property>, OgcError> {
    let Some(wanted) = wanted else {
        return Ok(all.iter().collect());
    };
    if let Some(bad) = wanted.iter().find(|w| !all.iter().any(|p| &p.name == *w)) {
        return Err(OgcError::BadParameter(format!(
            "properties: collection {} has no property \"{bad}\"; it has {}",
            layer.id,
            all.iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    Ok(all.iter().filter(|p| wanted.contains(&p.name)).collect())
}

fn value_of(layer: &Layer, i: usize, p: &Property) -> Value {
    let a = &layer.areas[i];
    match &p.source {
        Source::Code => json!(a.code),
        Source::Name => json!(a.name),
        Source::Borough => json!(a.borough),
        Source::Text(k) => json!(a.properties.get(k)),
        Source::Indicator(id) => match (layer.value(id, i), p.kind) {
            (None, _) => Value::Null,
            // Whole by construction (see `properties`): exact as an integer.
            (Some(v), Kind::Integer) => json!(v as i64),
            (Some(v), _) => json!(v),
        },
    }
}

/// Area `i` of `layer` as a Feature (id = code) with the chosen properties, in `crs`.
pub fn feature(layer: &Layer, i: usize, props: &[&Property], crs: Crs) -> Value {
    let a = &layer.areas[i];
    let geometry = match crs {
        Crs::Crs84 => bng_to_wgs84_geojson(&a.geometry, Some(DECIMALS)),
        Crs::Bng => bng_geojson(&a.geometry),
    };
    let properties: Map<String, Value> = props
        .iter()
        .map(|p| (p.name.clone(), value_of(layer, i, p)))
        .collect();
    json!({ "type": "Feature", "id": a.code, "geometry": geometry, "properties": properties })
}

/// `GET /ogc/collections/{id}/items`: one page of features; `base` is the API root (…/ogc).
pub fn items(
    atlas: &Atlas,
    collection: &str,
    q: &ItemsQuery,
    base: &str,
) -> Result<Value, OgcError> {
    let layer = collection_layer(atlas, collection)?;
    let all = properties(atlas, layer);
    let props = chosen(&all, q.properties.as_ref(), layer)?;
    let hits = matched(layer, q.bbox.as_ref());
    let page: Vec<usize> = hits.iter().copied().skip(q.offset).take(q.limit).collect();
    let features: Vec<Value> = page
        .iter()
        .map(|&i| feature(layer, i, &props, q.crs))
        .collect();
    let here = format!("{base}/collections/{}/items", layer.id);
    let mut links = vec![
        link(
            format!("{here}?{}", q.query_string(q.offset)),
            "self",
            GEOJSON,
            "This page",
        ),
        link(
            format!("{base}/collections/{}", layer.id),
            "collection",
            JSON,
            &layer.title,
        ),
    ];
    if q.offset.saturating_add(page.len()) < hits.len() {
        let next = q.offset + page.len();
        links.push(link(
            format!("{here}?{}", q.query_string(next)),
            "next",
            GEOJSON,
            "Next page",
        ));
    }
    if q.offset > 0 {
        let prev = q.offset.saturating_sub(q.limit);
        links.push(link(
            format!("{here}?{}", q.query_string(prev)),
            "prev",
            GEOJSON,
            "Previous page",
        ));
    }
    Ok(json!({
        "type": "FeatureCollection",
        "numberMatched": hits.len(),
        "numberReturned": features.len(),
        "links": links,
        "features": features,
    }))
}

/// `GET /ogc/collections/{id}/items/{code}`.
pub fn item(
    atlas: &Atlas,
    collection: &str,
    code: &str,
    crs: Crs,
    base: &str,
) -> Result<Value, OgcError> {
    let layer = collection_layer(atlas, collection)?;
    let i = layer
        .area_index(code)
        .ok_or_else(|| OgcError::UnknownFeature {
            collection: layer.id.clone(),
            id: code.to_string(),
        })?;
    let all = properties(atlas, layer);
    let props: Vec<&Property> = all.iter().collect();
    let mut f = feature(layer, i, &props, crs);
    let here = format!(
        "{base}/collections/{}/items/{}",
        layer.id, layer.areas[i].code
    );
    f["links"] = json!([
        link(here, "self", GEOJSON, "This feature"),
        link(
            format!("{base}/collections/{}", layer.id),
            "collection",
            JSON,
            &layer.title
        ),
    ]);
    Ok(f)
}
