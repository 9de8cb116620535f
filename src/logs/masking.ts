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

/** A masked line of a multi-line secret is at least this long, so that masking `}` or `--` does not eat the log. */
const MIN_LINE = 4;

/**
 * The forms of a secret to mask in a log: the value itself, each line of a multi-line value on its
 * own (a PEM key printed with `sed`, a secret text cut by `head`), and its base64 encoding (`echo
 * $SECRET | base64` is the commonest leak; Jenkins masks it since 2023). What this cannot catch:
 * other encodings (hex, URL-encoding, base64 of a part), a value printed a character at a time, and
 * a short line of a multi-line secret.
 */
export function maskedForms(value: string): string[] {
  if (value === '') return [];
  const forms = [value, Buffer.from(value, 'utf8').toString('base64'), Buffer.from(`${value}\n`, 'utf8').toString('base64')];
  if (value.includes('\n')) {
    for (const line of value.split('\n')) {
      const trimmed = line.replace(/\r$/, '').trim();
      if (trimmed.length >= MIN_LINE) forms.push(trimmed);
    }
  }
  return forms;
}
