-- STIX index: superseded versions are kept (TAXII objects/{id}/versions and
-- match[version]), so an object is unique per source and version, not per
-- source; advisories, imported MISP events and deletions of objects added
-- over TAXII are queued for the STIX sync like reports (see 0015).

ALTER TABLE stix_objects DROP CONSTRAINT stix_objects_source_kind_source_id_object_id_key;
ALTER TABLE stix_objects ADD CONSTRAINT stix_objects_source_version UNIQUE (source_kind, source_id, object_id, version);

-- The row's id whatever the operation (OLD on DELETE).
CREATE FUNCTION stix_dirty_row_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO stix_dirty (source_kind, source_id) VALUES (TG_ARGV[0], OLD.id);
    ELSE
        INSERT INTO stix_dirty (source_kind, source_id) VALUES (TG_ARGV[0], NEW.id);
    END IF;
    RETURN NULL;
END
$$;

-- Advisories: only what leaves the server (published, withdrawn) matters;
-- drafts being edited queue nothing.
CREATE TRIGGER stix_dirty_advisory_update AFTER UPDATE ON advisories FOR EACH ROW
    WHEN (NEW.status IN ('published', 'withdrawn') OR OLD.status IN ('published', 'withdrawn'))
    EXECUTE FUNCTION stix_dirty_row_id('advisory');
CREATE TRIGGER stix_dirty_advisory_delete AFTER DELETE ON advisories FOR EACH ROW EXECUTE FUNCTION stix_dirty_row_id('advisory');

CREATE TRIGGER stix_dirty_misp AFTER INSERT OR UPDATE OR DELETE ON misp_events FOR EACH ROW EXECUTE FUNCTION stix_dirty_row_id('misp');

CREATE TRIGGER stix_dirty_taxii_received_delete AFTER DELETE ON taxii_received FOR EACH ROW EXECUTE FUNCTION stix_dirty_row_id('taxii');

INSERT INTO stix_dirty (source_kind, source_id) SELECT 'advisory', id FROM advisories WHERE status IN ('published', 'withdrawn') ORDER BY id;
INSERT INTO stix_dirty (source_kind, source_id) SELECT 'misp', id FROM misp_events ORDER BY id;
