//! `coffre serve`: the vault in a browser. Start-up (listen address, TLS, the
//! one open vault), the router, and shutdown. The server is a thin front-end:
//! every decision about who may read or write what, and every audit line, is the
//! library's (`docs/web.md`).

mod admin;
mod common;
mod documents;
mod dossiers;
mod dpo;
mod extract;
mod home;
mod login;
mod notes;
mod pages;
mod person;
mod second_factor;
mod security;
mod sessions;
mod staff;
mod team;

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;
use coffre::{msg, tr, Error, Vault};

use crate::cli::ServeArgs;

/// Everything the handlers share: the open vault, the browser sessions, and
/// what the server was told about itself.
pub struct App {
    /// The one open vault, for the life of the process.
    pub vault: &'static Vault,
    /// Browser sessions (unlocked keys in memory only).
    pub sessions: sessions::Sessions,
    /// Login attempts per account and per address.
    pub throttle: security::Throttle,
    /// Key derivations allowed at once (one per core): each takes the
    /// policy's argon2id memory, so a burst of logins cannot exhaust it.
    pub kdf_slots: tokio::sync::Semaphore,
    /// The staff's document uploads and downloads at once
    /// (`--document-transfers`): each holds a blocking thread while it
    /// streams; one more gets a 503.
    pub transfers: std::sync::Arc<tokio::sync::Semaphore>,
    /// The persons' downloads at once, apart from the staff's (as many
    /// places): a person's idle downloads never turn the staff away.
    pub person_transfers: std::sync::Arc<tokio::sync::Semaphore>,
    /// Transfers each account holds now (`person:` + dossier, `staff:` +
    /// staff id), at most [`App::transfers_each`].
    pub transfers_by: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, usize>>>,
    /// Transfers one account may hold at once
    /// ([`documents::transfers_per_account`]); one more gets a 429.
    pub transfers_each: usize,
    /// How long a document transfer may stay idle (`--transfer-idle-secs`).
    pub transfer_idle: std::time::Duration,
    /// Keys the CSRF tokens (HMAC-SHA256), new at every start.
    pub csrf_key: ring::hmac::Key,
    /// Whether browsers reach us over TLS.
    pub tls: bool,
    /// The `Host` header values accepted (DNS rebinding).
    pub hosts: Vec<String>,
    /// The language of the pages.
    pub lang: coffre::i18n::Lang,
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Logins past their passphrase, waiting for their second factor.
    pub half_open: second_factor::HalfOpen,
    /// Whether only this machine's browsers reach the server: a loopback
    /// address, no trusted proxy, no public name (the policy's
    /// `required-remote` then asks no second factor).
    pub loopback: bool,
    /// The relying party of passkeys (`None`: the server is reached by a
    /// bare IP address, where WebAuthn offers none).
    pub passkeys: Option<Arc<coffre::vault::access::second_factor::RelyingParty>>,
}

/// How long a client has to send a request's headers, counted from when the
/// connection is ready for one (a connection that sends nothing included):
/// slow or idle connections cannot pile up until the process runs out of file
/// descriptors.
const HEADER_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Accepts a plain-HTTP connection once it has sent something, within the
/// given time; a connection that stays silent is closed (hyper's header-read
/// timeout only starts once bytes arrive). Under TLS the handshake's own
/// timeout does this.
#[derive(Clone, Copy)]
struct FirstBytesWithin(std::time::Duration);

impl<S: Send + 'static> axum_server::accept::Accept<tokio::net::TcpStream, S> for FirstBytesWithin {
    type Stream = tokio::net::TcpStream;
    type Service = S;
    type Future = std::pin::Pin<
        Box<dyn std::future::Future<Output = std::io::Result<(Self::Stream, S)>> + Send>,
    >;

    fn accept(&self, stream: tokio::net::TcpStream, service: S) -> Self::Future {
        let within = self.0;
        Box::pin(async move {
            let mut first = [0u8; 1];
            match tokio::time::timeout(within, stream.peek(&mut first)).await {
                Ok(Ok(_)) => Ok((stream, service)),
                Ok(Err(e)) => Err(e),
                Err(_) => Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "no request within the time allowed",
                )),
            }
        })
    }
}

