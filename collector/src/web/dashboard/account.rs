//! A person's account page (`/dashboard/account`): their passkeys (added and removed by
//! `passkeys.rs`), where they are signed in, each session ended on its own, and "sign out
//! everywhere" (every session, this one too).

use actix_web::{HttpRequest, HttpResponse, web};

use super::cookie::signed_out;
use super::view::{AccountPage, PasskeyItem, SessionItem};
use super::{LangQuery, failed, html_ok, redirect, same_origin, texts, viewer};
use crate::audit::Actor;
use crate::clock;
use crate::people::{Email, sign_in};
use crate::storage::Storage;
use crate::web::state::AppState;

fn when(ms: i64) -> String {
    clock::from_ms(ms).map_or_else(String::new, |t| {
        t.strftime("%Y-%m-%d %H:%M UTC").to_string()
    })
}

#[tracing::instrument(name = "dashboard::account", skip_all)]
pub(super) async fn page<S: Storage>(
    req: HttpRequest,
    query: web::Query<LangQuery>,
    state: web::Data<AppState<S>>,
) -> HttpResponse {
    let t = texts(&req, query.lang.as_deref());
    let (session, user) = match viewer::signed_in(&state, &req).await {
        Ok(Some(signed_in)) => signed_in,
        Ok(None) => return redirect("/dashboard"),
        Err(error) => return failed(error),
    };
    let sessions = match state.storage.user_sessions(user.id, clock::now_ms()).await {
        Ok(sessions) => sessions,
        Err(error) => return failed(error),
    };
    let sessions = sessions
        .into_iter()
        .map(|s| SessionItem {
            id: s.id,
            current: s.id == session.id,
            client: s.client,
            started: when(s.created_at_ms),
            last_seen: when(s.last_seen_at_ms),
        })
        .collect();
    let passkeys = match state.storage.passkeys_of(user.id).await {
        Ok(passkeys) => passkeys,
        Err(error) => return failed(error),
    };
    let passkeys = passkeys
        .into_iter()
        .map(|p| PasskeyItem {
            id: p.id,
            name: p.name,
            added: when(p.created_at_ms),
            last_used: p
                .last_used_at_ms
                .map_or_else(|| t.people.never.to_owned(), when),
        })
        .collect();
    html_ok(&AccountPage {
        t,
        email: &user.email,
        sessions,
        passkeys,
        passkeys_possible: super::passkeys::relying_party(&state, &req).is_ok(),
    })
}

#[tracing::instrument(name = "dashboard::end_session", skip_all)]
pub(super) async fn end_one<S: Storage>(
    req: HttpRequest,
    path: web::Path<i64>,
    state: web::Data<AppState<S>>,
) -> HttpResponse {
    if !same_origin(&state, &req) {
        return HttpResponse::Forbidden().finish();
    }
    let (session, user) = match viewer::signed_in(&state, &req).await {
        Ok(Some(signed_in)) => signed_in,
        Ok(None) => return redirect("/dashboard"),
        Err(error) => return failed(error),
    };
    let id = path.into_inner();
    // Another person's session is simply not found among this person's.
    if let Err(error) = sign_in::end_session(&state.storage, user.id, id).await {
        return failed(error);
    }
    if id == session.id {
        return signed_out();
    }
    redirect("/dashboard/account")
}

#[tracing::instrument(name = "dashboard::sign_out_everywhere", skip_all)]
pub(super) async fn end_all<S: Storage>(
    req: HttpRequest,
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
    let actor = Email::parse(&user.email).map_or(Actor::Cli, Actor::Person);
    if let Err(error) = sign_in::end_every_session(&state.storage, &user, &actor).await {
        return failed(error);
    }
    signed_out()
}
