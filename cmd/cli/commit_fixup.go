package cli

import (
	"context"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/object"

	"easel.dev/easel/repo"
)

// fixupMessage is the message git commit --fixup=<commit> and
// --squash=<commit> write, for rebase --autosquash: "fixup! <subject>"
// or "squash! <subject>", any -m/-F message after a blank line.
func fixupMessage(ctx context.Context, r *repo.Repository, fixup, squash, msg string) (string, error) {
	kind, rev := "fixup! ", fixup
	if squash != "" {
		kind, rev = "squash! ", squash
	}
	id, err := r.ResolveCommit(ctx, rev)
	if err != nil {
		return "", err
	}
	c, err := object.GetCommit(r.Storer, id)
	if err != nil {
		return "", err
	}
	para, _, _ := strings.Cut(strings.TrimLeft(c.Message, "\n"), "\n\n")
	subject := strings.Join(strings.Fields(para), " ")
	out := kind + subject + "\n"
	if strings.TrimSpace(msg) != "" {
		out += "\n" + msg
	}
	return out, nil
}