/// A new folder for `coffre demo --serve` without `--dir`.
pub fn demo_dir() -> Result<PathBuf, Error> {
    let bytes = coffre::crypto::key::random_bytes::<4>()?;
    Ok(std::env::temp_dir().join(format!("coffre-demo-{}", hex::encode(bytes))))
}

/// Serves `vault` until SIGINT or SIGTERM. Prints the URL on standard output as
/// a line starting with `http://` or `https://`.
///
/// Errors: [`Error::Usage`] (exit code 2) for a listen address that does not
/// parse, a non-loopback address without TLS nor `--insecure-http`, or
/// unreadable TLS files; [`Error::Io`] (exit code 1) when the address cannot be
/// bound.
pub fn run(vault: Vault, args: &ServeArgs) -> Result<(), Error> {
    let addr: SocketAddr = args
        .listen
        .parse()
        .map_err(|_| Error::Usage(msg!("serve-bad-listen", listen = args.listen.clone())))?;
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(c), Some(k)) => Some(tls_config(c, k)?),
        _ => None,
    };
    if !addr.ip().is_loopback() && tls.is_none() {
        if !args.insecure_http {
            return Err(Error::Usage(msg!("serve-needs-tls")));
        }
        eprintln!("coffre: {}", tr!("serve-insecure-warning"));
    }
    let listener = TcpListener::bind(addr).map_err(|e| {
        Error::Io(msg!(
            "serve-cannot-listen",
            listen = args.listen.clone(),
            e = e
        ))
    })?;
    let local = listener.local_addr().map_err(|e| {
        Error::Io(msg!(
            "serve-cannot-listen",
            listen = args.listen.clone(),
            e = e
        ))
    })?;
    listener.set_nonblocking(true).map_err(|e| {
        Error::Io(msg!(
            "serve-cannot-listen",
            listen = args.listen.clone(),
            e = e
        ))
    })?;

    let port = local.port();
    let mut hosts = vec![host_port(&local.ip().to_string(), port, local.is_ipv6())];
    if local.ip().is_loopback() {
        hosts.push(format!("localhost:{port}"));
    }
    for name in &args.server_names {
        hosts.push(name.to_ascii_lowercase());
        if !name.contains(':') {
            hosts.push(format!("{}:{port}", name.to_ascii_lowercase()));
        }
    }
    let policy = vault.policy().clone();
    let vault: &'static Vault = Box::leak(Box::new(vault));
    let rng = ring::rand::SystemRandom::new();
    let csrf_key = ring::hmac::Key::generate(ring::hmac::HMAC_SHA256, &rng)
        .map_err(|_| Error::Io(msg!("serve-no-randomness")))?;
    let app = Arc::new(App {
        vault,
        sessions: sessions::Sessions::new(&policy.web),
        throttle: security::Throttle::default(),
        kdf_slots: tokio::sync::Semaphore::new(
            std::thread::available_parallelism().map_or(2, |n| n.get()),
        ),
        transfers: std::sync::Arc::new(tokio::sync::Semaphore::new(
            args.document_transfers as usize,
        )),
        person_transfers: std::sync::Arc::new(tokio::sync::Semaphore::new(
            args.document_transfers as usize,
        )),
        transfers_by: std::sync::Arc::default(),
        transfers_each: documents::transfers_per_account(args.document_transfers as usize),
        transfer_idle: std::time::Duration::from_secs(args.transfer_idle_secs),
        csrf_key,
        tls: tls.is_some(),
        hosts,
        lang: coffre::i18n::current(),
        trusted_proxies: args.trusted_proxies.clone(),
        half_open: second_factor::HalfOpen::default(),
        // Only this machine reaches it: a loopback address, and no proxy
        // (`--trusted-proxy`) nor public name (`--server-name`) that would
        // carry other machines' browsers to it.
        loopback: local.ip().is_loopback()
            && args.trusted_proxies.is_empty()
            && args.server_names.is_empty(),
        passkeys: second_factor::relying_party(&args.server_names, local, tls.is_some()),
    });
    let scheme = if tls.is_some() { "https" } else { "http" };
    let url = format!("{scheme}://{}/", app.hosts[0]);
    // A command run while the server holds a folder vault is told to come here.
    vault.announce_server(&url);

    // As many open connections as the hard limit allows (systemd's soft
    // default of 1024 is soon reached by clients that hold connections open).
    {
        use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
        let lim = getrlimit(Resource::Nofile);
        if lim
            .maximum
            .is_some_and(|max| lim.current.is_some_and(|cur| cur < max))
        {
            let _ = setrlimit(
                Resource::Nofile,
                Rlimit {
                    current: lim.maximum,
                    maximum: lim.maximum,
                },
            );
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            Error::Io(msg!(
                "serve-cannot-listen",
                listen = args.listen.clone(),
                e = e
            ))
        })?;
    let result = runtime.block_on(async move {
        let router = router(app.clone());
        println!("{url}");
        eprintln!("coffre: {}", tr!("serve-listening", url = url.clone()));
        let reaper = tokio::spawn(sessions::reaper(app.clone()));
        let handle = axum_server::Handle::new();
        let h = handle.clone();
        tokio::spawn(async move {
            shutdown_signal().await;
            h.graceful_shutdown(Some(std::time::Duration::from_secs(5)));
        });
        let make = router.into_make_service_with_connect_info::<SocketAddr>();
        let failed = |e: std::io::Error| Error::Io(msg!("serve-failed", e = e));
        let served = match tls {
            Some(config) => {
                let config = axum_server::tls_rustls::RustlsConfig::from_config(Arc::new(config));
                match axum_server::from_tcp_rustls(listener, config) {
                    Ok(server) => {
                        let mut server = server.http1_only();
                        server
                            .http_builder()
                            .http1()
                            .header_read_timeout(HEADER_READ_TIMEOUT);
                        server.handle(handle).serve(make).await.map_err(failed)
                    }
                    Err(e) => Err(failed(e)),
                }
            }
            None => match axum_server::from_tcp(listener) {
                Ok(server) => {
                    let mut server = server
                        .acceptor(FirstBytesWithin(HEADER_READ_TIMEOUT))
                        .http1_only();
                    server
                        .http_builder()
                        .http1()
                        .header_read_timeout(HEADER_READ_TIMEOUT);
                    server.handle(handle).serve(make).await.map_err(failed)
                }
                Err(e) => Err(failed(e)),
            },
        };
        reaper.abort();
        // Every session ends: keys zeroized, a checkpoint signed.
        app.sessions.end_all().await;
        app.half_open.end_all().await;
        served
    });
    let settled = vault.settle();
    eprintln!("coffre: {}", tr!("serve-stopped"));
    result?;
    settled
}

