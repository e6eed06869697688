//! Output formats, decoupled from the HTTP layer and from the queries that produce the
//! answers: CSV tables and GeoJSON features (WGS84). Each writer takes a typed answer and
//! returns bytes; the caller decides where they go (a response, a file). Whole-layer
//! downloads (`download`: GeoPackage, FlatGeobuf, GeoJSON, CSV) share one typed `table`.

pub mod csv;
pub mod download;
pub mod fgb;
pub mod geojson;
pub mod gpkg;
pub mod table;
