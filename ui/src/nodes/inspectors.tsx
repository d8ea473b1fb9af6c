/** Each node kind's inspector, in one map (the kind's own fields; the common ones are panels/Inspector.tsx's). */
import type { ComponentType } from 'react';
import type { NodeKind } from '../domain/model';
import { CodeInspector } from './code/Inspector';
import { DelayInspector } from './delay/Inspector';
import type { KindInspectorProps } from './inspectorProps';
import { SubflowInspector } from './subflow/Inspector';
import { WaitInspector } from './wait/Inspector';

export const KIND_INSPECTORS: { [K in NodeKind]: ComponentType<KindInspectorProps<K>> } = {
  code: CodeInspector,
  delay: DelayInspector,
  wait: WaitInspector,
  subflow: SubflowInspector,
};
