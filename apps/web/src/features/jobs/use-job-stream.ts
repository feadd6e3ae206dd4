import type { JobLog, LiveJobEvent, LiveSiteEvent } from '@datasync/contracts';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { activeOrganization } from '../../lib/organization';
import { fetchJobLogs, isFinished, jobKeys } from './api';

export type StreamState = 'connecting' | 'live' | 'reconnecting' | 'closed';

/**
 * A job's full log. A finished job's log is read once; a running job's comes over Server-Sent Events
 * (GET /sync-jobs/:id/events): the stream replays the lines so far, then each new one as it commits. The browser's
 * EventSource reconnects by itself after a dropped connection and sends Last-Event-ID, so the server resumes after
 * the last event received: no line is lost or repeated. The stream is closed once the job reports a final status
 * (left open, EventSource would reconnect to a stream that has ended).
 */
export function useJobLog(jobId: string, initialStatus: string | undefined) {
  // One instance per job: the page is keyed by its path.
  const client = useQueryClient();
  const [logs, setLogs] = useState<JobLog[]>([]);
  const [state, setState] = useState<StreamState>('connecting');
  const [error, setError] = useState<unknown>(null);
  // Decided once, from the status first seen: a job that finishes while watched keeps its stream's lines.
  const [openedAs, setOpenedAs] = useState<'finished' | 'running' | null>(null);
  if (openedAs === null && initialStatus !== undefined) {
    setOpenedAs(isFinished(initialStatus) ? 'finished' : 'running');
  }
  const known = openedAs !== null;
  const finishedAtOpen = openedAs === 'finished';

  useEffect(() => {
    if (!known) return;
    setLogs([]);
    setError(null);
    const append = (line: JobLog) =>
      setLogs((current) => (current.some((l) => l.id === line.id) ? current : [...current, line]));

    if (finishedAtOpen) {
      let cancelled = false;
      (async () => {
        try {
          // Pages of lines until a short page: a big job has more than one.
          let after = 0;
          for (;;) {
            const page = await fetchJobLogs(jobId, after);
            if (cancelled) return;
            page.forEach(append);
            if (page.length === 0) break;
            after = Number(page[page.length - 1]!.id);
            if (page.length < 5000) break; // the server answers at most 5,000 lines at a time
          }
          setState('closed');
        } catch (e) {
          if (!cancelled) setError(e);
        }
      })();
      return () => {
        cancelled = true;
      };
    }

    // EventSource cannot send X-Organization-Id: the organization goes in the query instead.
    const organization = activeOrganization();
    const source = new EventSource(
      `/api/v1/sync-jobs/${jobId}/events${organization ? `?organization_id=${encodeURIComponent(organization)}` : ''}`,
    );
    setState('connecting');
    source.onopen = () => setState('live');
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) setState('closed');
      else setState('reconnecting');
    };
    source.addEventListener('log', (event) =>
      append(JSON.parse((event as MessageEvent<string>).data) as JobLog),
    );
    source.addEventListener('site', (event) => {
      const data = JSON.parse((event as MessageEvent<string>).data) as LiveSiteEvent;
      void client.invalidateQueries({ queryKey: jobKeys.detail(data.job_id) });
    });
    source.addEventListener('job', (event) => {
      const data = JSON.parse((event as MessageEvent<string>).data) as LiveJobEvent;
      void client.invalidateQueries({ queryKey: jobKeys.detail(data.job_id) });
      if (isFinished(data.status)) {
        source.close();
        setState('closed');
        void client.invalidateQueries({ queryKey: jobKeys.list });
        void client.invalidateQueries({ queryKey: ['sites'] });
      }
    });
    return () => source.close();
  }, [jobId, known, finishedAtOpen, client]);

  return { logs, state, error };
}
