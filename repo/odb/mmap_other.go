//go:build !unix && !windows

package odb

import "os"

// mapFile reads the file whole where memory mapping is not available.
func mapFile(name string) ([]byte, error) { return os.ReadFile(name) }

func unmapFile([]byte) {}

func releasePages([]byte) {}
