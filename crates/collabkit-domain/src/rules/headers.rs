//! Custom headers of a webhook registration: which ones a registration may send on every
//! attempt. Decided here once; the API refuses what this refuses, the stores keep what passes.

use crate::model::WebhookHeaders;

/// The most custom headers one registration has.
pub const MAX_HEADERS: usize = 64;
/// The most bytes of names and values together (4 KiB).
pub const MAX_HEADER_BYTES: usize = 4096;

/// Names refused whatever their case: the request's own framing, hop-by-hop headers (RFC 9110
/// §7.6.1) and the ones that mean something to the receiving host.
const REFUSED: &[&str] = &[
    "host",
    "content-length",
    "content-type",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "te",
    "trailer",
    "upgrade",
    "expect",
];

/// Prefixes refused whatever their case: our own headers (`webhook-id`, `webhook-timestamp`,
/// `webhook-signature`, `collabkit-room-seq`, any we add later) and the proxy's.
const REFUSED_PREFIXES: &[&str] = &["webhook-", "collabkit-", "proxy-"];

/// Why a set of custom headers is refused, worded for the client (naming the header).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeadersRefused(pub String);

impl std::fmt::Display for HeadersRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// An HTTP token (RFC 9110 §5.6.2): one or more `tchar`.
fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'!' | b'#'
                        | b'$'
                        | b'%'
                        | b'&'
                        | b'\''
                        | b'*'
                        | b'+'
                        | b'-'
                        | b'.'
                        | b'^'
                        | b'_'
                        | b'`'
                        | b'|'
                        | b'~'
                )
        })
}

/// Visible ASCII, space and tab (no CR, LF or other control characters), without leading or
/// trailing whitespace (a receiver would not see it).
fn is_value(value: &str) -> bool {
    value
        .bytes()
        .all(|b| b == b'\t' || b == b' ' || (0x21..=0x7e).contains(&b))
        && value.trim_matches([' ', '\t']).len() == value.len()
}

/// Whether `name` is one a registration may not set (whatever its case).
pub fn is_refused_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    REFUSED.contains(&lower.as_str()) || REFUSED_PREFIXES.iter().any(|p| lower.starts_with(p))
}

/// Checks a registration's custom headers: at most [`MAX_HEADERS`], names HTTP tokens, none
/// refused (see [`is_refused_name`]) nor given twice in different cases, values visible ASCII,
/// spaces and tabs, and at most [`MAX_HEADER_BYTES`] of names and values together.
pub fn check_headers(headers: &WebhookHeaders) -> Result<(), HeadersRefused> {
    let refuse = |why: String| Err(HeadersRefused(why));
    if headers.len() > MAX_HEADERS {
        return refuse(format!(
            "`headers` holds {} headers, at most {MAX_HEADERS} are allowed",
            headers.len()
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut bytes = 0usize;
    for (name, value) in headers {
        if !is_token(name) {
            return refuse(format!(
                "`headers` name `{}` is not an HTTP header name (letters, digits and !#$%&'*+-.^_`|~)",
                name.escape_debug()
            ));
        }
        if is_refused_name(name) {
            return refuse(format!(
                "`headers` may not set `{name}`: the signature, host, length, content type, \
                 hop-by-hop and proxy headers are the server's"
            ));
        }
        if !seen.insert(name.to_ascii_lowercase()) {
            return refuse(format!(
                "`headers` names `{name}` twice (header names ignore case)"
            ));
        }
        if !is_value(value) {
            return refuse(format!(
                "`headers` value of `{name}` must be visible ASCII, spaces and tabs, without \
                 line breaks or surrounding whitespace"
            ));
        }
        bytes += name.len() + value.len();
    }
    if bytes > MAX_HEADER_BYTES {
        return refuse(format!(
            "`headers` holds {bytes} bytes of names and values, at most {MAX_HEADER_BYTES} are allowed"
        ));
    }
    Ok(())
}

/// How a store keeps the headers: a JSON object, or `None` (SQL NULL) for none, so a
/// registration without headers costs nothing to claim.
pub fn stored(headers: &WebhookHeaders) -> Option<String> {
    (!headers.is_empty()).then(|| serde_json::to_string(headers).expect("strings serialize"))
}

/// The headers a store kept with [`stored`] (a value it cannot read is none).
pub fn from_stored(stored: Option<&str>) -> WebhookHeaders {
    stored
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or_default()
}

/// The headers a store kept with [`stored`], as a claimed delivery carries them.
pub fn pairs_from_stored(stored: Option<&str>) -> Vec<(String, String)> {
    match stored {
        None => Vec::new(),
        s => from_stored(s).into_iter().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(pairs: &[(&str, &str)]) -> WebhookHeaders {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn ordinary_headers_pass() {
        assert_eq!(check_headers(&of(&[])), Ok(()));
        assert_eq!(
            check_headers(&of(&[
                ("Authorization", "Bearer abc.def"),
                ("X-Tenant", "acme\tcorp"),
                ("User-Agent", "mine/1"),
                ("x!#$%&'*+-.^_`|~", ""),
            ])),
            Ok(())
        );
    }

    #[test]
    fn refused_names_are_named() {
        for name in [
            "Webhook-Signature",
            "webhook-id",
            "WEBHOOK-TIMESTAMP",
            "webhook-anything",
            "Collabkit-Room-Seq",
            "Host",
            "content-length",
            "Content-Type",
            "Transfer-Encoding",
            "connection",
            "Keep-Alive",
            "Proxy-Authorization",
            "TE",
            "trailer",
            "Upgrade",
            "Expect",
        ] {
            let e = check_headers(&of(&[(name, "x")])).unwrap_err();
            assert!(e.0.contains(name), "{e}");
        }
        assert_eq!(check_headers(&of(&[("Hosts", "x")])), Ok(()));
    }

    #[test]
    fn names_must_be_tokens() {
        for name in ["", "X Y", "X:Y", "X\r\nY", "Ünï", "(x)"] {
            assert!(check_headers(&of(&[(name, "x")])).is_err(), "{name:?}");
        }
    }

    #[test]
    fn values_hold_no_line_breaks() {
        for value in ["a\r\nb", "a\nb", "a\0b", "é", " lead", "trail\t"] {
            let e = check_headers(&of(&[("X-A", value)])).unwrap_err();
            assert!(e.0.contains("X-A"), "{e}");
        }
    }

    #[test]
    fn same_name_twice_is_refused() {
        assert!(check_headers(&of(&[("X-A", "1"), ("x-a", "2")])).is_err());
    }

    #[test]
    fn bounded_in_count_and_size() {
        let many: WebhookHeaders = (0..=MAX_HEADERS)
            .map(|i| (format!("X-{i}"), String::new()))
            .collect();
        assert!(check_headers(&many).is_err());
        let exactly = of(&[("X-A", &"v".repeat(MAX_HEADER_BYTES - 3))]);
        assert_eq!(check_headers(&exactly), Ok(()));
        let over = of(&[("X-A", &"v".repeat(MAX_HEADER_BYTES - 2))]);
        assert!(check_headers(&over).unwrap_err().0.contains("4096"));
    }
}
