// Video export in the web app (headless Chromium): an orbit of the trained demo, rendered by the engine in
// the worker, encoded with WebCodecs, downloaded as a file ffprobe reads; the path JSON round-trips.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { startWebApp, newPage, chromiumAvailable, ARTIFACTS, type WebApp } from './harness';

const hasFfprobe = spawnSync('ffprobe', ['-version'], { stdio: 'ignore' }).status === 0;
let app: WebApp;

describe.skipIf((!chromiumAvailable() || !hasFfprobe) && !process.env.CI)('video export in the web app', () => {
  beforeAll(async () => { app = await startWebApp(); });
  afterAll(async () => { await app?.close(); });

  it('exports a short orbit of the demo to a video file, and the camera path round-trips', async () => {
    const { page, errors } = await newPage(app);
    await page.goto(app.url);
    await page.waitForSelector('body[data-state="loaded"]', { timeout: 60_000 });
    await page.selectOption('#model', 'dense');
    await page.fill('#resolution', '16');
    await page.fill('#time-budget', '0');
    await page.fill('#max-steps', '60');
    await page.click('#train-start');
    await page.waitForSelector('body[data-train="done"]', { timeout: 120_000 });
    await page.click('#camera-path summary'); // the panel starts collapsed
    await page.click('#kf-orbit');
    expect(await page.getAttribute('body', 'data-keyframes')).toBe('8');
    await page.fill('#path-seconds', '1');
    await page.fill('#path-fps', '8');
    await page.fill('#path-size', '32x32');
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 120_000 }), page.click('#export-video')]);
    const name = download.suggestedFilename();
    const file = `${ARTIFACTS}/${name}`;
    await download.saveAs(file);
    const j = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-show_entries', 'stream=codec_name,width,height,nb_read_frames',
      '-of', 'json', file], { encoding: 'utf8' }));
    const s = j.streams[0];
    expect(['h264', 'vp9', 'vp8']).toContain(s.codec_name);
    expect([s.width, s.height, Number(s.nb_read_frames)]).toEqual([32, 32, 8]);
    expect(name).toMatch(/\.(mp4|webm)$/);
    console.log(`app video: ${name}, ${s.codec_name}`);
    // the path as nerfstudio JSON, re-imported: the same keyframes
    const [pathDl] = await Promise.all([page.waitForEvent('download'), page.click('#path-export')]);
    const json = JSON.parse(readFileSync((await pathDl.path())!, 'utf8'));
    expect(json.camera_path).toHaveLength(8);
    json.camera_path = json.camera_path.slice(0, 5);
    const pf = `${ARTIFACTS}/camera_path.json`;
    writeFileSync(pf, JSON.stringify(json));
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.click('#path-import')]);
    await chooser.setFiles(pf);
    await page.waitForSelector('body[data-keyframes="5"]');
    expect(errors).toEqual([]);
    await page.close();
  }, 300_000);
});
