const encoder = new TextEncoder();

/**
 * The key a receiver keeps a sending site's state under (last version, applied webhook ids): a SHA-256 fingerprint
 * of the signing secret that verified the delivery, so a file name or database key never reveals the secret.
 * Keyed by the secret, not by the site id inside the payload: whoever holds one site's secret can then only touch
 * that site's state, whatever site id they write into a body. The `whsec_` prefix is optional in a secret, so it
 * does not change the key.
 */
export async function stateKeyFor(secret: string): Promise<string> {
  const bare = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(bare)));
  return `secret-sha256-${[...digest].map((byte) => byte.toString(16).padStart(2, '0')).join('')}`;
}
