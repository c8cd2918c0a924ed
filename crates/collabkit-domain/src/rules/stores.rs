//! The rules of a room's stores (`/sdk/stores`): what a schema declared with `defineStores` may
//! say, which keys and values a write may hold, how `set` fills defaults and `update` merges,
//! and the bounds a store and a room stay within. Decided here once: the backends store what
//! these return, the realtime layer and the REST API call them, and `@collab-kit/utils`'
//! `applyStoreSchema` applies the same rules in the browser (so a client refuses early what the
//! server would refuse).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

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
}

impl Default for StoreLimits {
    fn default() -> Self {
        StoreLimits {
            max_key_chars: 256,
            max_value_bytes: 64 * 1024,
            max_entries_per_store: 10_000,
            max_stores_per_room: 64,
            max_room_bytes: 64 * 1024 * 1024,
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
    /// Whether that store holds an entry yet (a first entry adds a store to the room).
    pub store_exists: bool,
    /// Stores of the room holding entries.
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
}
