import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../../compiler/index.ts';
import { validateAsl } from '../../support/asl.ts';

const definitions = join(import.meta.dirname, '../../../definitions');
const goldenDir = join(import.meta.dirname, '../../fixtures/golden');
const files = readdirSync(definitions).filter((f) => f.endsWith('.yaml'));

/**
 * The compiled ASL of every shipped definition, compared whole with its golden
 * file. After an intended change, regenerate with `UPDATE_GOLDEN=1 npm test` and
 * read the diff.
 */
describe('compile: shipped definitions', () => {
  it('ships the four definitions', () => {
    expect(files.sort()).toEqual(['deploy-regions.yaml', 'feature-integration.yaml', 'hotfix-deployment.yaml', 'pr-processing.yaml']);
  });

  for (const file of files) {
    describe(file, () => {
      const result = compile(readFileSync(join(definitions, file), 'utf8'));

      it('compiles without diagnostics', () => {
        expect(result.diagnostics).toEqual([]);
      });

      it('passes asl-validator', () => {
        const verdict = validateAsl(result.asl, result.resources);
        expect(verdict.errors).toBe('');
        expect(verdict.isValid).toBe(true);
      });

      it('matches its golden ASL', () => {
        const golden = join(goldenDir, file.replace(/\.yaml$/, '.asl.json'));
        if (process.env.UPDATE_GOLDEN && result.asl) {
          mkdirSync(goldenDir, { recursive: true });
          writeFileSync(golden, JSON.stringify(result.asl, null, 2) + '\n');
        }
        expect(result.asl).toStrictEqual(JSON.parse(readFileSync(golden, 'utf8')));
      });
    });
  }
});
