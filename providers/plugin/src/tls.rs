//! go-plugin's AutoMTLS: a certificate made for one plugin run on each side, each side trusting
//! exactly the other's.
//!
//! The host makes a self-signed client certificate (ECDSA P-256, `localhost`, client and server
//! auth, a CA so Go's verifier accepts it as its own root) and hands its PEM to the plugin in
//! `PLUGIN_CLIENT_CERT`; the plugin answers with its own certificate (base64 DER) in the
//! handshake line. Neither side checks names or chains: [`PinnedCert`] accepts one certificate,
//! byte for byte, and checks the handshake signature against it. go-plugin makes P-521
//! certificates, which ring cannot verify, so P-521 signatures are checked with RustCrypto's
//! `p521`; everything else uses rustls's ring provider. ALPN is `h2`, as grpc-go requires.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{
    ring, verify_tls12_signature, verify_tls13_signature, WebPkiSupportedAlgorithms,
};
use rustls::pki_types::{
    alg_id, AlgorithmIdentifier, CertificateDer, InvalidSignature, PrivateKeyDer,
    PrivatePkcs8KeyDer, ServerName, SignatureVerificationAlgorithm, UnixTime,
};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, SignatureScheme};

/// Why TLS material could not be made or used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// rcgen could not make a certificate.
    #[error("generating a certificate: {0}")]
    Generate(#[from] rcgen::Error),
    /// rustls refused the configuration.
    #[error("TLS configuration: {0}")]
    Config(#[from] rustls::Error),
    /// A certificate given as PEM or base64 could not be read.
    #[error("reading a certificate: {0}")]
    Parse(String),
}

/// A certificate and key made for one run.
pub struct Identity {
    /// The certificate, DER.
    pub cert_der: Vec<u8>,
    /// The certificate, PEM (what `PLUGIN_CLIENT_CERT` carries).
    pub cert_pem: String,
    /// The private key, PKCS#8 DER.
    pub key_der: Vec<u8>,
}

/// Makes a fresh self-signed identity as go-plugin's `generateCert` does (on P-256); fails only
/// when the system's random source does.
pub fn generate_identity() -> Result<Identity, TlsError> {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()])?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "localhost");
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, "HashiCorp");
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.key_usages = vec![
        rcgen::KeyUsagePurpose::DigitalSignature,
        rcgen::KeyUsagePurpose::KeyEncipherment,
        rcgen::KeyUsagePurpose::KeyAgreement,
        rcgen::KeyUsagePurpose::KeyCertSign,
    ];
    params.extended_key_usages = vec![
        rcgen::ExtendedKeyUsagePurpose::ClientAuth,
        rcgen::ExtendedKeyUsagePurpose::ServerAuth,
    ];
    let now = std::time::SystemTime::now();
    params.not_before = (now - std::time::Duration::from_secs(30)).into();
    params.not_after = (now + std::time::Duration::from_secs(262_980 * 3600)).into();
    let cert = params.self_signed(&key)?;
    Ok(Identity {
        cert_der: cert.der().to_vec(),
        cert_pem: cert.pem(),
        key_der: key.serialize_der(),
    })
}

/// The DER inside the first `CERTIFICATE` block of a PEM text; fails when there is none.
pub fn pem_to_der(pem: &str) -> Result<Vec<u8>, TlsError> {
    use base64::Engine;
    let begin = "-----BEGIN CERTIFICATE-----";
    let end = "-----END CERTIFICATE-----";
    let start = pem
        .find(begin)
        .ok_or_else(|| TlsError::Parse("no BEGIN CERTIFICATE line".into()))?
        + begin.len();
    let stop = pem[start..]
        .find(end)
        .ok_or_else(|| TlsError::Parse("no END CERTIFICATE line".into()))?;
    let b64: String = pem[start..start + stop]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|e| TlsError::Parse(e.to_string()))
}

/// ECDSA on P-521 with SHA-512, checked with RustCrypto's `p521`.
#[derive(Debug)]
struct EcdsaP521Sha512;

impl SignatureVerificationAlgorithm for EcdsaP521Sha512 {
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        use p521::ecdsa::signature::Verifier;
        let key =
            p521::ecdsa::VerifyingKey::from_sec1_bytes(public_key).map_err(|_| InvalidSignature)?;
        let sig = p521::ecdsa::Signature::from_der(signature).map_err(|_| InvalidSignature)?;
        key.verify(message, &sig).map_err(|_| InvalidSignature)
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        alg_id::ECDSA_P521
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        alg_id::ECDSA_SHA512
    }
}

static P521: EcdsaP521Sha512 = EcdsaP521Sha512;
static P521_ONLY: [&dyn SignatureVerificationAlgorithm; 1] = [&P521];

