/**
 * A flow's error handler as the settings panel offers it: the workspace's default (the setting unset), none at all
 * (`false`), or one of the workspace's saved flows (`{ flowId }`). Pure, so the mapping both ways is tested.
 */
import type { ErrorHandlerSetting } from '../../../flow/schema';
import type { FlowListItem } from '../api/types';

/** The choice of the setting left unset: the workspace's default handler, whatever it is when a run fails. */
export const WORKSPACE_DEFAULT = '';
/** The choice of `false`: no handler, not even the workspace's default (never a flow id: ids start with a letter or digit). */
export const NO_HANDLER = '-';

export function choiceOf(setting: ErrorHandlerSetting | undefined): string {
  if (setting === undefined) return WORKSPACE_DEFAULT;
  return setting === false ? NO_HANDLER : setting.flowId;
}

export function settingOf(choice: string): ErrorHandlerSetting | undefined {
  if (choice === WORKSPACE_DEFAULT) return undefined;
  return choice === NO_HANDLER ? false : { flowId: choice };
}

export interface HandlerOption {
  flowId: string;
  label: string;
  /** Not a saved flow of the workspace (deleted, or never published): a save would be refused. */
  missing?: boolean;
}

/**
 * The flows that can handle errors: those with a saved version (a handler runs its newest one), this flow too (its
 * handler run starts no handler, so it cannot loop), and the one chosen now even when it is gone, marked so.
 */
export function handlerOptions(flows: FlowListItem[], selfId: string, chosen?: string): HandlerOption[] {
  const options: HandlerOption[] = flows
    .filter((flow) => flow.latestVersion !== null || flow.id === selfId)
    .map((flow) => ({
      flowId: flow.id,
      label: `${flow.name} (${flow.id})${flow.id === selfId ? ' — this flow' : ''}`,
    }))
    .sort((a, b) => a.label.localeCompare(b.label));
  if (chosen && !options.some((option) => option.flowId === chosen))
    options.push({ flowId: chosen, label: `${chosen} (not a saved flow of this workspace)`, missing: true });
  return options;
}
