package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"ceptor"
	"ceptor/web"

	"github.com/spf13/cobra"
)

// catalogCmd manages the guideline catalog (安全基準等策定指針) from the
// command line: import a new version from CSV, XLSX or OSCAL JSON, list
// the versions, export one. The same readers as the web import; nothing is
// stored when any row is wrong.
func catalogCmd(out io.Writer) *cobra.Command {
	c := &cobra.Command{Use: "catalog", Short: "Import, list and export guideline catalog versions"}
	c.AddCommand(catalogImportCmd(out), catalogListCmd(out), catalogExportCmd(out))
	return c
}

func catalogImportCmd(out io.Writer) *cobra.Command {
	cfg := &Config{}
	var code, title, edition, published, format string
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Import a catalog version from CSV, XLSX or OSCAL JSON",
		Long: "Import FILE as the next version of the catalog --code. The format follows the file extension (.csv, .xlsx, .json) unless --format says otherwise. " +
			"The new version records its changes against the previous one. Problems are listed by line and column and nothing is stored.",
		Example: "  ceptor catalog import guideline-v5.xlsx --code guideline --title '安全基準等策定指針' --edition 第5版",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			if len(data) > ceptor.ImportMaxBytes {
				return fmt.Errorf("%s is larger than %d MiB", args[0], ceptor.ImportMaxBytes>>20)
			}
			return withMain(cmd, cfg, out, func(ctx context.Context, m *Main) error {
				sectors, err := m.DB.ListSectors(ctx)
				if err != nil {
					return err
				}
				known := map[string]bool{}
				for _, s := range sectors {
					known[s.Code] = true
				}
				f, meta, items, problems := web.ReadCatalogFile(data, filepath.Base(args[0]), format, func(s string) bool { return known[s] })
				if len(problems) > 0 {
					for _, p := range problems {
						loc := "file"
						if p.Line > 0 {
							loc = fmt.Sprintf("line %d", p.Line)
						}
						if p.Column != "" {
							loc += ", " + p.Column
						}
						val := ""
						if p.Value != "" {
							val = fmt.Sprintf(" (%q)", p.Value)
						}
						fmt.Fprintf(out, "%s: %s%s\n", loc, web.ImportMessage("en", p), val)
					}
					return fmt.Errorf("%d problems in %s; nothing was imported", len(problems), args[0])
				}
				if title == "" {
					title = meta.Title
				}
				if published == "" && len(meta.Published) >= 10 {
					published = meta.Published[:10]
				}
				c := &ceptor.Catalog{Code: code, Title: title, Edition: edition, PublishedOn: published, Source: f}
				if err := m.DB.CreateCatalog(ctx, c, items); err != nil {
					return describe(err)
				}
				m.audit(ctx, "catalog.import", map[string]any{"catalog_id": c.ID, "code": c.Code, "version": c.Version, "items": c.ItemCount, "format": f, "file": filepath.Base(args[0])})
				fmt.Fprintf(out, "imported %s version %d (id %d): %d items, %d baseline, %d leading\n", c.Code, c.Version, c.ID, c.ItemCount, c.Baseline, c.Leading)
				if c.PrevID != 0 {
					changes, err := m.DB.CatalogChanges(ctx, c.ID)
					if err != nil {
						return err
					}
					n := map[string]int{}
					for _, ch := range changes {
						n[ch.Change]++
					}
					fmt.Fprintf(out, "against version %d: %d added, %d changed, %d removed, %d mapped\n", c.Version-1,
						n[ceptor.ChangeAdded], n[ceptor.ChangeChanged], n[ceptor.ChangeRemoved], n[ceptor.ChangeMapped])
				}
				return nil
			})
		},
	}
	addDBFlags(cmd.Flags(), cfg)
	fl := cmd.Flags()
	fl.StringVar(&code, "code", "guideline", "catalog code (the same code across versions)")
	fl.StringVar(&title, "title", "", "title (OSCAL: defaults to metadata.title)")
	fl.StringVar(&edition, "edition", "", "edition, e.g. 第5版")
	fl.StringVar(&published, "published", "", "publication date, YYYY-MM-DD")
	fl.StringVar(&format, "format", "", "csv, xlsx or oscal (default: from the file name)")
	return cmd
}

func catalogListCmd(out io.Writer) *cobra.Command {
	cfg := &Config{}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List catalog versions",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return withMain(cmd, cfg, out, func(ctx context.Context, m *Main) error {
				list, err := m.DB.ListCatalogs(ctx)
				if err != nil {
					return err
				}
				for _, c := range list {
					fmt.Fprintf(out, "%d\t%s\tv%d\t%d items (%d baseline, %d leading)\t%s %s\n", c.ID, c.Code, c.Version, c.ItemCount, c.Baseline, c.Leading, c.Title, c.Edition)
				}
				return nil
			})
		},
	}
	addDBFlags(cmd.Flags(), cfg)
	return cmd
}

func catalogExportCmd(out io.Writer) *cobra.Command {
	cfg := &Config{}
	var format, lang string
	cmd := &cobra.Command{
		Use:     "export ID",
		Short:   "Export a catalog version as CSV or OSCAL JSON to standard output",
		Example: "  ceptor catalog export 2 --format oscal > guideline-v2.json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var id int64
			if _, err := fmt.Sscan(args[0], &id); err != nil || id <= 0 {
				return fmt.Errorf("catalog id %q is not a number", args[0])
			}
			return withMain(cmd, cfg, out, func(ctx context.Context, m *Main) error {
				c, err := m.DB.FindCatalog(ctx, id)
				if err != nil {
					return describe(err)
				}
				items, err := m.DB.CatalogItems(ctx, id)
				if err != nil {
					return err
				}
				switch strings.ToLower(format) {
				case "csv":
					return ceptor.WriteCatalogCSV(out, items, lang)
				case "oscal", "json":
					return ceptor.WriteCatalogOSCAL(out, c, items, fmt.Sprintf("6365706f-7200-4000-8000-%012x", uint64(c.ID)<<16|uint64(c.Version)))
				}
				return fmt.Errorf("--format must be csv or oscal")
			})
		},
	}
	addDBFlags(cmd.Flags(), cfg)
	cmd.Flags().StringVar(&format, "format", "csv", "csv or oscal")
	cmd.Flags().StringVar(&lang, "lang", "ja", "CSV header language: ja or en")
	return cmd
}
