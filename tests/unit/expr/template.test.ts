import { describe, expect, it } from 'vitest';
import { isTemplate, parseTemplate } from '../../../compiler/expr/index.ts';

describe('parseTemplate', () => {
  it('splits text and expressions, with each expression where it sits in the text', () => {
    // Arrange
    const text = 'PR #${{ inputs.pr }} of ${{inputs.repo}}';

    // Act
    const { parts, diagnostics } = parseTemplate(text);

    // Assert
    expect(diagnostics).toStrictEqual([]);
    expect(parts.map((part) => (part.kind === 'text' ? part.value : { source: part.source, offset: part.offset }))).toStrictEqual([
      'PR #',
      { source: 'inputs.pr', offset: 8 },
      ' of ',
      { source: 'inputs.repo', offset: 27 },
    ]);
  });

  it('gives AST offsets in the template text, not in the expression', () => {
    const { parts } = parseTemplate('ab ${{ inputs.x }}');
    expect(parts[1]).toMatchObject({ kind: 'expr', expr: { start: 7, end: 15 } });
  });

  it('returns a plain string as one text part', () => {
    expect(parseTemplate('no expressions here')).toStrictEqual({ parts: [{ kind: 'text', value: 'no expressions here' }], diagnostics: [] });
    expect(parseTemplate('')).toStrictEqual({ parts: [], diagnostics: [] });
  });

  it("does not end an expression at a }} inside a string", () => {
    const { parts } = parseTemplate("${{ '}}' }}!");
    expect(parts).toMatchObject([{ kind: 'expr', source: "'}}'" }, { kind: 'text', value: '!' }]);
  });

  it('reports every broken expression in one call, each at its place', () => {
    const { parts, diagnostics } = parseTemplate('a ${{ inputs. }} b ${{ }} c ${{ nope }} d ${{ inputs.ok }}');
    expect(diagnostics.map(({ code, offset }) => ({ code, offset }))).toStrictEqual([
      { code: 'BTN401', offset: 13 },
      { code: 'BTN401', offset: 19 },
      { code: 'BTN402', offset: 32 },
    ]);
    expect(parts.filter((part) => part.kind === 'expr').map((part) => part.kind === 'expr' && part.source)).toStrictEqual(['nope', 'inputs.ok']);
  });

  it('reports a ${{ that is never closed', () => {
    expect(parseTemplate('x ${{ inputs.a').diagnostics).toMatchObject([{ code: 'BTN401', offset: 2, length: 12 }]);
  });

  it('points an unterminated string at its quote, not at the ${{', () => {
    expect(parseTemplate("x ${{ 'abc }}").diagnostics).toMatchObject([{ code: 'BTN401', offset: 6 }]);
  });
});

describe('isTemplate', () => {
  it('is true only when the string holds ${{', () => {
    expect(isTemplate('a ${{ inputs.x }}')).toBe(true);
    expect(isTemplate('a ${ inputs.x } {{ y }}')).toBe(false);
  });
});
