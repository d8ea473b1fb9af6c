import type { IncomingHttpHeaders } from 'node:http';
import busboy from 'busboy';
import type { UploadRef } from '../../store/uploads';
import { BodyParseError } from './body';

export interface MultipartBody {
  fields: Record<string, string | string[]>;
  files: UploadRef[];
}

type SaveFile = (file: { field: string; filename: string; contentType: string; data: Buffer }) => Promise<UploadRef>;

/** Any `multipart/form-data` body, with or without its boundary: one without is refused, never taken as raw bytes. */
export const isMultipart = (contentType: string | undefined) =>
  /^\s*multipart\/form-data\s*(;|$)/i.test(contentType ?? '');

/**
 * Parses a multipart body already in memory: fields as values (repeats as arrays), files stored and referenced. Every
 * stream busboy hands out has its errors handled: a body cut off before its closing boundary makes the parser and the
 * open file's stream both emit `error`, and an `error` without a listener would end the process.
 */
export function parseMultipart(
  raw: Buffer,
  headers: IncomingHttpHeaders,
  save: SaveFile,
  maxFiles = 20,
): Promise<MultipartBody> {
  return new Promise((resolve, reject) => {
    const fields: Record<string, string | string[]> = {};
    const saving: Promise<UploadRef>[] = [];
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      reject(error instanceof Error ? error : new Error(String(error)));
    };
    const unreadable = (error: Error) =>
      fail(new BodyParseError(`the multipart body cannot be read: ${error.message}`));
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: headers, limits: { files: maxFiles } });
    } catch (error) {
      unreadable(error as Error);
      return;
    }
    parser.on('field', (name, value) => {
      const previous = fields[name];
      fields[name] =
        previous === undefined ? value : Array.isArray(previous) ? [...previous, value] : [previous, value];
    });
    parser.on('file', (field, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      const ended = new Promise<void>((done, failed) => {
        stream.once('end', done);
        stream.once('error', (error: Error) =>
          failed(new BodyParseError(`the multipart file "${info.filename || field}" cannot be read: ${error.message}`)),
        );
      });
      const saved = ended.then(() =>
        save({
          field,
          filename: info.filename || field,
          contentType: info.mimeType || 'application/octet-stream',
          data: Buffer.concat(chunks),
        }),
      );
      // Observed here as well as by Promise.all below, so a file failing after the parser failed is never unhandled.
      saved.catch(fail);
      saving.push(saved);
    });
    parser.on('filesLimit', () => fail(new BodyParseError(`at most ${maxFiles} files per request`)));
    parser.on('error', unreadable);
    parser.on('close', () => {
      Promise.all(saving).then((files) => {
        if (settled) return;
        settled = true;
        resolve({ fields, files });
      }, fail);
    });
    parser.end(raw);
  });
}
