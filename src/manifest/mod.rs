//! The data manifest: which files make the atlas, where each comes from (official URL,
//! licence, attribution, checksum), which layers are built from them and which indicators
//! are joined to which layer. The default manifest is `boundaries/london.toml`, compiled in.
//!
//! [`Manifest::parse`] is the only way to get a [`Manifest`]: it parses and cross-checks, and
//! its fields are private, so a `Manifest` in hand has been checked (every file a layer or
//! table reads is listed, every layer and source an indicator names exists, ids are unique).
//! The words of the domain (what an indicator means) are [`Definition`]s from
//! [`crate::indicator`], parsed in place, not copied.
//!
//! Failure modes: [`ManifestError`] for TOML that does not parse, an unknown key, or
//! references to things it does not define.

use crate::indicator::Aggregation;
use serde::Deserialize;

mod series;
mod spec;

pub use series::first_year;
pub use spec::*;
use std::collections::HashSet;
use std::path::Path;

/// The manifest shipped with London Atlas.
pub const LONDON_TOML: &str = include_str!("../../boundaries/london.toml");

#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("cannot read manifest {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("manifest {path} is not valid: {message}")]
    Parse { path: String, message: String },
    #[error("manifest {path}: {message}")]
    Inconsistent { path: String, message: String },
}

/// A checked manifest (see the module documentation).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    name: String,
    /// Attribution lines every map must show.
    #[serde(default)]
    attribution: Vec<String>,
    /// The indicator that counts residents: the `population` of polygon summaries.
    population: Option<String>,
    /// The layer whose areas are the boroughs (their names; outlines on maps).
    boroughs: Option<String>,
    #[serde(rename = "source", default)]
    sources: Vec<Source>,
    #[serde(rename = "layer", default)]
    layers: Vec<LayerSpec>,
    #[serde(rename = "indicator", default)]
    indicators: Vec<IndicatorSpec>,
    #[serde(rename = "series", default)]
    series: Vec<SeriesSpec>,
    #[serde(rename = "priority", default)]
    priorities: Vec<PrioritySpec>,
    #[serde(rename = "headline", default)]
    headlines: Vec<HeadlineSpec>,
    /// Postcode lookup for search, if the atlas has one.
    postcodes: Option<PostcodeSpec>,
    /// Places, stations, water and glyphs for search and the basemap, if the atlas has them.
    context: Option<ContextSpec>,
    /// Where `london-atlas data fetch` downloads the archive of every file listed here from,
    /// unless `--from` or `ATLAS_DATA_URL` names another mirror.
    data_url: Option<String>,
}

impl Manifest {
    /// The compiled-in London manifest.
    pub fn london() -> Result<Manifest, ManifestError> {
        Manifest::parse(LONDON_TOML, "boundaries/london.toml")
    }

    /// Reads a manifest file.
    pub fn from_path(path: &Path) -> Result<Manifest, ManifestError> {
        let text = std::fs::read_to_string(path).map_err(|source| ManifestError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Manifest::parse(&text, &path.display().to_string())
    }

    /// Parses and cross-checks a manifest; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Manifest, ManifestError> {
        let mut manifest: Manifest = toml::from_str(text).map_err(|e| ManifestError::Parse {
            path: origin.to_string(),
            message: e.to_string(),
        })?;
        let inconsistent = |message| ManifestError::Inconsistent {
            path: origin.to_string(),
            message,
        };
        if let Some(i) = manifest.indicators.iter().find(|i| {
            let named = i.series.as_ref();
            manifest.series.iter().any(|s| Some(&s.id) == named)
        }) {
            return Err(inconsistent(format!(
                "indicator {} names series {}, which a [[series]] declares: add the period there",
                i.id,
                i.series.as_deref().unwrap_or_default()
            )));
        }
        for s in &manifest.series {
            let expanded = series::expand(s).map_err(inconsistent)?;
            manifest.indicators.extend(expanded);
        }
        manifest
            .check()
            .map_err(|message| ManifestError::Inconsistent {
                path: origin.to_string(),
                message,
            })?;
        Ok(manifest)
    }

    /// The atlas's name (e.g. "London").
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Attribution lines every map must show.
    pub fn attribution(&self) -> &[String] {
        &self.attribution
    }

    /// The indicator that counts residents, if the manifest names one.
    pub fn population(&self) -> Option<&str> {
        self.population.as_deref()
    }

    /// The layer whose areas are the boroughs, if the manifest names one.
    pub fn boroughs(&self) -> Option<&str> {
        self.boroughs.as_deref()
    }

