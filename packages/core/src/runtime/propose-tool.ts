import { z } from 'zod';
import type { Remediation } from '../contracts/remediation.js';
import type { Principal } from '../contracts/roles.js';
import type { ApprovalRecord } from '../contracts/store.js';
import { defineTool, type Tool } from '../contracts/tool.js';
import { errorMessage } from '../errors.js';
import { toolDefinition } from './agent-loop.js';
import type { ApprovalService, Destination } from './approvals.js';

/** The one way the model can get anything changed: it files a proposal that a person or policy decides. */
export function createProposeTool(options: {
  remediations: ReadonlyMap<string, Remediation>;
  approvals: ApprovalService;
  principal: Principal;
  origin: Destination;
  onProposed(approval: ApprovalRecord): Promise<void>;
}): Tool {
  const names = [...options.remediations.keys()] as [string, ...string[]];
  const catalogue = [...options.remediations.values()]
    .map(
      (r) =>
        `- ${r.name} (risk ${r.risk}): ${r.description}\n  input schema: ${JSON.stringify(toolDefinition(r).inputSchema)}`,
    )
    .join('\n');
  return defineTool({
    name: 'propose_remediation',
    description:
      'Propose a change to fix a problem. It does NOT run it: the request is shown to people, and it runs only after someone with the right role approves it. ' +
      `Available remediations:\n${catalogue}`,
    input: z.object({
      remediation: z.enum(names).describe('Name of the remediation'),
      input: z
        .record(z.string(), z.unknown())
        .describe('Input for the remediation, matching its schema'),
      reason: z
        .string()
        .min(1)
        .max(1000)
        .describe('Why this fixes the problem, citing the evidence'),
    }),
    async run(input) {
      try {
        const approval = await options.approvals.propose({
          remediation: input.remediation,
          input: input.input,
          reason: input.reason,
          requestedBy: {
            kind: 'model',
            id: options.principal.id,
            name: `assistant (for ${options.principal.name})`,
          },
          principal: options.principal,
          origin: options.origin,
        });
        await options.onProposed(approval);
        if (approval.status === 'pending') {
          return `Proposed as approval ${approval.id}: "${approval.action}". It has NOT run. It waits for approval (reply "approve ${approval.id}"). Tell the user this.`;
        }
        return `Approval ${approval.id} ("${approval.action}") was decided by policy: ${approval.status}${approval.result ? ` - ${approval.result.detail}` : ''}.`;
      } catch (error) {
        return { output: `proposal refused: ${errorMessage(error)}`, isError: true };
      }
    },
  });
}
