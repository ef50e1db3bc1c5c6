// Command antibody turns incident reviews into proven defenses.
package main

import (
	"os"

	"github.com/antibody-dev/antibody/internal/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr)) }
