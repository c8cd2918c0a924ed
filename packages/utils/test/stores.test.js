// defineStores and applyStoreSchema as a user installs them: the built ESM output. The rules
// and messages are the server's (crates/collabkit-domain/src/rules/stores.rs).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { applyStoreSchema, defineStores, STORE_NAME_PATTERN } from '../dist/index.js';

const tasks = {
  title: { type: 'string', required: true },
  completed: { type: 'boolean', default: false },
  points: { type: 'number' },
};

/** Asserts that `fn` throws a TypeError whose message contains each of `parts`. */
function refuses(fn, ...parts) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof TypeError, `${e} is a TypeError`);
    for (const part of parts) assert.ok(e.message.includes(part), `${JSON.stringify(e.message)} names ${part}`);
    return true;
  });
}

test('defineStores returns the schemas as given, frozen', () => {
  const schemas = { tasks, cursors: { x: { type: 'number', required: true } } };
  const stores = defineStores(schemas);
  assert.deepEqual(stores, schemas);
  assert.notEqual(stores, schemas, 'a copy: the argument stays the caller’s');
  assert.ok(Object.isFrozen(stores) && Object.isFrozen(stores.tasks) && Object.isFrozen(stores.tasks.title));
  assert.ok(!Object.isFrozen(schemas));
  assert.deepEqual(Object.keys(stores), ['tasks', 'cursors'], 'in the order given');
  // A spec's other properties are kept, as the server ignores them.
  assert.deepEqual(defineStores({ s: { a: { type: 'string', label: 'A' } } }).s.a, { type: 'string', label: 'A' });
  // `undefined` is left out, as JSON leaves it out.
  assert.ok(defineStores({ s: { a: { type: 'string', required: undefined, default: undefined } } }));
});

test('store and field names: 1 to 64 letters, digits or _, not starting with a digit', () => {
  for (const ok of ['a', '_', 'Tasks_2', '_x9', 'a'.repeat(64), 'constructor', '__proto__']) {
    assert.ok(STORE_NAME_PATTERN.test(ok), ok);
    assert.ok(defineStores(JSON.parse(`{${JSON.stringify(ok)}: {${JSON.stringify(ok)}: {"type": "string"}}}`)));
  }
  for (const bad of ['', '1x', 'a-b', 'a b', 'é', 'a'.repeat(65), 'a\n', '$']) {
    refuses(() => defineStores({ [bad]: { a: { type: 'string' } } }), 'defineStores', 'store name', JSON.stringify(bad));
    refuses(
      () => defineStores({ tasks: { [bad]: { type: 'string' } } }),
      'store "tasks"',
      'field name',
      JSON.stringify(bad),
    );
  }
  refuses(() => defineStores({ '': { a: { type: 'string' } } }), 'store name ""', 'empty');
});

test('a bad schema is refused with a TypeError naming the store and the field', () => {
  const field = (spec) => () => defineStores({ tasks: { ...tasks, due: spec } });
  refuses(field({ type: 'date' }), 'store "tasks"', 'field "due"', "type is 'string', 'number' or 'boolean'", '"date"');
  refuses(field({}), 'field "due"', 'type');
  refuses(field({ type: 'String' }), 'field "due"', 'type');
  refuses(field('string'), 'field "due"', 'type', 'a string');
  refuses(field(null), 'field "due"', 'type');
  refuses(field({ type: 'number', default: '1' }), 'store "tasks"', 'field "due"', 'default is a string, not a number');
  refuses(field({ type: 'number', default: NaN }), 'field "due"', 'default');
  refuses(field({ type: 'number', default: Infinity }), 'field "due"', 'default');
  refuses(field({ type: 'string', default: null }), 'field "due"', 'default is null, not a string');
  refuses(field({ type: 'boolean', default: 0 }), 'field "due"', 'default is a number, not a boolean');
  refuses(field({ type: 'number', required: 1 }), 'store "tasks"', 'field "due"', 'required is a boolean, not a number');
  refuses(field({ type: 'number', required: 'true' }), 'field "due"', 'required');
  refuses(field({ type: 'number', required: null }), 'field "due"', 'required');
  refuses(() => defineStores({ tasks: {} }), 'store "tasks"', 'at least one field');
  refuses(() => defineStores({ tasks: 'title' }), 'store "tasks"', 'fields are an object, not a string');
  refuses(() => defineStores({ tasks: [] }), 'store "tasks"', 'not an array');
  refuses(() => defineStores([]), 'object of stores');
  refuses(() => defineStores(null), 'object of stores');
  // Fine: a default of the field's type, with or without required.
  assert.ok(defineStores({ s: { n: { type: 'number', default: 0 }, b: { type: 'boolean', required: true, default: true } } }));
});

