//! One health check, done: an HTTP/1.1 GET (over TLS for HTTPS), a TCP connect, a DNS query over
//! UDP, or an external command. Each returns an [`Outcome`]; the caller bounds it with the check's
//! timeout (dropping a command's future kills the command).

use crate::health::check::parse_status_line;
use crate::health::{CommandProbe, DnsProbe, Failure, HttpProbe, Outcome, Probe};
use globe_dns::{Class, Header, Message, MessageBuilder, Question, Writer};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};
use tokio_rustls::rustls::client::danger::{
    HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier,
};
use tokio_rustls::rustls::crypto::{self, CryptoProvider};
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use tokio_rustls::rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_rustls::TlsConnector;

/// The most read while looking for the end of an HTTP status line (RFC 9112 §4 sets no limit; a
/// health endpoint's is a few dozen bytes, and anything longer is not one).
pub const MAX_STATUS_LINE: usize = 1024;
/// The largest DNS response read (a UDP response without EDNS is at most 512 bytes; with it, 64 KiB).
const MAX_DNS_RESPONSE: usize = 65_535;

/// A check ready to run again and again: the TLS client is built once, not per check.
pub struct Prober {
    probe: Probe,
    tls: Option<Result<TlsClient, String>>,
}

/// A TLS client for one HTTPS check.
struct TlsClient {
    connector: TlsConnector,
    name: ServerName<'static>,
}

impl Prober {
    /// Prepares a check. A TLS client that cannot be built (an unreadable `ca_file`, a bad server
    /// name) is logged here, and every check then fails with [`Failure::TlsSetup`].
    pub fn new(probe: &Probe) -> Prober {
        let tls = match probe {
            Probe::Http(http) => http.tls.as_ref().map(|settings| {
                let client = tls_client(settings);
                if let Err(error) = &client {
                    tracing::error!(check = %probe, %error, "cannot set up TLS for a health check");
                }
                client
            }),
            Probe::Tcp { .. } | Probe::Dns(_) | Probe::Command(_) => None,
        };
        Prober {
            probe: probe.clone(),
            tls,
        }
    }

    /// Runs the check once (without a timeout: the caller adds it).
    pub async fn check(&self) -> Outcome {
        let result = match &self.probe {
            Probe::Http(http) => self.http(http).await,
            Probe::Tcp { address } => TcpStream::connect(address).await.map(drop).map_err(io),
            Probe::Dns(dns) => dns_query(dns).await,
            Probe::Command(command) => run_command(command).await,
        };
        match result {
            Ok(()) => Outcome::Success,
            Err(failure) => Outcome::Failure(failure),
        }
    }

    async fn http(&self, http: &HttpProbe) -> Result<(), Failure> {
        let tls = match &self.tls {
            None => None,
            Some(Ok(client)) => Some(client),
            Some(Err(_)) => return Err(Failure::TlsSetup),
        };
        let stream = TcpStream::connect(http.address).await.map_err(io)?;
        stream.set_nodelay(true).ok();
        let request = format!(
            "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: globe-health-check\r\nAccept: */*\r\nConnection: close\r\n\r\n",
            http.path, http.host
        );
        let status = match tls {
            None => status_of(stream, request.as_bytes()).await?,
            Some(client) => {
                let stream = client
                    .connector
                    .connect(client.name.clone(), stream)
                    .await
                    .map_err(tls_failure)?;
                status_of(stream, request.as_bytes()).await?
            }
        };
        if http.status.contains(status) {
            Ok(())
        } else {
            Err(Failure::Status(status))
        }
    }
}

/// Sends the request and reads the status line of the response (the rest is not read: the connection
/// is closed, `Connection: close` having said so).
async fn status_of<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    request: &[u8],
) -> Result<u16, Failure> {
    stream.write_all(request).await.map_err(io)?;
    let mut buffer = [0u8; MAX_STATUS_LINE];
    let mut filled = 0;
    loop {
        let Some(space) = buffer.get_mut(filled..).filter(|s| !s.is_empty()) else {
            return Err(Failure::Malformed);
        };
        let read = stream.read(space).await.map_err(io)?;
        if read == 0 {
            return Err(Failure::Closed);
        }
        let start = filled;
        filled += read;
        let received = &buffer[..filled];
        if received[start..].contains(&b'\n') {
            return parse_status_line(received).ok_or(Failure::Malformed);
        }
        // Not HTTP at all (an SSH banner, a TLS alert): no need to wait for a line end.
        if !b"HTTP/".starts_with(&received[..filled.min(5)]) {
            return Err(Failure::Malformed);
        }
    }
}

