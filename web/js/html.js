// HTML escaping: the one helper every module uses to put text from the API (names, titles,
// sources, error messages) into innerHTML strings and double-quoted attributes.

const ENTITIES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe for HTML content and quoted attributes; null and undefined become ''. */
export function escapeHtml(s) {
  return String(s ?? '').replace(/[&<>"']/g, c => ENTITIES[c]);
}
