package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"text/tabwriter"

	"ceptor"

	"github.com/spf13/cobra"
)

// advisoryCmd: `ceptor advisory list|receipts|counts`, operator views of
// advisories (情報提供) straight from the database, like `ceptor user list`.
// They read; every change goes through the web application and its policy.
func advisoryCmd(out io.Writer) *cobra.Command {
	cmd := &cobra.Command{Use: "advisory", Short: "List advisories, their receipt confirmation and yearly counts"}
	cmd.AddCommand(advisoryListCmd(out), advisoryReceiptsCmd(out), advisoryCountsCmd(out))
	return cmd
}

func advisoryListCmd(out io.Writer) *cobra.Command {
	cfg := &Config{}
	var format string
	var limit int
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List advisories, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return withMain(cmd, cfg, out, func(ctx context.Context, m *Main) error {
				// The CLI acts as the programme's operator: NISC's view.
				nisc, _, err := m.DB.ListOrgs(ctx, ceptor.OrgFilter{Type: ceptor.OrgNISC, Limit: 1})
				if err != nil {
					return err
				}
				viewer := &ceptor.Actor{OrgType: ceptor.OrgNISC}
				if len(nisc) > 0 {
					viewer.OrgID = nisc[0].ID
				}
				list, _, err := m.DB.ListAdvisories(ctx, ceptor.AdvisoryFilter{Viewer: viewer, Limit: limit})
				if err != nil {
					return err
				}
				if format == "json" {
					enc := json.NewEncoder(out)
					enc.SetIndent("", "  ")
					return enc.Encode(list)
				}
				tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tSTATUS\tTLP\tCATEGORY\tDRILL\tVERSION\tPUBLISHED\tTITLE")
				for _, a := range list {
					pub := "-"
					if a.PublishedAt != nil {
						pub = a.PublishedAt.In(ceptor.Tokyo).Format("2006-01-02 15:04")
					}
					fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%v\t%d\t%s\t%s\n", a.ID, a.Status, a.TLP.Label(), a.Category, a.Drill, a.Version, pub, tsvClean(a.Title))
				}
				return tw.Flush()
			})
		},
	}
	addDBFlags(cmd.Flags(), cfg)
	cmd.Flags().StringVar(&format, "format", "table", "output format: table or json")
	cmd.Flags().IntVar(&limit, "limit", 50, "how many (at most 500)")
	return cmd
}

func advisoryReceiptsCmd(out io.Writer) *cobra.Command {
	cfg := &Config{}
	var format string
	cmd := &cobra.Command{
		Use:   "receipts ID",
		Short: "Receipt confirmation (疎通確認) of an advisory: overall, per hop, per CEPTOR, per sector",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || id <= 0 {
				return fmt.Errorf("advisory id must be a number: %q", args[0])
			}
			return withMain(cmd, cfg, out, func(ctx context.Context, m *Main) error {
				s, err := m.DB.ReceiptSummary(ctx, id, nil)
				if err != nil {
					return describe(err)
				}
				if format == "json" {
					enc := json.NewEncoder(out)
					enc.SetIndent("", "  ")
					return enc.Encode(s)
				}
				name := func(kind string, key string) string {
					n, _ := strconv.ParseInt(key, 10, 64)
					switch kind {
					case "hop":
						if n == 0 {
							return "(direct)"
						}
						if o, err := m.DB.FindOrg(ctx, n); err == nil {
							return o.Name
						}
					case "ceptor":
						if c, err := m.DB.FindCeptor(ctx, n); err == nil {
							return c.NameJA
						}
						return "(no CEPTOR)"
					case "sector":
						if x, err := m.DB.FindSector(ctx, n); err == nil {
							return x.NameJA
						}
						return "(no sector)"
					}
					return key
				}
				tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "GROUP\tNAME\tRECIPIENTS\tDELIVERED\tCONFIRMED\tUNREACHABLE\tRATE")
				row := func(kind string, b ceptor.Bucket) {
					fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%.1f%%\n", kind, name(kind, b.Key), b.Recipients, b.Delivered, b.Confirmed, b.Unreachable, b.Rate*100)
				}
				fmt.Fprintf(tw, "total\t\t%d\t%d\t%d\t%d\t%.1f%%\n", s.Total.Recipients, s.Total.Delivered, s.Total.Confirmed, s.Total.Unreachable, s.Total.Rate*100)
				for _, b := range s.PerHop {
					row("hop", b)
				}
				for _, b := range s.PerCeptor {
					row("ceptor", b)
				}
				for _, b := range s.PerSector {
					row("sector", b)
				}
				return tw.Flush()
			})
		},
	}
	addDBFlags(cmd.Flags(), cfg)
	cmd.Flags().StringVar(&format, "format", "table", "output format: table or json")
	return cmd
}

func advisoryCountsCmd(out io.Writer) *cobra.Command {
	cfg := &Config{}
	cmd := &cobra.Command{
		Use:   "counts",
		Short: "Real advisories published per fiscal year (drills not counted)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return withMain(cmd, cfg, out, func(ctx context.Context, m *Main) error {
				c, err := m.DB.AdvisoryCounts(ctx)
				if err != nil {
					return err
				}
				years := make([]int, 0, len(c))
				for fy := range c {
					years = append(years, fy)
				}
				slices.Sort(years)
				for _, fy := range years {
					fmt.Fprintf(out, "FY%d\t%d\n", fy, c[fy])
				}
				return nil
			})
		},
	}
	addDBFlags(cmd.Flags(), cfg)
	return cmd
}
