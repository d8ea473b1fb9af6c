import dns from 'node:dns';
import { parseConfig } from '../../common/config';
import { platformEndpoints } from '../../common/platformEndpoints';
import { EgressDeniedError, EgressGuard, internalAddressKind, validEgressPolicy } from '../../sandbox/egress';

describe('internalAddressKind', () => {
  test.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.4.4', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['169.254.169.254', 'cloud metadata'],
    ['169.254.10.10', 'link-local'],
    ['0.0.0.0', '"this network"'],
    ['224.0.0.1', 'multicast'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'link-local'],
    ['fd12:3456::1', 'unique-local'],
    ['fd00:ec2::254', 'cloud metadata'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:169.254.169.254', 'cloud metadata'],
    ['64:ff9b::a00:1', 'private'],
    ['2002:c0a8:0101::1', 'private'],
  ])('%s is %s', (address, kind) => {
    expect(internalAddressKind(address)).toBe(kind);
  });

  test.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '2606:4700:4700::1111', '64:ff9b::808:808'])(
    '%s is public',
    (address) => {
      expect(internalAddressKind(address)).toBeUndefined();
    },
  );
});

describe('EgressGuard', () => {
  test('refuses internal addresses by default, naming the kind and the setting that opens them', () => {
    const guard = new EgressGuard();
    expect(() => guard.checkAddress('10.1.2.3', '10.1.2.3')).toThrow(EgressDeniedError);
    expect(() => guard.checkAddress('169.254.169.254', '169.254.169.254')).toThrow(
      /cloud metadata.*NECTAR_EGRESS_ALLOW/,
    );
    expect(() => guard.checkAddress('8.8.8.8', '8.8.8.8')).not.toThrow();
  });

  test('opens addresses, CIDR ranges and host names from the allow-list, and nothing next to them', () => {
    const guard = new EgressGuard({ allow: ['127.0.0.1', '10.1.0.0/16', 'db.internal', '*.corp.example'] });
    expect(() => guard.checkAddress('127.0.0.1', '127.0.0.1')).not.toThrow();
    expect(() => guard.checkAddress('127.0.0.2', '127.0.0.2')).toThrow(/loopback/);
    expect(() => guard.checkAddress('10.1.200.3', '10.1.200.3')).not.toThrow();
    expect(() => guard.checkAddress('10.2.0.1', '10.2.0.1')).toThrow(/private/);
    expect(() => guard.checkAddress('db.internal', '10.9.9.9')).not.toThrow();
    expect(() => guard.checkAddress('mail.corp.example', '192.168.0.5')).not.toThrow();
    expect(() => guard.checkAddress('corp.example.evil', '192.168.0.5')).toThrow(
      /corp\.example\.evil \(192\.168\.0\.5\)/,
    );
  });

  test('rejects allow-list entries that are neither hosts, addresses nor ranges', () => {
    expect(() => new EgressGuard({ allow: ['10.0.0.0/33'] })).toThrow(/NECTAR_EGRESS_ALLOW.*prefix/);
    expect(() => new EgressGuard({ allow: ['http://example.com'] })).toThrow(/NECTAR_EGRESS_ALLOW/);
  });

  test('checks names after DNS resolution: localhost is refused, through resolve and through the lookup hook', async () => {
    const guard = new EgressGuard();
    await expect(guard.resolve('localhost')).rejects.toThrow(/localhost \(.*\) refused: loopback/);
    const looked = await new Promise<NodeJS.ErrnoException | null>((resolve) =>
      guard.lookup('localhost', { all: true }, (error) => resolve(error)),
    );
    expect(looked).toBeInstanceOf(EgressDeniedError);
  });

  test('the lookup hook answers in both of dns.lookup shapes when the address is allowed', async () => {
    const guard = new EgressGuard({ allow: ['127.0.0.0/8', '::1'] });
    const all = await new Promise<dns.LookupAddress[]>((resolve, reject) =>
      guard.lookup('localhost', { all: true }, (error, addresses) =>
        error ? reject(error) : resolve(addresses as dns.LookupAddress[]),
      ),
    );
    expect(all.length).toBeGreaterThan(0);
    const single = await new Promise<{ address: string; family?: number }>((resolve, reject) =>
      guard.lookup('localhost', {}, (error, address, family) =>
        error ? reject(error) : resolve({ address: address as string, family }),
      ),
    );
    expect(['127.0.0.1', '::1']).toContain(single.address);
  });
});

