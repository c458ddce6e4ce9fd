package linediff

// This file follows git's xdiff (xprepare.c and xdiffi.c) step by step:
// the same discarding of unmatched lines, the same middle-snake search and
// the same cutoffs. Among diffs of equal length, which one comes out
// depends on these details, and git users see git's choice.

const (
	maxEqLimit    = 1024 // XDL_MAX_EQLIMIT
	simscanWindow = 100  // XDL_SIMSCAN_WINDOW
	kpdisRun      = 4    // XDL_KPDIS_RUN
	maxCostMin    = 256  // XDL_MAX_COST_MIN
	heurMinCost   = 256  // XDL_HEUR_MIN_COST
	snakeCnt      = 20   // XDL_SNAKE_CNT
	kHeur         = 4    // XDL_K_HEUR
	lineMax       = int(^uint(0) >> 1)
)

// myers marks in ca/cb the lines of a and b left unmatched by xdiff's
// Myers diff (xdl_do_diff without XDF_NEED_MINIMAL).
func myers(a, b []int32, ca, cb []bool, s *scratch) {
	start, endA, endB := trimEnds(a, b)
	if start == endA && start == endB {
		return
	}
	if start == endA || start == endB {
		for i := start; i < endA; i++ {
			ca[i] = true
		}
		for i := start; i < endB; i++ {
			cb[i] = true
		}
		return
	}

	// xdl_cleanup_records: lines with no match on the other side are
	// changed for sure and never enter the search; lines with very many
	// matches are dropped too when they sit in a run of such lines.
	for _, x := range a {
		s.cnt1[x]++
	}
	for _, x := range b {
		s.cnt2[x]++
	}
	dis := make([]byte, endA-start+endB-start)
	dis1, dis2 := dis[:endA-start], dis[endA-start:]
	classify := func(lines []int32, other []int32, d []byte, n int) {
		mlim := min(bogosqrt(n), maxEqLimit)
		for i, x := range lines {
			nm := int(other[x])
			switch {
			case nm == 0:
				d[i] = 0
			case nm >= mlim && !s.needMin:
				d[i] = 2
			default:
				d[i] = 1
			}
		}
	}
	classify(a[start:endA], s.cnt2, dis1, len(a))
	classify(b[start:endB], s.cnt1, dis2, len(b))
	for _, x := range a {
		s.cnt1[x] = 0
	}
	for _, x := range b {
		s.cnt2[x] = 0
	}

	keep := func(lines []int32, d []byte, changed []bool) (h, r []int32) {
		h = make([]int32, 0, len(d))
		r = make([]int32, 0, len(d))
		for i := range d {
			if d[i] == 1 || (d[i] == 2 && !cleanMMatch(d, i, 0, len(d)-1)) {
				r = append(r, int32(start+i))
				h = append(h, lines[start+i])
			} else {
				changed[start+i] = true
			}
		}
		return h, r
	}
	h1, r1 := keep(a, dis1, ca)
	h2, r2 := keep(b, dis2, cb)

	ndiags := len(h1) + len(h2) + 3
	kv := make([]int, 2*ndiags+2)
	e := &myersEnv{
		h1: h1, h2: h2, r1: r1, r2: r2, c1: ca, c2: cb,
		kvdf:   kv[:ndiags],
		kvdb:   kv[ndiags:],
		kbase:  len(h2) + 1,
		mxcost: max(bogosqrt(ndiags), maxCostMin),
	}
	e.recsCmp(0, len(h1), 0, len(h2), s.needMin)
}

// cleanMMatch is xdl_clean_mmatch: whether the many-matches line i sits in
// a run made mostly of unmatched lines (then it is discarded as well).
func cleanMMatch(dis []byte, i, s, e int) bool {
	if i-s > simscanWindow {
		s = i - simscanWindow
	}
	if e-i > simscanWindow {
		e = i + simscanWindow
	}
	rdis0, rpdis0 := 0, 1
	for r := 1; i-r >= s; r++ {
		if dis[i-r] == 0 {
			rdis0++
		} else if dis[i-r] == 2 {
			rpdis0++
		} else {
			break
		}
	}
	if rdis0 == 0 {
		return false
	}
	rdis1, rpdis1 := 0, 1
	for r := 1; i+r <= e; r++ {
		if dis[i+r] == 0 {
			rdis1++
		} else if dis[i+r] == 2 {
			rpdis1++
		} else {
			break
		}
	}
	if rdis1 == 0 {
		return false
	}
	rdis1 += rdis0
	rpdis1 += rpdis0
	return rpdis1*kpdisRun < rpdis1+rdis1
}

type myersEnv struct {
	h1, h2     []int32 // interned lines that take part in the search
	r1, r2     []int32 // their positions in the files
	c1, c2     []bool
	kvdf, kvdb []int // diagonal vectors, indexed by k + kbase
	kbase      int
	mxcost     int
}

// recsCmp is xdl_recs_cmp: divide and conquer on the middle snake.
func (e *myersEnv) recsCmp(off1, lim1, off2, lim2 int, needMin bool) {
	h1, h2 := e.h1, e.h2
	for off1 < lim1 && off2 < lim2 && h1[off1] == h2[off2] {
		off1++
		off2++
	}
	for off1 < lim1 && off2 < lim2 && h1[lim1-1] == h2[lim2-1] {
		lim1--
		lim2--
	}
	switch {
	case off1 == lim1:
		for ; off2 < lim2; off2++ {
			e.c2[e.r2[off2]] = true
		}
	case off2 == lim2:
		for ; off1 < lim1; off1++ {
			e.c1[e.r1[off1]] = true
		}
	default:
		i1, i2, minLo, minHi := e.split(off1, lim1, off2, lim2, needMin)
		e.recsCmp(off1, i1, off2, i2, minLo)
		e.recsCmp(i1, lim1, i2, lim2, minHi)
	}
}

