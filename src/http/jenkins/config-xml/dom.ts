import { type Document, DOMParser, type Element, type Node as XmlNode, XMLSerializer } from '@xmldom/xmldom';
import { Refusal } from '../../errors.js';
import { checkXmlLimits } from './xml-limits.js';

/**
 * Parses a config.xml body strictly. A DOCTYPE (and so any entity declaration) is refused before
 * parsing, never expanded; so is a document deeper or larger than `xml-limits.ts` allows, before a
 * DOM is built; anything not well-formed is refused with its line and column.
 */
export function parseXml(text: string): Document {
  if (/<!DOCTYPE/i.test(text) || /<!ENTITY/i.test(text)) {
    throw new Refusal('xml_doctype_forbidden', 'XML with a DOCTYPE or entity declarations is refused.', 'Remove the <!DOCTYPE …> declaration; config.xml never needs one.');
  }
  checkXmlLimits(text);
  let problem: string | null = null;
  let document: Document | null = null;
  try {
    document = new DOMParser({
      locator: true,
      onError: (_level, message, context) => {
        const locator = (context as { locator?: { lineNumber?: number; columnNumber?: number } } | undefined)?.locator;
        const where = locator?.lineNumber ? `line ${locator.lineNumber}, column ${locator.columnNumber ?? 0}: ` : '';
        problem ??= `${where}${message.trim()}`;
      },
    }).parseFromString(text, 'text/xml');
  } catch (error) {
    problem ??= error instanceof Error ? error.message : String(error);
  }
  if (problem !== null || !document?.documentElement) {
    throw new Refusal('xml_malformed', `The XML is not well-formed: ${problem ?? 'there is no root element'}`, 'Fix the XML and send it again.');
  }
  return document;
}

export function serialize(node: XmlNode): string {
  return new XMLSerializer().serializeToString(node);
}

export function elements(parent: XmlNode | null | undefined, name?: string): Element[] {
  const out: Element[] = [];
  if (!parent) return out;
  for (let child = parent.firstChild; child; child = child.nextSibling) {
    if (child.nodeType === 1 && (name === undefined || child.nodeName === name)) out.push(child as Element);
  }
  return out;
}

export function child(parent: XmlNode | null | undefined, name: string): Element | null {
  return elements(parent, name)[0] ?? null;
}

/** The text of a child element, or null when there is no such child. */
export function text(parent: XmlNode | null | undefined, name: string): string | null {
  const found = child(parent, name);
  return found ? (found.textContent ?? '') : null;
}

/** Sets a child element's text, creating the child at the end when it is missing. */
export function setText(document: Document, parent: Element, name: string, value: string): void {
  let found = child(parent, name);
  if (!found) {
    found = document.createElement(name);
    appendIndented(parent, found);
  }
  while (found.firstChild) found.removeChild(found.firstChild);
  found.appendChild(document.createTextNode(value));
}

export function removeChildren(parent: XmlNode, name: string): void {
  for (const found of elements(parent, name)) {
    const previous = found.previousSibling;
    if (previous && previous.nodeType === 3 && /^\s*$/.test(previous.nodeValue ?? '')) parent.removeChild(previous);
    parent.removeChild(found);
  }
}

/** Parses an XML fragment (one element) for insertion into a document. */
export function fragment(document: Document, xml: string): Element {
  const parsed = new DOMParser().parseFromString(xml, 'text/xml');
  return document.importNode(parsed.documentElement as Element, true) as Element;
}

/** Appends an element, indented one level deeper than its parent (best effort, for people reading it). */
export function appendIndented(parent: Element, element: Element): void {
  const document = parent.ownerDocument as Document;
  const depth = depthOf(parent);
  const last = parent.lastChild;
  if (last && last.nodeType === 3 && /^\s*$/.test(last.nodeValue ?? '')) parent.removeChild(last);
  parent.appendChild(document.createTextNode(`\n${'  '.repeat(depth + 1)}`));
  parent.appendChild(element);
  parent.appendChild(document.createTextNode(`\n${'  '.repeat(depth)}`));
}

/** Inserts an element before a sibling, at the sibling's indentation; appends when there is no sibling. */
export function insertIndentedBefore(parent: Element, element: Element, before: Element | null): void {
  if (!before) return appendIndented(parent, element);
  const document = parent.ownerDocument as Document;
  parent.insertBefore(element, before);
  parent.insertBefore(document.createTextNode(`\n${'  '.repeat(depthOf(parent) + 1)}`), before);
}

/** Replaces the first child of that name in place, or appends when there is none. */
export function replaceOrAppend(parent: Element, name: string, replacement: Element): void {
  const existing = child(parent, name);
  if (existing) parent.replaceChild(replacement, existing);
  else appendIndented(parent, replacement);
}

function depthOf(node: XmlNode): number {
  let depth = 0;
  for (let parent = node.parentNode; parent && parent.nodeType === 1; parent = parent.parentNode) depth++;
  return depth;
}

export function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
