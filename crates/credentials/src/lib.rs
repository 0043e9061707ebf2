//! Verifiable credentials for educators' micro-credentials: Open Badges 3.0 credentials (W3C
//! Verifiable Credentials data model 2.0) signed as Data Integrity proofs with the
//! `eddsa-rdfc-2022` cryptosuite by a district's Ed25519 key, whose identifier is a `did:key`,
//! and their verification — all offline.
//!
//! The proof follows the cryptosuite exactly: the credential without its proof and the proof's
//! options are each turned into RDF (JSON-LD to RDF, with the JSON-LD contexts vendored in this
//! crate and no other document ever loaded), canonicalized with RDFC-1.0 (SHA-256) into
//! N-Quads, hashed with SHA-256; Ed25519 signs the proof options' hash followed by the
//! document's, and the signature is written in multibase base58btc. The tests reproduce the
//! published test vector of 1EdTech's Open Badges 3.0 specification and the output of the
//! Digital Bazaar libraries byte for byte.

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

/// The W3C Verifiable Credentials 2.0 context.
pub const CREDENTIALS_V2: &str = "https://www.w3.org/ns/credentials/v2";
/// The Open Badges 3.0 context (version 3.0.3).
pub const OPEN_BADGES_V3: &str = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";

/// The JSON-LD contexts Ensemble knows, by URL: the only documents it ever loads.
const CONTEXTS: [(&str, &[u8]); 2] = [
    (
        CREDENTIALS_V2,
        include_bytes!("../contexts/credentials-v2.jsonld"),
    ),
    (
        OPEN_BADGES_V3,
        include_bytes!("../contexts/ob-v3p0-context-3.0.3.json"),
    ),
];

/// The multicodec prefix of an Ed25519 public key.
const ED25519_PUB: [u8; 2] = [0xed, 0x01];

#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error("not a JSON object")]
    NotAnObject,
    #[error("the credential cannot be read as JSON-LD: {0}")]
    JsonLd(String),
    #[error("the credential has no proof")]
    NoProof,
    #[error("the proof is not one this verifier knows ({0})")]
    UnknownProof(String),
    #[error("the issuer's key cannot be resolved offline: {0} is not a did:key")]
    Unresolvable(String),
    #[error("the key {0} is not an Ed25519 did:key")]
    BadKey(String),
    #[error("the issuer ({issuer}) is not the controller of the signing key ({controller})")]
    IssuerMismatch { issuer: String, controller: String },
    #[error("the signature does not match the credential")]
    BadSignature,
    #[error("the credential has fields its contexts do not define, which no proof can cover: {0}")]
    Undefined(String),
}

/// A district's signing key: an Ed25519 key identified by its `did:key`.
#[derive(Clone)]
pub struct IssuerKey {
    signing: SigningKey,
}

impl std::fmt::Debug for IssuerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuerKey")
            .field("did", &self.did())
            .finish_non_exhaustive()
    }
}

impl IssuerKey {
    /// The key with this 32-byte secret seed (as stored).
    pub fn from_seed(seed: [u8; 32]) -> Self {
        Self {
            signing: SigningKey::from_bytes(&seed),
        }
    }

    /// A new random key.
    pub fn generate() -> Self {
        Self::from_seed(rand::random())
    }

    /// The secret seed, to store.
    pub fn seed(&self) -> [u8; 32] {
        self.signing.to_bytes()
    }

    /// The public key in multibase (`z6Mk…`).
    pub fn public_key_multibase(&self) -> String {
        multikey(&self.signing.verifying_key())
    }

    /// The issuer's identifier: `did:key:z6Mk…`.
    pub fn did(&self) -> String {
        format!("did:key:{}", self.public_key_multibase())
    }

    /// The verification method a proof names: `did:key:z6Mk…#z6Mk…`.
    pub fn verification_method(&self) -> String {
        format!("{}#{}", self.did(), self.public_key_multibase())
    }
}

