//! Sign-in: argon2 password check, short-lived JWT access tokens, and rotating refresh
//! tokens stored only as hashes. Reusing a rotated refresh token revokes its whole family.

use std::{
    net::IpAddr,
    sync::{Arc, LazyLock},
    time::Duration,
};

use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};
use domain::{
    Role,
    access::{Actor, Resource, ResourceKind},
    audit::AuditAction,
    dto::SessionUser,
    ids::{GroupId, OrgId, UserId},
    sso::SsoRefusal,
};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set,
    TransactionTrait, sea_query::Expr,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::{
    Error, Result,
    change::Changes,
    clock::SharedClock,
    entities::{group_member, refresh_token, user},
    throttle::{SignInThrottle, ThrottleLimits},
};

#[derive(Clone)]
pub struct AuthSettings {
    pub jwt_secret: String,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
    /// A rotated refresh token presented again within this window gets the same successor
    /// instead of revoking the family: parallel requests from one browser race to refresh.
    pub refresh_grace: Duration,
}

impl std::fmt::Debug for AuthSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthSettings")
            .field("jwt_secret", &"<redacted>")
            .field("access_ttl", &self.access_ttl)
            .field("refresh_ttl", &self.refresh_ttl)
            .field("refresh_grace", &self.refresh_grace)
            .finish()
    }
}

/// What a successful sign-in or refresh hands out.
#[derive(Clone, Debug)]
pub struct IssuedTokens {
    pub access_token: String,
    pub access_ttl: Duration,
    /// Plaintext refresh token: goes into an HttpOnly cookie, only its hash is stored.
    pub refresh_token: String,
    pub refresh_ttl: Duration,
    pub user: SessionUser,
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    org: i32,
    email: String,
    name: String,
    role: Role,
    iat: i64,
    exp: i64,
}

#[derive(Clone)]
pub struct AuthService {
    db: DatabaseConnection,
    settings: AuthSettings,
    /// Hash of a just-rotated refresh token → what it was exchanged for.
    recent_rotations: Option<moka::future::Cache<String, IssuedTokens>>,
    throttle: Arc<SignInThrottle>,
    clock: SharedClock,
    changes: Changes,
}

/// Verified against when the email is unknown, so both failures take the same time.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_password_blocking("not-a-real-password"));

#[expect(
    clippy::expect_used,
    reason = "argon2 with default parameters and a fresh salt cannot fail"
)]
pub fn hash_password_blocking(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 hashing with default parameters cannot fail")
        .to_string()
}

pub async fn hash_password(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || hash_password_blocking(&password))
        .await
        .map_err(|err| Error::internal_from("password hashing", err))
}

