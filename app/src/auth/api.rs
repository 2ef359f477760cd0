use domain::dto::SessionUser;
use leptos::prelude::*;

use crate::AppError;

/// The signed-in user, if any.
#[server(prefix = "/rpc", endpoint = "get_session")]
pub async fn get_session() -> Result<Option<SessionUser>, AppError> {
    Ok(crate::ssr::session().await?.user)
}

/// What the sign-in page offers besides passwords ("Sign in with Microsoft").
#[server(prefix = "/rpc", endpoint = "sign_in_options")]
pub async fn sign_in_options() -> Result<domain::sso::SignInOptions, AppError> {
    Ok(crate::ssr::services()?.sso.sign_in_options())
}
