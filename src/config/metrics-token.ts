import { readFileSync } from 'node:fs';
import { TriggerTokens } from '../auth/trigger-tokens.js';
import { SettingsError } from './settings.js';

/** Shorter secrets could be guessed; `openssl rand -hex 32` makes a good one. */
const MIN_LENGTH = 16;

/**
 * Reads the bearer token a scraper may read `/prometheus/` with, from the file `--metrics-token-file`
 * names (a file, not a flag or a variable, so that it shows in no process list and no unit file).
 * Surrounding whitespace is ignored. A token that is missing, short, or shaped like a trigger token
 * (which the identity middleware would take for one) stops the start with the reason.
 */
export function readMetricsToken(path: string): string {
  let token: string;
  try {
    token = readFileSync(path, 'utf8').trim();
  } catch (error) {
    throw new SettingsError(`The metrics token file ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}).`);
  }
  if (token.length < MIN_LENGTH || /\s/.test(token)) {
    throw new SettingsError(`The metrics token in ${path} must be one word of at least ${MIN_LENGTH} characters (e.g. from openssl rand -hex 32).`);
  }
  if (TriggerTokens.isTokenLike(token)) throw new SettingsError(`The metrics token in ${path} looks like a trigger token (stwt_…): choose another value, e.g. from openssl rand -hex 32.`);
  return token;
}
