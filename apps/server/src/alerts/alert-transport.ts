import type { AlertBody } from '@datasync/contracts';
import { createDeliveryClient } from '../sync/deliver/deliver.js';
import { describeOutcome } from '../sync/deliver/claimed-delivery.js';
import { webhookHeaders } from '../sync/deliver/sign.js';
import { alertEmail } from './alert-email.js';
import { createMailer, type Mailer } from './mailer.js';

// Sends one alert body to one channel: a webhook POST signed with the channel's secret through an HTTP client of
// its own (the SSRF-guarded delivery client, another instance than the sync's, so alerts never take its slots), or
// an email through SMTP_URL.

export type AlertDestination =
  { type: 'webhook'; url: string; signingSecret: string } | { type: 'email'; to: string };

export interface AlertSendOutcome {
  accepted: boolean;
  /** The receiver's HTTP status, or the SMTP server's reply code; null when none came. */
  responseCode: number | null;
  error: string | null;
  /** Retrying cannot help (the SSRF guard refused the URL, or the receiver answered 410 Gone). */
  permanent: boolean;
  /** A throttling receiver's Retry-After, in ms. */
  retryAfterMs: number | null;
}

export interface AlertTransport {
  /** `sendId` is the webhook's `webhook-id`, the same on every attempt of the send. Never rejects. */
  send(sendId: string, destination: AlertDestination, body: AlertBody): Promise<AlertSendOutcome>;
  close(): Promise<void>;
}

export interface AlertTransportOptions {
  allowedOrigins: readonly string[];
  smtpUrl?: string;
  smtpFrom: string;
  /** Per HTTP attempt, and per SMTP step (connect, greeting, each reply). */
  timeoutMs: number;
  /** Retries within one send, for blips (the delivery client's default: 0.5 s, 1 s, 2 s); `[]`: none. */
  quickRetryDelaysMs?: readonly number[];
  /** Requests in flight per destination origin. */
  connections?: number;
}

export const SMTP_NOT_CONFIGURED = 'SMTP_URL is not set: this DataSync cannot send email';

export function createAlertTransport(options: AlertTransportOptions): AlertTransport {
  const http = createDeliveryClient({
    allowedOrigins: options.allowedOrigins,
    timeoutMs: options.timeoutMs,
    connections: options.connections ?? 8,
    slowConnections: options.connections ?? 8,
    quickRetryDelaysMs: options.quickRetryDelaysMs,
    userAgent: 'DataSync-Alerts/1',
  });
  const mailer: Mailer | null = options.smtpUrl
    ? createMailer({ smtpUrl: options.smtpUrl, from: options.smtpFrom, timeoutMs: options.timeoutMs })
    : null;

  async function sendWebhook(
    sendId: string,
    destination: Extract<AlertDestination, { type: 'webhook' }>,
    body: AlertBody,
  ): Promise<AlertSendOutcome> {
    const outcome = await http.deliver({
      url: destination.url,
      body: JSON.stringify(body),
      headers: (_attempt, bytes) =>
        webhookHeaders({
          id: sendId,
          timestamp: Math.floor(Date.now() / 1000),
          body: bytes,
          secrets: [destination.signingSecret],
        }),
    });
    const accepted = outcome.kind === 'success';
    return {
      accepted,
      responseCode: outcome.status,
      error: accepted ? null : describeOutcome(outcome),
      permanent: outcome.kind === 'blocked' || outcome.kind === 'gone',
      retryAfterMs: outcome.kind === 'throttled' ? outcome.retryAfterMs : null,
    };
  }

  async function sendEmail(to: string, body: AlertBody): Promise<AlertSendOutcome> {
    if (!mailer)
      return {
        accepted: false,
        responseCode: null,
        error: SMTP_NOT_CONFIGURED,
        permanent: false,
        retryAfterMs: null,
      };
    const outcome = await mailer.send({ to, ...alertEmail(body) });
    return { ...outcome, permanent: false, retryAfterMs: null };
  }

  return {
    send: (sendId, destination, body) =>
      destination.type === 'webhook'
        ? sendWebhook(sendId, destination, body)
        : sendEmail(destination.to, body),
    close: () => http.close(),
  };
}
