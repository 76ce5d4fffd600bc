// The desktop app's "New Scene from Photos…" (electron/newScene.ts) without Electron: dialogs and progress are
// the test's, COLMAP a stand-in script (the real one on the fern photos is test/cli/process.test.ts's).
import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync, chmodSync, existsSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import * as os from 'node:os';
import { NewScene, suggestedOutput, type NewSceneProgress, type NewSceneKind } from '../../electron/newScene';

const root = mkdtempSync(path.join(os.tmpdir(), 'mulfa-newscene-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A COLMAP stand-in: reports progress like COLMAP, registers nothing; `slow` makes feature extraction hang. */
function fakeColmap(name: string, slow = false): string {
  const file = path.join(root, name);
  writeFileSync(file, `#!/bin/sh
case "$1" in
  help) exit 0 ;;
  feature_extractor) ${slow ? 'sleep 30' : 'for i in 1 2 3; do echo "Processed file [$i/3]"; done'} ;;
  exhaustive_matcher) echo "Matching block [1/1, 1/1]" ;;
  mapper) echo "Registering image #1 (1)" ;;
esac
exit 0
`);
  chmodSync(file, 0o755);
  return file;
}

function photos(name: string, n: number): string {
  const dir = path.join(root, name);
  mkdirSync(dir);
  for (let i = 0; i < n; i++) writeFileSync(path.join(dir, `IMG_${i}.jpg`), new Uint8Array([0xff, 0xd8, 0xff, i]));
  return dir;
}

function ui(input: string | null, out: string | null, events: NewSceneProgress[] = [], asked: string[] = []) {
  return {
    chooseInput: async (kind: NewSceneKind) => { asked.push(kind); return input; },
    chooseOutput: async (suggested: string) => { asked.push(suggested); return out; },
    progress: (p: NewSceneProgress) => events.push(p),
  };
}

describe('New Scene from Photos (main process)', () => {
  it('refuses a kind the renderer should not send, and cancelled dialogs make nothing', async () => {
    const ns = new NewScene(fakeColmap('colmap-a'));
    await expect(ns.run('../../etc', ui('/x', '/y'))).rejects.toThrow(/"photos" or "video"/);
    const asked: string[] = [];
    expect(await ns.run('photos', ui(null, null, [], asked))).toBeNull();
    const input = photos('cancelled', 3);
    expect(await ns.run('video', ui(input, null, [], asked))).toBeNull();
    expect(asked).toEqual(['photos', 'video', path.join(root, 'cancelled-scene')]);
    expect(existsSync(path.join(root, 'cancelled-scene'))).toBe(false);
    expect(ns.running).toBe(false);
  });

  it('suggests a new sibling folder named after the photos (or the video, without its extension)', () => {
    mkdirSync(path.join(root, 'shots-scene'));
    expect(suggestedOutput(path.join(root, 'shots'))).toBe(path.join(root, 'shots-scene-2'));
    expect(suggestedOutput(path.join(root, 'walk.mp4'))).toBe(path.join(root, 'walk-scene'));
  });

  it('reports COLMAP stage by stage; too few registered photos is one message and no folder is left', async () => {
    const events: NewSceneProgress[] = [];
    const out = path.join(root, 'fail-out');
    await expect(new NewScene(fakeColmap('colmap-b')).run('photos', ui(photos('three', 3), out, events)))
      .rejects.toThrow(/^three: COLMAP registered none of the 3 photos/);
    expect(existsSync(out)).toBe(false);
    const stages = events.flatMap((e) => ('stage' in e ? [`${e.stage} ${e.fraction.toFixed(2)}`] : []));
    expect(stages).toEqual(['photos 0.00', 'photos 1.00', 'features 0.33', 'features 0.67', 'features 1.00', 'features 1.00',
      'matching 1.00', 'matching 1.00', 'mapping 0.33', 'mapping 1.00']);
    expect(events.some((e) => 'line' in e && e.line === '3 photos from three')).toBe(true);
  });

  it('cancel stops COLMAP at once, removes the half-made folder, and one run at a time', async () => {
    const ns = new NewScene(fakeColmap('colmap-slow', true));
    const out = path.join(root, 'slow-out');
    const t0 = performance.now();
    const run = ns.run('photos', ui(photos('slow', 3), out));
    await new Promise((r) => setTimeout(r, 400));
    expect(ns.running).toBe(true);
    expect(existsSync(path.join(out, 'images', 'IMG_0.jpg'))).toBe(true);
    await expect(ns.run('photos', ui('/x', '/y'))).rejects.toThrow(/already being made/);
    expect(ns.cancel()).toBe(true);
    await expect(run).rejects.toThrow(/cancelled/);
    expect(performance.now() - t0).toBeLessThan(5000); // not the stand-in's 30 s
    expect(existsSync(out)).toBe(false);
    expect(ns.running).toBe(false);
    expect(ns.cancel()).toBe(false);
  });
});
