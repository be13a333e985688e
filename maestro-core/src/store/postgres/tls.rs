//! Where and how to connect: the URL parsed once, with TLS when the URL asks for it.
//!
//! `sslmode=require`, `verify-ca` or `verify-full` connect over TLS (rustls) and always
//! verify the server's certificate chain and host name, against the system's roots or
//! the PEM file `sslrootcert=` names; `disable`, `prefer` and no `sslmode` connect in
//! the clear (a Unix socket or a trusted network). So `require` is stricter here than in
//! libpq, which does not verify under `require`.

use super::client::pg_error;
use crate::error::{Error, Result};
use std::str::FromStr;
use std::sync::mpsc::Sender;
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_postgres::config::SslMode;
use tokio_postgres::{AsyncMessage, Client, Connection, NoTls};
use tokio_postgres_rustls::MakeRustlsConnect;

/// A database to connect to, and how.
#[derive(Clone)]
pub(super) struct Target {
    pub(super) config: tokio_postgres::Config,
    tls: Option<MakeRustlsConnect>,
}

impl Target {
    /// Parses `url` (`shown` is how errors name it: without its password).
    pub(super) fn parse(url: &str, shown: &str) -> Result<Target> {
        let bad =
            |e: String| Error::validation("storage", "url", format!("{shown} is not a usable PostgreSQL URL: {e}"));
        let (base, query) = url.split_once('?').unwrap_or((url, ""));
        let mut kept = Vec::new();
        let (mut verify, mut root_cert) = (false, None);
        for param in query.split('&').filter(|p| !p.is_empty()) {
            match param.split_once('=') {
                Some(("sslrootcert", v)) => root_cert = Some(v.to_owned()),
                Some(("sslmode", "require" | "verify-ca" | "verify-full")) => {
                    verify = true;
                    kept.push("sslmode=require".to_owned());
                }
                Some(("sslmode", "disable" | "allow" | "prefer")) => kept.push("sslmode=disable".to_owned()),
                _ => kept.push(param.to_owned()),
            }
        }
        let url = if kept.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{}", kept.join("&"))
        };
        let mut config = tokio_postgres::Config::from_str(&url).map_err(|e| bad(e.to_string()))?;
        if !verify {
            config.ssl_mode(SslMode::Disable);
            return Ok(Target { config, tls: None });
        }
        let mut roots = rustls::RootCertStore::empty();
        match root_cert {
            Some(path) => {
                use rustls::pki_types::pem::PemObject;
                let path = percent_decode(&path);
                let certs = rustls::pki_types::CertificateDer::pem_file_iter(&path)
                    .map_err(|e| bad(format!("sslrootcert {path}: {e}")))?;
                for cert in certs {
                    let cert = cert.map_err(|e| bad(format!("sslrootcert {path}: {e}")))?;
                    roots.add(cert).map_err(|e| bad(format!("sslrootcert {path}: {e}")))?;
                }
            }
            None => {
                for cert in rustls_native_certs::load_native_certs().certs {
                    // A system certificate rustls cannot use is skipped, as libpq would.
                    let _ = roots.add(cert);
                }
            }
        }
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| bad(e.to_string()))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(Target {
            config,
            tls: Some(MakeRustlsConnect::new(tls)),
        })
    }

    /// Connects; the connection's I/O runs as a task of the current runtime until the
    /// client is dropped or the server goes away.
    pub(super) async fn connect(&self) -> Result<Client> {
        match &self.tls {
            None => {
                let (client, connection) = self.config.connect(NoTls).await.map_err(pg_error)?;
                tokio::spawn(connection);
                Ok(client)
            }
            Some(tls) => {
                let (client, connection) = self.config.connect(tls.clone()).await.map_err(pg_error)?;
                tokio::spawn(connection);
                Ok(client)
            }
        }
    }

    /// Connects a client whose notifications are sent to `woken`.
    pub(super) async fn connect_listening(&self, woken: Sender<()>) -> Result<Client> {
        match &self.tls {
            None => {
                let (client, connection) = self.config.connect(NoTls).await.map_err(pg_error)?;
                tokio::spawn(forward(connection, woken));
                Ok(client)
            }
            Some(tls) => {
                let (client, connection) = self.config.connect(tls.clone()).await.map_err(pg_error)?;
                tokio::spawn(forward(connection, woken));
                Ok(client)
            }
        }
    }
}

/// Drives `connection`, sending a wake-up for every notification it receives.
async fn forward<S, T>(mut connection: Connection<S, T>, woken: Sender<()>)
where
    S: AsyncRead + AsyncWrite + Unpin,
    T: AsyncRead + AsyncWrite + Unpin,
{
    while let Some(Ok(message)) = std::future::poll_fn(|cx| connection.poll_message(cx)).await {
        if matches!(message, AsyncMessage::Notification(_)) && woken.send(()).is_err() {
            break;
        }
    }
}

/// `%xx` escapes of a URL parameter decoded (a path such as `%2Fetc%2Fca.pem`).
fn percent_decode(s: &str) -> String {
    let mut out = Vec::with_capacity(s.len());
    let mut rest = s.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        let hex = (b == b'%')
            .then(|| tail.get(..2))
            .flatten()
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match hex {
            Some(v) => {
                out.push(v);
                rest = &tail[2..];
            }
            None => {
                out.push(b);
                rest = tail;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
