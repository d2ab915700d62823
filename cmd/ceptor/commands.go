package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"ceptor"
	"ceptor/auth"
	"ceptor/i18n"

	"github.com/spf13/cobra"
)

func newRootCmd(out, errOut io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "ceptor",
		Short: "ceptor: the platform of a national critical-infrastructure protection programme",
		Long: `ceptor runs a critical-infrastructure protection programme: organisations share
incident reports and advisories, confirm receipt, rehearse, and report on it.

Everything runs from this one binary. Start with:
  ceptor serve --demo        start the web UI and API with demo data on http://127.0.0.1:8080

Settings come from flags or CEPTOR_* environment variables (CEPTOR_DATABASE_URL,
CEPTOR_DATA_DIR, ...); for secrets, CEPTOR_<NAME>_FILE names a file holding the value.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(out)
	root.SetErr(errOut)
	root.AddCommand(serveCmd(out), migrateCmd(out), demoCmd(out), userCmd(out), tokenCmd(out), auditCmd(out), catalogCmd(out), advisoryCmd(out), mispCmd(out), versionCmd(out))
	return root
}

// withMain parses the configuration, opens the database and runs fn.
func withMain(cmd *cobra.Command, cfg *Config, out io.Writer, fn func(ctx context.Context, m *Main) error) error {
	if err := applyEnv(cmd); err != nil {
		return err
	}
	if err := cfg.validate(); err != nil {
		return err
	}
	m := NewMain(*cfg, out)
	ctx := cmd.Context()
	if err := m.Open(ctx); err != nil {
		return err
	}
	defer m.Close()
	return fn(ctx, m)
}

func serveCmd(out io.Writer) *cobra.Command {
	cfg := &Config{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Start the web UI, the API and the operational endpoints",
		Long: `Start the HTTP server. It applies pending database migrations first.
With --demo it loads the demo data set into an empty database before serving.
It prints the address it serves and stops gracefully on Ctrl-C or SIGTERM.`,
		Example: "  ceptor serve --demo\n  ceptor serve --addr 0.0.0.0:8080 --database-url postgres://ceptor@db/ceptor --public-url https://ceptor.example.go.jp",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := applyEnv(cmd); err != nil {
				return err
			}
			if err := cfg.validate(); err != nil {
				return err
			}
			if os.Getenv("GOGC") == "" {
				// The server's live heap is small and the machine's memory
				// is not: collecting half as often costs a few tens of MB
				// and saves several percent of CPU under load. GOGC set in
				// the environment wins.
				debug.SetGCPercent(200)
			}
			m := NewMain(*cfg, out)
			if err := m.Run(cmd.Context()); err != nil {
				if m.DB != nil {
					m.DB.Close()
				}
				return err
			}
			<-cmd.Context().Done()
			m.Log.Info("shutting down")
			return m.Close()
		},
	}
	f := cmd.Flags()
	addDBFlags(f, cfg)
	f.StringVar(&cfg.Addr, "addr", "127.0.0.1:8080", "address to listen on (HOST:PORT)")
	f.DurationVar(&cfg.TokenCacheTTL, "token-cache-ttl", 2*time.Second, "how long a node remembers what an API token stands for and who receives an organisation's notification e-mails; changes made through the node apply at once, changes on other nodes or by the command line within this time; 0 turns it off")
	f.StringVar(&cfg.DebugAddr, "debug-addr", "", "address of a separate listener for Go's profiler (/debug/pprof/); keep it on loopback (e.g. 127.0.0.1:6060); empty: off")
	f.StringVar(&cfg.PublicURL, "public-url", "", "URL people use to reach ceptor; https:// turns on Secure cookies and HSTS (default: http://ADDR)")
	f.BoolVar(&cfg.Demo, "demo", false, "load the demo data set when the database is empty")
	f.IntVar(&cfg.DemoOperators, "demo-operators", 3000, "number of synthetic operators in the demo data set")
	f.BoolVar(&cfg.TrustProxy, "trust-proxy", false, "take the client address from X-Forwarded-For (only behind your own reverse proxy)")
	f.DurationVar(&cfg.SessionTTL, "session-ttl", 12*time.Hour, "absolute lifetime of a sign-in session")
	f.DurationVar(&cfg.SessionIdle, "session-idle", 2*time.Hour, "a session ends after this long without activity")
	f.StringVar(&cfg.OIDCIssuer, "oidc-issuer", "", "OpenID Connect issuer URL; enables single sign-on")
	f.StringVar(&cfg.OIDCClientID, "oidc-client-id", "", "OpenID Connect client id")
	f.StringVar(&cfg.OIDCClientSecret, "oidc-client-secret", "", "OpenID Connect client secret (or CEPTOR_OIDC_CLIENT_SECRET_FILE)")
	f.StringVar(&cfg.OIDCLabel, "oidc-label", "", "text of the single sign-on button, e.g. the provider's name")
	f.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", 15*time.Second, "how long to let requests finish when stopping")
	f.StringVar(&cfg.SMTPHost, "smtp-host", "", "SMTP server for notification e-mails; empty: e-mails are logged and recorded as not sent")
	f.IntVar(&cfg.SMTPPort, "smtp-port", 587, "SMTP server port (submission)")
	f.StringVar(&cfg.SMTPUsername, "smtp-username", "", "user name for SMTP AUTH PLAIN; empty: no authentication")
	f.StringVar(&cfg.SMTPPassword, "smtp-password", "", "password for SMTP AUTH PLAIN (or CEPTOR_SMTP_PASSWORD_FILE)")
	f.StringVar(&cfg.SMTPFrom, "smtp-from", "", "sender address of notification e-mails, e.g. \"ceptor <noreply@ceptor.example.go.jp>\"")
	f.StringVar(&cfg.SMTPStartTLS, "smtp-starttls", "auto", "STARTTLS: auto (when the server offers it), required, or never")
	return cmd
}

func migrateCmd(out io.Writer) *cobra.Command {
	cfg := &Config{}
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply pending database migrations and print the schema version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return withMain(cmd, cfg, out, func(ctx context.Context, m *Main) error {
				v, err := m.DB.SchemaVersion(ctx)
				if err != nil {
					return err
				}
				fmt.Fprintf(out, "database %s is at schema version %d\n", m.DB.Describe(), v)
				return nil
			})
		},
	}
	addDBFlags(cmd.Flags(), cfg)
	return cmd
}

func demoCmd(out io.Writer) *cobra.Command {
	cfg := &Config{}
	var operators int
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Load the demo data set into an empty database",
		Long: `Load the demo data set: the 15 sectors and their ministries, NISC, 21 CEPTORs with
their secretariats, the CEPTOR Council, partner agencies, supply-chain providers,
about 3,000 synthetic operators with contacts, and a user for every role of every
organisation type (password ceptor-demo-2026). Refuses a database that has data.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return withMain(cmd, cfg, out, func(ctx context.Context, m *Main) error {
				sum, err := m.LoadDemo(ctx, operators)
				if err != nil {
					return err
				}
				if sum == nil {
					return fmt.Errorf("the database already has data; the demo data set loads only into an empty database")
				}
				fmt.Fprintln(out, sum.String())
				return nil
			})
		},
	}
	addDBFlags(cmd.Flags(), cfg)
	cmd.Flags().IntVar(&operators, "operators", 3000, "number of synthetic operators")
	return cmd
}

