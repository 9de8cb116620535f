import { readFileSync } from 'node:fs';

/** Steward's own version, from package.json. */
export const STEWARD_VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/**
 * The Jenkins version Steward answers as in `X-Jenkins`. Clients compare it to decide what the server
 * supports; Steward behaves like this release for everything it implements (see docs/jenkins-compat.md).
 */
export const JENKINS_COMPATIBLE_VERSION = '2.548';
