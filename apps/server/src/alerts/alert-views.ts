import type { Alert, AlertChannel } from '@datasync/contracts';
import { sealedSecretHint } from '../sites/index.js';
import { withAbsoluteLink } from './alert-body.js';
import type { AlertChannelRow } from './alert-channels.repo.js';
import type { AlertRow, AlertSendRow } from './alerts.repo.js';

/** The API view of a channel: never its secret or ciphertext (this is also what the audit log records). */
export function toAlertChannel(row: AlertChannelRow, key: Buffer): AlertChannel {
  const hint = sealedSecretHint(key, row.signingSecretEncrypted);
  return {
    id: row.id,
    type: row.type,
    url: row.url,
    to: row.emailTo,
    signing_secret_hint: hint,
    created_at: row.createdAt,
  };
}

/** An alert with its sends; the stored relative link made absolute with this process's PUBLIC_URL. */
export function toAlert(row: AlertRow, sends: AlertSendRow[], publicUrl: string): Alert {
  return {
    id: row.id,
    type: row.type,
    created_at: row.createdAt,
    body: withAbsoluteLink(row.body, publicUrl),
    sends: sends.map((send) => ({
      id: send.id,
      channel_id: send.channelId,
      channel_type: send.channelType,
      status: send.status,
      attempts: send.attempts,
      response_code: send.responseCode,
      error: send.error,
      next_attempt_at: send.nextAttemptAt,
      completed_at: send.completedAt,
    })),
  };
}
