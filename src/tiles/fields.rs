//! Which indicator values a tile carries: all of them (the default: what GIS users and the
//! composite `atlas` tileset get), or only those a client names with `?fields=` (a web map
//! drawing one indicator needs one value per feature, not two hundred). `code`, `name`,
//! `borough` and the layer's tile properties are always carried.
//!
//! Failure modes: [`FieldsError`] names an id that no layer of the tileset carries.
//!
//! ```
//! use london_atlas::tiles::fields::Fields;
//! let some = Fields::only(["no2_2019_mean", "no2_2013_mean", "no2_2019_mean"]);
//! assert!(some.carries("no2_2013_mean") && !some.carries("population_2019"));
//! assert_eq!(some, Fields::only(["no2_2013_mean", "no2_2019_mean"])); // order and repeats do not matter
//! assert!(Fields::All.carries("anything"));
//! ```

use std::sync::Arc;

/// The indicator values a tile carries.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum Fields {
    /// Every indicator of the layer.
    #[default]
    All,
    /// Only these indicator ids (sorted, without repeats); none is allowed.
    Only(Arc<[String]>),
}

#[derive(Debug, thiserror::Error)]
#[error("unknown field \"{field}\" for tileset {tileset}: fields are indicator ids its layers carry (see /tiles/{tileset}.json)")]
pub struct FieldsError {
    pub field: String,
    pub tileset: String,
}

/// Most ids one request may name.
pub const MAX_FIELDS: usize = 16;

impl Fields {
    /// Exactly these ids.
    pub fn only<S: AsRef<str>>(ids: impl IntoIterator<Item = S>) -> Fields {
        let mut v: Vec<String> = ids.into_iter().map(|s| s.as_ref().to_string()).collect();
        v.sort();
        v.dedup();
        Fields::Only(v.into())
    }

    /// True when a tile with these fields carries indicator `id`.
    pub fn carries(&self, id: &str) -> bool {
        match self {
            Fields::All => true,
            Fields::Only(ids) => ids.binary_search_by(|x| x.as_str().cmp(id)).is_ok(),
        }
    }

    /// Reads a `fields` parameter: comma-separated ids, empty for none; each must satisfy
    /// `known`.
    pub fn parse(
        raw: &str,
        tileset: &str,
        known: impl Fn(&str) -> bool,
    ) -> Result<Fields, FieldsError> {
        let ids: Vec<&str> = raw
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        let err = |field: &str| FieldsError {
            field: field.to_string(),
            tileset: tileset.to_string(),
        };
        if ids.len() > MAX_FIELDS {
            return Err(err(&format!(
                "{} (more than {MAX_FIELDS} fields)",
                ids[MAX_FIELDS]
            )));
        }
        if let Some(bad) = ids.iter().find(|id| !known(id)) {
            return Err(err(bad));
        }
        Ok(Fields::only(ids))
    }
}
