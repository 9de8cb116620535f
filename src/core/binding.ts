import type { CredentialKind } from './credential.js';
import { DomainError } from './errors.js';
import type { JobSettings } from './item.js';

/**
 * A binding: one credential handed to a job's build as environment variables (and, for files and
 * keys, a file in a temporary directory outside the workspace). The kinds are the credentials binding
 * plugin's (`string`, `usernamePassword`, `usernameColonPassword`, `file`, `sshUserPrivateKey`);
 * every bound value is masked in the build's log.
 */
export type Binding =
  /** A secret text in `variable`. */
  | { readonly kind: 'string'; readonly credentialsId: string; readonly variable: string }
  /** A username and password in two variables. */
  | { readonly kind: 'usernamePassword'; readonly credentialsId: string; readonly usernameVariable: string; readonly passwordVariable: string }
  /** A username and password as `user:password` in one variable. */
  | { readonly kind: 'usernameColonPassword'; readonly credentialsId: string; readonly variable: string }
  /** A secret file: `variable` holds the path of a copy. */
  | { readonly kind: 'file'; readonly credentialsId: string; readonly variable: string }
  /** An SSH key: `keyFileVariable` holds the path of the key file; the username and passphrase optionally in variables. */
  | {
      readonly kind: 'sshUserPrivateKey';
      readonly credentialsId: string;
      readonly keyFileVariable: string;
      readonly usernameVariable: string | null;
      readonly passphraseVariable: string | null;
    };

/** The kind of credential each binding takes. */
export const BINDING_TAKES: Readonly<Record<Binding['kind'], CredentialKind>> = {
  string: 'secretText',
  usernamePassword: 'usernamePassword',
  usernameColonPassword: 'usernamePassword',
  file: 'secretFile',
  sshUserPrivateKey: 'sshPrivateKey',
};

/** A credential id a job's settings name, and the setting that names it (for a refusal beside the field). */
export interface CredentialUse {
  readonly id: string;
  readonly field: string;
  /** The kind of credential the setting takes; null when any kind will do. */
  readonly kind: CredentialKind | null;
}

/**
 * Every credential id a job's settings use: its bindings, and (its checkout's remotes, once jobs have
 * one) each `credentialsId` there. The one list the configuration check and the build's read of the
 * credentials both go by, so a job never gets a credential that was not checked when it was saved.
 */
export function credentialIdsOf(settings: JobSettings): CredentialUse[] {
  const uses: CredentialUse[] = settings.bindings.map((binding, index) => ({ id: binding.credentialsId, field: `bindings.${index}.credentialsId`, kind: BINDING_TAKES[binding.kind] }));
  // The checkout takes a username and password, a secret text (a token) or an SSH key, as the URL needs.
  settings.scm?.remotes.forEach((remote) => {
    if (remote.credentialsId !== null) uses.push({ id: remote.credentialsId, field: 'scm.credentialsId', kind: null });
  });
  return uses;
}

/** The variables a binding sets. */
export function bindingVariables(binding: Binding): string[] {
  switch (binding.kind) {
    case 'usernamePassword':
      return [binding.usernameVariable, binding.passwordVariable];
    case 'sshUserPrivateKey':
      return [binding.keyFileVariable, binding.usernameVariable, binding.passphraseVariable].filter((name): name is string => name !== null);
    default:
      return [binding.variable];
  }
}

const VARIABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Checks that each binding names a credential and sets variables a shell can read. */
export function checkBindings(bindings: readonly Binding[]): void {
  bindings.forEach((binding, index) => {
    if (binding.credentialsId.trim() === '') {
      throw new DomainError('config_invalid', `Binding ${index + 1} names no credential.`, 'Give the id of a credential (credentialsId).').at(`bindings.${index}.credentialsId`);
    }
    for (const variable of bindingVariables(binding)) {
      if (!VARIABLE.test(variable)) {
        throw new DomainError('config_invalid', `"${variable}" is not an environment variable name (binding of ${binding.credentialsId}).`, 'Use letters, digits and "_", not starting with a digit.').at(`bindings.${index}`);
      }
    }
  });
}
