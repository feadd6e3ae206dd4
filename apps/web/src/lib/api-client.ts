import type { InvalidParam, Page, Problem } from '@datasync/contracts';
import { activeOrganization } from './organization';

/** An error answer from the API: its RFC 9457 problem, with the invalid fields' JSON pointers when there are any. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(problem.detail ?? problem.title);
    this.name = 'ApiError';
  }

  /** The invalid fields as pointer → message, e.g. `/data/headline` → "must NOT have fewer than 1 characters". */
  fieldErrors(): Map<string, string> {
    const errors = new Map<string, string>();
    for (const error of this.problem.errors ?? []) errors.set(error.pointer, error.message);
    return errors;
  }

  get invalidParams(): InvalidParam[] {
    return this.problem.errors ?? [];
  }
}

type Query = Record<string, string | number | boolean | undefined>;

function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/**
 * Every call to DataSync's API goes through here: same origin, the session cookie, JSON in and out, and errors
 * turned into ApiError (a network failure becomes a problem too, so the UI has one error shape to show).
 */
export async function api<T>(
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  options: { body?: unknown; query?: Query; signal?: AbortSignal } = {},
): Promise<T> {
  const headers: Record<string, string> = {};
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const organization = activeOrganization();
  if (organization) headers['x-organization-id'] = organization;
  let response: Response;
  try {
    response = await fetch(withQuery(`/api/v1${path}`, options.query), {
      method,
      credentials: 'same-origin',
      headers,
      body: options.body === undefined ? null : JSON.stringify(options.body),
      signal: options.signal ?? null,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, { type: 'about:blank', title: 'Network error', status: 0, detail: String(error) });
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  const body: unknown = text ? JSON.parse(text) : undefined;
  if (!response.ok) {
    const problem =
      body && typeof body === 'object' && 'title' in body
        ? (body as Problem)
        : { type: 'about:blank', title: response.statusText || 'Error', status: response.status };
    throw new ApiError(response.status, problem);
  }
  return body as T;
}

export const apiGet = <T>(path: string, query?: Query) => api<T>('GET', path, query ? { query } : {});

/** Largest page the API serves (PageQuerySchema). */
const MAX_PAGE_SIZE = 200;

/** Every item of a paginated list, following `next_cursor` page by page (for views that show them all). */
export async function apiGetAll<T>(path: string, query: Query = {}): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page: Page<T> = await apiGet<Page<T>>(path, { ...query, limit: MAX_PAGE_SIZE, cursor });
    items.push(...page.items);
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return items;
}
