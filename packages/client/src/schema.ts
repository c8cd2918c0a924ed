// A room's stores (`/sdk/stores`): the schemas declared with `defineStores`, the value types
// TypeScript infers from them, and `applyStoreSchema`, the same rules the server applies to a
// `set` or an `update` (crates/collabkit-domain/src/rules/stores.rs), so a client refuses early
// what the server would refuse, with the same messages.

/** A field's type in a store's schema. */
export type FieldType = 'string' | 'number' | 'boolean';

/** The JavaScript value a field of each type holds. */
export interface FieldTypeValues {
  string: string;
  number: number;
  boolean: boolean;
}

/**
 * One field of a store's schema: its `type`, whether `set` requires it, and the `default` `set`
 * fills in when the value leaves it out (of the field's type).
 */
export type FieldSpec = {
  [T in FieldType]: {
    readonly type: T;
    readonly required?: boolean;
    readonly default?: FieldTypeValues[T];
  };
}[FieldType];

/** A store's schema: its fields by name. */
export type StoreSchema = { readonly [field: string]: FieldSpec };

/** The argument of `defineStores`: each store's schema by the store's name. */
export type StoreSchemas = { readonly [store: string]: StoreSchema };

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The value a field holds. */
type FieldValue<F> = F extends { readonly type: infer T extends FieldType } ? FieldTypeValues[T] : never;

/** Whether a stored value always holds the field: it is required, or `set` fills its default. */
type AlwaysHeld<F> = F extends { readonly required: true }
  ? true
  : F extends { readonly default: string | number | boolean }
    ? true
    : false;

/** Whether `set` must be given the field: required, with no default to fill it. */
type MustBeGiven<F> = F extends { readonly required: true }
  ? F extends { readonly default: string | number | boolean }
    ? false
    : true
  : false;

/**
 * A store's value as read back: required and defaulted fields are always there, the others
 * may be left out.
 */
export type StoreValue<S extends StoreSchema> = Simplify<
  { -readonly [K in keyof S as AlwaysHeld<S[K]> extends true ? K : never]: FieldValue<S[K]> } & {
    -readonly [K in keyof S as AlwaysHeld<S[K]> extends true ? never : K]?: FieldValue<S[K]>;
  }
>;

/**
 * What `set` accepts: the required fields (unless they have a default), the defaulted and
 * optional ones if wanted.
 */
export type StoreInput<S extends StoreSchema> = Simplify<
  { -readonly [K in keyof S as MustBeGiven<S[K]> extends true ? K : never]: FieldValue<S[K]> } & {
    -readonly [K in keyof S as MustBeGiven<S[K]> extends true ? never : K]?: FieldValue<S[K]>;
  }
>;

/**
 * What `update` accepts: any of the fields; `null` puts a field with a default back to its
 * default and removes an optional one (as the server merges an update); a required field
 * without a default cannot be null.
 */
export type StoreUpdate<S extends StoreSchema> = Simplify<{
  -readonly [K in keyof S]?: S[K] extends { readonly required: true } ? FieldValue<S[K]> : FieldValue<S[K]> | null;
}>;

/** One entry of a store: its key and its value. */
export interface StoreEntry<S extends StoreSchema> {
  key: string;
  value: StoreValue<S>;
}

/** A change of an entry of a store; `value` is null when it was deleted. */
export interface StoreChange<S extends StoreSchema> {
  key: string;
  action: 'set' | 'update' | 'delete';
  value: StoreValue<S> | null;
}

const FIELD_TYPES: readonly FieldType[] = ['string', 'number', 'boolean'];

/** A store or field name: 1 to 64 ASCII letters, digits or `_`, not starting with a digit. */
export const STORE_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'undefined':
      return 'undefined';
    case 'boolean':
      return 'a boolean';
    case 'number':
      return Number.isFinite(value) ? 'a number' : `${String(value)} (not a JSON number)`;
    case 'string':
      return 'a string';
    case 'bigint':
      return 'a bigint';
    case 'symbol':
      return 'a symbol';
    case 'function':
      return 'a function';
    default:
      return 'an object';
  }
}

