import type { OperatorService } from '@temporalio/client';
import { SearchAttributeType } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { NECTAR_SEARCH_ATTRIBUTES } from './searchAttributes';

const ALREADY_EXISTS = 6;

/**
 * Registers the search attributes our runs carry. Needed on a database the dev server created before, and on an
 * external cluster; an attribute that exists already is success.
 */
export async function registerSearchAttributes(
  connection: { operatorService: OperatorService },
  namespace: string,
): Promise<void> {
  const searchAttributes: Record<string, temporal.api.enums.v1.IndexedValueType> = {};
  for (const key of NECTAR_SEARCH_ATTRIBUTES) {
    searchAttributes[key.name] =
      key.type === SearchAttributeType.KEYWORD_LIST
        ? temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST
        : temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
  }
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = Object.fromEntries(
    Object.entries(searchAttributes).filter(([name]) => !(name in (existing.customAttributes ?? {}))),
  );
  if (Object.keys(missing).length === 0) return;
  try {
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
  } catch (error) {
    if ((error as { code?: number }).code !== ALREADY_EXISTS) throw error;
  }
}
