/**
 * The IANA time zone data moment-timezone needs, served one zone at a time. Adding the whole database to every
 * isolate costs more than the rest of moment put together, and a function rarely uses more than one
 * or two zones, so the isolate asks for a zone the first time it is named (see `installLazyZones`).
 */
import fs from 'node:fs';
import momentTimezone from 'moment-timezone';

/** moment-timezone's packed data format: `Name|abbrs|offsets|indices|untils|population`, links as `Zone|Alias`. */
export interface PackedZoneData {
  version: string;
  zones: string[];
  links: string[];
  countries: string[];
}

/** moment-timezone's own key for a name: case-insensitive, `/` and `_` equivalent. */
export function normalizeZoneName(name: string): string {
  return name.toLowerCase().replace(/\//g, '_');
}

let loaded: { all: PackedZoneData; byName: Map<string, { zones: string[]; links: string[] }> } | undefined;

function zoneDatabase(): NonNullable<typeof loaded> {
  if (loaded) return loaded;
  const all = JSON.parse(
    fs.readFileSync(require.resolve('moment-timezone/data/packed/latest.json'), 'utf8'),
  ) as PackedZoneData;
  const byName = new Map<string, { zones: string[]; links: string[] }>();
  const packedByName = new Map<string, string>();
  for (const packed of all.zones) {
    const name = normalizeZoneName(packed.slice(0, packed.indexOf('|')));
    packedByName.set(name, packed);
    byName.set(name, { zones: [packed], links: [] });
  }
  for (const link of all.links) {
    const [first, second] = link.split('|').map(normalizeZoneName);
    // Either side may be the zone that carries the data; the other is an alias of it.
    for (const [alias, target] of [
      [second, first],
      [first, second],
    ]) {
      const packed = packedByName.get(target);
      if (packed && !byName.has(alias)) byName.set(alias, { zones: [packed], links: [link] });
    }
  }
  loaded = { all, byName };
  return loaded;
}

export function zoneDataVersion(): string {
  return zoneDatabase().all.version;
}

/** The packed data for one zone or alias (empty when the name is unknown), or, for `null`, the whole database. */
export function zoneDataFor(name: string | null): PackedZoneData {
  const database = zoneDatabase();
  if (name === null) return database.all;
  const entry = database.byName.get(normalizeZoneName(name));
  return { version: database.all.version, zones: entry?.zones ?? [], links: entry?.links ?? [], countries: [] };
}

export function isKnownZone(name: string): boolean {
  return zoneDatabase().byName.has(normalizeZoneName(name));
}

/**
 * One zone as moment-timezone holds it once unpacked, plus the head of its packed form (`name|abbrs|offsets`, which
 * moment-timezone reads when a zone is added). Unpacking a zone with a long history (America/New_York: ~1,100
 * transitions) takes 10–20 ms in a fresh isolate; here it is done once per process, by the library's own `unpack`.
 */
export interface UnpackedZone {
  head: string;
  unpacked: { name: string; abbrs: string[]; offsets: number[]; untils: number[]; population: number };
}

export interface ZoneFetch {
  zones: UnpackedZone[];
  links: string[];
}

const unpackedZones = new Map<string, UnpackedZone>();

function unpackedZone(packed: string): UnpackedZone {
  const cached = unpackedZones.get(packed);
  if (cached) return cached;
  const unpacked = momentTimezone.tz.unpack(packed);
  const zone: UnpackedZone = {
    head: packed.split('|').slice(0, 3).join('|'),
    unpacked: {
      name: unpacked.name,
      abbrs: unpacked.abbrs,
      offsets: unpacked.offsets,
      untils: unpacked.untils,
      population: unpacked.population ?? 0,
    },
  };
  unpackedZones.set(packed, zone);
  return zone;
}

/** The unpacked data for one zone or alias; empty when the name is unknown. */
export function unpackedZoneDataFor(name: string): ZoneFetch {
  const { zones, links } = zoneDataFor(name);
  return { zones: zones.map(unpackedZone), links };
}
