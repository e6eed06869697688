//! The geometry library below everything else: coordinate systems, GeoJSON in both
//! directions, validity (check, repair, canonical form), shapes and overlay (exact shared
//! areas). It knows nothing of files, layers or indicators; loaders, queries, tiles and HTTP
//! all build on it, and it imports none of them.

pub mod crs;
pub mod geojson;
pub mod overlay;
pub mod shapes;
pub mod validity;
