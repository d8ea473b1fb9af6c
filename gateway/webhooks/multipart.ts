import type { IncomingHttpHeaders } from 'node:http';
import busboy from 'busboy';
import type { UploadRef } from '../../store/uploads';
import { BodyParseError } from './body';

export interface MultipartBody {
  fields: Record<string, string | string[]>;
  files: UploadRef[];
}

type SaveFile = (file: { field: string; filename: string; contentType: string; data: Buffer }) => Promise<UploadRef>;

export const isMultipart = (contentType: string | undefined) => /^multipart\/form-data\s*;/i.test(contentType ?? '');

/** Parses a multipart body already in memory: fields as values (repeats as arrays), files stored and referenced. */
export function parseMultipart(raw: Buffer, headers: IncomingHttpHeaders, save: SaveFile, maxFiles = 20): Promise<MultipartBody> {
  return new Promise((resolve, reject) => {
    const fields: Record<string, string | string[]> = {};
    const saving: Promise<UploadRef>[] = [];
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: headers as Record<string, string>, limits: { files: maxFiles } });
    } catch (error) {
      reject(new BodyParseError(`the multipart body cannot be read: ${(error as Error).message}`));
      return;
    }
    parser.on('field', (name, value) => {
      const previous = fields[name];
      fields[name] = previous === undefined ? value : Array.isArray(previous) ? [...previous, value] : [previous, value];
    });
    parser.on('file', (field, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      const ended = new Promise<void>((done) => stream.once('end', done));
      saving.push(ended.then(() => save({ field, filename: info.filename || field, contentType: info.mimeType || 'application/octet-stream', data: Buffer.concat(chunks) })));
    });
    parser.on('filesLimit', () => reject(new BodyParseError(`at most ${maxFiles} files per request`)));
    parser.on('error', (error: Error) => reject(new BodyParseError(`the multipart body cannot be read: ${error.message}`)));
    parser.on('close', () => {
      Promise.all(saving).then((files) => resolve({ fields, files }), reject);
    });
    parser.end(raw);
  });
}
