//! The stylesheet and script, compiled into the binary: the UI works offline, with no CDN.

use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};

#[derive(rust_embed::RustEmbed)]
#[folder = "assets/"]
struct Assets;

pub async fn serve(Path(file): Path<String>) -> Response {
    match Assets::get(&file) {
        Some(asset) => {
            let kind = match file.rsplit('.').next() {
                Some("css") => "text/css; charset=utf-8",
                Some("js") => "text/javascript; charset=utf-8",
                Some("svg") => "image/svg+xml",
                _ => "application/octet-stream",
            };
            (
                [
                    (header::CONTENT_TYPE, kind),
                    (header::CACHE_CONTROL, "public, max-age=3600"),
                ],
                asset.data.into_owned(),
            )
                .into_response()
        }
        None => super::Failure::not_found(format!("no asset named {file}")).into_response(),
    }
}
