import { html } from 'hono/html';
import { DomainError } from '../../core/errors.js';
import type { Job } from '../../core/item.js';
import { itemPath } from '../../core/item-url.js';
import { type ParameterDefinition, valueFromString } from '../../core/parameters.js';
import type { RequestInput } from '../body.js';
import type { Scope } from '../jenkins/scope.js';
import { checkbox, select, textArea, textField } from './fields.js';
import { crumbField, type Html, renderPage } from './page.js';
import { trailOf } from './trail.js';

/** A submitted form: what it supplies to the trigger, what it showed (never a password), and refusals by parameter. */
export interface ParametersForm {
  readonly supplied: Map<string, string[]>;
  readonly shown: ReadonlyMap<string, string>;
  readonly errors: ReadonlyMap<string, string>;
}

/** Jenkins' form URL and target: `…/build?delay=0sec` (the form starts the build at once, whatever the quiet period). */
export function parametersFormPath(job: Job): string {
  return `/${itemPath(job.fullName)}build?delay=0sec`;
}

/**
 * Reads the "Build with Parameters" form into the values a trigger supplies, so that the trigger
 * checks them with the API's code. An unchecked box sends nothing, so a boolean parameter the form
 * leaves out is `false` (not its default); an empty password field means "use the default"; a
 * textarea's line ends come back as LF. Each value is also converted with the domain's own rule
 * (`valueFromString`) so that a refusal can be shown beside its field.
 */
export function readParametersForm(job: Job, input: RequestInput): ParametersForm {
  const supplied = new Map<string, string[]>();
  const shown = new Map<string, string>();
  const errors = new Map<string, string>();
  for (const definition of job.settings.parameters) {
    const sent = [...(input.parameters.get(definition.name) ?? [])];
    const values = formValues(definition, sent);
    if (values === null) continue;
    supplied.set(definition.name, values);
    if (definition.type !== 'password' && values.length > 0) shown.set(definition.name, values[0] as string);
    if (definition.type === 'password' || values.length !== 1) continue;
    try {
      valueFromString(definition, values[0] as string, (plain) => plain);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      errors.set(definition.name, error.hint ? `${error.message} ${error.hint}` : error.message);
    }
  }
  return { supplied, shown, errors };
}

/** What one field sends for its parameter; null to let the parameter take its default. */
function formValues(definition: ParameterDefinition, sent: string[]): string[] | null {
  switch (definition.type) {
    case 'boolean':
      return sent.length === 0 ? ['false'] : sent;
    case 'password': {
      const typed = sent.filter((value) => value !== '');
      return typed.length === 0 ? null : typed;
    }
    case 'text':
      return sent.length === 0 ? null : sent.map((value) => value.replace(/\r\n?/g, '\n'));
    default:
      return sent.length === 0 ? null : sent;
  }
}

/** The form page (GET `…/build?delay=0sec` in a browser); with a refused submission, its values and errors (400). */
export async function parametersFormPage(scope: Scope, job: Job, submitted?: ParametersForm): Promise<Response> {
  const fields = job.settings.parameters.map((definition) => parameterField(definition, submitted?.shown.get(definition.name), submitted?.errors.get(definition.name) ?? null));
  return renderPage(scope, {
    title: `Build ${job.name}`,
    trail: [...trailOf(job.fullName), [job.name, `/${itemPath(job.fullName)}`]],
    status: submitted && submitted.errors.size > 0 ? 400 : 200,
    reason: 'parameter_invalid',
    body: html`${submitted && submitted.errors.size > 0 ? html`<p class="error" role="alert">The build was not started: correct the values marked below.</p>` : ''}
<p>This build requires parameters. Each starts with its default value.</p>
<form method="post" action="${parametersFormPath(job)}" class="item-form parameters-form">
${crumbField(scope)}
${fields}
<div class="actions"><button type="submit" class="primary">Build</button> <a class="button" href="/${itemPath(job.fullName)}">Cancel</a></div>
</form>`,
  });
}

/** One input per parameter type, its default (or the submitted value) filled in; a password's never shown. */
function parameterField(definition: ParameterDefinition, submitted: string | undefined, error: string | null): Html {
  const id = `parameter-${definition.name}`;
  const hint = definition.description === '' ? undefined : definition.description;
  const common = { name: definition.name, id, label: definition.name, error };
  switch (definition.type) {
    case 'string':
      return textField({ ...common, hint, value: submitted ?? definition.defaultValue });
    case 'text':
      return textArea({ ...common, hint, value: submitted ?? definition.defaultValue });
    case 'boolean':
      return checkbox({ ...common, hint, checked: submitted === undefined ? definition.defaultValue : submitted.toLowerCase() === 'true' });
    case 'choice':
      return select({ ...common, hint, choices: definition.choices, value: submitted ?? definition.choices[0] });
    case 'password':
      return textField({ ...common, type: 'password', value: '', autocomplete: 'new-password', hint: hint === undefined ? 'Leave empty to use the default.' : `${hint}${/[.!?]$/.test(hint) ? '' : '.'} Leave empty to use the default.` });
  }
}
