import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Codes } from '../../../compiler/diagnostics.ts';

describe('compile: diagnostic codes', () => {
  it('lists every code once in docs/compiler.md, and no code that does not exist', () => {
    const doc = readFileSync(join(import.meta.dirname, '../../../docs/compiler.md'), 'utf8');
    const listed = [...doc.matchAll(/^\| (BTN\d{3}) \|/gm)].map((m) => m[1]);
    expect([...listed].sort()).toEqual([...new Set(Object.values(Codes))].sort());
  });

  it('gives each code one meaning', () => {
    const values = Object.values(Codes);
    expect(new Set(values).size).toBe(values.length);
  });
});
