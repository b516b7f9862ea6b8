import {
  definePlugin,
  defineRemediation,
  defineTool,
  type Finding,
  type Source,
} from '@opsagent/core';
import { z } from 'zod';

/** A plugin with a tool, a remediation that counts its runs, and a source; for runtime tests. */
export function createLabPlugin(options: { toolDelayMs?: number; toolOutput?: string } = {}) {
  const runs: Array<{ container: string; approvalId: string }> = [];
  const findings: Finding[] = [];
  const source: Source = {
    name: 'lab',
    async status() {
      return {
        health: 'ok',
        sections: [
          { title: 'lab', health: 'ok', fields: [{ label: 'Containers', value: '3 running' }] },
        ],
      };
    },
    async check() {
      return [...findings];
    },
    async context() {
      return 'The lab has containers web, db and cache.';
    },
  };
  const plugin = definePlugin({
    name: 'lab',
    setup: () => ({
      sources: [source],
      tools: [
        defineTool({
          name: 'list_containers',
          description: 'List containers',
          input: z.object({ host: z.string().default('lab') }),
          async run(input, ctx) {
            if (options.toolDelayMs) {
              await new Promise((resolve, reject) => {
                const timer = setTimeout(resolve, options.toolDelayMs);
                ctx.signal.addEventListener('abort', () => {
                  clearTimeout(timer);
                  reject(ctx.signal.reason);
                });
              });
            }
            return (
              options.toolOutput ?? `${input.host}: web (unhealthy), db (running), cache (running)`
            );
          },
        }),
      ],
      remediations: [
        defineRemediation({
          name: 'restart_container',
          description: 'Restart a container',
          input: z.object({ container: z.string().regex(/^[a-z0-9_-]+$/) }),
          risk: 'medium',
          describe: (input) => `restart container ${input.container} on lab`,
          appliesTo: (finding) =>
            typeof finding.data?.container === 'string'
              ? { container: finding.data.container }
              : undefined,
          async execute(input, ctx) {
            runs.push({ container: input.container, approvalId: ctx.approvalId });
            return { ok: true, detail: `restarted ${input.container}` };
          },
        }),
      ],
    }),
  });
  return { plugin, runs, findings, source };
}
