/**
 * Which preloaded libraries an execution needs, and their code. A library costs milliseconds of CPU in every
 * isolate it is loaded into, so only what the code references is loaded: `moment` (with moment-timezone) when the
 * code names `moment`; for crypto-js only the modules behind the members it reads (`crypto.SHA256` → core and
 * sha256), or the whole bundle when it uses `crypto`/`CryptoJS` any other way.
 */
import fs from 'node:fs';
import type { GlobalUse } from '../flow/code';
import { isKnownZone } from './zoneData';

export interface LibraryScript {
  /** Stable id: the cache key for the compiled code. */
  id: string;
  filename: string;
  source: string;
}

export interface LibraryPlan {
  moment: boolean;
  /** Time zones the code names in string literals: fetched and unpacked while the isolate waits in the pool. */
  zones: string[];
  /** crypto-js modules in load order; `['crypto-js']` is the whole bundle. Empty: crypto-js is not loaded. */
  crypto: string[];
}

export const NO_LIBRARIES: LibraryPlan = { moment: false, zones: [], crypto: [] };

const WHOLE_CRYPTO_BUNDLE = 'crypto-js';

/** crypto-js members and the modules that define them (the index lists modules in a valid load order). */
const CRYPTO_MEMBER_MODULES: Record<string, string[]> = {
  MD5: ['md5'],
  HmacMD5: ['md5', 'hmac'],
  SHA1: ['sha1'],
  HmacSHA1: ['sha1', 'hmac'],
  SHA256: ['sha256'],
  HmacSHA256: ['sha256', 'hmac'],
  SHA224: ['sha224'],
  HmacSHA224: ['sha224', 'hmac'],
  SHA512: ['sha512'],
  HmacSHA512: ['sha512', 'hmac'],
  SHA384: ['sha384'],
  HmacSHA384: ['sha384', 'hmac'],
  SHA3: ['sha3'],
  HmacSHA3: ['sha3', 'hmac'],
  RIPEMD160: ['ripemd160'],
  HmacRIPEMD160: ['ripemd160', 'hmac'],
  PBKDF2: ['pbkdf2'],
  EvpKDF: ['evpkdf'],
  AES: ['aes'],
  DES: ['tripledes'],
  TripleDES: ['tripledes'],
  RC4: ['rc4'],
  RC4Drop: ['rc4'],
  Rabbit: ['rabbit'],
  RabbitLegacy: ['rabbit-legacy'],
  Blowfish: ['blowfish'],
  enc: ['enc-utf16', 'enc-base64', 'enc-base64url'],
  mode: ['mode-cfb', 'mode-ctr', 'mode-ctr-gladman', 'mode-ofb', 'mode-ecb'],
  pad: ['pad-ansix923', 'pad-iso10126', 'pad-iso97971', 'pad-zeropadding', 'pad-nopadding'],
  format: ['cipher-core', 'format-hex'],
  kdf: ['evpkdf'],
  lib: ['lib-typedarrays', 'cipher-core'],
  x64: ['x64-core'],
};

function readModuleFile(specifier: string): string {
  return fs.readFileSync(require.resolve(specifier), 'utf8');
}

const REQUIRE_PATTERN = /require\("\.\/([\w-]+)"\)/g;

let cryptoGraph: { order: string[]; dependencies: Map<string, string[]> } | undefined;

/** crypto-js's own module graph, read from its files (each names its dependencies in its CommonJS header). */
function cryptoModuleGraph(): NonNullable<typeof cryptoGraph> {
  if (cryptoGraph) return cryptoGraph;
  const order = [...readModuleFile('crypto-js/index.js').matchAll(REQUIRE_PATTERN)].map((match) => match[1]);
  const dependencies = new Map<string, string[]>();
  for (const name of order) {
    const header =
      readModuleFile(`crypto-js/${name}.js`)
        .split('\n')
        .find((line) => line.includes('module.exports')) ?? '';
    dependencies.set(
      name,
      [...header.matchAll(REQUIRE_PATTERN)].map((match) => match[1]),
    );
  }
  cryptoGraph = { order, dependencies };
  return cryptoGraph;
}

function cryptoModulesFor(use: GlobalUse | undefined): string[] {
  if (!use) return [];
  if (use.whole || use.members.some((member) => !Object.prototype.hasOwnProperty.call(CRYPTO_MEMBER_MODULES, member))) {
    return [WHOLE_CRYPTO_BUNDLE];
  }
  const graph = cryptoModuleGraph();
  const needed = new Set<string>();
  const add = (name: string): void => {
    if (needed.has(name)) return;
    needed.add(name);
    for (const dependency of graph.dependencies.get(name) ?? []) add(dependency);
  };
  add('core');
  for (const member of use.members) for (const name of CRYPTO_MEMBER_MODULES[member]) add(name);
  return graph.order.filter((name) => needed.has(name));
}

function mergeUses(a: GlobalUse | undefined, b: GlobalUse | undefined): GlobalUse | undefined {
  if (!a || !b) return a ?? b;
  return { whole: a.whole || b.whole, members: [...new Set([...a.members, ...b.members])] };
}

const MAX_PRELOADED_ZONES = 3;

/** The libraries code needs, from the globals and string literals it uses (see `analyzeCode`). */
export function planLibraries({
  globals,
  strings,
}: {
  globals: Record<string, GlobalUse>;
  strings: string[];
}): LibraryPlan {
  const has = (name: string) => Object.prototype.hasOwnProperty.call(globals, name);
  const moment = has('moment');
  return {
    moment,
    zones: moment
      ? strings.filter((value) => value.includes('/') && isKnownZone(value)).slice(0, MAX_PRELOADED_ZONES)
      : [],
    crypto: cryptoModulesFor(
      mergeUses(has('crypto') ? globals.crypto : undefined, has('CryptoJS') ? globals.CryptoJS : undefined),
    ),
  };
}

export function planKey(plan: LibraryPlan): string {
  return [plan.moment ? 'moment' : '', plan.zones.join(','), plan.crypto.join(',')].join('|');
}

const scriptCache = new Map<string, LibraryScript>();

function libraryScript(id: string, specifier: string): LibraryScript {
  let script = scriptCache.get(id);
  if (!script) {
    script = { id, filename: `nectar-library:${id}.js`, source: readModuleFile(specifier) };
    scriptCache.set(id, script);
  }
  return script;
}

export function momentScripts(): LibraryScript[] {
  return [
    libraryScript('moment', 'moment/min/moment.min.js'),
    libraryScript('moment-timezone', 'moment-timezone/builds/moment-timezone.min.js'),
  ];
}

export function cryptoScripts(modules: string[]): LibraryScript[] {
  return modules.map((name) =>
    name === WHOLE_CRYPTO_BUNDLE
      ? libraryScript(name, 'crypto-js/crypto-js.js')
      : libraryScript(`crypto-js/${name}`, `crypto-js/${name}.js`),
  );
}

/** Every crypto-js module one by one, in load order, and the bundle: what the code cache is built for. */
export function allCryptoModuleLists(): string[][] {
  return [cryptoModuleGraph().order, [WHOLE_CRYPTO_BUNDLE]];
}
