// Profile panel: shows one area from /api/areas/{layer}/{code}: the current indicator's value
// beside the London and England figures, the comparison with England in Fingertips' words where
// the server gives one (else its rank of N and the share of London areas below it), national
// IMD decile where known, its borough, source and period; for a school zone the school's name
// and phase; in the change view the change between the two periods; a trend chart for each
// series of the area (trend.js); a Scorecard button for boroughs and Integrated Care Systems;
// then every other indicator of the area in a small table.

import { api } from './api.js';
import { GEO_LABEL, fmt, fmtUnit, periodOf } from './catalog.js';
import { escapeHtml } from './html.js';
import { trendFigure } from './trend.js';
import { failsThreshold, meaning, shortName } from './meaning.js';
import { COMPARISON, comparisonBadge, signed, upDown } from './vision.js';
import { SCORECARD_LAYERS } from './scorecard.js';

const KIND = {
  ics: 'Integrated Care System', boroughs: 'Borough', wards: 'Ward (2013)',
  lsoa11: 'Neighbourhood (2011 LSOA)', lsoa21: 'Neighbourhood (2021 LSOA)', superzones: 'School zone',
};

export class Profile {
  /** onClose(); onScorecard(layer, code, button) opens the area's scorecard. */
  constructor(catalog, { onClose, onScorecard }) {
    this.catalog = catalog;
    this.change = null;
    this.el = document.getElementById('profile');
    this.body = document.getElementById('profile-body');
    this.title = document.getElementById('profile-title');
    this.current = null;
    this.seq = 0;
    document.getElementById('profile-close').addEventListener('click', () => { this.hide(); onClose(); });
    this.body.addEventListener('click', e => {
      const b = e.target.closest('button[data-scorecard]');
      if (b && this.current) onScorecard(this.current.layer, this.current.code, b);
    });
    // Escape inside the panel closes it, like the close button.
    this.el.addEventListener('keydown', e => {
      if (e.key === 'Escape' && !this.el.hidden) { this.hide(); onClose(); }
    });
  }

  hide() {
    this.el.hidden = true;
    this.current = null;
  }

  /** Loads and shows an area; `focus` moves keyboard focus to the panel's heading. */
  async show(layer, code, indicatorIds, focus = false) {
    const seq = ++this.seq;
    this.el.hidden = false;
    this.el.dataset.state = 'loading';
    this.title.textContent = 'Loading…';
    this.body.innerHTML = '';
    let p;
    try {
      p = await api.area(layer, code);
    } catch (e) {
      if (seq !== this.seq) return null;
      this.title.textContent = 'Area not found';
      this.body.innerHTML = `<p>${escapeHtml(e.message)}</p>`;
      this.el.dataset.state = 'error';
      return null;
    }
    if (seq !== this.seq) return null;
    this.current = p;
    this.render(p, indicatorIds);
    this.el.dataset.state = 'ready';
    this.el.dataset.code = p.code;
    this.el.dataset.layer = p.layer;
    if (focus) { this.title.tabIndex = -1; this.title.focus(); }
    else this.el.scrollIntoView({ block: 'nearest' });
    return p;
  }

  /** Re-render for other indicators (the user changed the indicator with the panel open);
   * `change` is {from, to} in the change view, else null. */
  refresh(indicatorIds, change = null) {
    this.change = change;
    if (this.current) this.render(this.current, indicatorIds);
  }

