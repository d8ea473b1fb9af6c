/**
 * Monaco, set up once and only when an editor first opens (its own chunk): the locally bundled module (never the
 * CDN @monaco-editor/react defaults to), our workers, JavaScript with Nectar's globals.
 */
import { loader } from '@monaco-editor/react';
import * as monaco from 'monaco-editor/editor/editor.main';
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';
import TsWorker from 'monaco-editor/languages/features/typescript/ts.worker?worker';
import nectarGlobals from '../../../typings/nectar.d.ts?raw';

// A node body may `return` and `await` at the top level: TypeScript's complaints about that are not problems here.
const IGNORED_DIAGNOSTICS = [1108, 1375, 1378];

self.MonacoEnvironment = {
  getWorker(_workerId: string, label: string) {
    return label === 'typescript' || label === 'javascript' ? new TsWorker() : new EditorWorker();
  },
};

const defaults = monaco.typescript.javascriptDefaults;
defaults.setCompilerOptions({
  target: monaco.typescript.ScriptTarget.ESNext,
  allowNonTsExtensions: true,
  allowJs: true,
  checkJs: false,
  noLib: false,
  lib: ['esnext'],
});
defaults.setDiagnosticsOptions({
  noSemanticValidation: true,
  noSyntaxValidation: false,
  diagnosticCodesToIgnore: IGNORED_DIAGNOSTICS,
});
defaults.setEagerModelSync(true);
defaults.addExtraLib(nectarGlobals, 'ts:nectar/globals.d.ts');

let stepLib: { dispose(): void } | null = null;

/** Replaces the per-node typings (which steps this node can see, the shape of its input). */
export function setStepTypings(text: string): void {
  stepLib?.dispose();
  stepLib = defaults.addExtraLib(text, 'ts:nectar/step.d.ts');
}

loader.config({ monaco });

export { monaco };
