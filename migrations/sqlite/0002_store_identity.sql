-- The store's identity: one random id, written once when the store is first migrated. Daemons
-- gossip it, and refuse a peer whose store differs, so two clusters never merge by accident.

CREATE TABLE store_identity (
  id          TEXT PRIMARY KEY,
  created_at  INTEGER NOT NULL
);

INSERT INTO store_identity (id, created_at)
VALUES (lower(hex(randomblob(16))), CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
