package web

import (
	"bytes"
	"encoding/csv"
	"net/http"

	"github.com/xuri/excelize/v2"
)

// tableFile renders a table of text (the first row is the header) as a
// download: "csv" (UTF-8 with a BOM, which spreadsheet tools need to read
// Japanese) or "xlsx" (one sheet named sheet). Cells that a spreadsheet
// would take for a formula are defused (csvSafe). It returns the bytes
// and their content type; nothing is written, so a failure can still be
// answered as an error.
func tableFile(format, sheet string, rows [][]string) ([]byte, string, error) {
	var buf bytes.Buffer
	if format == "csv" {
		buf.WriteString("\ufeff")
		cw := csv.NewWriter(&buf)
		for _, row := range rows {
			safe := make([]string, len(row))
			for i, c := range row {
				safe[i] = csvSafe(c)
			}
			cw.Write(safe)
		}
		cw.Flush()
		return buf.Bytes(), "text/csv; charset=utf-8", cw.Error()
	}
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetName("Sheet1", sheet)
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return nil, "", err
	}
	for i, row := range rows {
		cells := make([]any, len(row))
		for j, c := range row {
			cells[j] = csvSafe(c)
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := sw.SetRow(cell, cells); err != nil {
			return nil, "", err
		}
	}
	if err := sw.Flush(); err != nil {
		return nil, "", err
	}
	if err := f.Write(&buf); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", nil
}

// sendFile answers with a file to save, never to display.
func sendFile(w http.ResponseWriter, name, contentType string, body []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(body)
}
