/**
 * In-isolate code that fits the preloaded libraries to the isolate. Each function is evaluated from its source text
 * (`fn.toString()`), so each is self-contained: no imports, no module scope, V8 built-ins only.
 */

/**
 * crypto-js takes its secure random source (for salts and `WordArray.random`) from `globalThis.crypto` when its core
 * loads. An isolate has none, so lend it one backed by the host's CSPRNG; `exposeCryptoJs` then puts crypto-js itself
 * under that name, as the product promises.
 */
export function installRandomSource(randomWords: (count: number) => number[]): void {
  const getRandomValues = <T extends ArrayBufferView>(array: T): T => {
    const view = array as unknown as { length: number; BYTES_PER_ELEMENT: number; [index: number]: number };
    const words = randomWords(view.length);
    const bits = view.BYTES_PER_ELEMENT * 8;
    for (let index = 0; index < view.length; index += 1)
      view[index] = bits >= 32 ? words[index] : words[index] % 2 ** bits;
    return array;
  };
  Object.defineProperty(globalThis, 'crypto', { value: { getRandomValues }, writable: true, configurable: true });
}

export function exposeCryptoJs(): void {
  const cryptoJs = (globalThis as Record<string, unknown>).CryptoJS;
  Object.defineProperty(globalThis, 'crypto', {
    value: cryptoJs,
    writable: true,
    configurable: true,
    enumerable: false,
  });
}

interface PackedZoneData {
  version: string;
  zones: string[];
  links: string[];
  countries: string[];
}

interface ZoneFetch {
  zones: { head: string; unpacked: Record<string, unknown> }[];
  links: string[];
}

/**
 * Makes moment-timezone fetch zone data from the host the first time a zone is named, instead of holding the whole
 * database. Every public entry point that takes a zone name is wrapped to fetch it first; those that need every
 * zone (`names`, `guess`, `countries`, `zonesForCountry`) fetch the whole database once. Internally moment-timezone
 * only looks zones up from these entry points, so it behaves as if all the data were loaded.
 *
 * A fetched zone arrives already unpacked (by the library's own `unpack`, on the host): it is added as a ready
 * `Zone`, which moment-timezone returns as is. `add` reads `split('|')` from what it is given for the zone's name
 * and offsets, so the zone answers that with the head of its packed form (a hidden, non-enumerable method).
 */
export function installLazyZones(
  fetchZone: (name: string) => ZoneFetch,
  fetchEverything: () => string,
  dataVersion: string,
): void {
  type ZoneObject = { _set(unpacked: unknown): void };
  type Tz = ((...args: unknown[]) => unknown) &
    Record<string, (...args: unknown[]) => unknown> & { dataVersion: string; Zone: new () => ZoneObject };
  const moment = (globalThis as Record<string, unknown>).moment as {
    tz: Tz;
    fn: Record<string, (...args: unknown[]) => unknown>;
  };
  const tz = moment.tz;
  const parse = JSON.parse;
  const fetched = new Set<string>();
  let fetchedEverything = false;

  const add = (data: ZoneFetch): void => {
    const zones = data.zones.map(({ head, unpacked }) => {
      const zone = new tz.Zone();
      zone._set(unpacked);
      Object.defineProperty(zone, 'split', { value: (separator: string) => head.split(separator), enumerable: false });
      return zone;
    });
    if (zones.length > 0) tz.add(zones);
    if (data.links.length > 0) tz.link(data.links);
  };
  const ensureZone = (name: unknown): void => {
    if (fetchedEverything || typeof name !== 'string') return;
    const key = name.toLowerCase().replace(/\//g, '_');
    if (fetched.has(key)) return;
    fetched.add(key);
    add(fetchZone(name));
  };
  const ensureEverything = (): void => {
    if (fetchedEverything) return;
    fetchedEverything = true;
    const all = parse(fetchEverything()) as PackedZoneData;
    // Zones already added stay as they are (unpacked); the rest are added packed, unpacked on first use.
    all.zones = all.zones.filter(
      (packed) => !fetched.has(packed.slice(0, packed.indexOf('|')).toLowerCase().replace(/\//g, '_')),
    );
    tz.load(all);
  };
  const wrap = (
    target: Record<string, (...args: unknown[]) => unknown>,
    method: string,
    before: (args: unknown[]) => void,
  ): void => {
    const original = target[method];
    target[method] = function (this: unknown, ...args: unknown[]) {
      before(args);
      return original.apply(this, args);
    };
  };

  wrap(tz, 'zone', (args) => ensureZone(args[0]));
  wrap(tz, 'zoneExists', (args) => ensureZone(args[0]));
  wrap(tz, 'setDefault', (args) => ensureZone(args[0]));
  for (const method of ['names', 'guess', 'countries', 'zonesForCountry']) wrap(tz, method, ensureEverything);
  wrap(moment.fn, 'tz', (args) => ensureZone(args[0]));
  tz.dataVersion = dataVersion;
  // `moment.tz(…, zoneName)`: the zone is the last argument. A proxy keeps every property of the real `tz`
  // (settings such as `moveAmbiguousForward` are read from it internally).
  moment.tz = new Proxy(tz, {
    apply(target, thisArg, args: unknown[]) {
      ensureZone(args[args.length - 1]);
      return Reflect.apply(target, thisArg, args);
    },
  });
}

/** Looks zones up once, so their data is fetched and unpacked before the user's code asks for them. */
export function preloadZones(names: string[]): void {
  const tz = ((globalThis as Record<string, unknown>).moment as { tz: { zone: (name: string) => unknown } }).tz;
  for (const name of names) tz.zone(name);
}

/**
 * Used once per process, in a throw-away isolate, before the library code caches are made: running the common
 * paths compiles their functions, so the cached code covers them and every later isolate skips that work.
 */
export function warmUpLibraries(): void {
  const realm = globalThis as Record<string, unknown>;
  type Chain = { [method: string]: (...args: unknown[]) => Chain };
  const moment = realm.moment as ((...args: unknown[]) => Chain) & { tz?: (...args: unknown[]) => Chain };
  if (typeof moment === 'function') {
    const now = moment();
    now.format();
    now.format('MMMM Do, YYYY');
    moment('2024-03-10T12:00:00Z').toISOString();
    moment().add(1, 'day').diff(moment(), 'hours');
    if (moment.tz) {
      moment.tz('2024-07-01 12:00', 'America/New_York').format();
      moment().tz('Europe/London').format('YYYY-MM-DD HH:mm Z');
    }
  }
  const cryptoJs = realm.CryptoJS as Record<
    string,
    ((...args: unknown[]) => { toString: (encoder?: unknown) => string }) | undefined
  > & {
    enc?: Record<string, unknown>;
    AES?: {
      encrypt: (...args: unknown[]) => { toString: () => string };
      decrypt: (...args: unknown[]) => { toString: (encoder: unknown) => string };
    };
  };
  if (cryptoJs) {
    for (const hasher of ['SHA256', 'SHA1', 'MD5', 'SHA512']) cryptoJs[hasher]?.('nectar').toString();
    for (const hmac of ['HmacSHA256', 'HmacSHA1']) cryptoJs[hmac]?.('nectar', 'key').toString();
    if (cryptoJs.AES && cryptoJs.enc) {
      const sealed = cryptoJs.AES.encrypt('nectar', 'passphrase').toString();
      cryptoJs.AES.decrypt(sealed, 'passphrase').toString(cryptoJs.enc.Utf8);
    }
  }
}
