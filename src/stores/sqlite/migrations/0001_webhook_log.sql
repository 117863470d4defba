-- twilio-webhook attempt log (SQLite). Applied by SqliteLog::migrate(), recorded in
-- twilio_webhook_migrations under the name '0001_webhook_log'.
CREATE TABLE IF NOT EXISTS webhook_log (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    attempt_id        TEXT NOT NULL UNIQUE,         -- AttemptRecord::id: a retried write stores it once
    received_at       TEXT NOT NULL,        -- UTC, '2026-12-01T07:57:39.123456Z'
    provider          TEXT NOT NULL,                -- 'twilio'
    tenant_id         TEXT,                         -- resolved tenant, if any
    method            TEXT NOT NULL,
    endpoint          TEXT NOT NULL,                -- request path without query
    url               TEXT,                         -- public URL checked, userinfo masked
    status            TEXT NOT NULL CHECK (status IN ('success', 'unauthorized', 'error')),
    event_type        TEXT NOT NULL,                -- as in the security event
    reason            TEXT,                         -- why it was refused
    key_used          TEXT,                         -- on success: 'auth_token:primary', …
    url_variant       TEXT,                         -- on success: which URL form matched
    ip_address        TEXT,
    user_agent        TEXT,
    idempotency_token TEXT,                         -- I-Twilio-Idempotency-Token
    headers           TEXT NOT NULL,                -- [[name, value], …], redacted
    payload           TEXT NOT NULL,                -- as the payload policy keeps it
    payload_len       INTEGER NOT NULL,             -- length of the whole body
    payload_sha256    TEXT NOT NULL                 -- SHA-256 of the whole body, hex
);
CREATE INDEX IF NOT EXISTS webhook_log_status ON webhook_log (status, received_at);
CREATE INDEX IF NOT EXISTS webhook_log_tenant ON webhook_log (tenant_id, received_at);
