import type { Summary } from './stats.js';

export type Unit = 'req/s' | 'deliveries/s' | 'rows/s' | 'ms' | 's' | 'MB' | 'kB' | 'ratio';

export interface Goal {
  /** `<`: the median must stay below; `<=`: not above; `>=`: reach at least. */
  op: '<' | '<=' | '>=';
  value: number;
  /** Where the goal comes from, for the reader. */
  source: string;
}

export interface FigureResult {
  figure: string;
  database: string;
  unit: Unit;
  summary: Summary;
  /** The uncounted first (cold) run, or null when the figure has none. */
  first: number | null;
  goal: Goal | null;
  /** Whether the median meets the goal; null without a goal. */
  pass: boolean | null;
  /** The median as a share of the raw ceiling's median (throughput figures). */
  ratioToRaw: number | null;
  /** What went wrong or looked odd during the runs (errors, time-outs, duplicate sends): printed under the table. */
  notes?: string[];
  /** Some run did not finish in time: its value is a lower bound (time) or what it reached (rate). */
  incomplete?: boolean;
  details?: unknown;
}

export function judge(result: FigureResult): boolean | null {
  const { goal, summary } = result;
  if (!goal) return null;
  const met =
    goal.op === '<'
      ? summary.median < goal.value
      : goal.op === '<='
        ? summary.median <= goal.value
        : summary.median >= goal.value;
  // An unfinished run's value is a bound: it can prove a miss, never a pass.
  return result.incomplete && met ? null : met;
}

function format(value: number, unit: Unit): string {
  switch (unit) {
    case 'req/s':
    case 'deliveries/s':
    case 'rows/s':
      return `${Math.round(value).toLocaleString('en-US')}/s`;
    case 'ms':
      return `${value.toFixed(1)} ms`;
    case 's':
      return `${value.toFixed(2)} s`;
    case 'MB':
      return `${Math.round(value)} MB`;
    case 'kB':
      return `${Math.round(value).toLocaleString('en-US')} kB`;
    case 'ratio':
      return `${value.toFixed(2)}×`;
  }
}

function formatGoal(goal: Goal | null, unit: Unit): string {
  if (!goal) return '—';
  return `${{ '<': '<', '<=': '≤', '>=': '≥' }[goal.op]} ${format(goal.value, unit)}`;
}

function verdict(result: FigureResult): string {
  if (!result.goal) return '—';
  return result.pass === null ? 'unknown' : result.pass ? 'met' : 'MISSED';
}

const HEADER = ['Figure', 'Database', 'Median', 'Min', 'Max', '1st run', 'Goal', 'Result', 'vs raw'];

function rowsOf(results: FigureResult[]): string[][] {
  return results.map((result) => [
    result.notes?.length ? `${result.figure} *` : result.figure,
    result.database,
    // With an unfinished run among them, a time's median is a lower bound.
    (result.incomplete && (result.unit === 's' || result.unit === 'ms') ? '≥ ' : '') +
      format(result.summary.median, result.unit),
    format(result.summary.min, result.unit),
    format(result.summary.max, result.unit),
    result.first === null ? '—' : format(result.first, result.unit),
    formatGoal(result.goal, result.unit),
    verdict(result),
    result.ratioToRaw === null ? '' : `${(result.ratioToRaw * 100).toFixed(1)} %`,
  ]);
}

/** The notes of every figure, one line each, under the table. */
export function notesOf(results: FigureResult[]): string[] {
  return results.flatMap((result) =>
    (result.notes ?? []).map((note) => `* ${result.figure} [${result.database}]: ${note}`),
  );
}

/** A plain-text table for the terminal. */
export function textTable(results: FigureResult[]): string {
  const rows = [HEADER, ...rowsOf(results)];
  const widths = HEADER.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const line = (row: string[]) =>
    row
      .map((cell, column) => (column < 2 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ');
  return [
    line(rows[0]!),
    widths.map((width) => '-'.repeat(width)).join('  '),
    ...rows.slice(1).map(line),
  ].join('\n');
}

/** The same table in Markdown, for docs/benchmarks.md. */
export function markdownTable(results: FigureResult[]): string {
  const rows = rowsOf(results).map((row) =>
    row.map((cell, index) => (index === 7 && cell === 'MISSED' ? '**missed**' : cell)),
  );
  return [
    `| ${HEADER.join(' | ')} |`,
    `|${HEADER.map((_, index) => (index < 2 ? '---' : '---:')).join('|')}|`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
}
