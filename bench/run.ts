/**
 * `npm run bench`: runs every benchmark module in this folder (files named `*.bench.ts`, each exporting
 * `run(): Promise<void>` that prints its figures and ratios against a baseline measured in the same run).
 * `npm run bench -- <name>` runs only the benchmarks whose file name contains <name>.
 */
import fs from 'node:fs';
import path from 'node:path';

async function main(): Promise<void> {
  const filter = process.argv[2];
  const modules = fs
    .readdirSync(__dirname)
    .filter((file) => file.endsWith('.bench.js'))
    .filter((file) => !filter || file.includes(filter))
    .sort();
  if (modules.length === 0) throw new Error(`no benchmark matches "${filter ?? ''}" in ${__dirname}`);
  for (const file of modules) {
    console.log(`\n=== ${file.replace(/\.bench\.js$/, '')} ===`);
    const bench = (await import(path.join(__dirname, file))) as { run: () => Promise<void> };
    await bench.run();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
