//! The rules of a room's stores (`/sdk/stores`): what a schema declared with `defineStores` may
//! say, which keys and values a write may hold, how `set` fills defaults and `update` merges,
//! and the bounds a store and a room stay within. Decided here once: the backends store what
//! these return, the realtime layer and the REST API call them, and `@collab-kit/utils`'
//! `applyStoreSchema` applies the same rules in the browser (so a client refuses early what the
//! server would refuse).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use crate::clock::Timestamp;
use crate::model::{
    StoreAction, StoreChange, StoreEntryRow, StoreMeta, StoreOp, StoreValue, StoreWrite,
};

/// A field's type in a schema (`type: 'string' | 'number' | 'boolean'`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    String,
    Number,
    Boolean,
}

impl FieldType {
    fn parse(name: &str) -> Option<FieldType> {
        match name {
            "string" => Some(FieldType::String),
            "number" => Some(FieldType::Number),
            "boolean" => Some(FieldType::Boolean),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            FieldType::String => "string",
            FieldType::Number => "number",
            FieldType::Boolean => "boolean",
        }
    }

    fn holds(self, value: &Value) -> bool {
        matches!(
            (self, value),
            (FieldType::String, Value::String(_))
                | (FieldType::Number, Value::Number(_))
                | (FieldType::Boolean, Value::Bool(_))
        )
    }
}

/// One field of a store's schema.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldSpec {
    pub kind: FieldType,
    pub required: bool,
    /// Filled in by `set` when the value leaves the field out.
    pub default: Option<Value>,
}

/// A store's schema: its fields by name.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StoreSchema {
    pub fields: BTreeMap<String, FieldSpec>,
}

/// How large stores may grow (all configurable on the server).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreLimits {
    /// Characters of a key.
    pub max_key_chars: usize,
    /// Bytes of one value, as compact JSON.
    pub max_value_bytes: usize,
    /// Entries in one store of a room.
    pub max_entries_per_store: usize,
    /// Stores in one room.
    pub max_stores_per_room: usize,
    /// Bytes of every value of every store of a room.
    pub max_room_bytes: usize,
    /// Deletions a store remembers, so a client that reconnects is told which keys went; past
    /// it the oldest are forgotten, and a client that saw the store before them gets a
    /// snapshot instead of the changes.
    pub max_tombstones_per_store: usize,
}

impl Default for StoreLimits {
    fn default() -> Self {
        StoreLimits {
            max_key_chars: 256,
            max_value_bytes: 64 * 1024,
            max_entries_per_store: 10_000,
            max_stores_per_room: 64,
            max_room_bytes: 64 * 1024 * 1024,
            max_tombstones_per_store: 1_000,
        }
    }
}

