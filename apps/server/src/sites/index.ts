// sites/'s public module: what other areas (the sync engine, the process wiring) may use of it.
export {
  activeSigningSecrets,
  createSecretOpener,
  generateSigningSecret,
  maskSigningSecret,
  sealedSecretHint,
  type SecretOpener,
} from './site-secrets.js';
export { findSite } from './sites.repo.js';
