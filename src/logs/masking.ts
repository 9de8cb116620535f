import { StringDecoder } from 'node:string_decoder';

const MASK = '****';

/**
 * Replaces secret values in a stream of output with `****` before it reaches the log, also when a
 * secret arrives split across chunks: output is passed on at once, except a tail that could be the
 * beginning of a secret, which waits for the next chunk (or the end).
 */
export class Masker {
  private readonly secrets: string[];
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';

  constructor(
    secrets: readonly string[],
    private readonly write: (text: string) => void,
  ) {
    // Longest first, so that a secret containing another is masked whole.
    this.secrets = [...new Set(secrets.filter((secret) => secret.length > 0))].sort((a, b) => b.length - a.length);
  }

  push(chunk: Buffer): void {
    this.emit(this.decoder.write(chunk), false);
  }

  end(): void {
    this.emit(this.decoder.end(), true);
  }

  private emit(text: string, final: boolean): void {
    if (this.secrets.length === 0) {
      this.write(text);
      return;
    }
    let combined = this.pending + text;
    for (const secret of this.secrets) combined = combined.split(secret).join(MASK);
    const hold = final ? 0 : this.partialSecretSuffix(combined);
    this.pending = combined.slice(combined.length - hold);
    this.write(combined.slice(0, combined.length - hold));
  }

  /** The length of the longest suffix of `text` that is a proper prefix of some secret. */
  private partialSecretSuffix(text: string): number {
    let longest = 0;
    for (const secret of this.secrets) {
      for (let length = Math.min(secret.length - 1, text.length); length > longest; length--) {
        if (text.endsWith(secret.slice(0, length))) {
          longest = length;
          break;
        }
      }
    }
    return longest;
  }
}
