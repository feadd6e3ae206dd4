import { dateTime, timeAgo, timeUntil } from '../lib/format';

/** How long ago, with the exact time on hover and in the markup. */
export function TimeAgo({ iso }: { iso: string | null }) {
  if (!iso) return <span>never</span>;
  return (
    <time dateTime={iso} title={dateTime(iso)}>
      {timeAgo(iso)}
    </time>
  );
}

/** How long until, with the exact time on hover and in the markup. */
export function TimeUntil({ iso, none = 'none' }: { iso: string | null; none?: string }) {
  if (!iso) return <span>{none}</span>;
  return (
    <time dateTime={iso} title={dateTime(iso)}>
      {timeUntil(iso)}
    </time>
  );
}