/// Why a schema, a key or a value was refused; each names what to fix.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StoreRuleError {
    #[error(
        "{what} name {name:?} is invalid: 1 to 64 letters, digits or _, not starting with a digit"
    )]
    InvalidName { what: &'static str, name: String },
    #[error("store {store:?}: {reason}")]
    InvalidSchema { store: String, reason: String },
    #[error("key {0}")]
    InvalidKey(String),
    #[error("a store's value is a JSON object, not {0}")]
    NotAnObject(&'static str),
    #[error("field {0:?} is required")]
    MissingField(String),
    #[error("field {field:?} is a {expected}, not {got}")]
    WrongType {
        field: String,
        expected: &'static str,
        got: &'static str,
    },
    #[error("field {0:?} is not in the store's schema")]
    UnknownField(String),
    #[error("the value is {bytes} bytes, over the {max}-byte bound of one value")]
    ValueTooLarge { bytes: usize, max: usize },
    #[error("the store holds its bound of {max} entries; delete some first")]
    TooManyEntries { max: usize },
    #[error("the room holds its bound of {max} stores")]
    TooManyStores { max: usize },
    #[error("the room's stores would hold {bytes} bytes, over its {max}-byte bound")]
    RoomFull { bytes: usize, max: usize },
    #[error("no entry {0:?} to update; set it first")]
    EntryNotFound(String),
}

impl StoreRuleError {
    /// The snake_case reason the API and the realtime frames name.
    pub fn code(&self) -> &'static str {
        match self {
            StoreRuleError::InvalidName { .. } => "invalid_store_name",
            StoreRuleError::InvalidSchema { .. } => "invalid_store_schema",
            StoreRuleError::InvalidKey(_) => "invalid_key",
            StoreRuleError::NotAnObject(_)
            | StoreRuleError::MissingField(_)
            | StoreRuleError::WrongType { .. }
            | StoreRuleError::UnknownField(_) => "invalid_value",
            StoreRuleError::ValueTooLarge { .. } => "value_too_large",
            StoreRuleError::TooManyEntries { .. }
            | StoreRuleError::TooManyStores { .. }
            | StoreRuleError::RoomFull { .. } => "store_limit",
            StoreRuleError::EntryNotFound(_) => "entry_not_found",
        }
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A store or field name: what `defineStores` accepts (and what a URL segment holds as is).
pub fn check_name(what: &'static str, name: &str) -> Result<(), StoreRuleError> {
    let mut chars = name.chars();
    let ok = matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && name.len() <= 64
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(StoreRuleError::InvalidName {
            what,
            name: name.to_owned(),
        })
    }
}

/// The schemas of `defineStores({...})`'s argument, as JSON.
pub fn parse_schemas(json: &Value) -> Result<BTreeMap<String, StoreSchema>, StoreRuleError> {
    let Value::Object(stores) = json else {
        return Err(StoreRuleError::InvalidSchema {
            store: String::new(),
            reason: format!("the schemas are an object of stores, not {}", kind_of(json)),
        });
    };
    let mut out = BTreeMap::new();
    for (store, fields) in stores {
        check_name("store", store)?;
        let invalid = |reason: String| StoreRuleError::InvalidSchema {
            store: store.clone(),
            reason,
        };
        let Value::Object(fields) = fields else {
            return Err(invalid(format!(
                "its fields are an object, not {}",
                kind_of(fields)
            )));
        };
        if fields.is_empty() {
            return Err(invalid("a store has at least one field".into()));
        }
        let mut schema = StoreSchema::default();
        for (field, spec) in fields {
            check_name("field", field)?;
            let kind = spec
                .get("type")
                .and_then(Value::as_str)
                .and_then(FieldType::parse)
                .ok_or_else(|| {
                    invalid(format!(
                        "field {field:?}: type is 'string', 'number' or 'boolean'"
                    ))
                })?;
            let required = match spec.get("required") {
                None => false,
                Some(Value::Bool(b)) => *b,
                Some(other) => {
                    return Err(invalid(format!(
                        "field {field:?}: required is a boolean, not {}",
                        kind_of(other)
                    )));
                }
            };
            let default = spec.get("default").cloned();
            if let Some(d) = &default
                && !kind.holds(d)
            {
                return Err(invalid(format!(
                    "field {field:?}: its default is {}, not a {}",
                    kind_of(d),
                    kind.name()
                )));
            }
            schema.fields.insert(
                field.clone(),
                FieldSpec {
                    kind,
                    required,
                    default,
                },
            );
        }
        out.insert(store.clone(), schema);
    }
    Ok(out)
}

/// A key: 1 to `max_key_chars` characters, no control characters.
pub fn check_key(key: &str, limits: &StoreLimits) -> Result<(), StoreRuleError> {
    if key.is_empty() {
        return Err(StoreRuleError::InvalidKey("is empty".into()));
    }
    let chars = key.chars().count();
    if chars > limits.max_key_chars {
        return Err(StoreRuleError::InvalidKey(format!(
            "is {chars} characters, over the bound of {}",
            limits.max_key_chars
        )));
    }
    if key.chars().any(char::is_control) {
        return Err(StoreRuleError::InvalidKey(
            "holds a control character".into(),
        ));
    }
    Ok(())
}

fn object(value: &Value) -> Result<&Map<String, Value>, StoreRuleError> {
    match value {
        Value::Object(map) => Ok(map),
        other => Err(StoreRuleError::NotAnObject(kind_of(other))),
    }
}

/// Every field of `value` is in the schema and of its type.
fn check_fields(schema: &StoreSchema, value: &Map<String, Value>) -> Result<(), StoreRuleError> {
    for (field, v) in value {
        let spec = schema
            .fields
            .get(field)
            .ok_or_else(|| StoreRuleError::UnknownField(field.clone()))?;
        if !spec.kind.holds(v) {
            return Err(StoreRuleError::WrongType {
                field: field.clone(),
                expected: spec.kind.name(),
                got: kind_of(v),
            });
        }
    }
    Ok(())
}

/// The size of a value as it is stored (compact JSON).
pub fn value_bytes(value: &Map<String, Value>) -> usize {
    serde_json::to_vec(value).map(|v| v.len()).unwrap_or(0)
}

fn bounded(
    value: Map<String, Value>,
    limits: &StoreLimits,
) -> Result<Map<String, Value>, StoreRuleError> {
    let bytes = value_bytes(&value);
    if bytes > limits.max_value_bytes {
        return Err(StoreRuleError::ValueTooLarge {
            bytes,
            max: limits.max_value_bytes,
        });
    }
    Ok(value)
}

/// What `set` stores: the value with the schema's defaults filled in, every required field
/// present. Without a schema (a store no client declared), any object within the bounds.
pub fn plan_set(
    schema: Option<&StoreSchema>,
    value: &Value,
    limits: &StoreLimits,
) -> Result<Map<String, Value>, StoreRuleError> {
    let mut value = object(value)?.clone();
    if let Some(schema) = schema {
        check_fields(schema, &value)?;
        for (field, spec) in &schema.fields {
            if value.contains_key(field) {
                continue;
            }
            match (&spec.default, spec.required) {
                (Some(d), _) => {
                    value.insert(field.clone(), d.clone());
                }
                (None, true) => return Err(StoreRuleError::MissingField(field.clone())),
                (None, false) => {}
            }
        }
    }
    bounded(value, limits)
}

/// What `update` stores: `existing` with the fields of `patch` replaced (a merge, done by the
/// server so two clients' updates of different fields both stay). A field set to `null` goes
/// back to its default when it has one (so a defaulted field is always there), is removed when
/// it is optional, and is refused when it is required.
pub fn plan_update(
    schema: Option<&StoreSchema>,
    existing: &Map<String, Value>,
    patch: &Value,
    limits: &StoreLimits,
) -> Result<Map<String, Value>, StoreRuleError> {
    let patch = object(patch)?;
    let mut merged = existing.clone();
    for (field, v) in patch {
        if v.is_null() {
            if let Some(spec) = schema.and_then(|s| s.fields.get(field)) {
                if let Some(default) = &spec.default {
                    merged.insert(field.clone(), default.clone());
                    continue;
                }
                if spec.required {
                    return Err(StoreRuleError::MissingField(field.clone()));
                }
            } else if schema.is_some() {
                return Err(StoreRuleError::UnknownField(field.clone()));
            }
            merged.remove(field);
        } else {
            merged.insert(field.clone(), v.clone());
        }
    }
    if let Some(schema) = schema {
        check_fields(schema, &merged)?;
    }
    bounded(merged, limits)
}

/// What a room's stores hold now, as far as one write needs to know.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreUsage {
    /// Entries of the store written to.
    pub entries: usize,
    /// Whether that store was written before (a first write adds a store to the room).
    pub store_exists: bool,
    /// Stores of the room ever written.
    pub stores: usize,
    /// Bytes of every value of the room.
    pub room_bytes: usize,
}

