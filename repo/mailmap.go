package repo

import (
	"context"
	"os"
	"path/filepath"
	"strings"
)

// Mailmap maps the names and emails recorded in commits to canonical ones,
// read from .mailmap files as git reads them (gitmailmap(5)). Emails and
// names are matched ignoring case.
type Mailmap struct {
	byEmail map[string]*mailmapEntry
}

type mailmapEntry struct {
	name, email string // the replacements; "" keeps the recorded one
	// byName holds the entries that also match the recorded name
	// ("Proper <proper> Commit Name <commit>").
	byName map[string]*mailmapEntry
}

// LoadMailmap reads the mailmap as git log does: .mailmap at the top of
// the work tree, then mailmap.blob (HEAD:.mailmap by default in a bare
// repository), then mailmap.file; later entries override earlier ones.
// Missing files are no error; an empty map maps nothing.
func (r *Repository) LoadMailmap(ctx context.Context) *Mailmap {
	m := &Mailmap{byEmail: map[string]*mailmapEntry{}}
	if !r.IsBare() {
		// As git: a symbolic link in the tree is not followed.
		p := filepath.Join(r.WorkDir, ".mailmap")
		if fi, err := os.Lstat(p); err == nil && fi.Mode().IsRegular() {
			if data, err := os.ReadFile(p); err == nil {
				m.parse(string(data))
			}
		}
	}
	blob, ok, _ := r.ConfigGet("mailmap.blob")
	if !ok && r.IsBare() {
		blob, ok = "HEAD:.mailmap", true
	}
	if ok && blob != "" {
		if h, err := r.ResolveRevision(ctx, blob); err == nil {
			if data, err := r.readBlob(h); err == nil {
				m.parse(string(data))
			}
		}
	}
	if file, ok, _ := r.ConfigGet("mailmap.file"); ok && file != "" {
		if strings.HasPrefix(file, "~/") {
			if home, err := os.UserHomeDir(); err == nil {
				file = filepath.Join(home, file[2:])
			}
		}
		if data, err := os.ReadFile(file); err == nil {
			m.parse(string(data))
		}
	}
	return m
}

// ParseMailmap reads mailmap text.
func ParseMailmap(text string) *Mailmap {
	m := &Mailmap{byEmail: map[string]*mailmapEntry{}}
	m.parse(text)
	return m
}

func (m *Mailmap) parse(text string) {
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		name1, email1, rest, ok := parseNameEmail(line, false)
		if !ok {
			continue
		}
		// As git: text after the first address that holds no second
		// one (a bare old name, say) is ignored.
		oldName, oldEmail, _, _ := parseNameEmail(rest, true)
		m.add(name1, email1, oldName, oldEmail)
	}
}

// parseNameEmail reads "Name <email>" at the start of s, the name trimmed
// (possibly empty), and returns what follows the ">". The email may be
// empty only when allowEmpty is set.
func parseNameEmail(s string, allowEmpty bool) (name, email, rest string, ok bool) {
	lt := strings.IndexByte(s, '<')
	if lt < 0 {
		return "", "", "", false
	}
	gt := strings.IndexByte(s[lt+1:], '>')
	if gt < 0 || gt == 0 && !allowEmpty {
		return "", "", "", false
	}
	name = strings.Trim(s[:lt], " \t\r\n\v\f")
	email = s[lt+1 : lt+1+gt]
	return name, email, s[lt+1+gt+1:], true
}

// add records one line. With a single address (oldEmail empty) it is the
// recorded email and newName replaces the name recorded with it; with two,
// the first pair replaces the second, and only for the recorded name
// oldName when there is one.
func (m *Mailmap) add(newName, newEmail, oldName, oldEmail string) {
	if oldEmail == "" {
		oldEmail, newEmail = newEmail, ""
	}
	key := asciiLower(oldEmail)
	e := m.byEmail[key]
	if e == nil {
		e = &mailmapEntry{}
		m.byEmail[key] = e
	}
	if oldName == "" {
		if newName != "" {
			e.name = newName
		}
		if newEmail != "" {
			e.email = newEmail
		}
		return
	}
	if e.byName == nil {
		e.byName = map[string]*mailmapEntry{}
	}
	e.byName[asciiLower(oldName)] = &mailmapEntry{name: newName, email: newEmail}
}

// asciiLower folds ASCII letters only, as git's strcasecmp comparison of
// mailmap keys does.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// Map returns the canonical name and email for a recorded pair.
func (m *Mailmap) Map(name, email string) (string, string) {
	if m == nil {
		return name, email
	}
	e := m.byEmail[asciiLower(email)]
	if e == nil {
		return name, email
	}
	if sub := e.byName[asciiLower(name)]; sub != nil {
		e = sub
	}
	if e.name != "" {
		name = e.name
	}
	if e.email != "" {
		email = e.email
	}
	return name, email
}
