package ceptor

import "slices"

// StatsMinCount is the smallest count that statistics show as a number to
// people outside NISC. Smaller counts, zero included, appear only as "fewer
// than StatsMinCount" (see StatsThreshold).
const StatsMinCount = 3

// allowStats decides who may see aggregate statistics (the yearly report
// counts by sector, event class and cause) and export them. A statistics
// resource names the sectors it covers in SectorIDs; a resource without
// sectors stands for the programme as a whole (every sector, reports whose
// sector is unknown, exact small counts).
//
//   - NISC, every role, sees the programme as a whole: the counts are its
//     own indicators (SPEC §3.1 Counts, §3.8).
//   - A ministry, every role, sees the sectors it oversees, one by one or
//     together; never the programme as a whole.
//   - Executives (経営層) of any other organisation see the sectors their
//     organisation works in, for the board's picture of its sector.
//   - Nobody else: administrators and analysts of operators, CEPTOR
//     secretariats, the Council, agencies and suppliers follow their own
//     reports in the reports module; a sector count is not theirs to read.
//
// Statistics never show a report or a reporter, but a count of one in a
// small sector can point at one; StatsThreshold says how small counts are
// shown to those who do not see the programme as a whole. Only view and
// export are actions on statistics. Token scopes (read) and read-only roles
// are handled by Allow.
func (a *Actor) allowStats(act Action, r Resource) bool {
	if act != ActView && act != ActExport {
		return false
	}
	if a.OrgType == OrgNISC {
		return true
	}
	if len(r.SectorIDs) == 0 {
		return false
	}
	var mine []int64
	if a.OrgType == OrgMinistry {
		mine = a.OverseesSectors
	}
	if a.Role == RoleExecutive {
		mine = append(slices.Clip(mine), a.SectorIDs...)
	}
	for _, s := range r.SectorIDs {
		if s == 0 || !slices.Contains(mine, s) {
			return false
		}
	}
	return true
}

// StatsThreshold returns the smallest count statistics show to a as a
// number: 0 (every count exact) for those who may see the programme as a
// whole, StatsMinCount for everyone else, who see smaller counts (zero
// included, so that "none" and "one" look alike) only as "fewer than
// StatsMinCount". It is asked of the policy, like every other access.
func StatsThreshold(a *Actor) int {
	if Allow(a, ActView, Resource{Kind: KindStats}) {
		return 0
	}
	return StatsMinCount
}

// StatsSectors returns, of the given sectors, those a may see statistics
// of, in the given order.
func StatsSectors(a *Actor, sectorIDs []int64) []int64 {
	var out []int64
	for _, id := range sectorIDs {
		if Allow(a, ActView, Resource{Kind: KindStats, SectorIDs: []int64{id}}) {
			out = append(out, id)
		}
	}
	return out
}
