import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ListChangeAnnouncer, LIST_CHANGE_COALESCE_MS } from '../../src/worker/list-change-announcer.js';

describe('ListChangeAnnouncer', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('announces each kind once for a burst of changes, after the burst', () => {
    const announced: string[] = [];
    const a = new ListChangeAnnouncer((kind) => announced.push(kind));
    for (let i = 0; i < 100; i++) a.changed('tools');
    a.changed('prompts');
    expect(announced).toEqual([]);
    vi.advanceTimersByTime(LIST_CHANGE_COALESCE_MS);
    expect(announced.sort()).toEqual(['prompts', 'tools']);
  });

  it('announces again for a change after the last announcement', () => {
    const announced: string[] = [];
    const a = new ListChangeAnnouncer((kind) => announced.push(kind));
    a.changed('tools');
    vi.advanceTimersByTime(LIST_CHANGE_COALESCE_MS);
    a.changed('tools');
    vi.advanceTimersByTime(LIST_CHANGE_COALESCE_MS);
    expect(announced).toEqual(['tools', 'tools']);
  });

  it('announces nothing pending once closed', () => {
    const announce = vi.fn();
    const a = new ListChangeAnnouncer(announce);
    a.changed('resources');
    a.close();
    vi.advanceTimersByTime(LIST_CHANGE_COALESCE_MS * 2);
    expect(announce).not.toHaveBeenCalled();
  });
});
