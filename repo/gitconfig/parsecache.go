package gitconfig

import "sync"

// A command looks its settings up one by one, and each lookup reads every
// configuration file again (a file may change between lookups: a command
// that sets a value reads it back). Parsing them again each time was most
// of what a short command such as 'branch' did, so the entries of a text
// already parsed are kept, keyed by the text itself: a changed file is
// parsed afresh, and nothing can be served stale.
var parseCache struct {
	sync.Mutex
	m map[parseKey]*parsedText
}

type parseKey struct{ where, text string }

// parsedText is one parse: its events and, for each Entry, its key.
type parsedText struct {
	evs  []Event
	keys []string
}

// Bounds on what is kept: configuration files are small, but a server
// reads those of many repositories.
const (
	parseCacheEntries = 32
	parseCacheMaxText = 64 << 10
)

// parseEntries is Parse through the cache; the result is shared and must
// not be changed.
func parseEntries(data []byte, where string) (*parsedText, error) {
	if len(data) > parseCacheMaxText {
		return parseText(data, where)
	}
	parseCache.Lock()
	p := parseCache.m[parseKey{where, string(data)}]
	parseCache.Unlock()
	if p != nil {
		return p, nil
	}
	p, err := parseText(data, where)
	if err != nil {
		return nil, err
	}
	parseCache.Lock()
	if parseCache.m == nil || len(parseCache.m) >= parseCacheEntries {
		parseCache.m = make(map[parseKey]*parsedText)
	}
	parseCache.m[parseKey{where, string(data)}] = p
	parseCache.Unlock()
	return p, nil
}

func parseText(data []byte, where string) (*parsedText, error) {
	evs, err := Parse(data, where)
	if err != nil {
		return nil, err
	}
	keys := make([]string, len(evs))
	for i := range evs {
		if evs[i].Kind == Entry {
			keys[i] = evs[i].Key()
		}
	}
	return &parsedText{evs: evs, keys: keys}, nil
}
