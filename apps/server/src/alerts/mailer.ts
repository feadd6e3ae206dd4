import { createTransport } from 'nodemailer';

// Alert emails over SMTP_URL (nodemailer). The SMTP server is the operator's, not a tenant's: it is not subject to
// the SSRF guard. Its URL may hold a password, so neither it nor nodemailer's debug output is ever logged.

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Whether the SMTP server accepted the message for its recipient, with its reply code. */
export interface MailOutcome {
  accepted: boolean;
  responseCode: number | null;
  error: string | null;
}

export interface Mailer {
  /** Never rejects: a refusal, a timeout or an unreachable server is an outcome. */
  send(message: MailMessage): Promise<MailOutcome>;
}

export function createMailer(options: { smtpUrl: string; from: string; timeoutMs: number }): Mailer {
  const transport = createTransport({
    url: options.smtpUrl,
    connectionTimeout: options.timeoutMs,
    greetingTimeout: options.timeoutMs,
    socketTimeout: options.timeoutMs,
    logger: false,
    debug: false,
  });
  return {
    async send(message) {
      try {
        const info = await transport.sendMail({ from: options.from, ...message });
        const responseCode = replyCode(info.response);
        if (info.rejected.length > 0 || info.accepted.length === 0)
          return { accepted: false, responseCode, error: `not accepted: ${info.response}` };
        return { accepted: true, responseCode, error: null };
      } catch (error) {
        const { responseCode, message: text } = error as { responseCode?: unknown; message?: unknown };
        return {
          accepted: false,
          responseCode: typeof responseCode === 'number' ? responseCode : null,
          error: typeof text === 'string' && text ? text : 'the SMTP server could not be used',
        };
      }
    },
  };
}

/** `250` of `250 2.0.0 OK queued`. */
function replyCode(response: string | undefined): number | null {
  const code = /^(\d{3})\b/.exec(response ?? '')?.[1];
  return code === undefined ? null : Number(code);
}
