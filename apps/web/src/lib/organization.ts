// The organization the UI acts in, for users who belong to several. The API takes it as X-Organization-Id; without
// the header the server uses the user's first membership. Kept per browser, like the session.

const STORAGE_KEY = 'datasync.organization';

export function activeOrganization(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export function setActiveOrganization(id: string | null): void {
  try {
    if (id) localStorage.setItem(STORAGE_KEY, id);
    else localStorage.removeItem(STORAGE_KEY);
  } catch {
    // Storage can be disabled; the server's default organization is then used.
  }
}
