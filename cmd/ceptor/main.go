// Command ceptor is the whole ceptor platform in one binary: the web UI and
// API server, database migrations, the demo data set, user and token
// administration, and audit-log verification.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// Set by the build (-ldflags "-X main.version=...").
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cmd := newRootCmd(os.Stdout, os.Stderr)
	if err := cmd.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}
