//! TLS for every connection of the log, with libpq's `sslmode` meanings, on
//! rustls (`tokio-postgres-rustls`, the aws-lc-rs provider, with its
//! post-quantum hybrid key exchange first, handed over explicitly: no
//! OpenSSL, no process-wide default provider; see the project's
//! `docs/decisions.md`, "TLS provider").
//!
//! - `disable`: plain TCP.
//! - `prefer` (the default, as in libpq): TLS if the server offers it,
//!   without checking its certificate; plain if it does not, which is
//!   logged at `warn` once per log. A failed handshake is an error (libpq
//!   would retry in plain text; we do not downgrade silently).
//! - `require`: TLS or no connection; the certificate is not checked,
//!   unless `sslrootcert` is given, which makes it `verify-ca` (as libpq).
//! - `verify-ca`: TLS, and the server's chain must lead to a trusted root;
//!   the host name is not checked.
//! - `verify-full`: as `verify-ca`, and the certificate must name the host
//!   connected to (a DNS name, or an IP address for a numeric host).
//!
//! Roots: the PEM file `sslrootcert` names, else the Mozilla roots compiled
//! in (`webpki-roots`; `sslrootcert=system` also means those). Unix-domain
//! sockets never use TLS (libpq ignores `sslmode` there too).
//!
//! `tokio-postgres` parses only `disable|prefer|require` and knows no
//! `sslrootcert`, so the `conninfo` module takes both out of the
//! connection string before the driver parses the rest.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use tokio_postgres::tls::{MakeTlsConnect, TlsConnect};
use tokio_postgres_rustls::MakeRustlsConnect;

use goesgen_runtime::error::LogError;

/// How a [`PostgresLog`](super::PostgresLog) uses TLS: libpq's `sslmode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SslMode {
    /// Plain TCP only.
    Disable,
    /// TLS if the server offers it (the certificate is not checked), else
    /// plain TCP, logged at `warn`. libpq's default, and ours.
    #[default]
    Prefer,
    /// TLS or no connection, the certificate not checked (unless a root
    /// certificate is configured: then as [`SslMode::VerifyCa`]).
    Require,
    /// TLS with a certificate chain leading to a trusted root; any host
    /// name.
    VerifyCa,
    /// TLS with a certificate chain leading to a trusted root that names
    /// the host connected to. What a managed database should use.
    VerifyFull,
}

impl SslMode {
    /// The libpq spelling (`verify-full`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }

    pub(crate) fn parse(value: &str) -> Result<Self, LogError> {
        match value {
            "disable" => Ok(SslMode::Disable),
            "prefer" => Ok(SslMode::Prefer),
            "require" => Ok(SslMode::Require),
            "verify-ca" => Ok(SslMode::VerifyCa),
            "verify-full" => Ok(SslMode::VerifyFull),
            other => Err(LogError::Config(format!(
                "sslmode={other:?} is not supported; use disable, prefer, require, verify-ca \
                 or verify-full"
            ))),
        }
    }

    /// The driver's mode: it negotiates, our verifier checks.
    pub(crate) fn driver_mode(self) -> tokio_postgres::config::SslMode {
        match self {
            SslMode::Disable => tokio_postgres::config::SslMode::Disable,
            SslMode::Prefer => tokio_postgres::config::SslMode::Prefer,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => {
                tokio_postgres::config::SslMode::Require
            }
        }
    }

    /// The mode a driver `Config` asks for.
    pub(crate) fn from_driver(mode: tokio_postgres::config::SslMode) -> Self {
        match mode {
            tokio_postgres::config::SslMode::Disable => SslMode::Disable,
            tokio_postgres::config::SslMode::Require => SslMode::Require,
            _ => SslMode::Prefer,
        }
    }
}

impl fmt::Display for SslMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The TLS side of the log's connections: the rustls configuration for
/// the mode, built once.
#[derive(Clone)]
pub(crate) struct Tls {
    mode: SslMode,
    root_cert: Option<PathBuf>,
    connector: MakeRustlsConnect,
}

impl fmt::Debug for Tls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tls")
            .field("mode", &self.mode)
            .field("root_cert", &self.root_cert)
            .finish_non_exhaustive()
    }
}

/// The mode in force: as libpq, a root certificate (other than the
/// compiled-in roots) makes `require` check the chain.
fn effective_mode(mode: SslMode, root_cert: Option<&Path>) -> SslMode {
    match (mode, root_cert) {
        (SslMode::Require, Some(_)) => SslMode::VerifyCa,
        (mode, _) => mode,
    }
}

