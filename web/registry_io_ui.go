package web

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"ceptor"
	"ceptor/i18n"
	"ceptor/registryio"
)

// The import page and the export downloads.
//
// Import is one form with two buttons that both upload the file: "check"
// (a dry run that reports what would happen) and "import" (which checks the
// same way and imports only when nothing is wrong). Nothing is kept on the
// server between the two, so there is no half-finished state to clean up.

func (s *Server) routesRegistryIO() {
	s.mux.HandleFunc("GET /registry/import", s.importPage)
	s.mux.HandleFunc("POST /registry/import", s.importSubmit)
	s.mux.HandleFunc("GET /registry/import/template.xlsx", s.importTemplate)
	s.mux.HandleFunc("GET /registry/export.csv", s.exportDownload("csv"))
	s.mux.HandleFunc("GET /registry/export.xlsx", s.exportDownload("xlsx"))
}

// importColumnDoc documents one column of the import file.
type importColumnDoc struct {
	Code     string
	Required bool
}

// importPageData is the import page.
type importPageData struct {
	Columns  []importColumnDoc
	Report   *importReport // set after a check or an import
	Imported bool
	FileName string
	MaxMiB   int
}

func importColumns() []importColumnDoc {
	var out []importColumnDoc
	for _, c := range registryio.Columns() {
		out = append(out, importColumnDoc{Code: c, Required: c == "name" || c == "type"})
	}
	return out
}

func (s *Server) renderImport(w http.ResponseWriter, r *http.Request, st *reqState, status int, d importPageData, err error) {
	d.Columns, d.MaxMiB = importColumns(), maxImportBytes>>20
	p := s.page(w, r, i18n.T(st.lang, "registry.import.title"), d)
	if err != nil {
		p.Errors = fieldErrors(st.lang, err)
		p.FormError = i18n.T(st.lang, messageKey(err))
	}
	s.render(w, r, status, "registry_import", p)
}

func (s *Server) importPage(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	if !ceptor.Allow(st.actor, ceptor.ActImport, ceptor.Resource{Kind: ceptor.KindRegistry}) {
		s.fail(w, r, forbidden(st))
		return
	}
	d := importPageData{}
	if q := r.URL.Query(); q.Get("imported") == "1" {
		// The summary of the import that redirected here.
		n := func(k string) int { v, _ := strconv.Atoi(q.Get(k)); return v }
		d.Imported = true
		d.Report = &importReport{Created: n("created"), Updated: n("updated"), Contacts: n("contacts")}
	}
	s.renderImport(w, r, st, http.StatusOK, d, nil)
}

// readUpload returns the uploaded file of a multipart form, at most
// maxImportBytes.
func readUpload(w http.ResponseWriter, r *http.Request, field string) ([]byte, string, error) {
	if r.ContentLength > maxImportBytes+1<<20 {
		return nil, "", regInvalidField(field, "registry.imp.too_large")
	}
	if r.MultipartForm == nil {
		r.Body = http.MaxBytesReader(w, r.Body, maxImportBytes+1<<20)
	}
	f, fh, err := r.FormFile(field)
	if err != nil {
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			return nil, "", regInvalidField(field, "registry.imp.too_large")
		case errors.Is(err, http.ErrMissingFile), errors.Is(err, http.ErrNotMultipart):
			return nil, "", regInvalidField(field, "registry.imp.no_file")
		}
		return nil, "", &ceptor.Error{Code: ceptor.EINVALID, Message: "the upload could not be read", Key: "registry.imp.no_file", Err: err}
	}
	defer f.Close()
	if fh.Size > maxImportBytes {
		return nil, "", regInvalidField(field, "registry.imp.too_large")
	}
	data, err := io.ReadAll(io.LimitReader(f, maxImportBytes+1))
	if err != nil {
		return nil, "", err
	}
	if len(data) > maxImportBytes {
		return nil, "", regInvalidField(field, "registry.imp.too_large")
	}
	if len(data) == 0 {
		return nil, "", regInvalidField(field, "registry.imp.no_file")
	}
	return data, fh.Filename, nil
}

func (s *Server) importSubmit(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	if !ceptor.Allow(st.actor, ceptor.ActImport, ceptor.Resource{Kind: ceptor.KindRegistry}) {
		s.fail(w, r, forbidden(st))
		return
	}
	data, name, err := readUpload(w, r, "file")
	if err != nil {
		if ceptor.ErrorCode(err) != ceptor.EINVALID {
			s.fail(w, r, err)
			return
		}
		s.renderImport(w, r, st, http.StatusUnprocessableEntity, importPageData{}, err)
		return
	}
	dryRun := r.FormValue("action") != "import"
	rep, err := s.opImport(r, st, data, name, dryRun)
	if err != nil {
		if rep == nil {
			s.fail(w, r, err)
			return
		}
		s.renderImport(w, r, st, http.StatusUnprocessableEntity, importPageData{Report: rep, FileName: name}, err)
		return
	}
	if dryRun {
		s.renderImport(w, r, st, http.StatusOK, importPageData{Report: rep, FileName: name}, nil)
		return
	}
	q := url.Values{"imported": {"1"}, "created": {strconv.Itoa(rep.Created)}, "updated": {strconv.Itoa(rep.Updated)},
		"contacts": {strconv.Itoa(rep.Contacts)}}
	s.setFlash(w, "registry.import.done")
	http.Redirect(w, r, "/registry/import?"+q.Encode(), http.StatusSeeOther)
}

func (s *Server) importTemplate(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	if err := s.opTemplate(w, r, st); err != nil {
		s.fail(w, r, err)
	}
}

func (s *Server) exportDownload(format string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		st, ok := s.requireUser(w, r)
		if !ok {
			return
		}
		if err := s.opExport(w, r, st, format); err != nil {
			s.fail(w, r, err)
		}
	}
}
