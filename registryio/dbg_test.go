package registryio
import ("bytes";"testing";"time";"strings")
func TestDbgTime(t *testing.T){
	lk := testLookup()
	var buf bytes.Buffer
	WriteXLSX(&buf, exportFixture(), lk, "ja")
	for i:=0;i<3;i++{
	st := time.Now()
	ReadXLSX(bytes.NewReader(buf.Bytes()), lk)
	t.Logf("export read %v", time.Since(st))
	}
	for _, tc := range readCases[:3] {
		d := csvToXLSX(t, tc.in, "Sheet1")
		st := time.Now()
		ReadXLSX(bytes.NewReader(d), lk)
		t.Logf("case read %v", time.Since(st))
	}
	_ = strings.ToLower
}
