// IPC inputs for taskbar progress and notifications are validated in the main process (electron/policy.ts).
import { describe, expect, it } from 'vitest';
import { progressValue, noticeText } from '../../electron/policy';

describe('progress and notification IPC validation', () => {
  it('progress: [0, 1] or −1, nothing else', () => {
    for (const ok of [0, 0.5, 1, -1]) expect(progressValue(ok)).toBe(ok);
    for (const bad of [NaN, 1.01, -0.5, '0.5', null, undefined, {}, Infinity]) expect(progressValue(bad)).toBeNull();
  });
  it('notifications: two strings, bounded, without control characters', () => {
    expect(noticeText('Done', 'trained')).toEqual({ title: 'Done', body: 'trained' });
    expect(noticeText('', 'x')).toBeNull();
    expect(noticeText(5, 'x')).toBeNull();
    expect(noticeText('a', { toString: () => 'x' })).toBeNull();
    const n = noticeText('t'.repeat(500), 'line\nbreak\u0007' + 'b'.repeat(1000))!;
    expect(n.title).toHaveLength(120);
    expect(n.body).toHaveLength(400);
    expect(n.body.startsWith('line break ')).toBe(true);
  });
});
