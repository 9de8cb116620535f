import { randomBytes } from 'node:crypto';
import type { Context } from 'hono';
import { type Principal, principalName } from '../../auth/principal.js';
import type { AuditEvent } from '../../core/audit.js';
import type { Item } from '../../core/item.js';
import { type Permission, Permissions } from '../../core/permissions.js';
import type { Configurer } from '../../items/configurer.js';
import { auditEvent } from '../audit.js';
import { readInput, type RequestInput, single } from '../body.js';
import type { AppEnv } from '../context.js';
import { setSessionCookie } from '../session-cookie.js';
import { CRUMB_FIELD, crumbVerdict, type CrumbVerdict, needsCrumb } from '../crumb.js';
import type { WaitingReasons } from '../../queue/waiting-reason.js';
import type { BeanContext } from './beans/context.js';
import type { JenkinsDeps } from './deps.js';

/** One request as the Jenkins routes see it: who asks, how, and helpers shared by the handlers. */
export class Scope {
  readonly principal: Principal;
  /** The request URL, parsed once. */
  readonly url: URL;
  /** GET for HEAD, which is answered like GET without a body. */
  readonly method: string;
  private input: Promise<RequestInput> | null = null;
  private waiting: Promise<WaitingReasons> | null = null;

  constructor(
    readonly c: Context<AppEnv>,
    readonly deps: JenkinsDeps,
    readonly bodyLimitBytes: number,
  ) {
    this.principal = c.get('principal');
    this.url = new URL(c.req.url);
    this.method = c.req.method === 'HEAD' ? 'GET' : c.req.method;
  }

  get address(): string {
    return this.c.get('address');
  }

  /** The origin the client used (its Host header), ending in `/`: redirects are built on it (DESIGN §5.7). */
  get requestBase(): string {
    return `${this.url.origin}/`;
  }

  /** The root URL for `url` fields: the configured public URL, else the request's origin. */
  get rootUrl(): string {
    return this.deps.publicUrl ?? this.requestBase;
  }

  readInput(): Promise<RequestInput> {
    this.input ??= readInput(this.c, this.url, this.bodyLimitBytes);
    return this.input;
  }

  beans(): BeanContext {
    return {
      rootUrl: this.rootUrl,
      store: this.deps.store,
      scheduler: this.deps.scheduler,
      authorizer: this.deps.authorizer,
      principal: this.principal,
      useCrumbs: this.deps.policy.current.crumbs,
      builtInNode: this.deps.builtInNode,
      waitingReasons: () => this.waitingReasons(),
      artifacts: this.deps.artifacts,
    };
  }

  /** Why waiting items wait, as of this request's first question: one read of the nodes per request. */
  waitingReasons(): Promise<WaitingReasons> {
    this.waiting ??= this.deps.scheduler.waitingReasons();
    return this.waiting;
  }


  check(permission: Permission, item?: Item): void {
    this.deps.authorizer.check(this.principal, permission, item);
  }

  /** The caller as the one saving a job's settings (see `Configurer`). */
  configurer(): Configurer {
    return {
      name: principalName(this.principal),
      mayUseCredentials: (where) => this.deps.authorizer.has(this.principal, Permissions.CredentialsUseItem, where ?? undefined),
      canRead: (item) => this.deps.authorizer.has(this.principal, Permissions.ItemRead, item),
      checkBuild: (job) => this.check(Permissions.ItemBuild, job),
    };
  }

  /** Whether this request carries the CSRF crumb it needs (see `crumbVerdict`). */
  async crumb(): Promise<CrumbVerdict> {
    const enabled = this.deps.policy.current.crumbs;
    if (!needsCrumb(this.c, enabled)) return { ok: true };
    const input = this.c.req.header(CRUMB_FIELD) === undefined ? await this.readInput() : null;
    return crumbVerdict(this.c, this.deps.crumbs, enabled, () => (input ? single(input, CRUMB_FIELD) : undefined));
  }

  /** Refuses a POST that needs a crumb and carries no valid one. */
  async requireCrumb(): Promise<void> {
    const verdict = await this.crumb();
    if (!verdict.ok) throw verdict.refusal;
  }

  /**
   * The cookie an anonymous caller's crumb is bound to: the one it sent, else a new random one set on
   * this response (as Jenkins creates a session for it). With `fresh`, always a new one.
   */
  anonymousNonce(fresh = false): string {
    const sent = this.c.get('sessionCookie');
    if (sent && !fresh) return sent;
    const nonce = randomBytes(32).toString('base64url');
    setSessionCookie(this.c, this.deps.sessions.cookieName, nonce, this.deps.publicUrl);
    return nonce;
  }

  audit(fields: Pick<AuditEvent, 'action' | 'outcome'> & Partial<AuditEvent>): AuditEvent {
    return auditEvent(this.c, fields);
  }

  /** A redirect to a path below the request's origin. */
  redirect(path: string, status: 302 | 303 = 302): Response {
    return new Response(null, { status, headers: { Location: this.requestBase + path, 'Content-Length': '0' } });
  }
}
