//go:build !unix

package lockfile

// Exclusive is a no-op where flock is not available: exclusivity is then
// not enforced, and callers must not rely on it for correctness.
func Exclusive(path string) (release func(), err error) { return func() {}, nil }
