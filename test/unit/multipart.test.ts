/** Multipart bodies that are cut off or malformed are refused as unreadable, never left to end the process. */
import { BodyParseError } from '../../gateway/webhooks/body';
import { isMultipart, parseMultipart } from '../../gateway/webhooks/multipart';

const boundary = 'XyZ123';
const headers = { 'content-type': `multipart/form-data; boundary=${boundary}` };
const part = (name: string, body: string, filename?: string) =>
  `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${filename ? `; filename="${filename}"` : ''}\r\n\r\n${body}\r\n`;
const save = async (file: { field: string; filename: string; data: Buffer }) =>
  ({
    uploadId: 'u1',
    field: file.field,
    filename: file.filename,
    contentType: 'text/plain',
    size: file.data.length,
    sha256: '',
    storage: 'local',
    url: '',
  }) as never;

describe('parseMultipart', () => {
  test('a whole body gives fields and files', async () => {
    const body = Buffer.from(`${part('a', '1')}${part('f', 'hello', 'f.txt')}--${boundary}--\r\n`);
    const parsed = await parseMultipart(body, headers, save);
    expect(parsed.fields).toEqual({ a: '1' });
    expect(parsed.files).toHaveLength(1);
  });

  test('a body cut off inside a file is refused with a BodyParseError', async () => {
    const body = Buffer.from(
      `${part('a', '1')}--${boundary}\r\nContent-Disposition: form-data; name="f"; filename="f.txt"\r\n\r\nhalf of a fi`,
    );
    await expect(parseMultipart(body, headers, save)).rejects.toBeInstanceOf(BodyParseError);
  });

  test('cut off before the closing boundary, or in the headers of a part', async () => {
    await expect(parseMultipart(Buffer.from(part('a', '1')), headers, save)).rejects.toBeInstanceOf(BodyParseError);
    await expect(parseMultipart(Buffer.from(`--${boundary}\r\nContent-Disp`), headers, save)).rejects.toBeInstanceOf(
      BodyParseError,
    );
  });

  test('no boundary: refused, and still recognised as multipart', async () => {
    expect(isMultipart('multipart/form-data')).toBe(true);
    expect(isMultipart('Multipart/Form-Data ; charset=utf-8')).toBe(true);
    expect(isMultipart('multipart/form-datax')).toBe(false);
    await expect(parseMultipart(Buffer.from('x'), { 'content-type': 'multipart/form-data' }, save)).rejects.toThrow(
      /boundary/i,
    );
  });

  test('a failure to store a file is passed on as it is (not blamed on the body)', async () => {
    const body = Buffer.from(`${part('f', 'hello', 'f.txt')}--${boundary}--\r\n`);
    const failure = new Error('store down');
    await expect(parseMultipart(body, headers, async () => Promise.reject(failure))).rejects.toBe(failure);
  });
});
