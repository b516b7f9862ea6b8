import { z } from 'zod';
import { OpsAgentError } from '../errors.js';
import { formatPath } from './errors.js';
import { coreConfigSchema } from './schema.js';

/** What config loading needs to know of a plugin: its name and its config schema. */
export interface PluginConfigSpec {
  /** The plugin's name; its section is `plugins.<name>`. */
  readonly name: string;
  /** Schema of the section; without one, any section is accepted as is. */
  readonly configSchema?: z.ZodType;
}

/**
 * The schema of a whole config file: {@link coreConfigSchema} with each plugin's `configSchema`
 * at `plugins.<name>`. A plugin whose section is absent gets the defaults its schema gives `{}`;
 * when its schema rejects `{}` the section is reported missing. Sections of plugins not listed
 * are accepted as they are (the CLI resolves those names).
 */
export function buildConfigSchema(plugins: ReadonlyArray<PluginConfigSpec> = []) {
  const shape: Record<string, z.ZodType> = {};
  for (const plugin of plugins) {
    if (Object.hasOwn(shape, plugin.name)) {
      throw new OpsAgentError('PLUGIN_DUPLICATE', `plugin "${plugin.name}" is listed twice`, {
        details: { plugin: plugin.name },
      });
    }
    shape[plugin.name] = pluginSection(plugin);
  }
  return coreConfigSchema.extend({
    plugins: z
      .looseObject(shape)
      .prefault({})
      .describe("Each plugin's own section, by plugin name, validated by the plugin's schema."),
  });
}

/** `plugins.<name>`: the plugin's schema, or its defaults when the section is absent. */
function pluginSection(plugin: PluginConfigSpec): z.ZodType {
  const schema = plugin.configSchema;
  if (!schema) return z.unknown().optional();
  return schema
    .optional()
    .transform((section, ctx) => {
      if (section !== undefined) return section;
      const defaults = schema.safeParse({});
      if (defaults.success) return defaults.data;
      const needed = defaults.error.issues
        .filter((issue) => issue.path.length > 0)
        .map((issue) => formatPath(issue.path));
      const which = needed.length > 0 ? ` (${[...new Set(needed)].join(', ')})` : '';
      ctx.issues.push({
        code: 'custom',
        input: section,
        message: `missing section: the "${plugin.name}" plugin needs settings here${which}`,
      });
      return z.NEVER;
    })
    .describe(schema.description ?? `Settings of the "${plugin.name}" plugin.`);
}

/**
 * The JSON Schema (draft 2020-12) of `opsagent.yaml` with the given plugins' sections, describing
 * what may be written (defaults are optional), for editors and `opsagent config schema`.
 */
export function configJsonSchema(
  plugins: ReadonlyArray<PluginConfigSpec> = [],
): Record<string, unknown> {
  return {
    ...z.toJSONSchema(buildConfigSchema(plugins), {
      io: 'input',
      target: 'draft-2020-12',
      unrepresentable: 'any',
    }),
    title: 'opsagent.yaml',
  };
}
