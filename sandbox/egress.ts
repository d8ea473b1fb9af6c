/**
 * Where function code may connect to. Every bridge (HTTP, SMTP, MongoDB) asks this module before it opens a
 * connection, with the address DNS actually answered, so a name that resolves to an internal address is refused
 * just like the address itself. By default the public internet is open and everything a server can reach only
 * because it sits inside a network is closed: loopback, private, carrier-grade NAT, link-local (which holds the
 * cloud metadata services), unique-local, multicast and reserved ranges. A deployment opens what it needs with an
 * allow-list of host names (`db.internal`, `*.corp.example`), addresses (`127.0.0.1`) and CIDRs (`10.1.0.0/16`).
 */
import dns from 'node:dns';
import net from 'node:net';
import os from 'node:os';
import type { EgressPolicy } from './contract';

export const DEFAULT_EGRESS_POLICY: EgressPolicy = { allow: [] };

/** The setting an operator changes to open a destination; named in every refusal so the fix is obvious. */
export const EGRESS_ALLOW_SETTING = 'NECTAR_EGRESS_ALLOW';

export class EgressDeniedError extends Error {
  override name = 'EgressError';
  readonly code = 'EGRESS_DENIED';
}

type Family = 'ipv4' | 'ipv6';

/** Most specific first: the first range that contains an address names why it is refused. */
const DENIED_RANGES: ReadonlyArray<{ network: string; prefix: number; family: Family; label: string }> = [
  { network: '169.254.169.254', prefix: 32, family: 'ipv4', label: 'cloud metadata' },
  { network: '100.100.100.200', prefix: 32, family: 'ipv4', label: 'cloud metadata' },
  { network: '0.0.0.0', prefix: 8, family: 'ipv4', label: '"this network"' },
  { network: '10.0.0.0', prefix: 8, family: 'ipv4', label: 'private' },
  { network: '100.64.0.0', prefix: 10, family: 'ipv4', label: 'carrier-grade NAT' },
  { network: '127.0.0.0', prefix: 8, family: 'ipv4', label: 'loopback' },
  { network: '169.254.0.0', prefix: 16, family: 'ipv4', label: 'link-local' },
  { network: '172.16.0.0', prefix: 12, family: 'ipv4', label: 'private' },
  { network: '192.0.0.0', prefix: 24, family: 'ipv4', label: 'reserved' },
  { network: '192.0.2.0', prefix: 24, family: 'ipv4', label: 'documentation' },
  { network: '192.168.0.0', prefix: 16, family: 'ipv4', label: 'private' },
  { network: '198.18.0.0', prefix: 15, family: 'ipv4', label: 'benchmarking' },
  { network: '198.51.100.0', prefix: 24, family: 'ipv4', label: 'documentation' },
  { network: '203.0.113.0', prefix: 24, family: 'ipv4', label: 'documentation' },
  { network: '224.0.0.0', prefix: 4, family: 'ipv4', label: 'multicast' },
  { network: '240.0.0.0', prefix: 4, family: 'ipv4', label: 'reserved' },
  { network: 'fd00:ec2::254', prefix: 128, family: 'ipv6', label: 'cloud metadata' },
  { network: '::', prefix: 128, family: 'ipv6', label: 'unspecified' },
  { network: '::1', prefix: 128, family: 'ipv6', label: 'loopback' },
  { network: '100::', prefix: 64, family: 'ipv6', label: 'discard-only' },
  { network: '2001::', prefix: 32, family: 'ipv6', label: 'Teredo tunnelling' },
  { network: '2001:db8::', prefix: 32, family: 'ipv6', label: 'documentation' },
  { network: 'fc00::', prefix: 7, family: 'ipv6', label: 'unique-local' },
  { network: 'fe80::', prefix: 10, family: 'ipv6', label: 'link-local' },
  { network: 'fec0::', prefix: 10, family: 'ipv6', label: 'site-local' },
  { network: 'ff00::', prefix: 8, family: 'ipv6', label: 'multicast' },
];

const DENIED = DENIED_RANGES.map((range) => {
  const list = new net.BlockList();
  list.addSubnet(range.network, range.prefix, range.family);
  return { list, label: range.label };
});

/** IPv6 prefixes that carry an IPv4 address inside them (NAT64 in the last 32 bits, 6to4 in bits 16–48). */
const NAT64 = blockOf('64:ff9b::', 96, 'ipv6');
const LOCAL_NAT64 = blockOf('64:ff9b:1::', 48, 'ipv6');
const SIX_TO_FOUR = blockOf('2002::', 16, 'ipv6');

function blockOf(network: string, prefix: number, family: Family): net.BlockList {
  const list = new net.BlockList();
  list.addSubnet(network, prefix, family);
  return list;
}

