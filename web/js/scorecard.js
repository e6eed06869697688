// Scorecard view: a printable page over the map for a borough, an Integrated Care System or
// London (/api/scorecards/{layer}/{code}, /api/scorecards/london). Every priority of the Vision
// in the server's order with its rows (value, period, London, England, the comparison with
// England, the trend since the first period with an arrow and words, rank of N), the notes of
// priorities without data (priority 8 says why), London's headline figures (/api/headlines),
// a link to the server's CSV of the same rows and a print stylesheet (css/app.css @media print). While it is open the
// map and panel are inert; Escape or "Back to the map" closes it and focus returns.

import { api, scorecardUrl } from './api.js';
import { GEO_LABEL, fmt, familyTitle } from './catalog.js';
import { escapeHtml } from './html.js';
import { comparisonBadge, trendHtml } from './vision.js';

/** The layers the page offers a scorecard for (besides London). */
export const SCORECARD_LAYERS = ['boroughs', 'ics'];
const KIND = { london: 'London', boroughs: 'Borough', ics: 'Integrated Care System' };

const ONE = new Intl.NumberFormat('en-GB', { minimumFractionDigits: 1, maximumFractionDigits: 1 });

/** A scorecard figure: counts and deciles whole, anything else to one decimal, so a column
 * reads alike ("40.0", "37.5", "34.3"). */
function figure(v, row, catalog) {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  const ind = catalog.indicator(row.indicator);
  if (row.unit === 'decile' || (ind && ind.aggregation === 'sum')) return fmt(v, 'people');
  return ONE.format(v);
}

export class Scorecard {
  /** onChange(card | null): the page keeps the open scorecard in its permalink. */
  constructor(catalog, { onChange }) {
    this.catalog = catalog;
    this.onChange = onChange;
    this.el = document.getElementById('scorecard');
    this.body = document.getElementById('sc-body');
    this.csv = document.getElementById('sc-csv');
    this.current = null;
    this.opener = null;
    this.seq = 0;
    this.headlines = null;
    document.getElementById('sc-close').addEventListener('click', () => this.close());
    document.getElementById('sc-print').addEventListener('click', () => window.print());
    this.el.addEventListener('keydown', e => { if (e.key === 'Escape') this.close(); });
    this.body.addEventListener('click', e => {
      const b = e.target.closest('button[data-card]');
      if (b) this.open(...b.dataset.card.split('/'));
    });
  }

  get isOpen() { return !this.el.hidden; }

  /** Opens the scorecard of {layer, code} (layer 'london' for London). */
  async open(layer, code, opener = document.activeElement) {
    const seq = ++this.seq;
    if (!this.isOpen) this.opener = opener;
    this.show(true);
    this.el.dataset.state = 'loading';
    this.body.innerHTML = '<p class="sc-loading">Loading the scorecard…</p>';
    let card;
    try {
      [card, this.headlines] = await Promise.all([
        api.scorecard(layer, code),
        this.headlines ? Promise.resolve(this.headlines) : api.headlines().catch(() => []),
      ]);
    } catch (e) {
      if (seq !== this.seq) return null;
      this.body.innerHTML = `<h1 id="sc-title">Scorecard not available</h1><p>${escapeHtml(e.message)}</p>`;
      this.el.dataset.state = 'error';
      return null;
    }
    if (seq !== this.seq) return null;
    this.current = card;
    this.render(card);
    // The server writes the CSV (formats::csv::scorecard): one definition of its columns.
    this.csv.href = scorecardUrl(card.layer, card.code, 'csv');
    this.csv.setAttribute('download', `scorecard-${card.layer}-${card.code}.csv`);
    this.csv.setAttribute('aria-label', `Download the ${card.name} scorecard as CSV`);
    this.el.dataset.state = 'ready';
    this.el.dataset.layer = card.layer;
    this.el.dataset.code = card.code;
    document.title = `Scorecard: ${card.name} — London Atlas`;
    const title = document.getElementById('sc-title');
    title.tabIndex = -1;
    title.focus();
    this.onChange({ layer: card.layer, code: card.code });
    return card;
  }

  close() {
    if (!this.isOpen) return;
    this.seq++;
    this.show(false);
    this.current = null;
    document.title = this.baseTitle;
    this.onChange(null);
    if (this.opener && this.opener.isConnected) this.opener.focus();
    this.opener = null;
  }

  /** The map and panel are inert behind the open scorecard (and hidden when printing). */
  show(open) {
    if (!this.baseTitle) this.baseTitle = document.title;
    this.el.hidden = !open;
    document.body.classList.toggle('carding', open);
    for (const sel of ['.top', '.layout', '.skip']) {
      const el = document.querySelector(sel);
      if (el) el.inert = open;
    }
  }

