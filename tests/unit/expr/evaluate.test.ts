import { describe, expect, it } from 'vitest';
import { evaluate, evaluateCondition, evaluateExpression, ExpressionError, formatValue, parseExpression, renderTemplate } from '../../../compiler/expr/index.ts';
import type { Expr } from '../../../compiler/expr/index.ts';

describe('evaluate (JavaScript backend)', () => {
  it('throws an ExpressionError that names the missing path', () => {
    // Arrange
    const data = { steps: { 'deploy-prod': { outputs: { urls: ['a'] } } } };

    // Act
    const attempt = () => evaluateExpression("steps.deploy-prod.outputs.urls[3]", data);

    // Assert
    expect(attempt).toThrow(ExpressionError);
    expect(attempt).toThrow('steps.deploy-prod.outputs.urls[3] does not exist');
    try {
      attempt();
    } catch (error) {
      expect((error as Error).name).toBe('ExpressionError');
    }
  });

  it('says which context is not available', () => {
    expect(() => evaluateExpression('item.title', { inputs: {} })).toThrow('item is not available here');
  });

  it('reads only own JSON members: no .length of a string or an array', () => {
    expect(() => evaluateExpression('inputs.s.length', { inputs: { s: 'abc' } })).toThrow(ExpressionError);
    expect(() => evaluateExpression('inputs.l.length', { inputs: { l: [1] } })).toThrow(ExpressionError);
    expect(() => evaluateExpression('inputs.o.constructor', { inputs: { o: {} } })).toThrow(ExpressionError);
  });

  it('returns operands from && and ||, as GitHub Actions does', () => {
    expect(evaluateExpression("inputs.a || 'default'", { inputs: { a: '' } })).toBe('default');
    expect(evaluateExpression('inputs.a && inputs.b', { inputs: { a: 1, b: [2] } })).toStrictEqual([2]);
  });

  it('reports a parse error with its code', () => {
    expect(() => evaluateExpression('inputs.', {})).toThrow(expect.objectContaining({ name: 'ExpressionError', code: 'BTN401' }));
  });

  it('evaluates a tree parsed once, many times', () => {
    const expr = parseExpression('item.n > 1').expr as Expr;
    expect([1, 2].map((n) => evaluate(expr, { item: { n } }))).toStrictEqual([false, true]);
  });

  it('allows status functions only in conditions', () => {
    expect(() => evaluateExpression('success()', {})).toThrow('only means something in an if: condition');
    expect(evaluateCondition('success()', {})).toBe(true);
    expect(evaluateCondition('failure()', {})).toBe(false);
    expect(evaluateCondition('${{ failure() }}', {}, { success: false, failure: true })).toBe(true);
  });
});

describe('renderTemplate', () => {
  it('keeps the JSON type of a whole ${{ }}', () => {
    expect(renderTemplate('${{ inputs.o }}', { inputs: { o: { a: [1] } } })).toStrictEqual({ a: [1] });
    expect(renderTemplate('${{ inputs.n }}', { inputs: { n: 2 } })).toBe(2);
  });

  it('makes a string of anything else', () => {
    expect(renderTemplate(' ${{ inputs.n }}', { inputs: { n: 2 } })).toBe(' 2');
    expect(renderTemplate('no template', {})).toBe('no template');
  });
});

describe('formatValue', () => {
  it('writes values as States.Format does in aws-local-stepfunctions', () => {
    expect([1.5, 1e21, true, null, 'x'].map(formatValue)).toStrictEqual(['1.5', '1e+21', 'true', 'null', 'x']);
    expect(() => formatValue({})).toThrow(ExpressionError);
  });
});
