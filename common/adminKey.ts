import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** The admin key: NECTAR_API_KEY when set, otherwise one generated once and kept under the data dir. */
export function resolveAdminKey(
  configured: string | undefined,
  dataDir: string,
): { key: string; generated: boolean; file?: string } {
  if (configured) return { key: configured, generated: false };
  const file = path.join(dataDir, 'admin-key');
  if (fs.existsSync(file)) return { key: fs.readFileSync(file, 'utf8').trim(), generated: false, file };
  fs.mkdirSync(dataDir, { recursive: true });
  const key = `nk_${crypto.randomBytes(24).toString('base64url')}`;
  fs.writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return { key, generated: true, file };
}
