//! The OpenAPI 3.0 document of `/ogc`: every path with every parameter (inline, so clients
//! that do not follow `$ref` see them), the answers' media types and schemas, and one schema
//! per collection listing its typed properties (`components.schemas["{layer}.properties"]`).
//!
//! Failure modes: none.

use super::{properties, Crs, DEFAULT_LIMIT, GEOJSON, JSON, MAX_LIMIT, OPENAPI_JSON};
use crate::atlas::Atlas;
use serde_json::{json, Map, Value};

fn crs_uris() -> Vec<&'static str> {
    Crs::ALL.iter().map(|c| c.uri()).collect()
}

fn f_param() -> Value {
    json!({ "name": "f", "in": "query", "required": false, "style": "form", "explode": false,
            "description": "The format of the answer: JSON (GeoJSON for features; the default) or an HTML page (html; also chosen when a browser asks for text/html).",
            "schema": { "type": "string", "enum": ["json", "geojson", "application/geo+json", "html"], "default": "json" } })
}

fn crs_param(name: &str, what: &str) -> Value {
    json!({ "name": name, "in": "query", "required": false, "style": "form", "explode": false,
            "description": what,
            "schema": { "type": "string", "format": "uri", "enum": crs_uris(), "default": super::CRS84 } })
}

fn collection_param(atlas: &Atlas) -> Value {
    let ids: Vec<&str> = atlas.layers.iter().map(|l| l.id.as_str()).collect();
    json!({ "name": "collectionId", "in": "path", "required": true,
            "description": "A layer of the atlas.",
            "schema": { "type": "string", "enum": ids } })
}

fn error_answers() -> Value {
    let body =
        json!({ "application/json": { "schema": { "$ref": "#/components/schemas/exception" } } });
    json!({
        "400": { "description": "A query parameter is unknown or has a bad value; the body names it.", "content": body },
        "404": { "description": "No such collection or feature.", "content": body },
    })
}

