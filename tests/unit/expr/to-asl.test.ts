import { describe, expect, it } from 'vitest';
import { compileCondition, compileTemplate, toJsonPath } from '../../../compiler/expr/index.ts';
import type { ChoiceRule, Reference, Resolved, ValueType } from '../../../compiler/expr/index.ts';

/** Maps every reference to its path; `steps.<id>` is rejected unless id is listed, like the compiler's ancestor rule. */
function resolver(options: { steps?: string[]; types?: Record<string, ValueType> } = {}) {
  return (ref: Reference): Resolved => {
    if (ref.root === 'secrets') return { secret: String(ref.path[0]) };
    if (ref.root === 'steps' && !options.steps?.includes(String(ref.path[0]))) {
      return { error: { code: 'BTN305', message: `step ${String(ref.path[0])} is not an ancestor` } };
    }
    const type = options.types?.[[ref.root, ...ref.path].join('.')];
    return { path: toJsonPath(ref.root, ref.path), ...(type ? { type } : {}) };
  };
}

const succeeded: ChoiceRule = { Variable: '$.steps.build.status', StringEquals: 'succeeded' };
const options = { status: (fn: 'success' | 'failure') => (fn === 'success' ? succeeded : { Not: succeeded }), tempPath: '$.when' };

describe('compileTemplate', () => {
  it("passes a resolver's error through with the resolver's code, at the reference", () => {
    const { value, diagnostics } = compileTemplate('x ${{ steps.deploy.outputs.url }}', resolver());
    expect(value).toBeUndefined();
    expect(diagnostics).toMatchObject([{ code: 'BTN305', offset: 6, length: 24 }]);
  });

  it('reports every problem of a template, not only the first', () => {
    const { diagnostics } = compileTemplate('${{ steps.a.outputs }} ${{ nope }} ${{ inputs.a == 1 }} ${{ steps.b.outputs }}', resolver());
    expect(diagnostics.map(({ code, offset }) => ({ code, offset }))).toStrictEqual([
      { code: 'BTN402', offset: 27 },
      { code: 'BTN305', offset: 4 },
      { code: 'BTN404', offset: 39 },
      { code: 'BTN305', offset: 60 },
    ]);
  });

  it('keeps a secret out of the data: the parts name it, the other values become arguments', () => {
    const { value } = compileTemplate('token=${{ secrets.T }}&n=${{ length(inputs.l) }}', resolver());
    expect(value).toStrictEqual({ kind: 'template', parts: [{ text: 'token=' }, { secret: 'T' }, { text: '&n=' }, { arg: 0 }], args: ['States.ArrayLength($.inputs.l)'] });
  });

  it('escapes quotes and braces of the text in States.Format, where every argument is plain', () => {
    const { value } = compileTemplate("{'a'} ${{ inputs.n }}", resolver({ types: { 'inputs.n': 'integer' } }));
    expect(value).toStrictEqual({ kind: 'intrinsic', expr: "States.Format('\\{\\'a\\'\\} {}', $.inputs.n)" });
  });

  it('leaves to the runtime what States.Format would change: a string argument, a backslash, an unbalanced parenthesis', () => {
    const template = (text: string, types: Record<string, 'integer'> = {}) => compileTemplate(text, resolver({ types })).value;
    expect(template('pr ${{ inputs.x }}')).toStrictEqual({ kind: 'template', parts: [{ text: 'pr ' }, { arg: 0 }], args: ['$.inputs.x'] });
    expect(template('Fix /\\d+/ in ${{ inputs.n }}', { 'inputs.n': 'integer' })).toMatchObject({ kind: 'template', parts: [{ text: 'Fix /\\d+/ in ' }, { arg: 0 }] });
    expect(template('(draft ${{ inputs.n }}', { 'inputs.n': 'integer' })).toMatchObject({ kind: 'template' });
    expect(template('(draft) ${{ inputs.n }}', { 'inputs.n': 'integer' })).toMatchObject({ kind: 'intrinsic' });
  });

  it('uses the type hint: an array is not interpolated, contains() on an array is membership', () => {
    const hinted = resolver({ types: { 'inputs.list': 'array', 'inputs.title': 'string' } });
    expect(compileTemplate('list: ${{ inputs.list }}', hinted).diagnostics).toMatchObject([{ code: 'BTN404' }]);
    expect(compileTemplate("${{ contains(inputs.list, 'a') }}", hinted).value).toStrictEqual({ kind: 'intrinsic', expr: "States.ArrayContains($.inputs.list, 'a')" });
    expect(compileTemplate("${{ contains(inputs.title, 'a') }}", hinted).diagnostics).toMatchObject([{ code: 'BTN404' }]);
  });
});

describe('compileCondition', () => {
  it('reads the step status through the compiler, and says a status function is used', () => {
    const result = compileCondition('${{ failure() && inputs.retry }}', resolver({ types: { 'inputs.retry': 'boolean' } }), options);
    expect(result).toStrictEqual({
      rule: { And: [{ Not: succeeded }, { Variable: '$.inputs.retry', BooleanEquals: true }] },
      prelude: {},
      usesStatusFunction: true,
      diagnostics: [],
    });
  });

  it('says no status function is used, so the compiler can imply success() &&', () => {
    expect(compileCondition("inputs.env == 'prod'", resolver(), options).usesStatusFunction).toBe(false);
  });

  it('returns a constant as a boolean, so the compiler can drop the Choice', () => {
    const constant = { status: () => true, tempPath: '$.when' };
    expect(compileCondition('always()', resolver(), options)).toMatchObject({ rule: true, prelude: {}, usesStatusFunction: true });
    expect(compileCondition('success() || failure()', resolver(), constant).rule).toBe(true);
    expect(compileCondition("success() && inputs.a == 'x'", resolver(), constant).rule).toStrictEqual({ Variable: '$.inputs.a', StringEquals: 'x' });
    expect(compileCondition('!success()', resolver(), constant).rule).toBe(false);
  });

  it('computes each prelude value once, under tempPath', () => {
    const result = compileCondition('length(inputs.l) > 1 && length(inputs.l) < 5', resolver({ types: { 'inputs.l': 'array' } }), { ...options, tempPath: '$.tmp' });
    expect(result.prelude).toStrictEqual({ 'c0.$': 'States.ArrayLength($.inputs.l)' });
    expect(result.rule).toStrictEqual({ And: [{ Variable: '$.tmp.c0', NumericGreaterThan: 1 }, { Variable: '$.tmp.c0', NumericLessThan: 5 }] });
  });

  it('never lets a secret into a condition', () => {
    expect(compileCondition("secrets.T == 'x'", resolver(), options).diagnostics).toMatchObject([{ code: 'BTN404', offset: 0 }]);
  });

  it('reports offsets within the if: text, ${{ }} included', () => {
    expect(compileCondition('  ${{ steps.x.outputs == 1 }}', resolver(), options).diagnostics).toMatchObject([{ code: 'BTN305', offset: 6 }]);
  });

  it('gives no rule and no prelude when there is any problem', () => {
    const result = compileCondition('length(inputs.l) > 0 && steps.gone.status', resolver(), options);
    expect(result).toMatchObject({ prelude: {}, diagnostics: [{ code: 'BTN305' }] });
    expect(result.rule).toBeUndefined();
  });
});
