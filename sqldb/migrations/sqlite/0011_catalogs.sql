-- Guideline catalogs (安全基準等策定指針): versions, their control items and
-- what changed against the version before.
CREATE TABLE catalogs (
    id           INTEGER PRIMARY KEY,
    code         TEXT NOT NULL,
    version      INTEGER NOT NULL,
    title        TEXT NOT NULL,
    edition      TEXT NOT NULL DEFAULT '',
    published_on TEXT NOT NULL DEFAULT '',
    prev_id      BIGINT REFERENCES catalogs (id),
    item_count   INTEGER NOT NULL DEFAULT 0,
    n_baseline   INTEGER NOT NULL DEFAULT 0,
    n_leading    INTEGER NOT NULL DEFAULT 0,
    source       TEXT NOT NULL DEFAULT '',
    created_by   BIGINT REFERENCES users (id),
    created_at   TIMESTAMP NOT NULL,
    UNIQUE (code, version)
);

-- Items keep the order of the imported file (seq). sectors and maps_from
-- are space-separated lists of sector codes and previous item ids.
CREATE TABLE catalog_items (
    catalog_id  BIGINT NOT NULL REFERENCES catalogs (id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    item_id     TEXT NOT NULL,
    title       TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    grp         TEXT NOT NULL,
    tier        TEXT NOT NULL CHECK (tier IN ('baseline', 'leading')),
    sectors     TEXT NOT NULL DEFAULT '',
    maps_from   TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (catalog_id, item_id)
);
CREATE INDEX catalog_items_seq ON catalog_items (catalog_id, seq);

CREATE TABLE catalog_changes (
    catalog_id    BIGINT NOT NULL REFERENCES catalogs (id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL,
    item_id       TEXT NOT NULL,
    change        TEXT NOT NULL CHECK (change IN ('added', 'changed', 'removed', 'mapped')),
    prev_item_ids TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (catalog_id, seq)
);