describe("the platform's own services", () => {
  test('are refused on their port even where the allow-list opens their address', async () => {
    const guard = new EgressGuard({
      allow: ['127.0.0.0/8'],
      platform: ['127.0.0.1:27217', 'localhost:3000', '0.0.0.0:7233'],
    });
    await expect(guard.resolve('127.0.0.1', 27217)).rejects.toThrow(
      /127\.0\.0\.1 port 27217 refused: it is one of the platform's own services/,
    );
    await expect(guard.resolve('127.0.0.1', 3000)).rejects.toThrow(EgressDeniedError);
    // Bound to 0.0.0.0: every loopback address reaches it.
    await expect(guard.resolve('127.0.0.9', 7233)).rejects.toThrow(/platform's own services/);
    await expect(guard.resolve('127.0.0.1', 8080)).resolves.toEqual([{ address: '127.0.0.1', family: 4 }]);
  });

  test('the lookup hook for a port refuses them at connect time', async () => {
    const guard = new EgressGuard({ allow: ['127.0.0.0/8', '::1'], platform: ['127.0.0.1:5555', '[::1]:5555'] });
    const refused = await new Promise<NodeJS.ErrnoException | null>((resolve) =>
      guard.lookupFor(5555)('localhost', { all: true }, (error) => resolve(error)),
    );
    expect(refused).toBeInstanceOf(EgressDeniedError);
    const allowed = await new Promise<NodeJS.ErrnoException | null>((resolve) =>
      guard.lookupFor(5556)('localhost', { all: true }, (error) => resolve(error)),
    );
    expect(allowed).toBeNull();
  });

  test('an endpoint that is not host:port is a configuration error', () => {
    expect(() => new EgressGuard({ allow: [], platform: ['mongodb://127.0.0.1'] })).toThrow(/not host:port/);
  });
});

test("the worker's platform endpoints: gateway, Temporal, its UI, the store, the uploads' S3 service", () => {
  const config = parseConfig({
    PORT: '3100',
    TEMPORAL_ADDRESS: 'temporal.internal:7233',
    NECTAR_MONGODB_URI: 'mongodb://store-a.internal,store-b.internal:27018/nectar?replicaSet=rs0',
    NECTAR_UPLOADS_S3_BUCKET: 'nectar-uploads',
    NECTAR_UPLOADS_S3_ENDPOINT: 'http://minio.internal',
  });
  const endpoints = platformEndpoints(config);
  expect(endpoints).toEqual(
    expect.arrayContaining([
      '127.0.0.1:3100',
      'temporal.internal:7233',
      '127.0.0.1:8233',
      'store-a.internal:27017',
      'store-b.internal:27018',
      'minio.internal:80',
    ]),
  );
  expect(() => validEgressPolicy({ allow: [], platform: endpoints })).not.toThrow();
  expect(
    platformEndpoints(parseConfig({ NECTAR_MONGODB_URI: 'mongodb+srv://cluster.example.net/nectar' })),
  ).not.toContainEqual(expect.stringContaining('cluster.example.net'));
});

describe('NECTAR_EGRESS_ALLOW', () => {
  test('is a comma-separated allow-list, empty by default', () => {
    expect(parseConfig({}).egress).toEqual({ allow: [] });
    expect(parseConfig({ NECTAR_EGRESS_ALLOW: '127.0.0.1, 10.0.0.0/8,*.corp.example' }).egress).toEqual({
      allow: ['127.0.0.1', '10.0.0.0/8', '*.corp.example'],
    });
  });

  test('a mistyped entry is reported when the policy is checked at worker start', () => {
    const egress = parseConfig({ NECTAR_EGRESS_ALLOW: '127.0.0.1,10.0.0.0/99' }).egress;
    expect(() => validEgressPolicy(egress)).toThrow(/"10\.0\.0\.0\/99" has an invalid prefix length/);
  });
});
