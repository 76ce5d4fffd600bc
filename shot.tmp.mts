import { startWebApp } from './test/browser/harness';
const app = await startWebApp();
for (const [w, h] of [[1400, 900], [1024, 700]]) {
  const page = await app.browser.newPage({ viewport: { width: w, height: h } });
  const msgs: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') msgs.push(`${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => msgs.push('pageerror: ' + e.message));
  await page.goto(app.url);
  await page.waitForSelector('body[data-state="loaded"]', { timeout: 60000 });
  await page.waitForSelector('body[data-images="hung"]', { timeout: 60000 });
  await page.waitForTimeout(1000);
  await page.screenshot({ path: `/tmp/shot-${w}.png` });
  console.log(w, h, await page.title(), msgs);
  await page.close();
}
await app.close();
