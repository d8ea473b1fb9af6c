/** Bundles the workflow code once at build time, so a worker starts without running webpack. */
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';

export const WORKFLOW_BUNDLE_PATH = path.join(__dirname, '..', 'workflow-bundle.js');

async function main(): Promise<void> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    logger: new DefaultLogger('WARN'),
  });
  fs.writeFileSync(WORKFLOW_BUNDLE_PATH, code);
  console.log(
    `[nectar build] workflow bundle: ${path.relative(process.cwd(), WORKFLOW_BUNDLE_PATH)} (${(code.length / 1024).toFixed(0)} KiB)`,
  );
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
