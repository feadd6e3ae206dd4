-- A job ends when none of its deliveries is pending or in progress; the worker asks after every batch of outcomes.
-- This partial index answers with one probe (it only holds unfinished deliveries), where counting the job's
-- deliveries grew with the job: O(N²) over a job of N sites.
CREATE INDEX deliveries_job_unfinished_idx ON deliveries (job_id) WHERE status IN ('pending', 'in_progress');
