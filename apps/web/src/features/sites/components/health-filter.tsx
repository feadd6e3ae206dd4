import type { SiteHealth } from '@datasync/contracts';
import { navigate } from '../../../lib/router';
import { HEALTH_FILTERS } from '../health';

/** All / Failing / Disabled: the choice lives in the page URL (`?health=`), so it survives a reload and a link. */
export function HealthFilter({ value }: { value: SiteHealth | null }) {
  return (
    <div role="group" aria-label="Filter by health" className="mb-4 flex flex-wrap gap-2">
      {HEALTH_FILTERS.map((filter) => (
        <button
          key={filter.label}
          type="button"
          aria-pressed={filter.value === value}
          onClick={() => navigate(filter.value ? `/sites?health=${filter.value}` : '/sites')}
          className="rounded-full px-3 py-1 text-sm font-medium text-slate-700 ring-1 ring-slate-300 hover:bg-slate-50 aria-pressed:bg-indigo-600 aria-pressed:text-white aria-pressed:ring-indigo-600"
        >
          {filter.label}
        </button>
      ))}
    </div>
  );
}
