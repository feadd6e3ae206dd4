import { Card, Empty, ErrorState, Loading, PageHeader } from '../../../components/ui';
import { useJobs } from '../api';
import { JobTable } from './job-list';
import { RunSyncButton } from './run-sync-button';

export default function JobsPage() {
  const jobs = useJobs(50);
  return (
    <>
      <PageHeader
        title="Jobs"
        actions={
          <>
            <RunSyncButton force />
            <RunSyncButton />
          </>
        }
      />
      <Card>
        {jobs.isPending ? (
          <Loading />
        ) : jobs.isError ? (
          <ErrorState error={jobs.error} retry={() => jobs.refetch()} />
        ) : jobs.data.length === 0 ? (
          <Empty>No sync has run yet. Run Sync sends each site what its mappings say.</Empty>
        ) : (
          <JobTable jobs={jobs.data} label="Sync jobs" />
        )}
      </Card>
    </>
  );
}
