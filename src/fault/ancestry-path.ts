/** The segments of a pipe-separated ancestry path, trimmed, without empties or repeats. */
export function pathSegments(path: string | null): string[] {
  if (path === null) return [];
  return [...new Set(path.split('|').map((s) => s.trim()).filter((s) => s.length > 0))];
}

/** First `site_` segment of an ancestry path. */
export function siteOf(path: string | null): string | null {
  return pathSegments(path).find((segment) => segment.startsWith('site_')) ?? null;
}
