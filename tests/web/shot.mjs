// Screenshots for looking at the page as users do (not a test): node tests/web/shot.mjs BASE PATH OUT [width height]
import { startBrowser, openPage } from './harness.mjs';
const [base, path, out, w, h] = process.argv.slice(2);
const browser = await startBrowser({ width: Number(w || 1280), height: Number(h || 800) });
try {
  const p = await openPage(browser.context, base, path);
  await p.page.waitForFunction(() => window.atlas && window.atlas.firstRender, null, { timeout: 60000 });
  await p.page.evaluate(() => window.atlas.am && window.atlas.am.idle());
  await p.page.waitForTimeout(500);
  await p.page.screenshot({ path: out });
  if (p.problems.length) console.log('problems:', p.problems.join('\n'));
} finally {
  await browser.close();
}
