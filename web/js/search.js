// Search box: asks /api/search as the user types (debounced) and on submit, lists postcodes,
// places, stations, boroughs, wards, neighbourhoods and schools as a keyboard-navigable listbox, and hands the chosen result (or
// a "lon, lat" point) to the page, which flies there and opens the profile.

import { api } from './api.js';
import { escapeHtml } from './html.js';

/** Results at a point: they open the neighbourhood holding it and never change the map's geography. */
const KIND = { postcode: 'Postcode', postcode_sector: 'Postcode sector', postcode_district: 'Postcode district', place: 'Place', station: 'Station', point: 'Point' };
const LAYER_KIND = { ics: 'Integrated Care System', boroughs: 'Borough', wards: 'Ward', lsoa11: 'Neighbourhood 2011', lsoa21: 'Neighbourhood 2021', superzones: 'School' };

export class Search {
  /** onResult({layer, code, name, bbox, center}) for an area, onPoint([lon, lat]) for coordinates. */
  constructor({ onResult, onPoint }) {
    this.form = document.getElementById('search-form');
    this.input = document.getElementById('search');
    this.list = document.getElementById('search-results');
    this.onResult = onResult;
    this.onPoint = onPoint;
    this.results = [];
    this.active = -1;
    this.timer = null;
    this.seq = 0;
    this.input.setAttribute('role', 'combobox');
    this.input.setAttribute('aria-expanded', 'false');
    this.form.addEventListener('submit', e => { e.preventDefault(); this.submit(); });
    this.input.addEventListener('input', () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.lookup(false), 200);
    });
    this.input.addEventListener('keydown', e => this.key(e));
    this.list.addEventListener('click', e => {
      const li = e.target.closest('li[data-index]');
      if (li) this.choose(Number(li.dataset.index));
    });
    document.addEventListener('click', e => { if (!this.form.contains(e.target)) this.close(); });
  }

  async submit() {
    clearTimeout(this.timer); // Enter beats the pending type-ahead lookup
    if (this.active >= 0 && this.results[this.active]) return this.choose(this.active);
    const answer = await this.lookup(true);
    if (!answer) return;
    if (answer.point) { this.close(); this.onPoint(answer.point); return; }
    // Enter picks the best match (boroughs first, then names, as the API ranks them).
    if (this.results.length) this.choose(0);
  }

  /** Runs the search; `go` = the user pressed Enter. Returns the API answer. */
  async lookup(go) {
    const q = this.input.value.trim();
    if (q.length < 2) { this.close(); return null; }
    const seq = ++this.seq;
    let answer;
    try {
      answer = await api.search(q);
    } catch (e) {
      if (seq === this.seq) this.message(e.message);
      return null;
    }
    if (seq !== this.seq) return null;
    this.results = answer.results || [];
    this.active = -1;
    if (answer.point) {
      this.message(`Go to ${answer.point[0]}, ${answer.point[1]} (press Enter)`);
      if (go) return answer;
      return answer;
    }
    if (!this.results.length) {
      this.message(answer.message ? `${answer.message}.` : 'Nothing found. Try a postcode, a place or station, a borough or ward, an LSOA name or code, a school name, or “lon, lat”.');
      return answer;
    }
    this.render();
    return answer;
  }

  render() {
    this.list.innerHTML = this.results.map((r, k) => `<li role="option" id="sr-${k}" data-index="${k}" data-code="${escapeHtml(r.code)}" aria-selected="${k === this.active}">` +
      (KIND[r.kind]
        ? `${escapeHtml(r.name)} <span class="kind">${escapeHtml(r.detail || KIND[r.kind])}${r.borough_name ? `, ${escapeHtml(r.borough_name)}` : ''}</span></li>`
        : `${escapeHtml(r.name)} <span class="kind">${escapeHtml(LAYER_KIND[r.layer] || r.layer)}${r.layer !== 'boroughs' && r.borough_name ? `, ${escapeHtml(r.borough_name)}` : ''}${r.layer !== 'superzones' ? ` · ${escapeHtml(r.code)}` : ''}</span></li>`)).join('');
    this.list.hidden = false;
    this.input.setAttribute('aria-expanded', 'true');
    if (this.active >= 0) this.input.setAttribute('aria-activedescendant', `sr-${this.active}`);
    else this.input.removeAttribute('aria-activedescendant');
  }

  message(text) {
    this.results = [];
    this.list.innerHTML = `<li role="option" aria-disabled="true">${escapeHtml(text)}</li>`;
    this.list.hidden = false;
    this.input.setAttribute('aria-expanded', 'true');
  }

  key(e) {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      if (!this.results.length) return;
      e.preventDefault();
      const n = this.results.length;
      this.active = e.key === 'ArrowDown' ? (this.active + 1) % n : (this.active - 1 + n) % n;
      this.render();
      const li = this.list.querySelector(`#sr-${this.active}`);
      if (li) li.scrollIntoView({ block: 'nearest' });
    } else if (e.key === 'Escape') {
      this.close();
    }
  }

  choose(k) {
    const r = this.results[k];
    if (!r) return;
    clearTimeout(this.timer);
    this.seq++; // a lookup still in flight must not reopen the list
    this.close();
    this.input.value = r.name;
    // A postcode, place or station opens the neighbourhood at its point, whatever the map shows.
    if (KIND[r.kind]) this.onPoint(r.center);
    else this.onResult(r);
  }

  close() {
    this.list.hidden = true;
    this.list.innerHTML = '';
    this.active = -1;
    this.input.setAttribute('aria-expanded', 'false');
    this.input.removeAttribute('aria-activedescendant');
  }
}
