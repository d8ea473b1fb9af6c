/** The code editor (Monaco, lazy): Nectar's typings, and the server's validation problems as markers while typing. */
import Editor from '@monaco-editor/react';
import { useEffect, useRef, useState } from 'react';
import { api } from '../../api/client';
import type { Problem } from '../../domain/faults';
import { monaco, setStepTypings } from './monaco';

export interface CodeEditorProps {
  nodeId: string;
  code: string;
  typings: string;
  onChange: (code: string) => void;
}

/** Typing pauses this long before the server is asked: one request per burst of keys, markers well within a second. */
const VALIDATE_AFTER_MS = 200;

function toMarker(model: monaco.editor.ITextModel, problem: Problem): monaco.editor.IMarkerData {
  const line = Math.min(Math.max(problem.line ?? 1, 1), model.getLineCount());
  const column = Math.max(problem.column ?? 1, 1);
  return {
    severity: monaco.MarkerSeverity.Error,
    message: problem.message,
    startLineNumber: line,
    startColumn: column,
    endLineNumber: line,
    endColumn: model.getLineMaxColumn(line),
    source: problem.rule ?? 'nectar',
  };
}

export default function CodeEditor({ nodeId, code, typings, onChange }: CodeEditorProps) {
  const editorRef = useRef<monaco.editor.IStandaloneCodeEditor | null>(null);
  const [problems, setProblems] = useState<Problem[]>([]);
  const [mounted, setMounted] = useState(false);
  const asked = useRef(0);

  useEffect(() => setStepTypings(typings), [typings]);

  useEffect(() => {
    const model = editorRef.current?.getModel();
    if (!model) return;
    const timer = setTimeout(() => {
      const request = ++asked.current;
      api.validateCode(code).then(
        (answer) => {
          if (request !== asked.current || model.isDisposed()) return;
          monaco.editor.setModelMarkers(
            model,
            'nectar',
            answer.problems.map((problem) => toMarker(model, problem)),
          );
          setProblems(answer.problems);
        },
        () => undefined,
      );
    }, VALIDATE_AFTER_MS);
    return () => clearTimeout(timer);
  }, [code, mounted]);

  return (
    <div className="code-editor">
      <Editor
        height="300px"
        language="javascript"
        path={`file:///nodes/${nodeId}.js`}
        value={code}
        onChange={(value) => onChange(value ?? '')}
        onMount={(editor) => {
          editorRef.current = editor;
          setMounted(true);
        }}
        loading={<p className="loading">Loading the editor…</p>}
        options={{
          minimap: { enabled: false },
          fontSize: 13,
          scrollBeyondLastLine: false,
          automaticLayout: true,
          tabSize: 2,
          ariaLabel: `Code of ${nodeId}`,
          fixedOverflowWidgets: true,
        }}
      />
      <ul className="code-problems" aria-label="Code problems" aria-live="polite">
        {problems.map((problem, index) => (
          <li key={index} className="error">
            Line {problem.line ?? 1}, column {problem.column ?? 1}: {problem.message}
          </li>
        ))}
      </ul>
    </div>
  );
}
