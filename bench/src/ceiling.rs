//! The ceiling: a bare actix-web server that parses the same JSON submission into the same
//! shared type and answers like the collector, but stores nothing, checks no site and writes
//! no log line. What the collector reaches, as a share of this, is the cost of everything
//! that makes a 2xx mean "committed".

use actix_web::{App, HttpResponse, HttpServer, web};
use koe_shared::wire::{Submission, SubmissionReceipt, SubmissionStatus};

pub fn serve(port: u16) -> anyhow::Result<()> {
    actix_web::rt::System::new().block_on(async move {
        HttpServer::new(|| {
            App::new()
                .route("/ready", web::get().to(HttpResponse::Ok))
                .route("/api/v1/responses", web::post().to(submit))
        })
        .bind(("127.0.0.1", port))?
        .run()
        .await
    })?;
    Ok(())
}

async fn submit(body: web::Bytes) -> HttpResponse {
    match serde_json::from_slice::<Submission>(&body) {
        Ok(submission) => HttpResponse::Created().json(SubmissionReceipt {
            id: submission.interaction.as_str().len() as i64,
            status: SubmissionStatus::Created,
        }),
        Err(error) => HttpResponse::BadRequest().json(serde_json::json!({
            "error": "invalid_body",
            "message": error.to_string(),
        })),
    }
}
