-- Users, browser sessions, API tokens and the append-only audit log.
CREATE TABLE users (
  id                TEXT PRIMARY KEY,
  email             TEXT NOT NULL,
  username          TEXT NOT NULL,
  display_name      TEXT NOT NULL DEFAULT '',
  role              TEXT NOT NULL,              -- ADMIN, USER, VIEWER
  status            TEXT NOT NULL,              -- ACTIVE, INVITED, DISABLED
  password_hash     TEXT NOT NULL DEFAULT '',   -- libsodium crypto_pwhash_str (Argon2id)
  invite_hash       TEXT,                       -- keyed hash of the one-time invite token
  invite_expires_at INTEGER,
  last_login_at     INTEGER,
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL
);
CREATE UNIQUE INDEX users_email ON users(email);
CREATE UNIQUE INDEX users_username ON users(username);
CREATE UNIQUE INDEX users_invite ON users(invite_hash) WHERE invite_hash IS NOT NULL;

CREATE TABLE sessions (
  id           TEXT PRIMARY KEY,
  token_hash   TEXT NOT NULL UNIQUE,             -- keyed hash of the cookie value
  user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  csrf_token   TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL,
  revoked_at   INTEGER,
  source       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_by_user ON sessions(user_id);

CREATE TABLE api_tokens (
  id           TEXT PRIMARY KEY,
  token_hash   TEXT NOT NULL UNIQUE,             -- keyed hash; the token itself is shown once
  user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name         TEXT NOT NULL,
  scope        TEXT NOT NULL,                    -- read, write, admin
  prefix       TEXT NOT NULL,                    -- first characters, to recognise a token
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER,
  last_used_at INTEGER,
  revoked_at   INTEGER
);
CREATE INDEX api_tokens_by_user ON api_tokens(user_id, id);

CREATE TABLE audit_log (
  id           TEXT PRIMARY KEY,                 -- time-ordered
  at           INTEGER NOT NULL,
  actor_type   TEXT NOT NULL,                    -- user, token, system, anonymous
  actor_id     TEXT NOT NULL DEFAULT '',
  actor_name   TEXT NOT NULL DEFAULT '',
  source       TEXT NOT NULL DEFAULT '',         -- client address
  action       TEXT NOT NULL,                    -- e.g. event.create, auth.login
  target_type  TEXT NOT NULL DEFAULT '',
  target_id    TEXT NOT NULL DEFAULT '',
  outcome      TEXT NOT NULL,                    -- success, failure
  details      TEXT NOT NULL DEFAULT '{}'        -- JSON, secret values masked
);
CREATE INDEX audit_by_actor ON audit_log(actor_id, id);
CREATE INDEX audit_by_target ON audit_log(target_type, target_id, id);
CREATE INDEX audit_by_action ON audit_log(action, id);
-- Append-only: the database itself refuses changes to recorded rows. Only retention deletes
-- rows, the oldest first.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- Who requested each run (the event owner may differ for shared events).
ALTER TABLE jobs ADD COLUMN requested_by TEXT NOT NULL DEFAULT '';
CREATE INDEX events_by_owner ON events(owner_id, id);
