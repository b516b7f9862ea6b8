import { awsConfigSchema, awsEmailConfigSchema, awsIamPolicy } from '@opsagent/source-aws';
import type { Command } from 'commander';
import { loadConfig } from './load.js';

/** Where `opsagent aws` reads and writes. */
export interface AwsCommandIo {
  stdout: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** Registers `opsagent aws iam-policy`: the least-privilege IAM policy for the config. */
export function registerAwsCommand(program: Command, io: AwsCommandIo): void {
  const aws = program.command('aws').description('AWS helpers');
  aws
    .command('iam-policy')
    .description(
      'print the least-privilege IAM policy for the checks, tools, remediations and e-mail the config enables',
    )
    .option('-c, --config <file>', 'config file (default ./opsagent.yaml)')
    .action((flags: { config?: string }) => {
      const loaded = loadConfig({ configPath: flags.config, env: io.env, cwd: io.cwd });
      const config = awsConfigSchema.parse(loaded.config.plugins.aws ?? {});
      const email = awsEmailConfigSchema.parse(loaded.config.plugins['aws-email'] ?? {});
      const policy = awsIamPolicy(config, email.from ? { emailFrom: email.from } : {});
      io.stdout.write(`${JSON.stringify(policy, null, 2)}\n`);
    });
}
