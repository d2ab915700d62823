package i18n

import (
	"strings"
	"testing"
)

func TestLanguagesHaveTheSameKeys(t *testing.T) {
	ja, en := catalog["ja"], catalog["en"]
	for k := range ja {
		if _, ok := en[k]; !ok {
			t.Errorf("key %q has Japanese text but no English", k)
		}
	}
	for k := range en {
		if _, ok := ja[k]; !ok {
			t.Errorf("key %q has English text but no Japanese", k)
		}
	}
	for k, v := range ja {
		if strings.Count(v, "%") != strings.Count(en[k], "%") {
			t.Errorf("key %q: format verbs differ between languages", k)
		}
	}
}

func TestLookup(t *testing.T) {
	scenarios := []struct {
		lang, key, want string
	}{
		{"ja", "err.required", "入力してください"},
		{"en", "err.required", "This field is required"},
		{"fr", "err.required", "入力してください"},
		{"en", "no.such.key", "no.such.key"},
	}
	for _, sc := range scenarios {
		if got := T(sc.lang, sc.key); got != sc.want {
			t.Errorf("T(%s,%s) = %q want %q", sc.lang, sc.key, got, sc.want)
		}
	}
	if FromAcceptLanguage("en-US,en;q=0.9,ja;q=0.8") != "en" || FromAcceptLanguage("de, ja-JP") != "ja" || FromAcceptLanguage("de") != "" {
		t.Error("Accept-Language parsing")
	}
}
