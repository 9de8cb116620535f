import { html } from 'hono/html';
import { checkbox, textArea, textField } from './fields.js';
import { inputId } from './item-form-errors.js';
import { PARAMETER_TYPES, type ParameterDraft, type StepDraft } from './job-form-draft.js';
import type { Html } from './page.js';

/** What a row needs besides its draft: the errors by input name, and for a password row whether a default is stored. */
export interface RowContext {
  readonly errors: ReadonlyMap<string, string>;
  readonly passwordSet: (keep: string) => boolean;
}

/** The inputs of one parameter, named `parameters[N].…`; its type is fixed (remove and add to change it). */
export function parameterRow(row: ParameterDraft, index: number, context: RowContext): Html {
  const name = (field: string) => `parameters[${index}].${field}`;
  const field = (key: string, label: string, hint?: string | Html) => ({ name: name(key), id: inputId(name(key)), label, error: context.errors.get(name(key)) ?? null, ...(hint ? { hint } : {}) });
  const typeLabel = PARAMETER_TYPES.find(([type]) => type === row.type)?.[1] ?? row.type;
  return html`<fieldset class="form-row">
  <legend>Parameter ${index + 1} (${typeLabel})</legend>
  <input type="hidden" name="${name('type')}" value="${row.type}">
  ${textField({ ...field('name', 'Name', 'The steps read the value as an environment variable of this name.'), value: row.name })}
  ${defaultInput(row, field, context)}
  ${textField({ ...field('description', 'Description', 'Shown beside the input on Build with Parameters.'), value: row.description })}
  ${row.type === 'string' || row.type === 'text' ? checkbox({ ...field('trim', 'Trim leading and trailing whitespace from the value'), checked: row.trim }) : ''}
  <button type="submit" name="edit" value="remove-parameter-${index}">Remove<span class="visually-hidden"> parameter ${index + 1}</span></button>
</fieldset>`;
}

type FieldOf = (key: string, label: string, hint?: string | Html) => { name: string; id: string; label: string; error: string | null; hint?: string | Html };

function defaultInput(row: ParameterDraft, field: FieldOf, context: RowContext): Html {
  switch (row.type) {
    case 'string':
      return textField({ ...field('default', 'Default value'), value: row.defaultValue });
    case 'text':
      return textArea({ ...field('default', 'Default value'), value: row.defaultValue, rows: 3 });
    case 'boolean':
      return checkbox({ ...field('default', 'Ticked by default'), checked: row.defaultChecked });
    case 'choice':
      return textArea({ ...field('choices', 'Choices', 'One per line; the first is the default.'), value: row.choices, rows: 3 });
    case 'password': {
      const set = context.passwordSet(row.keep);
      const retype = row.newSecret !== '' ? ' The value you typed was not kept: type it again.' : '';
      const hint = set ? `A default is set; it is never shown. Type a new one to replace it.${retype}` : `Stored encrypted and never shown.${retype}`;
      return html`<input type="hidden" name="${field('keep', '').name}" value="${row.keep}">
  ${textField({ ...field('default', 'Default value', hint), type: 'password', value: '', autocomplete: 'new-password' })}
  ${set ? checkbox({ ...field('clear', 'Clear the default'), checked: row.clear }) : ''}`;
    }
  }
}

/** The inputs of one shell step, named `steps[N].…`. */
export function stepRow(step: StepDraft, index: number, errors: ReadonlyMap<string, string>): Html {
  const name = (field: string) => `steps[${index}].${field}`;
  const field = (key: string, label: string, hint: string) => ({ name: name(key), id: inputId(name(key)), label, hint, error: errors.get(name(key)) ?? null });
  return html`<fieldset class="form-row">
  <legend>Step ${index + 1} (shell)</legend>
  ${textArea({ ...field('command', 'Command', 'Run with sh -xe, unless the first line is #! naming another interpreter.'), value: step.command, rows: 4 })}
  ${textField({ ...field('unstableReturn', 'Unstable exit code (optional)', 'This exit code marks the build unstable instead of failed, and later steps still run.'), value: step.unstableReturn })}
  <button type="submit" name="edit" value="remove-step-${index}">Remove<span class="visually-hidden"> step ${index + 1}</span></button>
</fieldset>`;
}