    pub fn sources(&self) -> &[Source] {
        &self.sources
    }

    pub fn layers(&self) -> &[LayerSpec] {
        &self.layers
    }

    /// Every indicator, those of each series included (one per period, after the others).
    pub fn indicators(&self) -> &[IndicatorSpec] {
        &self.indicators
    }

    /// The series as declared; their indicators are in [`Manifest::indicators`].
    pub fn series(&self) -> &[SeriesSpec] {
        &self.series
    }

    /// The Vision's priorities and the extra groups, in manifest order.
    pub fn priorities(&self) -> &[PrioritySpec] {
        &self.priorities
    }

    pub fn headlines(&self) -> &[HeadlineSpec] {
        &self.headlines
    }

    pub fn postcodes(&self) -> Option<&PostcodeSpec> {
        self.postcodes.as_ref()
    }

    pub fn context(&self) -> Option<&ContextSpec> {
        self.context.as_ref()
    }

    /// The default mirror of the data archive (`data_url`), if the manifest names one.
    pub fn data_url(&self) -> Option<&str> {
        self.data_url.as_deref()
    }

    /// The source that lists `path`, if any.
    pub fn source_of(&self, path: &str) -> Option<&Source> {
        self.sources
            .iter()
            .find(|s| s.files.iter().any(|f| f.path == path))
    }

    pub fn file(&self, path: &str) -> Option<&FileSpec> {
        self.sources
            .iter()
            .flat_map(|s| &s.files)
            .find(|f| f.path == path)
    }

    pub fn source(&self, id: &str) -> Option<&Source> {
        self.sources.iter().find(|s| s.id == id)
    }

    fn check(&self) -> Result<(), String> {
        let mut files = HashSet::new();
        for f in self.sources.iter().flat_map(|s| &s.files) {
            if !files.insert(f.path.as_str()) {
                return Err(format!("file {} is listed twice", f.path));
            }
        }
        let mut layers = HashSet::new();
        for l in &self.layers {
            if !layers.insert(l.id.as_str()) {
                return Err(format!("layer {} is defined twice", l.id));
            }
            if !files.contains(l.file.as_str()) {
                return Err(format!(
                    "layer {} reads {}, which no [[source]] lists",
                    l.id, l.file
                ));
            }
        }
        for (k, l) in self.layers.iter().enumerate() {
            if let Some(p) = l.tile_properties.iter().find(|p| !l.keep.contains_key(*p)) {
                return Err(format!(
                    "layer {} puts {p} in tiles but does not keep it (add it to [layer.keep])",
                    l.id
                ));
            }
            if l.format == Format::Dissolve {
                let earlier = l
                    .from
                    .as_deref()
                    .is_some_and(|f| self.layers[..k].iter().any(|e| e.id == f));
                if !earlier || l.member_field.is_none() {
                    return Err(format!(
                        "layer {} dissolves another layer: it needs `from` (a layer listed before it) and `member_field`",
                        l.id
                    ));
                }
            }
        }
        let priorities = self.check_priorities()?;
        let indicators: HashSet<&str> = self.indicators.iter().map(|i| i.id.as_str()).collect();
        if indicators.len() != self.indicators.len() {
            let mut seen = HashSet::new();
            let twice = self.indicators.iter().find(|i| !seen.insert(&i.id));
            return Err(format!(
                "indicator {} is defined twice",
                twice.map(|i| i.id.as_str()).unwrap_or("?")
            ));
        }
        for i in &self.indicators {
            self.check_indicator(i, &files, &layers, &indicators, &priorities)?;
        }
        self.check_headlines(&layers, &indicators)?;
        if let Some(p) = &self.postcodes {
            if let Some(f) = [&p.units, &p.districts, &p.sectors]
                .into_iter()
                .find(|f| !files.contains(f.as_str()))
            {
                return Err(format!("postcodes read {f}, which no [[source]] lists"));
            }
        }
        if let Some(c) = &self.context {
            if let Some(f) = [&c.places, &c.rail_stations, &c.tfl_stations, &c.water]
                .into_iter()
                .find(|f| !files.contains(f.as_str()))
            {
                return Err(format!("context reads {f}, which no [[source]] lists"));
            }
            if let Some(o) = c
                .outlines
                .iter()
                .find(|o| !layers.contains(o.layer.as_str()))
            {
                return Err(format!("context outline names unknown layer {}", o.layer));
            }
            let folder = format!("{}/", c.glyphs.trim_end_matches('/'));
            if !files
                .iter()
                .any(|f| f.starts_with(&folder) && f.ends_with(".pbf"))
            {
                return Err(format!(
                    "context glyphs {} holds no .pbf file that a [[source]] lists",
                    c.glyphs
                ));
            }
        }
        let named = |what: &str, id: Option<&str>, known: &HashSet<&str>| match id {
            Some(id) if !known.contains(id) => Err(format!("{what} names unknown {id}")),
            _ => Ok(()),
        };
        named("population", self.population(), &indicators)?;
        named("boroughs", self.boroughs(), &layers)?;
        Ok(())
    }

