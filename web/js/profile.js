// Profile panel: shows one area from /api/areas/{layer}/{code}: the current indicator's value
// beside the London figure, its rank of N and the share of London areas below it, national IMD decile where known,
// its borough, source and year; for a school zone the school's name and phase; then every other
// indicator of the area in a small table.

import { api } from './api.js';
import { GEO_LABEL, fmt, fmtUnit } from './catalog.js';
import { escapeHtml } from './html.js';

const KIND = { boroughs: 'Borough', lsoa11: 'Neighbourhood (2011 LSOA)', lsoa21: 'Neighbourhood (2021 LSOA)', superzones: 'School zone' };

export class Profile {
  constructor(catalog, { onClose }) {
    this.catalog = catalog;
    this.el = document.getElementById('profile');
    this.body = document.getElementById('profile-body');
    this.title = document.getElementById('profile-title');
    this.current = null;
    this.seq = 0;
    document.getElementById('profile-close').addEventListener('click', () => { this.hide(); onClose(); });
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

  /** Re-render for other indicators (the user changed the indicator with the panel open). */
  refresh(indicatorIds) {
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
    if (p.layer !== 'boroughs' && p.borough_name) facts.push(['Borough', p.borough_name]);
    const main = indicatorIds.map(id => this.headline(p, id)).join('');
    const rows = Object.entries(p.indicators)
      .filter(([id]) => !indicatorIds.includes(id) && cat.indicator(id))
      .sort(([a], [b]) => cat.indicators.findIndex(i => i.id === a) - cat.indicators.findIndex(i => i.id === b))
      .map(([id, v]) => {
        const ind = cat.indicator(id);
        return `<tr><th scope="row">${escapeHtml(ind.title)}</th><td class="num">${escapeHtml(fmt(v.value, ind.unit))}</td>` +
          `<td class="num">${v.london === null ? '' : escapeHtml(fmt(v.london, ind.unit))}</td></tr>`;
      }).join('');
    this.body.innerHTML = `
      <dl>${facts.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>
      ${main}
      <details><summary>All indicators for this area</summary>
        <table><thead><tr><th scope="col">Indicator</th><th scope="col" class="num">Here</th><th scope="col" class="num">London</th></tr></thead>
        <tbody>${rows}</tbody></table></details>
      <p class="src">${escapeHtml(GEO_LABEL[p.layer] || p.layer)}: values ${p.layer === 'lsoa11' || p.layer === 'lsoa21' ? 'as published' : 'aggregated from neighbourhoods (see each method)'}.</p>`;
  }

  headline(p, id) {
    const ind = this.catalog.indicator(id);
    const v = p.indicators[id];
    if (!ind) return '';
    if (!v) return `<div class="headline" data-indicator="${escapeHtml(id)}"><h3>${escapeHtml(ind.title)}</h3><p>Not published for this kind of area.</p></div>`;
    const over = ind.threshold !== null && ind.threshold !== undefined && v.value !== null && v.value > ind.threshold;
    let rank = '';
    if (v.rank && v.of) {
      const which = ind.unit === 'decile' ? 'highest decile (least deprived)' : 'highest';
      rank = `<dt>Rank</dt><dd data-field="rank">${v.rank.toLocaleString('en-GB')} of ${v.of.toLocaleString('en-GB')} (1 = ${which})</dd>`;
      if (ind.unit !== 'decile' && v.of > 1) {
        const below = Math.round(((v.of - v.rank) / v.of) * 100);
        rank += `<dt>In London</dt><dd data-field="share">higher than ${below}% of ${escapeHtml(KIND_PLURAL[p.layer] || 'areas')}</dd>`;
      }
    }
    const decile = ind.unit === 'decile' && v.value !== null
      ? `<dt>National decile</dt><dd data-field="decile">${fmt(v.value, 'decile')}${v.value === 1 ? ' (most deprived 10% in England)' : v.value === 10 ? ' (least deprived 10%)' : ''}</dd>` : '';
    return `<div class="headline" data-indicator="${escapeHtml(id)}">
      <h3>${escapeHtml(ind.title)}</h3>
      <p class="big" data-field="value">${escapeHtml(fmtUnit(v.value, ind.unit))} ${over ? '<span class="badge">above legal limit</span>' : ''}</p>
      <dl>
        ${v.london !== null && v.london !== undefined ? `<dt>London</dt><dd data-field="london">${escapeHtml(fmtUnit(v.london, ind.unit))}</dd>` : ''}
        ${rank}${decile}
        <dt>Source</dt><dd>${escapeHtml(ind.source_title)}, ${escapeHtml(ind.year)}</dd>
        <dt>Method</dt><dd>${escapeHtml(v.method)}</dd>
      </dl></div>`;
  }
}

const KIND_PLURAL = { boroughs: 'boroughs', lsoa11: 'neighbourhoods', lsoa21: 'neighbourhoods', superzones: 'school zones' };
