//! Input rules shared by the resources. Each error names the field.

use serde::Deserialize;

use super::error::ApiError;

pub const MAX_NAME: usize = 256;
pub const MAX_CUSTOM_ID: usize = 256;
pub const MAX_URL: usize = 2048;

/// A required human-readable text: not blank, at most `max` characters, no control
/// characters (NUL, newlines, escapes: a name is one line, shown as is).
pub fn text(field: &str, value: String, max: usize) -> Result<String, ApiError> {
    if value.trim().is_empty() {
        return Err(ApiError::invalid(format!("`{field}` must not be empty")));
    }
    if value.chars().count() > max {
        return Err(ApiError::invalid(format!(
            "`{field}` must be at most {max} characters"
        )));
    }
    if value.chars().any(char::is_control) {
        return Err(ApiError::invalid(format!(
            "`{field}` must not contain control characters"
        )));
    }
    Ok(value)
}

/// An identifier chosen by the client: like [`text`], and without invisible or bidirectional
/// formatting characters, so that two ids that look the same are the same (`abc` and `a​bc`
/// with a zero-width space, or a right-to-left override that shows `txt.exe` as `exe.txt`).
pub fn custom_id(field: &str, value: String) -> Result<String, ApiError> {
    let value = text(field, value, MAX_CUSTOM_ID)?;
    if value.chars().any(invisible_or_bidi) {
        return Err(ApiError::invalid(format!(
            "`{field}` must not contain invisible or bidirectional formatting characters"
        )));
    }
    Ok(value)
}

/// Zero-width and other invisible formatting characters, and bidirectional controls.
fn invisible_or_bidi(c: char) -> bool {
    matches!(c,
        '\u{00AD}' // soft hyphen
        | '\u{034F}' // combining grapheme joiner
        | '\u{061C}' // Arabic letter mark
        | '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}' // Hangul fillers
        | '\u{17B4}' | '\u{17B5}' // Khmer vowel inherent
        | '\u{180B}'..='\u{180F}' // Mongolian variation selectors and vowel separator
        | '\u{200B}'..='\u{200F}' // zero-width space/joiners, LRM, RLM
        | '\u{202A}'..='\u{202E}' // bidi embeddings and overrides
        | '\u{2060}'..='\u{206F}' // word joiner, invisible operators, bidi isolates
        | '\u{FE00}'..='\u{FE0F}' // variation selectors
        | '\u{FEFF}' // zero-width no-break space
        | '\u{E0000}'..='\u{E007F}' // tags
    )
}

/// An optional picture URL: an absolute http or https URL (a `javascript:` or `data:` URL would
/// run or render in any page that shows the picture).
pub fn picture(value: Option<String>) -> Result<Option<String>, ApiError> {
    let Some(p) = value else { return Ok(None) };
    if p.chars().count() > MAX_URL {
        return Err(ApiError::invalid(format!(
            "`profilePicture` must be at most {MAX_URL} characters"
        )));
    }
    if p.chars().any(char::is_control) {
        return Err(ApiError::invalid(
            "`profilePicture` must not contain control characters",
        ));
    }
    match url::Url::parse(&p) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(Some(p)),
        _ => Err(ApiError::invalid(
            "`profilePicture` must be an absolute http or https URL",
        )),
    }
}

/// A webhook's destination: an absolute http or https URL of at most [`MAX_URL`] characters,
/// with a host, without a fragment (never sent in a request: the receiver would not get what
/// was registered) and not on port 0 (no receiver can listen there).
pub fn destination(field: &str, url: &str) -> Result<url::Url, ApiError> {
    if url.len() > MAX_URL {
        return Err(ApiError::invalid(format!(
            "`{field}` must be at most {MAX_URL} characters"
        )));
    }
    let parsed = url::Url::parse(url).map_err(|e| {
        ApiError::invalid(format!(
            "`{field}` must be an absolute http or https URL ({e})"
        ))
    })?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
        return Err(ApiError::invalid(format!(
            "`{field}` must be an absolute http or https URL"
        )));
    }
    if parsed.fragment().is_some() {
        return Err(ApiError::invalid(format!(
            "`{field}` must not have a fragment (`#…`): it is never sent to the receiver"
        )));
    }
    if parsed.port() == Some(0) {
        return Err(ApiError::invalid(format!(
            "`{field}` must not use port 0: nothing can receive there"
        )));
    }
    Ok(parsed)
}

/// Deserializes a field that may be absent but not `null` (absent leaves it as it is; `null`
/// would silently do the same, so it is refused as the wrong shape: 400 `VALIDATION_ERROR`).
pub fn present<'de, T, D>(de: D) -> Result<Option<T>, D::Error>
where
    T: serde::Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    match Option::<T>::deserialize(de)? {
        Some(v) => Ok(Some(v)),
        None => Err(serde::de::Error::custom("must not be null")),
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
