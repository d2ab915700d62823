-- Files of the sector standards register: a revision of a standards document
-- may carry the document itself (a PDF, a Word file) besides or instead of
-- its link. One file per revision; a document's current file is that of its
-- latest revision. Served only as a download, never rendered.
CREATE TABLE standard_files (
    standard_id  BIGINT NOT NULL,
    seq          INTEGER NOT NULL,
    file_name    TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    data         BLOB NOT NULL,
    uploaded_by  BIGINT REFERENCES users (id),
    created_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (standard_id, seq),
    FOREIGN KEY (standard_id, seq) REFERENCES standard_revisions (standard_id, seq) ON DELETE CASCADE
);
