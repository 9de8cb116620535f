import { isSealed, sealedValuesIn } from '../auth/secret-box.js';

/**
 * Where the database holds values sealed with the master key (`SecretBox.seal`): the one place that
 * knows, for `steward key rotate`, which columns to open with the old key and seal with the new one.
 * Nothing else may hold a sealed value: the rotation looks through every other text column of the
 * schema and refuses, changing nothing, when it finds a value the old key opens there, and within
 * these columns when one is left where `values` does not look (`sealed-values.test.ts` shows both).
 * A future sealed column is thus named here before a key can be rotated past it.
 */
export interface SealedColumn {
  readonly table: string;
  readonly column: string;
  /** The columns naming a row (its primary key), for reading in order and for naming a row in a refusal. */
  readonly key: readonly string[];
  /** What the values are, as the rotation's summary counts them. */
  readonly kind: string;
  /** The sealed values the column's text holds, where the code that writes the column puts them. */
  readonly values: (text: string) => string[];
}

/** The column is one sealed value (or another kind of value, such as a digest, left as it is). */
function whole(text: string): string[] {
  return isSealed(text) ? [text] : [];
}

/** Job settings (core's `JobSettings`, as JSON): each password parameter's `sealedDefault`. */
function passwordDefaults(text: string): string[] {
  const settings = JSON.parse(text) as { parameters?: Array<{ type: string; sealedDefault?: string }> };
  return (settings.parameters ?? []).flatMap((definition) => (definition.type === 'password' && definition.sealedDefault !== undefined ? whole(definition.sealedDefault) : []));
}

/** Parameter values (core's `ParameterValue[]`, as JSON): each password value's `sealed`. */
function passwordValues(text: string): string[] {
  const values = JSON.parse(text) as Array<{ type: string; sealed?: string }> | null;
  return (values ?? []).flatMap((value) => (value.type === 'password' && value.sealed !== undefined ? whole(value.sealed) : []));
}

export const SEALED_COLUMNS: readonly SealedColumn[] = [
  // Agents' stwa_ secrets, and the previous one while a rotation of the secret overlaps (nodes/nodes.ts).
  { table: 'nodes', column: 'secret', key: ['name_key'], kind: 'agent secrets', values: whole },
  { table: 'nodes', column: 'previous_secret', key: ['name_key'], kind: 'agent secrets', values: whole },
  // GitHub's and generic HMAC webhooks' secrets; GitLab's token is a keyed digest, kept as it is (auth/webhooks.ts).
  { table: 'webhooks', column: 'stored_secret', key: ['name_key'], kind: 'webhook secrets', values: whole },
  // Credentials' secret fields, one sealed value per credential (auth/credentials.ts).
  { table: 'credentials', column: 'sealed_secret', key: ['store_key', 'id'], kind: 'credential secrets', values: whole },
  // Password parameters' defaults, in the settings and in the config.xml as last sent (which holds them sealed).
  { table: 'items', column: 'settings', key: ['id'], kind: 'password parameter defaults', values: passwordDefaults },
  { table: 'items', column: 'source_config', key: ['id'], kind: 'password parameter defaults in config.xml', values: sealedValuesIn },
  // Password values of waiting (and past) queue items and of builds (queue/trigger.ts).
  { table: 'queue_items', column: 'parameters', key: ['id'], kind: 'password values of queue items', values: passwordValues },
  { table: 'builds', column: 'parameters', key: ['job_id', 'number'], kind: 'password values of builds', values: passwordValues },
  // The digest key a rotation carries (store/sql/rows.ts DIGEST_KEY); the policy and the key check are not sealed.
  { table: 'security_settings', column: 'value', key: ['key'], kind: 'digest key', values: whole },
];
