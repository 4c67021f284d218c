#!/usr/bin/env node
import { withBatonStdout } from '../functions/runtime/user-output.ts';
import { main } from './main.ts';

process.exitCode = await withBatonStdout(() => main(process.argv));
