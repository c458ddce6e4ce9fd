//go:build !windows

package convert

// nativeCRLF: core.eol=native means LF here.
const nativeCRLF = false