/// Whether a write of `new_bytes` replacing a value of `old_bytes` (`None`: a new entry) stays
/// within the bounds. Deletions and overwrites that shrink always pass.
pub fn check_capacity(
    usage: StoreUsage,
    old_bytes: Option<usize>,
    new_bytes: usize,
    limits: &StoreLimits,
) -> Result<(), StoreRuleError> {
    if old_bytes.is_none() {
        if !usage.store_exists && usage.stores >= limits.max_stores_per_room {
            return Err(StoreRuleError::TooManyStores {
                max: limits.max_stores_per_room,
            });
        }
        if usage.entries >= limits.max_entries_per_store {
            return Err(StoreRuleError::TooManyEntries {
                max: limits.max_entries_per_store,
            });
        }
    }
    let old = old_bytes.unwrap_or(0);
    if new_bytes > old {
        let bytes = usage.room_bytes - old.min(usage.room_bytes) + new_bytes;
        if bytes > limits.max_room_bytes {
            return Err(StoreRuleError::RoomFull {
                bytes,
                max: limits.max_room_bytes,
            });
        }
    }
    Ok(())
}

/// Whether a client that has seen a store up to `since` (`None`: nothing) gets the whole store
/// rather than the changes since: it saw nothing, saw less than the deletions still
/// remembered (`horizon`), or claims a version the store never had (a client of another
/// database).
pub fn needs_snapshot(meta: Option<&StoreMeta>, since: Option<i64>) -> bool {
    let (version, horizon) = meta.map_or((0, 0), |m| (m.version, m.horizon));
    match since {
        None => true,
        Some(since) => since < horizon || since > version || since < 0,
    }
}