/** Whether `value` is of `type` (a number is finite, as a JSON number is). */
function holds(type: FieldType, value: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `JSON.stringify` of a name, as the server's messages quote it. */
const quote = (name: string): string => JSON.stringify(name);

/** A property of `object`'s own (never one of `Object.prototype`'s, such as `constructor`). */
function own(object: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

/** Own keys, sorted as the server reads a JSON object's (so the first error named is the same). */
function keysOf(object: object): string[] {
  return Object.keys(object).sort();
}

function checkName(what: 'store' | 'field', name: string, prefix: string): void {
  if (!STORE_NAME_PATTERN.test(name)) {
    throw new TypeError(
      `${prefix}${what} name ${quote(name)} is invalid: ${name === '' ? 'it is empty; ' : ''}1 to 64 letters, digits or _, not starting with a digit`,
    );
  }
}

/** Checks one store's schema; `store` names it in the messages. */
function checkSchema(store: string | undefined, fields: unknown): void {
  const prefix = store === undefined ? '' : `store ${quote(store)}: `;
  if (!isObject(fields)) {
    throw new TypeError(`${prefix}its fields are an object, not ${kindOf(fields)}`);
  }
  const names = keysOf(fields);
  if (names.length === 0) throw new TypeError(`${prefix}a store has at least one field`);
  for (const field of names) {
    checkName('field', field, prefix);
    const spec = own(fields, field);
    const at = `${prefix}field ${quote(field)}: `;
    const type = isObject(spec) ? own(spec, 'type') : undefined;
    if (typeof type !== 'string' || !(FIELD_TYPES as readonly string[]).includes(type)) {
      const got = isObject(spec) ? `type ${typeof type === 'string' ? quote(type) : kindOf(type)}` : kindOf(spec);
      throw new TypeError(`${at}type is 'string', 'number' or 'boolean', not ${got}`);
    }
    const s = spec as Record<string, unknown>;
    const required = own(s, 'required');
    if (required !== undefined && typeof required !== 'boolean') {
      throw new TypeError(`${at}required is a boolean, not ${kindOf(required)}`);
    }
    const fallback = own(s, 'default');
    if (fallback !== undefined && !holds(type as FieldType, fallback)) {
      throw new TypeError(`${at}its default is ${kindOf(fallback)}, not a ${type}`);
    }
  }
}

function freezeSchema(fields: Record<string, unknown>): StoreSchema {
  return Object.freeze(
    Object.fromEntries(Object.keys(fields).map((f) => [f, Object.freeze({ ...(fields[f] as object) })])),
  ) as StoreSchema;
}

/**
 * Declares a room's stores: each store's fields, their types, which are required and their
 * defaults. Returns the schemas as given (a frozen copy), typed so `StoreValue<typeof
 * stores.tasks>` is a task's value; throws a `TypeError` naming the store and field when a
 * schema is invalid.
 *
 * ```ts
 * const stores = defineStores({
 *   tasks: { title: { type: 'string', required: true }, completed: { type: 'boolean', default: false } },
 * });
 * ```
 */
export function defineStores<const S extends StoreSchemas>(schemas: S): S {
  if (!isObject(schemas)) {
    throw new TypeError(`defineStores: the schemas are an object of stores, not ${kindOf(schemas)}`);
  }
  const stores = keysOf(schemas);
  for (const store of stores) {
    try {
      checkName('store', store, '');
      checkSchema(store, own(schemas, store));
    } catch (e) {
      throw new TypeError(`defineStores: ${(e as Error).message}`);
    }
  }
  return Object.freeze(
    Object.fromEntries(Object.keys(schemas).map((s) => [s, freezeSchema(schemas[s] as Record<string, unknown>)])),
  ) as S;
}

/** Options of `applyStoreSchema`. */
export interface ApplyStoreSchemaOptions {
  /** An `update`'s fields (merged into the entry by the server) rather than a `set`'s value. */
  partial?: boolean;
  /** The store's name, to name it in the messages. */
  store?: string;
}

/**
 * Applies a store's schema to a value, as the server does: for a `set` (the default), the
 * value with the defaults filled in, every required field there; for an `update` (`partial:
 * true`), the fields given, each of its type (`null` resets a defaulted field, removes an
 * optional one, and is refused for a required one without a default).
 * Throws a `TypeError` naming the field for a missing required field, a value of the wrong type
 * or a field not in the schema (and for an invalid schema or a value that is not an object).
 */
export function applyStoreSchema<const S extends StoreSchema>(
  schema: S,
  input: StoreInput<S>,
  options?: ApplyStoreSchemaOptions & { partial?: false },
): StoreValue<S>;
export function applyStoreSchema<const S extends StoreSchema>(
  schema: S,
  input: StoreUpdate<S>,
  options: ApplyStoreSchemaOptions & { partial: true },
): StoreUpdate<S>;
export function applyStoreSchema(
  schema: StoreSchema,
  input: unknown,
  options: ApplyStoreSchemaOptions = {},
): Record<string, unknown> {
  const prefix = options.store === undefined ? '' : `store ${quote(options.store)}: `;
  if (options.store !== undefined) checkName('store', options.store, '');
  checkSchema(options.store, schema);
  if (!isObject(input)) {
    throw new TypeError(`${prefix}a store's value is a JSON object, not ${kindOf(input)}`);
  }
  const fields = schema as Record<string, unknown>;
  const partial = options.partial === true;
  const out: Record<string, unknown> = {};
  const put = (field: string, value: unknown): void => {
    // Defined, not assigned: a field named `__proto__` is a field like any other.
    Object.defineProperty(out, field, { value, enumerable: true, writable: true, configurable: true });
  };
  for (const field of keysOf(input)) {
    const value = input[field];
    if (value === undefined) continue; // left out, as JSON leaves it out
    const spec = own(fields, field) as FieldSpec | undefined;
    if (spec === undefined) throw new TypeError(`${prefix}field ${quote(field)} is not in the store's schema`);
    if (partial && value === null) {
      // Null resets a defaulted field (the server puts the default back) and removes an optional one.
      if (spec.required === true && spec.default === undefined) throw new TypeError(`${prefix}field ${quote(field)} is required`);
    } else if (!holds(spec.type, value)) {
      throw new TypeError(`${prefix}field ${quote(field)} is a ${spec.type}, not ${kindOf(value)}`);
    }
    put(field, value);
  }
  if (!partial) {
    for (const field of keysOf(fields)) {
      if (Object.hasOwn(out, field)) continue;
      const spec = fields[field] as FieldSpec;
      if (spec.default !== undefined) put(field, spec.default);
      else if (spec.required === true) throw new TypeError(`${prefix}field ${quote(field)} is required`);
    }
  }
  return out;
}
