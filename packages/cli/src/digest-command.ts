import { createReadStream } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { OpsAgentError, renderDigest, TemplateMiner, type TemplateRef } from '@opsagent/core';
import { type Command, InvalidArgumentError } from 'commander';

/** Where `opsagent digest` reads and writes; `stdin` defaults to the process's. */
export interface DigestIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  cwd: string;
  stdin?: NodeJS.ReadableStream;
}

interface DigestFlags {
  perLine?: boolean;
  contentOnly?: boolean;
  budget: number;
  json?: boolean;
  maxTemplates: number;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

/** Registers `opsagent digest [FILE]`: log lines in, templates with counts out. */
export function registerDigestCommand(program: Command, io: DigestIo): void {
  program
    .command('digest')
    .description('summarise log lines (FILE, or stdin when absent or -) into templates with counts')
    .argument('[file]', 'log file; stdin when absent or -')
    .option('--per-line', 'print one JSON object per input line: {"line": N, "template": "..."}')
    .option('--content-only', 'treat each line as a bare message (no header stripping)')
    .option(
      '--budget <tokens>',
      'most estimated tokens (chars / 4) of the digest',
      positiveInt,
      2000,
    )
    .option('--json', 'print the templates as JSON')
    .option('--max-templates <n>', 'most templates kept in memory', positiveInt, 2000)
    .action(async (file: string | undefined, flags: DigestFlags) => {
      const input =
        file === undefined || file === '-'
          ? (io.stdin ?? process.stdin)
          : await openFile(resolve(io.cwd, file));
      const miner = new TemplateMiner({
        stripHeaders: !flags.contentOnly,
        maxTemplates: flags.maxTemplates,
      });
      const refs: TemplateRef[] = [];
      const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
      for await (const line of lines) {
        const ref = miner.add(line);
        if (flags.perLine) refs.push(ref);
      }
      if (flags.perLine) {
        let chunk = '';
        for (let i = 0; i < refs.length; i++) {
          chunk += `${JSON.stringify({ line: i + 1, template: (refs[i] as TemplateRef).template })}\n`;
          if (chunk.length > 65_536) {
            io.stdout.write(chunk);
            chunk = '';
          }
        }
        io.stdout.write(chunk);
        return;
      }
      if (flags.json) {
        io.stdout.write(`${JSON.stringify(miner.templates(), null, 2)}\n`);
        return;
      }
      io.stdout.write(`${renderDigest(miner.templates(), { budgetTokens: flags.budget })}\n`);
    });
}

async function openFile(path: string): Promise<NodeJS.ReadableStream> {
  const stream = createReadStream(path);
  await new Promise<void>((ok, fail) => {
    stream.once('open', () => ok());
    stream.once('error', (error) =>
      fail(
        new OpsAgentError('DIGEST_FILE_UNREADABLE', `cannot read ${path}: ${error.message}`, {
          category: 'user',
          cause: error,
        }),
      ),
    );
  });
  return stream;
}
