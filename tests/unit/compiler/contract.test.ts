import { describe, expect, it } from 'vitest';
import { NEVER_RETRIED_BY_DEFAULT as compiled } from '../../../compiler/emit/resources.ts';
import { NEVER_RETRIED_BY_DEFAULT as runtime } from '../../../functions/runtime/errors.ts';

describe('compile: contract with the runtime', () => {
  it('leaves the same errors out of default retries as the runtime declares', () => {
    expect([...compiled].sort()).toEqual([...runtime].sort());
  });
});
