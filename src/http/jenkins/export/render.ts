import { isPrunedObject, type PrunedObject, type PrunedValue } from './prune.js';

export function toJson(object: PrunedObject): unknown {
  return toPlain(object);
}

function toPlain(value: PrunedValue): unknown {
  if (Array.isArray(value)) return value.map(toPlain);
  if (isPrunedObject(value)) {
    const out: Record<string, unknown> = value.showClass ? { _class: value.className } : {};
    for (const [name, entry] of value.entries) out[name] = toPlain(entry);
    return out;
  }
  return value;
}

/** Stapler's XML element name for an object: its simple class name, decapitalised (`Queue$WaitingItem` → `waitingItem`). */
export function rootElementName(className: string): string {
  const simple = className.slice(Math.max(className.lastIndexOf('.'), className.lastIndexOf('$')) + 1);
  return simple.charAt(0).toLowerCase() + simple.slice(1);
}

/** Stapler's naive singular for array elements: `jobs` → `job`, `properties` → `property`. */
function singular(name: string): string {
  if (name.endsWith('ies')) return `${name.slice(0, -3)}y`;
  if (name.endsWith('s')) return name.slice(0, -1);
  return name;
}

function escapeText(text: string): string {
  // Characters XML 1.0 cannot carry at all are dropped rather than producing an unreadable document.
  return text.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]/g, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeAttribute(text: string): string {
  return escapeText(text).replace(/'/g, '&apos;');
}

/** Renders like Stapler's XML flavour: `_class` as a single-quoted attribute, nulls omitted. */
export function toXml(object: PrunedObject): string {
  return element(rootElementName(object.className), object);
}

function element(name: string, value: PrunedValue): string {
  if (value === null) return '';
  if (Array.isArray(value)) return value.map((item) => element(singular(name), item)).join('');
  if (isPrunedObject(value)) {
    const attribute = value.showClass ? ` _class='${escapeAttribute(value.className)}'` : '';
    const body = value.entries.map(([child, entry]) => element(child, entry)).join('');
    return `<${name}${attribute}>${body}</${name}>`;
  }
  return `<${name}>${escapeText(String(value))}</${name}>`;
}
