/**
 * In-isolate code (evaluated from its source text: self-contained, V8 built-ins only). The global `nodemailer`:
 * `createTransport(options, defaults?)` — also spelled `createTransporter`, as the product spec writes it — gives a
 * transporter whose `sendMail` and `verify` are carried out by the host (`mail.send`, `mail.verify`). The transporter
 * only holds the options; each message is sent on its own connection.
 */
import type { HostCaller } from './hostCaller';

export function installNodemailerShim(callHost: HostCaller): void {
  const assign = Object.assign;
  const freeze = Object.freeze;
  const parse = JSON.parse;
  const stringify = JSON.stringify;

  const createTransport = (transport: unknown, defaults?: Record<string, unknown>) => {
    // Copied now, as the real library does: later changes to the caller's object do not change the transporter.
    // Without options nodemailer means SMTP on localhost:587, which the egress policy decides about at send time.
    const options: unknown = transport === undefined || transport === null ? {} : parse(stringify(transport));
    const messageDefaults: Record<string, unknown> = defaults ? parse(stringify(defaults)) : {};
    const withCallback = <T>(
      promise: Promise<T>,
      callback?: (error: unknown, value?: T) => void,
    ): Promise<T> | undefined => {
      if (typeof callback !== 'function') return promise;
      promise.then(
        (value) => callback(null, value),
        (error) => callback(error),
      );
      return undefined;
    };
    return freeze({
      sendMail(message: Record<string, unknown>, callback?: (error: unknown, info?: unknown) => void) {
        const merged = assign({}, messageDefaults, message ?? {});
        return withCallback(callHost('mail.send', { transport: options, message: merged }), callback);
      },
      verify(callback?: (error: unknown, ok?: unknown) => void) {
        return withCallback(callHost('mail.verify', { transport: options }), callback);
      },
      close() {
        // Nothing to release: every message used its own connection, closed by the host.
      },
    });
  };

  const nodemailer = freeze({ createTransport, createTransporter: createTransport });
  Object.defineProperty(globalThis, 'nodemailer', {
    value: nodemailer,
    writable: true,
    configurable: true,
    enumerable: false,
  });
}
