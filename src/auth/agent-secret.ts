import { hasValidChecksum, looksLikeToken, newSecretToken } from './secret-token.js';

/**
 * An agent's secret (what `steward agent --secret-file` holds): the secret-token format with its
 * own prefix and 256 random bits (43 base62 characters), e.g. `stwa_…_Xk2p0w`. The prefix and
 * checksum let secret scanners find a leaked one, as for API tokens.
 */
export const AGENT_SECRET_PREFIX = 'stwa_';
const AGENT_SECRET_BYTES = 32;

export function newAgentSecret(): string {
  return newSecretToken(AGENT_SECRET_PREFIX, AGENT_SECRET_BYTES);
}

/** Whether a value has the shape of an agent secret (what a scanner, or a confused caller, checks first). */
export function looksLikeAgentSecret(value: string): boolean {
  return looksLikeToken(AGENT_SECRET_PREFIX, value, AGENT_SECRET_BYTES);
}

/** Whether an agent secret's checksum matches its body. */
export function isWellFormedAgentSecret(value: string): boolean {
  return hasValidChecksum(AGENT_SECRET_PREFIX, value, AGENT_SECRET_BYTES);
}
