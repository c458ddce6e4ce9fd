// Command easel is the easel version control system.
package main

import (
	"os"

	"easel.dev/easel/cmd/cli"
)

func main() { os.Exit(cli.Main()) }
