/**
 * The IANA time zone data moment-timezone needs, served one zone at a time. Adding the whole database to every
 * isolate costs more than the rest of moment put together (FIELD-NOTES), and a function rarely uses more than one
 * or two zones, so the isolate asks for a zone the first time it is named (see `installLazyZones`).
 */
import fs from 'node:fs';

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
  const all = JSON.parse(fs.readFileSync(require.resolve('moment-timezone/data/packed/latest.json'), 'utf8')) as PackedZoneData;
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
