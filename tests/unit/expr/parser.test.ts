import { describe, expect, it } from 'vitest';
import { parseExpression } from '../../../compiler/expr/index.ts';
import type { Expr } from '../../../compiler/expr/index.ts';

/** The tree without offsets, written back with full parentheses: easy to read in a test. */
function shape(expr: Expr): string {
  switch (expr.type) {
    case 'literal':
      return JSON.stringify(expr.value);
    case 'context':
      return expr.name;
    case 'member':
      return `${shape(expr.object)}[${shape(expr.property)}]`;
    case 'unary':
      return `!${shape(expr.argument)}`;
    case 'binary':
    case 'logical':
      return `(${shape(expr.left)} ${expr.operator} ${shape(expr.right)})`;
    case 'call':
      return `${expr.name}(${expr.args.map(shape).join(', ')})`;
  }
}

function parsed(source: string): string {
  const { expr, diagnostics } = parseExpression(source);
  expect(diagnostics).toStrictEqual([]);
  return shape(expr as Expr);
}

describe('parseExpression: grammar', () => {
  it('binds || loosest, then &&, then == !=, then < <= > >=, then !', () => {
    expect(parsed('item || index && run == trigger < !error')).toBe('(item || (index && (run == (trigger < !error))))');
  });

  it('groups left to right within one level', () => {
    expect(parsed('item == index != run')).toBe('((item == index) != run)');
    expect(parsed('item && index && run')).toBe('((item && index) && run)');
  });

  it('lets parentheses override precedence', () => {
    expect(parsed('(item || index) && run')).toBe('((item || index) && run)');
  });

  it('reads .field, [index] and [\'key\'] as the same member access', () => {
    expect(parsed("steps.analyze.outputs.tasks[0]['title']")).toBe('steps["analyze"]["outputs"]["tasks"][0]["title"]');
  });

  it('keeps hyphens in identifiers, as GitHub Actions does', () => {
    expect(parsed('steps.deploy-prod.outputs')).toBe('steps["deploy-prod"]["outputs"]');
  });

  it('accepts keywords as field names', () => {
    expect(parsed('inputs.null.true')).toBe('inputs["null"]["true"]');
  });

  it('reads negative and decimal numbers, since there is no minus operator', () => {
    expect(parsed('index == -1.5e2')).toBe('(index == -150)');
    expect(parsed('index==-1')).toBe('(index == -1)');
  });

  it("unescapes '' inside strings", () => {
    expect(parsed("'it''s'")).toBe('"it\'s"');
  });

  it('reads function calls with their arguments', () => {
    expect(parsed("contains(inputs.labels, 'bug') && always()")).toBe('(contains(inputs["labels"], "bug") && always())');
  });

  it('records where each node is, end exclusive', () => {
    const { expr } = parseExpression("  inputs.a == 'x'");
    expect(expr).toMatchObject({ type: 'binary', start: 2, end: 17, left: { start: 2, end: 10, property: { start: 9, end: 10 } }, right: { start: 14, end: 17 } });
  });
});

describe('parseExpression: errors', () => {
  const cases: Array<[source: string, code: string, offset: number]> = [
    ['inputs.', 'BTN401', 7],
    ['inputs.a ==', 'BTN401', 11],
    ['(inputs.a', 'BTN401', 9],
    ['inputs.a)', 'BTN401', 8],
    ["'open", 'BTN401', 0],
    ['"double"', 'BTN401', 0],
    ['inputs.a = 1', 'BTN401', 9],
    ['inputs.a - 1', 'BTN401', 9],
    ['inputs.a + 1', 'BTN401', 9],
    ['inputs[0', 'BTN401', 8],
    ['contains(inputs.a,)', 'BTN401', 18],
    ['', 'BTN401', 0],
    ['github.sha', 'BTN402', 0],
    ['inputs.a && env.X', 'BTN402', 12],
    ['success', 'BTN402', 0],
    ['toJSON(inputs)', 'BTN403', 0],
    ['contains(inputs.a)', 'BTN403', 0],
    ['inputs.a || always(1)', 'BTN403', 12],
  ];

  for (const [source, code, offset] of cases) {
    it(`reports ${code} at ${offset} in ${JSON.stringify(source)}`, () => {
      const { diagnostics } = parseExpression(source);
      expect(diagnostics.map(({ code, offset }) => ({ code, offset }))).toContainEqual({ code, offset });
    });
  }

  it('collects every unknown context and function, not only the first', () => {
    const { expr, diagnostics } = parseExpression('foo(1) && bar.x && contains(1) && inputs.a');
    expect(diagnostics.map(({ code, offset, length }) => ({ code, offset, length }))).toStrictEqual([
      { code: 'BTN403', offset: 0, length: 6 },
      { code: 'BTN402', offset: 10, length: 3 },
      { code: 'BTN403', offset: 19, length: 11 },
    ]);
    expect(expr).toBeDefined();
  });

  it('gives no tree after a syntax error', () => {
    const { expr, diagnostics } = parseExpression('inputs.a ==');
    expect(expr).toBeUndefined();
    expect(diagnostics).toHaveLength(1);
  });

  it('suggests the call when a function is used as a context', () => {
    const { diagnostics } = parseExpression('always');
    expect(diagnostics[0].message).toContain('always()');
  });
});
