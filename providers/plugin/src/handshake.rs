//! go-plugin's handshake: what the host puts in the plugin's environment and the one line the
//! plugin prints on stdout in answer.
//!
//! The line is `CORE-PROTOCOL|APP-PROTOCOL|NETWORK|ADDRESS|PROTOCOL|SERVER-CERT`: core protocol
//! `1`, the plugin protocol major version it chose (5 or 6) from `PLUGIN_PROTOCOL_VERSIONS`,
//! `unix` or `tcp`, the socket path or `host:port`, `grpc`, and (under AutoMTLS) its certificate
//! as base64 DER without padding. Fields after the sixth (go-plugin's multiplexing flag) are
//! ignored.

use base64::Engine;

/// Environment variable carrying Terraform's magic cookie.
pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
/// Terraform's magic cookie value: a plugin refuses to serve without it.
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
/// The plugin protocol major versions the host offers.
pub const PROTOCOL_VERSIONS_KEY: &str = "PLUGIN_PROTOCOL_VERSIONS";
/// The host's certificate, PEM (AutoMTLS).
pub const CLIENT_CERT_KEY: &str = "PLUGIN_CLIENT_CERT";

/// Where the plugin listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Address {
    /// A unix socket path.
    Unix(String),
    /// A TCP `host:port`; only loopback addresses are accepted.
    Tcp(std::net::SocketAddr),
}

/// A parsed handshake line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handshake {
    /// The plugin protocol major version the plugin chose.
    pub protocol: u32,
    /// Where to connect.
    pub address: Address,
    /// The plugin's certificate (DER) when it serves TLS.
    pub server_cert: Option<Vec<u8>>,
}

/// Why a handshake line is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HandshakeError {
    /// Fewer than five `|`-separated fields.
    #[error("malformed handshake line {line:?}: expected CORE|APP|NETWORK|ADDR|PROTOCOL[|CERT]")]
    Malformed {
        /// The line as printed.
        line: String,
    },
    /// A core protocol other than go-plugin's 1.
    #[error("unsupported go-plugin core protocol version {0:?} (Hangar speaks 1)")]
    CoreVersion(String),
    /// A plugin protocol version the host did not offer.
    #[error("the plugin chose protocol version {got:?}, but Hangar offered {offered:?}")]
    Version {
        /// What the plugin printed.
        got: String,
        /// What the host offered.
        offered: Vec<u32>,
    },
    /// Something other than gRPC (the old net/rpc protocol).
    #[error("the plugin speaks {0:?}; Hangar supports only grpc plugins")]
    Protocol(String),
    /// A network type other than unix or tcp, or a TCP address off this machine.
    #[error("unsupported plugin address {network} {address}")]
    Address {
        /// `unix`, `tcp`, ...
        network: String,
        /// The address.
        address: String,
    },
    /// The certificate field is not base64.
    #[error("the plugin's certificate in the handshake is not base64: {0}")]
    Cert(String),
}

/// Parses the plugin's handshake line, checking it against the offered protocol versions.
pub fn parse(line: &str, offered: &[u32]) -> Result<Handshake, HandshakeError> {
    let line = line.trim_end_matches(['\r', '\n']);
    let parts: Vec<&str> = line.split('|').collect();
    if parts.len() < 5 {
        return Err(HandshakeError::Malformed {
            line: line.chars().take(200).collect(),
        });
    }
    if parts[0] != "1" {
        return Err(HandshakeError::CoreVersion(parts[0].to_string()));
    }
    let protocol = parts[1]
        .parse::<u32>()
        .ok()
        .filter(|v| offered.contains(v))
        .ok_or_else(|| HandshakeError::Version {
            got: parts[1].to_string(),
            offered: offered.to_vec(),
        })?;
    let address = match parts[2] {
        "unix" => Address::Unix(parts[3].to_string()),
        "tcp" => match parts[3].parse::<std::net::SocketAddr>() {
            Ok(a) if a.ip().is_loopback() => Address::Tcp(a),
            _ => {
                return Err(HandshakeError::Address {
                    network: "tcp".into(),
                    address: parts[3].to_string(),
                })
            }
        },
        other => {
            return Err(HandshakeError::Address {
                network: other.to_string(),
                address: parts[3].to_string(),
            })
        }
    };
    if parts[4] != "grpc" {
        return Err(HandshakeError::Protocol(parts[4].to_string()));
    }
    let server_cert = match parts.get(5).map(|s| s.trim()) {
        None | Some("") => None,
        Some(b64) => Some(
            base64::engine::general_purpose::STANDARD_NO_PAD
                .decode(b64.trim_end_matches('='))
                .map_err(|e| HandshakeError::Cert(e.to_string()))?,
        ),
    };
    Ok(Handshake {
        protocol,
        address,
        server_cert,
    })
}

/// Formats a handshake line (for plugins written in Rust, such as Hangar's test plugin).
pub fn format(protocol: u32, address: &Address, server_cert: Option<&[u8]>) -> String {
    let (network, addr) = match address {
        Address::Unix(p) => ("unix", p.clone()),
        Address::Tcp(a) => ("tcp", a.to_string()),
    };
    let cert = server_cert
        .map(|c| base64::engine::general_purpose::STANDARD_NO_PAD.encode(c))
        .unwrap_or_default();
    format!("1|{protocol}|{network}|{addr}|grpc|{cert}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_unix_and_tcp_lines_with_and_without_certificates() {
        let h = parse("1|5|unix|/tmp/plugin123|grpc|AQID\n", &[5, 6]).expect("valid");
        assert_eq!(h.protocol, 5);
        assert_eq!(h.address, Address::Unix("/tmp/plugin123".into()));
        assert_eq!(h.server_cert, Some(vec![1, 2, 3]));
        let h = parse("1|6|tcp|127.0.0.1:1234|grpc||true", &[6]).expect("valid");
        assert!(h.server_cert.is_none());
        let line = format(6, &h.address, Some(&[9, 8, 7, 6]));
        assert_eq!(
            parse(&line, &[6]).expect("round trip").server_cert,
            Some(vec![9, 8, 7, 6])
        );
    }

    #[test]
    fn refuses_bad_lines_clearly() {
        let e = parse("hello world", &[6]).expect_err("bad");
        assert!(e
            .to_string()
            .contains("malformed handshake line \"hello world\""));
        assert!(matches!(
            parse("2|6|unix|/x|grpc|", &[6]),
            Err(HandshakeError::CoreVersion(_))
        ));
        let e = parse("1|4|unix|/x|grpc|", &[5, 6]).expect_err("version");
        assert_eq!(
            e.to_string(),
            "the plugin chose protocol version \"4\", but Hangar offered [5, 6]"
        );
        assert!(matches!(
            parse("1|6|unix|/x|netrpc|", &[6]),
            Err(HandshakeError::Protocol(_))
        ));
        assert!(matches!(
            parse("1|6|tcp|10.0.0.1:80|grpc|", &[6]),
            Err(HandshakeError::Address { .. })
        ));
        assert!(matches!(
            parse("1|6|unix|/x|grpc|!!", &[6]),
            Err(HandshakeError::Cert(_))
        ));
    }
}
