use domain::dto::SessionUser;
use leptos::prelude::*;

use crate::AppError;

/// The signed-in user, if any.
#[server(prefix = "/rpc", endpoint = "get_session")]
pub async fn get_session() -> Result<Option<SessionUser>, AppError> {
    Ok(crate::ssr::session().await?.user)
}
