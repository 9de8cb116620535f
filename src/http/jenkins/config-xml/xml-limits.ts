import { Refusal } from '../../errors.js';

/**
 * How deeply a config.xml may nest elements. Jenkins' configurations nest about ten deep (a choice
 * parameter's values are eight: project, properties, ParametersDefinitionProperty,
 * parameterDefinitions, ChoiceParameterDefinition, choices, a, string); plugins add a few more.
 */
export const MAX_XML_DEPTH = 100;

/**
 * How many markup nodes (elements, attributes, comments, CDATA sections, processing instructions) a
 * config.xml may have. A job with 500 parameters has about 3,500; parsing the largest accepted
 * document costs milliseconds, where 250,000 would cost a second and hundreds of megabytes.
 */
export const MAX_XML_NODES = 10_000;

const HINT = 'Send the job’s real configuration: Jenkins configurations nest about ten levels deep and a job with 500 parameters has about 3,500 nodes.';

/**
 * Refuses (400 `xml_too_complex`) a document that nests deeper or has more nodes than the limits,
 * before it is parsed into a DOM. A single linear pass over the text: markup starts at `<`, and a
 * start tag ends at the first `>` outside a quoted attribute value. It only counts; well-formedness is
 * the parser's to judge afterwards, so a malformed document may pass here and be refused there.
 */
export function checkXmlLimits(text: string): void {
  let depth = 0;
  let nodes = 0;
  let at = text.indexOf('<');
  while (at !== -1) {
    let end: number;
    if (text.startsWith('<!--', at)) {
      end = after(text, '-->', at + 4);
      nodes++;
    } else if (text.startsWith('<![CDATA[', at)) {
      end = after(text, ']]>', at + 9);
      nodes++;
    } else if (text.startsWith('<?', at)) {
      end = after(text, '?>', at + 2);
      nodes++;
    } else if (text.startsWith('<!', at)) {
      end = after(text, '>', at + 2);
    } else if (text.startsWith('</', at)) {
      end = after(text, '>', at + 2);
      depth--;
    } else {
      const tag = startTag(text, at);
      end = tag.end;
      nodes += 1 + tag.attributes;
      if (!tag.selfClosing) depth++;
      if (depth > MAX_XML_DEPTH) {
        throw new Refusal('xml_too_complex', `This config.xml nests elements more than ${MAX_XML_DEPTH} levels deep; Steward accepts at most ${MAX_XML_DEPTH}.`, HINT);
      }
    }
    if (nodes > MAX_XML_NODES) {
      throw new Refusal(
        'xml_too_complex',
        `This config.xml has more than ${MAX_XML_NODES.toLocaleString('en-US')} elements, attributes and comments; Steward accepts at most ${MAX_XML_NODES.toLocaleString('en-US')}.`,
        HINT,
      );
    }
    at = text.indexOf('<', end);
  }
}

/** The position just after the next `terminator` from `from`, or the end of the text. */
function after(text: string, terminator: string, from: number): number {
  const found = text.indexOf(terminator, from);
  return found === -1 ? text.length : found + terminator.length;
}

const QUOTE = 0x22;
const APOSTROPHE = 0x27;
const GREATER = 0x3e;
const SLASH = 0x2f;

/** Reads a start tag from its `<`: where it ends, how many attribute values it has, whether it is `<…/>`. */
function startTag(text: string, at: number): { end: number; attributes: number; selfClosing: boolean } {
  let attributes = 0;
  let quote = 0;
  let position = at + 1;
  for (; position < text.length; position++) {
    const code = text.charCodeAt(position);
    if (quote !== 0) {
      if (code === quote) quote = 0;
    } else if (code === QUOTE || code === APOSTROPHE) {
      quote = code;
      attributes++;
    } else if (code === GREATER) {
      break;
    }
  }
  return { end: position + 1, attributes, selfClosing: text.charCodeAt(position - 1) === SLASH };
}
