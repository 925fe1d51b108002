-- Safe retries of requests (issue #20): the answer to a request sent with an Idempotency-Key,
-- or to a webhook delivery (keyed by its timestamp and signature), written in the transaction
-- of what the request created. A retry with the same key finds it and gets the same answer
-- instead of a second creation. One row per (principal, key); the request it answered is told
-- apart by its scope and the hash of its body. Rows expire (24 hours); retention deletes them.
CREATE TABLE idempotency_keys (
  principal    TEXT NOT NULL,              -- user:<id> or webhook:<id>
  key          TEXT NOT NULL,              -- the Idempotency-Key (1 to 255 printable characters)
  scope        TEXT NOT NULL,              -- method and path: POST /api/v1/events/<id>/run
  request_hash TEXT NOT NULL,              -- hex SHA-256 of the request's body
  status       INTEGER NOT NULL,           -- the answer: status, JSON body, Location header
  body         TEXT NOT NULL,
  location     TEXT NOT NULL DEFAULT '',
  created_at   INTEGER NOT NULL,           -- Unix milliseconds
  expires_at   INTEGER NOT NULL,
  PRIMARY KEY (principal, key)
) WITHOUT ROWID;
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