function familyOf(address: string): Family | undefined {
  const version = net.isIP(address);
  return version === 4 ? 'ipv4' : version === 6 ? 'ipv6' : undefined;
}

/** The eight 16-bit groups of an IPv6 address (with or without `::` and a dotted IPv4 tail). */
function ipv6Groups(address: string): number[] {
  let text = address.split('%')[0];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1].split('.').map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const parse = (part: string | undefined) => (part ? part.split(':').map((group) => parseInt(group, 16)) : []);
  const headGroups = parse(head);
  const tailGroups = parse(tail);
  const zeros = tail === undefined ? [] : new Array<number>(8 - headGroups.length - tailGroups.length).fill(0);
  return [...headGroups, ...zeros, ...tailGroups];
}

function ipv4FromGroups(high: number, low: number): string {
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

/** The IPv4 address a translated IPv6 address stands for, when it is one. */
function embeddedIpv4(address: string): string | undefined {
  if (NAT64.check(address, 'ipv6') || LOCAL_NAT64.check(address, 'ipv6')) {
    const groups = ipv6Groups(address);
    return ipv4FromGroups(groups[6], groups[7]);
  }
  if (SIX_TO_FOUR.check(address, 'ipv6')) {
    const groups = ipv6Groups(address);
    return ipv4FromGroups(groups[1], groups[2]);
  }
  return undefined;
}

/** Why an address is internal ("loopback", "private", …), or undefined for a public address. */
export function internalAddressKind(address: string): string | undefined {
  const family = familyOf(address);
  if (!family) return 'not an IP address';
  for (const { list, label } of DENIED) {
    if (list.check(address, family)) return label;
  }
  const inner = family === 'ipv6' ? embeddedIpv4(address) : undefined;
  return inner ? internalAddressKind(inner) : undefined;
}

interface CompiledAllowList {
  hosts: Set<string>;
  domainSuffixes: string[];
  addresses: net.BlockList;
}

const HOST_NAME = /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/;

function compileAllowList(entries: readonly string[]): CompiledAllowList {
  const compiled: CompiledAllowList = { hosts: new Set(), domainSuffixes: [], addresses: new net.BlockList() };
  for (const raw of entries) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    const [network, prefixText, extra] = entry.split('/');
    const family = familyOf(network);
    if (family && extra === undefined) {
      const maxPrefix = family === 'ipv4' ? 32 : 128;
      const prefix = prefixText === undefined ? maxPrefix : Number(prefixText);
      if (
        !Number.isInteger(prefix) ||
        prefix < 0 ||
        prefix > maxPrefix ||
        (prefixText !== undefined && !/^\d+$/.test(prefixText))
      ) {
        throw new Error(`${EGRESS_ALLOW_SETTING}: "${raw}" has an invalid prefix length`);
      }
      compiled.addresses.addSubnet(network, prefix, family);
    } else if (entry.startsWith('*.') && HOST_NAME.test(entry.slice(2))) {
      compiled.domainSuffixes.push(entry.slice(1));
    } else if (HOST_NAME.test(entry)) {
      compiled.hosts.add(entry.replace(/\.$/, ''));
    } else {
      throw new Error(`${EGRESS_ALLOW_SETTING}: "${raw}" is not a host name, *.domain, IP address or CIDR range`);
    }
  }
  return compiled;
}

/** Answers the policy unchanged once every allow-list entry parses; throws naming the first bad entry. */
export function validEgressPolicy(policy: EgressPolicy): EgressPolicy {
  compileAllowList(policy.allow);
  return policy;
}

/** `host:port` → its parts; `[v6]:port` too. */
function parseEndpoint(endpoint: string): { host: string; port: number } {
  const match = /^\[?([^\]]*?)\]?:(\d{1,5})$/.exec(endpoint.trim());
  const port = match ? Number(match[2]) : NaN;
  if (!match || !match[1] || port < 1 || port > 65535)
    throw new Error(`platform endpoint "${endpoint}" is not host:port`);
  return { host: match[1].toLowerCase(), port };
}

/** The addresses a platform service can be reached at: a service bound to 0.0.0.0 or :: answers on every local address. */
async function endpointAddresses(host: string, list: net.BlockList): Promise<void> {
  if (host === '0.0.0.0' || host === '::') {
    list.addSubnet('127.0.0.0', 8, 'ipv4');
    list.addAddress('::1', 'ipv6');
    list.addAddress(host === '::' ? '::' : '0.0.0.0', host === '::' ? 'ipv6' : 'ipv4');
    for (const entries of Object.values(os.networkInterfaces())) {
      for (const entry of entries ?? [])
        list.addAddress(entry.address.split('%')[0], entry.family === 'IPv6' ? 'ipv6' : 'ipv4');
    }
    return;
  }
  const family = familyOf(host);
  const addresses = family ? [{ address: host }] : await dns.promises.lookup(host, { all: true }).catch(() => []);
  for (const { address } of addresses) list.addAddress(address, familyOf(address) ?? 'ipv4');
}