fn algorithms() -> &'static WebPkiSupportedAlgorithms {
    static ALGS: std::sync::OnceLock<WebPkiSupportedAlgorithms> = std::sync::OnceLock::new();
    ALGS.get_or_init(|| {
        let base = ring::default_provider().signature_verification_algorithms;
        let all: Vec<&'static dyn SignatureVerificationAlgorithm> = base
            .all
            .iter()
            .copied()
            .chain([&P521 as &dyn SignatureVerificationAlgorithm])
            .collect();
        let mut mapping: Vec<(
            SignatureScheme,
            &'static [&'static dyn SignatureVerificationAlgorithm],
        )> = base.mapping.to_vec();
        mapping.push((SignatureScheme::ECDSA_NISTP521_SHA512, &P521_ONLY));
        WebPkiSupportedAlgorithms {
            all: Vec::leak(all),
            mapping: Vec::leak(mapping),
        }
    })
}

/// Trusts exactly one certificate, as either side of an AutoMTLS connection.
#[derive(Debug)]
pub struct PinnedCert {
    der: Vec<u8>,
}

impl PinnedCert {
    /// Trusts the certificate with these DER bytes.
    pub fn new(der: Vec<u8>) -> Arc<Self> {
        Arc::new(PinnedCert { der })
    }

    fn check(&self, presented: &CertificateDer<'_>) -> Result<(), rustls::Error> {
        if presented.as_ref() == self.der.as_slice() {
            Ok(())
        } else {
            Err(rustls::Error::General(
                "the peer's certificate is not the one exchanged in the plugin handshake".into(),
            ))
        }
    }
}

impl ServerCertVerifier for PinnedCert {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.check(end_entity)
            .map(|()| ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, algorithms())
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, algorithms())
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        algorithms().supported_schemes()
    }
}

impl ClientCertVerifier for PinnedCert {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        self.check(end_entity)
            .map(|()| ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, algorithms())
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, algorithms())
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        algorithms().supported_schemes()
    }
}

fn key_of(id: &Identity) -> PrivateKeyDer<'static> {
    PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(id.key_der.clone()))
}

/// The host's TLS configuration: present `me`, trust only `server_der`; fails when rustls
/// refuses the key.
pub fn client_config(me: &Identity, server_der: Vec<u8>) -> Result<rustls::ClientConfig, TlsError> {
    let mut cfg = rustls::ClientConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(PinnedCert::new(server_der))
        .with_client_auth_cert(vec![CertificateDer::from(me.cert_der.clone())], key_of(me))?;
    cfg.alpn_protocols = vec![b"h2".to_vec()];
    Ok(cfg)
}

/// A plugin's TLS configuration (for test plugins written in Rust): present `me`, require
/// exactly `client_der`; fails when rustls refuses the key.
pub fn server_config(me: &Identity, client_der: Vec<u8>) -> Result<rustls::ServerConfig, TlsError> {
    let mut cfg = rustls::ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()?
        .with_client_cert_verifier(PinnedCert::new(client_der))
        .with_single_cert(vec![CertificateDer::from(me.cert_der.clone())], key_of(me))?;
    cfg.alpn_protocols = vec![b"h2".to_vec()];
    Ok(cfg)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
            .collect()
    }

    // Made with `openssl ecparam -name secp521r1 -genkey` and `openssl dgst -sha512 -sign`.
    const PUB: &str = "04003452cf2072794fa48620fa65185bb8105eb77f5d396f892e9e3abd4a3a2985492d1d6ee2f96208c76d0914cc2a23ab4d768bc5b89d818d72aa037c2a2134d2f51d01a7261c7969980cbe4698bdff2b9740bce6ead6406d5c09ba33555dbbade176923bcee3fe1bf5361bd45cf2dc15e3f8a7fc15320dea3353fd39cf3f7aa631b7f15c";
    const SIG: &str = "308188024201dd182f8c1d385f7fcdc5405d7e50dd098d505ddb63af7f680c76d7e0c03fed50298cb877bc32c56a7342a911a66279fbe6ccb6f4d119e6900c3cacfa952d209d9d02420105041bbd90b423b2fe0dabf8317721ff711c25ec4cd7c011c90a4d01f7e8d0b00f430ef73b6672c18f0201c186737362f443d65ee2164632fc65a8d4a037e272cc";

    #[test]
    fn verifies_openssl_p521_signatures_and_rejects_tampering() {
        let (key, sig) = (unhex(PUB), unhex(SIG));
        assert!(P521
            .verify_signature(&key, b"hangar p521 vector", &sig)
            .is_ok());
        assert!(P521
            .verify_signature(&key, b"hangar p521 vectoR", &sig)
            .is_err());
        assert!(algorithms()
            .supported_schemes()
            .contains(&SignatureScheme::ECDSA_NISTP521_SHA512));
    }

    #[test]
    fn identities_are_fresh_and_read_back_from_pem() {
        let a = generate_identity().expect("identity");
        let b = generate_identity().expect("identity");
        assert_ne!(a.cert_der, b.cert_der);
        assert_eq!(pem_to_der(&a.cert_pem).expect("pem"), a.cert_der);
        assert!(client_config(&a, b.cert_der.clone()).is_ok());
        assert!(server_config(&b, a.cert_der).is_ok());
    }
}
