// Small JSON helpers shared by validation, the storable-text check and the sync plan.

/** One segment of a JSON Pointer (RFC 6901): `~` and `/` are escaped. */
export function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// PostgreSQL cannot store U+0000 in text or jsonb, and jsonb refuses an unpaired surrogate escape ("\ud800"),
// which is how JSON.stringify writes one: either would fail the INSERT with a 500, so both are refused up front.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why PostgreSQL could not store `text`, or null when it can. */
export function unstorableTextReason(text: string): string | null {
  if (text.includes('\u0000')) return 'must not contain the character U+0000';
  return LONE_SURROGATE.test(text) ? 'must not contain an unpaired surrogate' : null;
}

/**
 * The JSON Pointer of the first array or object found nested `maxDepth` levels below `value` (the root is level
 * 0), or null when nothing nests that deep. Iterative, and the pointer is built only when one is found, so it is
 * safe and linear on input that would overflow the stack of anything recursive.
 */
export function pointerPastDepth(value: unknown, maxDepth: number): string | null {
  interface Frame {
    node: unknown;
    depth: number;
    key: string;
    parent: Frame | null;
  }
  const pending: Frame[] = [{ node: value, depth: 0, key: '', parent: null }];
  while (pending.length > 0) {
    const frame = pending.pop()!;
    if (typeof frame.node !== 'object' || frame.node === null) continue;
    if (frame.depth >= maxDepth) {
      const segments: string[] = [];
      for (let at: Frame | null = frame; at?.parent; at = at.parent) segments.push(escapePointer(at.key));
      return segments
        .reverse()
        .map((segment) => `/${segment}`)
        .join('');
    }
    const entries = Object.entries(frame.node);
    for (let i = entries.length - 1; i >= 0; i -= 1) {
      const [key, node] = entries[i]!;
      pending.push({ node, depth: frame.depth + 1, key, parent: frame });
    }
  }
  return null;
}