fn verify_password_blocking(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Compares secrets without leaking where they differ through timing.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

pub(crate) fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// 32 random bytes as hex: refresh tokens, webhook tokens and signing secrets.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The user as every request sees them, with their custom role's actions when they have one.
pub(crate) async fn session_user(
    conn: &impl sea_orm::ConnectionTrait,
    model: &user::Model,
) -> Result<SessionUser> {
    let (role, custom_role) = match Role::parse(&model.role) {
        Some(role) => (role, None),
        None => {
            let custom = crate::roles::custom_role(conn, OrgId(model.org_id), &model.role)
                .await?
                .ok_or_else(|| {
                    Error::internal(format!("user {} has unknown role {}", model.id, model.role))
                })?;
            (Role::Viewer, Some(custom))
        }
    };
    Ok(SessionUser {
        id: UserId(model.id),
        org_id: OrgId(model.org_id),
        email: model.email.clone(),
        display_name: model.display_name.clone(),
        role,
        attributes: crate::users::attributes_of(model),
        custom_role,
        groups: group_member::Entity::find()
            .filter(group_member::Column::UserId.eq(model.id))
            .all(conn)
            .await?
            .into_iter()
            .map(|membership| GroupId(membership.group_id))
            .collect(),
    })
}

impl AuthService {
    pub fn new(
        db: DatabaseConnection,
        settings: AuthSettings,
        clock: SharedClock,
        changes: Changes,
    ) -> Self {
        let recent_rotations = (!settings.refresh_grace.is_zero()).then(|| {
            moka::future::Cache::builder()
                .max_capacity(10_000)
                .time_to_live(settings.refresh_grace)
                .build()
        });
        Self {
            db,
            settings,
            recent_rotations,
            throttle: Arc::new(SignInThrottle::new(ThrottleLimits::default())),
            clock,
            changes,
        }
    }

    pub async fn login(&self, email: &str, password: &str) -> Result<IssuedTokens> {
        self.login_from(email, password, None).await
    }

    /// Signs in from a client address; failures count against the account and the address,
    /// and past the limit even the right password is refused until the window ends.
    pub async fn login_from(
        &self,
        email: &str,
        password: &str,
        address: Option<IpAddr>,
    ) -> Result<IssuedTokens> {
        let email = email.trim().to_lowercase();
        self.throttle
            .check(&email, address, self.clock.now())
            .map_err(|throttled| Error::TooManyAttempts {
                retry_after_seconds: throttled.retry_after_seconds,
            })?;
        let result = self.verify(&email, password, address).await;
        match &result {
            Ok(_) => self.throttle.record_success(&email),
            Err(Error::InvalidCredentials) => {
                tracing::warn!(email = %email, address = ?address, "failed sign-in");
                self.throttle
                    .record_failure(&email, address, self.clock.now());
            }
            Err(_) => {}
        }
        result
    }

    /// Checks the password; a sign-in and a failed one on a known account are audited (the
    /// refresh token is issued in the sign-in's own change). Unknown emails are only logged:
    /// they belong to no organization's trail.
    async fn verify(
        &self,
        email: &str,
        password: &str,
        address: Option<IpAddr>,
    ) -> Result<IssuedTokens> {
        let found = user::Entity::find()
            .filter(user::Column::Email.eq(email))
            .one(&self.db)
            .await?;
        let stored_hash = found
            .as_ref()
            .and_then(|user| user.password_hash.clone())
            .unwrap_or_else(|| DUMMY_HASH.clone());
        let password = password.to_owned();
        let verified =
            tokio::task::spawn_blocking(move || verify_password_blocking(&password, &stored_hash))
                .await
                .map_err(|err| Error::internal_from("password check", err))?;
        let address = address.map(|address| address.to_string());
        match found {
            Some(user) if verified && user.active => {
                if !password_sign_in_allowed(&self.db, OrgId(user.org_id)).await? {
                    self.record_failure(
                        &user,
                        json!({"address": address, "reason": "password sign-in is off"}),
                    )
                    .await;
                    return Err(Error::SignInRefused(SsoRefusal::PasswordsOff));
                }
                self.open_session(&user, json!({"address": address, "method": "password"}))
                    .await
            }
            Some(user) => {
                let reason = if user.active {
                    "wrong password"
                } else {
                    "account disabled"
                };
                self.record_failure(&user, json!({"address": address, "reason": reason}))
                    .await;
                Err(Error::InvalidCredentials)
            }
            None => Err(Error::InvalidCredentials),
        }
    }

    /// Starts a session for a user who proved who they are (password or single sign-on):
    /// issues tokens, stamps the last sign-in, and audits it with `details`.
    pub(crate) async fn open_session(
        &self,
        user: &user::Model,
        details: serde_json::Value,
    ) -> Result<IssuedTokens> {
        let session = session_user(&self.db, user).await?;
        let change = self
            .changes
            .begin(
                &session,
                AuditAction::SessionSignIn,
                Resource::new(ResourceKind::User, session.org_id),
            )
            .await?;
        let tokens = self.issue_in(change.txn(), session, random_token()).await?;
        user::Entity::update_many()
            .col_expr(user::Column::LastLoginAt, Expr::value(change.now()))
            .filter(user::Column::Id.eq(user.id))
            .exec(change.txn())
            .await?;
        change.commit(user.id, None, Some(details)).await?;
        Ok(tokens)
    }

    /// Audits a refused sign-in on a known account; a failure to audit is logged, never
    /// shown (the refusal stands either way).
    pub(crate) async fn record_failure(&self, user: &user::Model, details: serde_json::Value) {
        let recorded = self
            .changes
            .record(
                Actor::Anonymous {
                    claimed: user.email.clone(),
                },
                AuditAction::SessionSignInFailed,
                Resource::new(ResourceKind::User, OrgId(user.org_id)),
                user.id,
                details,
            )
            .await;
        if let Err(err) = recorded {
            tracing::error!(error = %err, user = user.id, "failed sign-in not audited");
        }
    }

    /// Checks an access token's signature and expiry, then reads the user's current role and
    /// status: a demoted or disabled user loses rights at once, not when the token expires.
    pub async fn authenticate(&self, access_token: &str) -> Result<SessionUser> {
        let claimed = self.verify_token(access_token)?;
        let current = user::Entity::find_by_id(claimed.id)
            .filter(user::Column::Active.eq(true))
            .filter(user::Column::OrgId.eq(claimed.org_id.get()))
            .one(&self.db)
            .await?
            .ok_or(Error::Unauthenticated)?;
        session_user(&self.db, &current).await
    }

    fn verify_token(&self, access_token: &str) -> Result<SessionUser> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        let data = jsonwebtoken::decode::<Claims>(
            access_token,
            &DecodingKey::from_secret(self.settings.jwt_secret.as_bytes()),
            &validation,
        )
        .map_err(|_| Error::Unauthenticated)?;
        let claims = data.claims;
        Ok(SessionUser {
            id: UserId(claims.sub.parse().map_err(|_| Error::Unauthenticated)?),
            org_id: OrgId(claims.org),
            email: claims.email,
            display_name: claims.name,
            role: claims.role,
            attributes: Default::default(),
            custom_role: None,
            groups: Vec::new(),
        })
    }

    /// Exchanges a refresh token for a new pair. The old token is revoked; presenting it again
    /// later revokes every token of its family (a stolen token stops working for both sides).
    pub async fn refresh(&self, refresh_token: &str) -> Result<IssuedTokens> {
        let token_hash = hash_token(refresh_token);
        if let Some(recent) = &self.recent_rotations
            && let Some(successor) = recent.get(&token_hash).await
        {
            return self.still_valid(successor).await;
        }
        let now = self.clock.now();
        let txn = self.db.begin().await?;
        let stored = refresh_token::Entity::find()
            .filter(refresh_token::Column::TokenHash.eq(&token_hash))
            .one(&txn)
            .await?
            .ok_or(Error::Unauthenticated)?;
        if stored.revoked_at.is_some() {
            revoke_family(&txn, &stored.family, now).await?;
            txn.commit().await?;
            tracing::warn!(
                user_id = stored.user_id,
                "refresh token reuse detected; family revoked"
            );
            return Err(Error::Unauthenticated);
        }
        if stored.expires_at <= now {
            return Err(Error::Unauthenticated);
        }
        let claimed = refresh_token::Entity::update_many()
            .col_expr(refresh_token::Column::RevokedAt, Expr::value(now))
            .filter(refresh_token::Column::Id.eq(stored.id))
            .filter(refresh_token::Column::RevokedAt.is_null())
            .exec(&txn)
            .await?;
        if claimed.rows_affected != 1 {
            // Another request rotated this token first.
            return Err(Error::Unauthenticated);
        }
        let owner = user::Entity::find_by_id(stored.user_id)
            .filter(user::Column::Active.eq(true))
            .one(&txn)
            .await?
            .ok_or(Error::Unauthenticated)?;
        let session = session_user(&txn, &owner).await?;
        let tokens = self.issue_in(&txn, session, stored.family).await?;
        txn.commit().await?;
        if let Some(recent) = &self.recent_rotations {
            recent.insert(token_hash, tokens.clone()).await;
        }
        Ok(tokens)
    }

    /// A successor handed out again within the grace window, unless it has since been
    /// revoked (logout, or theft detected).
    async fn still_valid(&self, successor: IssuedTokens) -> Result<IssuedTokens> {
        let live = refresh_token::Entity::find()
            .filter(refresh_token::Column::TokenHash.eq(hash_token(&successor.refresh_token)))
            .filter(refresh_token::Column::RevokedAt.is_null())
            .one(&self.db)
            .await?;
        if live.is_some() {
            Ok(successor)
        } else {
            Err(Error::Unauthenticated)
        }
    }

    /// Ends the session the refresh token belongs to (its whole family); audited when the
    /// token was still live. Unknown tokens are ignored: signing out twice is not an error.
    pub async fn logout(&self, refresh_token: &str) -> Result<()> {
        let Some(stored) = refresh_token::Entity::find()
            .filter(refresh_token::Column::TokenHash.eq(hash_token(refresh_token)))
            .one(&self.db)
            .await?
        else {
            return Ok(());
        };
        let owner = match stored.revoked_at {
            None => match user::Entity::find_by_id(stored.user_id)
                .one(&self.db)
                .await?
            {
                Some(owner) => Some(session_user(&self.db, &owner).await?),
                None => None,
            },
            Some(_) => None,
        };
        let Some(session) = owner else {
            return revoke_family(&self.db, &stored.family, self.clock.now()).await;
        };
        let change = self
            .changes
            .begin(
                &session,
                AuditAction::SessionSignOut,
                Resource::new(ResourceKind::User, session.org_id),
            )
            .await?;
        revoke_family(change.txn(), &stored.family, change.now()).await?;
        change.commit(session.id, None, None).await
    }

    async fn issue_in(
        &self,
        conn: &impl sea_orm::ConnectionTrait,
        user: SessionUser,
        family: String,
    ) -> Result<IssuedTokens> {
        let now = self.clock.now();
        let access_ttl = self.settings.access_ttl;
        let refresh_ttl = self.settings.refresh_ttl;
        let claims = Claims {
            sub: user.id.to_string(),
            org: user.org_id.get(),
            email: user.email.clone(),
            name: user.display_name.clone(),
            role: user.role,
            iat: now.timestamp(),
            exp: now.timestamp() + access_ttl.as_secs() as i64,
        };
        let access_token = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(self.settings.jwt_secret.as_bytes()),
        )
        .map_err(|err| Error::internal_from("signing the access token", err))?;
        let refresh_token = random_token();
        refresh_token::ActiveModel {
            user_id: Set(user.id.get()),
            token_hash: Set(hash_token(&refresh_token)),
            family: Set(family),
            expires_at: Set(now
                + chrono::Duration::from_std(refresh_ttl)
                    .map_err(|err| Error::internal_from("refresh token lifetime", err))?),
            revoked_at: Set(None),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(conn)
        .await?;
        Ok(IssuedTokens {
            access_token,
            access_ttl,
            refresh_token,
            refresh_ttl,
            user,
        })
    }
}

/// May the organization's members sign in with a password? (An organization that
/// signs in only through its identity provider switches this off.)
pub(crate) async fn password_sign_in_allowed(
    conn: &impl sea_orm::ConnectionTrait,
    org_id: OrgId,
) -> Result<bool> {
    Ok(
        crate::entities::organization::Entity::find_by_id(org_id.get())
            .one(conn)
            .await?
            .is_none_or(|organization| organization.password_sign_in),
    )
}

/// Ends every session of the user (disabled, or their password changed).
pub(crate) async fn revoke_user_sessions(
    conn: &impl sea_orm::ConnectionTrait,
    user_id: i32,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(now))
        .filter(refresh_token::Column::UserId.eq(user_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

async fn revoke_family(
    conn: &impl sea_orm::ConnectionTrait,
    family: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(now))
        .filter(refresh_token::Column::Family.eq(family))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// Who is making the current request, as resolved by the server's session middleware.
#[derive(Clone, Debug, Default)]
pub struct RequestSession {
    pub user: Option<SessionUser>,
}

impl RequestSession {
    pub fn require(&self) -> Result<&SessionUser> {
        self.user.as_ref().ok_or(Error::Unauthenticated)
    }
}
