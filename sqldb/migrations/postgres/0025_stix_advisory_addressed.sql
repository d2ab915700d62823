-- Advisories in STIX, second mapping (issue 5): an advisory to named
-- organisations or to whole organisation types is now in those
-- organisations' and types' TAXII collections (org-<id>, orgtype-<type>),
-- and an advisory's mitigation section is exported as a course-of-action.
-- Every advisory that leaves the server is queued once for the STIX sync,
-- which redoes its projection with both.
INSERT INTO stix_dirty (source_kind, source_id) SELECT 'advisory', id FROM advisories WHERE status IN ('published', 'withdrawn') ORDER BY id;
