import { decryptSecret } from '../crypto/secret-box.js';
import type { AlertChannelRow } from './alert-channels.repo.js';
import type { AlertDestination } from './alert-transport.js';

/** Where a channel's alerts go, or why they cannot go anywhere (a reason recorded as the send's error). */
export function destinationOf(channel: AlertChannelRow | null, key: Buffer): AlertDestination | string {
  if (!channel) return 'the channel was removed';
  if (channel.type === 'email') return { type: 'email', to: channel.emailTo! };
  try {
    return {
      type: 'webhook',
      url: channel.url!,
      signingSecret: decryptSecret(key, channel.signingSecretEncrypted!),
    };
  } catch {
    return "the channel's signing secret cannot be decrypted with this SECRET_KEY";
  }
}
