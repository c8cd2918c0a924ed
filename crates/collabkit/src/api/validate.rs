//! Input rules shared by the resources. Each error names the field.

use super::error::ApiError;

pub const MAX_NAME: usize = 256;
pub const MAX_CUSTOM_ID: usize = 256;
pub const MAX_URL: usize = 2048;

/// A required human-readable text: not blank, at most `max` characters.
pub fn text(field: &str, value: String, max: usize) -> Result<String, ApiError> {
    if value.trim().is_empty() {
        return Err(ApiError::invalid(format!("`{field}` must not be empty")));
    }
    if value.chars().count() > max {
        return Err(ApiError::invalid(format!(
            "`{field}` must be at most {max} characters"
        )));
    }
    Ok(value)
}

/// An identifier chosen by the client: like [`text`], and without control characters.
pub fn custom_id(field: &str, value: String) -> Result<String, ApiError> {
    let value = text(field, value, MAX_CUSTOM_ID)?;
    if value.chars().any(char::is_control) {
        return Err(ApiError::invalid(format!(
            "`{field}` must not contain control characters"
        )));
    }
    Ok(value)
}

/// An optional picture URL.
pub fn picture(value: Option<String>) -> Result<Option<String>, ApiError> {
    match value {
        Some(p) if p.chars().count() > MAX_URL => Err(ApiError::invalid(format!(
            "`profilePicture` must be at most {MAX_URL} characters"
        ))),
        other => Ok(other),
    }
}

/// Deserializes a field that distinguishes "absent" (`None`) from `null` (`Some(None)`).
pub fn double_option<'de, T, D>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    T: serde::Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    serde::Deserialize::deserialize(de).map(Some)
}
