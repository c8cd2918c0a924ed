// Compiled with `tsc --noEmit` by `npm test`: `defineStores` keeps the literal types of a
// schema (no `as const`), and the value, input and update types follow from it.
import {
  applyStoreSchema,
  defineStores,
  type FieldSpec,
  type FieldType,
  type StoreChange,
  type StoreEntry,
  type StoreInput,
  type StoreSchema,
  type StoreSchemas,
  type StoreUpdate,
  type StoreValue,
} from '../src/index.js';

/** Compiles only when `A` and `B` are the same type. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const same = <A, B>(ok: Equal<A, B>): Equal<A, B> => ok;

export const stores = defineStores({
  tasks: {
    title: { type: 'string', required: true },
    completed: { type: 'boolean', default: false },
    points: { type: 'number' },
    owner: { type: 'string', required: true, default: 'nobody' },
  },
  cursors: { x: { type: 'number', required: true }, y: { type: 'number', required: true } },
});

type Tasks = typeof stores.tasks;
type Task = StoreValue<Tasks>;

// Read back: required and defaulted fields are there, the others optional.
same<Task, { title: string; completed: boolean; owner: string; points?: number }>(true);
// `set`: required fields without a default must be given.
same<StoreInput<Tasks>, { title: string; completed?: boolean; owner?: string; points?: number }>(true);
// `update`: any field; null removes one that is not required.
same<
  StoreUpdate<Tasks>,
  { title?: string; completed?: boolean | null; owner?: string; points?: number | null }
>(true);
same<StoreValue<typeof stores.cursors>, { x: number; y: number }>(true);
// The literal types are kept without `as const`.
same<Tasks['title']['type'], 'string'>(true);
same<Tasks['completed']['default'], false>(true);

export const task: Task = { title: 'Ship', completed: false, owner: 'ann' };
export const done: Task['completed'] = true;
// @ts-expect-error a required field is missing from the value read back
export const untitled: Task = { completed: false, owner: 'ann' };
// @ts-expect-error a defaulted field is always in the value read back
export const noDefault: Task = { title: 'Ship', owner: 'ann' };
// @ts-expect-error a field of the wrong type
export const wrongType: Task = { title: 1, completed: false, owner: 'ann' };
// @ts-expect-error a field not in the schema
export const unknown: Task = { title: 'Ship', completed: false, owner: 'ann', due: 'today' };
// @ts-expect-error an optional field may be missing but is of its type
export const optionalWrong: Task = { title: 'Ship', completed: false, owner: 'ann', points: '3' };

export const entry: StoreEntry<Tasks> = { key: 't1', value: task };
export const change: StoreChange<Tasks> = { key: 't1', action: 'delete', value: null };
export const changed: StoreChange<Tasks> = { key: 't1', action: 'update', value: task };
// @ts-expect-error the actions are set, update and delete
export const moved: StoreChange<Tasks> = { key: 't1', action: 'move', value: null };

// applyStoreSchema: typed by the schema.
export const filled: Task = applyStoreSchema(stores.tasks, { title: 'Ship' });
export const patch: StoreUpdate<Tasks> = applyStoreSchema(stores.tasks, { points: null }, { partial: true });
// @ts-expect-error set needs the required field
applyStoreSchema(stores.tasks, { completed: true });
// @ts-expect-error set refuses a field of the wrong type
applyStoreSchema(stores.tasks, { title: 'Ship', completed: 'yes' });
// @ts-expect-error set refuses a field not in the schema
applyStoreSchema(stores.tasks, { title: 'Ship', due: 'today' });
// @ts-expect-error update refuses a field of the wrong type
applyStoreSchema(stores.tasks, { completed: 'yes' }, { partial: true });
// @ts-expect-error update cannot remove a required field
applyStoreSchema(stores.tasks, { title: null }, { partial: true });

// Invalid schemas.
defineStores({
  // @ts-expect-error a field's type is 'string', 'number' or 'boolean'
  tasks: { due: { type: 'date' } },
});
defineStores({
  // @ts-expect-error a default is of the field's type
  tasks: { completed: { type: 'boolean', default: 'no' } },
});
defineStores({
  // @ts-expect-error required is a boolean
  tasks: { title: { type: 'string', required: 'yes' } },
});
// @ts-expect-error a store's fields are an object
defineStores({ tasks: 'title' });

// The wide types: a schema built at run time.
export const spec: FieldSpec = { type: 'number', default: 0 };
export const kind: FieldType = spec.type;
export const built: StoreSchemas = { notes: { body: { type: 'string' } } };
export const schema: StoreSchema = built.notes!;
// @ts-expect-error a number field's default is a number
export const badSpec: FieldSpec = { type: 'number', default: '0' };
export const loose: StoreValue<StoreSchema> = applyStoreSchema(schema, { body: 'x' });
