import type { JobCounts as Counts } from '@datasync/contracts';

const ENTRIES: { key: keyof Counts; label: string; tone: string }[] = [
  { key: 'delivered', label: 'Delivered', tone: 'text-emerald-800' },
  { key: 'up_to_date', label: 'Up to date', tone: 'text-slate-700' },
  { key: 'failed', label: 'Failed', tone: 'text-red-700' },
  { key: 'superseded', label: 'Superseded', tone: 'text-slate-700' },
];

/** How the job's pass over its sites ended, site by site, in four numbers. */
export function JobCounts({ counts }: { counts: Counts }) {
  return (
    <dl aria-label="Sites by outcome" className="mb-4 grid grid-cols-2 gap-2 sm:grid-cols-4">
      {ENTRIES.map(({ key, label, tone }) => (
        <div key={key} className="rounded-lg bg-white p-3 shadow-sm ring-1 ring-slate-200">
          <dt className="text-xs font-medium tracking-wide text-slate-500 uppercase">{label}</dt>
          <dd
            className={`text-2xl font-semibold ${counts[key] > 0 ? tone : 'text-slate-400'}`}
            data-testid={`count-${key}`}
          >
            {counts[key]}
          </dd>
        </div>
      ))}
    </dl>
  );
}
