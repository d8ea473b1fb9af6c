/**
 * The host side of `nodemailer`: messages are sent by the real nodemailer package over SMTP. We open the socket
 * ourselves (nodemailer's `getSocket` hook), so the SMTP host — given by `host`, a `service` name or a URL — is
 * checked by the egress policy after DNS resolution. Only SMTP, only the options below, and message content only
 * as strings: no `path`/`href` content that would make nodemailer read host files or fetch URLs.
 */
import net from 'node:net';
import nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { z } from 'zod';
import { EgressDeniedError, EgressGuard } from '../egress';
import { BridgeError, BridgeSession, CallScope } from './session';

const DEFAULT_SMTP_TIMEOUT_MS = 30_000;

const TransportOptions = z.object({
  service: z.string().optional(),
  host: z.string().optional(),
  port: z.coerce.number().int().min(1).max(65535).optional(),
  secure: z.boolean().optional(),
  requireTLS: z.boolean().optional(),
  ignoreTLS: z.boolean().optional(),
  name: z.string().optional(),
  auth: z.object({ user: z.string(), pass: z.string() }).optional(),
  authMethod: z.string().optional(),
  tls: z
    .object({
      rejectUnauthorized: z.boolean().optional(),
      servername: z.string().optional(),
      minVersion: z.enum(['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']).optional(),
    })
    .optional(),
  connectionTimeout: z.number().positive().optional(),
  greetingTimeout: z.number().positive().optional(),
  socketTimeout: z.number().positive().optional(),
});
type TransportOptions = z.infer<typeof TransportOptions>;

const Address = z.union([z.string(), z.object({ name: z.string().optional(), address: z.string() })]);
const Addresses = z.union([Address, z.array(Address)]);
const Attachment = z
  .object({
    filename: z.string().optional(),
    content: z.string({
      error: 'give attachment content as a string (file paths and URLs are not available to function code)',
    }),
    encoding: z.enum(['base64', 'hex', 'utf8', 'utf-8', 'binary', 'latin1', 'ascii']).optional(),
    contentType: z.string().optional(),
    contentDisposition: z.enum(['attachment', 'inline']).optional(),
    cid: z.string().optional(),
  })
  .strict();

const Message = z
  .object({
    from: Address.optional(),
    sender: Address.optional(),
    to: Addresses.optional(),
    cc: Addresses.optional(),
    bcc: Addresses.optional(),
    replyTo: Addresses.optional(),
    inReplyTo: z.string().optional(),
    references: z.union([z.string(), z.array(z.string())]).optional(),
    subject: z.string().optional(),
    text: z.string().optional(),
    html: z.string().optional(),
    headers: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
    attachments: z.array(Attachment).optional(),
    priority: z.enum(['high', 'normal', 'low']).optional(),
    messageId: z.string().optional(),
    date: z.string().optional(),
    encoding: z.string().optional(),
    envelope: z
      .object({ from: z.string().optional(), to: z.union([z.string(), z.array(z.string())]).optional() })
      .optional(),
  })
  .strict();

const SendRequest = z.object({ transport: z.union([z.string(), TransportOptions]), message: Message });
const VerifyRequest = z.object({ transport: z.union([z.string(), TransportOptions]) });

