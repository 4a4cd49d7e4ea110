-- The store's identity: one random id, written once when the store is first migrated. Daemons
-- gossip it, and refuse a peer whose store differs, so two clusters never merge by accident.

CREATE TABLE store_identity (
  id          text PRIMARY KEY,
  created_at  bigint NOT NULL
);

INSERT INTO store_identity (id, created_at)
VALUES (md5(random()::text || clock_timestamp()::text || pg_backend_pid()::text),
        (extract(epoch FROM clock_timestamp()) * 1000)::bigint);
