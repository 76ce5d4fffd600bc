/**
 * "New Scene from Photos…" / "…from Video…": the main process asks where the photos are and where the new
 * dataset goes (native dialogs: the renderer never names a path), runs COLMAP through the same code as
 * `mulfa process` (datasets/node/processPhotos.ts) with progress for the window, and returns the dataset
 * folder, which main.ts then grants like any opened folder. One run at a time; cancel kills COLMAP and
 * removes the half-made folder.
 */
import * as path from 'node:path';
import { existsSync } from 'node:fs';
import { InputError } from '../core/errors';
import { processPhotos, type ProcessStage } from '../datasets/node/processPhotos';

export type NewSceneKind = 'photos' | 'video';
/** A stage's fraction done, or one of the log lines `mulfa process` prints. */
export type NewSceneProgress = { stage: ProcessStage; fraction: number } | { line: string };

/** What the run needs from the window (dialogs and progress); tests pass their own. */
export interface NewSceneUi {
  /** A folder of photos ('photos') or a video file ('video'); null when cancelled. */
  chooseInput(kind: NewSceneKind): Promise<string | null>;
  /** The new dataset folder (it must not exist or be empty); null when cancelled. */
  chooseOutput(suggested: string): Promise<string | null>;
  progress(p: NewSceneProgress): void;
}

/** A sibling of the input that does not exist yet: `<name>-scene`, `<name>-scene-2`, … */
export function suggestedOutput(input: string): string {
  const base = path.join(path.dirname(input), `${path.basename(input, path.extname(input))}-scene`);
  let out = base;
  for (let i = 2; existsSync(out); i++) out = `${base}-${i}`;
  return out;
}

export class NewScene {
  private abort: AbortController | null = null;

  /** `colmap`: the COLMAP executable (tests give a stand-in). */
  constructor(private readonly colmap = 'colmap') {}

  get running(): boolean { return this.abort !== null; }

  /** Runs one "new scene" from the kind the renderer asked for (validated); the dataset folder, or null when a dialog was cancelled. */
  async run(kind: unknown, ui: NewSceneUi): Promise<string | null> {
    if (kind !== 'photos' && kind !== 'video') throw new Error('the new scene must come from "photos" or "video"');
    if (this.abort) throw new InputError('', '', 'a scene is already being made from photos; wait for it or cancel it');
    this.abort = new AbortController(); // taken before the dialogs: a second request while they are open is refused too
    try {
      const input = await ui.chooseInput(kind);
      if (!input) return null;
      const out = await ui.chooseOutput(suggestedOutput(input));
      if (!out) return null;
      const r = await processPhotos({ input, out, inputLabel: path.basename(input), colmap: this.colmap, signal: this.abort.signal }, {
        log: (line) => ui.progress({ line: line.trim() }),
        progress: (stage, fraction) => ui.progress({ stage, fraction }),
      });
      return r.dataset;
    } finally {
      this.abort = null;
    }
  }

  /** Stops the run (COLMAP killed, the folder removed); false when none runs. */
  cancel(): boolean {
    if (!this.abort) return false;
    this.abort.abort();
    return true;
  }
}
