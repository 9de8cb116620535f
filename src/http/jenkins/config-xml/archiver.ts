import type { Element } from '@xmldom/xmldom';
import { type ArchiveSettings, archiveSettings, splitPatterns } from '../../../core/archive.js';
import { Refusal } from '../../errors.js';
import { child, escapeXml, text } from './dom.js';
import { ARTIFACT_ARCHIVER } from './kinds.js';

/**
 * The job's `hudson.tasks.ArtifactArchiver` publisher, as Jenkins writes it; null without one. Flags
 * Jenkins leaves out take Jenkins' defaults.
 */
export function readArchiver(root: Element): ArchiveSettings | null {
  const element = child(child(root, 'publishers'), ARTIFACT_ARCHIVER);
  if (!element) return null;
  const include = splitPatterns(text(element, 'artifacts') ?? '');
  if (include.length === 0) throw new Refusal('xml_malformed', `<${ARTIFACT_ARCHIVER}> has no <artifacts> pattern.`, 'Give the files to archive as Ant-style patterns, such as dist/**/*.tar.gz.');
  const flag = (name: string, fallback: boolean) => {
    const value = (text(element, name) ?? '').trim();
    return value === '' ? fallback : value === 'true';
  };
  return archiveSettings(include, {
    exclude: splitPatterns(text(element, 'excludes') ?? ''),
    allowEmpty: flag('allowEmptyArchive', false),
    onlyIfSuccessful: flag('onlyIfSuccessful', false),
    fingerprint: flag('fingerprint', false),
    defaultExcludes: flag('defaultExcludes', true),
    caseSensitive: flag('caseSensitive', true),
    followSymlinks: flag('followSymlinks', true),
  });
}

/** The publisher as Jenkins writes it, every field spelled out. */
export function archiverXml(settings: ArchiveSettings): string {
  const field = (name: string, value: string | boolean) => `<${name}>${typeof value === 'string' ? escapeXml(value) : String(value)}</${name}>`;
  return `<${ARTIFACT_ARCHIVER}>${[
    field('artifacts', settings.include.join(',')),
    settings.exclude.length > 0 ? field('excludes', settings.exclude.join(',')) : '',
    field('allowEmptyArchive', settings.allowEmpty),
    field('onlyIfSuccessful', settings.onlyIfSuccessful),
    field('fingerprint', settings.fingerprint),
    field('defaultExcludes', settings.defaultExcludes),
    field('caseSensitive', settings.caseSensitive),
    field('followSymlinks', settings.followSymlinks),
  ].join('')}</${ARTIFACT_ARCHIVER}>`;
}