func userCmd(out io.Writer) *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Create, list, disable and enable users, and reset passwords"}
	cmd.AddCommand(userCreateCmd(out), userListCmd(out), userStateCmd(out, "disable", true), userStateCmd(out, "enable", false), userResetCmd(out))
	return cmd
}

// findOrg accepts an organisation id or its exact name.
func findOrg(ctx context.Context, m *Main, ref string) (*ceptor.Organization, error) {
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		o, err := m.DB.FindOrg(ctx, id)
		if ceptor.ErrorCode(err) == ceptor.ENOTFOUND {
			return nil, fmt.Errorf("no organisation has id %d", id)
		}
		return o, err
	}
	list, _, err := m.DB.ListOrgs(ctx, ceptor.OrgFilter{Q: ref})
	if err != nil {
		return nil, err
	}
	for _, o := range list {
		if o.Name == ref || o.NameEN == ref {
			return o, nil
		}
	}
	return nil, fmt.Errorf("no organisation is named %q (give its exact name or id)", ref)
}

// readPassword returns the password from a file, or a new random one.
func readPassword(file string) (pw string, generated bool, err error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", false, err
		}
		return strings.TrimRight(string(b), "\r\n"), false, nil
	}
	return auth.RandomString(18), true, nil
}

func userCreateCmd(out io.Writer) *cobra.Command {
	cfg := &Config{}
	var email, name, org, role, lang, pwFile string
	cmd := &cobra.Command{
		Use:     "create",
		Short:   "Create a user in an organisation",
		Long:    "Create a user. Without --password-file a random password is generated and printed once.",
		Example: "  ceptor user create --email sato@nisc.example.jp --name '佐藤 花子' --org '内閣官房 内閣サイバーセキュリティセンター' --role admin",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return withMain(cmd, cfg, out, func(ctx context.Context, m *Main) error {
				o, err := findOrg(ctx, m, org)
				if err != nil {
					return err
				}
				pw, generated, err := readPassword(pwFile)
				if err != nil {
					return err
				}
				if key := auth.ValidatePassword(pw, email); key != "" {
					return fmt.Errorf("password refused: %s", i18n.T("en", key))
				}
				hash, err := auth.HashPassword(m.PasswordParams, pw)
				if err != nil {
					return err
				}
				u := &ceptor.User{OrgID: o.ID, Email: email, Name: name, Role: ceptor.Role(role), Lang: lang, PasswordHash: hash}
				if err := m.DB.CreateUser(ctx, u); err != nil {
					if ceptor.ErrorCode(err) == ceptor.ECONFLICT {
						return fmt.Errorf("a user with the e-mail address %s already exists", email)
					}
					return describe(err)
				}
				m.audit(ctx, "user.create", map[string]any{"user_id": u.ID, "email": u.Email, "org_id": o.ID, "role": role})
				fmt.Fprintf(out, "created user %d %s in %s as %s\n", u.ID, u.Email, o.Name, u.Role)
				if generated {
					fmt.Fprintf(out, "password: %s\n", pw)
				}
				return nil
			})
		},
	}
	addDBFlags(cmd.Flags(), cfg)
	f := cmd.Flags()
	f.StringVar(&email, "email", "", "e-mail address (sign-in name)")
	f.StringVar(&name, "name", "", "full name")
	f.StringVar(&org, "org", "", "organisation id or exact name")
	f.StringVar(&role, "role", "analyst", "role: admin, analyst, executive or auditor")
	f.StringVar(&lang, "lang", "ja", "preferred language: ja or en")
	f.StringVar(&pwFile, "password-file", "", "file holding the initial password")
	cmd.MarkFlagRequired("email")
	cmd.MarkFlagRequired("name")
	cmd.MarkFlagRequired("org")
	return cmd
}

