// The web build in headless Chromium: the demo loads, images decode in the browser exactly as in Node,
// a malformed dataset shows the CLI's message and the app recovers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { startWebApp, newPage, screenshot, chromiumAvailable, REPO, type WebApp } from './harness';
import { TempDir, writeBlender, pngBytes, jpegBytes } from '../fixtures/datasets';
import { decodeImage } from '../../datasets/image/decode';

let app: WebApp;

/** Clicks "Open dataset…" and picks a folder in the file chooser, as a user would. */
async function chooseFolder(page: Page, dir: string): Promise<void> {
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.click('#open-dataset')]);
  await chooser.setFiles(dir);
}
const dirs: TempDir[] = [];

describe.skipIf(!chromiumAvailable() && !process.env.CI)('web app in Chromium', () => {
  beforeAll(async () => { app = await startWebApp(); });
  afterAll(async () => { await app?.close(); dirs.forEach((d) => d.dispose()); });

  it('opens on the demo scene with its views', async () => {
    const { page, errors } = await newPage(app);
    await page.goto(app.url);
    await page.waitForSelector('body[data-state="loaded"]', { timeout: 60_000 });
    expect(await page.textContent('#dataset-title')).toContain('demo');
    expect(await page.locator('#thumbs canvas').count()).toBe(12);
    // a thumbnail shows the rendered objects, not a blank canvas
    const nonWhite = await page.evaluate(() => {
      const c = document.querySelector('#thumbs canvas') as HTMLCanvasElement;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i] < 250 || d[i + 1] < 250 || d[i + 2] < 250) n++;
      return n / (d.length / 4);
    });
    expect(nonWhite).toBeGreaterThan(0.1);
    await screenshot(page, 'app-demo');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('decodes PNG and JPEG in the browser to the same floats as in Node', async () => {
    const { page } = await newPage(app);
    await page.goto(app.url);
    const files = { 'a.png': pngBytes(23, 17, 4), 'b.png': pngBytes(16, 9, 2, false), 'c.jpg': jpegBytes(24, 16, 3) };
    for (const [name, bytes] of Object.entries(files)) {
      // a string, so the test runner does not rewrite the dynamic import
      const browser = await page.evaluate(`(async () => {
        const mod = await import('/@fs${REPO}/datasets/image/decode.ts');
        const img = mod.decodeImage(new Uint8Array(${JSON.stringify(Array.from(bytes))}), '${name}');
        return { width: img.width, height: img.height, hasAlpha: img.hasAlpha, data: Array.from(img.data) };
      })()`) as { width: number; height: number; hasAlpha: boolean; data: number[] };
      const node = decodeImage(bytes, name);
      expect(browser).toMatchObject({ width: node.width, height: node.height, hasAlpha: node.hasAlpha });
      expect(browser.data).toEqual(Array.from(node.data));
    }
    await page.close();
  });

  it('a malformed dataset shows a clear error and the app stays usable', async () => {
    const { page, errors } = await newPage(app);
    await page.goto(app.url);
    await page.waitForSelector('body[data-state="loaded"]', { timeout: 60_000 });
    const d = new TempDir();
    dirs.push(d);
    writeBlender(d, { train: 3 }, 8);
    const json = JSON.parse(readFileSync(d.path('transforms_train.json'), 'utf8'));
    json.frames[1].transform_matrix = [[1, 0, 0]];
    d.json('transforms_train.json', json);
    await chooseFolder(page, d.path());
    await page.waitForSelector('body[data-state="error"]');
    const message = await page.textContent('#error');
    expect(message).toContain('transforms_train.json, frames[1].transform_matrix: must be 4×4 numbers');
    expect(await page.isVisible('#error')).toBe(true);
    await screenshot(page, 'app-bad-dataset');
    // still usable: the demo opens again and the error goes away
    await page.click('#open-demo');
    await page.waitForSelector('body[data-state="loaded"]');
    expect(await page.isVisible('#error')).toBe(false);
    // and a good folder opens
    const good = new TempDir();
    dirs.push(good);
    writeBlender(good, { train: 4, test: 1 }, 16);
    await chooseFolder(page, good.path());
    await page.waitForSelector('body[data-state="loaded"] #dataset-title:has-text("blender")');
    expect(await page.locator('#thumbs canvas').count()).toBe(4);
    expect(errors).toEqual([]);
    await page.close();
  });
});
