-- A user whose password was given to them (the first admin's, printed at the first start, or
-- one an admin set) is asked to choose their own (issue #21); cleared when they do.
ALTER TABLE users ADD COLUMN must_change_password BIGINT NOT NULL DEFAULT 0;