// describe turns a domain error into a sentence for the terminal.
func describe(err error) error {
	f := ceptor.ErrorFields(err)
	if len(f) == 0 {
		return err
	}
	var parts []string
	for k, v := range f {
		parts = append(parts, k+": "+i18n.T("en", v)) // v is a message key
	}
	sort.Strings(parts)
	return fmt.Errorf("%s (%s)", ceptor.ErrorMessage(err), strings.Join(parts, ", "))
}

func userListCmd(out io.Writer) *cobra.Command {
	cfg := &Config{}
	var format, org string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List users",
		Long:  "List users. --format tsv prints one user a line: email, organisation name, organisation type, role.",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return withMain(cmd, cfg, out, func(ctx context.Context, m *Main) error {
				f := ceptor.UserFilter{}
				if org != "" {
					o, err := findOrg(ctx, m, org)
					if err != nil {
						return err
					}
					f.OrgID = o.ID
				}
				users, _, err := m.DB.ListUsers(ctx, f)
				if err != nil {
					return err
				}
				orgs := map[int64]*ceptor.Organization{}
				for _, u := range users {
					if orgs[u.OrgID] == nil {
						if orgs[u.OrgID], err = m.DB.FindOrg(ctx, u.OrgID); err != nil {
							return err
						}
					}
				}
				switch format {
				case "tsv":
					for _, u := range users {
						o := orgs[u.OrgID]
						fmt.Fprintf(out, "%s\t%s\t%s\t%s\n", u.Email, tsvClean(o.Name), o.Type, u.Role)
					}
				case "json":
					enc := json.NewEncoder(out)
					enc.SetIndent("", "  ")
					return enc.Encode(users)
				case "table":
					tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
					fmt.Fprintln(tw, "ID\tEMAIL\tNAME\tORGANISATION\tTYPE\tROLE\t2FA\tSTATE")
					for _, u := range users {
						o := orgs[u.OrgID]
						state := "active"
						if u.Disabled {
							state = "disabled"
						}
						fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%v\t%s\n", u.ID, u.Email, u.Name, o.Name, o.Type, u.Role, u.TOTPEnabled, state)
					}
					return tw.Flush()
				default:
					return fmt.Errorf("--format must be table, tsv or json")
				}
				return nil
			})
		},
	}
	addDBFlags(cmd.Flags(), cfg)
	cmd.Flags().StringVar(&format, "format", "table", "output format: table, tsv or json")
	cmd.Flags().StringVar(&org, "org", "", "only users of this organisation (id or exact name)")
	return cmd
}

