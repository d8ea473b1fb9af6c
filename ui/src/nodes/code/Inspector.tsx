import { lazy, Suspense, useEffect, useMemo, useState } from 'react';
import { NODE_LIMITS } from '../../../../flow/limits';
import { stepTypings } from '../../domain/typings';
import { NumberField } from '../../panels/fields';
import { StepTest } from '../../panels/StepTest';
import { usePlanCeilings } from '../../stores/workspace';
import type { KindInspectorProps } from '../inspectorProps';
import { pinnedInputs } from '../../persistence/pinnedInputs';

const CodeEditor = lazy(() => import('../../panels/code/CodeEditor'));

type CodeNode = KindInspectorProps<'code'>['node'];
type Retry = NonNullable<CodeNode['retry']>;

function withOptional<K extends 'timeoutMs' | 'memoryMb'>(
  node: CodeNode,
  field: K,
  value: number | undefined,
): CodeNode {
  const { [field]: _old, ...rest } = node;
  return (value === undefined ? rest : { ...rest, [field]: value }) as CodeNode;
}

function withRetry(node: CodeNode, change: Partial<Retry>): CodeNode {
  const { retry, ...rest } = node;
  const next = { ...(retry ?? { maximumAttempts: 1 }), ...change };
  for (const key of Object.keys(next) as (keyof Retry)[]) if (next[key] === undefined) delete next[key];
  return next.maximumAttempts <= 1 && Object.keys(next).length === 1 ? rest : { ...rest, retry: next };
}

/**
 * False until the inspector has been painted: Monaco's first load (evaluating its modules, adding its font, which
 * re-lays out every text on the canvas) starts after the person sees the inspector, not before.
 */
function usePainted(): boolean {
  const [painted, setPainted] = useState(false);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const frame = requestAnimationFrame(() => (timer = setTimeout(() => setPainted(true))));
    return () => {
      cancelAnimationFrame(frame);
      clearTimeout(timer);
    };
  }, []);
  return painted;
}

export function CodeInspector({ flowId, node, update, upstream, predecessors, outputs }: KindInspectorProps<'code'>) {
  const plan = usePlanCeilings();
  const planReason = plan.plan ? `the ${plan.plan} plan's limit` : 'the plan limit';
  const typings = useMemo(() => stepTypings({ upstream, outputs, predecessors }), [upstream, outputs, predecessors]);
  const pinned = pinnedInputs(flowId);
  const pinnedInput = pinned && Object.hasOwn(pinned.nodes, node.id) ? pinned.nodes[node.id] : undefined;
  const suggested = pinnedInput ?? (predecessors.length === 1 ? outputs[predecessors[0]] : undefined);
  const painted = usePainted();
  const loading = <p className="loading">Loading the editor…</p>;
  return (
    <>
      {painted ? (
        <Suspense fallback={loading}>
          <CodeEditor
            nodeId={node.id}
            code={node.code}
            typings={typings}
            onChange={(code) => update('code', (current) => ({ ...current, code }))}
          />
        </Suspense>
      ) : (
        loading
      )}
      <div className="field-grid">
        <NumberField
          label="Time limit (ms)"
          value={node.timeoutMs}
          min={NODE_LIMITS.timeoutMs.min}
          max={plan.maxTimeoutMs}
          maxReason={planReason}
          optional
          hint={`default ${NODE_LIMITS.timeoutMs.default}`}
          onCommit={(value) => update('timeoutMs', (current) => withOptional(current, 'timeoutMs', value))}
        />
        <NumberField
          label="Memory limit (MB)"
          value={node.memoryMb}
          min={NODE_LIMITS.memoryMb.min}
          max={plan.maxMemoryMb}
          maxReason={planReason}
          optional
          hint={`default ${NODE_LIMITS.memoryMb.default}`}
          onCommit={(value) => update('memoryMb', (current) => withOptional(current, 'memoryMb', value))}
        />
        <NumberField
          label="Attempts"
          value={node.retry?.maximumAttempts ?? 1}
          min={NODE_LIMITS.maximumAttempts.min}
          max={NODE_LIMITS.maximumAttempts.max}
          onCommit={(value) => update('retry', (current) => withRetry(current, { maximumAttempts: value ?? 1 }))}
        />
        <NumberField
          label="First retry after (ms)"
          value={node.retry?.initialIntervalMs}
          min={10}
          max={3_600_000}
          optional
          onCommit={(value) => update('retry', (current) => withRetry(current, { initialIntervalMs: value }))}
        />
      </div>
      <StepTest
        key={node.id}
        flowId={flowId}
        node={node}
        upstream={upstream}
        suggestedInput={suggested}
        pinnedFrom={pinnedInput !== undefined ? pinned?.runId : undefined}
      />
    </>
  );
}