fn multikey(key: &VerifyingKey) -> String {
    let mut bytes = ED25519_PUB.to_vec();
    bytes.extend_from_slice(key.as_bytes());
    format!("z{}", bs58::encode(bytes).into_string())
}

/// A JSON-LD document as RDF, its contexts from the vendored set (any other is refused).
fn to_rdf(doc: &Value) -> Result<Vec<oxrdf::Quad>, CredentialError> {
    let bytes = serde_json::to_vec(doc).map_err(|e| CredentialError::JsonLd(e.to_string()))?;
    oxjsonld::JsonLdParser::new()
        .for_slice(&bytes)
        .with_load_document_callback(|url, _| {
            CONTEXTS
                .iter()
                .find(|(u, _)| *u == url)
                .map(|(u, body)| oxjsonld::JsonLdRemoteDocument {
                    document: body.to_vec(),
                    document_url: (*u).to_owned(),
                })
                .ok_or_else(|| format!("the context {url} is not one Ensemble knows").into())
        })
        .collect::<Result<Vec<oxrdf::Quad>, _>>()
        .map_err(|e| CredentialError::JsonLd(e.to_string()))
}

/// The canonical N-Quads (RDFC-1.0, SHA-256) of a JSON-LD document, with its contexts from the
/// vendored set (any other document is refused, never fetched).
pub fn canonical_nquads(doc: &Value) -> Result<String, CredentialError> {
    let quads = to_rdf(doc)?;
    let mut dataset: oxrdf::Dataset = quads.into_iter().collect();
    dataset.canonicalize(oxrdf::dataset::CanonicalizationAlgorithm::Rdfc10 {
        hash_algorithm: oxrdf::dataset::CanonicalizationHashAlgorithm::Sha256,
    });
    let mut lines: Vec<String> = dataset.iter().map(|q| format!("{q} .\n")).collect();
    lines.sort();
    Ok(lines.concat())
}

/// A vocabulary that no context uses, to catch the terms a document's contexts leave undefined.
const UNDEFINED: &str = "urn:ensemble:undefined#";
/// Where the VC 2.0 context puts terms an issuer did not define.
const ISSUER_DEPENDENT: &str = "https://www.w3.org/ns/credentials/issuer-dependent#";

/// The terms of a document that its contexts do not define. JSON-LD drops such a term from the
/// RDF — and so from what a proof signs — so a verifier must refuse them (as Digital Bazaar's
/// "safe mode" does), or it would show unsigned data as signed: under a last, catch-all
/// vocabulary they come out as IRIs of that vocabulary.
fn undefined_terms(doc: &Value) -> Result<Vec<String>, CredentialError> {
    let mut probe = doc.clone();
    if let Value::Object(m) = &mut probe {
        let catch = json!({ "@vocab": UNDEFINED });
        let context = match m.remove("@context") {
            Some(Value::Array(mut a)) => {
                a.push(catch);
                Value::Array(a)
            }
            Some(other) => json!([other, catch]),
            None => json!([catch]),
        };
        m.insert("@context".into(), context);
    }
    let mut found = std::collections::BTreeSet::new();
    for q in to_rdf(&probe)? {
        let iris = [
            Some(q.predicate.as_str()),
            match &q.object {
                oxrdf::Term::NamedNode(n) => Some(n.as_str()),
                _ => None,
            },
        ];
        for iri in iris.into_iter().flatten() {
            for prefix in [UNDEFINED, ISSUER_DEPENDENT] {
                if let Some(name) = iri.strip_prefix(prefix) {
                    found.insert(name.to_owned());
                }
            }
        }
    }
    Ok(found.into_iter().collect())
}

/// What Ed25519 signs: SHA-256 of the canonical proof options, then of the canonical document.
fn hash_data(unsecured: &Value, options: &Value) -> Result<Vec<u8>, CredentialError> {
    let mut out = Sha256::digest(canonical_nquads(options)?.as_bytes()).to_vec();
    out.extend_from_slice(&Sha256::digest(canonical_nquads(unsecured)?.as_bytes()));
    Ok(out)
}

