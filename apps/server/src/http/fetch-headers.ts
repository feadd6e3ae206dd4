import type { IncomingHttpHeaders } from 'node:http';

/** Node's header object as a Fetch `Headers`, which better-auth's server API takes. */
export function toFetchHeaders(headers: IncomingHttpHeaders): Headers {
  const result = new Headers();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) result.append(name, item);
  }
  return result;
}
