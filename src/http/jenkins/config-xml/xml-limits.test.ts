import { describe, expect, it } from 'vitest';
import { Refusal } from '../../errors.js';
import { checkXmlLimits, MAX_XML_DEPTH, MAX_XML_NODES } from './xml-limits.js';

function refusal(text: string): Refusal | null {
  try {
    checkXmlLimits(text);
    return null;
  } catch (error) {
    return error as Refusal;
  }
}

const nested = (levels: number) => `${'<a>'.repeat(levels)}${'</a>'.repeat(levels)}`;
const siblings = (count: number, element = '<a/>') => `<r>${element.repeat(count - 1)}</r>`;

describe('checkXmlLimits', () => {
  it('accepts the deepest and the largest allowed documents', () => {
    expect(refusal(nested(MAX_XML_DEPTH))).toBeNull();
    expect(refusal(siblings(MAX_XML_NODES))).toBeNull();
  });

  it('refuses one level or one node more with xml_too_complex naming the limit', () => {
    expect(refusal(nested(MAX_XML_DEPTH + 1))).toMatchObject({ code: 'xml_too_complex', message: expect.stringContaining(`more than ${MAX_XML_DEPTH} levels deep`) });
    expect(refusal(siblings(MAX_XML_NODES + 1))).toMatchObject({ code: 'xml_too_complex', message: expect.stringContaining('more than 10,000 elements') });
  });

  it('counts attributes, comments, CDATA sections and processing instructions as nodes', () => {
    for (const node of ['<!-- c -->', '<![CDATA[x]]>', '<?pi x?>']) expect(refusal(siblings(MAX_XML_NODES + 1, node))).not.toBeNull();
    expect(refusal(`<r ${Array.from({ length: MAX_XML_NODES }, (_, i) => `a${i}="v"`).join(' ')}/>`)).not.toBeNull();
  });

  it('reads self-closing tags, quoted ">" and "/>", comments and CDATA without miscounting depth', () => {
    const element = `<a b=">" c='/>' d="x"/><!-- <a> --><![CDATA[<a><a>]]><?pi <a>?><e>text &gt; more</e>`;
    expect(refusal(`<r>${element.repeat(1000)}</r>`)).toBeNull();
    expect(refusal(`<r>${nested(MAX_XML_DEPTH - 1)}${element}</r>`)).toBeNull();
  });

  it('stops at the first level too deep, so a 1 MiB document costs next to nothing', () => {
    const started = performance.now();
    expect(refusal(nested(140_000))).not.toBeNull();
    expect(refusal(siblings(250_000))).not.toBeNull();
    expect(performance.now() - started).toBeLessThan(100);
  });
});
