import { BlockList, isIP } from 'node:net';
import { DomainError } from '../core/errors.js';

/**
 * Lists of source networks (CIDR blocks such as `10.0.0.0/8` or `2001:db8::/32`; a bare address is
 * a block of one), checked with Node's BlockList.
 */
export class Networks {
  private readonly list = new BlockList();

  constructor(readonly blocks: readonly string[]) {
    for (const block of blocks) {
      const { address, prefix, family } = parseBlock(block);
      this.list.addSubnet(address, prefix, family);
    }
  }

  includes(address: string): boolean {
    if (this.blocks.length === 0) return false;
    const family = isIP(address);
    if (family === 0) return false;
    return this.list.check(address, family === 4 ? 'ipv4' : 'ipv6');
  }
}

/** Checks and normalises a CIDR block as people write it; a DomainError names a malformed one. */
export function parseBlock(block: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6'; text: string } {
  const [address = '', prefixText, extra] = block.trim().split('/');
  const version = isIP(address);
  const max = version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (version === 0 || extra !== undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > max || (prefixText !== undefined && !/^\d+$/.test(prefixText))) {
    throw new DomainError('config_invalid', `"${block}" is not a network.`, 'Write a CIDR block such as 10.0.0.0/8 or 2001:db8::/32, or a single address.');
  }
  const family = version === 4 ? 'ipv4' : 'ipv6';
  return { address, prefix, family, text: `${address}/${prefix}` };
}
