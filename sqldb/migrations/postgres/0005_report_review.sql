-- Review of anonymous reports by the CEPTOR secretariat.
--
-- review_version: a follow-up (続報) of an anonymous report is held for the
-- secretariat to redact before it reaches anyone upstream. While one is
-- held, this is its version (its text is the 'followup' copy in
-- report_versions) and the report waits at the secretariat again; the main
-- row keeps what upstream has already seen. NULL when nothing is held.
--
-- withheld: an attachment hidden from every organisation upstream of the
-- redacting secretariat. Attachments of anonymous reports start withheld
-- and are released only when the secretariat relays the report.
ALTER TABLE reports ADD COLUMN review_version INTEGER;
ALTER TABLE report_attachments ADD COLUMN withheld BOOLEAN NOT NULL DEFAULT FALSE;
