import { html } from 'hono/html';
import { DomainError } from '../../core/errors.js';
import type { Html } from './page.js';

/**
 * What a re-rendered item form shows after a refusal: messages beside inputs (by input name), and
 * the ones that belong to no input, at the top.
 */
export interface FormErrors {
  readonly fields: ReadonlyMap<string, string>;
  readonly general: readonly string[];
  /** The refusal's reason code (docs/errors.md), sent as `X-Steward-Reason` with the 400; `config_invalid` when unset. */
  readonly code?: string;
}

export const NO_ERRORS: FormErrors = { fields: new Map(), general: [] };

export function hasErrors(errors: FormErrors): boolean {
  return errors.fields.size > 0 || errors.general.length > 0;
}

/** A refusal's words as a person reads them beside a field: what is wrong, then what to do. */
export function sentence(error: DomainError): string {
  return error.hint ? `${error.message} ${error.hint}` : error.message;
}

/**
 * Places a domain refusal: beside the input of the setting it names (`DomainError.field`, mapped to
 * an input name by `inputOf`), else at the top. `name_taken` comes from the store, which knows only
 * that the name is in use: it concerns the name field by definition.
 */
export function placeError(error: DomainError, inputOf: (field: string) => string | null): FormErrors {
  const field = error.field ?? (error.code === 'name_taken' ? 'name' : undefined);
  const input = field === undefined ? null : inputOf(field);
  return input === null ? { fields: new Map(), general: [sentence(error)], code: error.code } : { fields: new Map([[input, sentence(error)]]), general: [], code: error.code };
}

/** Runs a domain write; a refusal becomes form errors, anything else propagates (it is not the form's fault). */
export async function attempt<T>(write: () => Promise<T>, inputOf: (field: string) => string | null): Promise<{ ok: true; value: T } | { ok: false; errors: FormErrors }> {
  try {
    return { ok: true, value: await write() };
  } catch (error) {
    if (error instanceof DomainError && error.code !== 'permission_missing' && error.code !== 'authentication_required') return { ok: false, errors: placeError(error, inputOf) };
    throw error;
  }
}

/** The reason code of a refused form, for `X-Steward-Reason`: the domain's, else a setting out of range. */
export function reasonOf(errors: FormErrors): string {
  return errors.code ?? 'config_invalid';
}

/** An input's id from its form name: `parameters[2].name` → `parameters-2-name`. */
export function inputId(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/-$/, '');
}

/** The box at the top of a refused form: the errors that belong to no field, and a pointer to those that do. */
export function errorSummary(errors: FormErrors): Html {
  if (!hasErrors(errors)) return html``;
  const first = [...errors.fields.keys()][0];
  return html`<div class="error" role="alert" id="form-errors">
  <p><strong>Nothing was saved.</strong>${first === undefined ? '' : html` Correct the <a href="#${inputId(first)}">field marked below</a>.`}</p>
  ${errors.general.map((message) => html`<p>${message}</p>`)}
</div>`;
}
