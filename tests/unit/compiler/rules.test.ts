import { describe, expect, it } from 'vitest';
import { compile } from '../../../compiler/index.ts';

/** Compiles and returns `CODE@LINE:COL` of every diagnostic, the part tests pin down. */
function problems(yaml: string): string[] {
  return compile(yaml).diagnostics.map((d) => `${d.code}@${d.line}:${d.column}`);
}

const ok = `name: ok
steps:
  a:
    function: ./a.ts
`;

describe('compile: diagnostics', () => {
  it('accepts a minimal workflow', () => {
    const result = compile(ok);
    expect(result.diagnostics).toEqual([]);
    expect(result.asl).toBeDefined();
  });

  const cases: Array<{ rule: string; yaml: string; expected: string[] }> = [
    { rule: 'BTN101 YAML syntax', yaml: 'name: x\nsteps:\n  a: [\n', expected: ['BTN101@4:1'] },
    { rule: 'BTN101 duplicate key', yaml: 'name: x\nname: y\nsteps: {}\n', expected: ['BTN101@2:1'] },
    { rule: 'BTN102 not a mapping', yaml: '- a\n- b\n', expected: ['BTN102@1:1'] },
    { rule: 'BTN103 empty file', yaml: '# nothing\n', expected: ['BTN103@1:1'] },
    { rule: 'BTN201 unknown key', yaml: 'name: x\nsteps:\n  a:\n    function: ./a.ts\n    neds: b\n', expected: ['BTN201@5:5'] },
    { rule: 'BTN202 missing steps', yaml: 'name: x\n', expected: ['BTN202@1:1'] },
    { rule: 'BTN203 bad name', yaml: 'name: Bad_Name\nsteps:\n  a: { function: ./a.ts }\n', expected: ['BTN203@1:7'] },
    { rule: 'BTN204 no kind', yaml: 'name: x\nsteps:\n  a:\n    description: nothing to do\n', expected: ['BTN204@3:3'] },
    { rule: 'BTN204 two kinds', yaml: 'name: x\nsteps:\n  a:\n    function: ./a.ts\n    wait: 5s\n', expected: ['BTN204@3:3'] },
    { rule: 'BTN205 prompt on a function', yaml: 'name: x\nsteps:\n  a:\n    function: ./a.ts\n    prompt: hi\n', expected: ['BTN205@5:5'] },
    { rule: 'BTN206 unknown agent', yaml: 'name: x\nsteps:\n  a:\n    agent: reviwer\n    prompt: hi\n', expected: ['BTN206@4:12'] },
    { rule: 'BTN207 run is not supported yet', yaml: 'name: x\nsteps:\n  a:\n    run: make test\n', expected: ['BTN207@4:5'] },
    { rule: 'BTN208 500ms', yaml: 'name: x\nsteps:\n  a:\n    function: ./a.ts\n    timeout: 500ms\n', expected: ['BTN208@5:14'] },
    { rule: 'BTN209 map concurrency', yaml: 'name: x\nsteps:\n  a:\n    function: ./a.ts\n    for_each: [1, 2]\n    max_parallel: 41\n', expected: ['BTN209@6:19'] },
    { rule: 'BTN210 agent without model', yaml: 'name: x\nagents:\n  r: { provider: anthropic, api_key: k }\nsteps:\n  a:\n    agent: r\n    prompt: hi\n', expected: ['BTN210@3:3'] },
    { rule: 'BTN210 a setting the provider ignores', yaml: 'name: x\nagents:\n  c: { provider: agentapi, url: u, system: be brief }\nsteps:\n  a:\n    agent: c\n    prompt: hi\n', expected: ['BTN210@3:36'] },
    { rule: 'nothing for the settings runtime.md promises', yaml: 'name: x\nagents:\n  r: { provider: anthropic, model: m, api_key: k, base_url: b, max_tokens: 9, system: s }\n  c: { provider: agentapi, url: u, headers: { X-Token: t } }\nsteps:\n  a:\n    agent: r\n    prompt: hi\n  b:\n    agent: c\n    prompt: hi\n', expected: [] },
    { rule: 'BTN301 unknown need', yaml: 'name: x\nsteps:\n  a:\n    function: ./a.ts\n    needs: [b]\n', expected: ['BTN301@5:13'] },
    { rule: 'BTN302 cycle', yaml: 'name: x\nsteps:\n  a:\n    function: ./a.ts\n    needs: b\n  b:\n    function: ./a.ts\n    needs: a\n', expected: ['BTN302@5:5'] },
    { rule: 'BTN303 handler that is also needed', yaml: 'name: x\nsteps:\n  a:\n    function: ./a.ts\n    on_failure: b\n  b:\n    function: ./a.ts\n  c:\n    function: ./a.ts\n    needs: b\n', expected: ['BTN303@5:17'] },
    { rule: 'BTN304 needs itself', yaml: 'name: x\nsteps:\n  a:\n    function: ./a.ts\n    needs: a\n', expected: ['BTN304@5:12'] },
    { rule: 'nothing for a 64-character id (its helper states still fit 80)', yaml: `name: x\nsteps:\n  ${'a'.repeat(64)}:\n    function: ./a.ts\n    if: \${{ inputs.go }}\ninputs:\n  go: { type: boolean }\n`, expected: [] },
    { rule: 'BTN401 syntax', yaml: "name: x\nsteps:\n  a:\n    function: ./a.ts\n    with: { v: '${{ inputs.x == }}' }\ninputs:\n  x: { type: string }\n", expected: ['BTN401@5:32'] },
    { rule: 'BTN402 unknown context', yaml: "name: x\nsteps:\n  a:\n    function: ./a.ts\n    with: { v: '${{ env.HOME }}' }\n", expected: ['BTN402@5:21'] },
    { rule: 'BTN403 unknown function', yaml: "name: x\nsteps:\n  a:\n    function: ./a.ts\n    if: ${{ hashFiles('x') }}\n", expected: ['BTN403@5:13'] },
    { rule: 'BTN405 unknown step', yaml: "name: x\nsteps:\n  a:\n    function: ./a.ts\n    with: { v: '${{ steps.nope.outputs }}' }\n", expected: ['BTN405@5:21'] },
    { rule: 'BTN406 not an ancestor', yaml: "name: x\nsteps:\n  a:\n    function: ./a.ts\n  b:\n    function: ./a.ts\n    with: { v: '${{ steps.a.outputs }}' }\n", expected: ['BTN406@7:21'] },
    { rule: 'BTN407 unknown input', yaml: "name: x\nsteps:\n  a:\n    function: ./a.ts\n    with: { v: '${{ inputs.nope }}' }\n", expected: ['BTN407@5:21'] },
    { rule: 'BTN408 undeclared output', yaml: "name: x\nsteps:\n  a:\n    function: ./a.ts\n    outputs: [url]\n  b:\n    needs: a\n    function: ./a.ts\n    with: { v: '${{ steps.a.outputs.uri }}' }\n", expected: ['BTN408@9:21'] },
    { rule: 'BTN409 item outside for_each', yaml: "name: x\nsteps:\n  a:\n    function: ./a.ts\n    with: { v: '${{ item }}' }\n", expected: ['BTN409@5:21'] },
    { rule: 'BTN409 error outside a handler', yaml: "name: x\nsteps:\n  a:\n    function: ./a.ts\n    with: { v: '${{ error.name }}' }\n", expected: ['BTN409@5:21'] },
  ];

  for (const { rule, yaml, expected } of cases) {
    it(`reports ${rule} at its place`, () => {
      expect(problems(yaml)).toEqual(expected);
    });
  }

  it('reports a state name over 80 characters', () => {
    // A handler shared by two steps gets states named <handler>.from-<caller>: 40 + 6 + 40 characters.
    const [handler, first, second] = ['h', 'a', 'b'].map((c) => c.repeat(40));
    const yaml = `name: x\nsteps:\n  ${first}:\n    function: ./a.ts\n    on_failure: ${handler}\n  ${second}:\n    function: ./a.ts\n    on_failure: ${handler}\n  ${handler}:\n    function: ./a.ts\n`;
    const codes = compile(yaml).diagnostics.map((d) => d.code);
    expect(codes).toContain('BTN306');
  });

  it('reports BTN404 for an expression Step Functions cannot compute, at the expression', () => {
    const yaml = "name: x\ninputs:\n  a: { type: string }\nsteps:\n  s:\n    function: ./a.ts\n    with: { v: '${{ inputs.a == 1 }}' }\n";
    expect(problems(yaml)).toEqual(['BTN404@7:21']);
  });

  it('reports BTN307 when the definition is over 1 MB', async () => {
    const { dagWorkflow, randomDag } = await import('../../../bench/random-workflow.ts');
    const result = compile(dagWorkflow(randomDag(1000, 7, { maxNeeds: 3, window: 8 })));
    expect(result.diagnostics.map((d) => `${d.code}@${d.line}:${d.column}`)).toEqual(['BTN307@1:7']);
    expect(result.asl).toBeUndefined();
  });

  it('reports every problem at once, in source order', () => {
    const yaml = 'name: x\nsteps:\n  a:\n    function: ./a.ts\n    needs: [zz]\n    timeout: 1ms\n  b:\n    agent: nobody\n    prompt: hi\n';
    expect(problems(yaml)).toEqual(['BTN301@5:13', 'BTN208@6:14', 'BTN206@8:12']);
  });

  it('never throws, whatever the input', () => {
    for (const text of ['', ':', '{', 'steps: 3', 'name: x\nsteps: []', '\u0000', 'name: [\n']) {
      expect(() => compile(text)).not.toThrow();
      expect(compile(text).asl).toBeUndefined();
    }
  });
});
