package repo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/repo/gitobj"
	"easel.dev/easel/repo/pretty"
)

// Tag is one tag as listed.
type Tag struct {
	Name      string        `json:"name"`
	Hash      plumbing.Hash `json:"-"`
	ID        string        `json:"id"`     // what the ref points at
	Target    string        `json:"target"` // the commit (or other object) it names, tags peeled
	Annotated bool          `json:"annotated"`
}

// Tags lists tags sorted by name.
func (r *Repository) Tags(ctx context.Context) ([]Tag, error) {
	refs, err := r.refsUnder("refs/tags/")
	if err != nil {
		return nil, err
	}
	out := make([]Tag, 0, len(refs))
	for _, ref := range refs {
		t := Tag{Name: shortRefName(ref.Name()), Hash: ref.Hash(), ID: ref.Hash().String(), Target: ref.Hash().String()}
		if o, err := r.Storer.EncodedObject(plumbing.AnyObject, ref.Hash()); err == nil && o.Type() == plumbing.TagObject {
			t.Annotated = true
			if p, err := r.peel(ref.Hash(), ""); err == nil {
				t.Target = p.String()
			}
		}
		out = append(out, t)
	}
	return out, nil
}

// TagOptions describes a tag to create.
type TagOptions struct {
	Name   string
	Target plumbing.Hash
	// Annotated makes a tag object; without it the tag is a ref only.
	Annotated bool
	// Message is the -m or -F text; MessageGiven says one was given (it
	// may be empty, which git accepts). Without one, or with Edit, the
	// message is edited in TAG_EDITMSG as git does.
	Message      string
	MessageGiven bool
	Edit         bool
	// Cleanup is git's --cleanup: "strip" (the default: comments and
	// surplus blank lines go), "whitespace" or "verbatim".
	Cleanup      string
	Tagger       *gitobj.Signature // nil: the committer identity
	Force        bool
	CreateReflog bool
}

// ErrNoTagMessage: the editor left no message (git's "no tag message?"),
// or could not be run.
var ErrNoTagMessage = errors.New("no tag message?")

// ErrTagEditor: the editor failed; git then asks for -m or -F and exits 1.
var ErrTagEditor = errors.New("Please supply the message using either -m or -F option.")

// CreateTag writes refs/tags/<name>, through a tag object for annotated
// tags, and returns the id the ref points at.
func (r *Repository) CreateTag(ctx context.Context, o TagOptions) (plumbing.Hash, error) {
	id, _, err := r.CreateTagWith(ctx, o)
	return id, err
}

// CreateTagWith is CreateTag that also returns what the ref pointed at
// before (zero for a new tag), for git's "Updated tag" line.
func (r *Repository) CreateTagWith(ctx context.Context, o TagOptions) (id, prev plumbing.Hash, err error) {
	ref := plumbing.NewTagReferenceName(o.Name)
	if strings.HasPrefix(o.Name, "-") || ValidateRefName(ref.String()) != nil {
		return id, prev, &BranchError{Msg: fmt.Sprintf("'%s' is not a valid tag name.", o.Name), Err: ErrInvalidRefName}
	}
	cur, err := r.ResolveRef(ref)
	if err == nil && !o.Force {
		return id, prev, &BranchError{Msg: fmt.Sprintf("tag '%s' already exists", o.Name), Err: ErrAlreadyExists}
	}
	if err != nil && !errors.Is(err, ErrNotFound) {
		return id, prev, err
	}
	prev = cur
	target, err := r.Storer.EncodedObject(plumbing.AnyObject, o.Target)
	if err != nil {
		return id, prev, fmt.Errorf("%s: %w", o.Target, ErrUnknownRevision)
	}
	cleanup := o.Cleanup
	switch cleanup {
	case "", "default":
		cleanup = "strip"
	case "strip", "whitespace", "verbatim":
	default:
		return id, prev, fmt.Errorf("Invalid cleanup mode %s", o.Cleanup)
	}
	id = o.Target
	if o.Annotated {
		tagger := o.Tagger
		if tagger == nil {
			sig, err := r.Identity("committer")
			if err != nil {
				return id, prev, err
			}
			tagger = &sig
		}
		given := o.MessageGiven || o.Message != ""
		msg := o.Message
		editPath := ""
		if !given || o.Edit {
			editPath = r.gitPath("TAG_EDITMSG")
			if msg, err = r.editTagMessage(editPath, o, given, cur, cleanup); err != nil {
				return id, prev, err
			}
		}
		switch cleanup {
		case "strip":
			msg = cleanupText(msg, true)
		case "whitespace":
			msg = cleanupText(msg, false)
		}
		if !given && msg == "" {
			return id, prev, ErrNoTagMessage
		}
		tag := &gitobj.Tag{
			Name: o.Name, Tagger: *tagger, Message: msg,
			TargetType: target.Type(), Target: o.Target,
		}
		if id, err = r.writeObject(plumbing.TagObject, tag.Bytes()); err != nil {
			return id, prev, err
		}
		if editPath != "" {
			defer os.Remove(editPath)
		}
	}
	err = r.UpdateRef(ctx, RefUpdate{Name: ref, Old: cur, New: id, CheckOld: true,
		Message: r.tagReflogMessage(o.Target), CreateReflog: o.CreateReflog})
	return id, prev, err
}