/// `ip:port`, with brackets for IPv6, as browsers write it in `Host`.
fn host_port(ip: &str, port: u16, v6: bool) -> String {
    if v6 {
        format!("[{ip}]:{port}")
    } else {
        format!("{ip}:{port}")
    }
}

/// Waits for SIGINT (Ctrl-C) or SIGTERM (systemd's stop).
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// The rustls configuration from PEM files (RFC 7468): the certificate chain
/// and its private key (PKCS#8, PKCS#1 or SEC1). TLS 1.2 and 1.3 only, with
/// ring's cipher suites (rustls' safe defaults).
fn tls_config(cert: &Path, key: &Path) -> Result<rustls::ServerConfig, Error> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let bad = |p: &Path| Error::Usage(msg!("serve-bad-tls-file", path = p.display()));
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|_| bad(cert))?
        .collect::<Result<_, _>>()
        .map_err(|_| bad(cert))?;
    if certs.is_empty() {
        return Err(bad(cert));
    }
    let key_der = PrivateKeyDer::from_pem_file(key).map_err(|_| bad(key))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|_| bad(cert))?
        .with_no_client_auth()
        .with_single_cert(certs, key_der)
        .map_err(|_| bad(key))
}

/// Every page and form, with the security layers around them.
fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(login::home))
        .route("/login", get(login::login_page).post(login::login))
        .route("/logout", post(login::logout))
        .route(
            second_factor::STEP_PATH,
            get(second_factor::step_form).post(second_factor::step),
        )
        .route(
            "/connexion/second-facteur/inscription",
            post(second_factor::step_enrol),
        )
        .route(
            "/connexion/second-facteur/cle",
            post(second_factor::step_passkey),
        )
        .route("/second-facteur", get(second_factor::own))
        .route(
            "/second-facteur/cle",
            get(second_factor::own_passkey_form).post(second_factor::own_passkey),
        )
        .route(
            "/second-facteur/inscription",
            get(second_factor::own_enrol_form).post(second_factor::own_enrol),
        )
        .route(
            "/second-facteur/{factor}/retirer",
            post(second_factor::own_remove),
        )
        .route(
            "/second-facteur/reinitialiser/{staff}",
            post(second_factor::reset),
        )
        .route("/dossiers", get(home::dossiers).post(home::search))
        .route("/cles/remettre", post(home::hand_over))
        .route("/transmissions", get(home::transmissions))
        .route(
            "/dossiers/nouveau",
            get(admin::new_dossier_page).post(admin::new_dossier),
        )
        .route("/dossiers/{dossier}", get(dossiers::dossier))
        .route(
            "/dossiers/{dossier}/acces-personne",
            get(admin::person_access_page).post(admin::person_access),
        )
        .route(
            "/dossiers/{dossier}/notes/new",
            get(notes::note_form).post(notes::note_add),
        )
        .route(
            "/dossiers/{dossier}/bris-de-glace",
            get(dossiers::break_glass_form).post(dossiers::break_glass),
        )
        .route(
            "/dossiers/{dossier}/bris-de-glace/demande",
            post(dossiers::break_glass_ask),
        )
        .route("/dossiers/{dossier}/pourquoi", get(dossiers::explain))
        .route(
            "/dossiers/{dossier}/documents/{doc}",
            get(documents::document_get),
        )
        // Streamed into the vault: the policy's size limit applies while it
        // is read, not axum's default body limit.
        .route(
            "/dossiers/{dossier}/documents",
            post(documents::document_add).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route(
            "/dossiers/{dossier}/copie-lisible",
            get(dossiers::readable_copy),
        )
        .route(
            "/dossiers/{dossier}/equipe",
            get(team::team).post(team::team_add),
        )
        .route(
            "/dossiers/{dossier}/equipe/{staff}/retirer",
            get(team::team_remove_page).post(team::team_remove),
        )
        .route("/personnel", get(staff::staff_list).post(staff::staff_add))
        .route(
            "/personnel/{staff}/{action}",
            get(staff::staff_act_page).post(staff::staff_act),
        )
        .route(
            "/notes/{note}/amend",
            get(notes::amend_form).post(notes::amend),
        )
        .route("/notes/{note}/versions", get(notes::versions))
        .route("/moi", get(person::moi))
        .route(
            "/moi/login",
            get(login::moi_login_page).post(login::moi_login),
        )
        .route("/moi/second-facteur", get(second_factor::person_own))
        .route(
            "/moi/second-facteur/inscription",
            get(second_factor::person_enrol_form).post(second_factor::person_enrol),
        )
        .route(
            "/moi/second-facteur/{factor}/retirer",
            post(second_factor::person_remove),
        )
        .route(
            "/dossiers/{dossier}/second-facteur-personne/reinitialiser",
            post(second_factor::person_reset),
        )
        .route("/moi/note", post(person::moi_note))
        .route("/moi/objection", post(person::moi_objection))
        .route("/moi/documents/{doc}", get(documents::moi_document))
        .route("/moi/export.json", get(person::moi_export))
        .route("/moi/copie-lisible", get(person::moi_readable_copy))
        .route("/audit", get(dpo::audit))
        .route("/audit/checkpoint", post(dpo::audit_checkpoint))
        .route("/audit/historique", get(dpo::audit_history))
        .route("/audit/liberer", get(dpo::release_page).post(dpo::release))
        .route("/audit/rapport.html", get(dpo::audit_report_html))
        .route("/audit/rapport.json", get(dpo::audit_report_json))
        .route("/static/coffre.css", get(common::css))
        .route("/static/passkey.js", get(second_factor::passkey_js))
        .route_layer(axum::middleware::from_fn(security::log))
        .fallback(common::not_found)
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            security::guard,
        ))
        .with_state(app)
}
