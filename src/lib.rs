//! London Atlas: London's health inequalities on one map.
//!
//! Boundaries (boroughs, LSOAs, School Superzones) are loaded from the official files named in
//! a [`manifest`], repaired, indexed and joined to indicators into an [`atlas::Atlas`], which
//! answers point, polygon and rule [`query`]s in British National Grid and is served over
//! [`http`].

pub mod aggregate;
pub mod atlas;
pub mod classes;
pub mod context;
pub mod data;
pub mod fixture;
pub mod formats;
pub mod geom;
pub mod http;
pub mod indicator;
pub mod layer;
pub mod load;
pub mod manifest;
pub mod numbers;
pub mod ogc;
pub mod priority;
pub mod query;
pub mod render;
pub mod tiles;

pub use atlas::{Atlas, AtlasError, Options};
pub use manifest::Manifest;