/// Asks the probe's question once over UDP and compares the response code with the accepted ones.
/// Datagrams that are not the response to this query are ignored (the timeout ends the wait).
async fn dns_query(dns: &DnsProbe) -> Result<(), Failure> {
    let local: SocketAddr = match dns.address {
        SocketAddr::V4(_) => (std::net::Ipv4Addr::UNSPECIFIED, 0).into(),
        SocketAddr::V6(_) => (std::net::Ipv6Addr::UNSPECIFIED, 0).into(),
    };
    let socket = UdpSocket::bind(local).await.map_err(io)?;
    // Connected: only the server's datagrams arrive, and an ICMP port unreachable is reported.
    socket.connect(dns.address).await.map_err(io)?;
    let id: u16 = rand::random();
    let header = Header {
        id,
        ..Header::default()
    };
    let mut builder = MessageBuilder::new(Writer::with_capacity(512), header, usize::MAX);
    builder.question(&Question {
        name: dns.qname.clone(),
        qtype: dns.qtype,
        qclass: Class::IN,
    });
    socket.send(&builder.finish()).await.map_err(io)?;
    let mut buffer = vec![0u8; MAX_DNS_RESPONSE];
    loop {
        let len = socket.recv(&mut buffer).await.map_err(io)?;
        let bytes = buffer.get(..len).unwrap_or_default();
        let message = match Message::parse(bytes) {
            Ok(message) => message,
            // Our id on something unreadable: the server is broken, not a stray packet.
            Err(_) if bytes.get(..2) == Some(&id.to_be_bytes()[..]) => {
                return Err(Failure::Malformed)
            }
            Err(_) => continue,
        };
        let ours = message.header.id == id
            && message.header.qr
            && message
                .question()
                .is_some_and(|q| q.name == dns.qname && q.qtype == dns.qtype);
        if !ours {
            continue;
        }
        let rcode = message.rcode();
        return if dns.rcodes.contains(&rcode) {
            Ok(())
        } else {
            Err(Failure::Rcode(rcode))
        };
    }
}

/// Runs the command with no input and its output discarded; exit status 0 passes. The child is
/// killed if this future is dropped (the check's timeout), and reaped by tokio.
async fn run_command(command: &CommandProbe) -> Result<(), Failure> {
    let Some((program, arguments)) = command.argv.split_first() else {
        return Err(Failure::Io(std::io::ErrorKind::InvalidInput));
    };
    let status = tokio::process::Command::new(program)
        .args(arguments)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .status()
        .await
        .map_err(|error| Failure::Io(error.kind()))?;
    if status.success() {
        Ok(())
    } else {
        Err(Failure::Exit(status.code()))
    }
}

/// A socket error as a check failure.
fn io(error: std::io::Error) -> Failure {
    match error.kind() {
        std::io::ErrorKind::ConnectionRefused => Failure::Refused,
        kind => Failure::Io(kind),
    }
}

/// A failed TLS handshake: rustls reports its errors inside the `io::Error`.
fn tls_failure(error: std::io::Error) -> Failure {
    use tokio_rustls::rustls::Error;
    match error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<Error>())
    {
        Some(Error::InvalidCertificate(_)) => Failure::Certificate,
        Some(_) => Failure::Handshake,
        None => io(error),
    }
}

/// The TLS client for an HTTPS check: Mozilla's roots and the `ca_file`'s, or no verification at
/// all when `insecure`.
fn tls_client(settings: &crate::health::check::TlsSettings) -> Result<TlsClient, String> {
    let provider = Arc::new(crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?;
    let config = if settings.insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
            .with_no_client_auth()
    } else {
        let mut roots = RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        if let Some(file) = &settings.ca_file {
            let certificates = CertificateDer::pem_file_iter(file)
                .map_err(|e| format!("ca_file {}: {e}", file.display()))?;
            for certificate in certificates {
                let certificate =
                    certificate.map_err(|e| format!("ca_file {}: {e}", file.display()))?;
                roots
                    .add(certificate)
                    .map_err(|e| format!("ca_file {}: {e}", file.display()))?;
            }
        }
        builder.with_root_certificates(roots).with_no_client_auth()
    };
    let name = ServerName::try_from(settings.server_name.clone())
        .map_err(|e| format!("server name {:?}: {e}", settings.server_name))?;
    Ok(TlsClient {
        connector: TlsConnector::from(Arc::new(config)),
        name,
    })
}

/// `insecure = true`: any certificate is accepted (self-signed lab certificates). The handshake's
/// signatures are still checked, so the connection is at least with the holder of the certificate's
/// key.
#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, tokio_rustls::rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        certificate: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, tokio_rustls::rustls::Error> {
        crypto::verify_tls12_signature(
            message,
            certificate,
            signature,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        certificate: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, tokio_rustls::rustls::Error> {
        crypto::verify_tls13_signature(
            message,
            certificate,
            signature,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
