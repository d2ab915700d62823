package web

import (
	"bytes"
	"encoding/base64"
	"html/template"
	"image/png"
	"net/http"
	"net/url"
	"strings"

	"ceptor"
	"ceptor/i18n"

	"github.com/pquerna/otp"
)

// twofaData is what the two-factor page shows in each of its states.
type twofaData struct {
	Tab          string
	Enabled      bool
	Pending      bool         // a secret waits for its first code
	QR           template.URL // data: PNG of the otpauth URI
	Secret       string       // the secret grouped by four, for typing
	RecoveryLeft int
	OrgRequires  bool
	// Codes are fresh recovery codes, shown once.
	Codes    []string
	Download template.URL
}

// totpQR renders the otpauth URI of an existing secret as a data: PNG, so
// that the enrolment page can be shown again (reload, wrong code) without
// changing the secret.
func totpQR(secret, account string) (template.URL, error) {
	v := url.Values{}
	v.Set("secret", secret)
	v.Set("issuer", totpIssuer)
	v.Set("algorithm", "SHA1")
	v.Set("digits", "6")
	v.Set("period", "30")
	u := "otpauth://totp/" + url.PathEscape(totpIssuer+":"+account) + "?" + v.Encode()
	key, err := otp.NewKeyFromURL(u)
	if err != nil {
		return "", err
	}
	img, err := key.Image(200, 200)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", err
	}
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())), nil
}

// groupSecret writes a base32 secret in groups of four for reading.
func groupSecret(s string) string {
	var parts []string
	for len(s) > 4 {
		parts = append(parts, s[:4])
		s = s[4:]
	}
	return strings.Join(append(parts, s), " ")
}

// recoveryDownload is a data: link that saves the codes as a text file.
func recoveryDownload(lang, email string, codes []string) template.URL {
	var b strings.Builder
	b.WriteString(i18n.T(lang, "account.2fa_codes_file_head", email))
	b.WriteString("\r\n\r\n")
	for _, c := range codes {
		b.WriteString(c + "\r\n")
	}
	return template.URL("data:text/plain;charset=utf-8," + url.PathEscape(b.String()))
}

func (s *Server) twofaData(r *http.Request, st *reqState) twofaData {
	u := st.user
	d := twofaData{Tab: "2fa", Enabled: u.TOTPEnabled, OrgRequires: st.org.Require2FA}
	if u.TOTPEnabled {
		d.RecoveryLeft, _ = s.store.CountRecoveryCodes(r.Context(), u.ID)
	} else if secret, ok := s.pendingTOTP(u); ok {
		qr, err := totpQR(secret, u.Email)
		if err != nil {
			s.log.Error("render TOTP QR code", "user_id", u.ID, "err", err)
		}
		d.Pending, d.QR, d.Secret = true, qr, groupSecret(secret)
	}
	return d
}

func (s *Server) renderTwofa(w http.ResponseWriter, r *http.Request, st *reqState, status int, err error) {
	p := s.page(w, r, i18n.T(st.lang, "account.2fa_title"), s.twofaData(r, st))
	if err != nil {
		p.Errors = fieldErrors(st.lang, err)
		p.FormError = i18n.T(st.lang, messageKey(err))
	}
	s.render(w, r, status, "account_2fa", p)
}

// twofaFail re-renders the page for a refusal the person can act on and
// falls back to the error page for anything else.
func (s *Server) twofaFail(w http.ResponseWriter, r *http.Request, st *reqState, err error) {
	switch ceptor.ErrorCode(err) {
	case ceptor.EINVALID, ceptor.ECONFLICT, ceptor.EFORBIDDEN, ceptor.ETOOMANY:
		s.renderTwofa(w, r, st, statusOf(ceptor.ErrorCode(err)), err)
	default:
		s.fail(w, r, err)
	}
}

func (s *Server) twofaPage(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	s.renderTwofa(w, r, st, http.StatusOK, nil)
}

func (s *Server) twofaSetup(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	if err := s.startTOTP(r, st.user); err != nil {
		s.twofaFail(w, r, st, err)
		return
	}
	http.Redirect(w, r, "/account/2fa", http.StatusSeeOther)
}

func (s *Server) twofaCancel(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	if err := s.cancelTOTP(r, st.user); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/account/2fa", http.StatusSeeOther)
}

// showCodes shows fresh recovery codes once.
func (s *Server) showCodes(w http.ResponseWriter, r *http.Request, st *reqState, codes []string, flash string) {
	d := twofaData{Tab: "2fa", Enabled: true, Codes: codes, Download: recoveryDownload(st.lang, st.user.Email, codes), RecoveryLeft: len(codes)}
	p := s.page(w, r, i18n.T(st.lang, "account.2fa_title"), d)
	p.Flash = flash
	s.render(w, r, http.StatusOK, "account_2fa_codes", p)
}

func (s *Server) twofaVerify(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	codes, err := s.confirmTOTP(r, st.user, r.PostFormValue("code"))
	if err != nil {
		s.twofaFail(w, r, st, err)
		return
	}
	s.showCodes(w, r, st, codes, "account.2fa_enabled")
}

func (s *Server) twofaRecoveryCodes(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	codes, err := s.regenerateRecoveryCodes(r, st.user, r.PostFormValue("code"))
	if err != nil {
		s.twofaFail(w, r, st, err)
		return
	}
	s.showCodes(w, r, st, codes, "account.2fa_codes_regenerated")
}

func (s *Server) twofaDisable(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	if err := s.disableTOTP(r, st.user, st.org, r.PostFormValue("password"), r.PostFormValue("code")); err != nil {
		s.twofaFail(w, r, st, err)
		return
	}
	s.setFlash(w, "account.2fa_disabled")
	http.Redirect(w, r, "/account/2fa", http.StatusSeeOther)
}
