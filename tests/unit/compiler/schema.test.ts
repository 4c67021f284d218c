import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { workflowJsonSchema } from '../../../compiler/schema.ts';

describe('compile: JSON Schema for editors', () => {
  it('ships the schema generated from the compiler (run npm run schema after changing compiler/schema.ts)', () => {
    const shipped = JSON.parse(readFileSync(join(import.meta.dirname, '../../../definitions/workflow.schema.json'), 'utf8'));
    expect(shipped).toStrictEqual(workflowJsonSchema());
  });

  it('describes steps and refuses unknown keys', () => {
    const schema = workflowJsonSchema() as { properties: Record<string, any>; additionalProperties: boolean; required: string[] };
    expect(schema.required).toEqual(['name', 'steps']);
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties.steps.additionalProperties.properties)).toContain('for_each');
  });
});
