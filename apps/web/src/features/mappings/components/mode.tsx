import type { MappingMode } from '@datasync/contracts';
import { Check, Minus, PencilSimple, Prohibit, type Icon } from '../../../components/icons';

export type CellMode = MappingMode | 'none';

export const MODES: Record<CellMode, { label: string; icon: Icon; className: string; help: string }> = {
  full: {
    label: 'full',
    icon: Check,
    className: 'bg-emerald-50 text-emerald-800 ring-emerald-300',
    help: 'sent as it is',
  },
  override: {
    label: 'override',
    icon: PencilSimple,
    className: 'bg-violet-50 text-violet-800 ring-violet-300',
    help: 'sent with this site’s changes',
  },
  block: {
    label: 'block',
    icon: Prohibit,
    className: 'bg-red-50 text-red-800 ring-red-300',
    help: 'never sent',
  },
  none: {
    label: 'none',
    icon: Minus,
    className: 'bg-slate-50 text-slate-500 ring-slate-200',
    help: 'no mapping: not sent',
  },
};

export function ModeChip({ mode }: { mode: CellMode }) {
  const { label, icon: ModeIcon, className } = MODES[mode];
  return (
    <span
      className={`inline-flex items-center gap-1 rounded-md px-2 py-1 text-xs font-medium ring-1 ${className}`}
      data-mode={mode}
    >
      <ModeIcon aria-hidden weight="bold" /> {label}
    </span>
  );
}
