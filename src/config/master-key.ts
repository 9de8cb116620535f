import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SettingsError } from './settings.js';

/** The fewest bytes a master key has (AES-256 and HMAC-SHA-256 keys are derived from it). */
const MIN_KEY_BYTES = 32;

/**
 * The key that seals secrets at rest, as base64 text in a file. Without `keyFile`, it is
 * `HOME/secrets/master.key`, created on the first start (mode 0600). With one (`--key-file`,
 * `STEWARD_KEY_FILE`; the same format, e.g. a copy of the first node's `master.key`), that file is read
 * and never created: every node sharing a database must use the same key, and a missing file is a
 * mistake to report, not a reason to make a new key that could not read what the others sealed.
 * Answers the key and, when the file is readable by others than its owner, a warning to show.
 */
export function loadMasterKey(secretsDir: string, keyFile: string | null): { key: Buffer; warning: string | null } {
  const path = keyFile ?? join(secretsDir, 'master.key');
  if (keyFile === null && !existsSync(path)) writeFileSync(path, randomBytes(MIN_KEY_BYTES).toString('base64'), { mode: 0o600, flag: 'wx' });
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (error) {
    throw new SettingsError(
      `The key file ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}). Give --key-file (or STEWARD_KEY_FILE) a copy of the first node's HOME/secrets/master.key.`,
    );
  }
  const key = Buffer.from(text, 'base64');
  if (key.length < MIN_KEY_BYTES || !/^[A-Za-z0-9+/=\s]+$/.test(text)) {
    throw new SettingsError(`The key file ${path} does not hold a key: it must hold at least ${MIN_KEY_BYTES} bytes in base64, like HOME/secrets/master.key (e.g. from openssl rand -base64 32).`);
  }
  const mode = statSync(path).mode & 0o077;
  const warning = mode === 0 ? null : `The key file ${path} can be read by others than its owner (mode ${(statSync(path).mode & 0o777).toString(8)}): chmod 600 it.`;
  return { key, warning };
}
