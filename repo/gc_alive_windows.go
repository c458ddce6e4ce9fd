//go:build windows

package repo

import "golang.org/x/sys/windows"

// alive reports whether process pid exists: it can be opened for a query.
func alive(pid int) bool {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	if err != nil {
		return false
	}
	windows.CloseHandle(h)
	return true
}
