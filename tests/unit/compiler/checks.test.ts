import { describe, expect, it } from 'vitest';
import { compile } from '../../../compiler/index.ts';
import { checkInputs } from '../../../functions/runtime/control/inputs.ts';

/** `CODE@LINE:COL` of every diagnostic. */
function problems(yaml: string): string[] {
  return compile(yaml).diagnostics.map((d) => `${d.code}@${d.line}:${d.column}`);
}

function messages(yaml: string): string[] {
  return compile(yaml).diagnostics.map((d) => d.message);
}

describe('compile: input defaults', () => {
  const yaml = [
    'name: x',
    'inputs:',
    "  count: { type: integer, default: 'three' }",
    '  env: { type: string, enum: [dev, prod], default: staging }',
    '  mixed: { type: string, enum: [dev, 3] }',
    '  ratio: { type: number, default: 2.5 }',
    '  level: { type: string, enum: [low, high], default: low }',
    '  nothing: { type: string, default: null }',
    'steps:',
    '  a: { function: ./a.ts }',
    '',
  ].join('\n');

  it('reports a default that breaks its type or enum, and an enum value of the wrong type, at the value', () => {
    expect(problems(yaml)).toEqual(['BTN211@3:36', 'BTN211@4:52', 'BTN211@5:38', 'BTN211@8:37']);
  });

  it('agrees with the check a run goes through (one copy of it, in the compiler)', () => {
    const spec = { env: { type: 'string' as const, enum: ['dev', 'prod'], default: 'staging' } };
    expect(checkInputs(spec, {}).problems).toHaveLength(1);
    expect(compile('name: x\ninputs:\n  env: { type: string, enum: [dev, prod], default: dev }\nsteps:\n  a: { function: ./a.ts }\n').diagnostics).toEqual([]);
  });
});

describe('compile: durations Step Functions allows', () => {
  it('reports every duration longer than a year, wherever it is, and keeps one of exactly a year', () => {
    const yaml = [
      'name: x',
      'defaults:',
      '  timeout: 400d',
      '  retry: { interval: 366d }',
      'steps:',
      '  a:',
      '    function: ./a.ts',
      '    timeout: 31536001',
      '    retry: { max_interval: 9999d }',
      '  b:',
      '    approval: { timeout: 366d }',
      '  c:',
      '    wait: 365d',
      '  d:',
      '    wait: 8761h',
      '',
    ].join('\n');
    expect(problems(yaml)).toEqual(['BTN309@3:12', 'BTN309@4:22', 'BTN309@8:14', 'BTN309@9:28', 'BTN309@11:26', 'BTN309@15:11']);
  });
});

describe('compile: wait.until', () => {
  it('checks a fixed until is a timestamp Step Functions waits for; a computed one is the runtime\'s to check', () => {
    const yaml = [
      'name: x',
      'inputs: { day: { type: string } }',
      'steps:',
      '  a: { wait: { until: tomorrow } }',
      '  b: { wait: { until: "2026-12-02" } }',
      '  c: { wait: { until: "2026-12-02T10:00:00Z" } }',
      '  d: { wait: { until: "2026-12-02T10:00:00.5+01:00" } }',
      '  e: { wait: { until: "${{ inputs.day }}T10:00:00Z" } }',
      '',
    ].join('\n');
    expect(problems(yaml)).toEqual(['BTN203@4:23', 'BTN203@5:23']);
  });
});

describe('compile: function steps fit in one Lambda invocation', () => {
  it("reports a function step's timeout over 15 minutes, its own or the defaults', and nothing for other kinds or 15m", () => {
    const yaml = [
      'name: x',
      'defaults: { timeout: 1h }',
      'steps:',
      '  own: { function: ./a.ts, timeout: 16m }',
      '  inherited: { function: ./a.ts }',
      '  fits: { function: ./a.ts, timeout: 15m }',
      '  seconds: { function: ./a.ts, timeout: 901 }',
      '  agent: { agent: echo, prompt: hi }',
      '  http: { http: { url: "https://example.com" }, timeout: 2h }',
      '',
    ].join('\n');
    expect(problems(yaml)).toEqual(['BTN310@4:37', 'BTN310@5:26', 'BTN310@7:41']);
  });
});

describe('compile: step ids as state names', () => {
  it('reports ids Step Functions would refuse, ids that collide with helper states, and ids too long for their helpers', () => {
    const yaml = [
      'name: x',
      'steps:',
      '  my step: { function: ./a.ts }',
      '  a.b: { function: ./a.ts }',
      '  run: { function: ./a.ts }',
      `  ${'a'.repeat(65)}: { function: ./a.ts }`,
      '  é: { function: ./a.ts }',
      "  'a#b': { function: ./a.ts }",
      '  "a/b": { function: ./a.ts }',
      `  ${'b'.repeat(64)}: { function: ./a.ts }`,
      '',
    ].join('\n');
    expect(problems(yaml)).toEqual(['BTN308@3:3', 'BTN308@4:3', 'BTN308@5:3', 'BTN308@6:3', 'BTN308@7:3', 'BTN308@8:3', 'BTN308@9:3']);
    expect(compile(yaml).asl).toBeUndefined();
  });
});

