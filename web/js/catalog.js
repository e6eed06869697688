// Catalog: turns /api/indicators and /api/layers into what the page offers. Owns indicator
// families (one id per year: NO2 2013/2016/2019, IMD 2019/2025), which layer draws an indicator
// for a chosen geography (IMD 2025 lives on 2021 LSOAs), an indicator's colour classes on a
// layer as the server defines them (/api/indicators `classes`, the same object the
// /styles/{indicator}.json style draws with), the bivariate view's own 3x3 palette, and number
// formatting.

/** Bivariate 3x3 palette (Joshua Stevens' pink/teal scheme), index = 3 * deprivation + no2. */
export const BIVARIATE = [
  '#e8e8e8', '#e4acac', '#c85a5a',
  '#b0d5df', '#ad9ea5', '#985356',
  '#64acbe', '#627f8c', '#574249',
];
/** NO2 class edges for the bivariate view (µg/m³): below 30, 30 to 40, 40 (the legal limit) and above. */
export const BIVAR_NO2 = [30, 40];
/** IMD national decile groups for the bivariate view: 8-10 least, 4-7 middle, 1-3 most deprived. */
export const BIVAR_DECILE = [3.5, 7.5];

export const GEO_LABEL = {
  boroughs: 'boroughs',
  lsoa11: 'neighbourhoods (2011 LSOAs)',
  lsoa21: 'neighbourhoods (2021 LSOAs)',
  superzones: 'school zones (400 m around each school)',
};

/** Family key: the id without its year (no2_2019_mean -> no2_mean, imd2025_decile -> imd_decile). */
export function familyOf(id) {
  return id.replace(/_?\d{4}(?=_|$)/, '');
}

/** Title without its year, for the indicator menu. */
export function familyTitle(title) {
  return title.replace(/\s*\(mid-\d{4}\)/, '').replace(/\s+\d{4}(?=,|$)/, '').trim();
}

export class Catalog {
  constructor(indicators, layers) {
    this.indicators = indicators;
    this.byId = new Map(indicators.map(i => [i.id, i]));
    this.layers = new Map(layers.map(l => [l.id, l]));
    this.families = [];
    const seen = new Map();
    for (const i of indicators) {
      const key = familyOf(i.id);
      if (!seen.has(key)) {
        const fam = { key, title: familyTitle(i.title), members: [] };
        seen.set(key, fam);
        this.families.push(fam);
      }
      seen.get(key).members.push(i);
    }
    for (const f of this.families) f.members.sort((a, b) => a.year - b.year);
    this.familyByKey = seen;
  }

  indicator(id) { return this.byId.get(id); }

  family(id) { return this.familyByKey.get(familyOf(id)); }

  /** The indicator of the same family for another year, or undefined. */
  withYear(id, year) {
    const fam = this.family(id);
    return fam && fam.members.find(m => String(m.year) === String(year));
  }

  /**
   * Which atlas layer to draw for a geography choice. geo is 'auto' | 'boroughs' | 'lsoa' |
   * 'superzones'; auto means boroughs below zoom 10.5 and LSOAs above. Returns {layer, note}.
   */
  layerFor(ind, geo, zoom) {
    const has = l => ind.layers.includes(l);
    const lsoa = has('lsoa11') ? 'lsoa11' : (has('lsoa21') ? 'lsoa21' : null);
    let want = geo;
    if (geo === 'auto') want = zoom < 10.5 ? 'boroughs' : 'lsoa';
    if (want === 'lsoa') want = lsoa;
    if (want && has(want)) return { layer: want, note: null };
    const fallback = lsoa || ind.layers[0];
    const asked = geo === 'auto' ? null : (geo === 'lsoa' ? 'neighbourhoods' : GEO_LABEL[geo]);
    return {
      layer: fallback,
      note: asked ? `${ind.title} is not published for ${asked}; showing ${GEO_LABEL[fallback]}.` : null,
    };
  }

  /**
   * Colour classes of an indicator on a layer, exactly as the server defines them (the same
   * classes /styles/{indicator}.json draws with): {breaks, colors, noData}, colors.length ==
   * breaks.length + 1, lowest values first (already dark-to-light for lower-is-worse
   * indicators, so darker is always worse; never reverse them here).
   */
  classes(ind, layer) {
    const c = ind.classes && ind.classes[layer];
    if (!c) throw new Error(`the server sent no colour classes for ${ind.id} on ${layer}`);
    return { breaks: c.breaks, colors: c.colours, noData: c.no_data };
  }
}

/** Class index of a value (same rule as MapLibre's step: value >= break moves up). */
export function classOf(value, breaks) {
  let k = 0;
  while (k < breaks.length && value >= breaks[k]) k++;
  return k;
}

const NF = new Map();
/** Number in en-GB style with sensible precision for its unit. */
export function fmt(value, unit) {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'no data';
  const digits = unit === 'people' || unit === 'decile' || Number.isInteger(value) || Math.abs(value) >= 100 ? 0 : 1;
  if (!NF.has(digits)) NF.set(digits, new Intl.NumberFormat('en-GB', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
  return NF.get(digits).format(value);
}

/** Value with its unit ("39.4 µg/m³", "3,076 people", "decile 5", "score 18.2"). */
export function fmtUnit(value, unit) {
  const s = fmt(value, unit);
  if (s === 'no data') return s;
  if (unit === 'decile') return `decile ${s}`;
  if (unit === 'score') return `score ${s}`;
  return unit ? `${s} ${unit}` : s;
}
