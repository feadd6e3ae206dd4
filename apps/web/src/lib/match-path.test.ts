import { describe, expect, it } from 'vitest';
import { matchPath } from './match-path';

describe('matchPath', () => {
  it('matches static paths exactly and captures parameters', () => {
    expect(matchPath('/', '/')).toEqual({});
    expect(matchPath('/jobs', '/jobs')).toEqual({});
    expect(matchPath('/jobs', '/jobs/')).toEqual({});
    expect(matchPath('/jobs/:id', '/jobs/6f1c1f7e')).toEqual({ id: '6f1c1f7e' });
    expect(matchPath('/jobs/:id', '/jobs/a%20b')).toEqual({ id: 'a b' });
  });

  it('refuses other paths', () => {
    expect(matchPath('/jobs', '/')).toBeNull();
    expect(matchPath('/jobs/:id', '/jobs')).toBeNull();
    expect(matchPath('/jobs/:id', '/jobs/1/logs')).toBeNull();
    expect(matchPath('/sites', '/content')).toBeNull();
    expect(matchPath('/jobs/:id', '/jobs/%E0%A4%A')).toBeNull();
  });
});