func tsvClean(s string) string { return strings.NewReplacer("\t", " ", "\n", " ").Replace(s) }

func userStateCmd(out io.Writer, verb string, disable bool) *cobra.Command {
	cfg := &Config{}
	var email string
	short := "Disable a user: they can no longer sign in, and their sessions end"
	if !disable {
		short = "Enable a disabled user again"
	}
	cmd := &cobra.Command{
		Use:   verb,
		Short: short,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return withMain(cmd, cfg, out, func(ctx context.Context, m *Main) error {
				u, err := m.DB.FindUserByEmail(ctx, email)
				if err != nil {
					return fmt.Errorf("no user %s: %w", email, err)
				}
				u.Disabled = disable
				if err := m.DB.UpdateUser(ctx, u); err != nil {
					return err
				}
				if disable {
					if err := m.DB.DeleteUserSessions(ctx, u.ID); err != nil {
						return err
					}
				}
				m.audit(ctx, "user."+verb, map[string]any{"user_id": u.ID, "email": u.Email})
				fmt.Fprintf(out, "user %s %sd\n", u.Email, verb)
				return nil
			})
		},
	}
	addDBFlags(cmd.Flags(), cfg)
	cmd.Flags().StringVar(&email, "email", "", "the user's e-mail address")
	cmd.MarkFlagRequired("email")
	return cmd
}

func userResetCmd(out io.Writer) *cobra.Command {
	cfg := &Config{}
	var email, pwFile string
	var reset2FA bool
	cmd := &cobra.Command{
		Use:   "reset-password",
		Short: "Set a new password, clear the lockout and end the user's sessions",
		Long:  "Set a new password (printed once when generated), clear failed sign-ins and lockout, and end all sessions. --reset-2fa also removes the second factor.",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return withMain(cmd, cfg, out, func(ctx context.Context, m *Main) error {
				u, err := m.DB.FindUserByEmail(ctx, email)
				if err != nil {
					return fmt.Errorf("no user %s: %w", email, err)
				}
				pw, generated, err := readPassword(pwFile)
				if err != nil {
					return err
				}
				if key := auth.ValidatePassword(pw, u.Email); key != "" {
					return fmt.Errorf("password refused: %s", i18n.T("en", key))
				}
				if u.PasswordHash, err = auth.HashPassword(m.PasswordParams, pw); err != nil {
					return err
				}
				u.FailedLogins, u.LockedUntil = 0, nil
				if reset2FA {
					u.TOTPEnabled, u.TOTPSecret = false, ""
					if err := m.DB.SetRecoveryCodes(ctx, u.ID, nil); err != nil {
						return err
					}
				}
				if err := m.DB.UpdateUser(ctx, u); err != nil {
					return err
				}
				if err := m.DB.DeleteUserSessions(ctx, u.ID); err != nil {
					return err
				}
				m.audit(ctx, "user.reset_password", map[string]any{"user_id": u.ID, "email": u.Email, "reset_2fa": reset2FA})
				fmt.Fprintf(out, "password of %s reset\n", u.Email)
				if generated {
					fmt.Fprintf(out, "password: %s\n", pw)
				}
				return nil
			})
		},
	}
	addDBFlags(cmd.Flags(), cfg)
	cmd.Flags().StringVar(&email, "email", "", "the user's e-mail address")
	cmd.Flags().StringVar(&pwFile, "password-file", "", "file holding the new password (default: generate one)")
	cmd.Flags().BoolVar(&reset2FA, "reset-2fa", false, "also remove two-factor authentication")
	cmd.MarkFlagRequired("email")
	return cmd
}

