package web

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"ceptor"
)

// Files of the sector standards register: a revision of a standards
// document may carry the document itself (a PDF, a Word file) besides or
// instead of its link. Stored like report and advisory attachments (10 MB
// at most, SHA-256), always served as a download under the uploaded
// Japanese name (writeDownload: octet-stream, nosniff, sandbox), never
// rendered. Reading follows the rule for seeing the document (ActView on
// the document's sector); uploading, replacing and removing follow the rule
// for revising it (ActUpdate), and each is audited.

// fileUpload is a file read from a multipart request.
type fileUpload struct {
	name        string
	contentType string
	data        []byte
}

// errMultipart is the answer to a body that is not readable multipart.
func errMultipart() error {
	return &ceptor.Error{Code: ceptor.EINVALID, Message: "the multipart body cannot be read", Key: "std.file.err.multipart",
		Fields: map[string]string{"file": "std.file.err.multipart"}}
}

// fileInvalid is a file problem whose message is the field's own, so that
// a page shows "the file is too large" rather than "check the input".
func fileInvalid(key string) error {
	return &ceptor.Error{Code: ceptor.EINVALID, Message: "the file is not accepted", Key: key, Fields: map[string]string{"file": key}}
}

// readStandardUpload reads the "file" part of a multipart request. Without
// required, a request that is not multipart or has no file chosen gives
// nil.
func readStandardUpload(r *http.Request, required bool) (*fileUpload, error) {
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			return nil, fileInvalid("err.attachment_too_large")
		case errors.Is(err, http.ErrNotMultipart) && !required:
			return nil, nil
		case errors.Is(err, http.ErrNotMultipart):
			return nil, fileInvalid("std.file.err.required")
		}
		return nil, errMultipart()
	}
	file, hdr, err := r.FormFile("file")
	switch {
	case errors.Is(err, http.ErrMissingFile) && !required:
		return nil, nil
	case errors.Is(err, http.ErrMissingFile):
		return nil, fileInvalid("std.file.err.required")
	case err != nil:
		return nil, errMultipart()
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, ceptor.MaxAttachmentSize+1))
	switch {
	case err != nil:
		return nil, errMultipart()
	case len(data) > ceptor.MaxAttachmentSize:
		return nil, fileInvalid("err.attachment_too_large")
	case len(data) == 0:
		return nil, fileInvalid("err.attachment_empty")
	}
	name := cleanFileName(hdr.Filename)
	if name == "" {
		return nil, fileInvalid("std.file.err.required")
	}
	return &fileUpload{name: name, contentType: hdr.Header.Get("Content-Type"), data: data}, nil
}

// sniffFileType is the media type recorded with a file: what its bytes
// say, or what the client declared when the bytes are not telling (an
// Office file is a zip). Markup types are never taken from the client.
// Informative only: downloads are always application/octet-stream.
func sniffFileType(declared string, data []byte) string {
	sniffed, _, err := mime.ParseMediaType(http.DetectContentType(data))
	if err != nil {
		sniffed = "application/octet-stream"
	}
	if sniffed != "application/octet-stream" && sniffed != "application/zip" {
		return sniffed
	}
	d := cleanContentType(declared)
	if strings.HasPrefix(d, "text/") || strings.Contains(d, "html") || strings.Contains(d, "xml") || strings.Contains(d, "javascript") || d == "application/octet-stream" {
		return sniffed
	}
	return d
}

// putStandardFile stores up as the file of the document's latest revision
// and audits it; run inside the caller's Atomic.
func (s *Server) putStandardFile(r *http.Request, st *reqState, doc *ceptor.SectorStandard, up *fileUpload) error {
	f := &ceptor.StandardFile{StandardID: doc.ID, FileName: up.name, ContentType: sniffFileType(up.contentType, up.data), UploadedBy: st.actor.UserID}
	prev, err := s.store.SetStandardFile(r.Context(), f, up.data)
	if err != nil {
		return liftFileError(err)
	}
	action := "standard.file_upload"
	detail := map[string]any{"revision": f.Revision, "file_name": f.FileName, "size": f.Size, "sha256": f.SHA256, "content_type": f.ContentType}
	if prev != nil {
		action = "standard.file_replace"
		detail["replaced_file_name"], detail["replaced_sha256"] = prev.FileName, prev.SHA256
	}
	s.audit(r, action, ceptor.KindStandard, doc.ID, st.actor.OrgID, detail)
	doc.File = f
	return nil
}

