// Preloaded with `node --import` by lazy-load.test.ts: records the URL of every module the process
// resolves (ESM imports, including CommonJS packages imported from ESM) into the file named by
// $RECORD_MODULES_FILE, one per line, from the module hooks thread.
import { register } from 'node:module';

register('./record-modules-hooks.mjs', import.meta.url, { data: { file: process.env.RECORD_MODULES_FILE } });
