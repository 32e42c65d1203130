const UNITS: Array<[name: string, seconds: number]> = [
  ['day', 86_400],
  ['hour', 3_600],
  ['minute', 60],
  ['second', 1],
];

/**
 * A duration as people read it: the two largest non-zero units, e.g.
 * `2 hours, 15 minutes`, `3 days, 1 hour`, `45 seconds`; seconds only under a minute.
 */
export function humanizeDuration(milliseconds: number): string {
  const total = Math.max(0, Math.floor(milliseconds / 1000));
  if (total < 60) return plural(total, 'second');
  const parts: string[] = [];
  let rest = total;
  for (const [name, size] of UNITS) {
    if (name === 'second') break;
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0 || parts.length > 0) parts.push(count > 0 ? plural(count, name) : '');
    if (parts.length === 2) break;
  }
  return parts.filter(Boolean).join(', ');
}

function plural(count: number, unit: string): string {
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}
