//! Value parsers the settings' flags share. A leaf: the configuration types of every module
//! declare their flags with these, and this module uses none of them.

/// A count flag that must be at least 1 (`--delivery-concurrency 0` would deliver nothing):
/// a 0 is refused with this message instead of being raised to 1 in silence.
pub fn at_least_one<T>(s: &str) -> Result<T, String>
where
    T: std::str::FromStr + PartialOrd + From<u8>,
    T::Err: std::fmt::Display,
{
    let n: T = s.trim().parse().map_err(|e| format!("{e}"))?;
    if n < T::from(1) {
        return Err("must be at least 1".into());
    }
    Ok(n)
}

/// `--secret-key`: held as a secret from the moment it is parsed (redacted in `Debug`, wiped
/// when dropped).
pub fn parse_secret(s: &str) -> Result<secrecy::SecretString, String> {
    Ok(s.to_owned().into())
}