/// What a backend read for a batch of writes to one room's stores.
#[derive(Debug, Clone, Default)]
pub struct StoresRead {
    /// Every store row of the room.
    pub metas: Vec<StoreMeta>,
    /// The rows of the keys the batch writes, by (store, key): a value, or `None` for a
    /// tombstone. A key with no row is absent.
    pub rows: BTreeMap<(String, String), Option<StoreValue>>,
}

/// What a batch does: each write's outcome, in order, and the rows to write for it.
#[derive(Debug, Clone, Default)]
pub struct StoresPlan {
    /// Per write: the change it made, `None` for a deletion of nothing, or why it was refused
    /// (a refused write changes nothing; the others still apply).
    pub outcomes: Vec<Result<Option<StoreChange>, StoreRuleError>>,
    /// The final row of every key the batch changed (upserted; `value: None` a tombstone).
    pub rows: Vec<StoreEntryRow>,
    /// The store rows the batch changed, as they end (upserted).
    pub metas: Vec<StoreMeta>,
    /// Per store: how many of its oldest tombstones to forget (and raise its horizon to the
    /// newest of them), so it remembers at most `max_tombstones_per_store` deletions.
    pub prune: Vec<(String, u64)>,
}

/// Plans a batch of writes to one room's stores, in order, each on the state the ones before
/// it left: every change gets its store's next version, `update` merges on the stored value,
/// and the bounds hold after each write. The backend writes what this returns in the batch's
/// one transaction.
pub fn plan_writes(
    read: StoresRead,
    ops: &[StoreOp],
    by: Option<&str>,
    limits: &StoreLimits,
    now: Timestamp,
) -> StoresPlan {
    let mut metas: BTreeMap<String, StoreMeta> = read
        .metas
        .into_iter()
        .map(|m| (m.name.clone(), m))
        .collect();
    let mut rows = read.rows;
    let mut changed_rows: BTreeMap<(String, String), StoreEntryRow> = BTreeMap::new();
    let mut changed_metas: BTreeSet<String> = BTreeSet::new();
    let mut outcomes = Vec::with_capacity(ops.len());
    for op in ops {
        let outcome = plan_one(&mut metas, &mut rows, op, limits).map(|planned| {
            let (action, value) = planned?;
            let meta = metas.get_mut(&op.store).expect("planned on a store row");
            meta.version += 1;
            changed_metas.insert(op.store.clone());
            let key = op.write.key().to_owned();
            let bytes = value.as_ref().map_or(0, |v| value_bytes(v) as u64);
            changed_rows.insert(
                (op.store.clone(), key.clone()),
                StoreEntryRow {
                    store: op.store.clone(),
                    key: key.clone(),
                    value: value.clone(),
                    bytes,
                    version: meta.version,
                    updated_at: now,
                    updated_by: by.map(str::to_owned),
                },
            );
            Some(StoreChange {
                store: op.store.clone(),
                key,
                action,
                value,
                version: meta.version,
                at: now,
                by: by.map(str::to_owned),
            })
        });
        outcomes.push(outcome);
    }
    let mut prune = Vec::new();
    let metas = changed_metas
        .into_iter()
        .map(|name| {
            let mut meta = metas.remove(&name).expect("a changed store has a row");
            let max = limits.max_tombstones_per_store as u64;
            if meta.tombstones > max {
                // Down to half the bound, so pruning runs once per max/2 deletions, not on each.
                let count = meta.tombstones - max / 2;
                meta.tombstones -= count;
                prune.push((name, count));
            }
            meta
        })
        .collect();
    StoresPlan {
        outcomes,
        rows: changed_rows.into_values().collect(),
        metas,
        prune,
    }
}

