/** Turns a webhook's raw body into the value a run sees, by its content type. The raw bytes stay for signatures. */

/** Parsed JSON, form fields or text, or raw bytes as `{ encoding: 'base64', contentType, data }`. */
export type WebhookBody = unknown;

export class BodyParseError extends Error {
  override name = 'BodyParseError';
}

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

/** Form fields as an object; a repeated field becomes an array of its values. */
function formFields(text: string): Record<string, string | string[]> {
  const fields: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(text)) {
    const previous = fields[name];
    fields[name] = previous === undefined ? value : Array.isArray(previous) ? [...previous, value] : [previous, value];
  }
  return fields;
}

export function parseWebhookBody(raw: Buffer, contentType: string | undefined): WebhookBody {
  if (raw.length === 0) return null;
  const type = mediaType(contentType);
  if (type === 'application/json' || type.endsWith('+json')) {
    try {
      return JSON.parse(raw.toString('utf8'));
    } catch (error) {
      throw new BodyParseError(`the request body is not valid JSON: ${(error as Error).message}`);
    }
  }
  if (type === 'application/x-www-form-urlencoded') return formFields(raw.toString('utf8'));
  if (type.startsWith('text/') || type === 'application/xml' || type.endsWith('+xml')) return raw.toString('utf8');
  return { encoding: 'base64', contentType: type || 'application/octet-stream', data: raw.toString('base64') };
}
