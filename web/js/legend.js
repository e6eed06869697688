// Legend: renders the key for what the map shows: the classes of one indicator (units, its
// threshold marked with what it is — e.g. NO2's 40 µg/m³ UK legal limit — and its health guideline, e.g. WHO 2021, "darker = worse" wording, no-data swatch, source and
// period), the 3x3 grid of the NO2 x deprivation view with its own two-axis key, or the
// diverging classes of the change between two periods of a series with which way is better.

import { BIVARIATE, BIVAR_NO2, GEO_LABEL, fmt, fmtUnit, periodOf } from './catalog.js';
import { escapeHtml } from './html.js';
import { shortName } from './meaning.js';
import { signed, upDown } from './vision.js';

function worseText(ind) {
  if (ind.polarity === 'higher-is-worse') return 'Darker colours are worse (higher values).';
  if (ind.polarity === 'lower-is-worse') return 'Darker colours are worse (lower deciles: decile 1 is the most deprived 10% in England).';
  return 'Darker colours are larger counts; this measure is neither good nor bad.';
}

function label(ind, lo, hi) {
  const u = ind.unit === 'µg/m³' ? ' µg/m³' : '';
  if (ind.unit === 'decile') {
    const d = Math.round(lo === null ? 1 : lo + 0.5);
    const extra = d === 1 ? ' (most deprived)' : d === 10 ? ' (least deprived)' : '';
    return `Decile ${d}${extra}`;
  }
  if (lo === null) return `Below ${fmt(hi, ind.unit)}${u}`;
  if (hi === null) return `${fmt(lo, ind.unit)}${u} and above`;
  return `${fmt(lo, ind.unit)} to under ${fmt(hi, ind.unit)}${u}`;
}

/** Legend for one indicator drawn on `layer` with its server classes {breaks, colors, noData}. */
export function renderSingle(el, ind, layer, classes) {
  const rows = [];
  const edges = [null, ...classes.breaks, null];
  for (let k = 0; k < classes.colors.length; k++) {
    const lo = edges[k], hi = edges[k + 1];
    const limit = ind.threshold !== null && ind.threshold !== undefined && lo === ind.threshold;
    const side = ind.polarity === 'lower-is-worse' ? 'meets the' : 'above the';
    const inGuide = ind.guideline && (lo === null || lo <= ind.guideline.value) && (hi === null || ind.guideline.value < hi);
    rows.push(`<li class="${limit ? 'limit' : ''}${inGuide ? ' guideline' : ''}" data-class="${k}"><span class="sw" style="background:${classes.colors[k]}"></span>` +
      `<span>${escapeHtml(label(ind, lo, hi))}${limit ? ` — ${side} ${escapeHtml(shortName(ind.threshold_name))}` : ''}${inGuide ? ` (${escapeHtml(ind.guideline.name)}: ${escapeHtml(fmt(ind.guideline.value, ind.unit))})` : ''}</span></li>`);
  }
  // Worse at the top, so the list reads the same way for every indicator.
  if (ind.polarity !== 'lower-is-worse') rows.reverse();
  rows.push(`<li><span class="sw" style="background:${classes.noData}"></span><span>No data</span></li>`);
  const limitNote = (ind.threshold !== null && ind.threshold !== undefined
    ? `<p class="limit-note">Dashed line: the ${escapeHtml(ind.threshold_name || 'threshold')}, ${escapeHtml(fmtUnit(ind.threshold, ind.unit))}.</p>` : '') +
    (ind.guideline
      ? `<p class="limit-note guideline-note">${escapeHtml(ind.guideline.name)}: ${escapeHtml(fmtUnit(ind.guideline.value, ind.unit))}${classes.breaks.length && ind.guideline.value < classes.breaks[0] ? `, inside the lowest class (below ${escapeHtml(fmtUnit(classes.breaks[0], ind.unit))})` : ''}.</p>` : '');
  el.innerHTML = `<h2 id="legend-title">Legend</h2>
    <p class="title" id="legend-indicator" data-indicator="${escapeHtml(ind.id)}">${escapeHtml(ind.title)}${ind.unit && ind.unit !== 'decile' && ind.unit !== 'score' ? ` (${escapeHtml(ind.unit)})` : ''}</p>
    <p class="worse">${escapeHtml(worseText(ind))}</p>
    <ol aria-label="Colour classes, worst first">${rows.join('')}</ol>
    ${limitNote}
    <p class="meta">Areas: ${escapeHtml(GEO_LABEL[layer] || layer)}. ${ind.london !== null && ind.london !== undefined ? `London: ${escapeHtml(fmtUnit(ind.london, ind.unit))}.` : ''}</p>
    <p class="meta">Source: ${escapeHtml(ind.source_title)} (${escapeHtml(ind.publisher)}), ${escapeHtml(periodOf(ind))}. ${escapeHtml(ind.licence)}.</p>`;
}

