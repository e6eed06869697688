//! Dissolved areas: the areas of an earlier layer merged into groups that a lookup table
//! names (e.g. the 33 boroughs into the five Integrated Care Systems). Each group's boundary
//! is the union of its members' (exact boolean union, so borders the members share vanish);
//! its members' codes are kept for aggregating values.
//!
//! Failure modes: a missing column; a lookup row naming an area the layer does not have; an
//! area of the layer that no group, or two groups, claim; a group named twice with different
//! names: each a [`LoadError`] naming the file and record or area.

use super::table::CsvFile;
use super::LoadError;
use crate::layer::{Area, Layer};
use crate::manifest::LayerSpec;
use geo::{BooleanOps, MultiPolygon};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// One group being collected: code, name, indexes of its members, kept properties.
type Group = (String, String, Vec<usize>, BTreeMap<String, String>);

/// Reads the lookup and merges `from`'s areas into one area per group, in order of first
/// appearance in the lookup.
pub fn read_dissolved(path: &Path, spec: &LayerSpec, from: &Layer) -> Result<Vec<Area>, LoadError> {
    let mut csv = CsvFile::open(path)?;
    let shown = csv.shown.clone();
    let member_field = spec.member_field.as_deref().unwrap_or_default();
    let (member_at, code_at, name_at) = (
        csv.column(member_field)?,
        csv.column(&spec.code_field)?,
        csv.column(&spec.name_field)?,
    );
    let keep_at: Vec<(String, usize)> = spec
        .keep
        .iter()
        .map(|(out, field)| Ok((out.clone(), csv.column(field)?)))
        .collect::<Result<_, LoadError>>()?;
    let mut groups: Vec<Group> = Vec::new();
    let mut group_of: HashMap<usize, String> = HashMap::new();
    for (i, record) in csv.reader.records().enumerate() {
        let err = |message: String| LoadError::Record {
            path: shown.clone(),
            record: i + 1,
            message,
        };
        let record = record.map_err(|e| err(e.to_string()))?;
        let get = |at: usize| record.get(at).unwrap_or("").trim().to_string();
        let (member, code, name) = (get(member_at), get(code_at), get(name_at));
        let m = from.area_index(&member).ok_or_else(|| {
            err(format!(
                "{member_field} {member} is not an area of layer {}",
                from.id
            ))
        })?;
        if let Some(other) = group_of.insert(m, code.clone()) {
            return Err(err(format!("{member} belongs to both {other} and {code}")));
        }
        match groups.iter_mut().find(|g| g.0 == code) {
            Some(g) if g.1 != name => {
                return Err(err(format!(
                    "{code} is called both \"{}\" and \"{name}\"",
                    g.1
                )))
            }
            Some(g) => g.2.push(m),
            None => {
                let kept = keep_at
                    .iter()
                    .map(|(k, at)| (k.clone(), get(*at)))
                    .collect();
                groups.push((code, name, vec![m], kept));
            }
        }
    }
    if let Some(a) = (0..from.areas.len()).find(|m| !group_of.contains_key(m)) {
        return Err(LoadError::Invalid {
            path: shown,
            message: format!(
                "area {} of layer {} belongs to no {}",
                from.areas[a].code, from.id, spec.code_field
            ),
        });
    }
    Ok(groups
        .into_iter()
        .map(|(code, name, members, properties)| {
            let geometry = union(members.iter().map(|&m| &from.areas[m].geometry));
            let mut area = Area::new(code, name, None, geometry);
            area.members = members
                .iter()
                .map(|&m| from.areas[m].code.clone())
                .collect();
            area.properties = properties;
            area
        })
        .collect())
}

/// The union of valid multipolygons, merged pairwise (balanced) so each step is small.
fn union<'a>(parts: impl Iterator<Item = &'a MultiPolygon<f64>>) -> MultiPolygon<f64> {
    let mut level: Vec<MultiPolygon<f64>> = parts.cloned().collect();
    while level.len() > 1 {
        level = level
            .chunks(2)
            .map(|pair| match pair {
                [a, b] => a.union(b),
                [a] => a.clone(),
                _ => MultiPolygon::new(Vec::new()),
            })
            .collect();
    }
    level.pop().unwrap_or_else(|| MultiPolygon::new(Vec::new()))
}