    fn check_priorities(&self) -> Result<HashSet<&str>, String> {
        let mut ids = HashSet::new();
        let mut numbers = HashSet::new();
        for p in &self.priorities {
            if !ids.insert(p.id.as_str()) {
                return Err(format!("priority {} is defined twice", p.id));
            }
            if let Some(n) = p.number {
                if !(1..=10).contains(&n) || !numbers.insert(n) {
                    return Err(format!(
                        "priority {} has number {n}: numbers are 1 to 10, each used once",
                        p.id
                    ));
                }
            }
        }
        Ok(ids)
    }

    fn check_indicator(
        &self,
        i: &IndicatorSpec,
        files: &HashSet<&str>,
        layers: &HashSet<&str>,
        indicators: &HashSet<&str>,
        priorities: &HashSet<&str>,
    ) -> Result<(), String> {
        let def = &i.definition;
        if let Some(key) = i.unknown.keys().next() {
            return Err(format!("indicator {} has an unknown key \"{key}\"", i.id));
        }
        if self.source(&i.source).is_none() {
            return Err(format!(
                "indicator {} names unknown source {}",
                i.id, i.source
            ));
        }
        if !priorities.contains(i.priority.as_str()) {
            return Err(format!(
                "indicator {} names unknown priority {}",
                i.id, i.priority
            ));
        }
        if def.year == 0 {
            return Err(format!("indicator {} has no year", i.id));
        }
        if def.threshold.is_some() && def.threshold_name.is_none() {
            return Err(format!(
                "indicator {} has a threshold but no threshold_name saying what it is",
                i.id
            ));
        }
        // One sentence for residents: refused when empty, when it ends with a comma, or when
        // ". " is followed by a capital letter (a second sentence).
        let plain = def.plain.trim();
        if plain.is_empty() {
            return Err(format!("indicator {} has no plain description", i.id));
        }
        let second_sentence = plain
            .match_indices(". ")
            .any(|(k, _)| plain[k + 2..].starts_with(char::is_uppercase));
        if plain.ends_with(',') || second_sentence {
            return Err(format!(
                "indicator {} has a plain description that ends with a comma or holds a second sentence (\". \" then a capital): write one sentence",
                i.id
            ));
        }
        for t in &i.tables {
            if !layers.contains(t.layer.as_str()) {
                return Err(format!(
                    "indicator {} joins to unknown layer {}",
                    i.id, t.layer
                ));
            }
            if !files.contains(t.file.as_str()) {
                return Err(format!(
                    "indicator {} reads {}, which no [[source]] lists",
                    i.id, t.file
                ));
            }
        }
        for d in &i.derives {
            if let Some(l) = [&d.layer, &d.from]
                .into_iter()
                .find(|l| !layers.contains(l.as_str()))
            {
                return Err(format!("indicator {} derives with unknown layer {l}", i.id));
            }
            if def.aggregation == Aggregation::None {
                return Err(format!(
                    "indicator {} has aggregation none and cannot be derived",
                    i.id
                ));
            }
        }
        match (&i.ratio, i.tables.is_empty()) {
            (Some(r), true) => {
                for part in [&r.numerator, &r.denominator] {
                    if !indicators.contains(part.as_str()) || part == &i.id {
                        return Err(format!(
                            "indicator {} divides unknown indicator {part}",
                            i.id
                        ));
                    }
                }
                if let Some(l) = r.layers.iter().find(|l| !layers.contains(l.as_str())) {
                    return Err(format!(
                        "indicator {} is computed on unknown layer {l}",
                        i.id
                    ));
                }
                if r.layers.is_empty() || !r.per.is_finite() || r.per <= 0.0 {
                    return Err(format!(
                        "indicator {}: a ratio needs layers and a positive per",
                        i.id
                    ));
                }
                Ok(())
            }
            (Some(_), false) => Err(format!(
                "indicator {} is both published (a table) and computed (a ratio)",
                i.id
            )),
            (None, true) => Err(format!(
                "indicator {} has no values: give it a [[indicator.table]] or an [indicator.ratio]",
                i.id
            )),
            (None, false) => Ok(()),
        }
    }