// editTagMessage writes git's TAG_EDITMSG (the -m text with -e, the
// replaced tag's message with -f, else git's template), runs the editor
// on it and returns what it left.
func (r *Repository) editTagMessage(path string, o TagOptions, given bool, prev plumbing.Hash, cleanup string) (string, error) {
	var text string
	switch {
	case given:
		text = o.Message
	case !prev.IsZero():
		if t, err := r.tagObject(prev); err == nil && t != nil {
			text = t.Message[:signatureStart(t.Message)]
		}
	default:
		how := "Lines starting with '#' will be ignored."
		if cleanup != "strip" {
			how = "Lines starting with '#' will be kept; you may remove them yourself if you want to."
		}
		text = "\n#\n# Write a message for tag:\n#   " + o.Name + "\n# " + how + "\n"
	}
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		return "", err
	}
	if err := r.runEditor(r.CommitEditor(), path); err != nil {
		return "", ErrTagEditor
	}
	data, err := os.ReadFile(path)
	return string(data), err
}

// signatureStart is where a PGP or SSH signature block begins in a tag
// message, len(msg) when it has none.
func signatureStart(msg string) int {
	for _, p := range []string{"-----BEGIN PGP SIGNATURE-----", "-----BEGIN PGP MESSAGE-----", "-----BEGIN SSH SIGNATURE-----"} {
		if msg == p || strings.HasPrefix(msg, p+"\n") {
			return 0
		}
		if i := strings.Index(msg, "\n"+p); i >= 0 {
			return i + 1
		}
	}
	return len(msg)
}

// tagReflogMessage is git's create_reflog_msg: "tag: tagging <abbrev>
// (<subject>, <date>)" for a commit, "(tree object)" and the like else.
func (r *Repository) tagReflogMessage(target plumbing.Hash) string {
	what := "object of unknown type"
	if o, err := r.Storer.EncodedObject(plumbing.AnyObject, target); err == nil {
		switch o.Type() {
		case plumbing.CommitObject:
			what = "commit object"
			if c, err := gitobj.DecodeEncodedCommit(o); err == nil {
				what = pretty.Subject(c.Message) + ", " + c.Committer.When.Format("2006-01-02")
			}
		case plumbing.TreeObject:
			what = "tree object"
		case plumbing.BlobObject:
			what = "blob object"
		case plumbing.TagObject:
			what = "other tag object"
		}
	}
	return "tag: tagging " + r.NewAbbreviator().ShortID(target) + " (" + what + ")"
}

// DeleteTag removes refs/tags/<name> and returns what it pointed at.
func (r *Repository) DeleteTag(ctx context.Context, name string) (plumbing.Hash, error) {
	ref := plumbing.NewTagReferenceName(name)
	if err := ValidateRefName(ref.String()); err != nil {
		return plumbing.ZeroHash, err
	}
	cur, err := r.ResolveRef(ref)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return plumbing.ZeroHash, fmt.Errorf("tag '%s' %w", name, ErrNotFound)
		}
		return plumbing.ZeroHash, err
	}
	return cur, r.UpdateRef(ctx, RefUpdate{Name: ref, Old: cur, New: plumbing.ZeroHash, CheckOld: true})
}

// cleanMessage does what git's default message clean-up does to -m text:
// strip trailing whitespace from lines, drop leading and trailing blank
// lines, squeeze runs of blank lines, end with one newline.
func cleanMessage(s string) string { return cleanupText(s, false) }
