// Entry point of `npm run kru -- <command>`: a thin wrapper around runCli that owns the process.
import * as tf from '@tensorflow/tfjs-core';
import { runCli } from './cli';

// stdout is machine-readable JSON only: silence tfjs's Node banner and send any stray console output to stderr.
tf.enableProdMode();
const toStderr = (...args: unknown[]) => process.stderr.write(args.map(String).join(' ') + '\n');
console.log = toStderr;
console.info = toStderr;

const code = await runCli(process.argv.slice(2), {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
});
// Dawn (webgpu) keeps the event loop alive: exit explicitly once stdout has drained.
process.stdout.write('', () => process.exit(code));
