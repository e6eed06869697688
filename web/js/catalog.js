// Catalog: turns /api/indicators, /api/layers and /api/priorities into what the page offers.
// Owns indicator families (one per series, e.g. violence 2011-2021, given by the server's
// `series`; indicators without a series fall back to "the id without its year": NO2
// 2013/2016/2019, IMD 2019/2025), their grouping under the Vision's priorities (in the
// server's order, priorities with no data kept), the period labels as published ("2017/18"),
// which layer draws an indicator for a chosen geography (IMD 2025 lives on 2021 LSOAs, Year 6
// obesity only on wards), an indicator's colour classes on a layer as the server defines them
// (/api/indicators `classes`, the same object the /styles/{indicator}.json style draws with),
// the bivariate view's own 3x3 palette, and number formatting.

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

/** Auto geography: boroughs below this zoom, neighbourhoods from it. */
export const AUTO_ZOOM = 10.5;

export const GEO_LABEL = {
  ics: 'Integrated Care Systems',
  boroughs: 'boroughs',
  wards: 'wards (2013)',
  lsoa11: 'neighbourhoods (2011 LSOAs)',
  lsoa21: 'neighbourhoods (2021 LSOAs)',
  superzones: 'school zones (400 m around each school)',
};

/** Fallback family key for an indicator without a series: the id without its year
 * (no2_2019_mean -> no2_mean, imd2025_decile -> imd_decile). */
export function familyOf(id) {
  return id.replace(/_?\d{4}(?=_|$)/, '');
}

/** Family key of an indicator: its series when the server gives one, else familyOf(id). */
export function familyKey(ind) {
  return ind.series || familyOf(ind.id);
}

/** Title without its year or period, for the indicator menu ("…, 2017/18", "… 2019, score",
 * "(mid-2019)", "…, 2010/11-2012/13" all go). */
export function familyTitle(title) {
  return title
    .replace(/\s*\(mid-\d{4}\)/, '')
    .replace(/,?\s+\d{4}(?:\/\d{2})?(?:\s*[-–]\s*\d{2,4}(?:\/\d{2})?)?$/, '')
    .replace(/\s+\d{4}(?=,)/, '')
    .trim();
}

/** The period an indicator covers, as published: "2017/18", "2016-18", else its year. */
export function periodOf(ind) {
  return ind.period || String(ind.year);
}

/** Menu label of a priority: "1. Reduce childhood obesity", or the title of an unnumbered group. */
export function priorityLabel(p) {
  return p.number ? `${p.number}. ${p.title}` : p.title;
}

export class Catalog {
  /** `priorities` is /api/priorities (may be empty: then one group holds every family). */
  constructor(indicators, layers, priorities = []) {
    this.indicators = indicators;
    this.byId = new Map(indicators.map(i => [i.id, i]));
    this.layers = new Map(layers.map(l => [l.id, l]));
    this.priorities = priorities;
    this.families = [];
    const seen = new Map();
    for (const i of indicators) {
      const key = familyKey(i);
      if (!seen.has(key)) {
        const fam = { key, title: familyTitle(i.title), series: i.series || null, members: [] };
        seen.set(key, fam);
        this.families.push(fam);
      }
      seen.get(key).members.push(i);
    }
    for (const f of this.families) {
      f.members.sort((a, b) => a.year - b.year); // stable: periods sharing a year keep the server's order
      f.priority = f.members[f.members.length - 1].priority || null;
    }
    this.familyByKey = seen;
    this.groups = this.groupByPriority();
  }

  /**
   * The indicator menu's groups in the server's priority order: [{priority, label, families}].
   * A priority with no indicators keeps its group (families empty) so it is never hidden;
   * families of a priority the server did not list go to a last "Other indicators" group.
   */
  groupByPriority() {
    const groups = [];
    const placed = new Set();
    for (const p of this.priorities) {
      const order = new Map((p.indicators || []).map((id, k) => [id, k]));
      const first = f => Math.min(...f.members.map(m => (order.has(m.id) ? order.get(m.id) : Infinity)));
      const families = this.families.filter(f => f.priority === p.id).sort((a, b) => first(a) - first(b));
      families.forEach(f => placed.add(f.key));
      groups.push({ priority: p, label: priorityLabel(p), families });
    }
    const rest = this.families.filter(f => !placed.has(f.key));
    if (rest.length) groups.push({ priority: null, label: this.priorities.length ? 'Other indicators' : 'Indicators', families: rest });
    return groups;
  }

  indicator(id) { return this.byId.get(id); }

  family(id) {
    const ind = this.byId.get(id);
    return this.familyByKey.get(ind ? familyKey(ind) : familyOf(id));
  }

  /** The indicator of the same family for another year, or undefined. */
  withYear(id, year) {
    const fam = this.family(id);
    return fam && fam.members.find(m => String(m.year) === String(year));
  }

  /**
   * Which atlas layer to draw for a geography choice. geo is 'auto' | 'ics' | 'boroughs' |
   * 'wards' | 'lsoa' | 'superzones'; auto means boroughs below zoom 10.5 and LSOAs above, or
   * the nearest layer the indicator is published on (Year 6 obesity: wards at any zoom).
   * `ind` needs only {title, layers}. Returns {layer, note}; the note says when the chosen
   * geography is not published and which one is shown instead.
   */
  layerFor(ind, geo, zoom) {
    const has = l => ind.layers.includes(l);
    const lsoa = has('lsoa11') ? 'lsoa11' : (has('lsoa21') ? 'lsoa21' : null);
    const pick = order => order.map(l => (l === 'lsoa' ? lsoa : l)).find(l => l && has(l)) || ind.layers[0];
    if (geo === 'auto') {
      return { layer: pick(zoom < AUTO_ZOOM ? ['boroughs', 'wards', 'lsoa', 'ics'] : ['lsoa', 'wards', 'boroughs', 'ics']), note: null };
    }
    const want = geo === 'lsoa' ? lsoa : geo;
    if (want && has(want)) return { layer: want, note: null };
    const fallback = pick(['lsoa', 'wards', 'boroughs', 'ics']);
    const asked = geo === 'lsoa' ? 'neighbourhoods' : (GEO_LABEL[geo] || geo);
    return { layer: fallback, note: `${ind.title} is not published for ${asked}; showing ${GEO_LABEL[fallback] || fallback}.` };
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

/** A planar area for people: "850 m²" below a hectare, "4.2 ha" below a km², else "12.3 km²". */
export function fmtArea(m2) {
  if (m2 === null || m2 === undefined || !Number.isFinite(m2)) return 'no data';
  if (m2 < 1e4) return `${Math.round(m2).toLocaleString('en-GB')} m²`;
  if (m2 < 1e6) return `${(Math.round(m2 / 1e3) / 10).toLocaleString('en-GB')} ha`;
  return `${fmt(m2 / 1e6, 'km²')} km²`;
}

/** Value with its unit ("39.4 µg/m³", "3,076 people", "decile 5", "score 18.2"). */
export function fmtUnit(value, unit) {
  const s = fmt(value, unit);
  if (s === 'no data') return s;
  if (unit === 'decile') return `decile ${s}`;
  if (unit === 'score') return `score ${s}`;
  return unit ? `${s} ${unit}` : s;
}
