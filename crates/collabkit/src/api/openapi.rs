//! What the route annotations leave out of the OpenAPI document, added in one place: the
//! error answers every operation can give (each in the envelope, `ErrorBody`, whose
//! `error.code` is one of `ErrorCode`), the operations endpoints served without credentials,
//! the document itself.

use utoipa::openapi::path::{HttpMethod, Operation, PathItem};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, Required, ResponseBuilder};

fn error(description: &str) -> RefOr<utoipa::openapi::Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build(),
    )
}

fn add(op: &mut Operation, status: &str, description: &str) {
    op.responses
        .responses
        .entry(status.to_owned())
        .or_insert_with(|| error(description));
}

fn operations(item: &mut PathItem) -> Vec<&mut Operation> {
    [
        item.get.as_mut(),
        item.post.as_mut(),
        item.put.as_mut(),
        item.patch.as_mut(),
        item.delete.as_mut(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Every account-scoped POST takes `Idempotency-Key` (see `idempotency.rs`).
fn idempotency_key(op: &mut Operation) {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    let schema = ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(super::idempotency::MAX_KEY))
        .pattern(Some("^[\\x21-\\x7E]+$"));
    let param = ParameterBuilder::new()
        .name("Idempotency-Key")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "Makes the request safe to retry: the same key and request (method, path, body) \
             within the window (24 h by default) answers the first answer again, with \
             `Idempotent-Replayed: true`, without acting again. 1 to 255 visible ASCII \
             characters (else 400 `invalid_idempotency_key`); per account.",
        ))
        .schema(Some(schema))
        .build();
    op.parameters.get_or_insert_with(Vec::new).push(param);
    add(
        op,
        "409",
        "`CONFLICT`: `idempotency_key_in_progress` (a request with this `Idempotency-Key` is \
         still being handled; retry after `Retry-After`), or a rule of the resource",
    );
    add(
        op,
        "422",
        "`VALIDATION_ERROR`: `idempotency_key_reused` (this `Idempotency-Key` was used for a \
         different request)",
    );
}

/// Completes the document the routes generated.
pub fn complete(doc: &mut OpenApi) {
    for (path, item) in doc.paths.paths.iter_mut() {
        let account_scoped = path.starts_with("/v1/accounts/");
        let names_a_thing = path.matches('{').count() > usize::from(account_scoped);
        if account_scoped && let Some(post) = item.post.as_mut() {
            idempotency_key(post);
        }
        for op in operations(item) {
            if account_scoped {
                add(
                    op,
                    "400",
                    "`BAD_REQUEST` (malformed JSON, a bad query parameter or cursor) or \
                     `VALIDATION_ERROR` (a body of the wrong shape: a missing, mistyped or unknown \
                     field, or a field breaking a rule); the message names it",
                );
                add(op, "401", "`UNAUTHORIZED`: missing or wrong credentials");
                add(
                    op,
                    "403",
                    "`FORBIDDEN`: these credentials do not give access to that account",
                );
                add(
                    op,
                    "429",
                    "`RATE_LIMITED`: past the account's request rate; see `Retry-After`",
                );
                add(
                    op,
                    "500",
                    "`INTERNAL_ERROR`: the server hit an unexpected error",
                );
                add(
                    op,
                    "503",
                    "`SERVICE_UNAVAILABLE`: the server is overloaded (`overloaded`) or its storage \
                     unavailable (`storage_unavailable`); nothing changed, retry after `Retry-After`",
                );
                if names_a_thing {
                    add(op, "404", "`NOT_FOUND`: not found (or another account's)");
                }
                if op.request_body.is_some() {
                    add(
                        op,
                        "413",
                        "`PAYLOAD_TOO_LARGE`: the body is larger than the server accepts",
                    );
                    add(
                        op,
                        "415",
                        "`UNSUPPORTED_MEDIA_TYPE`: the body is not `application/json`",
                    );
                }
            }
        }
        if matches!(path.as_str(), "/healthz" | "/readyz" | "/metrics") {
            for op in operations(item) {
                // Served without credentials.
                op.security = Some(Vec::new());
            }
        }
        if path == "/v1/connect"
            && let Some(get) = item.get.as_mut()
        {
            for param in get.parameters.iter_mut().flatten() {
                if param.name == "token" {
                    param.required = Required::True;
                }
            }
        }
        if path == "/metrics"
            && let Some(get) = item.get.as_mut()
            && let Some(RefOr::T(ok)) = get.responses.responses.get_mut("200")
        {
            let content = ok.content.values().next().cloned();
            ok.content.clear();
            if let Some(content) = content {
                ok.content.insert(
                    "application/openmetrics-text; version=1.0.0; charset=utf-8".to_owned(),
                    content,
                );
            }
        }
    }
    // Every answer carries the request's id (the envelope's `requestId` where there is one).
    for item in doc.paths.paths.values_mut() {
        for op in operations(item) {
            for response in op.responses.responses.values_mut() {
                if let RefOr::T(response) = response {
                    let mut header = utoipa::openapi::header::Header::default();
                    header.description = Some(
                        "The id the request was logged under: the client's own when it sent a \
                         sane one (1 to 128 of `A-Za-z0-9-_.:/+=@`), else a new `req_…`"
                            .to_owned(),
                    );
                    response.headers.insert("x-request-id".to_owned(), header);
                }
            }
        }
    }
    let mut this = Operation::new();
    this.summary = Some("This document (OpenAPI 3.1)".to_owned());
    this.tags = Some(vec!["operations".to_owned()]);
    this.security = Some(Vec::new());
    this.responses.responses.insert(
        "200".to_owned(),
        RefOr::T(
            ResponseBuilder::new()
                .description("the OpenAPI document of this server")
                .content("application/json", ContentBuilder::new().build())
                .build(),
        ),
    );
    doc.paths.paths.insert(
        "/openapi.json".to_owned(),
        PathItem::new(HttpMethod::Get, this),
    );
}