describe('compile: keys that take several forms', () => {
  const cases: Array<{ what: string; yaml: string; expected: string[] }> = [
    { what: 'needs: []', yaml: 'name: x\nsteps:\n  a:\n    function: ./a.ts\n    needs: []\n', expected: ['BTN203@5:12'] },
    { what: 'a number in a needs list, at the number', yaml: 'name: x\nsteps:\n  a:\n    function: ./a.ts\n  b:\n    function: ./a.ts\n    needs: [a, 3]\n', expected: ['BTN203@7:16'] },
    { what: 'needs as a map', yaml: 'name: x\nsteps:\n  a:\n    function: ./a.ts\n    needs: { step: b }\n', expected: ['BTN203@5:12'] },
    { what: 'a misspelt key of the long retry form, at the key', yaml: 'name: x\nsteps:\n  a:\n    function: ./a.ts\n    retry: { max_attemps: 3, interval: 2s }\n', expected: ['BTN201@5:14'] },
    { what: 'a bad value inside the long retry form, at the value', yaml: 'name: x\nsteps:\n  a:\n    function: ./a.ts\n    retry: { max_attempts: 0 }\n', expected: ['BTN203@5:28'] },
    { what: 'retry as a word', yaml: 'name: x\nsteps:\n  a:\n    function: ./a.ts\n    retry: three\n', expected: ['BTN203@5:12'] },
    { what: 'retry: 0', yaml: 'name: x\nsteps:\n  a:\n    function: ./a.ts\n    retry: 0\n', expected: ['BTN203@5:12'] },
    { what: 'for_each as a number', yaml: 'name: x\nsteps:\n  a:\n    function: ./a.ts\n    for_each: 3\n', expected: ['BTN203@5:15'] },
    { what: 'for_each as a map', yaml: 'name: x\nsteps:\n  a:\n    function: ./a.ts\n    for_each: { items: [1] }\n', expected: ['BTN203@5:15'] },
    { what: 'a misspelt key of wait: { until }', yaml: 'name: x\nsteps:\n  a:\n    wait: { untill: x }\n', expected: ['BTN202@4:5', 'BTN201@4:13'] },
    { what: 'a negative timeout', yaml: 'name: x\nsteps:\n  a:\n    function: ./a.ts\n    timeout: -5\n', expected: ['BTN203@5:14'] },
  ];
  for (const { what, yaml, expected } of cases) {
    it(`reports ${what}`, () => {
      expect(problems(yaml)).toEqual(expected);
      for (const message of messages(yaml)) expect(message).not.toContain('is not any of the forms');
    });
  }
});

describe('compile: the rules still run when the schema check fails', () => {
  it('reports a misspelt prompt and the prompt it leaves missing, and problems in other steps, at once', () => {
    const yaml = 'name: x\nsteps:\n  a:\n    agent: echo\n    promt: hi\n  b:\n    function: ./a.ts\n    needs: zz\n';
    expect(problems(yaml)).toEqual(['BTN202@3:3', 'BTN201@5:5', 'BTN301@8:12']);
    expect(compile(yaml).asl).toBeUndefined();
  });

  it('does not guess about a step whose own value is wrong, and checks the others', () => {
    const yaml = "name: x\nsteps:\n  a:\n    function: ./a.ts\n    max_parallel: '4'\n    needs: zz\n  b:\n    function: ./a.ts\n    needs: yy\n    timeout: 500ms\n";
    expect(problems(yaml)).toEqual(['BTN203@5:19', 'BTN301@9:12', 'BTN208@10:14']);
  });

  it('does not call an agent unknown because its config is wrong', () => {
    const yaml = 'name: x\nagents:\n  r: { provider: nope }\nsteps:\n  a:\n    agent: r\n    prompt: hi\n  b:\n    agent: q\n    prompt: hi\n';
    expect(problems(yaml)).toEqual(['BTN203@3:18', 'BTN206@9:12']);
  });

  it('still reports the rules when the name is wrong', () => {
    expect(problems('name: Bad\nsteps:\n  a:\n    agent: echo\n    promt: hi\n')).toEqual(['BTN203@1:7', 'BTN202@3:3', 'BTN201@5:5']);
  });
});

describe('compile: locate', () => {
  it('gives the line and column of a data path, for checks made after compiling', () => {
    const result = compile('name: x\nsteps:\n  lint:\n    function: ./steps/lint.ts\n');
    expect(result.locate(['steps', 'lint', 'function'])).toEqual({ line: 4, column: 15 });
    expect(result.locate(['steps', 'lint'], 'key')).toEqual({ line: 3, column: 3 });
  });
});