func tokenCmd(out io.Writer) *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Manage API tokens"}
	cfg := &Config{}
	var email, name, scopes string
	var expires time.Duration
	create := &cobra.Command{
		Use:   "create",
		Short: "Create an API token for a user; the token is printed as the last line",
		Long: `Create an API token for a user. The token can do no more than the user's role
allows; --scopes narrows it further (read, write, admin). The secret is printed
once, as the last line, and only its hash is stored.`,
		Example: "  TOKEN=$(ceptor token create --email analyst.nisc@demo.example | tail -n1)",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return withMain(cmd, cfg, out, func(ctx context.Context, m *Main) error {
				u, err := m.DB.FindUserByEmail(ctx, email)
				if err != nil {
					return fmt.Errorf("no user %s: %w", email, err)
				}
				if u.Disabled {
					return fmt.Errorf("user %s is disabled", email)
				}
				allowed := ceptor.ScopesForRole(u.Role)
				var sc []string
				if scopes == "" {
					sc = allowed
				} else {
					for _, s := range strings.Split(scopes, ",") {
						s = strings.TrimSpace(s)
						if !contains(allowed, s) {
							return fmt.Errorf("scope %q is not allowed for role %s (allowed: %s)", s, u.Role, strings.Join(allowed, ", "))
						}
						sc = append(sc, s)
					}
				}
				secret := auth.RandomToken(auth.PrefixAPIToken)
				t := &ceptor.APIToken{UserID: u.ID, Name: name, Prefix: auth.TokenPrefix(secret), Hash: auth.HashToken(secret), Scopes: sc}
				if expires > 0 {
					at := m.Now().Add(expires)
					t.ExpiresAt = &at
				}
				if err := m.DB.CreateToken(ctx, t); err != nil {
					return describe(err)
				}
				m.audit(ctx, "token.create", map[string]any{"token_id": t.ID, "user_id": u.ID, "scopes": sc})
				fmt.Fprintf(out, "token %d for %s, scopes %s\n", t.ID, u.Email, strings.Join(sc, ","))
				fmt.Fprintln(out, secret)
				return nil
			})
		},
	}
	addDBFlags(create.Flags(), cfg)
	create.Flags().StringVar(&email, "email", "", "the user the token acts for")
	create.Flags().StringVar(&name, "name", "cli", "a name to recognise the token by")
	create.Flags().StringVar(&scopes, "scopes", "", "comma-separated scopes (default: all the role allows)")
	create.Flags().DurationVar(&expires, "expires", 0, "lifetime, e.g. 2160h for 90 days (default: no expiry)")
	create.MarkFlagRequired("email")
	cmd.AddCommand(create)
	return cmd
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func auditCmd(out io.Writer) *cobra.Command {
	cmd := &cobra.Command{Use: "audit", Short: "Work with the tamper-evident audit log"}
	cfg := &Config{}
	verify := &cobra.Command{
		Use:   "verify",
		Short: "Check the audit log's hash chain; exits non-zero and names each broken entry",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return withMain(cmd, cfg, out, func(ctx context.Context, m *Main) error {
				n, problems, err := m.DB.VerifyAudit(ctx)
				if err != nil {
					return err
				}
				if len(problems) == 0 {
					fmt.Fprintf(out, "audit log OK: %d entries, hash chain intact\n", n)
					return nil
				}
				for _, p := range problems {
					fmt.Fprintf(out, "entry %d: %s\n", p.Seq, p.Reason)
				}
				return fmt.Errorf("audit log damaged: %d problem(s) in %d entries", len(problems), n)
			})
		},
	}
	addDBFlags(verify.Flags(), cfg)
	cmd.AddCommand(verify)
	return cmd
}

func versionCmd(out io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		Run:   func(cmd *cobra.Command, args []string) { fmt.Fprintf(out, "ceptor %s\n", version) },
	}
}
