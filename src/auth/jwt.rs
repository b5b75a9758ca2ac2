//! Access tokens: short-lived HS256 JWTs, checked for algorithm, signature, `exp`, `nbf`,
//! `iss`, `aud` and the user's token version (bumped to revoke every session).

use actix_web::http::header;
use actix_web::HttpRequest;
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
}

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
        };
        Ok(encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.encoding,
        )?)
    }

    /// Validates a token (algorithm, signature, `iss`, `aud`, then `exp` and `nbf` against
    /// `now`) and returns its claims.
    pub fn verify(&self, token: &str, now: Timestamp) -> Result<Claims, String> {
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

/// The bearer token of a request, if any.
pub fn bearer(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}
