import type { App } from '../../src/http/app.js';
import type { SignedInUser } from './users.js';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** `api('POST', '/sites', user, body)`: a request to /api/v1 as `user`; `app` is read when called (set in beforeAll). */
export function apiClient(app: () => App) {
  return (method: Method, url: string, who: SignedInUser, payload?: unknown) =>
    app().inject({
      method,
      url: `/api/v1${url}`,
      headers: who.headers,
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
}