/** Legend for the NO2 x deprivation grid; `noData` is the server's no-data colour. */
export function renderBivariate(el, no2, dep, layer, noData) {
  // Rows top to bottom: most deprived first; columns left to right: cleaner to dirtier air.
  const cells = [];
  for (let d = 2; d >= 0; d--) {
    for (let n = 0; n < 3; n++) {
      const c = BIVARIATE[3 * d + n];
      cells.push(`<span style="background:${c}" title="${escapeHtml(depText(d))}, ${escapeHtml(no2Text(n))}"></span>`);
    }
  }
  el.innerHTML = `<h2 id="legend-title">Legend</h2>
    <p class="title" id="legend-indicator" data-indicator="bivariate:${escapeHtml(no2.id)}:${escapeHtml(dep.id)}">Where poor air and deprivation meet</p>
    <div class="bivar" role="img" aria-label="Three by three colour grid: deprivation up, nitrogen dioxide to the right; the darkest corner is both most deprived and most polluted.">
      <span class="ylab">More deprived →</span>
      <div class="grid">${cells.join('')}</div>
      <span class="xlab">More NO2 →</span>
    </div>
    <ul class="bivar-keys">
      <li>NO2 ${escapeHtml(no2.year)}: below ${BIVAR_NO2[0]}, ${BIVAR_NO2[0]}–${BIVAR_NO2[1]}, ${BIVAR_NO2[1]} µg/m³ (legal limit) and above.</li>
      <li>Deprivation: IMD ${escapeHtml(dep.year)} national deciles 8–10, 4–7, 1–3 (most deprived).</li>
      <li>Top-right, darkest: most deprived and most polluted.</li>
      <li><span class="sw" style="display:inline-block;vertical-align:middle;background:${noData}"></span> No data</li>
    </ul>
    <p class="meta">Areas: ${escapeHtml(GEO_LABEL[layer] || layer)}.</p>
    <p class="meta">Sources: ${escapeHtml(no2.source_title)} (${escapeHtml(no2.publisher)}); ${escapeHtml(dep.source_title)} (${escapeHtml(dep.publisher)}).</p>`;
}

function depText(d) { return ['least deprived (deciles 8–10)', 'middle (deciles 4–7)', 'most deprived (deciles 1–3)'][d]; }
function no2Text(n) { return [`NO2 below ${BIVAR_NO2[0]}`, `NO2 ${BIVAR_NO2[0]}–${BIVAR_NO2[1]}`, `NO2 ${BIVAR_NO2[1]} and above`][n]; }

/**
 * Legend for the change view: `ch` is /api/change (classes, better, periods, London's figures),
 * `ind` the later period's indicator (title, unit, source), `isCount` whether the unit counts
 * things ("more offences"). Red is the worse direction (the server's `change` palette).
 */
export function renderChange(el, ch, ind, title, layer, isCount) {
  const c = ch.classes;
  const words = upDown(ch.unit, isCount);
  const edges = [null, ...c.breaks, null];
  const rows = c.colours.map((col, k) => {
    const lo = edges[k], hi = edges[k + 1];
    let text;
    if (lo === null) text = `Below ${signed(hi, ch.unit)}`;
    else if (hi === null) text = `${signed(lo, ch.unit)} and above`;
    else text = `${signed(lo, ch.unit)} to under ${signed(hi, ch.unit)}`;
    if (lo !== null && hi !== null && lo < 0 && hi > 0) text += ' (little change)';
    return `<li data-class="${k}"><span class="sw" style="background:${col}"></span><span>${escapeHtml(text)}</span></li>`;
  });
  // Worse at the top, as in the single-indicator legend.
  if (ch.better !== 'higher') rows.reverse();
  rows.push(`<li><span class="sw" style="background:${c.no_data}"></span><span>No data</span></li>`);
  const red = c.palette === 'change';
  let sense;
  if (ch.better === 'lower') sense = `${red ? 'Red' : 'Darker'}: got worse (${words.up}). ${red ? 'Blue' : 'Lighter'}: got better (${words.down}).`;
  else if (ch.better === 'higher') sense = `${red ? 'Red' : 'Darker'}: got worse (${words.down}). ${red ? 'Blue' : 'Lighter'}: got better (${words.up}).`;
  else sense = `${red ? 'Red' : 'Darker'}: ${words.up}; ${red ? 'blue' : 'lighter'}: ${words.down}. Neither is better or worse.`;
  const london = Number.isFinite(ch.london_from) && Number.isFinite(ch.london_to)
    ? `London: ${fmtUnit(ch.london_from, ch.unit)} in ${ch.from_period}, ${fmtUnit(ch.london_to, ch.unit)} in ${ch.to_period} (${signed(ch.london_to - ch.london_from, ch.unit)}).` : '';
  el.innerHTML = `<h2 id="legend-title">Legend</h2>
    <p class="title" id="legend-indicator" data-indicator="change:${escapeHtml(ch.from)}:${escapeHtml(ch.to)}">Change in ${escapeHtml(/^[A-Z][a-z]/.test(title) ? title[0].toLowerCase() + title.slice(1) : title)}, ${escapeHtml(ch.from_period)} to ${escapeHtml(ch.to_period)}</p>
    <p class="worse" id="legend-sense" data-better="${escapeHtml(ch.better || '')}">${escapeHtml(sense)}</p>
    <ol aria-label="Classes of the change, worst first">${rows.join('')}</ol>
    <p class="meta">Change = ${escapeHtml(ch.to_period)} value − ${escapeHtml(ch.from_period)} value${ch.unit ? `, in ${escapeHtml(ch.unit)}` : ''}. Areas: ${escapeHtml(GEO_LABEL[layer] || layer)}. ${escapeHtml(london)}</p>
    <p class="meta">Source: ${escapeHtml(ind.source_title)} (${escapeHtml(ind.publisher)}). ${escapeHtml(ind.licence)}.</p>`;
}