    fn check_headlines(
        &self,
        layers: &HashSet<&str>,
        indicators: &HashSet<&str>,
    ) -> Result<(), String> {
        for h in &self.headlines {
            let (named_layers, named): (Vec<&String>, Vec<&String>) = match &h.figure {
                HeadlineFigure::Select { layer, totals, .. } => {
                    (vec![layer], totals.iter().collect())
                }
                HeadlineFigure::London { indicators } => (vec![], indicators.iter().collect()),
                HeadlineFigure::Change { from, to } => (vec![], vec![from, to]),
            };
            if let Some(l) = named_layers.iter().find(|l| !layers.contains(l.as_str())) {
                return Err(format!("headline {} names unknown layer {l}", h.id));
            }
            if let Some(i) = named.iter().find(|i| !indicators.contains(i.as_str())) {
                return Err(format!("headline {} names unknown indicator {i}", h.id));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_london_manifest_parses_and_is_consistent() {
        let m = Manifest::london().expect("london manifest");
        let ids: Vec<_> = m.layers().iter().map(|l| l.id.as_str()).collect();
        assert_eq!(
            ids,
            ["boroughs", "lsoa11", "lsoa21", "wards", "ics", "superzones"]
        );
        for id in [
            "imd2019_score",
            "imd2019_decile",
            "imd2025_score",
            "imd2025_decile",
        ] {
            assert!(m.indicators().iter().any(|i| i.id == id), "{id}");
        }
        assert_eq!(m.population(), Some("population_2019"));
        assert_eq!(m.boroughs(), Some("boroughs"));
        for s in m.sources() {
            assert!(
                s.url.starts_with("https://"),
                "{} has no official URL",
                s.id
            );
        }
    }

    #[test]
    fn a_layer_reading_an_unlisted_file_is_refused() {
        let text = r#"
name = "t"
[[layer]]
id = "a"
title = "A"
format = "shapefile"
file = "nowhere.shp"
code_field = "C"
name_field = "N"
"#;
        let err = Manifest::parse(text, "t.toml").expect_err("must fail");
        assert!(err.to_string().contains("nowhere.shp"), "{err}");
    }

    /// A one-indicator manifest whose indicator has `plain = <plain>` (`plain` is TOML).
    fn one_indicator(plain: &str) -> String {
        format!(
            r#"
name = "t"
[[source]]
id = "s"
title = "S"
publisher = "P"
url = "https://example.org"
licence = "OGL"
attribution = "A"
[[source.file]]
path = "f.csv"
[[layer]]
id = "l"
title = "L"
format = "shapefile"
file = "f.csv"
code_field = "C"
name_field = "N"
[[priority]]
id = "p"
title = "P"
[[indicator]]
id = "x"
source = "s"
priority = "p"
title = "X"
unit = "u"
year = 2020
polarity = "neutral"
aggregation = "sum"
plain = {plain}
[[indicator.table]]
layer = "l"
file = "f.csv"
key = "C"
column = "x"
"#
        )
    }

    #[test]
    fn an_indicator_needs_one_plain_sentence() {
        Manifest::parse(
            &one_indicator(r#""What x counts. it matters, e.g. here.""#),
            "t.toml",
        )
        .expect("one sentence is accepted");
        for (plain, refusal) in [
            (r#""""#, "indicator x has no plain description"),
            (r#""  ""#, "indicator x has no plain description"),
            (r#""What x counts,""#, "ends with a comma"),
            (r#""What x counts. It matters.""#, "second sentence"),
        ] {
            let err = Manifest::parse(&one_indicator(plain), "t.toml").expect_err(plain);
            assert!(err.to_string().contains(refusal), "{plain}: {err}");
        }
    }

    #[test]
    fn a_misspelt_indicator_key_is_refused_by_name() {
        let text = r#"
name = "t"
[[source]]
id = "s"
title = "S"
publisher = "P"
url = "https://example.org"
licence = "OGL"
attribution = "A"
[[priority]]
id = "p"
title = "P"
[[indicator]]
id = "x"
source = "s"
priority = "p"
title = "X"
unit = "u"
year = 2020
polarity = "neutral"
aggregation = "sum"
threshhold = 4
"#;
        let err = Manifest::parse(text, "t.toml").expect_err("must fail");
        assert!(
            err.to_string().contains("unknown key \"threshhold\""),
            "{err}"
        );
    }
}
