import { html } from 'hono/html';
import type { Html } from './page.js';

/**
 * Form inputs with their label, hint and error tied to them for screen readers (`aria-describedby`,
 * `aria-invalid`). An error is shown beside the field at fault; `id` defaults to the field's name.
 */
export interface FieldOptions {
  readonly name: string;
  readonly label: string;
  readonly id?: string;
  readonly hint?: string | Html;
  readonly error?: string | null;
  readonly required?: boolean;
}

function describedBy(id: string, options: FieldOptions): string | undefined {
  const ids = [options.hint ? `${id}-hint` : '', options.error ? `${id}-error` : ''].filter((part) => part !== '');
  return ids.length > 0 ? ids.join(' ') : undefined;
}

function notes(id: string, options: FieldOptions): Html {
  return html`${options.hint ? html`<p class="hint" id="${id}-hint">${options.hint}</p>` : ''}${options.error ? html`<p class="field-error" id="${id}-error">${options.error}</p>` : ''}`;
}

/** Attributes shared by every input: id, name, and the accessibility links to its notes. */
function common(id: string, options: FieldOptions): Html {
  const described = describedBy(id, options);
  return html`id="${id}" name="${options.name}"${described ? html` aria-describedby="${described}"` : ''}${options.error ? html` aria-invalid="true"` : ''}${options.required ? html` required` : ''}`;
}

export function textField(options: FieldOptions & { readonly value?: string; readonly type?: 'text' | 'password' | 'number' | 'datetime-local'; readonly autocomplete?: string }): Html {
  const id = options.id ?? options.name;
  return html`<div class="field"><label for="${id}">${options.label}</label><input type="${options.type ?? 'text'}" ${common(id, options)} value="${options.value ?? ''}"${options.autocomplete ? html` autocomplete="${options.autocomplete}"` : ''}>${notes(id, options)}</div>`;
}

export function textArea(options: FieldOptions & { readonly value?: string; readonly rows?: number }): Html {
  const id = options.id ?? options.name;
  return html`<div class="field"><label for="${id}">${options.label}</label><textarea ${common(id, options)} rows="${options.rows ?? 5}">${options.value ?? ''}</textarea>${notes(id, options)}</div>`;
}

export function checkbox(options: FieldOptions & { readonly checked: boolean; readonly value?: string }): Html {
  const id = options.id ?? options.name;
  return html`<div class="field checkbox"><input type="checkbox" ${common(id, options)} value="${options.value ?? 'true'}"${options.checked ? html` checked` : ''}><label for="${id}">${options.label}</label>${notes(id, options)}</div>`;
}

export function select(options: FieldOptions & { readonly choices: readonly (string | readonly [value: string, label: string])[]; readonly value?: string }): Html {
  const id = options.id ?? options.name;
  const choices = options.choices.map((choice) => (typeof choice === 'string' ? [choice, choice] : choice) as readonly [string, string]);
  return html`<div class="field"><label for="${id}">${options.label}</label><select ${common(id, options)}>${choices.map(([value, label]) => html`<option value="${value}"${value === options.value ? html` selected` : ''}>${label}</option>`)}</select>${notes(id, options)}</div>`;
}
