/**
 * Amazon SNS over HTTP(S): messages are signed with a certificate SNS publishes, which is fetched only from a host on
 * the allow-list (by default `sns.<region>.amazonaws.com`, over HTTPS, a `.pem` path) and cached; subscriptions are
 * confirmed by fetching their SubscribeURL from such a host too. Nothing else an SNS message names is ever fetched.
 */
import crypto from 'node:crypto';

export interface SnsMessage {
  Type: 'Notification' | 'SubscriptionConfirmation' | 'UnsubscribeConfirmation';
  MessageId: string;
  TopicArn: string;
  Message: string;
  Timestamp: string;
  Subject?: string;
  SubscribeURL?: string;
  Token?: string;
  SignatureVersion: string;
  Signature: string;
  SigningCertURL: string;
}

export class SnsError extends Error {
  override name = 'SnsError';
}

/** The fields each message type signs, in the order SNS signs them. */
const SIGNED_FIELDS: Record<SnsMessage['Type'], Array<keyof SnsMessage>> = {
  Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
  SubscriptionConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
  UnsubscribeConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
};

export function parseSnsMessage(body: unknown): SnsMessage {
  const value = body as Partial<SnsMessage> | null;
  if (typeof value !== 'object' || value === null || !(typeof value.Type === 'string' && value.Type in SIGNED_FIELDS))
    throw new SnsError(
      'not an SNS message: Type must be Notification, SubscriptionConfirmation or UnsubscribeConfirmation',
    );
  for (const field of [
    'MessageId',
    'TopicArn',
    'Message',
    'Timestamp',
    'Signature',
    'SigningCertURL',
    'SignatureVersion',
  ] as const) {
    if (typeof value[field] !== 'string') throw new SnsError(`the SNS message has no ${field}`);
  }
  return value as SnsMessage;
}

/** `Key\nvalue\n` for each signed field the message has. */
export function snsStringToSign(message: SnsMessage): string {
  return SIGNED_FIELDS[message.Type]
    .filter((field) => typeof message[field] === 'string')
    .map((field) => `${field}\n${message[field]}\n`)
    .join('');
}

/** A host pattern matches a URL's host (with its port, if the pattern names one); `*` stands for one label. */
export function hostMatches(pattern: string, url: URL): boolean {
  const [patternHost, patternPort] = pattern.toLowerCase().split(/:(?=\d+$)/);
  if (patternPort !== undefined && url.port !== patternPort) return false;
  if (patternPort === undefined && url.port !== '') return false;
  const labels = url.hostname.toLowerCase().split('.');
  const wanted = patternHost.split('.');
  return labels.length === wanted.length && wanted.every((label, index) => label === '*' || label === labels[index]);
}

type FetchText = (url: string) => Promise<string>;

async function fetchText(url: string): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000), redirect: 'error' });
  if (!response.ok) throw new SnsError(`${new URL(url).host} answered ${response.status}`);
  return response.text();
}

export class SnsVerifier {
  private readonly certificates = new Map<string, Promise<string>>();

  constructor(
    private readonly allowedHosts: string[],
    private readonly fetch: FetchText = fetchText,
  ) {}

  private allowed(text: string, what: string): URL {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new SnsError(`the ${what} is not a URL`);
    }
    if (url.protocol !== 'https:' || !this.allowedHosts.some((pattern) => hostMatches(pattern, url))) {
      throw new SnsError(`the ${what} must be https on an SNS host (${this.allowedHosts.join(', ')})`);
    }
    return url;
  }

  private certificate(url: string): Promise<string> {
    let cached = this.certificates.get(url);
    if (!cached) {
      cached = this.fetch(url);
      cached.catch(() => this.certificates.delete(url));
      if (this.certificates.size >= 100) this.certificates.delete(this.certificates.keys().next().value!);
      this.certificates.set(url, cached);
    }
    return cached;
  }

  /** Throws SnsError unless SNS signed the message (SignatureVersion 1: SHA1withRSA, 2: SHA256withRSA). */
  async verify(message: SnsMessage): Promise<void> {
    const url = this.allowed(message.SigningCertURL, 'SigningCertURL');
    if (!url.pathname.endsWith('.pem')) throw new SnsError('the SigningCertURL must name a .pem certificate');
    const algorithm =
      message.SignatureVersion === '1' ? 'RSA-SHA1' : message.SignatureVersion === '2' ? 'RSA-SHA256' : undefined;
    if (!algorithm) throw new SnsError(`SignatureVersion ${message.SignatureVersion} is not 1 or 2`);
    let certificate: string;
    try {
      certificate = await this.certificate(url.href);
    } catch (error) {
      throw new SnsError(`the signing certificate could not be fetched: ${(error as Error).message}`);
    }
    let valid: boolean;
    try {
      valid = crypto
        .createVerify(algorithm)
        .update(snsStringToSign(message), 'utf8')
        .verify(certificate, message.Signature, 'base64');
    } catch (error) {
      throw new SnsError(`the signing certificate is not usable: ${(error as Error).message}`);
    }
    if (!valid) throw new SnsError('the SNS signature does not verify');
  }

  /** Confirms a subscription by fetching its SubscribeURL (on an allowed host only). */
  async confirm(message: SnsMessage): Promise<void> {
    if (!message.SubscribeURL) throw new SnsError('the subscription confirmation has no SubscribeURL');
    await this.fetch(this.allowed(message.SubscribeURL, 'SubscribeURL').href);
  }
}
