package linediff

// histogram is git's xhistogram.c: anchor on the longest common run that
// contains the line occurring least often in A, recurse on both sides of
// it, and fall back to Myers where every common line is too frequent.
// Positions are 1-based as in git.
type histogram struct {
	a, b   []int32
	ca, cb []bool
	s      *scratch
}

const maxChainLength = 64

type region struct{ begin1, end1, begin2, end2 int }

func (h *histogram) diff(line1, count1, line2, count2 int) {
	for {
		if count1 <= 0 && count2 <= 0 {
			return
		}
		if count1 == 0 {
			for ; count2 > 0; count2-- {
				h.cb[line2-1] = true
				line2++
			}
			return
		}
		if count2 == 0 {
			for ; count1 > 0; count1-- {
				h.ca[line1-1] = true
				line1++
			}
			return
		}
		lcs, fallback := h.findLCS(line1, count1, line2, count2)
		if fallback {
			h.classic(line1, count1, line2, count2)
			return
		}
		if lcs.begin1 == 0 && lcs.begin2 == 0 {
			for ; count1 > 0; count1-- {
				h.ca[line1-1] = true
				line1++
			}
			for ; count2 > 0; count2-- {
				h.cb[line2-1] = true
				line2++
			}
			return
		}
		h.diff(line1, lcs.begin1-line1, line2, lcs.begin2-line2)
		end1, end2 := line1+count1-1, line2+count2-1
		count1 = end1 - lcs.end1
		line1 = lcs.end1 + 1
		count2 = end2 - lcs.end2
		line2 = lcs.end2 + 1
	}
}

// classic is xdl_fall_back_diff: Myers on the two ranges as if they were
// whole files.
func (h *histogram) classic(line1, count1, line2, count2 int) {
	a := h.a[line1-1 : line1-1+count1]
	b := h.b[line2-1 : line2-1+count2]
	myers(a, b, h.ca[line1-1:line1-1+count1+1], h.cb[line2-1:line2-1+count2+1], h.s)
}

// findLCS is find_lcs; fallback reports that the common lines all occur
// more than maxChainLength times.
func (h *histogram) findLCS(line1, count1, line2, count2 int) (lcs region, fallback bool) {
	s := h.s
	if s.recPtr == nil {
		s.recPtr = make([]int32, len(s.cnt1))
		s.recCnt = make([]int32, len(s.cnt1))
	}
	a, b := h.a, h.b
	// next[p-line1]: the next occurrence in A of the line at p, 0 if none.
	next := make([]int32, count1)
	end1 := line1 + count1 - 1
	end2 := line2 + count2 - 1
	for p := end1; p >= line1; p-- {
		id := a[p-1]
		if s.recCnt[id] > 0 {
			next[p-line1] = s.recPtr[id]
		}
		s.recPtr[id] = int32(p)
		s.recCnt[id]++
	}
	defer func() {
		for p := line1; p <= end1; p++ {
			s.recCnt[a[p-1]] = 0
		}
	}()

	cnt := maxChainLength + 1
	hasCommon := false
	for bPtr := line2; bPtr <= end2; {
		bNext := bPtr + 1
		id := b[bPtr-1]
		rc0 := int(s.recCnt[id])
		if rc0 == 0 {
			bPtr = bNext
			continue
		}
		if rc0 > cnt {
			hasCommon = true
			bPtr = bNext
			continue
		}
		hasCommon = true
		as := int(s.recPtr[id])
		for {
			np := int(next[as-line1])
			bs := bPtr
			ae, be := as, bs
			rc := rc0
			for line1 < as && line2 < bs && a[as-2] == b[bs-2] {
				as--
				bs--
				if rc > 1 {
					rc = min(rc, int(s.recCnt[a[as-1]]))
				}
			}
			for ae < end1 && be < end2 && a[ae] == b[be] {
				ae++
				be++
				if rc > 1 {
					rc = min(rc, int(s.recCnt[a[ae-1]]))
				}
			}
			if bNext <= be {
				bNext = be + 1
			}
			if lcs.end1-lcs.begin1 < ae-as || rc < cnt {
				lcs = region{begin1: as, end1: ae, begin2: bs, end2: be}
				cnt = rc
			}
			if np == 0 {
				break
			}
			for np != 0 && np <= ae {
				np = int(next[np-line1])
			}
			if np == 0 {
				break
			}
			as = np
		}
		bPtr = bNext
	}
	return lcs, hasCommon && maxChainLength < cnt
}
