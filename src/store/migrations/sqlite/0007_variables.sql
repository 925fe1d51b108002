-- Script variables: per-user key/value pairs that scripts read and write through the runtime
-- API. Values are sealed by the caller; the store keeps the ciphertext as opaque bytes (a BLOB,
-- since it may hold any byte). A user's variables go with the user.
CREATE TABLE variables (
  user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  key        TEXT NOT NULL,
  value      BLOB NOT NULL,              -- sealed ciphertext, opaque to the store
  version    INTEGER NOT NULL,           -- 1 on insert, +1 on each update
  created_at INTEGER NOT NULL,           -- Unix milliseconds
  updated_at INTEGER NOT NULL,
  updated_by TEXT NOT NULL DEFAULT '',   -- "user:<id>", "execution:<id>", ...
  PRIMARY KEY (user_id, key)
) WITHOUT ROWID;
