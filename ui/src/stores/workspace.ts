/** The workspace's plan ceilings, asked once per page: the inspector refuses limits above them as they are typed. */
import { useEffect, useState } from 'react';
import { api } from '../api/client';
import { NODE_LIMITS } from '../../../flow/limits';

export interface PlanCeilings {
  maxMemoryMb: number;
  maxTimeoutMs: number;
  plan: string | null;
}

const FALLBACK: PlanCeilings = {
  maxMemoryMb: NODE_LIMITS.memoryMb.max,
  maxTimeoutMs: NODE_LIMITS.timeoutMs.max,
  plan: null,
};
let asked: Promise<PlanCeilings> | null = null;

export function usePlanCeilings(): PlanCeilings {
  const [ceilings, setCeilings] = useState(FALLBACK);
  useEffect(() => {
    asked ??= api.workspace().then(
      (workspace) => ({
        maxMemoryMb: workspace.maxMemoryMb,
        maxTimeoutMs: workspace.maxTimeoutMs,
        plan: workspace.plan,
      }),
      () => FALLBACK,
    );
    void asked.then(setCeilings);
  }, []);
  return ceilings;
}
