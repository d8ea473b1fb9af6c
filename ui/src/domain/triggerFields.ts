/**
 * The form of an event trigger, read from its zod schema (flow/eventTriggers.ts): one field per setting, optional ones
 * included, each checked by the schema the API parses it with, so the form says what the API would refuse, in its words.
 */
import type { z } from 'zod';
import {
  EventTrigger,
  MongoTrigger,
  PostgresTrigger,
  S3Trigger,
  SalesforceTrigger,
  SignedTrigger,
  type SourceKind,
  type SourceTrigger,
} from '../../../flow/eventTriggers';

const SCHEMAS: Record<SourceKind, { shape: Record<string, z.ZodType> }> = {
  postgres: PostgresTrigger,
  mongodb: MongoTrigger,
  event: EventTrigger,
  signed: SignedTrigger,
  salesforce: SalesforceTrigger,
  s3: S3Trigger,
};

interface Common {
  name: string;
  /** May be left out of the trigger (the schema's `.optional()`); fields with a default always hold a value. */
  optional: boolean;
}

export type TriggerField = Common &
  (
    | { kind: 'text' }
    | { kind: 'number'; min: number; max: number }
    | { kind: 'choice'; options: string[] }
    /** Several of a fixed set. */
    | { kind: 'choices'; options: string[] }
    /** Free strings, typed comma-separated. */
    | { kind: 'list' }
  );

type Schema = z.core.$ZodType;

/** The schema under `.optional()` and `.default()`. */
function unwrapped(schema: Schema): { inner: Schema; optional: boolean } {
  let inner = schema;
  let optional = false;
  for (;;) {
    const def = inner._zod.def as { type: string; innerType?: Schema };
    if (!def.innerType) return { inner, optional };
    if (def.type === 'optional') optional = true;
    inner = def.innerType;
  }
}

function fieldOf(name: string, schema: Schema): TriggerField | null {
  const { inner, optional } = unwrapped(schema);
  const def = inner._zod.def as { type: string; element?: Schema };
  switch (def.type) {
    case 'string':
      return { name, optional, kind: 'text' };
    case 'number': {
      const number = inner as z.ZodNumber;
      return {
        name,
        optional,
        kind: 'number',
        min: number.minValue ?? Number.MIN_SAFE_INTEGER,
        max: number.maxValue ?? Number.MAX_SAFE_INTEGER,
      };
    }
    case 'enum':
      return { name, optional, kind: 'choice', options: (inner as z.ZodEnum).options.map(String) };
    case 'array': {
      const element = unwrapped(def.element!).inner;
      return element._zod.def.type === 'enum'
        ? { name, optional, kind: 'choices', options: (element as z.ZodEnum).options.map(String) }
        : { name, optional, kind: 'list' };
    }
    default:
      // `type` (fixed for the kind) and `paused` (its own control) are not form fields.
      return null;
  }
}

/** Every setting of a trigger kind, in the schema's order, except its type and paused flag. */
export function triggerFields(kind: SourceKind): TriggerField[] {
  return Object.entries(SCHEMAS[kind].shape).flatMap(([name, schema]) => {
    if (name === 'paused') return [];
    const field = fieldOf(name, schema);
    return field ? [field] : [];
  });
}

/** What the API would say about this value of the field (null: it is accepted). `undefined` leaves an optional field out. */
export function fieldProblem(kind: SourceKind, field: string, value: unknown): string | null {
  const schema = SCHEMAS[kind].shape[field];
  if (!schema) return `${kind} triggers have no field ${field}`;
  const parsed = schema.safeParse(value);
  if (parsed.success) return null;
  const issue = parsed.error.issues[0];
  const where = issue.path.length > 0 ? `item ${issue.path.map(String).join('.')}: ` : '';
  return where + issue.message;
}

/** The trigger with the field set, or removed when `value` is undefined. */
export function withField(trigger: SourceTrigger, field: string, value: unknown): SourceTrigger {
  const { [field]: _old, ...rest } = trigger as Record<string, unknown>;
  return (value === undefined ? rest : { ...rest, [field]: value }) as SourceTrigger;
}

/** A comma-separated list as typed: items trimmed, empty ones dropped; nothing typed is no list. */
export function parseList(text: string): string[] | undefined {
  const items = text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  return items.length > 0 ? items : undefined;
}
