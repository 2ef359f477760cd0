//! Protections every response gets, set once here rather than per handler: security headers
//! (a Content-Security-Policy whose nonce the rendered scripts carry), a same-origin check for
//! state-changing browser requests, and the API's error envelope for answers the router
//! makes itself (unknown route, wrong method, body too large).

use axum::{
    extract::{Request, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::Response,
};
use domain::{ErrorBody, ErrorCode};

use crate::{AppState, api::error_response};

/// Largest request body any route accepts; routes with smaller needs set their own limit.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// The nonce of this request's Content-Security-Policy, for the scripts the page renders.
#[derive(Clone, Debug)]
pub struct CspNonce(pub String);

/// Makes the request's nonce the one Leptos puts on its scripts; call in the render context.
pub fn provide_csp_nonce() {
    use leptos::prelude::{provide_context, use_context};
    if let Some(parts) = use_context::<http::request::Parts>()
        && let Some(CspNonce(nonce)) = parts.extensions.get::<CspNonce>()
    {
        provide_context(leptos::nonce::Nonce::from_value(nonce.as_str()));
    }
}

fn content_security_policy(nonce: &str, state: &AppState) -> String {
    let frames: String = state
        .config
        .embed_allowed_hosts
        .iter()
        .map(|host| format!(" https://{host}"))
        .collect();
    // The reload websocket of `cargo leptos watch` runs on another port.
    let connect = if state.config.production {
        "'self'"
    } else {
        "'self' ws://127.0.0.1:* ws://localhost:*"
    };
    format!(
        "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; font-src 'self' data:; \
         connect-src {connect}; frame-src 'self'{frames}; frame-ancestors 'self'; \
         base-uri 'self'; form-action 'self'; object-src 'none'"
    )
}

fn is_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"))
}

pub async fn security_headers(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let nonce = leptos::nonce::Nonce::new().to_string();
    request.extensions_mut().insert(CspNonce(nonce.clone()));
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    if is_html(headers)
        && let Ok(policy) = HeaderValue::from_str(&content_security_policy(&nonce, &state))
    {
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    response
}

/// Paths that other servers post to on purpose: signed tool webhooks and the demo tools
/// (called by this server's own connector).
fn accepts_cross_site_posts(path: &str) -> bool {
    path.starts_with("/api/hooks/") || path.starts_with("/mock/")
}

/// Whether a browser says this request comes from another site. Browsers send `Origin` on
/// every POST; `Sec-Fetch-Site` covers the rest. Clients that send neither (curl, tools) are
/// not browsers and carry no ambient cookies from a visited page.
fn is_cross_site(headers: &HeaderMap) -> bool {
    let host = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok());
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin_host = origin
            .to_str()
            .ok()
            .and_then(|origin| url::Url::parse(origin).ok())
            .and_then(|url| {
                let host = url.host_str()?.to_owned();
                Some(match url.port() {
                    Some(port) => format!("{host}:{port}"),
                    None => host,
                })
            });
        return match (origin_host, host) {
            (Some(origin), Some(host)) => !origin.eq_ignore_ascii_case(host),
            // `Origin: null` (sandboxed frames, privacy redirects) or no Host to compare.
            _ => true,
        };
    }
    headers
        .get("sec-fetch-site")
        .is_some_and(|site| site.as_bytes() == b"cross-site")
}

/// Refuses state-changing requests that a browser sent from another site: cookies are
/// SameSite=Lax, and this closes what Lax leaves open (e.g. same-site subdomains, old
/// browsers) for server functions, forms and the REST API alike.
pub async fn same_origin_writes(request: Request, next: Next) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if !safe && !accepts_cross_site_posts(request.uri().path()) && is_cross_site(request.headers())
    {
        return error_response(ErrorBody::new(
            ErrorCode::Forbidden,
            "This request came from another site and was refused. Open the page on this server and try again.",
        ));
    }
    next.run(request).await
}

fn is_api_path(path: &str) -> bool {
    path.starts_with("/api/") || path.starts_with("/rpc/")
}

/// Answers the router makes itself (no route, wrong method, body too large) come in the
/// API's error envelope under /api and /rpc, like every other API error.
pub async fn api_error_envelope(request: Request, next: Next) -> Response {
    if !is_api_path(request.uri().path()) {
        return next.run(request).await;
    }
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"));
    if is_json || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let body = match status {
        StatusCode::NOT_FOUND => ErrorBody::new(
            ErrorCode::NotFound,
            "There is no API endpoint at this path.",
        ),
        StatusCode::METHOD_NOT_ALLOWED => ErrorBody::new(
            ErrorCode::BadRequest,
            "This endpoint does not accept that HTTP method.",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => ErrorBody::new(
            ErrorCode::PayloadTooLarge,
            format!(
                "The request body is too large for this endpoint (at most {} MB).",
                MAX_BODY_BYTES / (1024 * 1024)
            ),
        ),
        other if other.is_client_error() => {
            ErrorBody::new(ErrorCode::BadRequest, "The request was not understood.")
        }
        _ => ErrorBody::new(
            ErrorCode::Internal,
            "Something went wrong on our side. Please try again.",
        ),
    };
    let allow = response.headers().get(header::ALLOW).cloned();
    let mut enveloped = error_response(body);
    // Keep the router's status (405 stays 405) and its Allow header.
    *enveloped.status_mut() = status;
    if let Some(allow) = allow {
        enveloped.headers_mut().insert(header::ALLOW, allow);
    }
    enveloped
}
