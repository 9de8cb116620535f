/** How often progress is reported at most: often enough to look alive, rarely enough to cost nothing. */
const EVERY_MS = 200;

/**
 * Passes progress on to `listener` at most every 200 ms (a backup reports per file and per chunk,
 * which may be millions of times), and always the first time.
 */
export function throttled(listener: ((text: string) => void) | undefined): (text: string) => void {
  if (!listener) return () => {};
  let last = 0;
  return (text) => {
    const now = Date.now();
    if (now - last < EVERY_MS) return;
    last = now;
    listener(text);
  };
}

/** `386 bytes`, `12.3 kB`, `56.2 MB`, `1,234 MB`: a size for a progress line or a summary. */
export function byteSize(bytes: number): string {
  if (bytes < 1000) return `${bytes} bytes`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(1)} kB`;
  const value = bytes / 1_000_000;
  return `${value < 10 ? value.toFixed(1) : Math.round(value).toLocaleString('en-US')} MB`;
}
