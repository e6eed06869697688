// Trend chart: a small SVG line chart of one series for one area (/api/areas `series`), with
// London's and England's lines where the server gives them, axis labels, a key, a one-line
// summary and a table of every value (the text alternative). Counts (the server sums them, so
// London's figure is London's total) are drawn as an index, each line's first value = 100, so
// an area's trend can be set beside London's and England's totals; the table keeps the counts.
// Builds an HTML string; no DOM access, so it runs anywhere.

import { fmt } from './catalog.js';
import { escapeHtml } from './html.js';
import { signed } from './vision.js';

const W = 320, H = 170;
const M = { left: 46, right: 12, top: 10, bottom: 34 };
const LINES = [
  { key: 'value', cls: 'tl-area', label: null },
  { key: 'london', cls: 'tl-london', label: 'London' },
  { key: 'england', cls: 'tl-england', label: 'England' },
];

/** "Nice" tick values covering [lo, hi], about `n` of them. */
export function ticks(lo, hi, n = 4) {
  if (!(hi > lo)) { const d = Math.abs(lo) || 1; lo -= d / 2; hi += d / 2; }
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map(s => s * mag).find(s => s >= raw) || 10 * mag;
  const out = [];
  for (let v = Math.floor(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.round(v / step) * step);
  if (out[out.length - 1] < hi) out.push(out[out.length - 1] + step);
  return out;
}

/** The first year in a period ("2017/18" -> 2017), or null. */
function yearOf(period) {
  const m = /\d{4}/.exec(String(period));
  return m ? Number(m[0]) : null;
}

/** Each line's values as an index: first finite non-zero value = 100 (null where unknown). */
function indexed(values) {
  const base = values.find(v => Number.isFinite(v) && v !== 0);
  return values.map(v => (Number.isFinite(v) && base ? (v / base) * 100 : null));
}

/**
 * HTML of a trend figure.
 * @param rows [{period, indicator, value, london, england}] in period order
 * @param opts {id (unique in the page), title, unit, areaName, isCount, polarity}
 */
export function trendFigure(rows, { id, title, unit, areaName, isCount }) {
  const periods = rows.map(r => r.period);
  const years = periods.map(yearOf);
  const xs = years.every(y => y !== null) && new Set(years).size === years.length ? years : periods.map((_, k) => k);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const px = x => M.left + (x1 === x0 ? 0.5 : (x - x0) / (x1 - x0)) * (W - M.left - M.right);
  const raw = Object.fromEntries(LINES.map(l => [l.key, rows.map(r => (Number.isFinite(r[l.key]) ? r[l.key] : null))]));
  const shown = LINES.filter(l => raw[l.key].some(v => v !== null));
  const plot = Object.fromEntries(shown.map(l => [l.key, isCount ? indexed(raw[l.key]) : raw[l.key]]));
  const all = shown.flatMap(l => plot[l.key]).filter(v => v !== null);
  if (isCount) all.push(100);
  const yt = ticks(Math.min(...all), Math.max(...all));
  const [y0, y1] = [yt[0], yt[yt.length - 1]];
  const py = v => H - M.bottom - ((v - y0) / (y1 - y0)) * (H - M.top - M.bottom);
  const r1 = v => Math.round(v * 10) / 10;
  const basePeriod = k => periods[raw[k].findIndex(v => Number.isFinite(v) && v !== 0)];
  const yLabel = isCount ? `Index (first year = 100)` : (unit || 'value');

  // Grid, axes and labels.
  const grid = yt.map(v => `<line class="tl-grid" x1="${M.left}" x2="${W - M.right}" y1="${r1(py(v))}" y2="${r1(py(v))}"/>` +
    `<text class="tl-tick" x="${M.left - 5}" y="${r1(py(v)) + 3.5}" text-anchor="end">${escapeHtml(fmt(v, isCount ? '' : unit))}</text>`).join('');
  // x labels: first and last always, others only where they do not crowd their neighbours.
  const gap = Math.max(...periods.map(p => String(p).length)) * 5.5 + 8;
  const keep = [];
  periods.forEach((_, k) => {
    const x = px(xs[k]);
    const last = k === periods.length - 1;
    if (k === 0 || last || (x - px(xs[keep[keep.length - 1]]) >= gap && px(xs[periods.length - 1]) - x >= gap)) {
      if (last && keep.length && keep[keep.length - 1] !== 0 && x - px(xs[keep[keep.length - 1]]) < gap) keep.pop();
      keep.push(k);
    }
  });
  const xl = keep.map(k => `<text class="tl-tick" x="${r1(px(xs[k]))}" y="${H - M.bottom + 14}" text-anchor="middle">${escapeHtml(periods[k])}</text>`).join('');
  const axes = `<line class="tl-axis" x1="${M.left}" x2="${W - M.right}" y1="${H - M.bottom}" y2="${H - M.bottom}"/>` +
    `<line class="tl-axis" x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${H - M.bottom}"/>` +
    `<text class="tl-label" x="${(M.left + W - M.right) / 2}" y="${H - 3}" text-anchor="middle">Period</text>` +
    `<text class="tl-label" x="11" y="${(M.top + H - M.bottom) / 2}" text-anchor="middle" transform="rotate(-90 11 ${(M.top + H - M.bottom) / 2})">${escapeHtml(yLabel)}</text>`;

  // One path per line (a missing value breaks it), points on the area's line.
  const paths = shown.map(l => {
    let d = '', pen = false;
    plot[l.key].forEach((v, k) => {
      if (v === null) { pen = false; return; }
      d += `${pen ? 'L' : 'M'}${r1(px(xs[k]))} ${r1(py(v))}`;
      pen = true;
    });
    const pts = l.key === 'value'
      ? plot[l.key].map((v, k) => (v === null ? '' : `<circle class="tl-pt" cx="${r1(px(xs[k]))}" cy="${r1(py(v))}" r="2.6"/>`)).join('') : '';
    return `<path class="tl-line ${l.cls}" data-line="${l.key}" d="${d}"/>${pts}`;
  }).join('');

  const name = areaName || 'This area';
  const key = shown.map(l => `<li><svg width="26" height="10" aria-hidden="true"><line class="tl-line ${l.cls}" x1="1" x2="25" y1="5" y2="5"/></svg>${escapeHtml(l.label || name)}</li>`).join('') +
    LINES.filter(l => !shown.includes(l)).map(l => `<li class="tl-missing">${escapeHtml(l.label)}: not published for this series</li>`).join('');

  // The summary sentence and the table: the text alternative, with the values as published.
  const vals = raw.value;
  const firstK = vals.findIndex(v => v !== null);
  const lastK = vals.length - 1 - [...vals].reverse().findIndex(v => v !== null);
  const summary = firstK < 0 ? `${name}: no values published for this series.` :
    `${name}: ${fmt(vals[firstK], unit)} ${unit || ''} in ${periods[firstK]}, ${fmt(vals[lastK], unit)} in ${periods[lastK]}` +
    (lastK > firstK ? ` (${signed(vals[lastK] - vals[firstK], unit)}).` : '.');
  const head = `<tr><th scope="col">Period</th><th scope="col" class="num">${escapeHtml(name)}</th>${shown.filter(l => l.label).map(l => `<th scope="col" class="num">${escapeHtml(l.label)}</th>`).join('')}</tr>`;
  const body = rows.map((r, k) => `<tr data-period="${escapeHtml(r.period)}"><th scope="row">${escapeHtml(r.period)}</th><td class="num" data-line="value">${escapeHtml(fmt(raw.value[k], unit))}</td>` +
    shown.filter(l => l.label).map(l => `<td class="num" data-line="${l.key}">${escapeHtml(fmt(raw[l.key][k], unit))}</td>`).join('') + '</tr>').join('');
  const indexNote = isCount
    ? `<p class="trend-note">Counts: each line is drawn as an index of its first value (${shown.map(l => `${escapeHtml(l.label || name)} ${escapeHtml(basePeriod(l.key))}`).join(', ')} = 100), because London's and England's figures are totals. The table has the counts.</p>` : '';
  const span = periods.length ? `${periods[0]}–${periods[periods.length - 1]}` : '';
  return `<figure class="trend" data-series="${escapeHtml(id)}">
    <figcaption id="trend-cap-${escapeHtml(id)}"><strong>${escapeHtml(title)}</strong>${unit ? ` (${escapeHtml(unit)})` : ''}, ${escapeHtml(span)}</figcaption>
    <svg class="trend-svg" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="trend-cap-${escapeHtml(id)} trend-sum-${escapeHtml(id)}">${grid}${xl}${axes}${paths}</svg>
    <ul class="trend-key">${key}</ul>
    <p class="trend-sum" id="trend-sum-${escapeHtml(id)}">${escapeHtml(summary)}</p>
    ${indexNote}
    <details class="trend-values"><summary>Values, ${escapeHtml(span)}</summary>
      <table><thead>${head}</thead><tbody>${body}</tbody></table></details>
  </figure>`;
}
