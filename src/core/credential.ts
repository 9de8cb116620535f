/**
 * A credential's secret material in clear, as a build that uses it receives it (bound into its
 * environment, or used by its checkout). Stored sealed; never in logs, API answers, audit entries or
 * error bodies. `id` is the credential's id (Jenkins' `credentialsId`), unique within its store.
 */
export type CredentialSecret =
  | { readonly kind: 'usernamePassword'; readonly id: string; readonly username: string; readonly password: string }
  | { readonly kind: 'secretText'; readonly id: string; readonly secret: string }
  /** `content` is the file's bytes, base64-encoded. */
  | { readonly kind: 'secretFile'; readonly id: string; readonly fileName: string; readonly content: string }
  | { readonly kind: 'sshPrivateKey'; readonly id: string; readonly username: string; readonly privateKey: string; readonly passphrase: string | null };

export type CredentialKind = CredentialSecret['kind'];
