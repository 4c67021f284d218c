import { describe, expect, it } from 'vitest';
import { callsOf, parseExpression, referencesOf, toJsonPath } from '../../../compiler/expr/index.ts';
import type { Expr } from '../../../compiler/expr/index.ts';

const tree = (source: string) => parseExpression(source).expr as Expr;

describe('referencesOf', () => {
  it('gives each context with its static path and where it is written', () => {
    expect(referencesOf(tree("steps.analyze.outputs.tasks[0] == inputs['my-input']"))).toStrictEqual([
      { root: 'steps', path: ['analyze', 'outputs', 'tasks', 0], offset: 0, length: 30 },
      { root: 'inputs', path: ['my-input'], offset: 34, length: 18 },
    ]);
  });

  it('stops a path at a computed key and reports what the key reads', () => {
    expect(referencesOf(tree('steps.a.outputs[inputs.i].x'))).toStrictEqual([
      { root: 'steps', path: ['a', 'outputs'], offset: 0, length: 15 },
      { root: 'inputs', path: ['i'], offset: 16, length: 8 },
    ]);
  });

  it('finds references inside calls and operators, and bare roots', () => {
    const roots = referencesOf(tree("contains(item.tags, 'x') && !(index > 2) || secrets.TOKEN")).map((r) => `${r.root}:${r.path.join('.')}`);
    expect(roots).toStrictEqual(['item:tags', 'index:', 'secrets:TOKEN']);
  });

  it('leaves out unknown roots (already BTN402)', () => {
    expect(referencesOf(tree('github.sha == inputs.sha'))).toMatchObject([{ root: 'inputs' }]);
  });
});

describe('callsOf', () => {
  it('names each function called once, in order', () => {
    expect(callsOf(tree("success() && contains(inputs.a, 'b') || success() || always()"))).toStrictEqual(['success', 'contains', 'always']);
    expect(callsOf(tree('inputs.a'))).toStrictEqual([]);
  });
});

describe('toJsonPath', () => {
  it('uses dot form for plain keys, bracket form for others, [n] for indexes', () => {
    expect(toJsonPath('steps', ['analyze', 'outputs'])).toBe('$.steps.analyze.outputs');
    expect(toJsonPath('steps', ['deploy-prod', 'outputs', 0, 'a b', 'x.y', 'ü'])).toBe("$.steps['deploy-prod'].outputs[0]['a b']['x.y']['ü']");
    expect(toJsonPath('item', [])).toBe('$.item');
  });

  it('refuses a key no JSONPath consumer reads the same way', () => {
    expect(() => toJsonPath('inputs', ["it's"])).toThrow();
    expect(() => toJsonPath('inputs', ['a,b'])).toThrow();
    expect(() => toJsonPath('inputs', [-1])).toThrow();
  });
});
