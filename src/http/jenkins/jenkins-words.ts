import type { DomainError } from '../../core/errors.js';
import type { Refusal } from '../errors.js';

/**
 * Jenkins' own words for the refusals its clients read from `X-Error` (npm `jenkins` turns the
 * header into its error message; scripts grep for it). They come from Jenkins' message bundles
 * (`Hudson.JobAlreadyExists`, `Hudson.UnsafeChar` …), quotes and all: the header is ISO-8859-1, so
 * the curly quotes reach the client as `?`, as from Jenkins' own container. Steward's explanation
 * stays in `X-Steward-Reason` and the body.
 */
export function jenkinsWords(error: DomainError | Refusal): string | undefined {
  const facts = 'facts' in error ? error.facts : {};
  switch (error.code) {
    case 'name_taken':
      return facts.kind === 'view' ? `A view already exists with the name "${facts.name}"` : `A job already exists with the name ‘${facts.name}’`;
    case 'name_invalid':
      switch (facts.rule) {
        case 'empty':
          return 'No name is specified';
        case 'dot':
          return `“${facts.name}” is not an allowed name`;
        case 'control':
          return `No control code is allowed: ${printable(facts.name ?? '')}`;
        case 'unsafe':
          return `‘${facts.character}’ is an unsafe character`;
        case 'trailing_dot':
          return 'A name cannot end with ‘.’';
        default:
          return undefined;
      }
    default:
      return undefined;
  }
}

/** Control characters written as `\uXXXX`, as Jenkins' `toPrintableName` does. */
function printable(name: string): string {
  return name.replace(/[\u0000-\u001f\u007f-\u009f]/g, (ch) => `\\u${(ch.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`);
}
