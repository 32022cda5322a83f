// File checks shared by the CLI's commands: fail before any work when a file cannot be read or written.
import { accessSync, constants, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { CliError } from './args';

/** Fails now, before any training, if `path` could not be written at the end. */
export function checkWritable(path: string, flag: string): void {
  const full = resolve(path);
  const dir = dirname(full);
  let dirStat;
  try {
    dirStat = statSync(dir);
  } catch {
    throw new CliError(`${flag} ${path}: directory ${dir} does not exist`);
  }
  if (!dirStat.isDirectory()) throw new CliError(`${flag} ${path}: ${dir} is not a directory`);
  let existing;
  try {
    existing = statSync(full);
  } catch {
    existing = null;
  }
  if (existing?.isDirectory()) throw new CliError(`${flag} ${path}: is a directory`);
  try {
    accessSync(existing ? full : dir, constants.W_OK);
  } catch {
    throw new CliError(`${flag} ${path}: not writable`);
  }
}

export async function readText(path: string, flag: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new CliError(
      `${flag} ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (e as Error).message}`,
    );
  }
}

export async function readJson(path: string, flag: string): Promise<unknown> {
  const text = await readText(path, flag);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new CliError(`${flag} ${path}: not valid JSON (${(e as Error).message})`);
  }
}
