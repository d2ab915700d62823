package web

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"ceptor"
)

// FuzzStandardUpload reads a standards file upload from any body and
// content type, as POST /api/v1/standards/{id}/file does: it never panics,
// every refusal is EINVALID with a "file" field, and what it accepts is a
// non-empty file within the size limit under a clean name, with a recorded
// media type that is never markup taken from the client.
func FuzzStandardUpload(f *testing.F) {
	f.Add("multipart/form-data; boundary=b", []byte("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"安全基準.pdf\"\r\nContent-Type: text/html\r\n\r\n%PDF-1.7\r\n--b--\r\n"))
	f.Add("multipart/form-data; boundary=b", []byte("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"..\\\\a\x00.docx\"\r\n\r\nPK\x03\x04\r\n--b--\r\n"))
	f.Add("multipart/form-data; boundary=b", []byte("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\"\r\n\r\n\r\n--b--\r\n"))
	f.Add("multipart/form-data; boundary=zzz", []byte("--zzz\r\nunterminated"))
	f.Add("application/pdf", []byte("%PDF"))
	f.Add("multipart/form-data", []byte(""))
	f.Fuzz(func(t *testing.T, ctype string, body []byte) {
		for _, required := range []bool{true, false} {
			r := httptest.NewRequest(http.MethodPost, "/api/v1/standards/1/file", bytes.NewReader(body))
			r.Header.Set("Content-Type", ctype)
			up, err := readStandardUpload(r, required)
			if err != nil {
				if ceptor.ErrorCode(err) != ceptor.EINVALID || ceptor.ErrorFields(err)["file"] == "" {
					t.Fatalf("refusal %v", err)
				}
				continue
			}
			if up == nil {
				if required {
					t.Fatal("required file missing without an error")
				}
				continue
			}
			if len(up.data) == 0 || len(up.data) > ceptor.MaxAttachmentSize || up.name == "" || strings.ContainsAny(up.name, "/\\\"\x00") {
				t.Fatalf("accepted %q (%d bytes)", up.name, len(up.data))
			}
			ct := sniffFileType(up.contentType, up.data)
			if ct == "" || strings.Contains(ct, "html") && !strings.HasPrefix(http.DetectContentType(up.data), "text/html") {
				t.Fatalf("media type %q from declared %q", ct, up.contentType)
			}
		}
	})
}