/// The proof's options: the proof without its value, under the document's contexts.
fn proof_options(context: &Value, created: &str, verification_method: &str) -> Value {
    json!({
        "@context": context,
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": "assertionMethod",
    })
}

/// Signs a credential (a JSON object with its `@context`): returns it with a
/// `DataIntegrityProof` by `key`, created at `created` (an XML Schema dateTimeStamp such as
/// `2026-12-01T09:30:00Z`). A proof it already had is replaced.
pub fn sign(credential: &Value, key: &IssuerKey, created: &str) -> Result<Value, CredentialError> {
    sign_as(credential, key, &key.verification_method(), created)
}

/// [`sign`] naming another verification method (for published test vectors).
pub fn sign_as(
    credential: &Value,
    key: &IssuerKey,
    verification_method: &str,
    created: &str,
) -> Result<Value, CredentialError> {
    let mut unsecured = credential
        .as_object()
        .ok_or(CredentialError::NotAnObject)?
        .clone();
    unsecured.remove("proof");
    let context = unsecured.get("@context").cloned().unwrap_or(Value::Null);
    let unsecured = Value::Object(unsecured);
    let options = proof_options(&context, created, verification_method);
    let signature = key.signing.sign(&hash_data(&unsecured, &options)?);
    let mut proof: Map<String, Value> = match options {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    proof.remove("@context");
    proof.insert(
        "proofValue".into(),
        Value::String(format!(
            "z{}",
            bs58::encode(signature.to_bytes()).into_string()
        )),
    );
    let mut signed = unsecured;
    if let Value::Object(m) = &mut signed {
        m.insert("proof".into(), Value::Object(proof));
    }
    Ok(signed)
}

/// The Ed25519 key a `did:key` verification method names (`did:key:z6Mk…#z6Mk…`).
pub fn resolve_did_key(verification_method: &str) -> Result<VerifyingKey, CredentialError> {
    let unresolvable = || CredentialError::Unresolvable(verification_method.to_owned());
    let rest = verification_method
        .strip_prefix("did:key:")
        .ok_or_else(unresolvable)?;
    let (id, fragment) = rest.split_once('#').unwrap_or((rest, rest));
    let bad = || CredentialError::BadKey(verification_method.to_owned());
    if id != fragment {
        return Err(bad());
    }
    let bytes = id
        .strip_prefix('z')
        .and_then(|b58| bs58::decode(b58).into_vec().ok())
        .ok_or_else(bad)?;
    let key: [u8; 32] = bytes
        .strip_prefix(&ED25519_PUB)
        .and_then(|k| k.try_into().ok())
        .ok_or_else(bad)?;
    VerifyingKey::from_bytes(&key).map_err(|_| bad())
}

/// Verifies a signed credential offline: its proof must be an `eddsa-rdfc-2022`
/// `DataIntegrityProof` for assertion by a `did:key` whose controller is the credential's
/// issuer, and the signature must match the credential as it is. Returns the issuer's `did:key`.
pub fn verify(signed: &Value) -> Result<String, CredentialError> {
    let object = signed.as_object().ok_or(CredentialError::NotAnObject)?;
    let proof = object
        .get("proof")
        .and_then(Value::as_object)
        .ok_or(CredentialError::NoProof)?;
    let text = |k: &str| proof.get(k).and_then(Value::as_str).unwrap_or("");
    if text("type") != "DataIntegrityProof"
        || text("cryptosuite") != "eddsa-rdfc-2022"
        || text("proofPurpose") != "assertionMethod"
    {
        return Err(CredentialError::UnknownProof(format!(
            "{} {} for {}",
            text("type"),
            text("cryptosuite"),
            text("proofPurpose")
        )));
    }
    let method = text("verificationMethod");
    let key = resolve_did_key(method)?;
    let controller = method.split('#').next().unwrap_or(method).to_owned();
    let issuer = match object.get("issuer") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Object(o)) => o.get("id").and_then(Value::as_str).unwrap_or("").to_owned(),
        _ => String::new(),
    };
    if issuer != controller {
        return Err(CredentialError::IssuerMismatch { issuer, controller });
    }
    let signature = text("proofValue")
        .strip_prefix('z')
        .and_then(|b58| bs58::decode(b58).into_vec().ok())
        .and_then(|b| <[u8; 64]>::try_from(b).ok())
        .map(|b| Signature::from_bytes(&b))
        .ok_or(CredentialError::BadSignature)?;
    let mut unsecured = object.clone();
    unsecured.remove("proof");
    let undefined = undefined_terms(&Value::Object(unsecured.clone()))?;
    if !undefined.is_empty() {
        return Err(CredentialError::Undefined(undefined.join(", ")));
    }
    let context = unsecured.get("@context").cloned().unwrap_or(Value::Null);
    // The proof's options are the proof as given, without its value, under the document's
    // contexts.
    let mut options = proof.clone();
    options.remove("proofValue");
    options.insert("@context".into(), context);
    let data = hash_data(&Value::Object(unsecured), &Value::Object(options))?;
    key.verify(&data, &signature)
        .map_err(|_| CredentialError::BadSignature)?;
    Ok(controller)
}

