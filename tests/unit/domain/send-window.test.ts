import { describe, expect, it } from 'vitest';
import { isInsideSendWindow, nextSendInstant, pickSendInstant, sendableSpans, type SendWindow } from '#shared/domain/send-window';

const t = (isoTime: string) => Date.parse(isoTime);
const MINUTE = 60_000;
const EVERY_DAY = [1, 2, 3, 4, 5, 6, 7];

/** Spans as ISO strings, easier to read in a failure. */
function spans(from: string, to: string, zone: string, window: SendWindow): Array<[string, string]> {
  return sendableSpans(t(from), t(to), zone, window).map(([a, b]) => [new Date(a).toISOString(), new Date(b).toISOString()]);
}

describe('sendableSpans, checked by hand', () => {
  it('is the window on an ordinary winter day in London (GMT = UTC)', () => {
    // Act
    const result = spans('2026-01-05T00:00:00Z', '2026-01-06T00:00:00Z', 'Europe/London', {
      start: '10:00',
      end: '19:00',
      weekdays: EVERY_DAY,
    });

    // Assess
    expect(result).toEqual([['2026-01-05T10:00:00.000Z', '2026-01-05T19:00:00.000Z']]);
  });

  it('follows the local offset in summer (BST = UTC+1)', () => {
    // Act
    const result = spans('2026-06-01T00:00:00+01:00', '2026-06-02T00:00:00+01:00', 'Europe/London', {
      start: '10:00',
      end: '19:00',
      weekdays: EVERY_DAY,
    });

    // Assess
    expect(result).toEqual([['2026-06-01T09:00:00.000Z', '2026-06-01T18:00:00.000Z']]);
  });

  it('London spring-forward (2026-03-29, 01:00 GMT → 02:00 BST): 00:30–03:30 lasts two real hours', () => {
    // Act
    const result = spans('2026-03-29T00:00:00Z', '2026-03-29T23:00:00Z', 'Europe/London', {
      start: '00:30',
      end: '03:30',
      weekdays: EVERY_DAY,
    });

    // Assess: 00:30–01:00 GMT, then straight on from 02:00 BST (01:00Z) to 03:30 BST (02:30Z).
    expect(result).toEqual([['2026-03-29T00:30:00.000Z', '2026-03-29T02:30:00.000Z']]);
  });

  it('London fall-back (2026-10-25, 02:00 BST → 01:00 GMT): 00:30–03:30 lasts four real hours', () => {
    // Act
    const result = spans('2026-10-24T23:00:00Z', '2026-10-26T00:00:00Z', 'Europe/London', {
      start: '00:30',
      end: '03:30',
      weekdays: EVERY_DAY,
    });

    // Assess: 00:30 BST is 23:30Z the day before; the hour 01:00–02:00 happens twice; 03:30 GMT is 03:30Z.
    expect(result).toEqual([['2026-10-24T23:30:00.000Z', '2026-10-25T03:30:00.000Z']]);
  });

  it('New York spring-forward (2026-03-08, 02:00 EST → 03:00 EDT): 01:00–04:00 lasts two real hours', () => {
    // Act
    const result = spans('2026-03-08T05:00:00Z', '2026-03-09T04:00:00Z', 'America/New_York', {
      start: '01:00',
      end: '04:00',
      weekdays: EVERY_DAY,
    });

    // Assess: 01:00 EST = 06:00Z; 04:00 EDT = 08:00Z.
    expect(result).toEqual([['2026-03-08T06:00:00.000Z', '2026-03-08T08:00:00.000Z']]);
  });

  it('is empty for a window that lies wholly in the hour a spring-forward skips', () => {
    // Act: on 2026-03-29 London's clocks show no time from 01:00 to 01:59.
    const result = spans('2026-03-29T00:00:00Z', '2026-03-29T23:00:00Z', 'Europe/London', {
      start: '01:00',
      end: '01:30',
      weekdays: EVERY_DAY,
    });

    // Assess
    expect(result).toEqual([]);
  });

  it('starts at the clock change for a window that opens in the skipped hour', () => {
    // Act: 01:30 never shows; from 01:00Z the clocks show 02:00 BST, which is inside 01:30–03:30.
    const result = spans('2026-03-29T00:00:00Z', '2026-03-29T23:00:00Z', 'Europe/London', {
      start: '01:30',
      end: '03:30',
      weekdays: EVERY_DAY,
    });

    // Assess
    expect(result).toEqual([['2026-03-29T01:00:00.000Z', '2026-03-29T02:30:00.000Z']]);
  });

  it('covers both passes of the repeated hour for a window inside it', () => {
    // Act: 01:00–01:30 shows twice on 2026-10-25 in London: at 00:00Z (BST) and 01:00Z (GMT).
    const result = spans('2026-10-24T23:00:00Z', '2026-10-26T00:00:00Z', 'Europe/London', {
      start: '01:00',
      end: '01:30',
      weekdays: EVERY_DAY,
    });

    // Assess
    expect(result).toEqual([
      ['2026-10-25T00:00:00.000Z', '2026-10-25T00:30:00.000Z'],
      ['2026-10-25T01:00:00.000Z', '2026-10-25T01:30:00.000Z'],
    ]);
  });

  it('reads "24:00" as midnight at the end of the day', () => {
    // Act
    const result = spans('2026-01-05T00:00:00Z', '2026-01-07T00:00:00Z', 'Europe/London', { start: '22:00', end: '24:00', weekdays: [1] });

    // Assess: Monday only; Tuesday (the 6th) has no span.
    expect(result).toEqual([['2026-01-05T22:00:00.000Z', '2026-01-06T00:00:00.000Z']]);
  });

  it('ends a "24:00" window at the local midnight on a spring-forward day', () => {
    // Act
    const result = spans('2026-03-29T00:00:00Z', '2026-03-29T23:00:00Z', 'Europe/London', {
      start: '22:00',
      end: '24:00',
      weekdays: EVERY_DAY,
    });

    // Assess: 22:00 BST = 21:00Z; midnight BST = 23:00Z.
    expect(result).toEqual([['2026-03-29T21:00:00.000Z', '2026-03-29T23:00:00.000Z']]);
  });

  it('skips the weekdays the window does not allow, in the customer’s zone', () => {
    // Act: Sat 10 Jan to Mon 12 Jan 2026, Monday to Saturday window.
    const result = spans('2026-01-10T00:00:00Z', '2026-01-13T00:00:00Z', 'Europe/London', {
      start: '10:00',
      end: '19:00',
      weekdays: [1, 2, 3, 4, 5, 6],
    });

    // Assess: Saturday and Monday, no Sunday.
    expect(result).toEqual([
      ['2026-01-10T10:00:00.000Z', '2026-01-10T19:00:00.000Z'],
      ['2026-01-12T10:00:00.000Z', '2026-01-12T19:00:00.000Z'],
    ]);
  });

  it('clips the first and last span to the range, on whole minutes', () => {
    // Act
    const result = spans('2026-01-05T12:00:30Z', '2026-01-05T15:00:00Z', 'Europe/London', {
      start: '10:00',
      end: '19:00',
      weekdays: EVERY_DAY,
    });

    // Assess
    expect(result).toEqual([['2026-01-05T12:01:00.000Z', '2026-01-05T15:00:00.000Z']]);
  });

  it('is empty for an empty range', () => {
    // Act
    const result = sendableSpans(t('2026-01-05T12:00:00Z'), t('2026-01-05T12:00:00Z'), 'UTC', {
      start: '00:00',
      end: '24:00',
      weekdays: EVERY_DAY,
    });

    // Assess
    expect(result).toEqual([]);
  });
});

