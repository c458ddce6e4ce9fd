package cli

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
)

// startProfiles honours EASEL_CPUPROFILE and EASEL_MEMPROFILE (file names):
// CPU and heap profiles of one command, for measuring easel on real
// repositories with `go tool pprof`. The returned function writes them.
func startProfiles() (stop func()) {
	cpu, mem := os.Getenv("EASEL_CPUPROFILE"), os.Getenv("EASEL_MEMPROFILE")
	if mem == "" {
		// Linking runtime/pprof turns on the runtime's sampling of
		// allocations (one record with a stack trace every 512 KiB):
		// work and page faults no command needs unless asked for.
		runtime.MemProfileRate = 0
	}
	if cpu == "" && mem == "" {
		return func() {}
	}
	var cpuFile *os.File
	if cpu != "" {
		f, err := os.Create(cpu)
		if err == nil && pprof.StartCPUProfile(f) == nil {
			cpuFile = f
		} else {
			fmt.Fprintln(os.Stderr, "easel: warning: cannot write CPU profile:", err)
		}
	}
	if mem != "" {
		runtime.MemProfileRate = 64 << 10
	}
	return func() {
		if cpuFile != nil {
			pprof.StopCPUProfile()
			cpuFile.Close()
		}
		if mem != "" {
			f, err := os.Create(mem)
			if err != nil {
				fmt.Fprintln(os.Stderr, "easel: warning: cannot write heap profile:", err)
				return
			}
			defer f.Close()
			pprof.Lookup("allocs").WriteTo(f, 0)
		}
	}
}
