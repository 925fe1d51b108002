-- The nodes serving one database (issue #9): each writes its row when it starts and at every
-- heartbeat, so `cronium nodes` shows who is alive, what each runs and who leads the scheduler.
CREATE TABLE nodes (
  id           TEXT COLLATE "C" PRIMARY KEY,
  role         TEXT COLLATE "C" NOT NULL,
  address      TEXT COLLATE "C" NOT NULL DEFAULT '',
  version      TEXT COLLATE "C" NOT NULL DEFAULT '',
  workers      BIGINT NOT NULL DEFAULT 0,
  running      BIGINT NOT NULL DEFAULT 0,
  leader       BIGINT NOT NULL DEFAULT 0,
  started_at   BIGINT NOT NULL,
  heartbeat_at BIGINT NOT NULL,
  stopped_at   BIGINT
);
