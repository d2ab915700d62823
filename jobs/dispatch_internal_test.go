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
