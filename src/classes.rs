//! Map classes: the one definition of how an indicator's values are cut into classes and
//! which colour each class gets. The style endpoint, the web map (through `/api/indicators`),
//! tables and any future renderer all read these; nothing else decides a break or a colour.
//!
//! Breaks: the manifest's breaks for the indicator (its threshold, e.g. NO2's legal limit of
//! 40 µg/m³, always one of them). Counts (indicators that add up) change scale with the size
//! of the areas, so their breaks are the sextiles of each layer's own values, rounded to two
//! significant figures; so are the breaks of any indicator the manifest gives none.
//! Colours: ColorBrewer ramps, colour-blind safe, sampled evenly for the number of classes;
//! darker always means worse whatever the polarity (lower-is-worse classes run dark to light);
//! deprivation has its own hue so it never reads as pollution; neutral counts are blue.
//!
//! Failure modes: none. A layer without a single value gets no breaks and one class.
//!
//! ```
//! use london_atlas::classes::{Classes, Palette};
//! use london_atlas::indicator::Polarity;
//! let c = Classes::from_breaks(vec![20.0, 40.0], Palette::Worse, Polarity::HigherIsWorse);
//! assert_eq!(c.colours.len(), 3);
//! assert_eq!(c.class_of(40.0), 2); // a value on a break belongs to the class above
//! assert_eq!(c.colour_of(None), london_atlas::classes::NO_DATA);
//! ```

use crate::indicator::Polarity;
use serde::{Deserialize, Serialize};

/// Colour of areas without a value.
pub const NO_DATA: &str = "#bdbdbd";

/// Classes of counts and of indicators without manifest breaks: sextiles.
pub const QUANTILE_CLASSES: usize = 6;

/// Which colour ramp an indicator is drawn with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Palette {
    /// Yellow-orange-red, for anything where more is worse (pollution, ill health).
    Worse,
    /// Red-purple, for deprivation, so it never looks like pollution.
    Deprivation,
    /// Purple-blue, for counts that are neither good nor bad.
    Neutral,
    /// Diverging blue-grey-red, for changes: blue where values fell, red where they rose
    /// (reversed for lower-is-worse measures, so red is always the worse way).
    Change,
}

impl Palette {
    /// The palette an indicator gets when the manifest names none.
    pub fn for_polarity(polarity: Polarity) -> Palette {
        match polarity {
            Polarity::Neutral => Palette::Neutral,
            Polarity::HigherIsWorse | Polarity::LowerIsWorse => Palette::Worse,
        }
    }

    /// The ramp's anchor colours, light to dark.
    fn ramp(self) -> &'static [&'static str] {
        match self {
            // ColorBrewer YlOrRd with a darker end.
            Palette::Worse => &[
                "#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c",
                "#bd0026", "#800026", "#4a0016",
            ],
            // ColorBrewer RdPu.
            Palette::Deprivation => &[
                "#fff7f3", "#fde0dd", "#fcc5c0", "#fa9fb5", "#f768a1", "#dd3497", "#ae017e",
                "#7a0177", "#49006a",
            ],
            // ColorBrewer RdBu (5), blue for falls.
            Palette::Change => &["#2166ac", "#92c5de", "#f7f7f7", "#f4a582", "#b2182b"],
            // ColorBrewer PuBu.
            Palette::Neutral => &[
                "#fff7fb", "#ece7f2", "#d0d1e6", "#a6bddb", "#74a9cf", "#3690c0", "#0570b0",
                "#045a8d", "#023858",
            ],
        }
    }
}

/// The classes of one indicator on one layer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Classes {
    /// Ascending; a value equal to a break belongs to the class above it.
    pub breaks: Vec<f64>,
    /// One colour per class (`breaks.len() + 1`), lowest values first, `#rrggbb`.
    pub colours: Vec<String>,
    pub palette: Palette,
    /// Colour of areas without a value.
    pub no_data: &'static str,
}

impl Classes {
    /// Classes for these breaks (sorted and deduplicated here) drawn with `palette`.
    pub fn from_breaks(mut breaks: Vec<f64>, palette: Palette, polarity: Polarity) -> Classes {
        breaks.retain(|b| b.is_finite());
        breaks.sort_by(f64::total_cmp);
        breaks.dedup();
        let mut colours = sample_ramp(palette.ramp(), breaks.len() + 1);
        if polarity == Polarity::LowerIsWorse {
            colours.reverse();
        }
        Classes {
            breaks,
            colours,
            palette,
            no_data: NO_DATA,
        }
    }

    /// Index of the class of `value` (0 = lowest values).
    pub fn class_of(&self, value: f64) -> usize {
        self.breaks.iter().take_while(|b| value >= **b).count()
    }

    /// The colour an area with this value is drawn in.
    pub fn colour_of(&self, value: Option<f64>) -> &str {
        match value.filter(|v| v.is_finite()) {
            Some(v) => &self.colours[self.class_of(v)],
            None => self.no_data,
        }
    }
}

/// Classes of a change between two periods: five classes symmetric about zero (much lower,
/// lower, about the same, higher, much higher), the outer breaks at the 90th percentile of
/// the absolute changes, rounded to two significant figures.
pub fn change_classes(changes: impl Iterator<Item = f64>, polarity: Polarity) -> Classes {
    let mut abs: Vec<f64> = changes.filter(|v| v.is_finite()).map(f64::abs).collect();
    abs.sort_by(f64::total_cmp);
    let m = abs
        .get((abs.len() * 9 / 10).min(abs.len().saturating_sub(1)))
        .copied()
        .map(two_significant_figures)
        .filter(|m| *m > 0.0)
        .unwrap_or(1.0);
    let inner = two_significant_figures(m / 3.0);
    let breaks = vec![-m, -inner, inner, m];
    Classes::from_breaks(breaks, Palette::Change, polarity)
}

