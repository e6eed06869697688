//! Scorecards: every priority of the Vision for one place (a borough, a care system, or
//! London as a whole) with each of its measures: the latest value, its period, London's and
//! England's figures, how it compares with England, its trend over the series, and its rank.
//! The view a director of public health brings to a meeting.
//!
//! Failure modes: [`QueryError`] for an unknown layer or area.

use super::QueryError;
use crate::atlas::Atlas;
use crate::indicator::{Comparison, Indicator, Polarity};
use crate::layer::Layer;
use serde::Serialize;

/// Pseudo-layer id of the scorecard for London as a whole.
pub const LONDON: &str = "london";

#[derive(Debug, Clone, Serialize)]
pub struct Scorecard {
    pub layer: String,
    pub code: String,
    pub name: String,
    pub priorities: Vec<PriorityCard>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PriorityCard {
    pub id: String,
    pub number: Option<u8>,
    pub title: String,
    /// The measures the Vision tracks, in its words.
    pub measures: Vec<String>,
    pub note: String,
    pub rows: Vec<Measure>,
}

/// One measure of a priority for the place: its latest period.
#[derive(Debug, Clone, Serialize)]
pub struct Measure {
    pub indicator: String,
    pub series: Option<String>,
    pub title: String,
    pub unit: String,
    pub period: String,
    pub polarity: Polarity,
    pub value: Option<f64>,
    pub london: Option<f64>,
    pub england: Option<f64>,
    pub comparison: Option<Comparison>,
    pub trend: Option<Trend>,
    /// 1 = worst of the layer's areas; none for London.
    pub rank: Option<usize>,
    pub of: usize,
}

/// How a measure moved from its series' first period with a value to its latest.
#[derive(Debug, Clone, Serialize)]
pub struct Trend {
    pub from_period: String,
    pub from_value: f64,
    pub change: f64,
    /// "better", "worse" or "no change" (or "up"/"down" for neutral measures).
    pub direction: &'static str,
}

/// Where a scorecard's values come from: one area of a layer, or London's figures.
#[derive(Clone, Copy)]
enum Place<'a> {
    Area(&'a Layer, usize),
    London,
}

impl Atlas {
    /// The scorecard of area `code` of `layer_id`, or of London when `layer_id` is
    /// [`LONDON`].
    pub fn scorecard(&self, layer_id: &str, code: &str) -> Result<Scorecard, QueryError> {
        if layer_id == LONDON {
            return Ok(self.card(Place::London, LONDON, &self.name));
        }
        let layer = self.require_layer(layer_id)?;
        let i = self.require_area(layer, code)?;
        let mut card = self.card(Place::Area(layer, i), code, &layer.areas[i].name);
        card.layer = layer.id.clone();
        Ok(card)
    }

    fn card(&self, place: Place<'_>, code: &str, name: &str) -> Scorecard {
        let priorities = self
            .priorities
            .iter()
            .map(|p| {
                let mut rows: Vec<Measure> = p
                    .series
                    .iter()
                    .filter_map(|s| self.series_measure(place, s))
                    .collect();
                rows.extend(
                    p.indicators
                        .iter()
                        .filter_map(|id| self.indicator(id))
                        .filter(|ind| ind.series.is_none())
                        .filter_map(|ind| self.measure(place, ind, None)),
                );
                PriorityCard {
                    id: p.id.clone(),
                    number: p.number,
                    title: p.title.clone(),
                    measures: p.measures.clone(),
                    note: p.note.clone(),
                    rows,
                }
            })
            .collect();
        Scorecard {
            layer: LONDON.to_string(),
            code: code.to_string(),
            name: name.to_string(),
            priorities,
        }
    }

    /// The latest period of a series the place has, with its trend.
    fn series_measure(&self, place: Place<'_>, series: &str) -> Option<Measure> {
        let s = self.series_by_id(series)?;
        let value_of = |id: &str| match place {
            Place::Area(layer, i) => layer.value(id, i),
            Place::London => self.indicator(id).and_then(|x| x.london),
        };
        let carried: Vec<&(String, String)> = s
            .members
            .iter()
            .filter(|(_, id)| match place {
                Place::Area(layer, _) => layer.columns.contains_key(id),
                Place::London => self.indicator(id).is_some_and(|x| x.london.is_some()),
            })
            .collect();
        let (_, latest) = carried.last()?;
        let first = carried
            .iter()
            .find_map(|(period, id)| value_of(id).map(|v| (period, v)));
        let trend = match (first, value_of(latest)) {
            (Some((period, from)), Some(to))
                if carried.len() > 1 && *period != carried[carried.len() - 1].0 =>
            {
                Some(Trend {
                    from_period: period.clone(),
                    from_value: from,
                    change: to - from,
                    direction: direction(to - from, s.polarity),
                })
            }
            _ => None,
        };
        self.measure(place, self.indicator(latest)?, trend)
    }

    fn measure(&self, place: Place<'_>, ind: &Indicator, trend: Option<Trend>) -> Option<Measure> {
        let def = &ind.definition;
        let (value, comparison, rank, of) = match place {
            Place::Area(layer, i) => {
                let col = layer.columns.get(&ind.id)?;
                let value = col.values[i];
                let (rank, of) = ind.rank_in(value, &col.values);
                (value, col.comparison(i), rank, of)
            }
            Place::London => (ind.london, None, None, 0),
        };
        Some(Measure {
            indicator: ind.id.clone(),
            series: ind.series.clone(),
            title: def.title.clone(),
            unit: def.unit.clone(),
            period: def.period.clone().unwrap_or_else(|| def.year.to_string()),
            polarity: def.polarity,
            value,
            london: ind.london,
            england: ind.reference.as_ref().and_then(|r| r.value),
            comparison,
            trend,
            rank,
            of,
        })
    }
}

/// Which way a change went for a measure of this polarity.
pub fn direction(change: f64, polarity: Polarity) -> &'static str {
    if change.abs() < 1e-9 {
        return "no change";
    }
    match (polarity, change > 0.0) {
        (Polarity::HigherIsWorse, true) | (Polarity::LowerIsWorse, false) => "worse",
        (Polarity::HigherIsWorse, false) | (Polarity::LowerIsWorse, true) => "better",
        (Polarity::Neutral, true) => "up",
        (Polarity::Neutral, false) => "down",
    }
}
