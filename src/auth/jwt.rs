//! Access tokens: short-lived HS256 JWTs, checked for their header (only `alg` and `typ`),
//! algorithm, signature, `exp`, `nbf`, `iss`, `aud`, and (by the Caller extractor) the user's
//! token version (bumped to revoke every session) and their session (`sid`).

use actix_web::http::header;
use actix_web::HttpRequest;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::auth::Role;
use crate::db::{Id, Timestamp};

pub const ISSUER: &str = "salestrack";
pub const AUDIENCE: &str = "salestrack-api";
/// Clock skew tolerated on `exp` and `nbf`.
const LEEWAY_SECONDS: i64 = 5;

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: Id,
    pub role: Role,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
    pub jti: String,
    /// The user's token version when issued; a newer version revokes the token.
    pub ver: i64,
    /// The session (login) the token belongs to: the family of its refresh tokens. Ending the
    /// session ends the token at once.
    pub sid: Id,
}

/// The only header parameters this server puts in its tokens. Anything else (`kid`, `jku`,
/// `jwk`, `x5u`, `x5c`, `crit`, ...) names a key or a rule the server never issues, so a token
/// carrying it is refused (RFC 8725, 3.10).
const HEADER_PARAMETERS: [&str; 2] = ["alg", "typ"];

pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    pub access_ttl_seconds: i64,
}

impl JwtKeys {
    pub fn new(secret: &[u8], access_ttl_seconds: i64) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        // `exp` and `nbf` are checked against the server's clock in `verify`.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        JwtKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            access_ttl_seconds,
        }
    }

    pub fn issue(
        &self,
        user: Id,
        role: Role,
        token_version: i64,
        session: Id,
        now: Timestamp,
    ) -> anyhow::Result<String> {
        let iat = now.0.timestamp();
        let claims = Claims {
            sub: user,
            role,
            iat,
            nbf: iat,
            exp: iat + self.access_ttl_seconds,
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            jti: Id::new().to_string(),
            ver: token_version,
            sid: session,
        };
        Ok(encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.encoding,
        )?)
    }

    /// Validates a token (header parameters, algorithm, signature, `iss`, `aud`, then `exp` and
    /// `nbf` against `now`) and returns its claims.
    pub fn verify(&self, token: &str, now: Timestamp) -> Result<Claims, String> {
        check_header(token)?;
        let claims = decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| e.to_string())?
            .claims;
        let now = now.0.timestamp();
        if claims.exp <= now - LEEWAY_SECONDS {
            return Err("the token has expired".into());
        }
        if claims.nbf > now + LEEWAY_SECONDS {
            return Err("the token is not valid yet".into());
        }
        Ok(claims)
    }

    /// The user of a request's valid bearer token, without touching the database.
    pub fn subject_of(&self, req: &HttpRequest, now: Timestamp) -> Option<Id> {
        bearer(req)
            .and_then(|t| self.verify(t, now).ok())
            .map(|c| c.sub)
    }
}

/// Refuses a token whose header carries a parameter the server does not issue.
fn check_header(token: &str) -> Result<(), String> {
    let malformed = || "the token header is malformed".to_string();
    let segment = token.split('.').next().ok_or_else(malformed)?;
    let bytes = URL_SAFE_NO_PAD.decode(segment).map_err(|_| malformed())?;
    let header: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&bytes).map_err(|_| malformed())?;
    match header
        .keys()
        .find(|k| !HEADER_PARAMETERS.contains(&k.as_str()))
    {
        Some(k) => Err(format!(
            "the token header carries `{k}`, which this server does not issue"
        )),
        None => Ok(()),
    }
}

/// The bearer token of a request, if any.
pub fn bearer(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}
