// A tiny HTML builder whose interpolations are escaped unless they are themselves built by `html`: every string
// from a webhook payload is untrusted, and escaping by default is the only way not to forget one.

export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (char) => ENTITIES[char]!);

type Interpolation = SafeHtml | string | number | null | undefined | false | Interpolation[];

function render(value: Interpolation): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Interpolation[]): SafeHtml {
  let out = strings[0]!;
  values.forEach((value, index) => (out += render(value) + strings[index + 1]!));
  return new SafeHtml(out);
}

/** Trusted markup written in this code base (the stylesheets), never payload text. */
export const trusted = (markup: string): SafeHtml => new SafeHtml(markup);

/**
 * Only http(s) links become hrefs: escaping does not stop `javascript:` URLs, which run when clicked.
 * Returns undefined for anything else, and the caller renders plain text.
 */
export function safeHref(value: unknown): string | undefined {
  if (typeof value !== 'string' || !URL.canParse(value)) return undefined;
  const protocol = new URL(value).protocol;
  return protocol === 'http:' || protocol === 'https:' ? value : undefined;
}