  render(p, indicatorIds) {
    const cat = this.catalog;
    this.title.textContent = p.name;
    const props = p.properties || {};
    const facts = [
      ['Type', KIND[p.layer] || p.layer],
      ['Code', p.code],
    ];
    if (p.layer === 'superzones') {
      facts.unshift(['School', p.name]);
      if (props.phase) facts.push(['Phase', props.phase]);
      if (props.type) facts.push(['School type', props.type]);
      if (props.postcode) facts.push(['School postcode', props.postcode]);
      facts.push(['Zone', '400 m around the school']);
    }
    if (props.partnership) facts.push(['Partnership', props.partnership]);
    if (props.nhs_code) facts.push(['NHS code', props.nhs_code]);
    if (p.layer !== 'boroughs' && p.borough_name) facts.push(['Borough', p.borough_name]);
    const main = this.changeLine(p) + indicatorIds.map(id => this.headline(p, id)).join('');
    const rows = Object.entries(p.indicators)
      .filter(([id]) => !indicatorIds.includes(id) && cat.indicator(id))
      .sort(([a], [b]) => cat.indicators.findIndex(i => i.id === a) - cat.indicators.findIndex(i => i.id === b))
      .map(([id, v]) => {
        const ind = cat.indicator(id);
        const eng = v.reference && v.reference.value;
        return `<tr><th scope="row">${escapeHtml(ind.title)}</th><td class="num">${escapeHtml(fmt(v.value, ind.unit))}</td>` +
          `<td class="num">${v.london === null ? '' : escapeHtml(fmt(v.london, ind.unit))}</td>` +
          `<td class="num">${eng === null || eng === undefined ? '' : escapeHtml(fmt(eng, ind.unit))}</td></tr>`;
      }).join('');
    const card = SCORECARD_LAYERS.includes(p.layer)
      ? `<p class="card-link"><button type="button" class="secondary" data-scorecard>Scorecard</button> <span class="hint">every priority of the Vision for ${escapeHtml(p.name)}, printable, with a CSV</span></p>` : '';
    this.body.innerHTML = `
      <dl>${facts.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>
      ${card}
      ${main}
      ${this.trends(p, indicatorIds)}
      <details><summary>All indicators for this area</summary>
        <table><thead><tr><th scope="col">Indicator</th><th scope="col" class="num">Here</th><th scope="col" class="num">London</th><th scope="col" class="num">England</th></tr></thead>
        <tbody>${rows}</tbody></table></details>
      <p class="src">${escapeHtml(GEO_LABEL[p.layer] || p.layer)}: values ${p.layer === 'lsoa11' || p.layer === 'lsoa21' ? 'as published' : 'as published or aggregated (see each method)'}.</p>`;
  }

  /** In the change view: the change of the area between the two periods, with its direction. */
  changeLine(p) {
    if (!this.change) return '';
    const cat = this.catalog;
    const from = cat.indicator(this.change.from), to = cat.indicator(this.change.to);
    const a = p.indicators[from.id], b = p.indicators[to.id];
    if (!a || !b) return '';
    const unit = to.unit;
    let text = 'no data for one of the two periods';
    if (Number.isFinite(a.value) && Number.isFinite(b.value)) {
      const d = b.value - a.value;
      const words = upDown(unit, to.aggregation === 'sum');
      const better = to.polarity === 'higher-is-worse' ? d < 0 : to.polarity === 'lower-is-worse' ? d > 0 : null;
      const sense = d === 0 ? 'no change' : `${d > 0 ? words.up : words.down}${better === null ? '' : better ? ', better' : ', worse'}`;
      text = `${fmt(a.value, unit)} → ${fmtUnit(b.value, unit)}: ${signed(d, unit)} (${sense})`;
    }
    return `<div class="headline change-line" data-change="${escapeHtml(from.id)}:${escapeHtml(to.id)}"><h3>Change ${escapeHtml(periodOf(from))} to ${escapeHtml(periodOf(to))}</h3><p class="big" data-field="change">${escapeHtml(text)}</p></div>`;
  }

  /** A trend chart for every series the area has, the shown indicator's series first. */
  trends(p, indicatorIds) {
    const cat = this.catalog;
    const shownSeries = indicatorIds.map(id => cat.indicator(id)).filter(Boolean).map(i => i.series).filter(Boolean);
    const ids = Object.keys(p.series || {}).sort((a, b) => (shownSeries.includes(b) ? 1 : 0) - (shownSeries.includes(a) ? 1 : 0));
    const figs = ids.map(sid => {
      const rows = p.series[sid];
      if (!rows || !rows.length) return '';
      const ind = cat.indicator(rows[rows.length - 1].indicator);
      const fam = ind && cat.family(ind.id);
      return trendFigure(rows, {
        id: sid,
        title: fam ? fam.title : sid,
        unit: ind ? ind.unit : '',
        areaName: p.name,
        isCount: !!ind && ind.aggregation === 'sum',
      });
    }).join('');
    return figs ? `<section class="trends" aria-label="Trends"><h3>Trends</h3>${figs}</section>` : '';
  }