describe('isInsideSendWindow', () => {
  const window: SendWindow = { start: '10:00', end: '19:00', weekdays: [1, 2, 3, 4, 5, 6] };

  it.each([
    ['2026-01-05T10:00:00Z', 'Europe/London', true],
    ['2026-01-05T09:59:59Z', 'Europe/London', false],
    ['2026-01-05T18:59:59Z', 'Europe/London', true],
    ['2026-01-05T19:00:00Z', 'Europe/London', false],
    ['2026-01-11T12:00:00Z', 'Europe/London', false], // a Sunday
    ['2026-06-01T09:30:00Z', 'Europe/London', true], // 10:30 BST
    ['2026-06-01T18:30:00Z', 'Europe/London', false], // 19:30 BST
    ['2026-01-05T15:00:00Z', 'America/New_York', true], // 10:00 EST
    ['2026-01-05T14:59:00Z', 'America/New_York', false],
    ['2026-01-04T22:00:00Z', 'Pacific/Auckland', true], // Monday 11:00 NZDT; still Sunday in UTC
    ['2026-01-05T05:00:00Z', 'Asia/Kolkata', true], // 10:30 IST
  ])('%s in %s is inside: %s', (instant, zone, inside) => {
    // Act
    const result = isInsideSendWindow(t(instant), zone, window);

    // Assess
    expect(result).toBe(inside);
  });

  it('treats both passes of a repeated hour as inside', () => {
    // Prepare
    const night: SendWindow = { start: '00:30', end: '03:30', weekdays: EVERY_DAY };

    // Act
    const firstPass = isInsideSendWindow(t('2026-10-25T00:15:00Z'), 'Europe/London', night); // 01:15 BST
    const secondPass = isInsideSendWindow(t('2026-10-25T01:15:00Z'), 'Europe/London', night); // 01:15 GMT

    // Assess
    expect([firstPass, secondPass]).toEqual([true, true]);
  });

  it('includes 23:59 and excludes midnight for a window ending "24:00"', () => {
    // Prepare
    const evening: SendWindow = { start: '22:00', end: '24:00', weekdays: EVERY_DAY };

    // Act
    const lastMinute = isInsideSendWindow(t('2026-01-05T23:59:00Z'), 'UTC', evening);
    const midnight = isInsideSendWindow(t('2026-01-06T00:00:00Z'), 'UTC', evening);

    // Assess
    expect([lastMinute, midnight]).toEqual([true, false]);
  });
});

