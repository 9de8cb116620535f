import type { Context } from 'hono';
import type { AppEnv } from '../context.js';
import { Refusal } from '../errors.js';

/** What a Jenkins agent.jar user is told to run instead. */
export const STEWARD_AGENT_HINT = 'Run `steward agent --url URL --name NAME --secret-file FILE` on the agent machine (same npm package as the server, Node 20); see docs/agents.md.';

/**
 * Jenkins' agent.jar first asks `/tcpSlaveAgentListener/` for the TCP port (or opens `/wsagents/`
 * with `-webSocket`, sending `X-Remoting-Capability`), then speaks Remoting, Java's own protocol,
 * which Steward cannot. It is refused before authentication, with the reason and what to run instead,
 * so the person starting it reads why, not a bare 403 or 404. `/jnlpJars/agent.jar` (the download)
 * is answered the same way.
 */
export function refuseAgentJar(c: Context<AppEnv>, segments: readonly string[]): void {
  const [head] = segments;
  const remoting = c.req.header('x-remoting-capability') !== undefined;
  if (!remoting && head !== 'tcpSlaveAgentListener' && head !== 'wsagents' && head !== 'jnlpJars') return;
  throw new Refusal('agent_protocol_unsupported', "Steward does not speak Jenkins' agent protocol (Remoting): a Jenkins agent.jar cannot connect to it.", STEWARD_AGENT_HINT);
}
