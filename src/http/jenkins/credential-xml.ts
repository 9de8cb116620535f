import type { Element } from '@xmldom/xmldom';
import type { CredentialInput } from '../../auth/credentials.js';
import type { CredentialKind, StoredCredential } from '../../core/credential.js';
import { Refusal } from '../errors.js';
import { child, escapeXml, parseXml } from './config-xml/dom.js';

/** The credentials plugins' classes for Steward's kinds: the root element of a credential's XML. */
export const CREDENTIAL_CLASSES: Readonly<Record<CredentialKind, string>> = {
  usernamePassword: 'com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl',
  secretText: 'org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl',
  secretFile: 'org.jenkinsci.plugins.plaincredentials.impl.FileCredentialsImpl',
  sshPrivateKey: 'com.cloudbees.jenkins.plugins.sshcredentials.impl.BasicSSHUserPrivateKey',
};

const DIRECT_ENTRY = 'com.cloudbees.jenkins.plugins.sshcredentials.impl.BasicSSHUserPrivateKey$DirectEntryPrivateKeySource';
const KIND_OF = new Map(Object.entries(CREDENTIAL_CLASSES).map(([kind, className]) => [className, kind as CredentialKind]));
/** What Jenkins writes in place of each secret when it shows a credential's config.xml. */
export const REDACTED = 'secret-redacted';

/**
 * Reads a credential's XML as Jenkins' `createCredentials` and `config.xml` take it. A secret field
 * holding `<secret-redacted/>` (the config.xml we showed, sent back) is null: the stored value stays.
 * An unknown class is refused naming it; a key that is not entered directly (a file on the
 * controller, Jenkins' `~/.ssh`) too.
 */
export function parseCredentialXml(xml: string): CredentialInput {
  const root = parseXml(xml).documentElement as Element;
  const kind = KIND_OF.get(root.nodeName);
  if (!kind) {
    throw new Refusal('item_type_unsupported', `Credential class ${root.nodeName} is not supported.`, `Steward stores ${Object.values(CREDENTIAL_CLASSES).join(', ')}.`);
  }
  const plain = (name: string, parent: Element = root): string | null => {
    const element = child(parent, name);
    return element ? (element.textContent ?? '') : null;
  };
  const secret = (name: string, parent: Element = root): string | null => {
    const element = child(parent, name);
    if (!element || child(element, REDACTED)) return null;
    return element.textContent ?? '';
  };
  const base = { id: (plain('id') ?? '').trim(), kind, description: plain('description') ?? '' };
  switch (kind) {
    case 'usernamePassword':
      return { ...base, username: plain('username'), password: secret('password') };
    case 'secretText':
      return { ...base, secret: secret('secret') };
    case 'secretFile':
      return { ...base, fileName: plain('fileName'), content: secret('secretBytes') };
    case 'sshPrivateKey': {
      const source = child(root, 'privateKeySource');
      const sourceClass = source?.getAttribute('class') ?? DIRECT_ENTRY;
      if (source && sourceClass !== DIRECT_ENTRY) {
        throw new Refusal('item_type_unsupported', `Private key source ${sourceClass} is not supported.`, `Send the key itself: <privateKeySource class="${DIRECT_ENTRY}"><privateKey>…</privateKey></privateKeySource>.`);
      }
      return { ...base, username: plain('username'), privateKey: source ? secret('privateKey', source) : null, passphrase: secret('passphrase') };
    }
  }
}

/** A credential's config.xml as Jenkins shows it: every secret replaced by `<secret-redacted/>`. */
export function renderCredentialXml(credential: StoredCredential): string {
  const tag = CREDENTIAL_CLASSES[credential.kind];
  const redacted = `<${REDACTED}/>`;
  const lines = [`  <scope>GLOBAL</scope>`, `  <id>${escapeXml(credential.id)}</id>`, `  <description>${escapeXml(credential.description)}</description>`];
  switch (credential.kind) {
    case 'usernamePassword':
      lines.push(`  <username>${escapeXml(credential.username ?? '')}</username>`, `  <password>${redacted}</password>`, '  <usernameSecret>false</usernameSecret>');
      break;
    case 'secretText':
      lines.push(`  <secret>${redacted}</secret>`);
      break;
    case 'secretFile':
      lines.push(`  <fileName>${escapeXml(credential.fileName ?? '')}</fileName>`, `  <secretBytes>${redacted}</secretBytes>`);
      break;
    case 'sshPrivateKey':
      lines.push(
        `  <username>${escapeXml(credential.username ?? '')}</username>`,
        '  <usernameSecret>false</usernameSecret>',
        `  <privateKeySource class="${DIRECT_ENTRY}">`,
        `    <privateKey>${redacted}</privateKey>`,
        '  </privateKeySource>',
        `  <passphrase>${redacted}</passphrase>`,
      );
      break;
  }
  return `<?xml version='1.1' encoding='UTF-8'?>\n<${tag}>\n${lines.join('\n')}\n</${tag}>\n`;
}
