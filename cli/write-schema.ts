/** npm run schema: writes definitions/workflow.schema.json from the compiler's zod schema. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { workflowJsonSchema } from '../compiler/schema.ts';

const target = join(import.meta.dirname, '../definitions/workflow.schema.json');
writeFileSync(target, JSON.stringify(workflowJsonSchema(), null, 2) + '\n');
console.log(`wrote ${target}`);
