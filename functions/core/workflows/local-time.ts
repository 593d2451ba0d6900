import { parseClock } from './duration';
import type { QuietHours } from './model';

/*
 * Local wall-clock times in a recipient's IANA zone with Intl alone. An instant's local time is
 * read with Intl.DateTimeFormat; a local time's instant is found by correcting a UTC guess with
 * the zone's offset at that guess (twice, which settles across a daylight-saving change).
 */

interface LocalParts {
  year: number;
  month: number;
  day: number;
  minutes: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

function partsOf(at: number, zone: string): LocalParts & { seconds: number } {
  const parts = Object.fromEntries(
    formatter(zone)
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    minutes: Number(parts.hour) * 60 + Number(parts.minute),
    seconds: Number(parts.second),
  };
}

/** The zone's offset from UTC at `at`, in milliseconds. */
function offsetAt(at: number, zone: string): number {
  const p = partsOf(at, zone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, 0, p.minutes, p.seconds);
  return asUtc - Math.floor(at / 1000) * 1000;
}

/**
 * The instant of local `minutes` on the given local date. A time skipped by a spring-forward
 * change (02:30 on that night) comes out one hour later, as a wall clock would read it.
 */
function instantOf(
  date: { year: number; month: number; day: number },
  minutes: number,
  zone: string,
): number {
  const guess = Date.UTC(date.year, date.month - 1, date.day, 0, minutes);
  // The zone's offsets half a day either side: equal on most days, different across a change.
  const candidates = [
    guess - offsetAt(guess - 43_200_000, zone),
    guess - offsetAt(guess + 43_200_000, zone),
  ];
  const exact = candidates.filter((at) => partsOf(at, zone).minutes === minutes);
  // A repeated time (autumn) is its first occurrence; a skipped one (spring) is read an hour on.
  return exact.length > 0 ? Math.min(...exact) : Math.max(...candidates);
}

/** The first instant after `now` at local time `clock` (`HH:MM`) in `zone`. */
export function nextLocalTime(now: number, clock: string, zone: string): number {
  const minutes = parseClock(clock) ?? 0;
  const today = partsOf(now, zone);
  for (let days = 0; days < 3; days++) {
    const d = new Date(Date.UTC(today.year, today.month - 1, today.day + days));
    const at = instantOf(
      { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() },
      minutes,
      zone,
    );
    if (at > now) return at;
  }
  return now;
}

/** When the quiet hours holding `now` end, or undefined when `now` is outside them. */
export function quietHoursEnd(now: number, quiet: QuietHours, zone: string): number | undefined {
  const start = parseClock(quiet.start) ?? 0;
  const end = parseClock(quiet.end) ?? 0;
  if (start === end) return undefined;
  const local = partsOf(now, quiet.timezone ?? zone).minutes;
  const inside = start < end ? local >= start && local < end : local >= start || local < end;
  return inside ? nextLocalTime(now, quiet.end, quiet.timezone ?? zone) : undefined;
}

/** The start of the fixed window of `seconds` holding `now`, in the recipient's local time. */
export function windowStart(now: number, seconds: number, zone: string): number {
  const offset = offsetAt(now, zone);
  const local = now + offset;
  const start = local - (local % (seconds * 1000));
  return start - offset;
}
