/** Small, stack-safe helpers for checking JSON a peer sent: it may be nested far deeper than any real request. */

/** A JSON object (not an array, not null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Whether `value` nests objects or arrays deeper than `max` levels (the value itself is level 1). Walks
 * with an explicit stack, not recursion, so a 10,000-level value is measured without overflowing.
 */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const pending: [unknown, number][] = [[value, 1]];
  for (let item = pending.pop(); item !== undefined; item = pending.pop()) {
    const [node, depth] = item;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > max) return true;
    for (const child of Object.values(node)) pending.push([child, depth + 1]);
  }
  return false;
}

/**
 * A short description of what a peer sent, for "…, got X" messages: scalars as JSON (strings cut at 40
 * characters), containers by kind only, since serialising an arbitrary container could be huge or too deep.
 */
export function describeJson(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object' && value !== null) return 'an object';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return JSON.stringify(value) ?? String(value);
}