/// The breaks an indicator is drawn with on a layer: `fixed` (the manifest's, with the
/// threshold added) unless empty or the values are counts, else the layer's sextiles.
pub fn breaks_for(
    fixed: &[f64],
    threshold: Option<f64>,
    counts: bool,
    values: impl Iterator<Item = f64>,
) -> Vec<f64> {
    if !fixed.is_empty() && !counts {
        let mut b = fixed.to_vec();
        b.extend(threshold);
        return b;
    }
    quantile_breaks(values, QUANTILE_CLASSES)
}

/// Breaks cutting the values into `classes` groups of about equal size, each rounded to two
/// significant figures, strictly ascending; none when there are fewer values than classes.
pub fn quantile_breaks(values: impl Iterator<Item = f64>, classes: usize) -> Vec<f64> {
    let mut v: Vec<f64> = values.filter(|x| x.is_finite()).collect();
    if v.len() < classes || classes < 2 {
        return Vec::new();
    }
    v.sort_by(f64::total_cmp);
    let mut out: Vec<f64> = Vec::with_capacity(classes - 1);
    for k in 1..classes {
        let q = two_significant_figures(v[k * v.len() / classes]);
        if out.last().is_none_or(|last| q > *last) {
            out.push(q);
        }
    }
    out
}

fn two_significant_figures(x: f64) -> f64 {
    if x == 0.0 {
        return 0.0;
    }
    let p = 10f64.powf(x.abs().log10().floor() - 1.0);
    (x / p).round() * p
}

/// `n` colours spread evenly along a ramp, interpolated in sRGB, light to dark; one class gets
/// the darkest colour.
pub fn sample_ramp(ramp: &[&str], n: usize) -> Vec<String> {
    let rgb: Vec<[f64; 3]> = ramp.iter().map(|c| parse_hex(c)).collect();
    let last = rgb.len() - 1;
    if n <= 1 {
        return vec![ramp[last].to_string()];
    }
    (0..n)
        .map(|i| {
            let t = i as f64 / (n - 1) as f64 * last as f64;
            let lo = (t.floor() as usize).min(last);
            let hi = (lo + 1).min(last);
            let f = t - lo as f64;
            let c: Vec<u8> = (0..3)
                .map(|j| (rgb[lo][j] + (rgb[hi][j] - rgb[lo][j]) * f).round() as u8)
                .collect();
            format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2])
        })
        .collect()
}

fn parse_hex(c: &str) -> [f64; 3] {
    let byte = |k: usize| {
        c.get(1 + 2 * k..3 + 2 * k)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .unwrap_or(0) as f64
    };
    [byte(0), byte(1), byte(2)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ramps_run_light_to_dark_and_keep_the_anchors_ends() {
        let c = sample_ramp(Palette::Worse.ramp(), 10);
        assert_eq!(c, Palette::Worse.ramp());
        let seven = sample_ramp(Palette::Neutral.ramp(), 7);
        assert_eq!(
            (seven[0].as_str(), seven[6].as_str()),
            ("#fff7fb", "#023858")
        );
        assert_eq!(sample_ramp(Palette::Worse.ramp(), 1), ["#4a0016"]);
    }

    #[test]
    fn lower_is_worse_classes_run_dark_to_light() {
        let c = Classes::from_breaks(vec![1.5, 2.5], Palette::Deprivation, Polarity::LowerIsWorse);
        assert_eq!(c.colours.first().map(String::as_str), Some("#49006a"));
        assert_eq!(c.colour_of(Some(1.0)), "#49006a");
        assert_eq!(c.colour_of(Some(f64::NAN)), NO_DATA);
    }

    #[test]
    fn quantile_breaks_are_rounded_ascending_and_need_enough_values() {
        let b = quantile_breaks((1..=600).map(f64::from), 6);
        assert_eq!(b, [100.0, 200.0, 300.0, 400.0, 500.0]);
        assert!(quantile_breaks([1.0, 2.0].into_iter(), 6).is_empty());
        let same = quantile_breaks(std::iter::repeat_n(7.0, 60), 6);
        assert_eq!(same, [7.0]);
        assert_eq!(two_significant_figures(1849.0), 1800.0);
        assert_eq!(two_significant_figures(0.01234), 0.012);
    }

    #[test]
    fn change_classes_are_symmetric_and_red_is_the_worse_way() {
        let c = change_classes((-100..=100).map(f64::from), Polarity::HigherIsWorse);
        assert_eq!(c.breaks, [-90.0, -30.0, 30.0, 90.0]);
        assert_eq!(c.colour_of(Some(95.0)), "#b2182b");
        let d = change_classes((-100..=100).map(f64::from), Polarity::LowerIsWorse);
        assert_eq!(d.colour_of(Some(-95.0)), "#b2182b");
        assert_eq!(d.colour_of(Some(0.0)), "#f7f7f7");
    }

    #[test]
    fn fixed_breaks_gain_the_threshold_but_counts_use_their_own_sextiles() {
        let b = breaks_for(&[20.0, 30.0], Some(40.0), false, std::iter::empty());
        assert_eq!(b, [20.0, 30.0, 40.0]);
        let counts = breaks_for(&[20.0], None, true, (1..=60).map(f64::from));
        assert_eq!(counts, [11.0, 21.0, 31.0, 41.0, 51.0]);
    }
}
