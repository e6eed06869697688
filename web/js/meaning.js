// Meaning: what an area's value means in plain words — the indicator's own plain sentence from
// the manifest, then how the value stands against the limit or standard (its threshold), the
// health guideline (e.g. WHO 2021 for NO2 and PM2.5) and London — and where those words come from.

import { fmtUnit } from './catalog.js';

/** The short name of a threshold ("UK legal limit (Air Quality …)" -> "UK legal limit"). */
export function shortName(name) {
  return (name || 'limit').replace(/\s*\(.*\)\s*$/, '');
}

/** True when `value` is on the bad side of the threshold (above it when higher is worse). */
export function failsThreshold(ind, value) {
  if (ind.threshold === null || ind.threshold === undefined || value === null || value === undefined) return null;
  return ind.polarity === 'lower-is-worse' ? value < ind.threshold : value > ind.threshold;
}

function times(value, of) {
  const r = value / of;
  return r >= 1.95 ? `${(Math.round(r * 10) / 10).toLocaleString('en-GB')} times` : null;
}

/**
 * {sentences: [..], sources: string} for `value` of `ind` in an area (london = London's value).
 * Every sentence is built from the manifest's words and the numbers; nothing is made up here.
 */
export function meaning(ind, value, london) {
  const out = [];
  if (ind.plain) out.push(ind.plain);
  if (value === null || value === undefined) return { sentences: out, sources: sourcesOf(ind) };
  const v = fmtUnit(value, ind.unit);
  const fails = failsThreshold(ind, value);
  if (fails !== null) {
    const name = shortName(ind.threshold_name);
    const t = fmtUnit(ind.threshold, ind.unit);
    if (ind.polarity === 'lower-is-worse') out.push(fails ? `Here it is ${v}: below the ${name} of ${t}.` : `Here it is ${v}: it meets the ${name} of ${t}.`);
    else out.push(fails ? `Here it is ${v}: above the ${name} of ${t}.` : `Here it is ${v}: within the ${name} of ${t}.`);
  }
  if (ind.guideline) {
    const g = ind.guideline;
    const gv = fmtUnit(g.value, ind.unit);
    const x = times(value, g.value);
    if (value > g.value) out.push(`That is ${x ? `${x} the` : 'above the'} ${g.name} of ${gv}, the level above which the World Health Organization finds harm to health.`);
    else out.push(`That meets the ${g.name} of ${gv}.`);
  }
  if (fails === null && !ind.guideline) out.push(`Here it is ${v}.`);
  if (london !== null && london !== undefined && ind.unit !== 'decile') {
    const worse = ind.polarity === 'higher-is-worse' ? value > london : ind.polarity === 'lower-is-worse' ? value < london : null;
    const cmp = value > london ? 'higher than' : value < london ? 'lower than' : 'the same as';
    const judged = worse === null || cmp === 'the same as' ? '' : worse ? ' (worse)' : ' (better)';
    out.push(`London as a whole: ${fmtUnit(london, ind.unit)}, so this area is ${cmp} London${judged}.`);
  }
  return { sentences: out, sources: sourcesOf(ind) };
}

function sourcesOf(ind) {
  const parts = [`the plain sentence is London Atlas's summary of ${ind.source_title} (${ind.publisher})`];
  if (ind.threshold_name) parts.push(`the ${ind.threshold_name}`);
  if (ind.guideline) parts.push(`the ${ind.guideline.name}`);
  return `Where these words come from: ${parts.join('; ')}.`;
}
