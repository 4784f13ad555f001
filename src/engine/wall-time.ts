// Wall time in an IANA zone, as maintenance windows and backup schedules read it: "02:30 in Berlin".
// A wall time is written as if it were UTC milliseconds so arithmetic on it stays plain; turning it back
// into instants handles DST: a wall time in the spring-forward gap has none (the one just past the gap
// is used), one in the repeated autumn hour has two.

const DAY = 24 * 3_600_000;

export function zoneFormatter(timeZone: string): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat("en-US", {
    timeZone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric",
  });
}

/** The wall time in the zone at an instant, as if it were UTC (milliseconds kept). */
export function wallOf(at: number, zone: Intl.DateTimeFormat): number {
  const parts = Object.fromEntries(zone.formatToParts(new Date(at)).map((part) => [part.type, part.value]));
  return Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second)) + (at % 1000 + 1000) % 1000;
}

/** Every instant showing this wall time: one, two in a repeated hour, none in a gap (then the one just past it). */
export function instantsOf(wall: number, zone: Intl.DateTimeFormat): { instants: number[]; gap: boolean } {
  // The zone's offsets a day either side bracket any single DST change.
  const offsets = [wall - DAY, wall + DAY].map((probe) => wallOf(probe, zone) - probe);
  const valid = [...new Set(offsets.map((offset) => wall - offset))].filter((at) => wallOf(at, zone) === wall).sort((a, b) => a - b);
  if (valid.length > 0) return { instants: valid, gap: false };
  // In the gap: the offset from before the change lands as far past the gap as the time was into it.
  return { instants: [wall - offsets[0]!], gap: true };
}
