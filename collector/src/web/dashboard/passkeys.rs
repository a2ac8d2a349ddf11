//! The dashboard's passkey routes, called by `passkeys.js`: adding one to the signed-in
//! person's account (two calls: options, then the browser's new credential), removing one, and
//! signing in with one (options for the address given, then the browser's assertion, which
//! starts a session like a password does). JSON in and out; every POST from the dashboard's
//! own origin only.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;
use webauthn_rs::prelude::{PublicKeyCredential, RegisterPublicKeyCredential, Webauthn};

use super::cookie::session_cookie;
use super::{failed, redirect, same_origin, viewer};
use crate::people::passkeys::{self, PasskeyError};
use crate::storage::Storage;
use crate::web::state::AppState;

/// The relying party for the address this request came to.
pub(super) fn relying_party<S>(
    state: &AppState<S>,
    req: &HttpRequest,
) -> Result<Webauthn, PasskeyError> {
    passkeys::relying_party(&crate::web::request::public_base(
        state.public_url.as_deref(),
        req,
    ))
}

fn refused(error: PasskeyError) -> HttpResponse {
    let (status, code) = match &error {
        PasskeyError::Storage(storage) => {
            tracing::error!(error = %storage, "a passkey request failed");
            return HttpResponse::InternalServerError()
                .json(json!({ "error": "internal", "message": "try again" }));
        }
        PasskeyError::Expired => (StatusCode::GONE, "expired"),
        PasskeyError::NoPasskey | PasskeyError::Refused(_) => {
            (StatusCode::UNAUTHORIZED, "passkey_refused")
        }
        PasskeyError::TooMany | PasskeyError::Known => (StatusCode::CONFLICT, "passkey_conflict"),
        PasskeyError::NotADomain(_) => (StatusCode::BAD_REQUEST, "passkeys_unavailable"),
    };
    HttpResponse::build(status).json(json!({ "error": code, "message": error.to_string() }))
}

fn not_same_origin() -> HttpResponse {
    HttpResponse::Forbidden().json(json!({ "error": "forbidden", "message": "another origin" }))
}

/// The person signed in, or the JSON answer saying who is not.
async fn person<S: Storage>(
    state: &AppState<S>,
    req: &HttpRequest,
) -> Result<crate::storage::UserRecord, HttpResponse> {
    match viewer::signed_in(state, req).await {
        Ok(Some((_, user))) => Ok(user),
        Ok(None) => Err(HttpResponse::Unauthorized()
            .json(json!({ "error": "unauthorized", "message": "sign in first" }))),
        Err(error) => Err(failed(error)),
    }
}

fn client_of(req: &HttpRequest) -> &str {
    req.headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

#[tracing::instrument(name = "dashboard::passkeys::add_options", skip_all)]
pub(super) async fn add_options<S: Storage>(
    req: HttpRequest,
    state: web::Data<AppState<S>>,
) -> HttpResponse {
    if !same_origin(&state, &req) {
        return not_same_origin();
    }
    let user = match person(&state, &req).await {
        Ok(user) => user,
        Err(answer) => return answer,
    };
    let result = match relying_party(&state, &req) {
        Ok(rp) => passkeys::start_adding(&state.storage, &rp, &user).await,
        Err(error) => Err(error),
    };
    match result {
        Ok((ceremony, options)) => {
            HttpResponse::Ok().json(json!({ "ceremony": ceremony, "options": options }))
        }
        Err(error) => refused(error),
    }
}

#[derive(Deserialize)]
pub(super) struct NewPasskeyBody {
    ceremony: String,
    #[serde(default)]
    name: String,
    credential: RegisterPublicKeyCredential,
}

#[tracing::instrument(name = "dashboard::passkeys::add", skip_all)]
pub(super) async fn add<S: Storage>(
    req: HttpRequest,
    body: web::Json<NewPasskeyBody>,
    state: web::Data<AppState<S>>,
) -> HttpResponse {
    if !same_origin(&state, &req) {
        return not_same_origin();
    }
    let user = match person(&state, &req).await {
        Ok(user) => user,
        Err(answer) => return answer,
    };
    let result = match relying_party(&state, &req) {
        Ok(rp) => {
            passkeys::finish_adding(
                &state.storage,
                &rp,
                &user,
                &body.ceremony,
                &body.credential,
                &body.name,
            )
            .await
        }
        Err(error) => Err(error),
    };
    match result {
        Ok(()) => HttpResponse::Ok().json(json!({ "added": true })),
        Err(error) => refused(error),
    }
}

#[tracing::instrument(name = "dashboard::passkeys::remove", skip_all)]
pub(super) async fn remove<S: Storage>(
    req: HttpRequest,
    path: web::Path<i64>,
    state: web::Data<AppState<S>>,
) -> HttpResponse {
    if !same_origin(&state, &req) {
        return HttpResponse::Forbidden().finish();
    }
    let user = match viewer::signed_in(&state, &req).await {
        Ok(Some((_, user))) => user,
        Ok(None) => return redirect("/dashboard"),
        Err(error) => return failed(error),
    };
    match passkeys::remove(&state.storage, &user, path.into_inner()).await {
        Ok(_) => redirect("/dashboard/account"),
        Err(error) => failed(error),
    }
}

#[derive(Deserialize)]
pub(super) struct SignInOptionsBody {
    email: String,
}

#[tracing::instrument(name = "dashboard::passkeys::sign_in_options", skip_all)]
pub(super) async fn sign_in_options<S: Storage>(
    req: HttpRequest,
    body: web::Json<SignInOptionsBody>,
    state: web::Data<AppState<S>>,
) -> HttpResponse {
    if !same_origin(&state, &req) {
        return not_same_origin();
    }
    let result = match relying_party(&state, &req) {
        Ok(rp) => passkeys::start_signing_in(&state.storage, &rp, &body.email).await,
        Err(error) => Err(error),
    };
    match result {
        Ok((ceremony, options)) => {
            HttpResponse::Ok().json(json!({ "ceremony": ceremony, "options": options }))
        }
        Err(error) => refused(error),
    }
}

#[derive(Deserialize)]
pub(super) struct SignInBody {
    ceremony: String,
    credential: PublicKeyCredential,
}

#[tracing::instrument(name = "dashboard::passkeys::sign_in", skip_all)]
pub(super) async fn sign_in<S: Storage>(
    req: HttpRequest,
    body: web::Json<SignInBody>,
    state: web::Data<AppState<S>>,
) -> HttpResponse {
    if !same_origin(&state, &req) {
        return not_same_origin();
    }
    let result = match relying_party(&state, &req) {
        Ok(rp) => {
            passkeys::finish_signing_in(
                &state.storage,
                &rp,
                &body.ceremony,
                &body.credential,
                client_of(&req),
            )
            .await
        }
        Err(error) => Err(error),
    };
    match result {
        Ok(started) => {
            let mut response = HttpResponse::Ok().json(json!({ "redirect": "/dashboard" }));
            let _ = response.add_cookie(&session_cookie(&state, &req, &started));
            response
        }
        Err(error) => refused(error),
    }
}

pub(super) async fn script() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/javascript; charset=utf-8"))
        .body(include_str!("passkeys.js"))
}
