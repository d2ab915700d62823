package main

import (
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"ceptor/mail"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Config is every setting of ceptor, parsed once from flags and CEPTOR_*
// environment variables (a flag given on the command line wins; for secrets,
// CEPTOR_<NAME>_FILE names a file holding the value).
type Config struct {
	DataDir     string
	DatabaseURL string
	SecretKey   string
	SecretFile  string
	LogLevel    string
	LogFormat   string

	// serve
	Addr             string
	PublicURL        string
	Demo             bool
	DemoOperators    int
	TrustProxy       bool
	SessionTTL       time.Duration
	SessionIdle      time.Duration
	OIDCIssuer       string
	OIDCClientID     string
	OIDCClientSecret string
	OIDCLabel        string
	ShutdownTimeout  time.Duration
	DebugAddr        string
	TokenCacheTTL    time.Duration

	// e-mail (notifications)
	SMTPHost     string
	SMTPPort     int
	SMTPUsername string
	SMTPPassword string
	SMTPFrom     string
	SMTPStartTLS string
}

// addDBFlags registers the flags every command that touches the database takes.
func addDBFlags(fs *pflag.FlagSet, c *Config) {
	fs.StringVar(&c.DataDir, "data-dir", "./data", "directory for the embedded SQLite database, the generated secret key and the delivery hand-over journal (one per node)")
	fs.StringVar(&c.DatabaseURL, "database-url", "", "PostgreSQL URL (postgres://user@host/db); empty uses SQLite in --data-dir")
	fs.StringVar(&c.SecretKey, "secret-key", "", "32-byte service key (64 hex characters) that seals TOTP secrets and sealed identities; all nodes of a deployment must share it")
	fs.StringVar(&c.SecretFile, "secret-key-file", "", "file holding the service key (default: <data-dir>/secret.key, created if missing)")
	fs.StringVar(&c.LogLevel, "log-level", "info", "log level: debug, info, warn or error")
	fs.StringVar(&c.LogFormat, "log-format", "json", "log format: json or text")
}

// applyEnv fills every flag not given on the command line from CEPTOR_<FLAG>
// (dashes become underscores) or, for any flag, CEPTOR_<FLAG>_FILE.
func applyEnv(cmd *cobra.Command) error {
	var firstErr error
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Changed || f.Name == "help" {
			return
		}
		name := "CEPTOR_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		v, ok := os.LookupEnv(name)
		if !ok {
			if path, fok := os.LookupEnv(name + "_FILE"); fok {
				b, err := os.ReadFile(path)
				if err != nil {
					if firstErr == nil {
						firstErr = fmt.Errorf("%s_FILE: %w", name, err)
					}
					return
				}
				v, ok = strings.TrimSpace(string(b)), true
			}
		}
		if !ok {
			return
		}
		if err := f.Value.Set(v); err != nil && firstErr == nil {
			firstErr = fmt.Errorf("%s: %w", name, err)
		}
	})
	return firstErr
}

// validate checks the configuration once, with messages that say what to do.
func (c *Config) validate() error {
	switch c.LogFormat {
	case "json", "text":
	default:
		return fmt.Errorf("--log-format must be json or text, not %q", c.LogFormat)
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		return err
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		return fmt.Errorf("--database-url must be a postgres:// URL (leave it empty for the embedded SQLite database)")
	}
	if c.OIDCIssuer != "" && (c.OIDCClientID == "" || c.PublicURL == "") {
		return fmt.Errorf("OIDC needs --oidc-client-id and --public-url as well as --oidc-issuer")
	}
	if c.SMTPHost != "" {
		if _, err := c.mailConfig(); err != nil {
			return fmt.Errorf("e-mail settings (--smtp-*): %w", err)
		}
	}
	return nil
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return l, fmt.Errorf("--log-level must be debug, info, warn or error, not %q", s)
	}
	return l, nil
}

func (c *Config) logger() *slog.Logger {
	lvl, _ := parseLevel(c.LogLevel)
	opts := &slog.HandlerOptions{Level: lvl}
	if c.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, opts))
}

// mailConfig checks the e-mail settings and returns the sender's
// configuration.
func (c *Config) mailConfig() (mail.Config, error) {
	mc := mail.Config{Host: c.SMTPHost, Port: c.SMTPPort, Username: c.SMTPUsername, Password: c.SMTPPassword, From: c.SMTPFrom, StartTLS: c.SMTPStartTLS}
	if c.SMTPFrom == "" {
		return mc, fmt.Errorf("--smtp-from is required with --smtp-host")
	}
	_, err := mail.NewSMTP(mc)
	return mc, err
}
