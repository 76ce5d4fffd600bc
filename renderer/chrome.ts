/**
 * The window around the viewport: title (scene and training state), status bar (step, PSNR, rays/s, backend,
 * memory, ETA), taskbar progress and notifications through the Host, toasts, dock toggles, and the keyboard
 * shortcuts with their help overlay (one table drives both).
 */
import type { Host } from './host/Host';
import type { Progress } from './train/protocol';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

export interface Shortcut {
  keys: string;
  what: string;
  /** Matches a keydown (null: documented only, handled elsewhere). */
  match: ((e: KeyboardEvent) => boolean) | null;
  run?: (e: KeyboardEvent) => void;
}

/** A plain key (no Ctrl/Cmd/Alt), case-insensitive. */
export const key = (k: string) => (e: KeyboardEvent) => !e.ctrlKey && !e.metaKey && !e.altKey && e.key.toLowerCase() === k;

export class AppChrome {
  private sceneName = 'no scene';
  private stateText = '';
  private taskLabel: string | null = null;
  private toastTimer: ReturnType<typeof setTimeout> | null = null;
  private shortcuts: Shortcut[] = [];

  constructor(private readonly host: Host) {
    $('toggle-left').addEventListener('click', () => this.toggleDock('left'));
    $('toggle-right').addEventListener('click', () => this.toggleDock('right'));
    $('help-button').addEventListener('click', () => this.toggleHelp());
    $('help-overlay').addEventListener('click', (e) => { if (e.target === $('help-overlay')) this.toggleHelp(false); });
    document.addEventListener('keydown', (e) => this.onKey(e));
  }

  setShortcuts(list: Shortcut[]): void {
    this.shortcuts = list;
    $('shortcut-table').replaceChildren(...list.map((s) => {
      const tr = document.createElement('tr');
      for (const text of [s.keys, s.what]) { const td = document.createElement('td'); td.textContent = text; tr.append(td); }
      return tr;
    }));
  }

  private onKey(e: KeyboardEvent): void {
    const t = e.target as HTMLElement | null;
    const typing = t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA' || t.isContentEditable);
    if (e.key === 'Escape' && !$('help-overlay').hidden) { this.toggleHelp(false); e.preventDefault(); return; }
    if (typing) return;
    for (const s of this.shortcuts) {
      if (s.match?.(e) && s.run) { e.preventDefault(); s.run(e); return; }
    }
  }

  toggleHelp(show = $('help-overlay').hidden): void {
    $('help-overlay').hidden = !show;
  }

  toggleDock(side: 'left' | 'right'): void {
    const hidden = document.body.dataset[side] !== 'hidden';
    if (hidden) document.body.dataset[side] = 'hidden'; else delete document.body.dataset[side];
    $(`toggle-${side}`).setAttribute('aria-pressed', String(!hidden));
  }

  setScene(name: string): void {
    this.sceneName = name;
    this.clearStatus();
    this.updateTitle();
  }

  /** The training state ('idle' before any field). */
  setState(state: string): void {
    const words: Record<string, string> = { idle: 'no field', training: 'training', paused: 'paused', done: 'trained', stopped: 'stopped' };
    this.stateText = state === 'idle' ? '' : words[state] ?? state;
    $('sb-state').textContent = words[state] ?? state;
    if (state !== 'training') this.progressOfTraining(null);
    this.updateTitle();
  }

  clearStatus(): void {
    $('sb-step').textContent = 'step –';
    $('sb-psnr').textContent = 'PSNR –';
    $('sb-rays').textContent = '– rays/s';
    $('sb-eta').textContent = 'ETA –';
    $('sb-memory').textContent = '– MiB';
  }

  progress(p: Progress, backend: string): void {
    $('sb-step').textContent = `step ${p.step}`;
    $('sb-psnr').textContent = `PSNR ${p.psnr.toFixed(2)} dB`;
    $('sb-rays').textContent = `${Math.round(p.raysPerSec).toLocaleString('en-US')} rays/s`;
    $('sb-backend').textContent = backend || 'backend –';
    $('sb-backend').title = document.body.dataset.backendNote ?? 'Where the training steps run';
    $('sb-memory').textContent = p.memory > 0 ? `${(p.memory / 2 ** 20).toFixed(0)} MiB` : 'GPU memory';
    $('sb-eta').textContent = Number.isFinite(p.eta) && p.eta > 0 ? `ETA ${formatSeconds(p.eta)}` : `${formatSeconds(p.seconds)} trained`;
    this.progressOfTraining(Number.isFinite(p.eta) && p.seconds + p.eta > 0 ? p.seconds / (p.seconds + p.eta) : null);
  }

  private trainingFraction: number | null = null;
  private taskFraction: number | null = null;

  private progressOfTraining(f: number | null): void {
    this.trainingFraction = f;
    this.pushProgress();
  }

  /** Progress of an export (null when it ends); it takes the taskbar over from training while it runs. */
  task(label: string | null, fraction: number | null): void {
    this.taskLabel = fraction === null ? null : label;
    this.taskFraction = fraction;
    this.pushProgress();
  }

  private pushProgress(): void {
    const f = this.taskFraction ?? this.trainingFraction;
    this.host.setProgress(f);
    this.updateTitle();
  }

  private updateTitle(): void {
    const parts = [this.sceneName];
    if (this.taskLabel && this.taskFraction !== null) parts.push(`${this.taskLabel} ${Math.round(this.taskFraction * 100)} %`);
    else if (this.stateText) parts.push(this.trainingFraction !== null && this.stateText === 'training' ? `training ${Math.round(this.trainingFraction * 100)} %` : this.stateText);
    const title = `${parts.join(' · ')} — MulFA Studio`;
    if (document.title !== title) document.title = title;
  }

  /** A message in the corner for a few seconds; with `notify`, also a system notification. */
  toast(message: string, notify = false): void {
    const box = $('toast');
    box.textContent = message;
    box.hidden = false;
    if (this.toastTimer) clearTimeout(this.toastTimer);
    this.toastTimer = setTimeout(() => { box.hidden = true; }, 6000);
    if (notify) this.host.notify('MulFA Studio', message);
  }
}

export function formatSeconds(s: number): string {
  if (s < 90) return `${s.toFixed(0)} s`;
  if (s < 5400) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

