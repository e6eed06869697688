//! Questions planners ask of the atlas, answered in British National Grid on the original
//! geometry: which areas contain a point, what a drawn polygon touches and adds up to, which
//! areas break a rule, and one area's profile against London.

pub mod boundary;
pub mod catalog;
pub mod change;
pub mod headlines;
pub mod names;
pub mod point;
pub mod polygon;
pub mod postcode;
pub mod profile;
pub mod scorecard;
pub mod search;
pub mod select;
pub mod upload;
pub mod values;

/// Bad input to a query. Every message is a sentence naming the problem, fit for a user.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum QueryError {
    #[error("{0}")]
    BadParameter(String),
    #[error("unknown layer \"{0}\"; the layers are {1}")]
    UnknownLayer(String, String),
    #[error("unknown indicator \"{indicator}\" for layer {layer}; it has {available}")]
    UnknownIndicator {
        indicator: String,
        layer: String,
        available: String,
    },
    #[error("layer {layer} has no area with code \"{code}\"")]
    UnknownArea { layer: String, code: String },
    #[error("{0}")]
    BadGeometry(String),
    #[error("the polygon has {count} vertices; the limit is {max}")]
    TooManyVertices { count: usize, max: usize },
    #[error("the polygon is too intricate to answer within {0} s; simplify it (fewer, longer edges) and try again")]
    TooComplex(f64),
}

impl QueryError {
    /// True for lookups of things that do not exist (a layer, an area, an indicator on a
    /// layer), false for malformed input.
    pub fn is_not_found(&self) -> bool {
        matches!(
            self,
            QueryError::UnknownArea { .. }
                | QueryError::UnknownLayer(..)
                | QueryError::UnknownIndicator { .. }
        )
    }
}

use crate::atlas::Atlas;
use crate::layer::{Column, Layer};

impl Atlas {
    /// The layer with this id, or an error listing the layers.
    pub fn require_layer(&self, id: &str) -> Result<&Layer, QueryError> {
        self.layer(id).ok_or_else(|| {
            QueryError::UnknownLayer(
                id.to_string(),
                self.layers
                    .iter()
                    .map(|l| l.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            )
        })
    }

    /// The index of the area with `code` in `layer`, or an error naming both.
    pub fn require_area(&self, layer: &Layer, code: &str) -> Result<usize, QueryError> {
        layer
            .area_index(code)
            .ok_or_else(|| QueryError::UnknownArea {
                layer: layer.id.clone(),
                code: code.to_string(),
            })
    }

    /// The column of `indicator` on `layer`, or an error listing the layer's indicators.
    pub fn require_column<'a>(
        &self,
        layer: &'a Layer,
        indicator: &str,
    ) -> Result<&'a Column, QueryError> {
        layer
            .columns
            .get(indicator)
            .ok_or_else(|| QueryError::UnknownIndicator {
                indicator: indicator.to_string(),
                layer: layer.id.clone(),
                available: layer.columns.keys().cloned().collect::<Vec<_>>().join(", "),
            })
    }
}
