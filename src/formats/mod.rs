//! Output formats, decoupled from the HTTP layer and from the queries that produce the
//! answers: CSV tables and GeoJSON features (WGS84). Each writer takes a typed answer and
//! returns bytes; the caller decides where they go (a response, a file).

pub mod csv;
pub mod geojson;
