/** `npm run verify -- <base-url> [--json]`: see `run.ts`. */
import { runAsProcess } from '../cli/command.js';
import { verifyCommand } from './run.js';

await runAsProcess(verifyCommand);
