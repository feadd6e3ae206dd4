import type { HeaderSource } from './types.js';

/** A header's value from Fetch `Headers` or a Node-style object (names lower-cased there, as Node does). */
export function headerValue(headers: HeaderSource, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | undefined>;
  const value = record[name] ?? record[Object.keys(record).find((key) => key.toLowerCase() === name) ?? ''];
  // Repeated headers arrive as arrays in Node; a signature split across two header lines is still one list.
  return Array.isArray(value) ? value.join(' ') : value;
}