  render(card) {
    const london = card.layer === 'london';
    const kind = KIND[card.layer] || GEO_LABEL[card.layer] || card.layer;
    const of = GEO_LABEL[card.layer] || 'areas';
    const withData = card.priorities.filter(p => p.rows.length).length;
    const numbered = card.priorities.filter(p => p.number).length;
    const head = `<header class="sc-head">
      <p class="sc-kicker">London Atlas scorecard · ${escapeHtml(kind)}</p>
      <h1 id="sc-title">${escapeHtml(card.name)}</h1>
      <p>The ${numbered} priorities of the London Vision and its wider measures, with what the open data in this atlas shows for ${escapeHtml(card.name)}:
        the latest value of each measure, ${london ? '' : 'London\u2019s and '}England\u2019s figure where published, the comparison with England where the publisher
        or a confidence interval gives one, the trend since the first period of a series${london ? '' : `, and the rank among London\u2019s ${escapeHtml(of)} (1 = highest value)`}.
        ${withData} of ${card.priorities.length} have data here; the others say why not.</p>
      <p class="sc-key"><strong>Compared with England</strong>: Fingertips’ words (better, similar or worse; higher or lower where neither is better) where the publisher or a confidence interval gives them.
        <strong>Trend</strong>: the change since the first period of a series, <span aria-hidden="true">↑ ↓ →</span> with the words.
        <strong>–</strong>: not published, or a single period.</p>
      ${london ? '' : '<p class="sc-switch"><button type="button" class="secondary" data-card="london">London scorecard</button></p>'}
    </header>`;
    const sections = card.priorities.map(p => this.priority(p, card)).join('');
    const headlines = (this.headlines || []).length ? `<section class="sc-headlines" aria-labelledby="sc-hl-title">
      <h2 id="sc-hl-title">London: the Vision\u2019s figures, reproduced from the data</h2>
      <ul>${this.headlines.map(h => `<li data-headline="${escapeHtml(h.id)}"><p class="sc-vision"><span class="sc-tag">The Vision</span> ${escapeHtml(h.vision)}</p><p class="sc-atlas"><span class="sc-tag">The data</span> ${escapeHtml(h.atlas)}</p></li>`).join('')}</ul>
    </section>` : '';
    const sources = new Map();
    for (const p of card.priorities) for (const r of p.rows) {
      const ind = this.catalog.indicator(r.indicator);
      if (ind && !sources.has(ind.source)) sources.set(ind.source, ind);
    }
    const foot = `<footer class="sc-foot"><h2>Sources</h2><ul>${[...sources.values()].map(i => `<li>${escapeHtml(i.source_title)} — ${escapeHtml(i.publisher)}. ${escapeHtml(i.attribution)}</li>`).join('')}</ul>
      <p>Made with London Atlas from /api/scorecards/${escapeHtml(london ? 'london' : `${card.layer}/${card.code}`)}.</p></footer>`;
    this.body.innerHTML = head + sections + headlines + foot;
  }

  priority(p, card) {
    const london = card.layer === 'london';
    const label = p.number ? `${p.number}. ${p.title}` : p.title;
    const measures = p.measures && p.measures.length ? `<p class="sc-measures">The Vision\u2019s measures: ${escapeHtml(p.measures.join('; '))}.</p>` : '';
    const note = p.note ? `<p class="sc-note" data-note="${escapeHtml(p.id)}">${escapeHtml(p.note)}</p>` : '';
    if (!p.rows.length) {
      const none = p.note ? '' : `<p class="sc-note">No measure of this priority is in the atlas\u2019s open data${card.layer === 'london' ? '' : ` for ${escapeHtml(GEO_LABEL[card.layer] || card.layer)}`} yet.</p>`;
      return `<section class="sc-priority sc-empty" data-priority="${escapeHtml(p.id)}"><h2>${escapeHtml(label)}</h2>${measures}${note}${none}</section>`;
    }
    const rows = p.rows.map(r => {
      const u = r.unit;
      const cmp = comparisonBadge(r.comparison) || '<span class="sc-none" aria-hidden="true">–</span><span class="sr-only">no comparison published</span>';
      const trend = trendHtml(r.trend, u) || '<span class="sc-none" aria-hidden="true">–</span><span class="sr-only">one period only</span>';
      const rank = r.rank ? `${r.rank} of ${r.of}` : '';
      return `<tr data-indicator="${escapeHtml(r.indicator)}">
        <th scope="row">${escapeHtml(familyTitle(r.title))}</th>
        <td data-label="Period">${escapeHtml(r.period)}</td>
        <td class="unit" data-label="Unit">${escapeHtml(u)}</td>
        <td class="num" data-field="value" data-label="${escapeHtml(card.name)}">${escapeHtml(figure(r.value, r, this.catalog))}</td>
        ${london ? '' : `<td class="num" data-field="london" data-label="London">${escapeHtml(figure(r.london, r, this.catalog))}</td>`}
        <td class="num" data-field="england" data-label="England">${r.england === null || r.england === undefined ? '<span class="sc-none" title="not published">–</span>' : escapeHtml(figure(r.england, r, this.catalog))}</td>
        <td data-field="comparison" data-label="Compared with England">${cmp}</td>
        <td data-field="trend" data-label="Trend">${trend}</td>
        ${london ? '' : `<td class="num" data-field="rank" data-label="Rank (1 = highest)">${escapeHtml(rank)}</td>`}
      </tr>`;
    }).join('');
    return `<section class="sc-priority" data-priority="${escapeHtml(p.id)}"><h2>${escapeHtml(label)}</h2>${measures}${note}
      <div class="sc-scroll"><table class="sc-table">
        <thead><tr><th scope="col" class="c-measure">Measure</th><th scope="col" class="c-period">Period</th><th scope="col" class="c-unit">Unit</th><th scope="col" class="num c-value">${escapeHtml(card.name.length > 24 ? 'Here' : card.name)}</th>
          ${london ? '' : '<th scope="col" class="num c-value">London</th>'}<th scope="col" class="num c-value">England</th>
          <th scope="col" class="c-cmp">Compared with England</th><th scope="col" class="c-trend">Trend</th>${london ? '' : '<th scope="col" class="num c-rank">Rank</th>'}</tr></thead>
        <tbody>${rows}</tbody></table></div></section>`;
  }
}
