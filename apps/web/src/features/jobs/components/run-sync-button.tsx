import { Play } from '../../../components/icons';
import { Button } from '../../../components/ui';
import { navigate } from '../../../lib/router';
import { useCan } from '../../auth/api';
import { useRunSync } from '../api';

/** Starts a sync of every site and opens the job, whose log then streams live. Editors and up only. */
export function RunSyncButton({ force = false }: { force?: boolean }) {
  const canRun = useCan('sync:run');
  const run = useRunSync();
  if (!canRun) return null;
  return (
    <>
      <Button
        variant={force ? 'secondary' : 'primary'}
        busy={run.isPending}
        onClick={() =>
          run.mutate(force ? { force: true } : {}, { onSuccess: (job) => navigate(`/jobs/${job.id}`) })
        }
      >
        <Play aria-hidden /> {force ? 'Force sync' : 'Run Sync'}
      </Button>
      {run.error && (
        <span role="alert" className="self-center text-sm text-red-700">
          {run.error.message}
        </span>
      )}
    </>
  );
}
