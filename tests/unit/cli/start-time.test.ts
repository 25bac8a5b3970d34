import { describe, expect, it } from 'vitest';
import { startTimeConflict } from '../../../bin/local-data.ts';

const START = '2026-01-05T08:00:00Z';
const LATER = Date.parse('2026-03-01T10:00:00Z');

describe('WINBACK_START_TIME against the data folder’s saved clock', () => {
  it('applies to a new clock, and is not needed to resume one', () => {
    expect(startTimeConflict(START, { kind: 'started', from: 'WINBACK_START_TIME' }, Date.parse(START), '.winback')).toBeUndefined();
    expect(startTimeConflict(undefined, { kind: 'resumed', startedFrom: 'wall clock' }, LATER, '.winback')).toBeUndefined();
  });

  it('resumes the clock it started, however the instant is written', () => {
    expect(startTimeConflict('2026-01-05T09:00:00+01:00', { kind: 'resumed', startedFrom: START }, LATER, '.winback')).toBeUndefined();
  });

  it('refuses a folder started at another time, from the wall clock, or by an earlier runner, in one line saying what to do', () => {
    const refusals = [
      startTimeConflict(START, { kind: 'resumed', startedFrom: 'wall clock' }, LATER, '.winback'),
      startTimeConflict(START, { kind: 'resumed', startedFrom: '2026-02-01T00:00:00Z' }, LATER, '.winback'),
      startTimeConflict(START, { kind: 'resumed', startedFrom: undefined }, LATER, '.winback'),
    ];

    expect(refusals[0]).toBe(
      'The data folder .winback/ holds a virtual clock at 2026-03-01T10:00:00.000Z from an earlier run started from the wall clock, ' +
        'so WINBACK_START_TIME=2026-01-05T08:00:00Z cannot apply: run npm start -- --reset to empty .winback/ and start at 2026-01-05T08:00:00Z, ' +
        'set WINBACK_DATA_DIR to a new folder, or unset WINBACK_START_TIME to resume at 2026-03-01T10:00:00.000Z.',
    );
    expect(refusals[1]).toContain('from an earlier run started at 2026-02-01T00:00:00Z, so');
    expect(refusals[2]).toContain('from an earlier run, so');
    for (const refusal of refusals) expect(refusal).not.toContain('\n');
  });
});