test('set: defaults filled, required fields enforced, types checked, unknown fields refused', () => {
  assert.deepEqual(applyStoreSchema(tasks, { title: 'Ship' }), { title: 'Ship', completed: false });
  assert.deepEqual(applyStoreSchema(tasks, { title: 'Ship', completed: true, points: 3 }), {
    title: 'Ship',
    completed: true,
    points: 3,
  });
  assert.deepEqual(applyStoreSchema(tasks, { title: 'Ship', points: undefined }), { title: 'Ship', completed: false });
  const input = { title: 'Ship' };
  applyStoreSchema(tasks, input);
  assert.deepEqual(input, { title: 'Ship' }, 'the input is not changed');
  // A default satisfies required.
  assert.deepEqual(applyStoreSchema({ a: { type: 'string', required: true, default: 'x' } }, {}), { a: 'x' });

  refuses(() => applyStoreSchema(tasks, {}), 'field "title" is required');
  refuses(() => applyStoreSchema(tasks, { completed: true }), 'field "title" is required');
  refuses(() => applyStoreSchema(tasks, { title: 3 }), 'field "title" is a string, not a number');
  refuses(() => applyStoreSchema(tasks, { title: null }), 'field "title" is a string, not null');
  refuses(() => applyStoreSchema(tasks, { title: 'Ship', points: null }), 'field "points" is a number, not null');
  refuses(() => applyStoreSchema(tasks, { title: 'Ship', points: NaN }), 'field "points" is a number');
  refuses(() => applyStoreSchema(tasks, { title: 'Ship', completed: 'yes' }), 'field "completed" is a boolean, not a string');
  refuses(() => applyStoreSchema(tasks, { title: 'Ship', due: 'today' }), `field "due" is not in the store's schema`);
  refuses(() => applyStoreSchema(tasks, { title: 'Ship', constructor: 'x' }), 'field "constructor" is not in');
  refuses(() => applyStoreSchema(tasks, JSON.parse('{"title": "a", "__proto__": 1}')), 'field "__proto__" is not in');
  refuses(() => applyStoreSchema(tasks, [1]), "a store's value is a JSON object, not an array");
  refuses(() => applyStoreSchema(tasks, null), 'not null');
  refuses(() => applyStoreSchema(tasks, {}, { store: 'tasks' }), 'store "tasks": field "title" is required');
  refuses(() => applyStoreSchema(tasks, {}, { store: 'a-b' }), 'store name "a-b" is invalid');
  // The schema itself is checked too.
  refuses(() => applyStoreSchema({ a: { type: 'date' } }, { a: 1 }), 'field "a"', 'type');
  refuses(() => applyStoreSchema({}, {}), 'at least one field');
});

test('update: the fields given, of their types; null removes a field that is not required', () => {
  const partial = { partial: true };
  assert.deepEqual(applyStoreSchema(tasks, {}, partial), {});
  assert.deepEqual(applyStoreSchema(tasks, { completed: true }, partial), { completed: true }, 'no defaults filled');
  assert.deepEqual(applyStoreSchema(tasks, { points: null, completed: null }, partial), { points: null, completed: null });
  refuses(() => applyStoreSchema(tasks, { title: null }, partial), 'field "title" is required');
  refuses(() => applyStoreSchema(tasks, { completed: 'yes' }, partial), 'field "completed" is a boolean, not a string');
  refuses(() => applyStoreSchema(tasks, { due: null }, partial), `field "due" is not in the store's schema`);
  refuses(() => applyStoreSchema(tasks, 'x', partial), 'JSON object');
});

test('the first error named is the server’s: fields in sorted order', () => {
  refuses(() => applyStoreSchema(tasks, { zz: 1, completed: 'no', title: 'a' }), 'field "completed"');
  refuses(() => defineStores({ b: {}, a: {} }), 'store "a"');
});
