// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these tests are about ${VAR} references in config text.
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { expandReferences, interpolateDocument, rereadScalar } from './interpolate.js';

/** Interpolates a YAML text and returns the plain tree and the issues. */
function interpolate(text: string, env: Record<string, string | undefined> = {}) {
  const doc = parseDocument(text);
  const issues = interpolateDocument(doc, env);
  return { tree: doc.toJS() as unknown, issues };
}

describe('expandReferences', () => {
  it('replaces ${VAR} and leaves other text and lone dollars alone', () => {
    expect(expandReferences('http://${HOST}:80/$path', { HOST: 'db' })).toEqual({
      value: 'http://db:80/$path',
      whole: false,
      problems: [],
    });
  });

  it('uses the default when the variable is unset or empty', () => {
    expect(expandReferences('${PORT:-8080}', {}).value).toBe('8080');
    expect(expandReferences('${PORT:-8080}', { PORT: '' }).value).toBe('8080');
    expect(expandReferences('${PORT:-8080}', { PORT: '9090' }).value).toBe('9090');
    expect(expandReferences('${EMPTY:-}', {}).value).toBe('');
  });

  it('keeps a set but empty variable without a default empty', () => {
    expect(expandReferences('x${EMPTY}y', { EMPTY: '' })).toMatchObject({
      value: 'xy',
      problems: [],
    });
  });

  it('writes a literal ${ for $${', () => {
    expect(expandReferences('$${HOME} is ${HOME}', { HOME: '/root' }).value).toBe(
      '${HOME} is /root',
    );
    expect(expandReferences('$${HOME}', {}).whole).toBe(false);
  });

  it('never expands references inside substituted values', () => {
    expect(expandReferences('${A}', { A: '${B}', B: 'oops' }).value).toBe('${B}');
  });

  it('reports malformed references', () => {
    expect(expandReferences('${1ABC}', {}).problems[0]).toMatch(/invalid reference "\$\{1ABC\}"/);
    expect(expandReferences('${OPEN', {}).problems[0]).toMatch(/unterminated reference/);
    expect(expandReferences('${A:-${B}}', {}).problems[0]).toMatch(/inside a default/);
  });
});

describe('rereadScalar', () => {
  it.each([
    ['8080', 8080],
    ['-3', -3],
    ['0.5', 0.5],
    ['true', true],
    ['false', false],
    ['+4915112345678', '+4915112345678'],
    ['007', '007'],
    ['1e3', '1e3'],
    ['null', 'null'],
    ['', ''],
    ['{a: 1}', '{a: 1}'],
    ['[1, 2]', '[1, 2]'],
    ['- x', '- x'],
  ])('reads %j as %j', (text, value) => {
    expect(rereadScalar(text)).toEqual(value);
  });
});

describe('interpolateDocument', () => {
  it('substitutes in string values at any depth', () => {
    const { tree, issues } = interpolate('a:\n  b: [x, "${NAME}-1"]\n  c: hi ${NAME}\n', {
      NAME: 'bob',
    });
    expect(issues).toEqual([]);
    expect(tree).toEqual({ a: { b: ['x', 'bob-1'], c: 'hi bob' } });
  });

  it('names the variable and the config path when a variable is missing', () => {
    const { issues } = interpolate('plugins:\n  slack:\n    botToken: ${SLACK_BOT_TOKEN}\n');
    expect(issues).toEqual([
      {
        path: 'plugins.slack.botToken',
        message:
          'environment variable SLACK_BOT_TOKEN is not set (use ${SLACK_BOT_TOKEN:-default} for a default)',
      },
    ]);
  });

  it('names list indices in the path', () => {
    const { issues } = interpolate('hosts:\n  - name: a\n  - name: ${MISSING}\n');
    expect(issues[0]?.path).toBe('hosts[1].name');
  });

  it('turns an unquoted whole reference into a number or boolean', () => {
    const { tree } = interpolate('port: ${PORT:-8080}\ndebug: ${DEBUG:-false}\non: ${ON}\n', {
      ON: 'true',
    });
    expect(tree).toEqual({ port: 8080, debug: false, on: true });
  });

  it('keeps quoted, tagged, block and partial references strings', () => {
    const { tree } = interpolate(
      'a: "${PORT}"\nb: \'${PORT}\'\nc: !!str ${PORT}\nd: |\n  ${PORT}\ne: ${PORT}0\n',
      { PORT: '8080' },
    );
    expect(tree).toEqual({ a: '8080', b: '8080', c: '8080', d: '8080\n', e: '80800' });
  });

  it('keeps a value that looks like YAML structure a string (no injection)', () => {
    const injected = 'x\nstore:\n  type: memory\nlist: [1, 2]\n{a: 1}';
    const { tree } = interpolate('token: ${TOKEN}\nother: ${MAP}\n', {
      TOKEN: injected,
      MAP: '{type: memory}',
    });
    expect(tree).toEqual({ token: injected, other: '{type: memory}' });
  });

  it('does not touch keys', () => {
    const { tree } = interpolate('${KEY}: 1\n', { KEY: 'k' });
    expect(tree).toEqual({ '${KEY}': 1 });
  });
});
