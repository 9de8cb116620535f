import { itemPath } from '../core/item-url.js';
import { CliError, ExitCode } from './exit-codes.js';

/** A job or folder named on the command line. */
export interface JobRef {
  /** `team/app`. */
  readonly fullName: string;
  /** `job/team/job/app/`, relative to the server's root. */
  readonly path: string;
  /** The server a job URL was below, when a URL was given. */
  readonly server: URL | null;
  /** What followed the item in a URL (`build`, `buildWithParameters`, …), else empty. */
  readonly action: string;
  /** The query of a URL, else empty. */
  readonly query: URLSearchParams;
}

/**
 * `JOB` is a full name (`team/app`) or a job URL (`https://ci/job/team/job/app/`, also with an
 * action such as `build?token=…` after it, or a `view/NAME/` before it).
 */
export function parseJobRef(value: string): JobRef {
  if (/^https?:\/\//i.test(value)) return fromUrl(value);
  const fullName = value.replace(/^\/+|\/+$/g, '');
  if (fullName === '' || fullName.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')) {
    throw new CliError(`${JSON.stringify(value)} is not a job name: give a full name such as team/app, or the job's URL.`, ExitCode.usage);
  }
  return { fullName, path: itemPath(fullName), server: null, action: '', query: new URLSearchParams() };
}

function fromUrl(value: string): JobRef {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CliError(`${JSON.stringify(value)} is not a valid URL.`, ExitCode.usage);
  }
  const segments = url.pathname.split('/');
  let index = segments.indexOf('job');
  while (index > 0 && segments[index - 2] === 'view') index -= 2;
  if (index < 0) throw new CliError(`${url.origin}${url.pathname} is not a job's URL: it has no /job/NAME/ in it.`, ExitCode.usage, 'Give the full name (team/app) or a URL such as https://ci.example.com/job/team/job/app/.');
  const names: string[] = [];
  let at = index;
  while (at < segments.length) {
    if (segments[at] === 'view' && segments[at + 1] !== undefined) {
      at += 2;
    } else if (segments[at] === 'job' && segments[at + 1] !== undefined && segments[at + 1] !== '') {
      names.push(decodeURIComponent(segments[at + 1] as string));
      at += 2;
    } else break;
  }
  if (names.length === 0) throw new CliError(`${url.origin}${url.pathname} names no job after /job/.`, ExitCode.usage);
  const server = new URL(url.href);
  server.pathname = `${segments.slice(0, index).join('/')}/`;
  server.search = '';
  server.hash = '';
  const fullName = names.join('/');
  return { fullName, path: itemPath(fullName), server, action: segments.slice(at).filter((segment) => segment !== '').join('/'), query: url.searchParams };
}