// split is xdl_split: find the middle snake of the box, or give up with a
// good-enough split once the cost passes the heuristic limits.
func (e *myersEnv) split(off1, lim1, off2, lim2 int, needMin bool) (int, int, bool, bool) {
	h1, h2 := e.h1, e.h2
	kb := e.kbase
	kvdf, kvdb := e.kvdf, e.kvdb
	dmin, dmax := off1-lim2, lim1-off2
	fmid, bmid := off1-off2, lim1-lim2
	odd := (fmid-bmid)&1 != 0
	fmin, fmax := fmid, fmid
	bmin, bmax := bmid, bmid

	kvdf[fmid+kb] = off1
	kvdb[bmid+kb] = lim1

	for ec := 1; ; ec++ {
		gotSnake := false

		if fmin > dmin {
			fmin--
			kvdf[fmin-1+kb] = -1
		} else {
			fmin++
		}
		if fmax < dmax {
			fmax++
			kvdf[fmax+1+kb] = -1
		} else {
			fmax--
		}
		for d := fmax; d >= fmin; d -= 2 {
			var i1 int
			if kvdf[d-1+kb] >= kvdf[d+1+kb] {
				i1 = kvdf[d-1+kb] + 1
			} else {
				i1 = kvdf[d+1+kb]
			}
			prev1 := i1
			i2 := i1 - d
			for i1 < lim1 && i2 < lim2 && h1[i1] == h2[i2] {
				i1++
				i2++
			}
			if i1-prev1 > snakeCnt {
				gotSnake = true
			}
			kvdf[d+kb] = i1
			if odd && bmin <= d && d <= bmax && kvdb[d+kb] <= i1 {
				return i1, i2, true, true
			}
		}

		if bmin > dmin {
			bmin--
			kvdb[bmin-1+kb] = lineMax
		} else {
			bmin++
		}
		if bmax < dmax {
			bmax++
			kvdb[bmax+1+kb] = lineMax
		} else {
			bmax--
		}
		for d := bmax; d >= bmin; d -= 2 {
			var i1 int
			if kvdb[d-1+kb] < kvdb[d+1+kb] {
				i1 = kvdb[d-1+kb]
			} else {
				i1 = kvdb[d+1+kb] - 1
			}
			prev1 := i1
			i2 := i1 - d
			for i1 > off1 && i2 > off2 && h1[i1-1] == h2[i2-1] {
				i1--
				i2--
			}
			if prev1-i1 > snakeCnt {
				gotSnake = true
			}
			kvdb[d+kb] = i1
			if !odd && fmin <= d && d <= fmax && i1 <= kvdf[d+kb] {
				return i1, i2, true, true
			}
		}

		if needMin {
			continue
		}

		// A long enough snake far from the start is a good place to
		// cut an expensive search short.
		if gotSnake && ec > heurMinCost {
			best, s1, s2 := 0, 0, 0
			for d := fmax; d >= fmin; d -= 2 {
				dd := d - fmid
				if dd < 0 {
					dd = -dd
				}
				i1 := kvdf[d+kb]
				i2 := i1 - d
				v := (i1 - off1) + (i2 - off2) - dd
				if v > kHeur*ec && v > best &&
					off1+snakeCnt <= i1 && i1 < lim1 &&
					off2+snakeCnt <= i2 && i2 < lim2 {
					for k := 1; h1[i1-k] == h2[i2-k]; k++ {
						if k == snakeCnt {
							best, s1, s2 = v, i1, i2
							break
						}
					}
				}
			}
			if best > 0 {
				return s1, s2, true, false
			}
			best = 0
			for d := bmax; d >= bmin; d -= 2 {
				dd := d - bmid
				if dd < 0 {
					dd = -dd
				}
				i1 := kvdb[d+kb]
				i2 := i1 - d
				v := (lim1 - i1) + (lim2 - i2) - dd
				if v > kHeur*ec && v > best &&
					off1 < i1 && i1 <= lim1-snakeCnt &&
					off2 < i2 && i2 <= lim2-snakeCnt {
					for k := 0; h1[i1+k] == h2[i2+k]; k++ {
						if k == snakeCnt-1 {
							best, s1, s2 = v, i1, i2
							break
						}
					}
				}
			}
			if best > 0 {
				return s1, s2, false, true
			}
		}

		// Too expensive: take the furthest-reaching path found so far.
		if ec >= e.mxcost {
			fbest, fbest1 := -1, -1
			for d := fmax; d >= fmin; d -= 2 {
				i1 := min(kvdf[d+kb], lim1)
				i2 := i1 - d
				if lim2 < i2 {
					i1 = lim2 + d
					i2 = lim2
				}
				if fbest < i1+i2 {
					fbest = i1 + i2
					fbest1 = i1
				}
			}
			bbest, bbest1 := lineMax, lineMax
			for d := bmax; d >= bmin; d -= 2 {
				i1 := max(off1, kvdb[d+kb])
				i2 := i1 - d
				if i2 < off2 {
					i1 = off2 + d
					i2 = off2
				}
				if i1+i2 < bbest {
					bbest = i1 + i2
					bbest1 = i1
				}
			}
			if (lim1+lim2)-bbest < fbest-(off1+off2) {
				return fbest1, fbest - fbest1, true, false
			}
			return bbest1, bbest - bbest1, false, true
		}
	}
}