export function registerMailBridge(session: BridgeSession, guard: EgressGuard): void {
  const sockets = new Set<net.Socket>();
  session.onDispose(() => {
    for (const socket of sockets) socket.destroy();
  });
  const transporterFor = (transport: string | TransportOptions, scope: CallScope) => {
    const options = typeof transport === 'string' ? parseSmtpUrl(transport) : transport;
    const bounded = (value: number | undefined) => Math.min(value ?? DEFAULT_SMTP_TIMEOUT_MS, scope.remainingMs());
    return nodemailer.createTransport({
      ...options,
      connectionTimeout: bounded(options.connectionTimeout),
      greetingTimeout: bounded(options.greetingTimeout),
      socketTimeout: bounded(options.socketTimeout),
      disableFileAccess: true,
      disableUrlAccess: true,
      getSocket: (
        resolved: SMTPTransport.Options,
        callback: (error: Error | null, socket?: { connection: net.Socket }) => void,
      ) => {
        const secure = resolved.secure === true;
        const host = resolved.host ?? 'localhost';
        const port = Number(resolved.port) || (secure ? 465 : 587);
        const timeoutMs = Math.min(Number(resolved.connectionTimeout) || DEFAULT_SMTP_TIMEOUT_MS, scope.remainingMs());
        connectChecked({ host, port, guard, sockets, signal: scope.signal, timeoutMs }).then(
          (connection) => callback(null, { connection }),
          (error: Error) => callback(error),
        );
      },
    });
  };

  session.register('mail.send', async (args, scope) => {
    const request = parse(SendRequest, args, 'sendMail');
    const transporter = transporterFor(request.transport, scope);
    try {
      const info = await transporter.sendMail({ ...request.message, signal: scope.signal });
      return {
        messageId: info.messageId,
        envelope: info.envelope,
        accepted: info.accepted ?? [],
        rejected: info.rejected ?? [],
        pending: info.pending ?? [],
        response: info.response,
      };
    } catch (error) {
      throw mailError(error);
    } finally {
      transporter.close();
    }
  });

  session.register('mail.verify', async (args, scope) => {
    const request = parse(VerifyRequest, args, 'verify');
    const transporter = transporterFor(request.transport, scope);
    try {
      return await transporter.verify();
    } catch (error) {
      throw mailError(error);
    } finally {
      transporter.close();
    }
  });
}

function parse<T>(schema: z.ZodType<T>, args: unknown, what: string): T {
  const parsed = schema.safeParse(args);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'options'}: ${issue.message}`);
  throw new BridgeError('MailError', `nodemailer ${what}: ${problems.join('; ')}`, { code: 'EINVALID' });
}

/** `smtp://user:pass@host:port` and `smtps://…`, the connection-URL form of createTransport. */
function parseSmtpUrl(text: string): TransportOptions {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new BridgeError('MailError', `nodemailer: "${text}" is not an smtp:// or smtps:// URL`, { code: 'EINVALID' });
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    throw new BridgeError(
      'MailError',
      `nodemailer: only smtp:// and smtps:// transports are available, not ${url.protocol}`,
      { code: 'EINVALID' },
    );
  }
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : undefined,
    secure: url.protocol === 'smtps:',
    auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined,
  };
}

/** A TCP connection to the SMTP server, opened only after the egress policy accepted every address of the host. */
function connectChecked(options: {
  host: string;
  port: number;
  guard: EgressGuard;
  sockets: Set<net.Socket>;
  signal: AbortSignal;
  /** nodemailer's connectionTimeout starts only once it has the socket, so connecting is bounded here. */
  timeoutMs: number;
}): Promise<net.Socket> {
  const { host, port, guard, sockets, signal, timeoutMs } = options;
  return guard.resolve(host, port).then(
    (addresses) =>
      new Promise<net.Socket>((resolve, reject) => {
        const socket = net.connect({ host: addresses[0].address, port, family: addresses[0].family });
        sockets.add(socket);
        socket.once('close', () => sockets.delete(socket));
        const onAbort = () => socket.destroy(new Error('the call was aborted'));
        signal.addEventListener('abort', onAbort, { once: true });
        const timer = setTimeout(
          () =>
            socket.destroy(
              Object.assign(new Error(`connecting to ${host}:${port} took longer than ${timeoutMs} ms`), {
                code: 'ETIMEDOUT',
              }),
            ),
          timeoutMs,
        );
        socket.once('close', () => clearTimeout(timer));
        socket.once('connect', () => {
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          socket.removeListener('error', reject);
          resolve(socket);
        });
        socket.once('error', reject);
      }),
  );
}

function mailError(error: unknown): Error {
  if (error instanceof EgressDeniedError) return new BridgeError('EgressError', error.message, { code: error.code });
  if (error instanceof BridgeError) return error;
  const known = error as {
    message?: unknown;
    code?: unknown;
    responseCode?: unknown;
    response?: unknown;
    command?: unknown;
  };
  const details: Record<string, unknown> = {};
  if (typeof known.code === 'string') details.code = known.code;
  if (typeof known.responseCode === 'number') details.responseCode = known.responseCode;
  if (typeof known.response === 'string') details.response = known.response;
  if (typeof known.command === 'string') details.command = known.command;
  return new BridgeError('MailError', typeof known.message === 'string' ? known.message : String(error), details);
}
