import type { AgentNode } from '../../core/node.js';
import { escapeXml } from './config-xml/dom.js';

/** The command that connects an agent, as the pages, the CLI and the JNLP file show it. */
export function agentCommand(rootUrl: string, name: string, secretFile = '/etc/steward/agent-secret'): string {
  return `steward agent --url ${rootUrl} --name ${name} --secret-file ${secretFile}`;
}

/**
 * Jenkins' `jenkins-agent.jnlp`: its `<application-desc>` arguments are the secret, then the node's
 * name, then `-url ROOT`, exactly where deployment scripts scrape them
 * (`xmllint --xpath '//application-desc/argument[1]/text()'`). The way to use them with Steward is
 * said in a comment and the description, never as an argument, so the argument positions stay Jenkins'.
 */
export function jnlpDocument(rootUrl: string, node: AgentNode, secret: string): string {
  const command = agentCommand(rootUrl, node.name);
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- Steward agents do not run agent.jar. On the agent machine, put the first argument in a file and run:
     ${escapeXml(command)} -->
<jnlp codebase="${escapeXml(`${rootUrl}computer/${encodeURIComponent(node.name)}/`)}" spec="1.0+">
  <information>
    <title>Agent for ${escapeXml(node.name)}</title>
    <vendor>Steward</vendor>
    <description>Connect with: ${escapeXml(command)} (the secret is the first argument below)</description>
  </information>
  <application-desc main-class="hudson.remoting.jnlp.Main">
    <argument>${escapeXml(secret)}</argument>
    <argument>${escapeXml(node.name)}</argument>
    <argument>-url</argument>
    <argument>${escapeXml(rootUrl)}</argument>
  </application-desc>
</jnlp>
`;
}