fn ok(description: &str, media_type: &str, schema: &str) -> Value {
    json!({ "description": description,
            "content": { media_type: { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } })
}

fn get(summary: &str, op: &str, params: Vec<Value>, answer: Value, errors: bool) -> Value {
    let mut responses = Map::new();
    responses.insert("200".into(), answer);
    if errors {
        if let Value::Object(e) = error_answers() {
            responses.extend(e);
        }
    }
    json!({ "get": { "summary": summary, "operationId": op, "tags": ["OGC API Features"],
                     "parameters": params, "responses": responses } })
}

/// Schemas of the documents, and one per collection with its typed properties.
fn schemas(atlas: &Atlas) -> Map<String, Value> {
    let link = json!({ "type": "object", "required": ["href"], "properties": {
        "href": { "type": "string" }, "rel": { "type": "string" },
        "type": { "type": "string" }, "title": { "type": "string" } } });
    let links = json!({ "type": "array", "items": { "$ref": "#/components/schemas/link" } });
    let geometry = json!({ "type": "object", "required": ["type", "coordinates"], "properties": {
        "type": { "type": "string", "enum": ["MultiPolygon"] },
        "coordinates": { "type": "array", "items": { "type": "array", "items": { "type": "array",
            "items": { "type": "array", "minItems": 2, "items": { "type": "number" } } } } } } });
    let mut s = Map::new();
    s.insert("link".into(), link);
    s.insert("exception".into(), json!({ "type": "object", "required": ["error"],
        "properties": { "error": { "type": "string", "description": "A sentence naming the problem." } } }));
    s.insert(
        "landingPage".into(),
        json!({ "type": "object", "required": ["links"], "properties": {
        "title": { "type": "string" }, "description": { "type": "string" }, "links": links } }),
    );
    s.insert(
        "confClasses".into(),
        json!({ "type": "object", "required": ["conformsTo"], "properties": {
        "conformsTo": { "type": "array", "items": { "type": "string" } } } }),
    );
    s.insert("collection".into(), json!({ "type": "object", "required": ["id", "links"], "properties": {
        "id": { "type": "string" }, "title": { "type": "string" }, "description": { "type": "string" },
        "links": links, "itemType": { "type": "string" },
        "extent": { "type": "object", "properties": { "spatial": { "type": "object", "properties": {
            "bbox": { "type": "array", "items": { "type": "array", "minItems": 4, "maxItems": 6, "items": { "type": "number" } } },
            "crs": { "type": "string" } } } } },
        "crs": { "type": "array", "items": { "type": "string" } },
        "storageCrs": { "type": "string" } } }));
    s.insert("collections".into(), json!({ "type": "object", "required": ["links", "collections"], "properties": {
        "links": links, "crs": { "type": "array", "items": { "type": "string" } },
        "collections": { "type": "array", "items": { "$ref": "#/components/schemas/collection" } } } }));
    s.insert("featureGeoJSON".into(), json!({ "type": "object", "required": ["type", "geometry", "properties"], "properties": {
        "type": { "type": "string", "enum": ["Feature"] },
        "id": { "type": "string", "description": "The area's code." },
        "geometry": geometry,
        "properties": { "type": "object", "nullable": true,
            "description": "The area's code, name, borough and indicator values; each collection's are in the schema named `{collection}.properties`." },
        "links": links } }));
    s.insert(
        "featureCollectionGeoJSON".into(),
        json!({ "type": "object", "required": ["type", "features"], "properties": {
        "type": { "type": "string", "enum": ["FeatureCollection"] },
        "features": { "type": "array", "items": { "$ref": "#/components/schemas/featureGeoJSON" } },
        "links": links,
        "numberMatched": { "type": "integer", "minimum": 0 },
        "numberReturned": { "type": "integer", "minimum": 0 } } }),
    );
    for layer in &atlas.layers {
        let props: Map<String, Value> = properties(atlas, layer)
            .into_iter()
            .map(|p| {
                let schema = json!({ "type": p.kind.json_type(), "title": p.title,
                                     "description": p.description, "nullable": true });
                (p.name, schema)
            })
            .collect();
        s.insert(
            format!("{}.properties", layer.id),
            json!({ "type": "object", "description": format!("Properties of the features of {}", layer.title),
                    "properties": props }),
        );
    }
    s
}

/// The OpenAPI 3.0 document; `base` is the API root (…/ogc).
pub fn openapi(atlas: &Atlas, base: &str) -> Value {
    let collection = collection_param(atlas);
    let items_params = vec![
        collection.clone(),
        json!({ "name": "limit", "in": "query", "required": false, "style": "form", "explode": false,
                "description": format!("Most features in the page. A larger value is taken as {MAX_LIMIT} (not an error)."),
                "schema": { "type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT } }),
        json!({ "name": "offset", "in": "query", "required": false, "style": "form", "explode": false,
                "description": "How many matching features to skip (the `next` link sets it).",
                "schema": { "type": "integer", "minimum": 0, "default": 0 } }),
        json!({ "name": "bbox", "in": "query", "required": false, "style": "form", "explode": false,
                "description": "Only areas sharing a positive area with this box: min x, min y, max x, max y \
                                (longitude, latitude in CRS84 unless bbox-crs says otherwise; six numbers = 3D, heights ignored).",
                "schema": { "type": "array", "minItems": 4, "maxItems": 6, "items": { "type": "number" } } }),
        crs_param("bbox-crs", "The CRS of bbox: CRS84 (default) or British National Grid (EPSG:27700, metres)."),
        crs_param("crs", "The CRS of the answer's geometry: CRS84 (default) or British National Grid (EPSG:27700), \
                          the original geometry. The Content-Crs header names it."),
        json!({ "name": "properties", "in": "query", "required": false, "style": "form", "explode": false,
                "description": "Comma-separated property names to return (default: all). See the schema `{collectionId}.properties`.",
                "schema": { "type": "array", "items": { "type": "string" } } }),
        f_param(),
    ];
    let item_params = vec![
        collection.clone(),
        json!({ "name": "featureId", "in": "path", "required": true,
                "description": "The area's code (e.g. E01000001).", "schema": { "type": "string" } }),
        crs_param("crs", "The CRS of the answer's geometry (see items)."),
        f_param(),
    ];
    let mut paths = Map::new();
    paths.insert(
        "/".into(),
        get(
            "Landing page",
            "getLandingPage",
            vec![f_param()],
            ok(
                "Links to the API definition, conformance and collections.",
                JSON,
                "landingPage",
            ),
            false,
        ),
    );
    paths.insert(
        "/conformance".into(),
        get(
            "Conformance classes",
            "getConformance",
            vec![f_param()],
            ok("The conformance classes implemented.", JSON, "confClasses"),
            false,
        ),
    );
    paths.insert("/api".into(), get("This API definition", "getApi", vec![f_param()],
        json!({ "description": "The OpenAPI 3.0 document.", "content": { OPENAPI_JSON: { "schema": { "type": "object" } } } }), false));
    paths.insert(
        "/collections".into(),
        get(
            "The collections (every layer)",
            "getCollections",
            vec![f_param()],
            ok("Every layer of the atlas.", JSON, "collections"),
            false,
        ),
    );
    paths.insert(
        "/collections/{collectionId}".into(),
        get(
            "One collection",
            "describeCollection",
            vec![collection.clone(), f_param()],
            ok("The collection.", JSON, "collection"),
            true,
        ),
    );
    let mut items = get(
        "The areas of a layer",
        "getFeatures",
        items_params,
        ok(
            "A page of features with numberMatched, numberReturned and next/prev links.",
            GEOJSON,
            "featureCollectionGeoJSON",
        ),
        true,
    );
    items["get"]["responses"]["200"]["headers"] = json!({ "Content-Crs": { "description": "The CRS of the geometry, in angle brackets.", "schema": { "type": "string" } } });
    paths.insert("/collections/{collectionId}/items".into(), items);
    let mut item = get(
        "One area",
        "getFeature",
        item_params,
        ok("The feature.", GEOJSON, "featureGeoJSON"),
        true,
    );
    item["get"]["responses"]["200"]["headers"] = json!({ "Content-Crs": { "description": "The CRS of the geometry, in angle brackets.", "schema": { "type": "string" } } });
    paths.insert("/collections/{collectionId}/items/{featureId}".into(), item);
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": format!("{} – OGC API Features", atlas.name),
            "version": env!("CARGO_PKG_VERSION"),
            "description": format!("Every layer of {} as a collection; feature id = area code; every indicator a typed property. {}",
                                   atlas.name, atlas.attribution.join(" ")),
            "license": { "name": "Data: see each indicator's attribution (Open Government Licence v3.0 and others)" },
        },
        "servers": [{ "url": base }],
        "tags": [{ "name": "OGC API Features" }],
        "paths": paths,
        "components": { "schemas": schemas(atlas) },
    })
}
