//! The Vision's headline figures that the open data can reproduce, computed from the atlas
//! on request and set beside the Vision's own words (the manifest's `[[headline]]`s).
//!
//! Failure modes: [`QueryError`] if a headline's rule does not parse or names something the
//! atlas lacks (the manifest check makes that a bug, not bad input).

use super::select::Filter;
use super::QueryError;
use crate::atlas::Atlas;
use crate::manifest::HeadlineFigure;
use crate::numbers::{readable, thousands};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct Headline {
    pub id: String,
    /// The Vision's words.
    pub vision: String,
    /// What the data says, in a sentence.
    pub atlas: String,
    /// The figures behind the sentence, by name.
    pub figures: BTreeMap<String, f64>,
}

impl Atlas {
    /// Every headline, computed now.
    pub fn headlines(&self) -> Result<Vec<Headline>, QueryError> {
        self.headlines
            .iter()
            .map(|h| {
                let (atlas, figures) = self.headline_figures(&h.figure)?;
                Ok(Headline {
                    id: h.id.clone(),
                    vision: h.vision.clone(),
                    atlas,
                    figures,
                })
            })
            .collect()
    }

    fn headline_figures(
        &self,
        figure: &HeadlineFigure,
    ) -> Result<(String, BTreeMap<String, f64>), QueryError> {
        let mut figures = BTreeMap::new();
        let title = |id: &str| {
            self.indicator(id)
                .map(|i| i.definition.title.clone())
                .unwrap_or_else(|| id.to_string())
        };
        let sentence = match figure {
            HeadlineFigure::Select {
                layer,
                rule,
                totals,
            } => {
                let filter: Filter = rule.parse()?;
                let sel = self.select(layer, &filter)?;
                figures.insert("areas".to_string(), sel.count as f64);
                let parts: Vec<String> = totals
                    .iter()
                    .map(|id| {
                        let v = sel.totals.get(id).copied().unwrap_or(0.0);
                        figures.insert(id.clone(), v);
                        format!("{} {}", thousands(v), title(id))
                    })
                    .collect();
                format!(
                    "{} in the {} {} areas where {rule}",
                    parts.join(" and "),
                    thousands(sel.count as f64),
                    layer
                )
            }
            HeadlineFigure::London { indicators } => indicators
                .iter()
                .map(|id| {
                    let ind = self.indicator(id);
                    let v = ind.and_then(|i| i.london);
                    if let Some(v) = v {
                        figures.insert(id.clone(), v);
                    }
                    let unit = ind.map(|i| i.definition.unit.as_str()).unwrap_or("");
                    match v {
                        Some(v) => format!("{}: {} {unit} in London", title(id), readable(v)),
                        None => format!("{}: no London figure", title(id)),
                    }
                })
                .collect::<Vec<_>>()
                .join("; "),
            HeadlineFigure::Change { from, to } => {
                let london = |id: &str| self.indicator(id).and_then(|i| i.london);
                match (london(from), london(to)) {
                    (Some(a), Some(b)) => {
                        figures.insert(from.clone(), a);
                        figures.insert(to.clone(), b);
                        if a != 0.0 {
                            figures.insert("ratio".to_string(), b / a);
                        }
                        format!(
                            "{} went from {} to {} in London ({}× the first figure)",
                            title(to),
                            readable(a),
                            readable(b),
                            if a != 0.0 {
                                format!("{:.2}", b / a)
                            } else {
                                "-".into()
                            }
                        )
                    }
                    _ => format!("{} has no London figure to compare", title(to)),
                }
            }
        };
        Ok((sentence, figures))
    }
}
