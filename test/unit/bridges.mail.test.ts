/** The in-isolate `nodemailer` against a real SMTP server (the smtp-server package) on 127.0.0.1. */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { runSnippet } from './bridges.harness';

interface Received {
  from: string;
  to: string[];
  raw: string;
  user?: string;
}

const OPEN_LOOPBACK = { allow: ['127.0.0.1'] };
const received: Received[] = [];
let server: SMTPServer;
let port: number;

beforeAll(async () => {
  server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authOptional: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === 'mailer@example.com' && auth.password === 'app-password')
        return callback(null, { user: auth.username });
      return callback(new Error('Invalid username or password'));
    },
    onRcptTo(address, _session, callback) {
      if (address.address.endsWith('@rejected.example')) return callback(new Error('mailbox unavailable'));
      return callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          user: session.user as string | undefined,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  port = (server.server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  received.length = 0;
});

test('createTransporter (the spec spelling) sends with auth and answers messageId, accepted and rejected', async () => {
  const outcome = await runSnippet(
    `const transporter = nodemailer.createTransporter({ host: '127.0.0.1', port: ${port}, secure: false,
       auth: { user: 'mailer@example.com', pass: 'app-password' } });
     const info = await transporter.sendMail({ from: 'mailer@example.com', to: ['ada@example.com', 'bob@rejected.example'],
       subject: 'Welcome to Our Platform!', html: '<h1>Welcome Ada!</h1>' });
     return info;`,
    { egress: OPEN_LOOPBACK },
  );
  expect(outcome).toMatchObject({
    ok: true,
    value: {
      messageId: expect.stringMatching(/^<.+@.+>$/),
      accepted: ['ada@example.com'],
      rejected: ['bob@rejected.example'],
    },
  });
  expect(received).toHaveLength(1);
  expect(received[0]).toMatchObject({
    from: 'mailer@example.com',
    to: ['ada@example.com'],
    user: 'mailer@example.com',
  });
  expect(received[0].raw).toContain('Subject: Welcome to Our Platform!');
  expect(received[0].raw).toContain('<h1>Welcome Ada!</h1>');
});

test('createTransport with an smtp:// URL, transport defaults, text and string attachments', async () => {
  const outcome = await runSnippet(
    `const transporter = nodemailer.createTransport('smtp://127.0.0.1:${port}', { from: 'Reports <reports@example.com>' });
     const info = await transporter.sendMail({ to: 'ops@example.com', subject: 'Daily', text: 'numbers attached',
       attachments: [{ filename: 'report.csv', content: 'a,b\\n1,2' }] });
     return info.accepted;`,
    { egress: OPEN_LOOPBACK },
  );
  expect(outcome).toEqual({ ok: true, value: ['ops@example.com'] });
  expect(received[0].from).toBe('reports@example.com');
  expect(received[0].raw).toContain('filename=report.csv');
});

test('wrong credentials reject with the server answer', async () => {
  const outcome = await runSnippet(
    `return nodemailer.createTransport({ host: '127.0.0.1', port: ${port}, auth: { user: 'mailer@example.com', pass: 'wrong' } })
       .sendMail({ from: 'mailer@example.com', to: 'x@example.com', text: 'hi' });`,
    { egress: OPEN_LOOPBACK },
  );
  expect(outcome).toMatchObject({ ok: false, error: { name: 'MailError', code: 'EAUTH' } });
  expect(received).toHaveLength(0);
});

test('content from host files or URLs is not available', async () => {
  for (const message of [
    "attachments: [{ path: '/etc/passwd' }]",
    "html: { path: '/etc/passwd' }",
    "attachments: [{ href: 'http://169.254.169.254/' }]",
  ]) {
    const outcome = await runSnippet(
      `return nodemailer.createTransport({ host: '127.0.0.1', port: ${port} }).sendMail({ from: 'a@example.com', to: 'b@example.com', ${message} });`,
      { egress: OPEN_LOOPBACK },
    );
    expect(outcome).toMatchObject({ ok: false, error: { name: 'MailError', code: 'EINVALID' } });
  }
  expect(received).toHaveLength(0);
});

test('without the allow-list the SMTP host is refused after resolution, whether given as an address or a name', async () => {
  for (const host of ['127.0.0.1', 'localhost', '10.0.0.25', '169.254.169.254']) {
    const outcome = await runSnippet(
      `return nodemailer.createTransport({ host: '${host}', port: ${port} }).sendMail({ from: 'a@example.com', to: 'b@example.com', text: 'x' });`,
      { egress: { allow: [] } },
    );
    expect(outcome).toMatchObject({
      ok: false,
      error: { name: 'EgressError', code: 'EGRESS_DENIED', message: expect.stringMatching(/NECTAR_EGRESS_ALLOW/) },
    });
  }
  expect(received).toHaveLength(0);
});

test("the spec's one-line sample runs as written: createTransporter() without options sends to localhost:587, which egress decides", async () => {
  const outcome = await runSnippet(
    `const transporter = nodemailer.createTransporter(/* config */);
     return transporter.sendMail({ from: 'a@example.com', to: 'b@example.com', text: 'x' });`,
    { egress: { allow: [] } },
  );
  expect(outcome).toMatchObject({
    ok: false,
    error: { name: 'EgressError', message: expect.stringMatching(/localhost .* port|localhost \(/) },
  });
});

test('verify checks the connection and the credentials', async () => {
  const outcome = await runSnippet(
    `return nodemailer.createTransport({ host: '127.0.0.1', port: ${port}, auth: { user: 'mailer@example.com', pass: 'app-password' } }).verify();`,
    { egress: OPEN_LOOPBACK },
  );
  expect(outcome).toEqual({ ok: true, value: true });
});

test('secure: true speaks TLS from the first byte (port 465 style, as service presets like gmail use) over the checked socket', async () => {
  // smtp-server's built-in self-signed certificate: the transport must be told to accept it.
  const tlsServer = new SMTPServer({
    secure: true,
    authOptional: true,
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push({
          from: '',
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          user: session.secure ? 'tls' : 'plain',
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', () => resolve()));
  try {
    const tlsPort = (tlsServer.server.address() as AddressInfo).port;
    const outcome = await runSnippet(
      `return (await nodemailer.createTransport({ host: '127.0.0.1', port: ${tlsPort}, secure: true, tls: { rejectUnauthorized: false } })
         .sendMail({ from: 'a@example.com', to: 'tls@example.com', subject: 'over TLS', text: 'sealed' })).accepted;`,
      { egress: OPEN_LOOPBACK },
    );
    expect(outcome).toEqual({ ok: true, value: ['tls@example.com'] });
    expect(received).toMatchObject([{ to: ['tls@example.com'], user: 'tls' }]);
  } finally {
    await new Promise<void>((resolve) => tlsServer.close(() => resolve()));
  }
});
