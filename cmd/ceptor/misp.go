package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"ceptor"
	"ceptor/misp"

	"github.com/spf13/cobra"
)

// mispCmd imports MISP events from the command line: one event file, a
// feed packed as ZIP, or a feed directory (manifest.json and <uuid>.json).
// The import is all or nothing, for the organisation of --as, under the
// same policy as the web import. The web import also drafts advisories;
// this one stores the events only.
func mispCmd(out io.Writer) *cobra.Command {
	c := &cobra.Command{Use: "misp", Short: "Import MISP events and feeds"}
	c.AddCommand(mispImportCmd(out))
	return c
}

func readMISP(path string) ([]*misp.Event, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		man, err := os.ReadFile(filepath.Join(path, "manifest.json"))
		if err != nil {
			return nil, err
		}
		return misp.ParseFeed(man, func(uuid string) ([]byte, error) {
			f, err := os.Open(filepath.Join(path, uuid+".json"))
			if err != nil {
				return nil, err
			}
			defer f.Close()
			return io.ReadAll(io.LimitReader(f, misp.MaxEventSize+1))
		})
	}
	if st.Size() > misp.MaxFeedSize {
		return nil, fmt.Errorf("%s is larger than %d MiB", path, misp.MaxFeedSize>>20)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if strings.HasSuffix(strings.ToLower(path), ".zip") {
		return misp.ParseFeedZip(data)
	}
	ev, err := misp.ParseEvent(data)
	if err != nil {
		return nil, err
	}
	return []*misp.Event{ev}, nil
}

func mispImportCmd(out io.Writer) *cobra.Command {
	cfg := &Config{}
	var as string
	cmd := &cobra.Command{
		Use:     "import FILE|DIR",
		Short:   "Import a MISP event (.json), a feed (.zip) or a feed directory",
		Long:    "Import MISP events for the organisation of the user --as. TLP tags become TLP 2.0 markings (no tag: AMBER; an unknown tlp: tag refuses the event); unsupported attributes are kept with a note. Nothing is stored when any event is wrong.",
		Example: "  ceptor misp import ./feed --as analyst@nisc.example",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			evs, err := readMISP(args[0])
			if err != nil {
				return err
			}
			return withMain(cmd, cfg, out, func(ctx context.Context, m *Main) error {
				u, err := m.DB.FindUserByEmail(ctx, as)
				if err != nil {
					return fmt.Errorf("--as %q: %w", as, err)
				}
				o, err := m.DB.FindOrg(ctx, u.OrgID)
				if err != nil {
					return err
				}
				a := ceptor.NewActor(u, o, nil, nil, nil)
				if !ceptor.Allow(a, ceptor.ActImport, ceptor.Resource{Kind: ceptor.KindMISP, OrgID: o.ID}) {
					return fmt.Errorf("%s may not import MISP events", as)
				}
				n := 0
				err = m.DB.Atomic(ctx, func(ctx context.Context) error {
					for _, ev := range evs {
						if _, err := m.DB.SaveMISPEvent(ctx, &misp.Stored{OrgID: o.ID, UserID: u.ID, Event: ev}); err != nil {
							return err
						}
						n += len(ev.Indicators())
					}
					return nil
				})
				if err != nil {
					return describe(err)
				}
				m.audit(ctx, "misp.import", map[string]any{"events": len(evs), "org_id": o.ID, "file": filepath.Base(args[0])})
				fmt.Fprintf(out, "imported %d MISP events (%d indicators) for %s\n", len(evs), n, o.Name)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&as, "as", "", "e-mail of the importing user (required)")
	cmd.MarkFlagRequired("as")
	addDBFlags(cmd.Flags(), cfg)
	return cmd
}
