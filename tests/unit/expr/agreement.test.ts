import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { evaluateCondition, evaluateExpression, ExpressionError, renderTemplate } from '../../../compiler/expr/index.ts';
import { caseText, caseTitle, compileCase, loadGroups, runMachine, validateAll } from './harness.ts';
import type { ExprCase } from './harness.ts';

const groups = loadGroups(fileURLToPath(new URL('./cases', import.meta.url)));

/** The JavaScript backend's answer, or the error it threw. */
function runJavaScript(c: ExprCase): { value?: unknown; error?: unknown } {
  const data = c.data ?? {};
  try {
    if (c.expr !== undefined) return { value: evaluateExpression(c.expr, data) };
    if (c.template !== undefined) return { value: renderTemplate(c.template, data) };
    return { value: evaluateCondition(c.if ?? '', data, c.status) };
  } catch (error) {
    return { error };
  }
}

describe('expressions: both backends agree', () => {
  it('has enough cases to mean something', () => {
    expect(groups.flatMap((g) => g.cases).length).toBeGreaterThanOrEqual(80);
  });

  for (const { group, cases } of groups) {
    describe(group, () => {
      it('generates only state machines that pass asl-validator', () => {
        const definitions = cases.map(compileCase).flatMap((asl) => (asl.kind === 'compiled' && asl.definition ? [asl.definition] : []));
        expect(validateAll(definitions)).toStrictEqual([]);
      });

      for (const c of cases) {
        it(caseTitle(c), async () => {
          // Arrange
          const { shift } = caseText(c);

          // Act
          const js = runJavaScript(c);
          const asl = compileCase(c);

          // Assert: the compiler
          if (c.code) {
            expect(asl.kind).toBe('diagnostics');
            const codes = asl.kind === 'diagnostics' ? asl.diagnostics.map((d) => d.code) : [];
            expect(codes).toContain(c.code);
            if (c.offset !== undefined && asl.kind === 'diagnostics') {
              const found = asl.diagnostics.find((d) => d.code === c.code);
              expect(found?.offset).toBe(c.offset + shift);
            }
          } else {
            expect(asl.kind === 'diagnostics' ? asl.diagnostics : []).toStrictEqual([]);
          }
          if (c.compiled !== undefined && asl.kind === 'compiled') expect(asl.compiled).toStrictEqual(c.compiled);

          // Assert: the JavaScript backend
          if ('result' in c) {
            expect(js.error).toBeUndefined();
            expect(js.value).toStrictEqual(c.result);
          } else if (c.error || (c.code && c.code !== 'BTN404')) {
            expect(js.error).toBeInstanceOf(ExpressionError);
            // A syntax problem stops the JavaScript backend at the first one, which may be another case's code.
            if (c.code && c.code !== 'BTN404') expect((js.error as ExpressionError).code).toMatch(/^BTN40[123]$/);
          }

          // Assert: the generated state machine, run for real
          if (asl.kind !== 'compiled' || c.skipAsl) return;
          if (asl.constant !== undefined) {
            expect(asl.constant).toStrictEqual(c.result);
            return;
          }
          if (!asl.definition) return; // a secret: checked through `compiled`
          if (c.error) {
            await expect(runMachine(asl.definition, c)).rejects.toThrow();
          } else {
            await expect(runMachine(asl.definition, c)).resolves.toStrictEqual(c.result);
          }
        });
      }
    });
  }
});
