//go:build linux || openbsd

package statuswalk

import "syscall"

func ctimeOf(st *syscall.Stat_t) (sec, nsec int64) { return int64(st.Ctim.Sec), int64(st.Ctim.Nsec) }
