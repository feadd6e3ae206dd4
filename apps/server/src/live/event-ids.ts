import type { InvalidParam } from '@datasync/contracts';
import { badRequest } from '../http/problem.js';

/**
 * A position in a stream. One log line gives up to three events, in this order: `log` (id `<logId>`), `site`
 * (`<logId>.site`) and `job` (`<logId>.job`). Log ids grow, so (logId, part) orders every event of a job, and a
 * client that reconnects with `Last-Event-ID` gets exactly the events after the one it names.
 */
export interface Position {
  logId: number;
  part: Part;
}

export const PARTS = ['log', 'site', 'job'] as const;
export type Part = (typeof PARTS)[number];

export const START: Position = { logId: 0, part: 'job' };

export function eventId(logId: number, part: Part): string {
  return part === 'log' ? String(logId) : `${logId}.${part}`;
}

export function isAfter(logId: number, part: Part, position: Position): boolean {
  return (
    logId > position.logId || (logId === position.logId && PARTS.indexOf(part) > PARTS.indexOf(position.part))
  );
}

const EVENT_ID = /^(\d{1,15})(?:\.(site|job))?$/;

/**
 * The position of the event `id` names (the stream goes on after it); the start when there is none; a 400 naming
 * `source` for an id this API never gives.
 */
export function parseEventId(id: string | undefined, source: Pick<InvalidParam, 'in' | 'pointer'>): Position {
  if (id === undefined || id === '') return START;
  const match = EVENT_ID.exec(id.trim());
  if (!match) {
    throw badRequest('Not an event id of this stream.', [
      { ...source, message: 'expected <log id>, <log id>.site or <log id>.job' },
    ]);
  }
  return { logId: Number(match[1]), part: (match[2] as Part | undefined) ?? 'log' };
}
