package gitconfig

import (
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
)

// ErrBadValue: a value cannot be read as the type asked for.
var ErrBadValue = errors.New("bad config value")

// ParseBool reads git's booleans: true/yes/on/1 (any case), a bare name
// and false/no/off/0/""; other integers count as their truth.
func ParseBool(v string, noValue bool) (bool, bool) {
	if noValue {
		return true, true
	}
	switch strings.ToLower(v) {
	case "true", "yes", "on":
		return true, true
	case "false", "no", "off", "":
		return false, true
	}
	if n, ok := ParseInt(v); ok {
		return n != 0, true
	}
	return false, false
}

// ParseInt reads an integer with an optional k, m or g (powers of 1024).
func ParseInt(v string) (int64, bool) {
	if v == "" {
		return 0, false
	}
	mult := int64(1)
	switch strings.ToLower(v[len(v)-1:]) {
	case "k":
		mult = 1 << 10
	case "m":
		mult = 1 << 20
	case "g":
		mult = 1 << 30
	}
	num := v
	if mult != 1 {
		num = v[:len(v)-1]
	}
	n, err := strconv.ParseInt(num, 0, 64)
	if err != nil || num == "" || num[0] == ' ' {
		return 0, false
	}
	if n > 0 && n > math.MaxInt64/mult || n < 0 && n < math.MinInt64/mult {
		return 0, false
	}
	return n * mult, true
}

// Format renders v as config --type=<typ> prints it. where names the
// value's origin for messages ("file .git/config").
func Format(typ string, key string, v string, noValue bool, where string) (string, error) {
	in := ""
	if where != "" {
		in = " in " + where
	}
	switch typ {
	case "", "string":
		return v, nil
	case "bool":
		b, ok := ParseBool(v, noValue)
		if !ok {
			return "", fmt.Errorf("%w: bad boolean config value '%s' for '%s'", ErrBadValue, v, key)
		}
		return strconv.FormatBool(b), nil
	case "int":
		if noValue {
			return "", fmt.Errorf("%w: bad numeric config value '' for '%s'%s: invalid unit", ErrBadValue, key, in)
		}
		n, ok := ParseInt(v)
		if !ok {
			why := "invalid unit"
			if _, err := strconv.ParseInt(strings.TrimRight(v, "kKmMgG"), 0, 64); err != nil && isRange(err) {
				why = "out of range"
			}
			return "", fmt.Errorf("%w: bad numeric config value '%s' for '%s'%s: %s", ErrBadValue, v, key, in, why)
		}
		return strconv.FormatInt(n, 10), nil
	case "bool-or-int":
		if !noValue {
			if n, ok := ParseInt(v); ok {
				if n > math.MaxInt32 || n < math.MinInt32 {
					return "", fmt.Errorf("%w: bad numeric config value '%s' for '%s'%s: out of range", ErrBadValue, v, key, in)
				}
				return strconv.FormatInt(n, 10), nil
			}
		}
		b, ok := ParseBool(v, noValue)
		if !ok {
			return "", fmt.Errorf("%w: bad numeric config value '%s' for '%s'%s: invalid unit", ErrBadValue, v, key, in)
		}
		return strconv.FormatBool(b), nil
	case "path":
		if noValue {
			return "", fmt.Errorf("%w: missing value for '%s'", ErrBadValue, key)
		}
		if (v == "~" || strings.HasPrefix(v, "~/")) && os.Getenv("HOME") == "" {
			return "", fmt.Errorf("%w: failed to expand user dir in: '%s'", ErrBadValue, v)
		}
		return expandHome(v), nil
	case "expiry-date":
		t, ok := parseExpiry(v)
		if !ok {
			return "", fmt.Errorf("%w: '%s' for '%s' is not a valid timestamp", ErrBadValue, v, key)
		}
		return strconv.FormatInt(t, 10), nil
	case "color":
		c, err := ParseColor(v)
		if err != nil {
			return "", fmt.Errorf("%w: invalid color value: %s", ErrBadValue, v)
		}
		return c, nil
	}
	return "", fmt.Errorf("unrecognized --type argument, %s", typ)
}

func isRange(err error) bool {
	var ne *strconv.NumError
	return errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange)
}

// Normalize is the value config --type=<typ> writes for v.
func Normalize(typ, key, v string) (string, error) {
	switch typ {
	case "", "string", "path", "expiry-date":
		if typ == "expiry-date" {
			if _, ok := parseExpiry(v); !ok {
				return "", fmt.Errorf("%w: '%s' for '%s' is not a valid timestamp", ErrBadValue, v, key)
			}
		}
		return v, nil
	case "color":
		if _, err := ParseColor(v); err != nil {
			return "", fmt.Errorf("%w: cannot parse color '%s'", ErrBadValue, v)
		}
		return v, nil
	}
	return Format(typ, key, v, false, "")
}

// parseExpiry reads an expiry date: "never" (0), "now"/"all" and plain
// timestamps; relative dates ("2.weeks.ago") are read as git's approxidate
// reads the common forms.
func parseExpiry(v string) (int64, bool) {
	switch v {
	case "never", "false":
		return 0, true
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return n, true
	}
	return approxidate(v)
}
