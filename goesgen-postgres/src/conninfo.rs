//! The TLS settings of a libpq connection string, taken out before the
//! driver parses the rest: `tokio-postgres` parses only
//! `disable|prefer|require` and knows no `sslrootcert`. Both forms:
//! key/value (`host=db sslmode=verify-full`) and URL
//! (`postgresql://db/app?sslmode=verify-full`), with libpq's quoting and
//! percent-encoding.

use std::path::PathBuf;

use goesgen_runtime::error::LogError;

use super::tls::SslMode;

/// A connection string without its TLS settings, and those settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SplitConninfo {
    /// What the driver parses.
    pub rest: String,
    /// `sslmode`, if given.
    pub ssl_mode: Option<SslMode>,
    /// `sslrootcert`, if given.
    pub root_cert: Option<PathBuf>,
}

/// Takes `sslmode` and `sslrootcert` out of a libpq connection string, in
/// key/value form (`host=db sslmode=verify-full`) or as a URL
/// (`postgresql://db/app?sslmode=verify-full`).
pub(crate) fn split_conninfo(conninfo: &str) -> Result<SplitConninfo, LogError> {
    let trimmed = conninfo.trim_start();
    if trimmed.starts_with("postgres://") || trimmed.starts_with("postgresql://") {
        split_url(trimmed)
    } else {
        split_key_values(conninfo)
    }
}

fn split_url(url: &str) -> Result<SplitConninfo, LogError> {
    let mut split = SplitConninfo {
        rest: url.to_owned(),
        ssl_mode: None,
        root_cert: None,
    };
    let Some((base, query)) = url.split_once('?') else {
        return Ok(split);
    };
    let mut kept = Vec::new();
    for pair in query.split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "sslmode" => split.ssl_mode = Some(SslMode::parse(&percent_decode(value)?)?),
            "sslrootcert" => split.root_cert = Some(PathBuf::from(percent_decode(value)?)),
            _ => kept.push(pair),
        }
    }
    split.rest = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok(split)
}

fn percent_decode(value: &str) -> Result<String, LogError> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = value
                    .get(i + 1..i + 3)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| {
                        LogError::Config("invalid percent-encoding in the connection URL".into())
                    })?;
                out.push(hex);
                i += 3;
            }
            byte => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out)
        .map_err(|_| LogError::Config("the connection URL decodes to invalid UTF-8".into()))
}

/// libpq's key/value syntax: `key = value` pairs separated by white
/// space, a value either single-quoted (`\'` and `\\` escaped) or bare.
fn split_key_values(conninfo: &str) -> Result<SplitConninfo, LogError> {
    let mut split = SplitConninfo {
        rest: String::with_capacity(conninfo.len()),
        ssl_mode: None,
        root_cert: None,
    };
    let mut chars = conninfo.char_indices().peekable();
    let mut copied_to = 0;
    loop {
        while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {}
        let Some(&(start, _)) = chars.peek() else {
            break;
        };
        let mut key = String::new();
        while let Some((_, c)) = chars.next_if(|(_, c)| *c != '=' && !c.is_whitespace()) {
            key.push(c);
        }
        while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {}
        if chars.next_if(|(_, c)| *c == '=').is_none() {
            // Malformed: leave it to the driver's parser to explain.
            split.rest.push_str(&conninfo[copied_to..]);
            return Ok(split);
        }
        while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {}
        let mut value = String::new();
        if chars.next_if(|(_, c)| *c == '\'').is_some() {
            loop {
                match chars.next() {
                    Some((_, '\'')) => break,
                    Some((_, '\\')) => {
                        if let Some((_, c)) = chars.next() {
                            value.push(c);
                        }
                    }
                    Some((_, c)) => value.push(c),
                    None => {
                        split.rest.push_str(&conninfo[copied_to..]);
                        return Ok(split);
                    }
                }
            }
        } else {
            while let Some((_, c)) = chars.next_if(|(_, c)| !c.is_whitespace()) {
                if c == '\\' {
                    if let Some((_, next)) = chars.next() {
                        value.push(next);
                    }
                } else {
                    value.push(c);
                }
            }
        }
        let end = chars.peek().map_or(conninfo.len(), |(i, _)| *i);
        match key.as_str() {
            "sslmode" => split.ssl_mode = Some(SslMode::parse(&value)?),
            "sslrootcert" => split.root_cert = Some(PathBuf::from(value)),
            _ => continue,
        }
        split.rest.push_str(&conninfo[copied_to..start]);
        copied_to = end;
    }
    split.rest.push_str(&conninfo[copied_to..]);
    Ok(split)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(conninfo: &str) -> SplitConninfo {
        split_conninfo(conninfo).unwrap()
    }

    #[test]
    fn tls_settings_are_taken_out_of_key_value_strings() {
        let s = split("host=db sslmode=verify-full user=app sslrootcert='/etc/my ca.pem' dbname=x");
        assert_eq!(s.ssl_mode, Some(SslMode::VerifyFull));
        assert_eq!(s.root_cert, Some(PathBuf::from("/etc/my ca.pem")));
        assert_eq!(
            s.rest.split_whitespace().collect::<Vec<_>>(),
            ["host=db", "user=app", "dbname=x"]
        );
        let s = split(r"host=db password='it\'s' sslmode = verify-ca");
        assert_eq!(s.ssl_mode, Some(SslMode::VerifyCa));
        assert!(s.rest.contains(r"password='it\'s'"), "{}", s.rest);
        assert!(!s.rest.contains("sslmode"), "{}", s.rest);
        let s = split("host=db");
        assert_eq!(
            (s.rest.as_str(), s.ssl_mode, s.root_cert),
            ("host=db", None, None)
        );
    }

    #[test]
    fn tls_settings_are_taken_out_of_urls() {
        let s = split(
            "postgresql://app@db/app?sslmode=verify-full&connect_timeout=3&sslrootcert=%2Fca.pem",
        );
        assert_eq!(s.ssl_mode, Some(SslMode::VerifyFull));
        assert_eq!(s.root_cert, Some(PathBuf::from("/ca.pem")));
        assert_eq!(s.rest, "postgresql://app@db/app?connect_timeout=3");
        let s = split("postgres://db?sslmode=require");
        assert_eq!(
            (s.rest.as_str(), s.ssl_mode),
            ("postgres://db", Some(SslMode::Require))
        );
    }

    #[test]
    fn unknown_ssl_modes_are_config_errors_naming_the_value() {
        for conninfo in [
            "host=db sslmode=verify_full",
            "postgresql://db?sslmode=allow",
        ] {
            match split_conninfo(conninfo) {
                Err(LogError::Config(message)) => {
                    assert!(
                        message.contains("verify_full") || message.contains("allow"),
                        "{message}"
                    );
                    assert!(message.contains("verify-full"), "{message}");
                }
                other => panic!("expected Config, got {other:?}"),
            }
        }
    }
}