/// What an Open Badges 3.0 credential says: who issued it, to whom, for which achievement.
#[derive(Clone, Debug)]
pub struct Badge<'a> {
    /// The credential's own identifier (`urn:uuid:…`).
    pub id: &'a str,
    /// The issuer's name (its identifier is the key's `did:key`).
    pub issuer_name: &'a str,
    /// When it was issued: an XML Schema dateTimeStamp such as `2026-12-01T09:30:00Z`.
    pub valid_from: &'a str,
    /// The achievement's stable identifier (the same for everyone who earns it).
    pub achievement_id: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    /// How it is earned (Markdown).
    pub criteria: &'a str,
    /// The competency it shows: its code and its name.
    pub competency: (&'a str, &'a str),
    /// The earner's e-mail address: it goes in only as a salted SHA-256 hash.
    pub email: &'a str,
    /// The hash's salt.
    pub salt: &'a str,
}

/// An unsigned `OpenBadgeCredential` for a badge, its issuer the key's `did:key`; sign it with
/// [`sign`]. The earner is named by a salted hash of their e-mail address (an `IdentityObject`),
/// so the credential shows whom it belongs to only to someone who knows the address.
pub fn open_badge(b: &Badge<'_>, key: &IssuerKey) -> Value {
    let hash = Sha256::digest(format!("{}{}", b.email.trim().to_lowercase(), b.salt).as_bytes());
    let hex = hex::encode(hash);
    json!({
        "@context": [CREDENTIALS_V2, OPEN_BADGES_V3],
        "id": b.id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": key.did(), "type": ["Profile"], "name": b.issuer_name},
        "validFrom": b.valid_from,
        "name": b.name,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [{
                "type": "IdentityObject",
                "identityHash": format!("sha256${hex}"),
                "identityType": "emailAddress",
                "hashed": true,
                "salt": b.salt,
            }],
            "achievement": {
                "id": b.achievement_id,
                "type": ["Achievement"],
                "name": b.name,
                "description": b.description,
                "criteria": {"narrative": b.criteria},
                "alignment": [{
                    "type": ["Alignment"],
                    "targetName": b.competency.1,
                    "targetCode": b.competency.0,
                    "targetFramework": "Ensemble competencies",
                    "targetUrl": format!("urn:ensemble:competency:{}", b.competency.0),
                }],
            },
        },
    })
}

/// A random `urn:uuid:` (version 4).
pub fn new_urn_uuid() -> String {
    let mut b: [u8; 16] = rand::random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}