/// One write on the batch's state so far: the action and the entry's value after it (`None`
/// for a deletion), `Ok(None)` when it changes nothing. Updates `metas` and `rows` (but not
/// the version, which the caller takes) only when it succeeds.
#[allow(clippy::type_complexity)]
fn plan_one(
    metas: &mut BTreeMap<String, StoreMeta>,
    rows: &mut BTreeMap<(String, String), Option<StoreValue>>,
    op: &StoreOp,
    limits: &StoreLimits,
) -> Result<Option<(StoreAction, Option<StoreValue>)>, StoreRuleError> {
    check_name("store", &op.store)?;
    let key = op.write.key();
    check_key(key, limits)?;
    let slot = (op.store.clone(), key.to_owned());
    let current = rows.get(&slot).cloned();
    let old = current.clone().flatten();
    let schema = op.schema.as_deref();
    let (action, value) = match &op.write {
        StoreWrite::Set { value, .. } => (StoreAction::Set, Some(plan_set(schema, value, limits)?)),
        StoreWrite::Update { value, .. } => {
            let existing = old
                .as_ref()
                .ok_or_else(|| StoreRuleError::EntryNotFound(key.to_owned()))?;
            let merged = plan_update(schema, existing, value, limits)?;
            (StoreAction::Update, Some(merged))
        }
        StoreWrite::Delete { .. } => {
            if old.is_none() {
                return Ok(None);
            }
            (StoreAction::Delete, None)
        }
    };
    // A store counts once written, even emptied: its row and its tombstones stay, so a client
    // inventing store names cannot grow a room's rows without bound.
    let usage = StoreUsage {
        entries: metas.get(&op.store).map_or(0, |m| m.entries as usize),
        store_exists: metas.contains_key(&op.store),
        stores: metas.len(),
        room_bytes: metas.values().map(|m| m.bytes as usize).sum(),
    };
    let old_bytes = old.as_ref().map(value_bytes);
    let new_bytes = value.as_ref().map_or(0, value_bytes);
    if value.is_some() {
        check_capacity(usage, old_bytes, new_bytes, limits)?;
    }
    let meta = metas.entry(op.store.clone()).or_insert_with(|| StoreMeta {
        name: op.store.clone(),
        ..StoreMeta::default()
    });
    // Saturating: counters a crash or an old bug left too small must not wrap (a room full for
    // good) or panic the writer.
    meta.bytes = meta.bytes.saturating_sub(old_bytes.unwrap_or(0) as u64) + new_bytes as u64;
    match (&old, &value) {
        (None, Some(_)) => meta.entries += 1,
        (Some(_), None) => meta.entries = meta.entries.saturating_sub(1),
        _ => {}
    }
    // A tombstone is one per key: writing over one forgets it, deleting makes one.
    let was_tombstone = matches!(current, Some(None));
    if was_tombstone && value.is_some() {
        meta.tombstones = meta.tombstones.saturating_sub(1);
    }
    if value.is_none() {
        meta.tombstones += 1;
    }
    rows.insert(slot, value.clone());
    Ok(Some((action, value)))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn tasks() -> StoreSchema {
        let schemas = parse_schemas(&json!({
            "tasks": {
                "title": {"type": "string", "required": true},
                "completed": {"type": "boolean", "default": false},
                "points": {"type": "number"}
            }
        }))
        .unwrap();
        schemas["tasks"].clone()
    }

    #[test]
    fn schemas_are_parsed_and_bad_ones_named() {
        let schema = tasks();
        assert_eq!(schema.fields.len(), 3);
        assert!(schema.fields["title"].required);
        assert_eq!(schema.fields["completed"].default, Some(json!(false)));
        let refused = |v: Value| parse_schemas(&v).unwrap_err().to_string();
        assert!(refused(json!({"1x": {"a": {"type": "string"}}})).contains("store name"));
        assert!(refused(json!({"s": {"a-b": {"type": "string"}}})).contains("field name"));
        assert!(refused(json!({"s": {"a": {"type": "date"}}})).contains("'string'"));
        assert!(
            refused(json!({"s": {"a": {"type": "number", "default": "1"}}})).contains("default")
        );
        assert!(
            refused(json!({"s": {"a": {"type": "number", "required": 1}}})).contains("required")
        );
        assert!(refused(json!({"s": {}})).contains("at least one field"));
        assert!(refused(json!([])).contains("object of stores"));
    }

    #[test]
    fn set_fills_defaults_and_enforces_required_fields_and_types() {
        let (schema, limits) = (tasks(), StoreLimits::default());
        let set = plan_set(Some(&schema), &json!({"title": "Ship"}), &limits).unwrap();
        assert_eq!(
            Value::Object(set),
            json!({"title": "Ship", "completed": false})
        );
        let err = |v: Value| plan_set(Some(&schema), &v, &limits).unwrap_err();
        assert_eq!(err(json!({})), StoreRuleError::MissingField("title".into()));
        assert_eq!(err(json!({"title": "a", "x": 1})).code(), "invalid_value");
        assert!(
            err(json!({"title": 3}))
                .to_string()
                .contains("is a string, not a number")
        );
        assert_eq!(err(json!([1])), StoreRuleError::NotAnObject("an array"));
        // Without a schema any object goes.
        assert!(plan_set(None, &json!({"any": [1, {"x": null}]}), &limits).is_ok());
    }

    #[test]
    fn update_merges_fields_and_null_removes_an_optional_one() {
        let (schema, limits) = (tasks(), StoreLimits::default());
        let existing = plan_set(
            Some(&schema),
            &json!({"title": "Ship", "points": 3}),
            &limits,
        )
        .unwrap();
        let merged = plan_update(
            Some(&schema),
            &existing,
            &json!({"completed": true}),
            &limits,
        )
        .unwrap();
        assert_eq!(
            Value::Object(merged.clone()),
            json!({"title": "Ship", "completed": true, "points": 3})
        );
        let merged =
            plan_update(Some(&schema), &merged, &json!({"points": null}), &limits).unwrap();
        assert!(!merged.contains_key("points"));
        // A defaulted field set to null goes back to its default: it is always there.
        let reset =
            plan_update(Some(&schema), &merged, &json!({"completed": null}), &limits).unwrap();
        assert_eq!(reset["completed"], json!(false));
        let err = |v: Value| plan_update(Some(&schema), &merged, &v, &limits).unwrap_err();
        assert_eq!(
            err(json!({"title": null})),
            StoreRuleError::MissingField("title".into())
        );
        assert_eq!(
            err(json!({"nope": null})),
            StoreRuleError::UnknownField("nope".into())
        );
        assert_eq!(err(json!({"completed": "yes"})).code(), "invalid_value");
    }

    #[test]
    fn keys_and_values_stay_within_their_bounds() {
        let limits = StoreLimits {
            max_key_chars: 4,
            max_value_bytes: 20,
            ..StoreLimits::default()
        };
        assert!(check_key("abcd", &limits).is_ok());
        assert!(check_key("añcd", &limits).is_ok(), "characters, not bytes");
        assert_eq!(
            check_key("abcde", &limits).unwrap_err().code(),
            "invalid_key"
        );
        assert!(check_key("", &limits).is_err());
        assert!(check_key("a\nb", &limits).is_err());
        let big = plan_set(None, &json!({"s": "x".repeat(20)}), &limits).unwrap_err();
        assert_eq!(big, StoreRuleError::ValueTooLarge { bytes: 28, max: 20 });
    }

    #[test]
    fn capacity_bounds_entries_stores_and_room_bytes() {
        let limits = StoreLimits {
            max_entries_per_store: 2,
            max_stores_per_room: 1,
            max_room_bytes: 100,
            ..StoreLimits::default()
        };
        let usage = StoreUsage {
            entries: 2,
            store_exists: true,
            stores: 1,
            room_bytes: 90,
        };
        // A new entry in a full store, a new store in a full room.
        assert_eq!(
            check_capacity(usage, None, 1, &limits),
            Err(StoreRuleError::TooManyEntries { max: 2 })
        );
        let other_store = StoreUsage {
            entries: 0,
            store_exists: false,
            ..usage
        };
        assert_eq!(
            check_capacity(other_store, None, 1, &limits),
            Err(StoreRuleError::TooManyStores { max: 1 })
        );
        // An overwrite: only the growth counts; shrinking always passes.
        assert!(check_capacity(usage, Some(10), 20, &limits).is_ok());
        assert_eq!(
            check_capacity(usage, Some(10), 21, &limits),
            Err(StoreRuleError::RoomFull {
                bytes: 101,
                max: 100
            })
        );
        let over = StoreUsage {
            room_bytes: 500,
            ..usage
        };
        assert!(check_capacity(over, Some(50), 10, &limits).is_ok());
    }

    fn op(store: &str, write: StoreWrite) -> StoreOp {
        StoreOp {
            store: store.into(),
            write,
            schema: Some(std::sync::Arc::new(tasks())),
        }
    }

    fn set(key: &str, value: Value) -> StoreWrite {
        StoreWrite::Set {
            key: key.into(),
            value,
        }
    }

    #[test]
    fn a_batch_numbers_its_changes_per_store_and_plans_each_on_the_ones_before() {
        let now = crate::clock::now();
        let limits = StoreLimits::default();
        let read = StoresRead {
            metas: vec![StoreMeta {
                name: "tasks".into(),
                version: 7,
                entries: 1,
                bytes: 10,
                ..StoreMeta::default()
            }],
            rows: BTreeMap::new(),
        };
        let ops = [
            op("tasks", set("a", json!({"title": "A"}))),
            op("tasks", set("b", json!({"nope": 1}))),
            op(
                "tasks",
                StoreWrite::Update {
                    key: "a".into(),
                    value: json!({"completed": true}),
                },
            ),
            op("other", set("x", json!({"title": "X"}))),
            op("tasks", StoreWrite::Delete { key: "zzz".into() }),
            op(
                "tasks",
                StoreWrite::Update {
                    key: "missing".into(),
                    value: json!({"completed": true}),
                },
            ),
        ];
        let plan = plan_writes(read, &ops, Some("usr_1"), &limits, now);
        let versions: Vec<_> = plan
            .outcomes
            .iter()
            .map(|o| o.as_ref().map(|c| c.as_ref().map(|c| c.version)))
            .collect();
        assert_eq!(versions[0], Ok(Some(8)));
        assert_eq!(versions[1].as_ref().unwrap_err().code(), "invalid_value");
        assert_eq!(versions[2], Ok(Some(9)), "a refused write takes no version");
        assert_eq!(versions[3], Ok(Some(1)), "each store counts its own");
        assert_eq!(versions[4], Ok(None), "deleting nothing changes nothing");
        assert_eq!(
            plan.outcomes[5],
            Err(StoreRuleError::EntryNotFound("missing".into()))
        );
        let a = plan.rows.iter().find(|r| r.key == "a").unwrap();
        assert_eq!(
            Value::Object(a.value.clone().unwrap()),
            json!({"title": "A", "completed": true}),
            "the update merged into the set before it"
        );
        assert_eq!(a.version, 9);
        assert_eq!(plan.rows.len(), 2, "one row per key changed");
        let tasks = plan.metas.iter().find(|m| m.name == "tasks").unwrap();
        assert_eq!((tasks.version, tasks.entries), (9, 2));
        assert_eq!(tasks.bytes, 10 + a.bytes);
        assert!(plan.prune.is_empty());
    }

    #[test]
    fn deletions_leave_tombstones_that_are_pruned_past_the_bound() {
        let now = crate::clock::now();
        let limits = StoreLimits {
            max_tombstones_per_store: 4,
            ..StoreLimits::default()
        };
        let mut rows = BTreeMap::new();
        for k in 0..5 {
            rows.insert(
                ("s".to_string(), format!("k{k}")),
                Some(Map::from_iter([("v".to_string(), json!(k))])),
            );
        }
        rows.insert(("s".to_string(), "gone".to_string()), None);
        let read = StoresRead {
            metas: vec![StoreMeta {
                name: "s".into(),
                version: 20,
                entries: 5,
                bytes: 5 * 7,
                tombstones: 1,
                ..StoreMeta::default()
            }],
            rows,
        };
        let mut ops: Vec<StoreOp> = (0..5)
            .map(|k| StoreOp {
                store: "s".into(),
                write: StoreWrite::Delete {
                    key: format!("k{k}"),
                },
                schema: None,
            })
            .collect();
        ops.push(StoreOp {
            store: "s".into(),
            write: set("gone", json!({"v": 9})),
            schema: None,
        });
        let plan = plan_writes(read, &ops, None, &limits, now);
        let meta = &plan.metas[0];
        assert_eq!((meta.entries, meta.version), (1, 26));
        // 1 + 5 deletions - 1 overwritten = 5 > 4: keep 2.
        assert_eq!(plan.prune, vec![("s".to_string(), 3)]);
        assert_eq!(meta.tombstones, 2);
        assert_eq!(meta.bytes, 7);
        assert_eq!(
            plan.rows.iter().filter(|r| r.value.is_none()).count(),
            5,
            "each deleted key is a tombstone row"
        );
    }

    #[test]
    fn a_batch_holds_the_room_bounds_after_each_write() {
        let now = crate::clock::now();
        let limits = StoreLimits {
            max_stores_per_room: 2,
            max_entries_per_store: 2,
            ..StoreLimits::default()
        };
        let w = |store: &str, key: &str| StoreOp {
            store: store.into(),
            write: set(key, json!({"v": 1})),
            schema: None,
        };
        let ops = [
            w("a", "1"),
            w("a", "2"),
            w("a", "3"),
            w("a", "1"),
            w("b", "1"),
            w("c", "1"),
        ];
        let plan = plan_writes(StoresRead::default(), &ops, None, &limits, now);
        let codes: Vec<_> = plan
            .outcomes
            .iter()
            .map(|o| o.as_ref().err().map(|e| e.code()))
            .collect();
        assert_eq!(
            codes,
            [
                None,
                None,
                Some("store_limit"),
                None,
                None,
                Some("store_limit")
            ]
        );
        assert_eq!(
            plan.outcomes[0].as_ref().unwrap().as_ref().unwrap().by,
            None
        );
    }
}