// liftFileError gives a storage refusal of the file its own message.
func liftFileError(err error) error {
	if ceptor.ErrorCode(err) == ceptor.EINVALID {
		if k := ceptor.ErrorFields(err)["file"]; k != "" {
			return fileInvalid(k)
		}
	}
	return err
}

// opSetStandardFile uploads or replaces the file of a document's latest
// revision.
func (s *Server) opSetStandardFile(r *http.Request, st *reqState, id int64, up *fileUpload) (*ceptor.SectorStandard, error) {
	doc, err := s.store.FindStandard(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if err := ceptor.Authorize(st.actor, ceptor.ActUpdate, standardResource(doc.SectorID)); err != nil {
		return nil, err
	}
	err = s.store.Atomic(r.Context(), func(ctx context.Context) error {
		return s.putStandardFile(r.WithContext(ctx), st, doc, up)
	})
	if err != nil {
		return nil, err
	}
	return s.store.FindStandard(r.Context(), id)
}

// opRemoveStandardFile removes the file of a document's latest revision
// (earlier revisions keep theirs).
func (s *Server) opRemoveStandardFile(r *http.Request, st *reqState, id int64) (*ceptor.SectorStandard, error) {
	doc, err := s.store.FindStandard(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if err := ceptor.Authorize(st.actor, ceptor.ActUpdate, standardResource(doc.SectorID)); err != nil {
		return nil, err
	}
	err = s.store.Atomic(r.Context(), func(ctx context.Context) error {
		old, err := s.store.RemoveStandardFile(ctx, id)
		if err != nil {
			return err
		}
		s.audit(r.WithContext(ctx), "standard.file_remove", ceptor.KindStandard, id, st.actor.OrgID,
			map[string]any{"revision": old.Revision, "file_name": old.FileName, "sha256": old.SHA256})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.store.FindStandard(r.Context(), id)
}

// opStandardFile returns a revision's file (seq 0: the current one) to a
// caller who may see the document.
func (s *Server) opStandardFile(r *http.Request, st *reqState, id int64, seq int) (*ceptor.StandardFile, []byte, error) {
	doc, err := s.store.FindStandard(r.Context(), id)
	if err != nil {
		return nil, nil, err
	}
	if err := ceptor.Authorize(st.actor, ceptor.ActView, standardResource(doc.SectorID)); err != nil {
		return nil, nil, err
	}
	return s.store.StandardFileData(r.Context(), id, seq)
}

// fileSeq reads the optional {seq} of a revision's file path.
func fileSeq(r *http.Request) (int, bool) {
	v := r.PathValue("seq")
	if v == "" {
		return 0, true
	}
	n, err := strconv.Atoi(v)
	return n, err == nil && n > 0
}

// ---- pages ----

func (s *Server) standardFileDownload(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	s.serveStandardFile(w, r, st)
}

func (s *Server) serveStandardFile(w http.ResponseWriter, r *http.Request, st *reqState) {
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	seq, ok := fileSeq(r)
	if !ok {
		s.fail(w, r, regNotFound())
		return
	}
	f, data, err := s.opStandardFile(r, st, id, seq)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeDownload(w, f.FileName, data)
}

// standardFileAction runs a file change from the register page and
// returns to it.
func (s *Server) standardFileAction(w http.ResponseWriter, r *http.Request, flash string, op func(st *reqState, id int64) error) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	if err := op(st, id); err != nil {
		if ceptor.ErrorCode(err) == ceptor.EINVALID {
			s.renderStandards(w, r, st, ceptor.FiscalYear(s.now()), http.StatusUnprocessableEntity, err)
			return
		}
		s.fail(w, r, err)
		return
	}
	s.setFlash(w, flash)
	http.Redirect(w, r, "/standards#std-"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

func (s *Server) standardFileUpload(w http.ResponseWriter, r *http.Request) {
	s.standardFileAction(w, r, "std.file.flash.uploaded", func(st *reqState, id int64) error {
		up, err := readStandardUpload(r, true)
		if err != nil {
			return err
		}
		_, err = s.opSetStandardFile(r, st, id, up)
		return err
	})
}

func (s *Server) standardFileRemove(w http.ResponseWriter, r *http.Request) {
	s.standardFileAction(w, r, "std.file.flash.removed", func(st *reqState, id int64) error {
		_, err := s.opRemoveStandardFile(r, st, id)
		return err
	})
}

// ---- API ----

func (s *Server) apiStandardFile(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	s.serveStandardFile(w, r, st)
}

func (s *Server) apiStandardFileUpload(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.apiPathID(w, r)
	if !ok {
		return
	}
	up, err := readStandardUpload(r, true)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	doc, err := s.opSetStandardFile(r, st, id, up)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, doc)
}

func (s *Server) apiStandardFileRemove(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.apiPathID(w, r)
	if !ok {
		return
	}
	doc, err := s.opRemoveStandardFile(r, st, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, doc)
}

// apiStandard is one document with its revisions, newest first, each with
// the description of its file.
type apiStandard struct {
	*ceptor.SectorStandard
	RevisionList []ceptor.StandardRevision `json:"revision_list"`
}

func (s *Server) apiStandardGet(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.apiPathID(w, r)
	if !ok {
		return
	}
	doc, err := s.store.FindStandard(r.Context(), id)
	if err == nil {
		err = ceptor.Authorize(st.actor, ceptor.ActView, standardResource(doc.SectorID))
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	revs, err := s.store.StandardRevisions(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, apiStandard{SectorStandard: doc, RevisionList: revs})
}

// routesAPIStandardFiles documents and registers the file routes of the
// standards register.
func (s *Server) routesAPIStandardFiles() {
	e4 := []int{http.StatusForbidden, http.StatusNotFound}
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/standards/{id}", Summary: "Get a standards document with its revisions", Tag: "standards", Scope: ceptor.ScopeRead,
		Description: "revision_list: newest first, each with its number (seq) and the description of its file, if any.",
		Response:    apiStandard{}, Errors: e4}, s.apiStandardGet)
	e422 := []int{http.StatusForbidden, http.StatusNotFound, http.StatusUnprocessableEntity}
	s.handleAPI(apiDoc{Method: "POST", Path: "/api/v1/standards/{id}/file", Summary: "Upload or replace the file of a standards document", Tag: "standards", Scope: ceptor.ScopeWrite,
		Description: "multipart/form-data with the file in the part named file (10 MB at most). The file belongs to the document's latest revision and replaces the one it had; " +
			"to attach a file to a new edition, record the revision first. The sector's ministry or NISC. Audited.",
		Body: attachmentUpload{}, BodyContent: "multipart/form-data", Response: ceptor.SectorStandard{}, Errors: e422}, s.apiStandardFileUpload)
	s.handleAPI(apiDoc{Method: "DELETE", Path: "/api/v1/standards/{id}/file", Summary: "Remove the file of a standards document", Tag: "standards", Scope: ceptor.ScopeWrite,
		Description: "Removes the latest revision's file; earlier revisions keep theirs. Audited.",
		Response:    ceptor.SectorStandard{}, Errors: e4}, s.apiStandardFileRemove)
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/standards/{id}/file", Summary: "Download the file of a standards document", Tag: "standards", Scope: ceptor.ScopeRead,
		Description: "The latest revision's file, for whoever may see the document. Always served as application/octet-stream with Content-Disposition: attachment (the original name in filename*), never rendered.",
		Response:    []byte{}, ResponseContent: "application/octet-stream", Errors: e4}, s.apiStandardFile)
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/standards/{id}/revisions/{seq}/file", Summary: "Download the file of a revision", Tag: "standards", Scope: ceptor.ScopeRead,
		Description: "seq is the revision's number (1: the first registration), as listed in the document's revisions.",
		Response:    []byte{}, ResponseContent: "application/octet-stream", Errors: e4}, s.apiStandardFile)
}
