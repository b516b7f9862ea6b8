import { z } from 'zod';
import { type ConfigIssue, formatPath, showValue } from './errors.js';

/**
 * Turns zod's issues into config issues that name the path, what was found and what is expected.
 * `input` is the validated tree (to show what was found); `schema` is the schema it was validated
 * with (to suggest the key meant when a key is unknown); `isSecret` recognises values to redact
 * wherever they appear.
 */
export function toConfigIssues(
  issues: readonly z.core.$ZodIssue[],
  input: unknown,
  schema: z.core.$ZodType,
  isSecret?: (text: string) => boolean,
): ConfigIssue[] {
  return issues.flatMap((issue) => describeIssue(issue, input, schema, isSecret));
}

function describeIssue(
  issue: z.core.$ZodIssue,
  input: unknown,
  schema: z.core.$ZodType,
  isSecret: ((text: string) => boolean) | undefined,
): ConfigIssue[] {
  const path = formatPath(issue.path);
  const value = valueAt(input, issue.path);
  const found = value === undefined ? undefined : showValue(value, issue.path, isSecret);
  const custom = !isZodDefaultMessage(issue.message);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownKeys(schema, issue.path);
      return issue.keys.map((key) => {
        const suggestion = known ? closest(key, known) : undefined;
        return withFacts({
          path: formatPath([...issue.path, key]),
          message: suggestion ? `unknown key; did you mean "${suggestion}"?` : 'unknown key',
          expected: known && known.length > 0 ? `one of ${known.join(', ')}` : undefined,
        });
      });
    }
    case 'invalid_type':
      if (custom) return [withFacts({ path, message: issue.message, found })];
      return [
        withFacts({
          path,
          message: value === undefined ? 'missing' : 'wrong type',
          found,
          expected: typeName(issue.expected),
        }),
      ];
    case 'invalid_value':
      if (custom) return [withFacts({ path, message: issue.message, found })];
      return [
        withFacts({
          path,
          message: 'not an accepted value',
          found,
          expected:
            issue.values.length === 1
              ? JSON.stringify(issue.values[0])
              : `one of ${issue.values.map((option) => JSON.stringify(option)).join(', ')}`,
        }),
      ];
    case 'too_small':
    case 'too_big': {
      if (custom) return [withFacts({ path, message: issue.message, found })];
      const small = issue.code === 'too_small';
      const limit = small ? issue.minimum : issue.maximum;
      const bound = `${small ? 'at least' : 'at most'} ${limit}`;
      const strictBound = `${small ? 'more' : 'less'} than ${limit}`;
      const bounded = issue.inclusive === false ? strictBound : bound;
      if (issue.origin === 'array' || issue.origin === 'set') {
        return [
          withFacts({
            path,
            message: small ? 'too few items' : 'too many items',
            found,
            expected: `${bounded} item${limit === 1 ? '' : 's'}`,
          }),
        ];
      }
      if (issue.origin === 'string') {
        if (small && limit === 1) return [withFacts({ path, message: 'must not be empty' })];
        return [
          withFacts({
            path,
            message: small ? 'too short' : 'too long',
            found,
            expected: `${bounded} characters`,
          }),
        ];
      }
      return [
        withFacts({ path, message: small ? 'too small' : 'too big', found, expected: bounded }),
      ];
    }
    case 'invalid_union': {
      if (custom) return [withFacts({ path, message: issue.message, found })];
      const expected = unionExpected(issue.errors);
      return [withFacts({ path, message: 'not an accepted value', found, expected })];
    }
    default:
      return [withFacts({ path, message: issue.message, found })];
  }
}

/** Drops facts that are undefined, so the issue has only the keys it needs. */
function withFacts(issue: {
  path: string;
  message: string;
  found?: string | undefined;
  expected?: string | undefined;
}): ConfigIssue {
  const out: ConfigIssue = { path: issue.path, message: issue.message };
  if (issue.found !== undefined) out.found = issue.found;
  if (issue.expected !== undefined) out.expected = issue.expected;
  return out;
}

/** zod's own English messages, which we replace with ours; anything else is an author's message. */
function isZodDefaultMessage(message: string): boolean {
  return /^(Invalid input|Invalid option|Too big|Too small|Unrecognized key)/.test(message);
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a map',
  record: 'a map',
  null: 'null',
};

function typeName(expected: string): string {
  return TYPE_NAMES[expected] ?? expected;
}

/** For a union of simple types (`number | string`): `a number or a string`. */
function unionExpected(branches: readonly (readonly z.core.$ZodIssue[])[]): string | undefined {
  const names: string[] = [];
  for (const branch of branches) {
    const [first] = branch;
    if (branch.length !== 1 || first?.code !== 'invalid_type' || first.path.length > 0) {
      return undefined;
    }
    names.push(typeName(first.expected));
  }
  return names.length > 0 ? names.join(' or ') : undefined;
}

/** The value at `path` in a plain tree, or undefined. */
export function valueAt(tree: unknown, path: readonly PropertyKey[]): unknown {
  let node = tree;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[segment];
  }
  return node;
}

/** The keys an object schema at `path` accepts, when the schema can be followed there. */
export function knownKeys(
  schema: z.core.$ZodType,
  path: readonly PropertyKey[],
): string[] | undefined {
  let node: z.core.$ZodType | undefined = unwrap(schema);
  for (const segment of path) {
    if (node === undefined) return undefined;
    node = unwrap(child(node, segment));
  }
  if (node instanceof z.core.$ZodObject) return Object.keys(node._zod.def.shape);
  return undefined;
}

function child(schema: z.core.$ZodType, segment: PropertyKey): z.core.$ZodType | undefined {
  if (schema instanceof z.core.$ZodObject) {
    const shape: Record<string, z.core.$ZodType> = schema._zod.def.shape;
    return typeof segment === 'string' && Object.hasOwn(shape, segment)
      ? shape[segment]
      : schema._zod.def.catchall;
  }
  if (schema instanceof z.core.$ZodRecord) return schema._zod.def.valueType;
  if (schema instanceof z.core.$ZodArray) return schema._zod.def.element;
  return undefined;
}

/** Sees through optional, default, prefault, nullable, readonly, catch and pipe wrappers. */
function unwrap(schema: z.core.$ZodType | undefined): z.core.$ZodType | undefined {
  let node = schema;
  for (let depth = 0; node !== undefined && depth < 20; depth++) {
    if (
      node instanceof z.core.$ZodOptional ||
      node instanceof z.core.$ZodDefault ||
      node instanceof z.core.$ZodPrefault ||
      node instanceof z.core.$ZodNullable ||
      node instanceof z.core.$ZodReadonly ||
      node instanceof z.core.$ZodCatch ||
      node instanceof z.core.$ZodNonOptional
    ) {
      node = node._zod.def.innerType;
    } else if (node instanceof z.core.$ZodPipe) {
      node = node._zod.def.in;
    } else {
      return node;
    }
  }
  return node;
}

/** The known key closest to a typo (case-insensitive edit distance: 1 for short keys, else 2 or a third of the key). */
export function closest(typo: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  const lower = typo.toLowerCase();
  for (const candidate of known) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const allowed = typo.length <= 3 ? 1 : Math.max(2, Math.floor(typo.length / 3));
  return bestDistance <= allowed ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
