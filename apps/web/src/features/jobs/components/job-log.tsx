import type { JobLog } from '@datasync/contracts';
import { useEffect, useRef } from 'react';
import { time } from '../../../lib/format';

const LEVEL_CLASS: Record<string, string> = {
  debug: 'text-slate-400',
  info: 'text-sky-300',
  warn: 'text-amber-300',
  error: 'text-red-400',
};

/** The log as a terminal: coloured levels, newest at the bottom, kept in view while lines arrive. */
export function JobLogView({ logs, follow }: { logs: JobLog[]; follow: boolean }) {
  const ref = useRef<HTMLOListElement>(null);
  useEffect(() => {
    if (follow && ref.current) ref.current.scrollTop = ref.current.scrollHeight;
  }, [logs.length, follow]);
  return (
    <ol
      ref={ref}
      aria-label="Job log"
      aria-live={follow ? 'polite' : 'off'}
      className="max-h-96 overflow-y-auto rounded-md bg-slate-900 p-3 font-mono text-xs leading-relaxed text-slate-100"
    >
      {logs.length === 0 && <li className="text-slate-400">No log lines yet…</li>}
      {logs.map((line) => (
        <li key={line.id} data-level={line.level} className="flex gap-3">
          <span className="shrink-0 text-slate-500">{time(line.created_at)}</span>
          <span className={`w-12 shrink-0 font-bold uppercase ${LEVEL_CLASS[line.level] ?? ''}`}>
            {line.level}
          </span>
          <span className="break-all whitespace-pre-wrap">{line.message}</span>
        </li>
      ))}
    </ol>
  );
}
