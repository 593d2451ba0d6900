import { describe, expect, it } from 'vitest';
import {
  nextLocalTime,
  quietHoursEnd,
  windowStart,
} from '../../../../functions/core/workflows/local-time';

const at = (iso: string) => Date.parse(iso);

describe('local times in the recipient timezone', () => {
  it('finds the next 08:00 in New York on either side of the spring-forward night', () => {
    // 2027-03-14: clocks go from 02:00 EST (-5) to 03:00 EDT (-4).
    expect(
      new Date(
        nextLocalTime(at('2027-03-13T20:00:00Z'), '08:00', 'America/New_York'),
      ).toISOString(),
    ).toBe('2027-03-14T12:00:00.000Z');
    expect(
      new Date(
        nextLocalTime(at('2027-03-13T12:00:00Z'), '08:00', 'America/New_York'),
      ).toISOString(),
    ).toBe('2027-03-13T13:00:00.000Z');
  });

  it('finds the next 08:00 in Berlin across the autumn change', () => {
    // 2027-10-31: 03:00 CEST (+2) becomes 02:00 CET (+1).
    expect(
      new Date(nextLocalTime(at('2027-10-30T12:00:00Z'), '08:00', 'Europe/Berlin')).toISOString(),
    ).toBe('2027-10-31T07:00:00.000Z');
  });

  it('moves a time skipped by the spring change an hour on, as a wall clock reads it', () => {
    expect(
      new Date(
        nextLocalTime(at('2027-03-14T05:00:00Z'), '02:30', 'America/New_York'),
      ).toISOString(),
    ).toBe('2027-03-14T07:30:00.000Z');
  });

  it('says when quiet hours that span midnight end, and nothing outside them', () => {
    const quiet = { start: '22:00', end: '08:00' };
    // 03:00 in Tokyo (+9) is inside: they end at 08:00 Tokyo = 23:00Z.
    expect(
      new Date(quietHoursEnd(at('2027-01-10T18:00:00Z'), quiet, 'Asia/Tokyo') ?? 0).toISOString(),
    ).toBe('2027-01-10T23:00:00.000Z');
    expect(quietHoursEnd(at('2027-01-10T03:00:00Z'), quiet, 'Asia/Tokyo')).toBeUndefined();
  });

  it('aligns a one-day window to local midnight', () => {
    expect(
      new Date(windowStart(at('2027-01-10T18:00:00Z'), 86_400, 'Asia/Tokyo')).toISOString(),
    ).toBe('2027-01-10T15:00:00.000Z');
  });
});
