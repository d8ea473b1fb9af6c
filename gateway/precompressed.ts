/**
 * The studio's files as the build compressed them (ui/vite.config.ts writes `<file>.br` and `<file>.gz` beside each
 * text file): the best encoding the browser accepts, with `Vary: Accept-Encoding` so caches keep one per encoding.
 * Files without a compressed copy, and browsers that accept neither, get the file as it is.
 */
import fs from 'node:fs';
import path from 'node:path';
import type express from 'express';

const ENCODINGS = [
  { name: 'br', suffix: '.br' },
  { name: 'gzip', suffix: '.gz' },
] as const;

/** The encodings an `Accept-Encoding` header allows (`q=0` refuses one; `*` allows any not named). */
export function acceptedEncodings(header: string | undefined): Set<string> {
  const accepted = new Set<string>();
  const refused = new Set<string>();
  let any = false;
  for (const part of (header ?? '').split(',')) {
    const [token, ...params] = part.trim().toLowerCase().split(';');
    if (!token) continue;
    const q = params.map((param) => param.trim()).find((param) => param.startsWith('q='));
    const allowed = q === undefined || Number(q.slice(2)) > 0;
    if (token === '*') any = allowed;
    else (allowed ? accepted : refused).add(token);
  }
  if (any) for (const { name } of ENCODINGS) if (!refused.has(name)) accepted.add(name);
  return accepted;
}

export interface CompressedOptions {
  /** Cache-Control for what this serves. */
  cacheControl: string;
}

/**
 * Sends `file` (an absolute path inside the studio's build) compressed when a compressed copy exists and the request
 * accepts it; `false` when the file does not exist (the caller decides what a missing file is).
 */
export function sendStudioFile(
  request: express.Request,
  response: express.Response,
  file: string,
  options: CompressedOptions,
): boolean {
  if (!fs.statSync(file, { throwIfNoEntry: false })?.isFile()) return false;
  response.vary('Accept-Encoding');
  response.set('cache-control', options.cacheControl);
  // The type of the file itself, not of its .br or .gz copy.
  response.type(path.extname(file));
  const accepted = acceptedEncodings(request.get('accept-encoding'));
  const encoding = ENCODINGS.find(
    ({ name, suffix }) => accepted.has(name) && fs.statSync(file + suffix, { throwIfNoEntry: false })?.isFile(),
  );
  if (encoding) response.set('content-encoding', encoding.name);
  response.sendFile(encoding ? file + encoding.suffix : file, { cacheControl: false, dotfiles: 'deny' });
  return true;
}
