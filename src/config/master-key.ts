import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MIN_KEY_BYTES, masterKeyFromText, newMasterKey } from '../auth/secret-box.js';
import { SettingsError } from './settings.js';

/**
 * The key that seals secrets at rest, as base64 text in a file. Without `keyFile`, it is
 * `HOME/secrets/master.key`, created on the first start (mode 0600). With one (`--key-file`,
 * `STEWARD_KEY_FILE`; the same format, e.g. a copy of the first node's `master.key`), that file is read
 * and never created: every node sharing a database must use the same key, and a missing file is a
 * mistake to report, not a reason to make a new key that could not read what the others sealed.
 * Answers the key and, when the file is readable by others than its owner, a warning to show.
 */
export function loadMasterKey(secretsDir: string, keyFile: string | null): { key: Buffer; warning: string | null } {
  const path = masterKeyPath(secretsDir, keyFile);
  if (keyFile === null && !existsSync(path)) writeFileSync(path, newMasterKey().toString('base64'), { mode: 0o600, flag: 'wx' });
  const key = readKeyFile(path, 'Give --key-file (or STEWARD_KEY_FILE) a copy of the first node\'s HOME/secrets/master.key.');
  const mode = statSync(path).mode & 0o077;
  const warning = mode === 0 ? null : `The key file ${path} can be read by others than its owner (mode ${(statSync(path).mode & 0o777).toString(8)}): chmod 600 it.`;
  return { key, warning };
}

/** Where the key is: `keyFile` when given, else the home's `secrets/master.key`. */
export function masterKeyPath(secretsDir: string, keyFile: string | null): string {
  return keyFile ?? join(secretsDir, 'master.key');
}


/** Reads a key file, or throws a `SettingsError` saying what is wrong with it and, when unreadable, `hint`. */
export function readKeyFile(path: string, hint: string): Buffer {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new SettingsError(`The key file ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}). ${hint}`);
  }
  const key = masterKeyFromText(text);
  if (key === null) {
    throw new SettingsError(`The key file ${path} does not hold a key: it must hold at least ${MIN_KEY_BYTES} bytes in base64, like HOME/secrets/master.key (e.g. from openssl rand -base64 32).`);
  }
  return key;
}
