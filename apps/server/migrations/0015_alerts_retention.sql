-- The retention job (src/retention/) also deletes alerts older than RETENTION_DAYS, visiting them in age order
-- across organizations; their sends are found by alert_sends_alert_idx.
CREATE INDEX alerts_created_idx ON alerts (created_at, id);
