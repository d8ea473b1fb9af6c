// monaco-editor 0.57 publishes types for its root entry only; this entry is the same API with the editor's features.
declare module 'monaco-editor/editor/editor.main' {
  export * from 'monaco-editor';
}
declare module 'monaco-editor/editor/editor.worker?worker' {
  const WorkerConstructor: new () => Worker;
  export default WorkerConstructor;
}
declare module 'monaco-editor/languages/features/typescript/ts.worker?worker' {
  const WorkerConstructor: new () => Worker;
  export default WorkerConstructor;
}
