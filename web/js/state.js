// App state and permalinks: what the page shows (indicator family + year, geography, view
// mode, the earlier period of the change view, map centre/zoom, selected area, open scorecard)
// and its round trip through the URL query string (dep = the IMD year of the bivariate view,
// from = the earlier year of the change view, card = the scorecard open over the map), e.g.
// ?ind=no2_mean&year=2019&geo=lsoa&mode=single&at=12.00/51.50070/-0.12760&area=lsoa11/E01004733
// ?ind=violence&year=2019&from=2011&geo=boroughs&mode=change&card=boroughs/E09000033
// A drawn or uploaded shape rides in the #fragment (shape.js packs it; title and feature names
// beside it): #shape=...&title=Camden.zip&names=["Camden","Islington"]

import { familyOf, periodOf } from './catalog.js';

/** How a link names a member of a family: its year, or its period where two members share a
 * year (a monthly series). */
export function memberKey(fam, m) {
  const sameYear = fam.members.filter(x => x.year === m.year).length > 1;
  return sameYear ? periodOf(m) : String(m.year);
}

const memberOf = (fam, key) => key && (fam.members.find(m => memberKey(fam, m) === key) || fam.members.find(m => String(m.year) === key || periodOf(m) === key));

export const DEFAULT_VIEW = { center: [-0.1, 51.49], zoom: 9.4 };
export const GEOS = ['auto', 'ics', 'boroughs', 'wards', 'lsoa', 'superzones'];
const MODES = ['single', 'bivariate', 'change'];

/** State from a URL (falls back to defaults for anything missing or unknown). */
export function fromUrl(href, catalog) {
  const q = new URL(href).searchParams;
  const state = {
    indicator: 'no2_2019_mean',
    geo: 'auto',
    mode: 'single',
    view: null,
    area: null,
    dep: null,
    from: null,
    card: null,
    shape: null,
  };
  const h = new URLSearchParams(new URL(href).hash.slice(1));
  if (h.get('shape')) {
    let names = [];
    try { names = JSON.parse(h.get('names') || '[]'); } catch { names = []; }
    state.shape = { code: h.get('shape'), title: h.get('title') || 'Shared area', names: Array.isArray(names) ? names : [] };
  }
  const ind = q.get('ind');
  // a family key, or (older links) the id-without-year of a member of what is now a series
  const fam = ind && (catalog.familyByKey.get(ind) || catalog.families.find(f => f.members.some(m => familyOf(m.id) === ind)));
  if (fam) {
    const byYear = memberOf(fam, q.get('year'));
    state.indicator = (byYear || fam.members[fam.members.length - 1]).id;
    const from = memberOf(fam, q.get('from'));
    if (from) state.from = from.id;
  } else if (ind && catalog.indicator(ind)) {
    state.indicator = ind;
  }
  if (!catalog.indicator(state.indicator)) state.indicator = catalog.indicators[0].id;
  if (GEOS.includes(q.get('geo'))) state.geo = q.get('geo');
  if (MODES.includes(q.get('mode'))) state.mode = q.get('mode');
  const dep = catalog.indicator(`imd${q.get('dep')}_decile`);
  if (dep) state.dep = dep.id;
  const at = (q.get('at') || '').split('/').map(Number);
  if (at.length === 3 && at.every(Number.isFinite) && Math.abs(at[1]) <= 85 && Math.abs(at[2]) <= 180) {
    state.view = { zoom: at[0], center: [at[2], at[1]] };
  }
  const area = (q.get('area') || '').split('/');
  if (area.length === 2 && catalog.layers.has(area[0]) && /^[A-Za-z0-9]+$/.test(area[1])) {
    state.area = { layer: area[0], code: area[1] };
  }
  const card = (q.get('card') || '').split('/');
  if (card.length === 1 && card[0] === 'london') state.card = { layer: 'london', code: 'london' };
  else if (card.length === 2 && catalog.layers.has(card[0]) && /^[A-Za-z0-9]+$/.test(card[1])) state.card = { layer: card[0], code: card[1] };
  return state;
}

/** The permalink of a state (relative to the page). */
export function toUrl(state, catalog) {
  const ind = catalog.indicator(state.indicator);
  const q = new URLSearchParams();
  const fam = catalog.family(state.indicator);
  q.set('ind', fam ? fam.key : state.indicator);
  if (ind) q.set('year', fam ? memberKey(fam, ind) : String(ind.year));
  if (state.mode === 'change' && state.from && catalog.indicator(state.from)) q.set('from', memberKey(fam, catalog.indicator(state.from)));
  q.set('geo', state.geo);
  q.set('mode', state.mode);
  if (state.mode === 'bivariate' && state.dep) q.set('dep', state.dep.replace(/^imd(\d{4})_decile$/, '$1'));
  if (state.view) {
    const [lon, lat] = state.view.center;
    q.set('at', `${state.view.zoom.toFixed(2)}/${lat.toFixed(5)}/${lon.toFixed(5)}`);
  }
  if (state.area) q.set('area', `${state.area.layer}/${state.area.code}`);
  if (state.card) q.set('card', state.card.layer === 'london' ? 'london' : `${state.card.layer}/${state.card.code}`);
  let hash = '';
  if (state.shape) {
    const h = new URLSearchParams({ shape: state.shape.code, title: state.shape.title });
    if (state.shape.names && state.shape.names.some(n => n)) h.set('names', JSON.stringify(state.shape.names));
    hash = `#${h.toString()}`;
  }
  return `${location.pathname}?${q.toString().replace(/%2F/g, '/')}${hash}`;
}