describe('pickSendInstant', () => {
  const window: SendWindow = { start: '10:00', end: '19:00', weekdays: [1, 2, 3, 4, 5, 6] };
  const from = t('2026-02-04T09:00:00Z');
  const to = t('2026-02-20T09:00:00Z');

  it('gives the same minute for the same seed', () => {
    // Act
    const picks = [0.1234, 0.1234, 0.1234].map((seed) => pickSendInstant(from, to, 'Europe/London', window, seed));

    // Assess
    expect(new Set(picks).size).toBe(1);
    expect(picks[0]! % MINUTE).toBe(0);
  });

  it('spreads seeds over the whole range, every pick inside the window', () => {
    // Act
    const picks = Array.from({ length: 200 }, (_, i) => pickSendInstant(from, to, 'Europe/London', window, i / 200)!);

    // Assess
    expect(picks.every((pick) => pick >= from && pick < to && isInsideSendWindow(pick, 'Europe/London', window))).toBe(true);
    expect(new Set(picks).size).toBe(200);
    expect(Math.min(...picks)).toBe(t('2026-02-04T10:00:00Z'));
    expect(Math.max(...picks)).toBeGreaterThan(t('2026-02-18T00:00:00Z'));
  });

  it('gives the first and last sendable minute for seeds 0 and almost 1', () => {
    // Act
    const first = pickSendInstant(from, to, 'Europe/London', window, 0);
    const last = pickSendInstant(from, to, 'Europe/London', window, 0.999_999_999);

    // Assess: the last sendable minute is Thursday 19 February, 18:59.
    expect(first).toBe(t('2026-02-04T10:00:00Z'));
    expect(last).toBe(t('2026-02-19T18:59:00Z'));
  });

  it('is undefined when no sendable minute is left', () => {
    // Act
    const afterHours = pickSendInstant(t('2026-01-05T19:00:00Z'), t('2026-01-06T10:00:00Z'), 'Europe/London', window, 0.5);
    const sundayOnly = pickSendInstant(t('2026-01-11T00:00:00Z'), t('2026-01-12T00:00:00Z'), 'Europe/London', window, 0.5);
    const emptyRange = pickSendInstant(to, from, 'Europe/London', window, 0.5);

    // Assess
    expect([afterHours, sundayOnly, emptyRange]).toEqual([undefined, undefined, undefined]);
  });
});

describe('nextSendInstant', () => {
  const window: SendWindow = { start: '10:00', end: '19:00', weekdays: [1, 2, 3, 4, 5, 6] };

  it('moves a 22:00 send to the first hour of the next morning’s window', () => {
    // Act: Tuesday 22:00 in London.
    const next = nextSendInstant(t('2026-02-10T22:00:00Z'), t('2026-02-20T00:00:00Z'), 'Europe/London', window, 0.5);

    // Assess
    expect(next).toBe(t('2026-02-11T10:30:00Z'));
  });

  it('skips a Sunday', () => {
    // Act: Saturday 20:00 in London.
    const next = nextSendInstant(t('2026-02-14T20:00:00Z'), t('2026-02-20T00:00:00Z'), 'Europe/London', window, 0);

    // Assess
    expect(next).toBe(t('2026-02-16T10:00:00Z'));
  });

  it('is undefined when the range ends before the window opens again', () => {
    // Act
    const next = nextSendInstant(t('2026-02-10T22:00:00Z'), t('2026-02-11T10:00:00Z'), 'Europe/London', window, 0.5);

    // Assess
    expect(next).toBeUndefined();
  });
});
