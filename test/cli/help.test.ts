// `mulfa <command> --help` for every command: usage, each option with its default, an example; the options
// listed are exactly the ones the command parses; a mistyped option names the nearest real one.
import { describe, expect, it } from 'vitest';
import { HELP, nearestOption } from '../../cli/help';
import { INFO_OPTIONS } from '../../cli/commands/info';
import { TRAIN_OPTIONS } from '../../cli/commands/train';
import { EVAL_OPTIONS } from '../../cli/commands/eval';
import { RENDER_OPTIONS } from '../../cli/commands/render';
import { GTK_OPTIONS } from '../../cli/commands/gtk';
import { EXPORT_OPTIONS } from '../../cli/commands/export';
import { PROCESS_OPTIONS } from '../../cli/commands/process';
import { runMain } from './run';

const PARSED: Record<string, object> = { info: INFO_OPTIONS, train: TRAIN_OPTIONS, eval: EVAL_OPTIONS, render: RENDER_OPTIONS, gtk: GTK_OPTIONS, export: EXPORT_OPTIONS, process: PROCESS_OPTIONS };

describe('mulfa <command> --help', () => {
  for (const cmd of Object.keys(PARSED)) {
    it(cmd, async () => {
      const r = await runMain([cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(new RegExp(`^Usage: mulfa ${cmd} `));
      expect(r.stdout).toMatch(/\nExample: mulfa /);
      const documented = HELP[cmd].options.map(([flag]) => flag.split(' ')[0].replace(/^--/, '')).sort();
      expect(documented).toEqual(Object.keys(PARSED[cmd]).sort());
      for (const [flag] of HELP[cmd].options) expect(r.stdout).toContain(flag);
      expect((await runMain([cmd, '-h'])).stdout).toBe(r.stdout);
    });
  }

  it('an unknown option names the nearest one; one far from all names none', async () => {
    const r = await runMain(['train', 'demo', '--max-step', '5']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('mulfa train: unknown option --max-step (did you mean --max-steps?); see --help');
    expect((await runMain(['render', 'x.mulfa', '--framez', '3'])).stderr).toContain('did you mean --frames?');
    expect((await runMain(['info', 'demo', '--frobnicate'])).stderr.trim()).toBe('mulfa info: unknown option --frobnicate; see --help');
    expect(nearestOption('--resolutoin', Object.keys(TRAIN_OPTIONS))).toBe('resolution');
    expect(nearestOption('--jsn', Object.keys(TRAIN_OPTIONS))).toBe('json');
    expect(nearestOption('--xyz', Object.keys(TRAIN_OPTIONS))).toBeNull();
  });
});
