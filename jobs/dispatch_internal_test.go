package jobs

import (
	"reflect"
	"testing"
)

func TestIDRuns(t *testing.T) {
	for _, c := range []struct {
		in   []int64
		want [][2]int64
	}{
		{nil, nil},
		{[]int64{5}, [][2]int64{{5, 5}}},
		{[]int64{1, 2, 3, 4}, [][2]int64{{1, 4}}},
		{[]int64{9, 3, 2, 10, 4, 4, 20}, [][2]int64{{2, 4}, {9, 10}, {20, 20}}},
	} {
		if got := idRuns(c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("idRuns(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestDispatchParams(t *testing.T) {
	var ids []int64
	for i := range int64(600) {
		ids = append(ids, 1000+i)
	}
	ids = append(ids, 5000) // a gap: its own run in the last chunk
	p := dispatchParams(ids)
	if len(p) != 3 {
		t.Fatalf("%d dispatchers for 601 rows, want 3", len(p))
	}
	want := [][][2]int64{{{1000, 1249}}, {{1250, 1499}}, {{1500, 1599}, {5000, 5000}}}
	for i, x := range p {
		if got := x.Args.(AdvisoryDispatchArgs).Runs; !reflect.DeepEqual(got, want[i]) {
			t.Errorf("dispatcher %d: %v, want %v", i, got, want[i])
		}
	}
}