impl Tls {
    /// The configuration for `mode`, trusting the certificates in
    /// `root_cert` (PEM) or, without it, the compiled-in Mozilla roots.
    pub fn new(mode: SslMode, root_cert: Option<&Path>) -> Result<Self, LogError> {
        let root_cert = root_cert.filter(|path| path.as_os_str() != "system");
        let mode = effective_mode(mode, root_cert);
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let roots = Arc::new(load_roots(root_cert)?);
        let webpki = WebPkiServerVerifier::builder_with_provider(roots, Arc::clone(&provider))
            .build()
            .map_err(|e| LogError::Config(format!("cannot use the root certificates: {e}")))?;
        let verifier: Arc<dyn ServerCertVerifier> = match mode {
            SslMode::VerifyFull => webpki,
            SslMode::VerifyCa => Arc::new(Relaxed {
                webpki,
                chain: true,
            }),
            SslMode::Disable | SslMode::Prefer | SslMode::Require => Arc::new(Relaxed {
                webpki,
                chain: false,
            }),
        };
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| LogError::Config(format!("cannot configure TLS: {e}")))?
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth();
        Ok(Self {
            mode,
            root_cert: root_cert.map(Path::to_path_buf),
            connector: MakeRustlsConnect::new(config),
        })
    }

    /// The mode in force (`require` with a root certificate is `verify-ca`).
    pub fn mode(&self) -> SslMode {
        self.mode
    }

    /// A connector for one connection attempt, with a flag telling
    /// whether the TLS handshake was started.
    pub fn attempt(&self) -> (Attempt, Arc<AtomicBool>) {
        let handshaken = Arc::new(AtomicBool::new(false));
        (
            Attempt {
                inner: self.connector.clone(),
                handshaken: Arc::clone(&handshaken),
            },
            handshaken,
        )
    }

    /// The error for a failed connection attempt: if it failed in TLS,
    /// which check failed, with the rustls error (or the driver's) as the
    /// source, as [`LogError::Denied`] (retrying does not fix a
    /// certificate or a server without TLS); else as
    /// [`db_error`](super::connect::db_error) classifies it.
    pub fn connect_error(&self, error: tokio_postgres::Error, handshaken: bool) -> LogError {
        if let Some(rustls_error) = rustls_error_of(&error) {
            let check = match &rustls_error {
                rustls::Error::InvalidCertificate(
                    CertificateError::UnknownIssuer | CertificateError::BadSignature,
                ) => "the server's certificate is not signed by a trusted CA (unknown issuer)",
                rustls::Error::InvalidCertificate(
                    CertificateError::NotValidForName
                    | CertificateError::NotValidForNameContext { .. },
                ) => "the server's certificate does not name the host connected to (bad host name)",
                rustls::Error::InvalidCertificate(
                    CertificateError::Expired
                    | CertificateError::ExpiredContext { .. }
                    | CertificateError::NotValidYet
                    | CertificateError::NotValidYetContext { .. },
                ) => "the server's certificate is expired or not yet valid",
                rustls::Error::InvalidCertificate(_) => "the server's certificate was refused",
                _ => "the TLS handshake failed",
            };
            let roots = match &self.root_cert {
                Some(path) => format!("roots from sslrootcert={}", path.display()),
                None => "the compiled-in Mozilla roots".to_owned(),
            };
            tracing::warn!(error = %rustls_error, mode = %self.mode, "PostgreSQL TLS check failed");
            return LogError::Denied {
                message: format!("TLS: {check}; sslmode={}, {roots}", self.mode),
                source: Some(Arc::new(rustls_error)),
            };
        }
        // The driver says so only in text: it has no error kind for it.
        let no_tls = !handshaken
            && std::error::Error::source(&error)
                .is_some_and(|source| source.to_string() == "server does not support TLS");
        if no_tls {
            return LogError::denied(
                format!(
                    "TLS: the server does not offer TLS (no TLS on the server), and sslmode={}",
                    self.mode
                ),
                error,
            );
        }
        super::connect::db_error("cannot connect to PostgreSQL", error)
    }
}

/// The rustls error behind a failed connection, if any (the driver wraps
/// it in an `io::Error`).
fn rustls_error_of(error: &tokio_postgres::Error) -> Option<rustls::Error> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(error);
    while let Some(error) = current {
        if let Some(found) = error.downcast_ref::<rustls::Error>() {
            return Some(found.clone());
        }
        if let Some(io) = error.downcast_ref::<std::io::Error>()
            && let Some(found) = io.get_ref().and_then(|e| e.downcast_ref::<rustls::Error>())
        {
            return Some(found.clone());
        }
        current = error.source();
    }
    None
}