  headline(p, id) {
    const ind = this.catalog.indicator(id);
    const v = p.indicators[id];
    if (!ind) return '';
    if (!v) return `<div class="headline" data-indicator="${escapeHtml(id)}"><h3>${escapeHtml(ind.title)}</h3><p>Not published for this kind of area.</p></div>`;
    const fails = failsThreshold(ind, v.value);
    const badge = fails ? `<span class="badge">${ind.polarity === 'lower-is-worse' ? 'below' : 'above'} ${escapeHtml(shortName(ind.threshold_name))}</span>` : '';
    const m = meaning(ind, v.value, v.london);
    let rank = '', vsEngland = '';
    const cmp = v.comparison && COMPARISON[v.comparison];
    if (cmp) {
      const ci = Array.isArray(v.interval) && v.interval.length === 2
        ? ` <span class="ci">(confidence interval ${escapeHtml(fmt(v.interval[0], ind.unit))}–${escapeHtml(fmt(v.interval[1], ind.unit))})</span>` : '';
      vsEngland = `<dt>vs England</dt><dd data-field="comparison">${comparisonBadge(v.comparison)}${ci}</dd>`;
    }
    if (v.rank && v.of) {
      const which = ind.unit === 'decile' ? 'highest decile (least deprived)' : 'highest';
      rank = `<dt>Rank</dt><dd data-field="rank">${v.rank.toLocaleString('en-GB')} of ${v.of.toLocaleString('en-GB')} (1 = ${which})</dd>`;
      if (ind.unit !== 'decile' && v.of > 1 && !cmp) {
        const below = Math.round(((v.of - v.rank) / v.of) * 100);
        rank += `<dt>In London</dt><dd data-field="share">higher than ${below}% of ${escapeHtml(KIND_PLURAL[p.layer] || 'areas')}</dd>`;
      }
    }
    const decile = ind.unit === 'decile' && v.value !== null
      ? `<dt>National decile</dt><dd data-field="decile">${fmt(v.value, 'decile')}${v.value === 1 ? ' (most deprived 10% in England)' : v.value === 10 ? ' (least deprived 10%)' : ''}</dd>` : '';
    return `<div class="headline" data-indicator="${escapeHtml(id)}">
      <h3>${escapeHtml(ind.title)}</h3>
      <p class="big" data-field="value">${escapeHtml(fmtUnit(v.value, ind.unit))} ${badge}</p>
      <p class="meaning" data-field="meaning">${m.sentences.map(escapeHtml).join(' ')}</p>
      <p class="meaning-source">${escapeHtml(m.sources)}</p>
      <dl>
        ${v.london !== null && v.london !== undefined ? `<dt>London</dt><dd data-field="london">${escapeHtml(fmtUnit(v.london, ind.unit))}</dd>` : ''}
        ${v.reference && v.reference.value !== null && v.reference.value !== undefined ? `<dt>${escapeHtml(v.reference.name || 'England')}</dt><dd data-field="england">${escapeHtml(fmtUnit(v.reference.value, ind.unit))}</dd>` : ''}
        ${vsEngland}${rank}${decile}
        <dt>Source</dt><dd>${escapeHtml(ind.source_title)}, ${escapeHtml(periodOf(ind))}</dd>
        <dt>Method</dt><dd>${escapeHtml(v.method)}</dd>
      </dl></div>`;
  }
}

const KIND_PLURAL = { ics: 'Integrated Care Systems', boroughs: 'boroughs', wards: 'wards', lsoa11: 'neighbourhoods', lsoa21: 'neighbourhoods', superzones: 'school zones' };
