/** "2 min ago", "just now", "3 h ago", else the date: how recent a sync is matters more than its exact time. */
export function timeAgo(iso: string | null, now = Date.now()): string {
  if (!iso) return 'never';
  const seconds = Math.round((now - new Date(iso).getTime()) / 1000);
  if (seconds < 10) return 'just now';
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return new Date(iso).toLocaleDateString();
}

/** "in 30 s", "in 4 min", "in 2 h", else the date; "due now" once it has come: when something happens next. */
export function timeUntil(iso: string | null, now = Date.now()): string {
  if (!iso) return 'none';
  const seconds = Math.floor((new Date(iso).getTime() - now) / 1000);
  if (seconds < 1) return 'due now';
  if (seconds < 60) return `in ${seconds} s`;
  if (seconds < 3600) return `in ${Math.floor(seconds / 60)} min`;
  if (seconds < 86_400) return `in ${Math.floor(seconds / 3600)} h`;
  return new Date(iso).toLocaleDateString();
}

export function dateTime(iso: string | null): string {
  return iso ? new Date(iso).toLocaleString() : '—';
}

export function time(iso: string): string {
  return new Date(iso).toLocaleTimeString(undefined, { hour12: false });
}

/** Milliseconds between two timestamps, as "850 ms" or "2.4 s"; "—" until the end is known. */
export function duration(start: string | null, end: string | null): string {
  if (!start || !end) return '—';
  const ms = new Date(end).getTime() - new Date(start).getTime();
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}