export type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | dns.LookupAddress[],
  family?: number,
) => void;

/** Checks destinations against one policy; built once per execution (or per worker) and shared by the bridges. */
export class EgressGuard {
  private readonly allowed: CompiledAllowList;
  private readonly platform: Array<{ host: string; port: number }>;
  private platformByPort?: Promise<Map<number, net.BlockList>>;

  constructor(policy: EgressPolicy = DEFAULT_EGRESS_POLICY) {
    this.allowed = compileAllowList(policy.allow);
    this.platform = (policy.platform ?? []).map(parseEndpoint);
  }

  /** Resolved once per guard, on first use: the addresses of each platform port. */
  private platformAddresses(): Promise<Map<number, net.BlockList>> {
    this.platformByPort ??= (async () => {
      const byPort = new Map<number, net.BlockList>();
      for (const { host, port } of this.platform) {
        const list = byPort.get(port) ?? new net.BlockList();
        byPort.set(port, list);
        await endpointAddresses(host, list);
      }
      return byPort;
    })();
    return this.platformByPort;
  }

  /** Throws EgressDeniedError when `address:port` is one of the platform's own services, whatever the allow-list says. */
  async checkPlatform(host: string, address: string, port: number): Promise<void> {
    if (this.platform.length === 0) return;
    const list = (await this.platformAddresses()).get(port);
    const family = familyOf(address);
    if (!list || !family || !list.check(address, family)) return;
    const shown = host === address ? address : `${host} (${address})`;
    throw new EgressDeniedError(
      `connection to ${shown} port ${port} refused: it is one of the platform's own services, closed to function code`,
    );
  }

  /** True when the operator opened this host by name, whatever it resolves to. */
  isHostAllowed(host: string): boolean {
    const name = host.toLowerCase().replace(/\.$/, '');
    return this.allowed.hosts.has(name) || this.allowed.domainSuffixes.some((suffix) => name.endsWith(suffix));
  }

  /** Throws EgressDeniedError when `address` (which `host` resolved to) is internal and not opened by the allow-list. */
  checkAddress(host: string, address: string): void {
    if (this.isHostAllowed(host)) return;
    const family = familyOf(address);
    if (family && this.allowed.addresses.check(address, family)) return;
    const kind = internalAddressKind(address);
    if (kind === undefined) return;
    const shown = host === address ? address : `${host} (${address})`;
    throw new EgressDeniedError(
      `connection to ${shown} refused: ${kind} addresses are closed to function code; an operator can open it with ${EGRESS_ALLOW_SETTING}`,
    );
  }

  /** Resolves a host and checks every address it has (and, given the port, the platform's services); IP literals as they are. */
  async resolve(host: string, port?: number): Promise<dns.LookupAddress[]> {
    const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
    const version = net.isIP(bare);
    const addresses = version
      ? [{ address: bare, family: version }]
      : await dns.promises.lookup(bare, { all: true, verbatim: true });
    for (const { address } of addresses) this.checkAddress(bare, address);
    if (port !== undefined) for (const { address } of addresses) await this.checkPlatform(bare, address, port);
    return addresses;
  }

  /** `lookup` for connections to one port, so the platform's services are refused at the moment of connecting too. */
  lookupFor(port: number): typeof this.lookup {
    return (hostname, options, callback) => this.answerLookup(hostname, port, options, callback);
  }

  /**
   * A drop-in for `dns.lookup` (net, http, tls, the MongoDB driver): every connection to a name is checked at the
   * moment it is made, so redirects, reconnects and DNS answers that change between calls are all covered.
   */
  readonly lookup = (
    hostname: string,
    options: dns.LookupOptions | number | LookupCallback,
    callback?: LookupCallback,
  ): void => this.answerLookup(hostname, undefined, options, callback);

  private answerLookup(
    hostname: string,
    port: number | undefined,
    options: dns.LookupOptions | number | LookupCallback,
    callback?: LookupCallback,
  ): void {
    const done = (typeof options === 'function' ? options : callback) as LookupCallback;
    const wantsAll = typeof options === 'object' && options !== null && options.all === true;
    const family =
      typeof options === 'number'
        ? options
        : typeof options === 'object' && options !== null
          ? Number(options.family ?? 0)
          : 0;
    this.resolve(hostname, port).then(
      (resolved) => {
        const matching = family === 4 || family === 6 ? resolved.filter((entry) => entry.family === family) : resolved;
        const addresses = matching.length > 0 ? matching : resolved;
        if (wantsAll) done(null, addresses);
        else done(null, addresses[0].address, addresses[0].family);
      },
      (error: NodeJS.ErrnoException) => done(error, wantsAll ? [] : ''),
    );
  }
}
