-- Webhook triggers (issue #8): POST /api/v1/hooks/{key}, signed with HMAC-SHA256 under the
-- webhook's secret, starts a run of its workflow or event. Replays are refused through the
-- unique key of the run they start ("webhook:<id>:<signature>"), so no table of deliveries.
CREATE TABLE webhooks (
  id           TEXT PRIMARY KEY,
  key          TEXT NOT NULL UNIQUE,  -- the URL's last segment (random; names the webhook)
  owner_id     TEXT NOT NULL,
  target_type  TEXT NOT NULL,         -- WORKFLOW or EVENT; deleted with its target
  target_id    TEXT NOT NULL,
  secret       BLOB NOT NULL,         -- the HMAC secret, sealed (opaque to the store)
  created_at   INTEGER NOT NULL,      -- Unix milliseconds
  last_used_at INTEGER
);
CREATE INDEX webhooks_by_target ON webhooks(target_type, target_id);
