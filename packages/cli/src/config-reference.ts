/** A JSON Schema node as `configJsonSchema` emits it (draft 2020-12, from zod). */
interface SchemaNode {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  items?: SchemaNode;
  additionalProperties?: boolean | SchemaNode;
  anyOf?: SchemaNode[];
  oneOf?: SchemaNode[];
  allOf?: SchemaNode[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  pattern?: string;
  format?: string;
  $ref?: string;
}

interface Row {
  path: string;
  type: string;
  required: boolean;
  default: string;
  description: string;
}

function typeOf(node: SchemaNode): string {
  if (node.enum) return node.enum.map((v) => `\`${JSON.stringify(v)}\``).join(' | ');
  if (node.const !== undefined) return `\`${JSON.stringify(node.const)}\``;
  const variants = node.anyOf ?? node.oneOf;
  if (variants) return [...new Set(variants.map(typeOf))].join(' | ');
  if (node.type === 'array') return `list of ${node.items ? typeOf(node.items) : 'values'}`;
  const base = Array.isArray(node.type) ? node.type.join(' | ') : (node.type ?? 'any');
  const bounds: string[] = [];
  if (node.minimum !== undefined) bounds.push(`≥ ${node.minimum}`);
  if (node.maximum !== undefined && node.maximum < Number.MAX_SAFE_INTEGER)
    bounds.push(`≤ ${node.maximum}`);
  if (node.format) bounds.push(node.format);
  if (typeof node.additionalProperties === 'object' && !node.properties)
    return `map of ${typeOf(node.additionalProperties)}`;
  return bounds.length > 0 ? `${base} (${bounds.join(', ')})` : base;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n+/g, ' ');
}

function shownDefault(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'object' && value !== null && Object.keys(value).length === 0) return '';
  return `\`${JSON.stringify(value)}\``;
}

function walk(node: SchemaNode, path: string, required: boolean, rows: Row[]): void {
  const object = node.properties ? node : node.anyOf?.find((n) => n.properties);
  if (path !== '') {
    rows.push({
      path,
      type: object && object !== node ? 'object' : typeOf(node),
      required,
      default: shownDefault(node.default),
      description: node.description ?? object?.description ?? '',
    });
  }
  if (object?.properties) {
    for (const [key, child] of Object.entries(object.properties))
      walk(child, path ? `${path}.${key}` : key, object.required?.includes(key) ?? false, rows);
  }
  if (node.type === 'array' && node.items?.properties) {
    for (const [key, child] of Object.entries(node.items.properties))
      walk(child, `${path}[].${key}`, node.items.required?.includes(key) ?? false, rows);
  }
  const values =
    typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined;
  if (values?.properties) {
    for (const [key, child] of Object.entries(values.properties))
      walk(child, `${path}.<name>.${key}`, values.required?.includes(key) ?? false, rows);
  }
}

/**
 * The configuration reference as Markdown, generated from the JSON Schema of opsagent.yaml (which
 * is generated from the zod schemas): one table per top-level section, a row per setting with its
 * type, default and description. `docs/config-reference.md` is this output; a test fails when it
 * is stale.
 */
export function renderConfigReference(schema: object): string {
  const root = schema as SchemaNode;
  const out: string[] = [
    '# Configuration reference',
    '',
    '<!-- Generated from the zod schemas by `opsagent config reference`; do not edit by hand.',
    '     Regenerate with `npm run docs:config`. A test fails when this file is stale. -->',
    '',
    'Every key of `opsagent.yaml`, with the plugin sections the `opsagent` command knows. Durations',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the config file's own syntax
    'take milliseconds or strings such as `30s`, `5m`, `1h30m`; string values may use `${VAR}` and',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the config file's own syntax
    '`${VAR:-default}`. See [configuration.md](configuration.md) for how the file is read.',
    '',
  ];
  for (const [key, node] of Object.entries(root.properties ?? {})) {
    if (key === 'plugins') continue;
    out.push(...section(`\`${key}\``, node, key, root.required?.includes(key) ?? false));
  }
  const plugins = root.properties?.plugins;
  for (const [name, node] of Object.entries(plugins?.properties ?? {})) {
    out.push(...section(`\`plugins.${name}\``, node, `plugins.${name}`, false));
  }
  return `${out.join('\n').trimEnd()}\n`;
}

function section(title: string, node: SchemaNode, path: string, required: boolean): string[] {
  const rows: Row[] = [];
  walk(node, path, required, rows);
  const [head, ...rest] = rows;
  const lines = [`## ${title}`, ''];
  if (head?.description) lines.push(cell(head.description), '');
  if (rest.length === 0 && head) {
    lines.push(
      `Type: ${head.type}${head.default ? `; default ${head.default}` : ''}${head.required ? '; required' : ''}.`,
      '',
    );
    return lines;
  }
  lines.push('| key | type | default | description |', '| --- | --- | --- | --- |');
  for (const row of rest) {
    const key = `\`${row.path.slice(path.length).replace(/^\./, '')}\`${row.required ? ' (required)' : ''}`;
    lines.push(`| ${key} | ${cell(row.type)} | ${cell(row.default)} | ${cell(row.description)} |`);
  }
  lines.push('');
  return lines;
}
