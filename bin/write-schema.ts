#!/usr/bin/env node
/** `npm run schema`: writes environments/schema.json from the zod schema (a test keeps the two in sync). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENVIRONMENTS_DIR } from '../environments/load';
import { environmentSchemaJsonText } from '../environments/schema';

const file = join(ENVIRONMENTS_DIR, 'schema.json');
writeFileSync(file, environmentSchemaJsonText());
process.stdout.write(`wrote ${file}\n`);