/// The trusted roots: the PEM certificates in `path`, or the Mozilla set.
fn load_roots(path: Option<&Path>) -> Result<RootCertStore, LogError> {
    let Some(path) = path else {
        return Ok(RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        });
    };
    let unreadable = |reason: String| {
        LogError::Config(format!(
            "cannot read the root certificates in sslrootcert={}: {reason}",
            path.display()
        ))
    };
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(path).map_err(|e| unreadable(e.to_string()))? {
        let cert = cert.map_err(|e| unreadable(e.to_string()))?;
        roots
            .add(cert)
            .map_err(|e| unreadable(format!("a certificate is unusable: {e}")))?;
    }
    if roots.is_empty() {
        return Err(unreadable("no certificate found".to_owned()));
    }
    Ok(roots)
}

/// What `verify-ca`, `require` and `prefer` check of the server's
/// certificate: with `chain`, that it leads to a trusted root, not its name
/// (webpki checks the chain first, then the name, so a name mismatch means
/// the chain passed); without, nothing (encryption against passive
/// eavesdroppers only). Either way the handshake's signatures are checked
/// against the certificate presented, as webpki does.
#[derive(Debug)]
struct Relaxed {
    webpki: Arc<WebPkiServerVerifier>,
    chain: bool,
}

impl ServerCertVerifier for Relaxed {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if !self.chain {
            return Ok(ServerCertVerified::assertion());
        }
        match self.webpki.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.webpki.supported_verify_schemes()
    }
}

/// The connector of one connection attempt: rustls, noting whether the
/// handshake started (the server accepted TLS).
pub(crate) struct Attempt {
    inner: MakeRustlsConnect,
    handshaken: Arc<AtomicBool>,
}

/// The stream type of a TLS connection.
pub(crate) type TlsStream<S> = <MakeRustlsConnect as MakeTlsConnect<S>>::Stream;

impl<S> MakeTlsConnect<S> for Attempt
where
    MakeRustlsConnect: MakeTlsConnect<S>,
{
    type Stream = <MakeRustlsConnect as MakeTlsConnect<S>>::Stream;
    type TlsConnect = Handshake<<MakeRustlsConnect as MakeTlsConnect<S>>::TlsConnect>;
    type Error = <MakeRustlsConnect as MakeTlsConnect<S>>::Error;

    fn make_tls_connect(&mut self, domain: &str) -> Result<Self::TlsConnect, Self::Error> {
        Ok(Handshake {
            inner: self.inner.make_tls_connect(domain)?,
            handshaken: Arc::clone(&self.handshaken),
        })
    }
}

/// One handshake, marking the attempt's flag when it starts.
pub(crate) struct Handshake<T> {
    inner: T,
    handshaken: Arc<AtomicBool>,
}

impl<S, T: TlsConnect<S>> TlsConnect<S> for Handshake<T> {
    type Stream = T::Stream;
    type Error = T::Error;
    type Future = T::Future;

    fn connect(self, stream: S) -> Self::Future {
        self.handshaken.store(true, Ordering::SeqCst);
        self.inner.connect(stream)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_root_certificate_makes_require_check_the_chain() {
        assert_eq!(
            Tls::new(SslMode::Require, None).unwrap().mode(),
            SslMode::Require
        );
        match Tls::new(SslMode::Require, Some(Path::new("/nonexistent/ca.pem"))) {
            Err(LogError::Config(message)) => assert!(message.contains("sslrootcert"), "{message}"),
            other => panic!("expected Config, got {other:?}"),
        }
        assert_eq!(
            Tls::new(SslMode::VerifyFull, Some(Path::new("system")))
                .unwrap()
                .mode(),
            SslMode::VerifyFull
        );
        let ca = Some(Path::new("/etc/ssl/db-ca.pem"));
        assert_eq!(effective_mode(SslMode::Require, ca), SslMode::VerifyCa);
        assert_eq!(effective_mode(SslMode::Require, None), SslMode::Require);
        assert_eq!(effective_mode(SslMode::VerifyFull, ca), SslMode::VerifyFull);
        assert_eq!(effective_mode(SslMode::Prefer, ca), SslMode::Prefer);
    }
}
