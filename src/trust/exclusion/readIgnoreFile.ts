import * as fs from 'node:fs';

/**
 * Reads a `.tandemignore` from disk; undefined when there is none. Synchronous on purpose: it runs
 * once per folder (then cached until the file changes), and an exclusion decision must never be made
 * before the rules that govern it are read.
 */
export function readIgnoreFileFromDisk(file: string, onError?: (error: unknown) => void): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') onError?.(error);
    return undefined;
  }
}
