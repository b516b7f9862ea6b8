import { readFileSync } from 'node:fs';
import { configJsonSchema } from '@opsagent/core';
import { knownPlugins, renderConfigReference } from 'opsagent';
import { describe, expect, it } from 'vitest';

const file = new URL('../../docs/config-reference.md', import.meta.url);

describe('docs/config-reference.md', () => {
  it('is what the zod schemas generate (run `npm run docs:config` when this fails)', () => {
    const generated = renderConfigReference(configJsonSchema(knownPlugins));
    expect(readFileSync(file, 'utf8')).toBe(generated);
  });

  it('documents every top-level key and every known plugin section', () => {
    const text = readFileSync(file, 'utf8');
    const schema = configJsonSchema(knownPlugins) as {
      properties: Record<string, { properties?: Record<string, unknown> }>;
    };
    for (const key of Object.keys(schema.properties).filter((k) => k !== 'plugins'))
      expect(text).toContain(`## \`${key}\``);
    for (const plugin of knownPlugins) expect(text).toContain(`## \`plugins.${plugin.name}\``);
  });
});
