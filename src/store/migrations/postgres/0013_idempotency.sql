-- Safe retries of requests (issue #20): the answer to a request sent with an Idempotency-Key,
-- or to a webhook delivery (keyed by its timestamp and signature), written in the transaction
-- of what the request created. See the SQLite migration of the same number.
CREATE TABLE idempotency_keys (
  principal    TEXT COLLATE "C" NOT NULL,
  key          TEXT COLLATE "C" NOT NULL,
  scope        TEXT COLLATE "C" NOT NULL,
  request_hash TEXT COLLATE "C" NOT NULL,
  status       BIGINT NOT NULL,
  body         TEXT COLLATE "C" NOT NULL,
  location     TEXT COLLATE "C" NOT NULL DEFAULT '',
  created_at   BIGINT NOT NULL,
  expires_at   BIGINT NOT NULL,
  PRIMARY KEY (principal, key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
