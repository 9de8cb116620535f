import type { Element } from '@xmldom/xmldom';
import type { Binding } from '../../../core/binding.js';
import { Refusal } from '../../errors.js';
import { child, elements, escapeXml, text } from './dom.js';
import { BINDING_ELEMENTS, SECRET_BUILD_WRAPPER } from './kinds.js';

const KIND_OF = new Map<string, Binding['kind']>(Object.entries(BINDING_ELEMENTS).map(([kind, element]) => [element, kind as Binding['kind']]));

/**
 * The bindings of a freestyle job's `SecretBuildWrapper` (`<buildWrappers>`), as the credentials
 * binding plugin writes them; none without the wrapper. A binding Steward does not know is refused
 * naming its class, rather than a build that would run without the secret.
 */
export function readBindings(root: Element): Binding[] {
  const wrapper = child(child(root, 'buildWrappers'), SECRET_BUILD_WRAPPER);
  return elements(child(wrapper, 'bindings')).map((element) => {
    const kind = KIND_OF.get(element.nodeName);
    if (!kind) {
      throw new Refusal('item_type_unsupported', `Binding <${element.nodeName}> is not supported.`, `Steward binds ${Object.values(BINDING_ELEMENTS).join(', ')}.`);
    }
    const field = (name: string) => (text(element, name) ?? '').trim();
    const optional = (name: string) => (field(name) === '' ? null : field(name));
    const credentialsId = field('credentialsId');
    switch (kind) {
      case 'usernamePassword':
        return { kind, credentialsId, usernameVariable: field('usernameVariable'), passwordVariable: field('passwordVariable') };
      case 'sshUserPrivateKey':
        return { kind, credentialsId, keyFileVariable: field('keyFileVariable'), usernameVariable: optional('usernameVariable'), passphraseVariable: optional('passphraseVariable') };
      default:
        return { kind, credentialsId, variable: field('variable') };
    }
  });
}

/** The wrapper's XML for these bindings; null for none (the wrapper is then left out). */
export function bindingsXml(bindings: readonly Binding[]): string | null {
  if (bindings.length === 0) return null;
  const element = (name: string, value: string | null) => (value === null ? '' : `<${name}>${escapeXml(value)}</${name}>`);
  const items = bindings.map((binding) => {
    const tag = BINDING_ELEMENTS[binding.kind];
    const id = element('credentialsId', binding.credentialsId);
    switch (binding.kind) {
      case 'usernamePassword':
        return `<${tag}>${id}${element('usernameVariable', binding.usernameVariable)}${element('passwordVariable', binding.passwordVariable)}</${tag}>`;
      case 'sshUserPrivateKey':
        return `<${tag}>${id}${element('keyFileVariable', binding.keyFileVariable)}${element('usernameVariable', binding.usernameVariable)}${element('passphraseVariable', binding.passphraseVariable)}</${tag}>`;
      default:
        return `<${tag}>${id}${element('variable', binding.variable)}</${tag}>`;
    }
  });
  return `<${SECRET_BUILD_WRAPPER} plugin="credentials-binding"><bindings>${items.join('')}</bindings></${SECRET_BUILD_WRAPPER}>`;
}
