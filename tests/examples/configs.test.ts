import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '@opsagent/core';
import { knownPlugins, presets } from 'opsagent';
import { describe, expect, it } from 'vitest';

const examples = fileURLToPath(new URL('../../examples/', import.meta.url));
const configs = readdirSync(examples, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .filter((d) => readdirSync(`${examples}${d.name}`).includes('opsagent.yaml'))
  .map((d) => d.name);

/** Dummy values for every `${VAR}` a file references, so only the structure is judged. */
function envFor(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [, name] of text.matchAll(/\$\{([A-Z0-9_]+)(?::-[^}]*)?\}/g))
    env[name as string] = name?.includes('URL') ? 'http://127.0.0.1:9' : `${name}-value-0123456789`;
  return env;
}

describe('examples/*/opsagent.yaml', () => {
  it('has an example config for every preset but local', () => {
    const named = configs.map((name) => {
      const text = readFileSync(`${examples}${name}/opsagent.yaml`, 'utf8');
      return /^preset:\s*(\S+)/m.exec(text)?.[1];
    });
    for (const preset of Object.keys(presets).filter((p) => p !== 'local'))
      expect(named, `an example with preset: ${preset}`).toContain(preset);
  });

  it.each(configs)('%s validates against the schema the opsagent command uses', (name) => {
    const text = readFileSync(`${examples}${name}/opsagent.yaml`, 'utf8');
    expect(() =>
      parseConfig(text, { env: envFor(text), plugins: knownPlugins, source: name }),
    ).not.toThrow();
  });
});
